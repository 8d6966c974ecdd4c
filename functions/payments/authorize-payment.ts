import { publishStepEvent, stepEvent } from '#functions/saga/step-event';
import { type StepLog, silentLog } from '#functions/saga/step-log';
import { TransientDependencyError } from '#shared/domain/errors';
import type { Causation } from '#shared/events/envelope';
import { CURRENCY } from '#shared/events/schemas';
import type { Clock } from '#shared/ports/clock';
import type { EventPublisher } from '#shared/ports/event-publisher';
import type { PaymentRecord } from './payment.ts';
import { type PaymentGateway, refundKey } from './payment-gateway.ts';
import type { PaymentStore } from './payment-store.ts';

export interface AuthorizePaymentCommand {
  readonly orderId: string;
  readonly customerId: string;
  /** The order total, integer cents. */
  readonly amount: number;
  readonly currency: typeof CURRENCY;
  readonly paymentToken: string;
  readonly causation: Causation;
}

/** Written at `$.payment`. */
export type AuthorizePaymentResult =
  | { readonly status: 'AUTHORIZED'; readonly authorizationId: string }
  | { readonly status: 'DECLINED' };

export interface AuthorizePaymentDeps {
  readonly payments: PaymentStore;
  readonly gateway: PaymentGateway;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly log?: StepLog;
}

/**
 * AuthorizePayment: authorize the order total once. A recorded outcome is the answer to every repeat, so the
 * gateway is never asked again once it answered (it is also asked with the orderId as its idempotency key).
 * A declined payment is a result; a gateway that cannot answer throws PaymentGatewayTransientError.
 */
export const makeAuthorizePayment = ({
  payments,
  gateway,
  publisher,
  clock,
  log = silentLog,
}: AuthorizePaymentDeps) => {
  const declined = async (command: AuthorizePaymentCommand) => {
    const event = stepEvent(
      'PaymentFailed',
      command.orderId,
      {
        orderId: command.orderId,
        customerId: command.customerId,
        amount: command.amount,
        currency: CURRENCY,
        reason: 'DECLINED',
      },
      command.causation,
      clock,
    );
    await publishStepEvent(publisher, event);
    return { status: 'DECLINED' } as const;
  };

  /** The step's answer for a recorded payment, announced with its deterministic event. */
  const answer = async (
    command: AuthorizePaymentCommand,
    record: PaymentRecord,
  ): Promise<AuthorizePaymentResult> => {
    switch (record.status) {
      case 'AUTHORIZED': {
        const event = stepEvent(
          'PaymentAuthorized',
          command.orderId,
          {
            orderId: command.orderId,
            customerId: command.customerId,
            amount: record.amount,
            currency: CURRENCY,
            authorizationId: record.authorizationId,
          },
          command.causation,
          clock,
        );
        await publishStepEvent(publisher, event);
        return { status: 'AUTHORIZED', authorizationId: record.authorizationId };
      }
      case 'DECLINED':
        return declined(command);
      case 'VOID':
        log.warn('a refund ran before this authorization (VOID tombstone); not charging');
        return declined(command);
      case 'REFUNDED':
        // Authorized and refunded by a compensation already: both events are out, and nothing is charged again.
        log.warn('the payment was already refunded; not charging again');
        return { status: 'DECLINED' };
    }
  };

  return async (command: AuthorizePaymentCommand): Promise<AuthorizePaymentResult> => {
    const existing = await payments.get(command.orderId);
    if (existing) {
      log.info('the payment outcome is already recorded; not calling the gateway again', {
        status: existing.status,
      });
      return answer(command, existing);
    }

    const response = await gateway.authorize({
      idempotencyKey: command.orderId,
      amount: command.amount,
      currency: command.currency,
      token: command.paymentToken,
    });
    const base = { orderId: command.orderId, amount: command.amount, currency: command.currency };
    const record: PaymentRecord =
      response.outcome === 'APPROVED'
        ? { ...base, status: 'AUTHORIZED', authorizationId: response.authorizationId }
        : { ...base, status: 'DECLINED' };
    if (await payments.create(record, clock.now())) return answer(command, record);

    // Another writer recorded first: a concurrent duplicate of this step, or a refund's VOID tombstone.
    const winner = await payments.get(command.orderId);
    if (!winner)
      throw new TransientDependencyError(`payment of ${command.orderId} exists but cannot be read`);
    if (winner.status === 'VOID' && response.outcome === 'APPROVED') {
      // The order was compensated while the gateway answered: give the authorization back.
      log.warn('authorized after the payment was voided; refunding the authorization');
      await gateway.refund({
        idempotencyKey: refundKey(command.orderId),
        authorizationId: response.authorizationId,
        amount: command.amount,
      });
    }
    return answer(command, winner);
  };
};

export type AuthorizePayment = ReturnType<typeof makeAuthorizePayment>;
