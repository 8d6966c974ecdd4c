/** SagaStarter: the saga-start queue (OrderPlaced) in, one OrderSaga execution per order out. */
import type { Context } from 'aws-lambda';
import { requireEnv, sfnClient } from '#shared/adapters/aws-clients';
import { idempotentOn } from '#shared/adapters/idempotency';
import { instrument } from '#shared/handlers/instrument';
import type { StartSagaResult } from './saga-launcher.ts';
import { StepFunctionsSagaLauncher } from './sfn-saga-launcher.ts';
import { makeStartSaga, type StartSagaCommand } from './start-saga.ts';
import { makeSagaStarter } from './starter-consumer.ts';

type Start = (command: StartSagaCommand, context: Context) => Promise<StartSagaResult>;

let start: Start | undefined;

/**
 * Built on first use, so importing the handler reads no environment. The start is idempotent on the orderId
 * as well as named by it: an EXPRESS state machine does not deduplicate execution names, and a redelivered
 * event (new SQS messageId) must not start a second saga either way.
 */
const idempotentStart = (): Start => {
  if (!start) {
    const startSaga = makeStartSaga({
      launcher: new StepFunctionsSagaLauncher(sfnClient(), requireEnv('STATE_MACHINE_ARN')),
    });
    // Results this container produced; a replay is the stored copy (a new object), so it is not among them.
    const fresh = new WeakSet<StartSagaResult>();
    const once = idempotentOn(
      async (command: StartSagaCommand) => {
        const result = await startSaga(command);
        fresh.add(result);
        return result;
      },
      { key: 'orderId', keyPrefix: 'saga-starter' },
    );
    start = async (command, context) => {
      once.registerContext(context);
      const result = await once(command);
      return fresh.has(result) ? result : { outcome: 'ALREADY_STARTED' };
    };
  }
  return start;
};

export const handler = instrument(
  makeSagaStarter({ start: (command, context) => idempotentStart()(command, context) }),
);
