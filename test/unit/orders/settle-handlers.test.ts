import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeCancelHandler } from '#functions/orders/cancel-handler';
import { makeConfirmHandler } from '#functions/orders/confirm-handler';
import { makeCancelOrder, makeConfirmOrder } from '#functions/orders/use-cases/settle-order';
import { metrics } from '#shared/powertools/index';
import { FixedClock } from '../../fixtures/clock.ts';
import { lambdaContext } from '../../fixtures/lambda-context.ts';
import { pendingOrder } from './builders.ts';
import { InMemoryOrderRepository } from './fakes.ts';

/** The saga state as Step Functions passes it to the task: the whole execution state. */
const sagaState = (extra: Record<string, unknown> = {}) => ({
  order: { orderId: 'order-1', customerId: 'customer-42', total: 8999, currency: 'USD', items: [] },
  correlationId: 'corr-1',
  causationId: 'placed-event-1',
  reservation: { status: 'RESERVED' },
  ...extra,
});

describe('the ConfirmOrder and CancelOrder saga tasks', () => {
  let orders: InMemoryOrderRepository;
  const clock = new FixedClock();

  beforeEach(() => {
    orders = new InMemoryOrderRepository();
    orders.seed(pendingOrder());
  });

  it('confirms and returns { status: CONFIRMED }, and again on a retried task without a second event', async () => {
    // Prepare
    const handler = makeConfirmHandler(() => makeConfirmOrder({ orders, clock }));

    // Act
    const first = await handler(sagaState(), lambdaContext());
    const retried = await handler(sagaState(), lambdaContext());

    // Assess
    expect(first).toEqual({ status: 'CONFIRMED' });
    expect(retried).toEqual({ status: 'CONFIRMED' });
    expect(orders.outbox).toHaveLength(1);
  });

  it('cancels with the reason the saga put in failure.reason', async () => {
    // Prepare
    const handler = makeCancelHandler(() => makeCancelOrder({ orders, clock }));

    // Act
    const result = await handler(sagaState({ failure: { reason: 'PAYMENT_DECLINED' } }), lambdaContext());

    // Assess
    expect(result).toEqual({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
    expect(orders.orders.get('order-1')?.reason).toBe('PAYMENT_DECLINED');
  });

  it('emits the OrdersCancelled metric with the reason as its dimension', async () => {
    // Prepare: metrics are disabled in unit tests, so the single metric is observed instead of its EMF line.
    const single = { addDimension: vi.fn(), addMetric: vi.fn() };
    single.addDimension.mockReturnValue(single);
    const spy = vi
      .spyOn(metrics, 'singleMetric')
      .mockReturnValue(single as unknown as ReturnType<typeof metrics.singleMetric>);
    const handler = makeCancelHandler(() => makeCancelOrder({ orders, clock }));

    // Act
    await handler(sagaState({ failure: { reason: 'OUT_OF_STOCK' } }), lambdaContext());
    spy.mockRestore();

    // Assess
    expect(single.addDimension).toHaveBeenCalledWith('reason', 'OUT_OF_STOCK');
    expect(single.addMetric).toHaveBeenCalledWith('OrdersCancelled', MetricUnit.Count, 1);
  });

  it('cancels with INTERNAL_ERROR when the saga gave no reason', async () => {
    // Prepare
    const handler = makeCancelHandler(() => makeCancelOrder({ orders, clock }));

    // Act
    const result = await handler(sagaState(), lambdaContext());

    // Assess
    expect(result).toEqual({ status: 'CANCELLED', reason: 'INTERNAL_ERROR' });
  });

  it('throws IllegalOrderTransitionError when asked to confirm a cancelled order', async () => {
    // Prepare
    orders.seed(pendingOrder({ status: 'CANCELLED', reason: 'OUT_OF_STOCK', version: 2 }));
    const handler = makeConfirmHandler(() => makeConfirmOrder({ orders, clock }));

    // Act
    const attempt = handler(sagaState(), lambdaContext());

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'IllegalOrderTransitionError' });
  });

  it('leaves an order that was confirmed before the cancellation alone and says so', async () => {
    // Prepare: ConfirmOrder committed, then its task failed, so the saga asks to cancel a CONFIRMED order.
    await makeConfirmHandler(() => makeConfirmOrder({ orders, clock }))(sagaState(), lambdaContext());
    const cancel = makeCancelHandler(() => makeCancelOrder({ orders, clock }));

    // Act
    const result = await cancel(sagaState({ failure: { reason: 'INTERNAL_ERROR' } }), lambdaContext());

    // Assess
    expect(result).toEqual({ status: 'CONFIRMED' });
    expect(orders.orders.get('order-1')?.status).toBe('CONFIRMED');
    expect(orders.outbox).toHaveLength(1);
  });

  it('throws InvalidTaskInputError for input that is not the saga state', async () => {
    // Prepare
    const handler = makeCancelHandler(() => makeCancelOrder({ orders, clock }));

    // Act
    const attempt = handler({ orderId: 'order-1', failure: { reason: 'BORED' } }, lambdaContext());

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'InvalidTaskInputError' });
    expect(orders.outbox).toHaveLength(0);
  });
});
