import { createHash, randomBytes } from 'node:crypto';
import { recordAudit } from '../audit/audit-store';
import { actorOf, type CallContext, type DepartmentLookup } from './principal';
import { NotFoundError, ValidationError } from '../errors';
import type { components } from '../generated/openapi';
import type { Clock } from '../time/clock';
import type { Token, TokenStore } from './token-store';

/** SHA-256 of a bearer token: tokens are stored and looked up by its hex form, never in clear. */
export const tokenDigest = (token: string) => createHash('sha256').update(token).digest();
const hashToken = (token: string) => tokenDigest(token).toString('hex');

const YEAR_MS = 365 * 24 * 3600 * 1000;
/** A token lives a year unless the administrator says otherwise; never more than five, so none is forgotten forever. */
const DEFAULT_TOKEN_LIFETIME_MS = YEAR_MS;
const MAX_TOKEN_LIFETIME_MS = 5 * YEAR_MS;

type TokenSummary = components['schemas']['TokenSummary'];
const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toTokenSummary(token: Token): TokenSummary {
  return {
    id: token.id,
    department: token.department,
    label: token.label,
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: iso(token.lastUsedAt),
    expiresAt: iso(token.expiresAt),
    revokedAt: iso(token.revokedAt),
  };
}

export class TokenService {
  constructor(
    private readonly store: TokenStore,
    private readonly departments: DepartmentLookup,
    private readonly clock: Clock,
    /** Expiry is real time (see AppDeps.wallClock), not the service clock. */
    private readonly wallClock: Clock = clock,
    /** Resolves once this instance has seen the change notices committed so far (SubjectIndex.sync). */
    private readonly changesSeen: () => Promise<unknown> = async () => undefined,
  ) {}

  /** A new token for a department; only its hash is kept, so this is the one time it can be read. */
  async create(ctx: CallContext, departmentCode: string, input: { label?: string; expiresAt?: string } = {}) {
    const department = this.departments.get(departmentCode);
    const at = this.clock.now();
    const realNow = this.wallClock.now().getTime();
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : new Date(realNow + DEFAULT_TOKEN_LIFETIME_MS);
    if (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= realNow)
      throw ValidationError.coded('expiresAt', 'not_in_future');
    if (expiresAt.getTime() - realNow > MAX_TOKEN_LIFETIME_MS)
      throw ValidationError.coded('expiresAt', 'within_five_years');
    const token = `jp_${randomBytes(32).toString('base64url')}`;
    const row = await this.store.transaction(async (trx) => {
      const inserted = await this.store.insert(trx, {
        department: department.code,
        tokenHash: hashToken(token),
        label: input.label ?? null,
        createdBy: actorOf(ctx.principal),
        createdAt: at,
        expiresAt,
      });
      await recordAudit(trx, { at, requestId: ctx.requestId }, [
        {
          actor: actorOf(ctx.principal),
          action: 'token.created',
          entityType: 'api_token',
          entityId: inserted.id,
          after: { department: department.code, label: inserted.label, expiresAt: expiresAt.toISOString() },
        },
      ]);
      return inserted;
    });
    return {
      token,
      id: row.id,
      department: row.department,
      label: row.label,
      createdAt: row.createdAt.toISOString(),
      expiresAt: iso(row.expiresAt),
    };
  }

  async list(_ctx: CallContext, departmentCode: string): Promise<{ items: TokenSummary[] }> {
    const department = this.departments.get(departmentCode);
    return { items: (await this.store.list(department.code)).map(toTokenSummary) };
  }

  /**
   * Revocation is effective from the next request: this instance answers only after its authenticator has seen the
   * change notice, other instances forget the token when theirs arrives (see src/auth/authenticator.ts). Revoking
   * twice is harmless and writes one audit row.
   */
  async revoke(ctx: CallContext, departmentCode: string, id: string): Promise<void> {
    const department = this.departments.get(departmentCode);
    const at = this.clock.now();
    await this.store.transaction(async (trx) => {
      const row = await this.store.findForUpdate(trx, department.code, id);
      if (!row) throw NotFoundError.coded('no_token_id', { id, department: department.code });
      if (row.revokedAt) return;
      await this.store.markRevoked(trx, id, at);
      await recordAudit(trx, { at, requestId: ctx.requestId }, [
        {
          actor: actorOf(ctx.principal),
          action: 'token.revoked',
          entityType: 'api_token',
          entityId: id,
          before: { department: department.code, label: row.label },
        },
      ]);
    });
    await this.changesSeen();
  }
}
