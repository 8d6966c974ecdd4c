/** ReserveInventory saga task: the state in, `$.reservation` out. */
import * as z from 'zod/mini';
import { busPublisher } from '#functions/saga/bus-publisher';
import { causationOf, SagaOrderLine, sagaState } from '#functions/saga/state';
import { sagaStepHandler } from '#functions/saga/step-handler';
import { documentClient, requireEnv } from '#shared/adapters/aws-clients';
import { systemClock } from '#shared/ports/clock';
import { logger } from '#shared/powertools/index';
import { DynamoInventoryStore } from './dynamo-inventory-store.ts';
import { makeReserveInventory, type ReserveInventory } from './reserve-inventory.ts';

export const ReserveInventoryState = sagaState({ items: z.array(SagaOrderLine).check(z.minLength(1)) });

let reserveInventory: ReserveInventory | undefined;
const useCase = (): ReserveInventory => {
  reserveInventory ??= makeReserveInventory({
    inventory: new DynamoInventoryStore(documentClient(), requireEnv('INVENTORY_TABLE')),
    publisher: busPublisher(),
    clock: systemClock,
    log: logger,
  });
  return reserveInventory;
};

export const handler = sagaStepHandler({
  step: 'ReserveInventory',
  schema: ReserveInventoryState,
  run: (state) =>
    useCase()({ orderId: state.order.orderId, items: state.order.items, causation: causationOf(state) }),
});
