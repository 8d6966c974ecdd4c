import { createEvent } from '#shared/events/envelope';
import type { CancellationReason } from '#shared/events/schemas';
import { asEventBridgeEvent, sqsRecord } from '../../fixtures/eventbridge.ts';

export interface OrderOptions {
  readonly orderId?: string;
  readonly total?: number;
  readonly sequence?: number;
}

const causation = (eventId: string, minute: number) => ({
  eventId,
  correlationId: 'correlation-1',
  causationId: 'cause-1',
  occurredAt: new Date(Date.UTC(2026, 10, 1, 12, minute)),
});

const lifecycle = ({ orderId = 'order-1', total = 4_250 }: OrderOptions) => ({
  orderId,
  customerId: 'customer-1',
  total,
  currency: 'USD' as const,
});

export const orderPlaced = (options: OrderOptions = {}) => {
  const data = lifecycle(options);
  return createEvent(
    'OrderPlaced',
    {
      ...data,
      sequence: options.sequence ?? 1,
      items: [{ sku: 'SKU-1', name: 'Widget', quantity: 1, unitPrice: data.total }],
      paymentToken: 'tok_visa',
      shippingAddress: { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'US' },
      createdAt: '2026-11-01T12:00:00.000Z',
    },
    causation(`${data.orderId}-placed`, 0),
  );
};

export const orderConfirmed = (options: OrderOptions = {}) =>
  createEvent(
    'OrderConfirmed',
    { ...lifecycle(options), sequence: options.sequence ?? 2, status: 'CONFIRMED' },
    causation(`${options.orderId ?? 'order-1'}-confirmed`, 5),
  );

export const orderCancelled = (reason: CancellationReason = 'OUT_OF_STOCK', options: OrderOptions = {}) =>
  createEvent(
    'OrderCancelled',
    { ...lifecycle(options), sequence: options.sequence ?? 2, status: 'CANCELLED', reason },
    causation(`${options.orderId ?? 'order-1'}-cancelled`, 5),
  );

/** The SQS record the analytics queue delivers for a domain event. */
export const delivered = (event: Parameters<typeof asEventBridgeEvent>[0]) =>
  sqsRecord(asEventBridgeEvent(event));
