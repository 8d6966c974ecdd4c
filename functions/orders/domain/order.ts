import type {
  CancellationReason,
  CURRENCY,
  OrderStatus,
  PricedLine,
  ShippingAddress,
} from '#shared/events/schemas';

/** An order as the orders service stores it. `version` is also the sequence of the last event it emitted. */
export interface Order {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  /** Only on a CANCELLED order. */
  readonly reason?: CancellationReason;
  readonly items: readonly PricedLine[];
  readonly total: number;
  readonly currency: typeof CURRENCY;
  readonly shippingAddress: ShippingAddress;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
  readonly correlationId: string;
}

/** What the public API shows of an order (the stable contract of GET /orders/{orderId}). */
export interface OrderView {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly reason?: CancellationReason;
  readonly items: readonly PricedLine[];
  readonly total: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const toOrderView = (order: Order): OrderView => ({
  orderId: order.orderId,
  status: order.status,
  ...(order.status === 'CANCELLED' && order.reason ? { reason: order.reason } : {}),
  items: order.items.map(({ sku, name, quantity, unitPrice }) => ({ sku, name, quantity, unitPrice })),
  total: order.total,
  createdAt: order.createdAt,
  updatedAt: order.updatedAt,
});

/** Money is integer cents, so the total is exact. */
export const orderTotal = (items: readonly PricedLine[]): number =>
  items.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);

/** Where a saga may settle an order: only a PENDING order moves, and only once. */
export type Settlement =
  | { readonly status: 'CONFIRMED' }
  | { readonly status: 'CANCELLED'; readonly reason: CancellationReason };

export type TransitionCheck = 'allowed' | 'already-settled' | 'illegal';

export const checkTransition = (order: Order, target: Settlement): TransitionCheck => {
  if (order.status === 'PENDING') return 'allowed';
  return order.status === target.status ? 'already-settled' : 'illegal';
};
