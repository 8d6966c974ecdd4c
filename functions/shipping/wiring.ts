/**
 * The shipping adapters the deployed functions use. Replacing the simulated carrier with a real one is a change
 * to `shippingCarrier()` alone.
 */
import { documentClient, requireEnv } from '#shared/adapters/aws-clients';
import { DynamoShipmentStore } from './dynamo-shipment-store.ts';
import type { ShipmentStore } from './shipment-store.ts';
import type { ShippingCarrier } from './shipping-carrier.ts';
import { SimulatedCarrier } from './simulated-carrier.ts';

export const shipmentStore = (): ShipmentStore =>
  new DynamoShipmentStore(documentClient(), requireEnv('SHIPMENTS_TABLE'));

export const shippingCarrier = (): ShippingCarrier => new SimulatedCarrier();
