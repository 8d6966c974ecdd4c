/**
 * The AWSStepFunctions API on the edge endpoint, through @aws-sdk/client-sfn and the AWS CLI: executions,
 * their history, listing and paging, stopping, state machines, and AWS's error names.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EdgeServer } from '#lib/local/core/edge-server';
import { StepFunctionsEngine } from '#lib/local/stepfunctions/engine';
import { testContext } from '../support/context.ts';
import { FakeLambda, gate, LOCAL_LAMBDA_ARN, machineResource } from './support.ts';

const AWS_CLI = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;

const LOOKUP = {
  Comment: 'Looks an order up and says whether it was found.',
  StartAt: 'Lookup',
  States: {
    Lookup: { Type: 'Task', Resource: LOCAL_LAMBDA_ARN('lookup'), ResultPath: '$.lookup', Next: 'Found?' },
    'Found?': {
      Type: 'Choice',
      Choices: [{ Variable: '$.lookup.found', BooleanEquals: true, Next: 'Done' }],
      Default: 'Missing',
    },
    Done: { Type: 'Pass', Result: 'ok', ResultPath: '$.result', Next: 'Success' },
    Success: { Type: 'Succeed' },
    Missing: { Type: 'Fail', Error: 'NotFound', Cause: 'no such order' },
  },
};

describe('the Step Functions API on the edge endpoint', () => {
  const lambda = new FakeLambda();
  const ctx = testContext({ services: { lambda } });
  const engine = new StepFunctionsEngine(ctx);
  const edge = new EdgeServer({
    port: 0,
    handlers: () => engine.handlers,
    health: () => ({ status: 'ready' }),
  });
  let sfn: SFNClient;
  let lookupArn: string;
  let expressArn: string;

  beforeAll(async () => {
    await engine.start();
    await edge.start();
    sfn = new SFNClient({
      endpoint: edge.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    lookupArn = (await engine.provision(machineResource('Lookup', LOOKUP))).ref;
    expressArn = (
      await engine.provision(machineResource('LookupExpress', LOOKUP, { StateMachineType: 'EXPRESS' }))
    ).ref;
  });
  afterAll(async () => {
    sfn.destroy();
    await edge.stop();
    await engine.stop();
  });
  beforeEach(() => {
    lambda.behaviours.lookup = (event) => ({ found: (event as { id?: string }).id !== 'missing' });
  });

  const startAndWait = async (input: unknown, name?: string) => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: lookupArn, input: JSON.stringify(input), name }),
    );
    await engine.waitForExecution(executionArn ?? '');
    return executionArn ?? '';
  };
  const metric = (name: string, machineArn = lookupArn) =>
    ctx.metrics
      .query({
        namespace: 'AWS/States',
        metricName: name,
        dimensions: { StateMachineArn: machineArn },
        start: 0,
        end: Date.now() + 1,
      })
      .reduce((sum, point) => sum + point.value, 0);

  it('starts an execution and describes it once it succeeded', async () => {
    const executionArn = await startAndWait({ id: 'o-1' }, 'describe-me');
    expect(executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:Lookup:describe-me');
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({
      executionArn,
      stateMachineArn: lookupArn,
      name: 'describe-me',
      status: 'SUCCEEDED',
      input: '{"id":"o-1"}',
      inputDetails: { included: true },
      outputDetails: { included: true },
    });
    expect(JSON.parse(described.output ?? '')).toEqual({ id: 'o-1', lookup: { found: true }, result: 'ok' });
    expect(described.startDate).toBeInstanceOf(Date);
    expect(described.stopDate?.getTime()).toBeGreaterThanOrEqual(described.startDate?.getTime() ?? Infinity);
  });

  it('returns the history with the Lambda task events in order, ids chained', async () => {
    const executionArn = await startAndWait({ id: 'o-2' });
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'PassStateEntered',
      'PassStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    events.forEach((event, i) => {
      expect(event.id).toBe(i + 1);
      expect(event.previousEventId).toBe(i);
      expect(event.timestamp).toBeInstanceOf(Date);
    });
    const byType = (type: string) => events.find((e) => e.type === type) as HistoryEvent;
    expect(byType('ExecutionStarted').executionStartedEventDetails).toMatchObject({
      input: '{"id":"o-2"}',
      roleArn: 'arn:aws:iam::000000000000:role/test',
    });
    expect(byType('TaskStateEntered').stateEnteredEventDetails).toMatchObject({
      name: 'Lookup',
      input: '{"id":"o-2"}',
    });
    expect(byType('LambdaFunctionScheduled').lambdaFunctionScheduledEventDetails).toMatchObject({
      resource: LOCAL_LAMBDA_ARN('lookup'),
      input: '{"id":"o-2"}',
    });
    expect(byType('LambdaFunctionSucceeded').lambdaFunctionSucceededEventDetails?.output).toBe(
      '{"found":true}',
    );
    expect(JSON.parse(byType('TaskStateExited').stateExitedEventDetails?.output ?? '')).toEqual({
      id: 'o-2',
      lookup: { found: true },
    });

    const reversed = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    expect(reversed.events?.map((e) => e.id)).toEqual(events.map((e) => e.id).reverse());

    const paged: number[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 5, nextToken }));
      expect(page.events?.length).toBeLessThanOrEqual(5);
      paged.push(...(page.events ?? []).map((e) => e.id ?? 0));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(paged).toEqual(events.map((e) => e.id));

    const metadataOnly = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }),
    );
    expect(metadataOnly.events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
  });

  it('records a Fail state as FAILED with its error and cause, and counts ExecutionsFailed', async () => {
    const before = metric('ExecutionsFailed');
    const executionArn = await startAndWait({ id: 'missing' });
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'FAILED', error: 'NotFound', cause: 'no such order' });
    expect(described.output).toBeUndefined();
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events.slice(-2).map((e) => e.type)).toEqual(['FailStateEntered', 'ExecutionFailed']);
    expect(events.at(-1)?.executionFailedEventDetails).toEqual({ error: 'NotFound', cause: 'no such order' });
    expect(metric('ExecutionsFailed')).toBe(before + 1);
    expect(ctx.trace.events.at(-1)).toMatchObject({ event: 'execution', service: 'saga', outcome: 'FAILED' });
  });

  it('lists executions newest first, by status, a page at a time', async () => {
    const machine = (await engine.provision(machineResource('Listing', LOOKUP))).ref;
    const start = async (id: string) => {
      const { executionArn = '' } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: machine, name: id, input: JSON.stringify({ id }) }),
      );
      await engine.waitForExecution(executionArn);
    };
    await start('first');
    await start('missing');
    await start('third');
    const all = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }));
    expect(all.executions?.map((e) => e.name)).toEqual(['third', 'missing', 'first']);
    expect(all.executions?.[0]).toMatchObject({ stateMachineArn: machine, status: 'SUCCEEDED' });
    expect(all.nextToken).toBeUndefined();
    const failed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machine, statusFilter: 'FAILED' }),
    );
    expect(failed.executions?.map((e) => e.name)).toEqual(['missing']);
    const first = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine, maxResults: 2 }));
    expect(first.executions?.map((e) => e.name)).toEqual(['third', 'missing']);
    const second = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machine, maxResults: 2, nextToken: first.nextToken }),
    );
    expect(second.executions?.map((e) => e.name)).toEqual(['first']);
    expect(second.nextToken).toBeUndefined();
  });

  it('stops a running execution: ABORTED with the given error and cause, and ExecutionsAborted', async () => {
    const slow = gate();
    lambda.behaviours.lookup = async () => {
      await slow.promise;
      return { found: true };
    };
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: lookupArn, input: '{"id":"slow"}' }),
    );
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    const running = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: lookupArn, statusFilter: 'RUNNING' }),
    );
    expect(running.executions?.map((e) => e.executionArn)).toEqual([executionArn]);
    const { stopDate } = await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Ops', cause: 'stopped by hand' }),
    );
    expect(stopDate).toBeInstanceOf(Date);
    slow.open();
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Ops', cause: 'stopped by hand' });
    const { events = [] } = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }),
    );
    expect(events[0]).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Ops', cause: 'stopped by hand' },
    });
    expect(metric('ExecutionsAborted')).toBe(1);
  });

  it('answers with the AWS error names', async () => {
    const unknownExecution = 'arn:aws:states:us-east-1:000000000000:execution:Lookup:nope';
    await expect(
      sfn.send(new DescribeExecutionCommand({ executionArn: unknownExecution })),
    ).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
    await expect(
      sfn.send(new DescribeExecutionCommand({ executionArn: 'not-an-arn' })),
    ).rejects.toMatchObject({
      name: 'InvalidArn',
    });
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: lookupArn }))).rejects.toMatchObject({
      name: 'InvalidArn',
    });
    const unknownMachine = 'arn:aws:states:us-east-1:000000000000:stateMachine:Nope';
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: unknownMachine })),
    ).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: lookupArn, name: 'has space' })),
    ).rejects.toMatchObject({ name: 'InvalidName' });
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: lookupArn, name: 'a/b' })),
    ).rejects.toMatchObject({
      name: 'InvalidName',
    });
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: lookupArn, name: 'x'.repeat(81) })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: lookupArn, input: '{not json' })),
    ).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    await startAndWait({ id: 'once' }, 'only-once');
    await expect(
      sfn.send(
        new StartExecutionCommand({ stateMachineArn: lookupArn, name: 'only-once', input: '{"id":"once"}' }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('describes state machines and the state machine of an execution', async () => {
    const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: lookupArn }));
    expect(machine).toMatchObject({
      stateMachineArn: lookupArn,
      name: 'Lookup',
      status: 'ACTIVE',
      type: 'STANDARD',
      roleArn: 'arn:aws:iam::000000000000:role/test',
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    });
    expect(JSON.parse(machine.definition ?? '')).toEqual(LOOKUP);
    const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
    expect(stateMachines.map((m) => m.name)).toEqual(expect.arrayContaining(['Lookup', 'LookupExpress']));
    expect(stateMachines.find((m) => m.name === 'LookupExpress')?.type).toBe('EXPRESS');
    const executionArn = await startAndWait({ id: 'o-3' });
    const forExecution = await sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn }));
    expect(forExecution).toMatchObject({ stateMachineArn: lookupArn, name: 'Lookup' });
  });

  it('runs EXPRESS executions synchronously, and keeps them out of the STANDARD-only APIs', async () => {
    // StartSyncExecution's endpoint has the host prefix `sync-`: a client of a local endpoint must turn it off.
    const syncClient = new SFNClient({
      endpoint: edge.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      disableHostPrefix: true,
    });
    const sync = await syncClient.send(
      new StartSyncExecutionCommand({ stateMachineArn: expressArn, input: '{"id":"x-1"}', name: 'sync-1' }),
    );
    expect(sync).toMatchObject({ status: 'SUCCEEDED', name: 'sync-1', stateMachineArn: expressArn });
    expect(sync.executionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:express:LookupExpress:sync-1:/);
    expect(JSON.parse(sync.output ?? '')).toMatchObject({ result: 'ok' });
    const failed = await syncClient.send(
      new StartSyncExecutionCommand({ stateMachineArn: expressArn, input: '{"id":"missing"}' }),
    );
    expect(failed).toMatchObject({ status: 'FAILED', error: 'NotFound', cause: 'no such order' });
    await expect(
      syncClient.send(new StartSyncExecutionCommand({ stateMachineArn: lookupArn })),
    ).rejects.toMatchObject({
      name: 'StateMachineTypeNotSupported',
    });
    syncClient.destroy();
    await expect(sfn.send(new ListExecutionsCommand({ stateMachineArn: expressArn }))).rejects.toMatchObject({
      name: 'StateMachineTypeNotSupported',
    });
    await expect(
      sfn.send(new DescribeExecutionCommand({ executionArn: sync.executionArn })),
    ).rejects.toMatchObject({
      name: 'InvalidArn',
    });
    expect(metric('ExecutionsSucceeded', expressArn)).toBe(1);
    expect(metric('ExecutionsFailed', expressArn)).toBe(1);
  });

  // The AWS CLI is a black-box client here; a machine without it skips this one.
  it.runIf(AWS_CLI)('serves `aws stepfunctions list-executions` (AWS CLI)', async () => {
    const executionArn = await startAndWait({ id: 'cli' }, 'from-the-cli');
    const { stdout } = await promisify(execFile)(
      'aws',
      [
        '--endpoint-url',
        edge.url,
        'stepfunctions',
        'list-executions',
        '--state-machine-arn',
        lookupArn,
        '--max-items',
        '1',
      ],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
        },
      },
    );
    const listed = JSON.parse(stdout) as {
      executions: { executionArn: string; status: string; name: string }[];
    };
    expect(listed.executions[0]).toMatchObject({ executionArn, name: 'from-the-cli', status: 'SUCCEEDED' });
  });
});
