import { describe, expect, it } from 'vitest';
import { type AuthorizePaymentCommand, makeAuthorizePayment } from '#functions/payments/authorize-payment';
import { makeRefundPayment } from '#functions/payments/refund-payment';
import { authorizationIdFor } from '#functions/payments/simulated-payment-gateway';
import { PaymentGatewayTransientError, TransientDependencyError } from '#shared/domain/errors';
import { deterministicEventId } from '#shared/events/envelope';
import { FixedClock } from '../../fixtures/clock.ts';
import { RecordingPublisher } from '../../fixtures/event-publisher.ts';
import { CountingGateway, InMemoryPaymentStore } from './fakes.ts';

const causation = { correlationId: 'corr-1', causationId: 'evt-placed-1' };

const command = (paymentToken: string, orderId = 'order-1'): AuthorizePaymentCommand => ({
  orderId,
  customerId: 'customer-1',
  amount: 4_500,
  currency: 'USD',
  paymentToken,
  causation,
});

const setup = () => {
  const payments = new InMemoryPaymentStore();
  const gateway = new CountingGateway();
  const publisher = new RecordingPublisher();
  const clock = new FixedClock();
  return {
    payments,
    gateway,
    publisher,
    authorize: makeAuthorizePayment({ payments, gateway, publisher, clock }),
    refund: makeRefundPayment({ payments, gateway, publisher, clock }),
  };
};

describe('AuthorizePayment', () => {
  it('authorizes tok_visa and announces PaymentAuthorized with the deterministic eventId', async () => {
    // Prepare
    const { payments, publisher, authorize } = setup();

    // Act
    const result = await authorize(command('tok_visa'));

    // Assess
    const authorizationId = authorizationIdFor('order-1');
    expect(result).toEqual({ status: 'AUTHORIZED', authorizationId });
    expect(payments.record('order-1')).toMatchObject({
      status: 'AUTHORIZED',
      amount: 4_500,
      authorizationId,
    });
    const [event] = publisher.ofType('PaymentAuthorized');
    expect(event?.detail.metadata).toMatchObject({
      eventId: deterministicEventId('order-1', 'PaymentAuthorized'),
      correlationId: 'corr-1',
      causationId: 'evt-placed-1',
    });
    expect(event?.detail.data).toEqual({
      orderId: 'order-1',
      customerId: 'customer-1',
      amount: 4_500,
      currency: 'USD',
      authorizationId,
    });
  });

  it('declines tok_declined and any unknown token as a result, not an error, and announces PaymentFailed', async () => {
    // Prepare
    const { payments, publisher, authorize } = setup();

    // Act
    const results = [
      await authorize(command('tok_declined', 'order-1')),
      await authorize(command('tok_amex', 'order-2')),
    ];

    // Assess
    expect(results).toEqual([{ status: 'DECLINED' }, { status: 'DECLINED' }]);
    expect([payments.record('order-1')?.status, payments.record('order-2')?.status]).toEqual([
      'DECLINED',
      'DECLINED',
    ]);
    expect(publisher.ofType('PaymentFailed').map((event) => event.detail.metadata.eventId)).toEqual([
      deterministicEventId('order-1', 'PaymentFailed'),
      deterministicEventId('order-2', 'PaymentFailed'),
    ]);
  });

  it('fails tok_flaky transiently twice, then authorizes it', async () => {
    // Prepare
    const { authorize } = setup();

    // Act
    const first = authorize(command('tok_flaky'));
    await expect(first).rejects.toBeInstanceOf(PaymentGatewayTransientError);
    const second = authorize(command('tok_flaky'));
    await expect(second).rejects.toBeInstanceOf(PaymentGatewayTransientError);
    const third = await authorize(command('tok_flaky'));

    // Assess
    expect(third).toEqual({ status: 'AUTHORIZED', authorizationId: authorizationIdFor('order-1') });
  });

  it('fails tok_error transiently on every attempt and records nothing', async () => {
    // Prepare
    const { payments, publisher, authorize } = setup();

    // Act
    const attempts = await Promise.allSettled([1, 2, 3, 4, 5].map(() => authorize(command('tok_error'))));

    // Assess
    expect(attempts.map((attempt) => attempt.status)).toEqual(Array(5).fill('rejected'));
    expect(
      attempts.every((a) => a.status === 'rejected' && a.reason instanceof PaymentGatewayTransientError),
    ).toBe(true);
    expect(payments.record('order-1')).toBeUndefined();
    expect(publisher.published).toEqual([]);
  });

  it('never charges twice when the step runs again for the same order', async () => {
    // Prepare
    const { gateway, authorize } = setup();
    const first = await authorize(command('tok_visa'));

    // Act
    const repeat = await authorize(command('tok_visa'));

    // Assess
    expect(repeat).toEqual(first);
    expect(gateway.authorizations).toHaveLength(1);
    expect(gateway.charges).toHaveLength(1);
  });

  it('declines without calling the gateway when a refund already voided the payment', async () => {
    // Prepare
    const { gateway, payments, authorize, refund } = setup();
    await refund({ orderId: 'order-1', causation });

    // Act
    const late = await authorize(command('tok_visa'));

    // Assess
    expect(late).toEqual({ status: 'DECLINED' });
    expect(gateway.authorizations).toEqual([]);
    expect(payments.record('order-1')?.status).toBe('VOID');
  });

  it('refunds an authorization the gateway gave after the payment was voided', async () => {
    // Prepare
    const { gateway, payments, authorize, refund } = setup();
    payments.beforeCreate = async () => {
      await refund({ orderId: 'order-1', causation });
    };

    // Act
    const result = await authorize(command('tok_visa'));

    // Assess
    expect(result).toEqual({ status: 'DECLINED' });
    expect(gateway.refunds).toEqual([
      { idempotencyKey: 'order-1#refund', authorizationId: authorizationIdFor('order-1'), amount: 4_500 },
    ]);
  });

  it('throws TransientDependencyError when the event cannot be published, and the retry republishes without charging again', async () => {
    // Prepare
    const { gateway, publisher, authorize } = setup();
    publisher.failNext();

    // Act
    await expect(authorize(command('tok_visa'))).rejects.toBeInstanceOf(TransientDependencyError);
    const retry = await authorize(command('tok_visa'));

    // Assess
    expect(retry.status).toBe('AUTHORIZED');
    expect(gateway.charges).toHaveLength(1);
    expect(publisher.published.map((event) => event.detail.metadata.eventId)).toEqual([
      deterministicEventId('order-1', 'PaymentAuthorized'),
    ]);
  });
});
