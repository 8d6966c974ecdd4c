/** Shipments: the domain of the CreateShipment step and its CancelShipment compensation. */

/**
 * CREATED: the carrier booked it. REFUSED: the carrier cannot ship to the address.
 * CANCELLED: cancelled by the compensation, or, with no shipmentId, a tombstone written by a cancel that came
 * first, so a late shipment for the order can never be created.
 */
export type ShipmentRecord =
  | { readonly orderId: string; readonly status: 'CREATED'; readonly shipmentId: string }
  | { readonly orderId: string; readonly status: 'REFUSED'; readonly country: string }
  | { readonly orderId: string; readonly status: 'CANCELLED'; readonly shipmentId?: string | undefined };

export type ShipmentStatus = ShipmentRecord['status'];
