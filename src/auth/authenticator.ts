import { timingSafeEqual } from 'node:crypto';
import DataLoader from 'dataloader';
import type { Clock } from '../time/clock';
import type { DepartmentLookup, Principal } from './principal';
import { tokenDigest } from './token-service';
import type { TokenByHash, TokenStore } from './token-store';

/** Hashes known not to be a token (unknown, revoked or expired): all three are final, so they may be remembered. */
const NEGATIVE_CACHE_LIMIT = 50_000;

export interface AuthLimits {
  /** Failed authentications one address may make per window before its further failures are 429 instead of 401. */
  failuresPerWindow: number;
  windowMs: number;
}
const DEFAULT_AUTH_LIMITS: AuthLimits = { failuresPerWindow: 20, windowMs: 60_000 };

/** What resolving a bearer header came to: a principal, no principal (401), or too many failures (429). */
export type AuthOutcome = Principal | null | { limited: true; retryAfterSeconds: number };

/**
 * Tells this process when a token row changes (src/checks/subject-index.ts: LISTEN tokens_changed, fed by a trigger
 * on api_tokens). `fresh` is false whenever a change committed over a second ago might not have arrived.
 */
export interface TokenChanges {
  readonly fresh: boolean;
  onTokenChange(listener: (tokenHash: string) => void): void;
}

/**
 * Resolves `Authorization: Bearer <token>` to a principal.
 *
 * A revoked token must stop working at once on every instance, and a check must not cost a query. So a token seen
 * valid is remembered only while `changes` (a LISTEN on a trigger-fed channel) is fresh, and forgotten when its row
 * changes: the instance that revoked waits for its own notification before answering (TokenService.revoke), every
 * other instance forgets it when the notification arrives (milliseconds), and if the listening connection is lost
 * or late by more than a second, every request reads the token row again. Reads of requests that arrive in the same
 * turn of the event loop share one statement (a DataLoader, as the checks do).
 * Unknown, revoked and expired tokens are remembered (negative cache), and an address that fails too often gets 429
 * instead of 401 for its further failures for the rest of the window; its valid tokens still work. Both live in
 * this process: with N instances an address gets N windows' worth of failures (still far too few to guess a
 * 256-bit token).
 */
export class Authenticator {
  private readonly adminDigest: Buffer | undefined;
  private readonly notTokens = new Set<string>();
  private readonly failures = new Map<string, { count: number; windowEnds: number }>();
  private readonly touched = new Map<string, number>();
  private readonly tokens: DataLoader<string, TokenByHash | null>;
  private readonly valid = new Map<string, TokenByHash>();
  /** Bumped on every change notice: a read that started before a notice must not be remembered after it. */
  private changeCount = 0;

  constructor(
    private readonly store: TokenStore,
    private readonly departments: DepartmentLookup,
    adminToken: string | undefined,
    private readonly clock: Clock,
    private readonly limits: AuthLimits = DEFAULT_AUTH_LIMITS,
    private readonly changes?: TokenChanges,
  ) {
    this.adminDigest = adminToken ? tokenDigest(adminToken) : undefined;
    changes?.onTokenChange((hash) => {
      this.changeCount++;
      if (hash === '*') this.valid.clear();
      else this.valid.delete(hash);
    });
    this.tokens = new DataLoader(
      async (hashes) => {
        const rows = await this.store.unrevokedByHash(hashes);
        const byHash = new Map(rows.map((r) => [r.tokenHash, r]));
        return hashes.map((h) => byHash.get(h) ?? null);
      },
      { cache: false, maxBatchSize: 500, batchScheduleFn: (run) => setImmediate(run) },
    );
  }

  /**
   * A valid token is answered whatever its address did: the failure limit refuses only guesses (tokens that are not
   * valid) from an address that has guessed too often, so one bad client behind a shared gateway locks out itself,
   * not the departments behind the same address. `address` is the client as the proxy reports it (TRUST_PROXY).
   */
  async resolve(authorization: string | string[] | undefined, address = 'unknown'): Promise<AuthOutcome> {
    const now = this.clock.now().getTime();
    const principal = await this.principalOf(authorization, now);
    if (principal || authorization === undefined) return principal;
    const failed = this.failures.get(address);
    if (failed && failed.windowEnds > now && failed.count >= this.limits.failuresPerWindow) {
      return { limited: true, retryAfterSeconds: Math.max(1, Math.ceil((failed.windowEnds - now) / 1000)) };
    }
    this.recordFailure(address, now);
    return null;
  }

  private async principalOf(authorization: string | string[] | undefined, now: number): Promise<Principal | null> {
    const header = Array.isArray(authorization) ? authorization[0] : authorization;
    const match = header?.match(/^Bearer\s+(\S{1,512})\s*$/i);
    if (!match) return null;
    // Compare digests, not strings, so the comparison takes the same time whatever the token.
    const digest = tokenDigest(match[1] as string);
    if (this.adminDigest && timingSafeEqual(digest, this.adminDigest)) return { kind: 'admin' };

    const hash = digest.toString('hex');
    if (this.notTokens.has(hash)) return null;
    const fresh = this.changes?.fresh === true;
    let row = fresh ? this.valid.get(hash) : undefined;
    if (!row) {
      const seen = this.changeCount;
      row = (await this.tokens.load(hash)) ?? undefined;
      if (row && fresh && this.changeCount === seen) {
        if (this.valid.size >= NEGATIVE_CACHE_LIMIT) this.valid.clear();
        this.valid.set(hash, row);
      }
    }
    const department = row && this.departments.find(row.department);
    if (!row || !department || (row.expiresAt && row.expiresAt.getTime() <= now)) {
      if (this.notTokens.size >= NEGATIVE_CACHE_LIMIT) this.notTokens.clear();
      this.notTokens.add(hash);
      return null;
    }
    // Last use to the minute (one write per token per minute per instance); a failed write must not fail the request.
    if ((this.touched.get(row.id) ?? -Infinity) <= now - 60_000) {
      if (this.touched.size >= NEGATIVE_CACHE_LIMIT) this.touched.clear();
      this.touched.set(row.id, now);
      this.store.touch(row.id, new Date(now)).catch(() => undefined);
    }
    return { kind: 'department', department, tokenId: row.id };
  }

  private recordFailure(address: string, now: number): void {
    const f = this.failures.get(address);
    if (f && f.windowEnds > now) f.count += 1;
    else {
      if (this.failures.size >= NEGATIVE_CACHE_LIMIT) this.failures.clear();
      this.failures.set(address, { count: 1, windowEnds: now + this.limits.windowMs });
    }
  }
}
