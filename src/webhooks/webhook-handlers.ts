import type { Handlers } from '../http/operation';
import type { WebhookService } from './webhook-service';

export function webhookHandlers(webhooks: WebhookService) {
  return {
    putDepartmentWebhook: async ({ params, body }, call) => ({
      status: 200,
      body: await webhooks.register(call, params.code, body),
    }),
  } satisfies Partial<Handlers>;
}
