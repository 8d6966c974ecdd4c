import type { DomainEvent } from '#shared/events/schemas';
import type { SagaLauncher, StartSagaResult } from './saga-launcher.ts';
import type { SagaInput } from './state.ts';

/** What the starter makes idempotent: keyed on `orderId` (a domain key, never the SQS messageId). */
export interface StartSagaCommand {
  readonly orderId: string;
  readonly input: SagaInput;
}

/** The saga's execution input for an OrderPlaced event; the event is the cause of everything the saga does. */
export const startSagaCommand = (event: DomainEvent<'OrderPlaced'>): StartSagaCommand => {
  const { data, metadata } = event.detail;
  return {
    orderId: data.orderId,
    input: {
      order: {
        orderId: data.orderId,
        customerId: data.customerId,
        items: data.items.map(({ sku, name, quantity, unitPrice }) => ({ sku, name, quantity, unitPrice })),
        total: data.total,
        currency: data.currency,
        paymentToken: data.paymentToken,
        shippingAddress: data.shippingAddress,
      },
      correlationId: metadata.correlationId,
      causationId: metadata.eventId,
    },
  };
};

export interface StartSagaDeps {
  readonly launcher: SagaLauncher;
}

/** Start the order saga, one execution per order, named by the orderId. */
export const makeStartSaga =
  ({ launcher }: StartSagaDeps) =>
  (command: StartSagaCommand): Promise<StartSagaResult> =>
    launcher.start({ name: command.orderId, input: command.input });

export type StartSaga = ReturnType<typeof makeStartSaga>;
