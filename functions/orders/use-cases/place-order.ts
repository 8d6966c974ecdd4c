import { TransientDependencyError } from '#shared/domain/errors';
import { type Causation, createEvent } from '#shared/events/envelope';
import { CURRENCY, type PricedLine } from '#shared/events/schemas';
import type { Clock } from '#shared/ports/clock';
import type { IdGenerator } from '#shared/ports/ids';
import { type Order, orderTotal } from '../domain/order.ts';
import {
  requestHash,
  type ValidationIssue,
  validatePlaceOrderRequest,
} from '../domain/place-order-request.ts';
import type { Catalog, IdempotencyClaim, OrderRepository } from '../ports.ts';

/** An Idempotency-Key protects a request for a day: long enough for any client retry loop. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/** A contended write (two duplicates racing) settles on the next attempt; more attempts mean something is wrong. */
const MAX_ATTEMPTS = 3;

export interface PlaceOrderCommand extends Causation {
  /** The request body, already decoded from JSON but not yet validated. */
  readonly body: unknown;
  /** The Idempotency-Key as sent, if any. */
  readonly idempotencyKey?: string | undefined;
  /** Who sent it: keys are only unique per caller. */
  readonly callerScope: string;
}

export type PlaceOrderResult =
  | { readonly kind: 'Accepted'; readonly orderId: string; readonly replayed: boolean }
  | { readonly kind: 'Invalid'; readonly issues: readonly ValidationIssue[] }
  | { readonly kind: 'IdempotencyConflict'; readonly message: string };

export interface PlaceOrderDeps {
  readonly orders: OrderRepository;
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export type PlaceOrder = (command: PlaceOrderCommand) => Promise<PlaceOrderResult>;

export const makePlaceOrder =
  ({ orders, catalog, clock, ids }: PlaceOrderDeps): PlaceOrder =>
  async (command) => {
    const validation = validatePlaceOrderRequest(command.body, command.idempotencyKey);
    if (!validation.ok) return { kind: 'Invalid', issues: validation.issues };
    const { body, idempotencyKey } = validation;

    const products = await catalog.findBySkus(body.items.map((line) => line.sku));
    const items: PricedLine[] = [];
    const unknownSkus: ValidationIssue[] = [];
    body.items.forEach((line, index) => {
      const product = products.get(line.sku);
      if (product)
        items.push({ sku: line.sku, name: product.name, quantity: line.quantity, unitPrice: product.price });
      else unknownSkus.push({ path: `items.${index}.sku`, message: `unknown sku ${line.sku}` });
    });
    if (unknownSkus.length > 0) return { kind: 'Invalid', issues: unknownSkus };

    const now = clock.now();
    const createdAt = now.toISOString();
    const order: Order = {
      orderId: ids.next(),
      customerId: body.customerId,
      status: 'PENDING',
      items,
      total: orderTotal(items),
      currency: CURRENCY,
      shippingAddress: body.shippingAddress,
      createdAt,
      updatedAt: createdAt,
      version: 1,
      correlationId: command.correlationId,
    };
    const event = createEvent(
      'OrderPlaced',
      {
        orderId: order.orderId,
        customerId: order.customerId,
        sequence: order.version,
        total: order.total,
        currency: order.currency,
        items,
        paymentToken: body.paymentToken,
        shippingAddress: order.shippingAddress,
        createdAt,
      },
      {
        eventId: ids.next(),
        occurredAt: now,
        correlationId: command.correlationId,
        causationId: command.causationId,
      },
    );
    const hash = requestHash(body);
    const idempotency: IdempotencyClaim | undefined =
      idempotencyKey === undefined
        ? undefined
        : {
            id: `orders-api#${command.callerScope}#${idempotencyKey}`,
            requestHash: hash,
            expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_SECONDS * 1000),
          };

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const result = await orders.add({ order, event, now, ...(idempotency ? { idempotency } : {}) });
      if (result.kind === 'Added') return { kind: 'Accepted', orderId: order.orderId, replayed: false };
      if (result.kind === 'KeyInUse' && result.existing) {
        return result.existing.requestHash === hash
          ? { kind: 'Accepted', orderId: result.existing.orderId, replayed: true }
          : {
              kind: 'IdempotencyConflict',
              message: 'this Idempotency-Key was already used with a different request body',
            };
      }
      // Contended, or the claim expired between the failed condition and our read: the next attempt decides.
    }
    throw new TransientDependencyError(`could not place order after ${MAX_ATTEMPTS} contended attempts`);
  };
