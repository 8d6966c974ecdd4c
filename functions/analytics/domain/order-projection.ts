/**
 * The order projection, as pure functions: which summary an order event leads to, and how the
 * per-status stats move. An event is applied only when its sequence is newer than the one held, so a
 * late or replayed event changes nothing and any delivery order converges to the same state.
 */
import type { CancellationReason, DomainEvent, OrderStatus } from '#shared/events/schemas';

export const PROJECTED_EVENT_TYPES = ['OrderPlaced', 'OrderConfirmed', 'OrderCancelled'] as const;
export type ProjectedEventType = (typeof PROJECTED_EVENT_TYPES)[number];
export type ProjectedEvent = { [T in ProjectedEventType]: DomainEvent<T> }[ProjectedEventType];

/** The ReadModel's view of one order. */
export interface OrderSummary {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly reason?: CancellationReason;
  /** Integer cents. */
  readonly total: number;
  /** The sequence of the last event applied. */
  readonly sequence: number;
  /** When the last applied event occurred (not when it was projected, so a rebuild gives the same item). */
  readonly updatedAt: string;
}

/** How one status's stats change: a count of orders and their revenue in cents, each possibly negative. */
export interface StatsDelta {
  readonly status: OrderStatus;
  readonly orders: number;
  readonly revenue: number;
}

/** What to write, atomically, when an event is newer than what the store holds. */
export interface ProjectionChange {
  /** The sequence the summary held when it was read; 0 when there was none. The write is conditional on it. */
  readonly readSequence: number;
  readonly summary: OrderSummary;
  /** At most one delta per status, none of them zero. */
  readonly stats: readonly StatsDelta[];
}

const summaryOf = (event: ProjectedEvent): OrderSummary => {
  const { orderId, customerId, total, sequence } = event.detail.data;
  const base = { orderId, customerId, total, sequence, updatedAt: event.detail.metadata.occurredAt };
  switch (event.detailType) {
    case 'OrderPlaced':
      return { ...base, status: 'PENDING' };
    case 'OrderConfirmed':
      return { ...base, status: 'CONFIRMED' };
    case 'OrderCancelled':
      return { ...base, status: 'CANCELLED', reason: event.detail.data.reason };
  }
};

/** The order leaves `previous`'s status and enters `next`'s; deltas on the same status are merged. */
export const statsMoves = (previous: OrderSummary | undefined, next: OrderSummary): StatsDelta[] => {
  const deltas = new Map<OrderStatus, { orders: number; revenue: number }>();
  const add = (status: OrderStatus, orders: number, revenue: number) => {
    const current = deltas.get(status) ?? { orders: 0, revenue: 0 };
    deltas.set(status, { orders: current.orders + orders, revenue: current.revenue + revenue });
  };
  if (previous) add(previous.status, -1, -previous.total);
  add(next.status, 1, next.total);
  return [...deltas]
    .filter(([, delta]) => delta.orders !== 0 || delta.revenue !== 0)
    .map(([status, delta]) => ({ status, ...delta }));
};

/** The change `event` makes to an order whose summary is `current`, or undefined when the event is not newer. */
export const project = (
  current: OrderSummary | undefined,
  event: ProjectedEvent,
): ProjectionChange | undefined => {
  if (current && event.detail.data.sequence <= current.sequence) return undefined;
  const summary = summaryOf(event);
  return { readSequence: current?.sequence ?? 0, summary, stats: statsMoves(current, summary) };
};
