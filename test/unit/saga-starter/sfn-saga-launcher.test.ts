import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { StepFunctionsSagaLauncher } from '#functions/saga/sfn-saga-launcher';
import { TransientDependencyError } from '#shared/domain/errors';
import { sagaInput } from './order-placed.ts';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:OrderSaga';
const sfn = mockClient(SFNClient);
const launcher = new StepFunctionsSagaLauncher(new SFNClient({ region: 'us-east-1' }), STATE_MACHINE_ARN);

describe('StepFunctionsSagaLauncher', () => {
  beforeEach(() => {
    sfn.reset();
  });

  it('reports an existing execution of that name as ALREADY_STARTED, not as an error', async () => {
    // Prepare
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    // Act
    const result = await launcher.start({ name: 'order-1', input: sagaInput() });

    // Assess
    expect(result).toEqual({ outcome: 'ALREADY_STARTED' });
  });

  it('maps Step Functions throttling to TransientDependencyError and rethrows an invalid name as it is', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    const invalid = Object.assign(new Error('Invalid Name'), {
      name: 'InvalidName',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    sfn.on(StartExecutionCommand).rejectsOnce(throttled).rejectsOnce(invalid);

    // Act
    const first = launcher.start({ name: 'order-1', input: sagaInput() });
    await expect(first).rejects.toBeInstanceOf(TransientDependencyError);
    const second = launcher.start({ name: 'order 1', input: sagaInput() });

    // Assess
    await expect(second).rejects.toMatchObject({ name: 'InvalidName' });
  });
});
