/**
 * Token changes reach every instance at once: a revoked or deleted api_tokens row sends NOTIFY tokens_changed with
 * its hash in the changing transaction (not when only last_used_at moves) (delivered at commit), so an authenticator may remember tokens it has seen
 * valid and forget them when told (src/auth/authenticator.ts). TRUNCATE sends '*'.
 */
exports.up = async (knex) => {
  await knex.raw(`
    create or replace function notify_token_changed() returns trigger language plpgsql as $$
    begin
      if tg_op = 'TRUNCATE' then
        perform pg_notify('tokens_changed', '*');
      else
        perform pg_notify('tokens_changed', old.token_hash);
      end if;
      return null;
    end $$;
    comment on function notify_token_changed() is 'NOTIFY tokens_changed with the changed token''s hash (or *)';
    create trigger api_tokens_changed after update of revoked_at, expires_at, department, token_hash or delete on api_tokens
      for each row execute function notify_token_changed();
    create trigger api_tokens_truncated after truncate on api_tokens
      for each statement execute function notify_token_changed();
  `);
};

exports.down = async (knex) => {
  await knex.raw(`
    drop trigger if exists api_tokens_truncated on api_tokens;
    drop trigger if exists api_tokens_changed on api_tokens;
    drop function if exists notify_token_changed();
  `);
};
