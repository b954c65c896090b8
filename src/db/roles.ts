import type { Db } from './knex';

/**
 * The service runs as a role that owns nothing: the migrations run as an owner role, which then grants the runtime
 * role only what the service does. Owning a table lets a role ALTER it, disable its triggers and TRUNCATE it, so a
 * service that owned audit_log could rewrite the audit trail whatever its triggers say; a grantee cannot.
 *
 * - every table: SELECT, INSERT, UPDATE, DELETE (no TRUNCATE, REFERENCES or TRIGGER);
 * - audit_log: SELECT and INSERT only (its trigger refuses UPDATE, DELETE and TRUNCATE even to its owner);
 * - knex_migrations*: SELECT only (/readyz asks whether every migration is applied);
 * - sequences: USAGE and SELECT (identity and serial columns);
 * - the database: nothing beyond CONNECT (the runbook revokes everything on it from PUBLIC, TEMPORARY included).
 *   TEMPORARY, granted while batch chunks were staged in a temp table, is revoked again: COPY now writes the
 *   entries straight into list_entries (src/lists/copy-writer.ts).
 * Idempotent; run after every migration, so tables a new migration adds are covered.
 */
export async function grantRuntimeRole(owner: Db, runtimeRole: string): Promise<void> {
  const [{ me, db } = { me: '', db: '' }] = (
    await owner.raw<{ rows: { me: string; db: string }[] }>('select current_user as me, current_database() as db')
  ).rows;
  if (me === runtimeRole) return; // one role for both: nothing to grant (the runbook says why not to)
  const role = `"${runtimeRole.replace(/"/g, '""')}"`;
  await owner.transaction(async (trx) => {
    await trx.raw(`grant usage on schema public to ${role}`);
    await trx.raw(`revoke all on all tables in schema public from ${role}`);
    await trx.raw(`grant select, insert, update, delete on all tables in schema public to ${role}`);
    await trx.raw(`revoke insert, update, delete on knex_migrations, knex_migrations_lock from ${role}`);
    await trx.raw(`revoke update, delete on audit_log from ${role}`);
    await trx.raw(`grant usage, select on all sequences in schema public to ${role}`);
    await trx.raw(`revoke temporary on database "${db.replace(/"/g, '""')}" from ${role}`);
  });
}

/** The role a connection logs in as. */
export async function currentRole(db: Db): Promise<string> {
  const { rows } = await db.raw<{ rows: { me: string }[] }>('select current_user as me');
  return rows[0]?.me as string;
}
