import { recordAudit } from '../audit/audit-store';
import { actorOf, type CallContext } from '../auth/principal';
import type { Db } from '../db/knex';
import type { DepartmentDirectory } from '../departments/department-directory';
import { ValidationError } from '../errors';
import type { components } from '../generated/openapi';
import type { Clock } from '../time/clock';
import { SecretBox } from './secret-box';
import { SECRET_PREFIX, signingKey } from './signature';
import { WebhookTargetRefused, type WebhookTargetGuard } from './target-guard';
import type { WebhookStore } from './webhook-store';

export type WebhookInput = components['schemas']['WebhookInput'];
export type Webhook = components['schemas']['Webhook'];

/** The webhook key: from the configuration (bootstrap resolves it, never from the database it protects). */
export function secretBoxProvider(_db: Db, configuredKey: string | undefined): () => Promise<SecretBox> {
  let box: Promise<SecretBox> | undefined;
  return () => {
    box ??= (
      configuredKey
        ? Promise.resolve(configuredKey)
        : Promise.reject(new Error('no WEBHOOK_SECRET_KEY: bootstrap resolves it'))
    ).then((k) => new SecretBox(k));
    box.catch(() => (box = undefined));
    return box;
  };
}

/** A department (or the administrator for it) says where its order events go. The secret is never returned. */
export class WebhookService {
  constructor(
    private readonly store: WebhookStore,
    private readonly departments: DepartmentDirectory,
    private readonly clock: Clock,
    private readonly secrets: () => Promise<SecretBox>,
    private readonly targets: WebhookTargetGuard,
  ) {}

  async register(ctx: CallContext, code: string, input: WebhookInput): Promise<Webhook> {
    const department = this.departments.get(code);
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw ValidationError.coded('url', 'url_not_absolute');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw ValidationError.coded('url', 'url_not_http');
    if (url.username || url.password) throw ValidationError.coded('url', 'url_credentials');
    // Checked again at every connection (DNS may answer otherwise later); here so a bad target is refused at once.
    try {
      await this.targets.check(url);
    } catch (e) {
      if (e instanceof WebhookTargetRefused) throw ValidationError.coded('url', 'url_refused', { reason: e.message });
      throw e;
    }
    if (input.secret.startsWith(SECRET_PREFIX) && signingKey(input.secret).length < 16) {
      throw ValidationError.coded('secret', 'secret_too_short', { prefix: SECRET_PREFIX });
    }

    const sealed = (await this.secrets()).seal(input.secret);
    const now = this.clock.now();
    const actor = actorOf(ctx.principal);
    const row = await this.store.transaction(async (trx) => {
      const stored = await this.store.upsert(trx, {
        department: department.code,
        url: url.toString(),
        secret_sealed: sealed,
        updated_by: actor,
        created_at: now,
        updated_at: now,
      });
      await recordAudit(trx, { at: now, requestId: ctx.requestId }, [
        { actor, action: 'webhook.set', entityType: 'webhook', entityId: department.code, after: { url: stored.url } },
      ]);
      return stored;
    });
    return {
      department: row.department,
      url: row.url,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}
