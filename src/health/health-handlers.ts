import type { Db } from '../db/knex';
import { migrationsApplied } from '../db/knex';
import type { Handlers } from '../http/operation';
import type { CalendarStatus } from '../time/calendar-status';

/** `calendar` reports how long the official holiday calendar lasts; it never makes the service not ready. */
export function healthHandlers(db: Db, rulesLoaded: () => boolean, calendar?: () => CalendarStatus) {
  return {
    getHealth: async () => ({ status: 200, body: { status: 'ok' } }),
    getReadiness: async () => {
      const database = await db.raw('select 1').then(() => true, () => false);
      const migrations = database ? await migrationsApplied(db).catch(() => false) : false;
      const rules = rulesLoaded();
      const body = { checks: { database, migrations, rules }, ...(calendar ? { calendar: calendar() } : {}) };
      return database && migrations && rules
        ? { status: 200, body: { status: 'ready', ...body } }
        : { status: 503, body: { status: 'not_ready', ...body } };
    },
  } satisfies Partial<Handlers>;
}
