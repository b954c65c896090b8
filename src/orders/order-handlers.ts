import type { Handlers } from '../http/operation';
import type { OrderService } from './order-service';

export function orderHandlers(orders: OrderService) {
  return {
    listOrders: async ({ query }, call) => ({ status: 200, body: await orders.list(call, query) }),
    getOrder: async ({ params }, call) => ({ status: 200, body: await orders.get(call, params.id) }),
    submitOrderFeedback: async ({ params, body }, call) => ({
      status: 200,
      body: await orders.feedback(call, params.id, body),
    }),
    correctOrderFeedback: async ({ params, body }, call) => ({
      status: 200,
      body: await orders.correct(call, params.id, body),
    }),
    submitOrderFeedbackBatch: async ({ body }, call) => ({
      status: 200,
      body: await orders.feedbackBatch(call, body.items),
    }),
  } satisfies Partial<Handlers>;
}
