import { createHash } from 'node:crypto';
import type { BookShipmentRequest, BookShipmentResponse, ShippingCarrier } from './shipping-carrier.ts';

/** Countries the simulated carrier does not serve: "XX" exercises the full compensation path (DESIGN.md). */
export const UNSERVED_COUNTRIES: ReadonlySet<string> = new Set(['XX']);

/** The same shipmentId for the same order, as an idempotent booking API answers. */
export const shipmentIdFor = (idempotencyKey: string): string =>
  `shp_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;

/** A carrier that ships anywhere but the unserved countries and holds no state. */
export class SimulatedCarrier implements ShippingCarrier {
  async book(request: BookShipmentRequest): Promise<BookShipmentResponse> {
    if (UNSERVED_COUNTRIES.has(request.address.country)) return { outcome: 'REFUSED' };
    return { outcome: 'BOOKED', shipmentId: shipmentIdFor(request.idempotencyKey) };
  }

  async cancel(): Promise<void> {
    // Nothing was booked anywhere, so there is nothing to call off.
  }
}
