import { OrderId } from '#shared/events/schemas';
import { type OrderView, toOrderView } from '../domain/order.ts';
import type { OrderRepository } from '../ports.ts';

export type GetOrderResult =
  | { readonly kind: 'Found'; readonly order: OrderView }
  | { readonly kind: 'NotFound' };

export type GetOrder = (orderId: string) => Promise<GetOrderResult>;

export const makeGetOrder =
  ({ orders }: { readonly orders: OrderRepository }): GetOrder =>
  async (orderId) => {
    // An id no order can have is simply not found; no need to ask the table.
    if (!OrderId.safeParse(orderId).success) return { kind: 'NotFound' };
    const order = await orders.get(orderId);
    return order ? { kind: 'Found', order: toOrderView(order) } : { kind: 'NotFound' };
  };
