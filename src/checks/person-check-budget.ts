import DataLoader from 'dataloader';
import type { Db } from '../db/knex';
import { TooManyRequestsError } from '../errors';
import type { Clock } from '../time/clock';

export interface PersonCheckLimit {
  /** Checks by ID number (persons, officers) one token may make per window. */
  perWindow: number;
  windowSeconds: number;
}

type Spent = { used: number; window_ends: Date };

/**
 * The budget of person-level checks, per caller and window, shared by every instance (table person_check_budget).
 * Checks answered in the same turn of the event loop spend their budget in one statement: per caller, the window is
 * renewed when it has ended, and `used` grows by the number of checks; the checks then take the places
 * used - n + 1 … used in arrival order, and those past perWindow are refused with 429 and Retry-After (the end of
 * the window). Refused checks count too, so hammering on does not reopen the window early.
 */
export class PersonCheckBudget {
  private readonly spend: DataLoader<string, Spent>;

  constructor(
    db: Db,
    private readonly limit: PersonCheckLimit,
    private readonly clock: Clock,
  ) {
    this.spend = new DataLoader(
      async (callers) => {
        const counts = new Map<string, number>();
        for (const c of callers) counts.set(c, (counts.get(c) ?? 0) + 1);
        const now = this.clock.now();
        const ends = new Date(now.getTime() + this.limit.windowSeconds * 1000);
        const { rows } = await db.raw<{ rows: (Spent & { caller: string })[] }>(
          `insert into person_check_budget as b (caller, used, window_ends)
             select caller, n, ?::timestamptz from unnest(?::text[], ?::int[]) as u(caller, n)
           on conflict (caller) do update set
             used = case when b.window_ends <= ?::timestamptz then excluded.used else b.used + excluded.used end,
             window_ends = case when b.window_ends <= ?::timestamptz then excluded.window_ends else b.window_ends end
           returning caller, used, window_ends`,
          [ends, [...counts.keys()], [...counts.values()], now, now],
        );
        // Hand out places in arrival order: the first of a caller's checks in this batch gets used - n + 1.
        const next = new Map(rows.map((r) => [r.caller, { ...r, used: r.used - (counts.get(r.caller) ?? 1) }]));
        return callers.map((c) => {
          const r = next.get(c) as Spent;
          r.used += 1;
          return { used: r.used, window_ends: r.window_ends };
        });
      },
      { cache: false, maxBatchSize: 500, batchScheduleFn: (run) => setImmediate(run) },
    );
  }

  /** Spends one check of the caller's budget, or throws TooManyRequestsError when it is used up. */
  async take(caller: string): Promise<void> {
    const { used, window_ends } = await this.spend.load(caller);
    if (used <= this.limit.perWindow) return;
    const retryAfter = Math.max(1, Math.ceil((new Date(window_ends).getTime() - this.clock.now().getTime()) / 1000));
    throw new TooManyRequestsError(
      `at most ${this.limit.perWindow} checks by ID number per ${this.limit.windowSeconds} s per token; retry after ${retryAfter} s`,
      retryAfter,
    );
  }
}
