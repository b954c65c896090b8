import type { Handlers } from '../http/operation';
import type { ReportService } from './report-service';

export function reportHandlers(reports: ReportService) {
  return {
    getFeedbackReport: async () => ({ status: 200, body: await reports.feedback() }),
  } satisfies Partial<Handlers>;
}
