/** Stock reservations: the domain of the ReserveInventory step and its ReleaseInventory compensation. */

export interface StockLine {
  readonly sku: string;
  readonly quantity: number;
}

/**
 * RESERVED: the lines were taken from stock for the order.
 * RELEASED: given back, or, with no items, a tombstone written by a release that came first, so a late
 * reservation for the order can never happen.
 */
export type ReservationStatus = 'RESERVED' | 'RELEASED';

export interface Reservation {
  readonly orderId: string;
  readonly status: ReservationStatus;
  /** What was taken from stock; empty on a tombstone. */
  readonly items: readonly StockLine[];
}

/**
 * One line per sku, with the quantities added up, in sku order. A transaction may touch an item only once,
 * and a stable order keeps the reservation and its release identical on every retry.
 */
export const mergeLines = (lines: readonly StockLine[]): StockLine[] => {
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.sku, (totals.get(line.sku) ?? 0) + line.quantity);
  return [...totals]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, quantity]) => ({ sku, quantity }));
};

/** A release that actually returned stock, as opposed to a tombstone. */
export const returnedStock = (reservation: Reservation): boolean =>
  reservation.status === 'RELEASED' && reservation.items.length > 0;
