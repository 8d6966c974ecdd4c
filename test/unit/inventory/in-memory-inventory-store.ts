import type { InventoryStore, ReserveAttempt } from '#functions/inventory/inventory-store';
import type { Reservation, StockLine } from '#functions/inventory/reservation';

/**
 * The Inventory table in memory, with the same conditions as DynamoInventoryStore: a reservation only where
 * none (nor a tombstone) exists, stock taken only from existing skus with enough available, all or nothing.
 */
export class InMemoryInventoryStore implements InventoryStore {
  private readonly stock = new Map<string, number>();
  private readonly reservations = new Map<string, Reservation>();
  /** Runs just before a tombstone write, to let a test interleave a competing writer. */
  beforeTombstone: (() => Promise<void>) | undefined;

  constructor(stock: Record<string, number> = {}) {
    for (const [sku, available] of Object.entries(stock)) this.stock.set(sku, available);
  }

  available(sku: string): number | undefined {
    return this.stock.get(sku);
  }

  reservation(orderId: string): Reservation | undefined {
    return this.reservations.get(orderId);
  }

  async reserve(orderId: string, lines: readonly StockLine[]): Promise<ReserveAttempt> {
    // DynamoDB refuses a transaction that touches one item twice.
    if (new Set(lines.map((line) => line.sku)).size !== lines.length) {
      throw new Error(
        'ValidationException: Transaction request cannot include multiple operations on one item',
      );
    }
    if (this.reservations.has(orderId)) return { outcome: 'RESERVATION_EXISTS' };
    const unavailableSkus = lines
      .filter((line) => (this.stock.get(line.sku) ?? Number.NEGATIVE_INFINITY) < line.quantity)
      .map((line) => line.sku);
    if (unavailableSkus.length > 0) return { outcome: 'UNAVAILABLE', unavailableSkus };
    for (const line of lines) this.stock.set(line.sku, (this.stock.get(line.sku) ?? 0) - line.quantity);
    this.reservations.set(orderId, {
      orderId,
      status: 'RESERVED',
      items: lines.map((line) => ({ ...line })),
    });
    return { outcome: 'RESERVED' };
  }

  async getReservation(orderId: string): Promise<Reservation | undefined> {
    const reservation = this.reservations.get(orderId);
    return reservation && { ...reservation, items: reservation.items.map((line) => ({ ...line })) };
  }

  async release(reservation: Reservation): Promise<'RELEASED' | 'NOT_RESERVED'> {
    const current = this.reservations.get(reservation.orderId);
    if (current?.status !== 'RESERVED') return 'NOT_RESERVED';
    this.reservations.set(reservation.orderId, { ...current, status: 'RELEASED' });
    for (const line of reservation.items)
      this.stock.set(line.sku, (this.stock.get(line.sku) ?? 0) + line.quantity);
    return 'RELEASED';
  }

  async writeReleasedTombstone(orderId: string): Promise<'WRITTEN' | 'EXISTS'> {
    await this.beforeTombstone?.();
    if (this.reservations.has(orderId)) return 'EXISTS';
    this.reservations.set(orderId, { orderId, status: 'RELEASED', items: [] });
    return 'WRITTEN';
  }
}
