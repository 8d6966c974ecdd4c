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

export interface RefundPaymentCommand {
  readonly orderId: string;
  readonly causation: Causation;
}

/** Written at `$.compensation.refundPayment`. */
export type RefundPaymentResult = { readonly status: 'REFUNDED' | 'NOTHING_TO_REFUND' | 'ALREADY_REFUNDED' };

export interface RefundPaymentDeps {
  readonly payments: PaymentStore;
  readonly gateway: PaymentGateway;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly log?: StepLog;
}

/** A write can lose a race at most once per competing writer (one authorize, one refund); more is a fault. */
const MAX_ROUNDS = 3;

type RefundedRecord = Extract<PaymentRecord, { status: 'AUTHORIZED' | 'REFUNDED' }>;

/**
 * RefundPayment (compensation of AuthorizePayment): refund an authorized payment exactly once. With no payment
 * it writes a VOID tombstone, so a late or retried authorization cannot charge. A repeat after a refund
 * republishes PaymentRefunded with the same eventId, so a publish that failed after the refund is not lost.
 */
export const makeRefundPayment = ({
  payments,
  gateway,
  publisher,
  clock,
  log = silentLog,
}: RefundPaymentDeps) => {
  const announce = async (record: RefundedRecord, causation: Causation) => {
    const event = stepEvent(
      'PaymentRefunded',
      record.orderId,
      {
        orderId: record.orderId,
        amount: record.amount,
        currency: CURRENCY,
        authorizationId: record.authorizationId,
      },
      causation,
      clock,
    );
    await publishStepEvent(publisher, event);
  };

  return async (command: RefundPaymentCommand): Promise<RefundPaymentResult> => {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const record = await payments.get(command.orderId);
      if (!record) {
        if (await payments.create({ orderId: command.orderId, status: 'VOID' }, clock.now())) {
          log.info('nothing was authorized; wrote a VOID tombstone so no late authorization can charge');
          return { status: 'NOTHING_TO_REFUND' };
        }
        continue; // an authorization was recorded between the read and the write: refund it
      }
      switch (record.status) {
        case 'DECLINED':
        case 'VOID':
          return { status: 'NOTHING_TO_REFUND' };
        case 'REFUNDED':
          log.info('the payment was already refunded; republishing PaymentRefunded');
          await announce(record, command.causation);
          return { status: 'ALREADY_REFUNDED' };
        case 'AUTHORIZED':
          // The gateway refund is idempotent on its key, so a retry after a crash here refunds once.
          await gateway.refund({
            idempotencyKey: refundKey(record.orderId),
            authorizationId: record.authorizationId,
            amount: record.amount,
          });
          if (await payments.markRefunded(record.orderId, clock.now())) {
            await announce(record, command.causation);
            return { status: 'REFUNDED' };
          }
          continue; // refunded concurrently: the next read says so
      }
    }
    throw new TransientDependencyError(`the payment of ${command.orderId} kept changing during its refund`);
  };
};

export type RefundPayment = ReturnType<typeof makeRefundPayment>;
