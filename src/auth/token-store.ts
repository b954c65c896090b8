import type { Knex } from 'knex';

export interface TokenRow {
  id: string;
  department: string;
  label: string | null;
  created_at: Date;
}

export async function insertToken(q: Knex | Knex.Transaction, row: { department: string; tokenHash: string; label: string | null; createdBy: string; createdAt: Date }): Promise<TokenRow> {
  const [inserted] = await q('api_tokens')
    .insert({ department: row.department, token_hash: row.tokenHash, label: row.label, created_by: row.createdBy, created_at: row.createdAt })
    .returning(['id', 'department', 'label', 'created_at']);
  return inserted as TokenRow;
}

export async function findActiveTokenByHash(q: Knex, tokenHash: string): Promise<{ id: string; department: string } | undefined> {
  return q('api_tokens').where({ token_hash: tokenHash }).whereNull('revoked_at').first('id', 'department');
}
