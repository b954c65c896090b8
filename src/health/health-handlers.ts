import type { Db } from '../db/knex';
import { migrationsApplied } from '../db/knex';
import type { HandlerMap } from '../http/operation';

export function healthHandlers(db: Db, rulesLoaded: () => boolean): HandlerMap {
  return {
    getHealth: () => ({ status: 200, body: { status: 'ok' } }),
    getReadiness: async () => {
      const database = await db.raw('select 1').then(() => true, () => false);
      const migrations = database ? await migrationsApplied(db).catch(() => false) : false;
      const rules = rulesLoaded();
      const ready = database && migrations && rules;
      return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not_ready', checks: { database, migrations, rules } } };
    },
  };
}
