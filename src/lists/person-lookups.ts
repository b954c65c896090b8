import type { Db } from '../db/knex';
import { actorOf, type CallContext } from '../auth/principal';
import { TooManyRequestsError } from '../errors';
import { recordAudit } from '../audit/audit-store';

export interface LookupLimit {
  /** Look-ups by ID number one token (or the administrator) may make per window. */
  perWindow: number;
  windowSeconds: number;
}

/**
 * A look-up by ID number is a read of personal data and an oracle: "is this candidate number listed?". Each one is
 * written to audit_log (who, which keyed hash, when, under which request), and the same rows are the limiter's
 * state: a caller who has made perWindow look-ups in the last windowSeconds gets 429 with Retry-After until the
 * oldest of them leaves the window. The state is in PostgreSQL, so the limit holds across all instances together;
 * an advisory lock per caller makes concurrent look-ups count one after another.
 */
export async function auditPersonLookup(
  db: Db,
  ctx: CallContext,
  at: Date,
  personKey: string,
  operation: string,
  limit: LookupLimit,
): Promise<void> {
  const p = ctx.principal;
  const who = p.kind === 'department' ? p.tokenId : actorOf(p);
  await db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`person.looked_up:${who}`]);
    const since = new Date(at.getTime() - limit.windowSeconds * 1000);
    const recent = await trx('audit_log')
      .where({ action: 'person.looked_up' })
      .whereRaw('coalesce(token_id::text, actor) = ?', [who])
      .where('occurred_at', '>', since)
      .select(trx.raw('count(*)::int as n'), trx.raw('min(occurred_at) as oldest'))
      .first<{ n: number; oldest: Date | null }>();
    if (recent && recent.n >= limit.perWindow && recent.oldest) {
      const retryAfter = Math.max(
        1,
        Math.ceil((new Date(recent.oldest).getTime() + limit.windowSeconds * 1000 - at.getTime()) / 1000),
      );
      throw new TooManyRequestsError(
        `at most ${limit.perWindow} look-ups by ID number per ${limit.windowSeconds} s per token; retry after ${retryAfter} s`,
        retryAfter,
      );
    }
    await recordAudit(
      trx,
      { at, requestId: ctx.requestId, ...(p.kind === 'department' ? { tokenId: p.tokenId } : {}) },
      [
        {
          actor: actorOf(p),
          action: 'person.looked_up',
          entityType: 'person',
          entityId: personKey,
          after: { operation },
        },
      ],
    );
  });
}
