import type { Reservation, StockLine } from './reservation.ts';

/** How one reservation attempt ended. Nothing was written unless it is RESERVED. */
export type ReserveAttempt =
  | { readonly outcome: 'RESERVED' }
  /** A reservation (or a release tombstone) for this order already exists; read it to know which. */
  | { readonly outcome: 'RESERVATION_EXISTS' }
  /** These skus are missing or have fewer than the quantity available. */
  | { readonly outcome: 'UNAVAILABLE'; readonly unavailableSkus: readonly string[] };

/**
 * Stock per sku and reservations per order (the Inventory table). Implementations enforce the conditions
 * that make the saga steps safe under retries and races; the use cases rely on them.
 */
export interface InventoryStore {
  /**
   * All or nothing: create the order's reservation (only if none exists, tombstones included) and take every
   * line from stock (only if the sku exists and has at least that many available). Stock never goes below zero.
   */
  reserve(orderId: string, lines: readonly StockLine[], at: Date): Promise<ReserveAttempt>;

  /** The order's reservation or tombstone, read consistently. */
  getReservation(orderId: string): Promise<Reservation | undefined>;

  /**
   * All or nothing: mark the reservation RELEASED (only if it is RESERVED) and give its lines back to stock.
   * NOT_RESERVED when it was not RESERVED any more (released concurrently); nothing was written then.
   */
  release(reservation: Reservation, at: Date): Promise<'RELEASED' | 'NOT_RESERVED'>;

  /** Record a RELEASED tombstone with no items, only if the order has no reservation; EXISTS otherwise. */
  writeReleasedTombstone(orderId: string, at: Date): Promise<'WRITTEN' | 'EXISTS'>;
}
