import { type StartSagaCommand, startSagaCommand } from '#functions/saga/start-saga';
import { createEvent } from '#shared/events/envelope';
import type { DomainEvent, EventData } from '#shared/events/schemas';

export const CORRELATION_ID = 'corr-7f3a';
export const ORDER_PLACED_EVENT_ID = 'evt-order-placed-1';

/** A valid OrderPlaced event, as the outbox relay publishes it. */
export const orderPlaced = (
  data: Partial<EventData<'OrderPlaced'>> = {},
  eventId = ORDER_PLACED_EVENT_ID,
): DomainEvent<'OrderPlaced'> =>
  createEvent(
    'OrderPlaced',
    {
      orderId: 'order-1',
      customerId: 'customer-1',
      sequence: 1,
      total: 4_500,
      currency: 'USD',
      items: [
        { sku: 'SKU-MUG', name: 'Mug', quantity: 2, unitPrice: 1_500 },
        { sku: 'SKU-TEE', name: 'T-shirt', quantity: 1, unitPrice: 1_500 },
      ],
      paymentToken: 'tok_visa',
      shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
      createdAt: '2026-11-01T11:59:00.000Z',
      ...data,
    },
    {
      eventId,
      correlationId: CORRELATION_ID,
      causationId: 'request-1',
      occurredAt: new Date('2026-11-01T11:59:00Z'),
    },
  );

/** The saga's execution input for that event, as the SagaStarter builds it. */
export const sagaInput = (data: Partial<EventData<'OrderPlaced'>> = {}): StartSagaCommand['input'] =>
  startSagaCommand(orderPlaced(data)).input;
