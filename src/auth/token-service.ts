import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/knex';
import { recordAudit } from '../audit/audit-store';
import { actorOf, type CallContext, type DepartmentLookup } from './principal';
import type { Clock } from '../time/clock';
import { insertToken } from './token-store';

/** SHA-256 of a bearer token: tokens are stored and looked up by its hex form, never in clear. */
export const tokenDigest = (token: string) => createHash('sha256').update(token).digest();
export const hashToken = (token: string) => tokenDigest(token).toString('hex');

export class TokenService {
  constructor(
    private readonly db: Db,
    private readonly departments: DepartmentLookup,
    private readonly clock: Clock,
  ) {}

  /** A new token for a department; only its hash is kept, so this is the one time it can be read. */
  async create(ctx: CallContext, departmentCode: string, label: string | undefined) {
    const department = this.departments.get(departmentCode);
    const token = `jp_${randomBytes(32).toString('base64url')}`;
    const at = this.clock.now();
    const row = await this.db.transaction(async (trx) => {
      const inserted = await insertToken(trx, { department: department.code, tokenHash: hashToken(token), label: label ?? null, createdBy: actorOf(ctx.principal), createdAt: at });
      await recordAudit(trx, { at, requestId: ctx.requestId }, [
        { actor: actorOf(ctx.principal), action: 'token.created', entityType: 'api_token', entityId: inserted.id, after: { department: department.code, label: inserted.label } },
      ]);
      return inserted;
    });
    return { token, id: row.id, department: row.department, label: row.label, createdAt: new Date(row.created_at).toISOString() };
  }
}
