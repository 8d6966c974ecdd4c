/** CancelShipment saga compensation: the state in, `$.compensation.cancelShipment` out. */

import { busPublisher } from '#functions/saga/bus-publisher';
import { causationOf, sagaState } from '#functions/saga/state';
import { sagaStepHandler } from '#functions/saga/step-handler';
import { systemClock } from '#shared/ports/clock';
import { logger } from '#shared/powertools/index';
import { type CancelShipment, makeCancelShipment } from './cancel-shipment.ts';
import { shipmentStore, shippingCarrier } from './wiring.ts';

/** The cancellation uses the recorded shipment, so it reads only the orderId from the state. */
export const CancelShipmentState = sagaState({});

let cancelShipment: CancelShipment | undefined;
const useCase = (): CancelShipment => {
  cancelShipment ??= makeCancelShipment({
    shipments: shipmentStore(),
    carrier: shippingCarrier(),
    publisher: busPublisher(),
    clock: systemClock,
    log: logger,
  });
  return cancelShipment;
};

export const handler = sagaStepHandler({
  step: 'CancelShipment',
  schema: CancelShipmentState,
  run: (state) => useCase()({ orderId: state.order.orderId, causation: causationOf(state) }),
});
