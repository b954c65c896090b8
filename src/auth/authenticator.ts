import { timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/knex';
import { tokenDigest } from './token-service';
import { findActiveTokenByHash } from './token-store';
import type { DepartmentLookup, Principal } from './principal';

const CACHE_TTL_MS = 30_000;
const CACHE_LIMIT = 10_000;

/**
 * Resolves `Authorization: Bearer <token>` to a principal. Department tokens are looked up by hash and cached
 * briefly, so a procurement system's stream of checks does not cost a token query each.
 */
export class Authenticator {
  private readonly adminDigest: Buffer | undefined;
  private readonly cache = new Map<string, { principal: Principal | null; expires: number }>();

  constructor(
    private readonly db: Db,
    private readonly departments: DepartmentLookup,
    adminToken: string | undefined,
  ) {
    this.adminDigest = adminToken ? tokenDigest(adminToken) : undefined;
  }

  async resolve(authorization: string | string[] | undefined): Promise<Principal | null> {
    const header = Array.isArray(authorization) ? authorization[0] : authorization;
    const match = header?.match(/^Bearer\s+(\S{1,512})\s*$/i);
    if (!match) return null;
    const token = match[1] as string;

    // Compare digests, not strings, so the comparison takes the same time whatever the token.
    const digest = tokenDigest(token);
    if (this.adminDigest && timingSafeEqual(digest, this.adminDigest)) return { kind: 'admin' };

    const hash = digest.toString('hex'); // hashToken(token), without hashing a second time
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.expires > now) return cached.principal;

    const row = await findActiveTokenByHash(this.db, hash);
    const department = row && this.departments.find(row.department);
    const principal: Principal | null = row && department ? { kind: 'department', department, tokenId: row.id } : null;
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(hash, { principal, expires: now + CACHE_TTL_MS });
    return principal;
  }
}
