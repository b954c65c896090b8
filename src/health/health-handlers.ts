import type { Db } from '../db/knex';
import { migrationsApplied } from '../db/knex';
import type { Handlers } from '../http/operation';
import type { CalendarStatus } from '../time/calendar-status';

/** How long /readyz waits for the database before it says 503. */
const READY_TIMEOUT_MS = 2_000;

/** True when `work` succeeds within `ms`; false when it fails or takes longer (it is left to finish on its own). */
function within(ms: number, work: PromiseLike<unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    Promise.resolve(work).then(
      () => (clearTimeout(timer), resolve(true)),
      () => (clearTimeout(timer), resolve(false)),
    );
  });
}

/** What /readyz needs of the subject index (src/checks/subject-index.ts). */
interface IndexState {
  readonly fresh: boolean;
  readonly lastReloaded: { at: Date; subjects: number } | undefined;
}

/**
 * `calendar` reports how long the official holiday calendar lasts, `index` whether checks are answered from the
 * in-process subject index or from PostgreSQL; neither ever makes the service not ready (both only cost speed).
 */
export function healthHandlers(
  db: Db,
  rulesLoaded: () => boolean,
  calendar?: () => CalendarStatus,
  index?: IndexState,
) {
  return {
    getHealth: async () => ({ status: 200, body: { status: 'ok' } }),
    getReadiness: async () => {
      // Its own time limit: a frozen database makes /readyz say 503 within READY_TIMEOUT_MS, never hang.
      const database = await within(READY_TIMEOUT_MS, db.raw('select 1'));
      const migrations = database
        ? await within(
            READY_TIMEOUT_MS,
            migrationsApplied(db).then((ok) => ok || Promise.reject()),
          )
        : false;
      const rules = rulesLoaded();
      const body = {
        checks: { database, migrations, rules },
        ...(calendar ? { calendar: calendar() } : {}),
        ...(index ? { subjectIndex: indexState(index) } : {}),
      };
      return database && migrations && rules
        ? { status: 200, body: { status: 'ready', ...body } }
        : { status: 503, body: { status: 'not_ready', ...body } };
    },
  } satisfies Partial<Handlers>;
}

function indexState(index: IndexState) {
  const last = index.lastReloaded;
  return {
    fresh: index.fresh,
    checksAnsweredFrom: index.fresh ? ('index' as const) : ('postgresql' as const),
    lastReloadAt: last ? last.at.toISOString() : null,
    ...(last ? { subjects: last.subjects } : {}),
  };
}
