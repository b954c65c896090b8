import { authed, bodyOf, pathOf, queryOf, type HandlerMap } from '../http/operation';
import type { OrderService } from './order-service';

export function orderHandlers(orders: OrderService): HandlerMap {
  return {
    listOrders: async (c, call) => ({ status: 200, body: await orders.list(authed(call), queryOf(c, 'listOrders')) }),
    getOrder: async (c, call) => ({ status: 200, body: await orders.get(authed(call), pathOf(c, 'getOrder').id) }),
    submitOrderFeedback: async (c, call) => ({
      status: 200,
      body: await orders.feedback(authed(call), pathOf(c, 'submitOrderFeedback').id, bodyOf(c, 'submitOrderFeedback')),
    }),
  };
}
