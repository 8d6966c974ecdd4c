import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { asTransient, awsErrorName } from '#shared/adapters/aws-errors';
import type { SagaLauncher, StartSagaRequest, StartSagaResult } from './saga-launcher.ts';

/** Starts executions of the OrderSaga state machine. */
export class StepFunctionsSagaLauncher implements SagaLauncher {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(request: StartSagaRequest): Promise<StartSagaResult> {
    try {
      const result = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: request.name,
          input: JSON.stringify(request.input),
        }),
      );
      // A STANDARD machine answers a same-name, same-input start of a running execution with that execution.
      return { outcome: 'STARTED', executionArn: result.executionArn ?? '' };
    } catch (error) {
      // Same name with another input, or an execution that already finished: the order's saga already ran.
      if (awsErrorName(error) === 'ExecutionAlreadyExists') return { outcome: 'ALREADY_STARTED' };
      throw asTransient('starting the order saga', error);
    }
  }
}
