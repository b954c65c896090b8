import type { Handlers } from '../http/operation';
import type { ReportService } from './report-service';

export function reportHandlers(reports: ReportService) {
  return {
    getFeedbackReport: async ({ query }) => ({ status: 200, body: await reports.feedback(query) }),
    getFeedbackTrend: async ({ query }) => ({ status: 200, body: await reports.trend(query) }),
    listOverdueOrders: async ({ query }, call) => ({ status: 200, body: await reports.overdue(call, query) }),
  } satisfies Partial<Handlers>;
}
