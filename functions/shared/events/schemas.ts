/**
 * The event contract: the one source of truth for every event on the orderflow bus.
 *
 * Types are inferred from these schemas, JSON Schema in docs/events/ is generated from them
 * (`npm run schemas`), and every consumer validates what it receives against them.
 * A change that breaks consumers gets a new `version`; consumers refuse versions they do not know.
 */
// zod/mini, not classic zod: classic keeps its methods on prototypes, which esbuild cannot tree-shake
// (~90 KB in every bundle that validates an event); the functional mini API costs ~23 KB for the same
// schemas and keeps each Lambda bundle under the 250 KB budget. Same rules, messages and JSON Schema.
import * as z from 'zod/mini';

export const CURRENCY = 'USD';

export const Sku = z
  .string()
  .check(z.regex(/^[A-Z0-9][A-Z0-9-]{1,31}$/, 'must be 2-32 characters of A-Z, 0-9 and -'));
export const OrderId = z.string().check(z.minLength(1), z.maxLength(64));
export const CustomerId = z.string().check(z.minLength(1), z.maxLength(64));
/** Money is always an integer number of cents. */
export const Cents = z.int().check(z.nonnegative());

export const OrderStatus = z.enum(['PENDING', 'CONFIRMED', 'CANCELLED']);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** Why an order was cancelled. INTERNAL_ERROR only appears when confirmation itself fails after all retries. */
export const CancellationReason = z.enum([
  'OUT_OF_STOCK',
  'PAYMENT_DECLINED',
  'SHIPPING_UNAVAILABLE',
  'INTERNAL_ERROR',
]);
export type CancellationReason = z.infer<typeof CancellationReason>;

export const ShippingAddress = z.strictObject({
  line1: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  city: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  postalCode: z.string().check(z.trim(), z.minLength(1), z.maxLength(20)),
  country: z.string().check(z.regex(/^[A-Z]{2}$/, 'must be a two-letter ISO 3166-1 country code')),
});
export type ShippingAddress = z.infer<typeof ShippingAddress>;

export const PricedLine = z.strictObject({
  sku: Sku,
  name: z.string().check(z.minLength(1)),
  quantity: z.int().check(z.positive()),
  unitPrice: Cents,
});
export type PricedLine = z.infer<typeof PricedLine>;

export const StockLine = z.strictObject({ sku: Sku, quantity: z.int().check(z.positive()) });
export type StockLine = z.infer<typeof StockLine>;

export const EventMetadata = z.strictObject({
  eventId: z.string().check(z.minLength(1), z.maxLength(128)),
  eventType: z.string().check(z.minLength(1)),
  version: z.int().check(z.positive()),
  occurredAt: z.iso.datetime(),
  correlationId: z.string().check(z.minLength(1), z.maxLength(128)),
  causationId: z.string().check(z.minLength(1), z.maxLength(128)),
});
export type EventMetadata = z.infer<typeof EventMetadata>;

/** The EventBridge `source` of each producing service. */
export const Sources = {
  orders: 'orderflow.orders',
  inventory: 'orderflow.inventory',
  payments: 'orderflow.payments',
  shipping: 'orderflow.shipping',
} as const;
export type Source = (typeof Sources)[keyof typeof Sources];

interface EventDefinition<T extends z.ZodMiniType> {
  readonly source: Source;
  readonly version: number;
  readonly data: T;
  readonly description: string;
  readonly producer: string;
  readonly consumers: readonly string[];
}

const define = <T extends z.ZodMiniType>(definition: EventDefinition<T>): EventDefinition<T> => definition;

/** Order lifecycle events carry a per-order sequence so projections can ignore late and replayed events. */
const orderLifecycle = {
  orderId: OrderId,
  customerId: CustomerId,
  sequence: z.int().check(z.positive()),
  total: Cents,
  currency: z.literal(CURRENCY),
};

