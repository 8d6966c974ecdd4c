/** Saga task CancelOrder (the last compensation): PENDING -> CANCELLED(reason) with its OrderCancelled outbox event. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { documentClient, requireEnv } from '#shared/adapters/aws-clients';
import type { CancellationReason } from '#shared/events/schemas';
import { instrument } from '#shared/handlers/instrument';
import { systemClock } from '#shared/ports/clock';
import { logger, metrics, withCorrelationId } from '#shared/powertools/index';
import { DynamoOrderRepository } from './adapters/dynamo-order-repository.ts';
import { IllegalOrderTransitionError, OrderNotFoundError } from './domain/errors.ts';
import { parseSagaState } from './saga-task.ts';
import { type CancelOrder, makeCancelOrder } from './use-cases/settle-order.ts';

export type CancelResult =
  | { readonly status: 'CANCELLED'; readonly reason: CancellationReason }
  /**
   * The order was confirmed before this cancellation ran: ConfirmOrder committed, then failed (a timeout
   * after its write). The saga reads this and leaves the confirmed order, its payment and its stock alone.
   */
  | { readonly status: 'CONFIRMED' };

export const makeCancelHandler = (resolve: () => CancelOrder) =>
  instrument(async (state: unknown): Promise<CancelResult> => {
    const input = parseSagaState(state);
    withCorrelationId(input.correlationId);
    logger.appendKeys({ orderId: input.orderId });
    const result = await resolve()(input);
    switch (result.kind) {
      case 'Settled': {
        const reason = result.order.reason ?? input.reason;
        const metric = metrics.singleMetric();
        metric.addDimension('reason', reason);
        metric.addMetric('OrdersCancelled', MetricUnit.Count, 1);
        logger.info('order cancelled', { reason });
        return { status: 'CANCELLED', reason };
      }
      case 'AlreadySettled': {
        // A retried step: report the reason the order was actually cancelled with.
        const reason = result.order.reason ?? input.reason;
        logger.info('order was already cancelled; nothing to do', { reason });
        return { status: 'CANCELLED', reason };
      }
      case 'IllegalTransition':
        if (result.order.status === 'CONFIRMED') {
          logger.warn('order is already CONFIRMED; it is not cancelled', { reason: input.reason });
          return { status: 'CONFIRMED' };
        }
        throw new IllegalOrderTransitionError(
          `order ${input.orderId} is ${result.order.status}; it cannot be cancelled`,
        );
      case 'NotFound':
        throw new OrderNotFoundError(`order ${input.orderId} does not exist`);
    }
  });

let wired: CancelOrder | undefined;

const wire = (): CancelOrder => {
  wired ??= makeCancelOrder({
    orders: new DynamoOrderRepository(documentClient(), { orders: requireEnv('ORDERS_TABLE') }),
    clock: systemClock,
  });
  return wired;
};

export const handler = makeCancelHandler(wire);
