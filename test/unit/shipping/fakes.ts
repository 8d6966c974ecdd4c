import type { ShipmentRecord } from '#functions/shipping/shipment';
import type { ShipmentStore } from '#functions/shipping/shipment-store';
import type {
  BookShipmentRequest,
  BookShipmentResponse,
  ShippingCarrier,
} from '#functions/shipping/shipping-carrier';
import { SimulatedCarrier } from '#functions/shipping/simulated-carrier';

/** The Shipments table in memory, with DynamoShipmentStore's conditions. */
export class InMemoryShipmentStore implements ShipmentStore {
  private readonly records = new Map<string, ShipmentRecord>();

  record(orderId: string): ShipmentRecord | undefined {
    return this.records.get(orderId);
  }

  async get(orderId: string): Promise<ShipmentRecord | undefined> {
    const record = this.records.get(orderId);
    return record && { ...record };
  }

  async create(record: ShipmentRecord): Promise<boolean> {
    if (this.records.has(record.orderId)) return false;
    this.records.set(record.orderId, { ...record });
    return true;
  }

  async markCancelled(orderId: string): Promise<boolean> {
    const current = this.records.get(orderId);
    if (current?.status !== 'CREATED') return false;
    this.records.set(orderId, { ...current, status: 'CANCELLED' });
    return true;
  }
}

/** The simulated carrier, counting bookings and cancellations. */
export class CountingCarrier implements ShippingCarrier {
  readonly bookings: BookShipmentRequest[] = [];
  readonly cancellations: { idempotencyKey: string; shipmentId: string }[] = [];
  private readonly carrier = new SimulatedCarrier();

  async book(request: BookShipmentRequest): Promise<BookShipmentResponse> {
    this.bookings.push(request);
    return this.carrier.book(request);
  }

  async cancel(request: { idempotencyKey: string; shipmentId: string }): Promise<void> {
    this.cancellations.push(request);
    await this.carrier.cancel();
  }
}
