/** CreateShipment saga task: the state in, `$.shipment` out. */

import { busPublisher } from '#functions/saga/bus-publisher';
import { causationOf, sagaState } from '#functions/saga/state';
import { sagaStepHandler } from '#functions/saga/step-handler';
import { CustomerId, ShippingAddress } from '#shared/events/schemas';
import { systemClock } from '#shared/ports/clock';
import { logger } from '#shared/powertools/index';
import { type CreateShipment, makeCreateShipment } from './create-shipment.ts';
import { shipmentStore, shippingCarrier } from './wiring.ts';

export const CreateShipmentState = sagaState({ customerId: CustomerId, shippingAddress: ShippingAddress });

let createShipment: CreateShipment | undefined;
const useCase = (): CreateShipment => {
  createShipment ??= makeCreateShipment({
    shipments: shipmentStore(),
    carrier: shippingCarrier(),
    publisher: busPublisher(),
    clock: systemClock,
    log: logger,
  });
  return createShipment;
};

export const handler = sagaStepHandler({
  step: 'CreateShipment',
  schema: CreateShipmentState,
  run: (state) =>
    useCase()({
      orderId: state.order.orderId,
      customerId: state.order.customerId,
      shippingAddress: state.order.shippingAddress,
      causation: causationOf(state),
    }),
});
