/** AuthorizePayment saga task: the state in, `$.payment` out. */
import * as z from 'zod/mini';
import { busPublisher } from '#functions/saga/bus-publisher';
import { causationOf, sagaState } from '#functions/saga/state';
import { sagaStepHandler } from '#functions/saga/step-handler';
import { Cents, CURRENCY, CustomerId } from '#shared/events/schemas';
import { systemClock } from '#shared/ports/clock';
import { logger } from '#shared/powertools/index';
import { type AuthorizePayment, makeAuthorizePayment } from './authorize-payment.ts';
import { paymentGateway, paymentStore } from './wiring.ts';

export const AuthorizePaymentState = sagaState({
  customerId: CustomerId,
  total: Cents,
  currency: z.literal(CURRENCY),
  paymentToken: z.string().check(z.minLength(1)),
});

let authorizePayment: AuthorizePayment | undefined;
const useCase = (): AuthorizePayment => {
  authorizePayment ??= makeAuthorizePayment({
    payments: paymentStore(),
    gateway: paymentGateway(),
    publisher: busPublisher(),
    clock: systemClock,
    log: logger,
  });
  return authorizePayment;
};

export const handler = sagaStepHandler({
  step: 'AuthorizePayment',
  schema: AuthorizePaymentState,
  run: (state) =>
    useCase()({
      orderId: state.order.orderId,
      customerId: state.order.customerId,
      amount: state.order.total,
      currency: state.order.currency,
      paymentToken: state.order.paymentToken,
      causation: causationOf(state),
    }),
});
