/** Saga task ConfirmOrder: PENDING -> CONFIRMED together with its OrderConfirmed outbox event. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { documentClient, requireEnv } from '#shared/adapters/aws-clients';
import { instrument } from '#shared/handlers/instrument';
import { systemClock } from '#shared/ports/clock';
import { logger, metrics, withCorrelationId } from '#shared/powertools/index';
import { DynamoOrderRepository } from './adapters/dynamo-order-repository.ts';
import { IllegalOrderTransitionError, OrderNotFoundError } from './domain/errors.ts';
import { parseSagaState } from './saga-task.ts';
import { type ConfirmOrder, makeConfirmOrder } from './use-cases/settle-order.ts';

export interface ConfirmResult {
  readonly status: 'CONFIRMED';
}

export const makeConfirmHandler = (resolve: () => ConfirmOrder) =>
  instrument(async (state: unknown): Promise<ConfirmResult> => {
    const input = parseSagaState(state);
    withCorrelationId(input.correlationId);
    logger.appendKeys({ orderId: input.orderId });
    const result = await resolve()(input);
    switch (result.kind) {
      case 'Settled':
        metrics.addMetric('OrdersConfirmed', MetricUnit.Count, 1);
        logger.info('order confirmed');
        return { status: 'CONFIRMED' };
      case 'AlreadySettled':
        logger.info('order was already confirmed; nothing to do');
        return { status: 'CONFIRMED' };
      case 'IllegalTransition':
        throw new IllegalOrderTransitionError(
          `order ${input.orderId} is ${result.order.status}; it cannot be confirmed`,
        );
      case 'NotFound':
        throw new OrderNotFoundError(`order ${input.orderId} does not exist`);
    }
  });

let wired: ConfirmOrder | undefined;

const wire = (): ConfirmOrder => {
  wired ??= makeConfirmOrder({
    orders: new DynamoOrderRepository(documentClient(), { orders: requireEnv('ORDERS_TABLE') }),
    clock: systemClock,
  });
  return wired;
};

export const handler = makeConfirmHandler(wire);
