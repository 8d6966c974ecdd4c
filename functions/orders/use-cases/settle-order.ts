/**
 * The saga's last word on an order: confirm it, or cancel it with a reason. Each settles a PENDING
 * order once, together with its outbox event; a repeat (a retried task) changes nothing and emits nothing.
 */
import { TransientDependencyError } from '#shared/domain/errors';
import { type Causation, createEvent, deterministicEventId } from '#shared/events/envelope';
import type { CancellationReason } from '#shared/events/schemas';
import type { Clock } from '#shared/ports/clock';
import { checkTransition, type Order, type Settlement } from '../domain/order.ts';
import type { OrderChange, OrderRepository } from '../ports.ts';

/** A stale read means another writer moved the order; re-reading settles it, a few times at most. */
const MAX_ATTEMPTS = 3;

export interface SettleOrderCommand extends Causation {
  readonly orderId: string;
}

export type SettleOrderResult =
  /** This call moved the order and wrote its event. */
  | { readonly kind: 'Settled'; readonly order: Order }
  /** The order already had the target status (a retried step): no change, no second event. */
  | { readonly kind: 'AlreadySettled'; readonly order: Order }
  | { readonly kind: 'IllegalTransition'; readonly order: Order }
  | { readonly kind: 'NotFound' };

export interface SettleOrderDeps {
  readonly orders: OrderRepository;
  readonly clock: Clock;
}

const changeFor = (order: Order, target: Settlement, command: SettleOrderCommand, now: Date): OrderChange => {
  const version = order.version + 1;
  const causation = {
    correlationId: command.correlationId,
    causationId: command.causationId,
    occurredAt: now,
  };
  const lifecycle = {
    orderId: order.orderId,
    customerId: order.customerId,
    sequence: version,
    total: order.total,
    currency: order.currency,
  };
  const event =
    target.status === 'CONFIRMED'
      ? createEvent(
          'OrderConfirmed',
          { ...lifecycle, status: 'CONFIRMED' },
          { ...causation, eventId: deterministicEventId(order.orderId, 'OrderConfirmed') },
        )
      : createEvent(
          'OrderCancelled',
          { ...lifecycle, status: 'CANCELLED', reason: target.reason },
          { ...causation, eventId: deterministicEventId(order.orderId, 'OrderCancelled') },
        );
  return {
    orderId: order.orderId,
    expectedVersion: order.version,
    status: target.status,
    ...(target.status === 'CANCELLED' ? { reason: target.reason } : {}),
    updatedAt: now.toISOString(),
    event,
  };
};

const settle = async (
  { orders, clock }: SettleOrderDeps,
  target: Settlement,
  command: SettleOrderCommand,
): Promise<SettleOrderResult> => {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const order = await orders.get(command.orderId);
    if (!order) return { kind: 'NotFound' };
    const check = checkTransition(order, target);
    if (check === 'already-settled') return { kind: 'AlreadySettled', order };
    if (check === 'illegal') return { kind: 'IllegalTransition', order };
    const now = clock.now();
    const change = changeFor(order, target, command, now);
    const result = await orders.change(change);
    if (result.kind === 'Changed') {
      return {
        kind: 'Settled',
        order: {
          ...order,
          status: change.status,
          ...(change.reason ? { reason: change.reason } : {}),
          updatedAt: change.updatedAt,
          version: change.event.detail.data.sequence,
        },
      };
    }
  }
  throw new TransientDependencyError(
    `order ${command.orderId} kept changing under us; ${MAX_ATTEMPTS} attempts`,
  );
};

export type ConfirmOrder = (command: SettleOrderCommand) => Promise<SettleOrderResult>;
export type CancelOrder = (
  command: SettleOrderCommand & { readonly reason: CancellationReason },
) => Promise<SettleOrderResult>;

export const makeConfirmOrder =
  (deps: SettleOrderDeps): ConfirmOrder =>
  (command) =>
    settle(deps, { status: 'CONFIRMED' }, command);

export const makeCancelOrder =
  (deps: SettleOrderDeps): CancelOrder =>
  (command) =>
    settle(deps, { status: 'CANCELLED', reason: command.reason }, command);
