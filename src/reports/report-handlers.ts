import type { Handlers } from '../http/operation';
import type { ReportService } from './report-service';

export function reportHandlers(reports: ReportService) {
  return {
    getFeedbackReport: async ({ query }) => ({ status: 200, body: await reports.feedback(query) }),
    getFeedbackTrend: async ({ query }) => ({ status: 200, body: await reports.trend(query) }),
    listOverdueOrders: async ({ query }, call) => ({ status: 200, body: await reports.overdue(call, query) }),
    exportOverdueOrders: async ({ query }, call) => {
      const { filename, chunks } = reports.exportOverdue(call, query, call.language);
      return {
        status: 200,
        stream: chunks,
        headers: {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="${filename}"`,
          'Content-Language': call.language,
        },
      };
    },
  } satisfies Partial<Handlers>;
}
