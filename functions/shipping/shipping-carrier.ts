import type { ShippingAddress } from '#shared/events/schemas';

/**
 * The carrier, behind a port so a real one can replace the simulation. Like a real booking API it is idempotent
 * on `idempotencyKey`: booking the same order again returns the same shipmentId, never a second parcel.
 */
export interface BookShipmentRequest {
  /** The orderId: one shipment per order. */
  readonly idempotencyKey: string;
  readonly address: ShippingAddress;
}

export type BookShipmentResponse =
  | { readonly outcome: 'BOOKED'; readonly shipmentId: string }
  | { readonly outcome: 'REFUSED' };

export interface ShippingCarrier {
  /** Throw TransientDependencyError when the carrier cannot answer. */
  book(request: BookShipmentRequest): Promise<BookShipmentResponse>;
  /** Cancel a booked shipment; idempotent. Throw TransientDependencyError when the carrier cannot answer. */
  cancel(request: { readonly idempotencyKey: string; readonly shipmentId: string }): Promise<void>;
}
