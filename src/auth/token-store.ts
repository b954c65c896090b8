import type { Knex } from 'knex';

export interface TokenRow {
  id: string;
  department: string;
  label: string | null;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = ['id', 'department', 'label', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'];

export async function insertToken(
  q: Knex | Knex.Transaction,
  row: {
    department: string;
    tokenHash: string;
    label: string | null;
    createdBy: string;
    createdAt: Date;
    expiresAt: Date;
  },
): Promise<TokenRow> {
  const [inserted] = await q('api_tokens')
    .insert({
      department: row.department,
      token_hash: row.tokenHash,
      label: row.label,
      created_by: row.createdBy,
      created_at: row.createdAt,
      expires_at: row.expiresAt,
    })
    .returning(COLUMNS);
  return inserted as TokenRow;
}

/** The tokens of these hashes that are not revoked (expiry is the caller's to judge, by the service clock). */
export async function findUnrevokedTokensByHash(
  q: Knex,
  tokenHashes: readonly string[],
): Promise<{ id: string; department: string; token_hash: string; expires_at: Date | null }[]> {
  return q('api_tokens')
    .whereIn('token_hash', tokenHashes)
    .whereNull('revoked_at')
    .select('id', 'department', 'token_hash', 'expires_at');
}

export async function listTokens(q: Knex, department: string): Promise<TokenRow[]> {
  return q('api_tokens')
    .where({ department })
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .select(COLUMNS);
}

export async function findToken(
  q: Knex | Knex.Transaction,
  department: string,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<TokenRow | undefined> {
  const query = q('api_tokens').where({ department, id }).first(COLUMNS);
  return opts.forUpdate ? query.forUpdate() : query;
}

export async function markTokenRevoked(q: Knex.Transaction, id: string, at: Date): Promise<void> {
  await q('api_tokens').where({ id }).whereNull('revoked_at').update({ revoked_at: at });
}

/** Last use, to the minute: one write per token per minute at most, whatever the request rate. */
export async function touchToken(q: Knex, id: string, at: Date): Promise<void> {
  await q('api_tokens')
    .where({ id })
    .andWhere((w) => w.whereNull('last_used_at').orWhere('last_used_at', '<', new Date(at.getTime() - 60_000)))
    .update({ last_used_at: at });
}
