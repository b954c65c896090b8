import { authed, type HandlerMap } from '../http/operation';
import type { ReportService } from './report-service';

export function reportHandlers(reports: ReportService): HandlerMap {
  return {
    getFeedbackReport: async (_c, call) => ({ status: 200, body: await reports.feedback(authed(call)) }),
  };
}
