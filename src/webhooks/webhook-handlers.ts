import { authed, bodyOf, pathOf, type HandlerMap } from '../http/operation';
import type { WebhookService } from './webhook-service';

export function webhookHandlers(webhooks: WebhookService): HandlerMap {
  return {
    putDepartmentWebhook: async (c, call) => ({
      status: 200,
      body: await webhooks.register(authed(call), pathOf(c, 'putDepartmentWebhook').code, bodyOf(c, 'putDepartmentWebhook')),
    }),
  };
}
