import type { Handlers } from '../http/operation';
import { localised } from '../http/problem';
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
    submitOrderFeedbackBatch: async ({ body }, call) => {
      const { results, ...counts } = await orders.feedbackBatch(call, body.items);
      // each item's problem as a problem+json answer gives it: in the caller's language, without its codes
      const shown = results.map((r) =>
        r.problem ? { ...r, problem: localised(r.problem, call.language, 'submitOrderFeedbackBatch') } : r,
      );
      return { status: 200, headers: { 'Content-Language': call.language }, body: { ...counts, results: shown } };
    },
  } satisfies Partial<Handlers>;
}
