import type { Db } from '../db/knex';
import type { DepartmentDirectory } from '../departments/department-directory';
import type { components } from '../generated/openapi';
import type { Clock } from '../time/clock';
import { feedbackCounts } from './report-store';

type FeedbackReport = components['schemas']['FeedbackReport'];

/** For supervisors (信用办): which departments implemented, fed back, or are overdue. */
export class ReportService {
  constructor(
    private readonly db: Db,
    private readonly departments: DepartmentDirectory,
    private readonly clock: Clock,
  ) {}

  async feedback(): Promise<FeedbackReport> {
    const now = this.clock.now();
    const counts = await feedbackCounts(this.db, now);
    return {
      generatedAt: now.toISOString(),
      departments: counts
        .sort((a, b) => a.department.localeCompare(b.department))
        .map((c) => {
          const fedBack = c.implemented + c.not_applicable;
          return {
            department: c.department,
            name: this.departments.find(c.department)?.name,
            issued: c.issued,
            implemented: c.implemented,
            notApplicable: c.not_applicable,
            pending: c.pending,
            overdue: c.overdue,
            lifted: c.lifted,
            feedbackRate: fedBack + c.pending === 0 ? null : Math.round((fedBack / (fedBack + c.pending)) * 10_000) / 10_000,
          };
        }),
    };
  }
}