export const EventDefinitions = {
  OrderPlaced: define({
    source: Sources.orders,
    version: 1,
    description: 'A customer placed an order; it is PENDING until the saga confirms or cancels it.',
    producer: 'orders-api (via the outbox relay)',
    consumers: ['saga-starter', 'notifier', 'projector'],
    data: z.strictObject({
      ...orderLifecycle,
      items: z.array(PricedLine).check(z.minLength(1)),
      paymentToken: z.string().check(z.minLength(1)),
      shippingAddress: ShippingAddress,
      createdAt: z.iso.datetime(),
    }),
  }),
  OrderConfirmed: define({
    source: Sources.orders,
    version: 1,
    description: 'Stock is reserved, payment authorized and the shipment created: the order is complete.',
    producer: 'confirm-order saga step (via the outbox relay)',
    consumers: ['notifier', 'projector'],
    data: z.strictObject({ ...orderLifecycle, status: z.literal('CONFIRMED') }),
  }),
  OrderCancelled: define({
    source: Sources.orders,
    version: 1,
    description: 'The saga cancelled the order after running its compensations.',
    producer: 'cancel-order saga step (via the outbox relay)',
    consumers: ['notifier', 'projector'],
    data: z.strictObject({ ...orderLifecycle, status: z.literal('CANCELLED'), reason: CancellationReason }),
  }),
  InventoryReserved: define({
    source: Sources.inventory,
    version: 1,
    description: 'Every line of the order was reserved in one conditional transaction.',
    producer: 'reserve-inventory saga step',
    consumers: [],
    data: z.strictObject({ orderId: OrderId, items: z.array(StockLine).check(z.minLength(1)) }),
  }),
  InventoryReservationFailed: define({
    source: Sources.inventory,
    version: 1,
    description: 'At least one line could not be reserved; nothing was reserved.',
    producer: 'reserve-inventory saga step',
    consumers: [],
    data: z.strictObject({
      orderId: OrderId,
      reason: z.literal('OUT_OF_STOCK'),
      unavailableSkus: z.array(z.string()),
    }),
  }),
  InventoryReleased: define({
    source: Sources.inventory,
    version: 1,
    description: 'A compensation returned reserved stock.',
    producer: 'release-inventory compensation',
    consumers: [],
    data: z.strictObject({ orderId: OrderId, items: z.array(StockLine).check(z.minLength(1)) }),
  }),
  PaymentAuthorized: define({
    source: Sources.payments,
    version: 1,
    description: 'The gateway authorized the order total.',
    producer: 'authorize-payment saga step',
    consumers: [],
    data: z.strictObject({
      orderId: OrderId,
      customerId: CustomerId,
      amount: Cents,
      currency: z.literal(CURRENCY),
      authorizationId: z.string().check(z.minLength(1)),
    }),
  }),
  PaymentFailed: define({
    source: Sources.payments,
    version: 1,
    description: 'The gateway declined the payment.',
    producer: 'authorize-payment saga step',
    consumers: [],
    data: z.strictObject({
      orderId: OrderId,
      customerId: CustomerId,
      amount: Cents,
      currency: z.literal(CURRENCY),
      reason: z.literal('DECLINED'),
    }),
  }),
  PaymentRefunded: define({
    source: Sources.payments,
    version: 1,
    description: 'A compensation refunded an authorized payment.',
    producer: 'refund-payment compensation',
    consumers: [],
    data: z.strictObject({
      orderId: OrderId,
      amount: Cents,
      currency: z.literal(CURRENCY),
      authorizationId: z.string().check(z.minLength(1)),
    }),
  }),
  OrderShipped: define({
    source: Sources.shipping,
    version: 1,
    description: 'A shipment was created for the order.',
    producer: 'create-shipment saga step',
    consumers: ['notifier'],
    data: z.strictObject({
      orderId: OrderId,
      customerId: CustomerId,
      shipmentId: z.string().check(z.minLength(1)),
      shippingAddress: ShippingAddress,
    }),
  }),
  ShipmentFailed: define({
    source: Sources.shipping,
    version: 1,
    description: 'The carrier cannot ship to the address.',
    producer: 'create-shipment saga step',
    consumers: [],
    data: z.strictObject({
      orderId: OrderId,
      reason: z.literal('SHIPPING_UNAVAILABLE'),
      country: z.string(),
    }),
  }),
  ShipmentCancelled: define({
    source: Sources.shipping,
    version: 1,
    description: 'A compensation cancelled a created shipment.',
    producer: 'cancel-shipment compensation',
    consumers: [],
    data: z.strictObject({ orderId: OrderId, shipmentId: z.string().check(z.minLength(1)) }),
  }),
} as const;

export type EventType = keyof typeof EventDefinitions;
export const EventTypes = Object.keys(EventDefinitions) as EventType[];
export type EventData<T extends EventType> = z.infer<(typeof EventDefinitions)[T]['data']>;

/** The `detail` of an orderflow event on the bus. */
export interface EventDetail<T extends EventType = EventType> {
  readonly metadata: EventMetadata & { readonly eventType: T };
  readonly data: EventData<T>;
}

/** An event ready for PutEvents: where it comes from, what it is called, and its detail. */
export interface DomainEvent<T extends EventType = EventType> {
  readonly source: Source;
  readonly detailType: T;
  readonly detail: EventDetail<T>;
}

/** The zod schema of one event's `detail`, used for validation and for JSON Schema generation. */
export const detailSchema = <T extends EventType>(eventType: T) =>
  z.strictObject({
    metadata: z.extend(EventMetadata, {
      eventType: z.literal(eventType),
      version: z.literal(EventDefinitions[eventType].version),
    }),
    data: EventDefinitions[eventType].data,
  });

/** The EventBridge event as delivered to a rule target such as an SQS queue. */
export const EventBridgeEnvelope = z.object({
  version: z.string(),
  id: z.string(),
  'detail-type': z.string(),
  source: z.string(),
  account: z.string(),
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()),
  detail: z.unknown(),
});
