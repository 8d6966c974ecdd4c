import type { ShipmentRecord } from './shipment.ts';

/** One shipment record per order (`SHIPMENT#<orderId>` in the Shipments table). */
export interface ShipmentStore {
  /** The order's shipment record, read consistently. */
  get(orderId: string): Promise<ShipmentRecord | undefined>;

  /** Record a shipment, a refusal or a CANCELLED tombstone only if the order has none yet; false if it has. */
  create(record: ShipmentRecord, at: Date): Promise<boolean>;

  /** CREATED -> CANCELLED (keeping the shipmentId); false, with nothing written, if it is not CREATED any more. */
  markCancelled(orderId: string, at: Date): Promise<boolean>;
}
