/** ReleaseInventory saga compensation: the state in, `$.compensation.releaseInventory` out. */

import { busPublisher } from '#functions/saga/bus-publisher';
import { causationOf, sagaState } from '#functions/saga/state';
import { sagaStepHandler } from '#functions/saga/step-handler';
import { documentClient, requireEnv } from '#shared/adapters/aws-clients';
import { systemClock } from '#shared/ports/clock';
import { logger } from '#shared/powertools/index';
import { DynamoInventoryStore } from './dynamo-inventory-store.ts';
import { makeReleaseInventory, type ReleaseInventory } from './release-inventory.ts';

/** The release gives back what the reservation recorded, so it reads only the orderId from the state. */
export const ReleaseInventoryState = sagaState({});

let releaseInventory: ReleaseInventory | undefined;
const useCase = (): ReleaseInventory => {
  releaseInventory ??= makeReleaseInventory({
    inventory: new DynamoInventoryStore(documentClient(), requireEnv('INVENTORY_TABLE')),
    publisher: busPublisher(),
    clock: systemClock,
    log: logger,
  });
  return releaseInventory;
};

export const handler = sagaStepHandler({
  step: 'ReleaseInventory',
  schema: ReleaseInventoryState,
  run: (state) => useCase()({ orderId: state.order.orderId, causation: causationOf(state) }),
});
