/** RefundPayment saga compensation: the state in, `$.compensation.refundPayment` out. */

import { busPublisher } from '#functions/saga/bus-publisher';
import { causationOf, sagaState } from '#functions/saga/state';
import { sagaStepHandler } from '#functions/saga/step-handler';
import { systemClock } from '#shared/ports/clock';
import { logger } from '#shared/powertools/index';
import { makeRefundPayment, type RefundPayment } from './refund-payment.ts';
import { paymentGateway, paymentStore } from './wiring.ts';

/** The refund uses the recorded amount and authorization, so it reads only the orderId from the state. */
export const RefundPaymentState = sagaState({});

let refundPayment: RefundPayment | undefined;
const useCase = (): RefundPayment => {
  refundPayment ??= makeRefundPayment({
    payments: paymentStore(),
    gateway: paymentGateway(),
    publisher: busPublisher(),
    clock: systemClock,
    log: logger,
  });
  return refundPayment;
};

export const handler = sagaStepHandler({
  step: 'RefundPayment',
  schema: RefundPaymentState,
  run: (state) => useCase()({ orderId: state.order.orderId, causation: causationOf(state) }),
});
