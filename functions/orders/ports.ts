/**
 * The orders service's secondary ports. Use cases depend on these interfaces only; the DynamoDB
 * adapters in ./adapters implement them, and tests use in-memory fakes.
 */
import type { CancellationReason, DomainEvent } from '#shared/events/schemas';
import type { Order } from './domain/order.ts';

/** A product of the catalog, with the price the order is charged (integer cents). */
export interface Product {
  readonly sku: string;
  readonly name: string;
  readonly price: number;
  readonly available: number;
}

export interface Catalog {
  /** The products with these skus; an sku missing from the result is not in the catalog. */
  findBySkus(skus: readonly string[]): Promise<ReadonlyMap<string, Product>>;
  /** Every product of the catalog, in no particular order. */
  listAll(): Promise<readonly Product[]>;
}

/** A claim on an Idempotency-Key, written in the same transaction as the order it produced. */
export interface IdempotencyClaim {
  /** `orders-api#<scope>#<key>` */
  readonly id: string;
  readonly requestHash: string;
  readonly expiresAt: Date;
}

export interface NewOrder {
  readonly order: Order;
  readonly event: DomainEvent<'OrderPlaced'>;
  readonly idempotency?: IdempotencyClaim;
  /** A claim that expired before `now` counts as absent (DynamoDB deletes TTL'd items lazily, DynamoDB Local never). */
  readonly now: Date;
}

export type AddOrderResult =
  /** The order, its OrderPlaced outbox item and the claim were written together. */
  | { readonly kind: 'Added' }
  /** Nothing was written: a live claim on the key exists (`existing`, or undefined if it vanished meanwhile). */
  | {
      readonly kind: 'KeyInUse';
      readonly existing: { readonly requestHash: string; readonly orderId: string } | undefined;
    }
  /** Nothing was written: a concurrent transaction touched the same items; trying again is safe. */
  | { readonly kind: 'Contended' };

export interface OrderChange {
  readonly orderId: string;
  /** The change applies only if the stored order still is PENDING at this version. */
  readonly expectedVersion: number;
  readonly status: 'CONFIRMED' | 'CANCELLED';
  readonly reason?: CancellationReason;
  readonly updatedAt: string;
  readonly event: DomainEvent<'OrderConfirmed' | 'OrderCancelled'>;
}

export type ChangeOrderResult = { readonly kind: 'Changed' } | { readonly kind: 'Stale' };

export interface OrderRepository {
  /** Atomically: the order, its OrderPlaced outbox item and (if given) the idempotency claim, or nothing. */
  add(newOrder: NewOrder): Promise<AddOrderResult>;
  /** Atomically: the order's new status and version, and its outbox event, or nothing. */
  change(change: OrderChange): Promise<ChangeOrderResult>;
  get(orderId: string): Promise<Order | undefined>;
}
