import { describe, expect, it } from 'vitest';
import { makeAuthorizePayment } from '#functions/payments/authorize-payment';
import { makeRefundPayment } from '#functions/payments/refund-payment';
import { authorizationIdFor } from '#functions/payments/simulated-payment-gateway';
import { TransientDependencyError } from '#shared/domain/errors';
import { deterministicEventId } from '#shared/events/envelope';
import { FixedClock } from '../../fixtures/clock.ts';
import { RecordingPublisher } from '../../fixtures/event-publisher.ts';
import { CountingGateway, InMemoryPaymentStore } from './fakes.ts';

const causation = { correlationId: 'corr-1', causationId: 'evt-placed-1' };

const setup = () => {
  const payments = new InMemoryPaymentStore();
  const gateway = new CountingGateway();
  const publisher = new RecordingPublisher();
  const clock = new FixedClock();
  const authorize = makeAuthorizePayment({ payments, gateway, publisher, clock });
  return {
    payments,
    gateway,
    publisher,
    authorizeWith: (paymentToken: string) =>
      authorize({
        orderId: 'order-1',
        customerId: 'customer-1',
        amount: 4_500,
        currency: 'USD',
        paymentToken,
        causation,
      }),
    refund: makeRefundPayment({ payments, gateway, publisher, clock }),
  };
};

describe('RefundPayment', () => {
  it('refunds an authorized payment exactly once and announces PaymentRefunded', async () => {
    // Prepare
    const { gateway, payments, publisher, authorizeWith, refund } = setup();
    await authorizeWith('tok_visa');

    // Act
    const first = await refund({ orderId: 'order-1', causation });
    const repeat = await refund({ orderId: 'order-1', causation });

    // Assess
    expect([first, repeat]).toEqual([{ status: 'REFUNDED' }, { status: 'ALREADY_REFUNDED' }]);
    expect(gateway.refunds).toHaveLength(1);
    expect(payments.record('order-1')?.status).toBe('REFUNDED');
    const [event] = publisher.ofType('PaymentRefunded');
    expect(event?.detail.metadata).toMatchObject({
      eventId: deterministicEventId('order-1', 'PaymentRefunded'),
      correlationId: 'corr-1',
    });
    expect(event?.detail.data).toEqual({
      orderId: 'order-1',
      amount: 4_500,
      currency: 'USD',
      authorizationId: authorizationIdFor('order-1'),
    });
  });

  it('writes a VOID tombstone when nothing was authorized, so the payment can never be charged later', async () => {
    // Prepare
    const { gateway, payments, publisher, authorizeWith, refund } = setup();

    // Act
    const result = await refund({ orderId: 'order-1', causation });
    const late = await authorizeWith('tok_visa');

    // Assess
    expect(result).toEqual({ status: 'NOTHING_TO_REFUND' });
    expect(payments.record('order-1')).toEqual({ orderId: 'order-1', status: 'VOID' });
    expect(late).toEqual({ status: 'DECLINED' });
    expect(gateway.charges).toEqual([]);
    expect(publisher.ofType('PaymentRefunded')).toEqual([]);
  });

  it('has nothing to refund for a declined payment', async () => {
    // Prepare
    const { gateway, authorizeWith, refund } = setup();
    await authorizeWith('tok_declined');

    // Act
    const result = await refund({ orderId: 'order-1', causation });

    // Assess
    expect(result).toEqual({ status: 'NOTHING_TO_REFUND' });
    expect(gateway.refunds).toEqual([]);
  });

  it('throws TransientDependencyError when the event cannot be published, and the retry republishes without refunding again', async () => {
    // Prepare
    const { gateway, publisher, authorizeWith, refund } = setup();
    await authorizeWith('tok_visa');
    publisher.failNext();

    // Act
    await expect(refund({ orderId: 'order-1', causation })).rejects.toBeInstanceOf(TransientDependencyError);
    const retry = await refund({ orderId: 'order-1', causation });

    // Assess
    expect(retry).toEqual({ status: 'ALREADY_REFUNDED' });
    expect(gateway.refunds).toHaveLength(1);
    expect(publisher.ofType('PaymentRefunded').map((event) => event.detail.metadata.eventId)).toEqual([
      deterministicEventId('order-1', 'PaymentRefunded'),
    ]);
  });
});
