import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { type ApiTokenRecord, columnsOf } from '../db/tables';

/** A department's API token as the service knows it (its hash never leaves the store). */
export interface Token {
  id: string;
  department: string;
  label: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A token found by its hash, for authentication. */
export interface TokenByHash {
  id: string;
  department: string;
  tokenHash: string;
  expiresAt: Date | null;
}

const COLUMNS = columnsOf(
  'api_tokens',
  'id',
  'department',
  'label',
  'created_at',
  'expires_at',
  'last_used_at',
  'revoked_at',
);

const toToken = (r: Pick<ApiTokenRecord, (typeof COLUMNS)[number]>): Token => ({
  id: r.id,
  department: r.department,
  label: r.label,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

/**
 * api_tokens. Everything here is on the primary, reads too: authentication must never accept a token the replica
 * has not yet seen revoked, and the token list is what an administrator checks right after revoking one.
 */
export class TokenStore {
  constructor(private readonly primary: Db) {}

  /** A writing transaction on the primary; the methods taking `trx` run inside one. */
  transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.primary.transaction(work);
  }

  async insert(
    trx: Knex.Transaction,
    row: {
      department: string;
      tokenHash: string;
      label: string | null;
      createdBy: string;
      createdAt: Date;
      expiresAt: Date;
    },
  ): Promise<Token> {
    const [inserted] = await trx('api_tokens')
      .insert({
        department: row.department,
        token_hash: row.tokenHash,
        label: row.label,
        created_by: row.createdBy,
        created_at: row.createdAt,
        expires_at: row.expiresAt,
      })
      .returning([...COLUMNS]);
    if (!inserted) throw new Error('api_tokens: the insert returned no row');
    return toToken(inserted);
  }

  /** The tokens of these hashes that are not revoked (expiry is the caller's to judge, by the service clock). */
  async unrevokedByHash(tokenHashes: readonly string[]): Promise<TokenByHash[]> {
    const rows = await this.primary('api_tokens')
      .whereIn('token_hash', tokenHashes)
      .whereNull('revoked_at')
      .select(...columnsOf('api_tokens', 'id', 'department', 'token_hash', 'expires_at'));
    return rows.map((r) => ({ id: r.id, department: r.department, tokenHash: r.token_hash, expiresAt: r.expires_at }));
  }

  async list(department: string): Promise<Token[]> {
    const rows = await this.primary('api_tokens')
      .where({ department })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .select(...COLUMNS);
    return rows.map(toToken);
  }

  /** One token of a department, its row locked until the transaction ends. */
  async findForUpdate(trx: Knex.Transaction, department: string, id: string): Promise<Token | undefined> {
    const row = await trx('api_tokens')
      .where({ department, id })
      .forUpdate()
      .first(...COLUMNS);
    return row ? toToken(row) : undefined;
  }

  async markRevoked(trx: Knex.Transaction, id: string, at: Date): Promise<void> {
    await trx('api_tokens').where({ id }).whereNull('revoked_at').update({ revoked_at: at });
  }

  /** Last use, to the minute: one write per token per minute at most, whatever the request rate. */
  async touch(id: string, at: Date): Promise<void> {
    await this.primary('api_tokens')
      .where({ id })
      .andWhere((w) => w.whereNull('last_used_at').orWhere('last_used_at', '<', new Date(at.getTime() - 60_000)))
      .update({ last_used_at: at });
  }
}
