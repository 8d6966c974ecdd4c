/**
 * Tasks routed by Resource to the local services (EventBridge, DynamoDB, SQS, SNS, Lambda, Step Functions),
 * with Step Functions' result shapes and error names; scaled Wait states; execution and task timeouts.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepFunctionsEngine } from '#lib/local/stepfunctions/engine';
import { testContext } from '../support/context.ts';
import {
  FakeEvents,
  FakeLambda,
  FakeSns,
  FakeSqs,
  gate,
  LOCAL_LAMBDA_ARN,
  machineResource,
} from './support.ts';

/** A stand-in for DynamoDB Local: records each call and answers GetItem with a binary attribute. */
const fakeDynamoDb = async () => {
  const calls: { target: string; body: Record<string, unknown> }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      calls.push({ target, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const answer = target.endsWith('.GetItem')
        ? {
            Item: {
              pk: { S: 'order-1' },
              blob: { B: Buffer.from('hello').toString('base64') },
              n: { N: '42' },
            },
          }
        : target.endsWith('.PutItem') && JSON.stringify(calls.at(-1)?.body).includes('taken')
          ? undefined
          : {};
      if (answer === undefined) {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
            message: 'The conditional request failed',
          }),
        );
        return;
      }
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, calls, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};

describe('Task integrations of the local Step Functions engine', () => {
  const lambda = new FakeLambda({ echo: (event) => ({ echoed: event }) });
  const events = new FakeEvents();
  const sqs = new FakeSqs();
  const sns = new FakeSns();
  let dynamo: Awaited<ReturnType<typeof fakeDynamoDb>>;
  const ctx = testContext({
    services: { lambda, events, sqs: sqs as never, sns },
  });
  const engine = new StepFunctionsEngine(ctx);

  beforeAll(async () => {
    dynamo = await fakeDynamoDb();
    ctx.services.dynamodb = { endpoint: dynamo.endpoint, localArn: (arn) => arn, publicArn: (arn) => arn };
    await engine.start();
  });
  afterAll(async () => {
    await engine.stop();
    await new Promise((resolve) => dynamo.server.close(resolve));
  });

  let machines = 0;
  const run = async (definition: unknown, input: unknown = {}, properties: Record<string, unknown> = {}) => {
    machines += 1;
    const machineArn = (await engine.provision(machineResource(`Machine${machines}`, definition, properties)))
      .ref;
    const { executionArn } = await engine.startExecution(machineArn, JSON.stringify(input));
    const done = await engine.waitForExecution(executionArn);
    return {
      ...done,
      machineArn,
      result: done.output === undefined ? undefined : JSON.parse(done.output),
      history: engine.execution(executionArn)?.history.events ?? [],
    };
  };
  const single = (state: Record<string, unknown>) => ({
    StartAt: 'Step',
    States: { Step: { Type: 'Task', End: true, ...state } },
  });
  const metric = (name: string, machineArn: string) =>
    ctx.metrics
      .query({
        namespace: 'AWS/States',
        metricName: name,
        dimensions: { StateMachineArn: machineArn },
        start: 0,
        end: Date.now() + 1,
      })
      .reduce((sum, point) => sum + point.value, 0);

  it('routes events:putEvents to EventBridge, with the execution and state machine ARNs in Resources', async () => {
    const done = await run(
      single({
        Resource: 'arn:aws:states:::events:putEvents',
        Parameters: {
          Entries: [
            {
              Source: 'orderflow.saga',
              DetailType: 'SagaStepped',
              'Detail.$': '$.detail',
              EventBusName: 'orderflow',
            },
          ],
        },
      }),
      { detail: { orderId: 'order-1' } },
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(events.entries.at(-1)).toEqual({
      Source: 'orderflow.saga',
      DetailType: 'SagaStepped',
      Detail: '{"orderId":"order-1"}',
      EventBusName: 'orderflow',
      Resources: [done.executionArn, done.machineArn],
    });
    expect(done.result).toEqual({ Entries: [{ EventId: expect.any(String) }], FailedEntryCount: 0 });
    expect(done.history.map((e) => e.type)).toContain('TaskScheduled');
    expect(done.history.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'events',
      resource: 'putEvents',
      region: 'us-east-1',
    });
    expect(done.history.find((e) => e.type === 'TaskSucceeded')?.taskSucceededEventDetails).toMatchObject({
      resourceType: 'events',
      resource: 'putEvents',
    });
  });

  it('fails a putEvents task with EventBridge.FailedEntry when an entry fails', async () => {
    events.failing = true;
    try {
      const done = await run({
        StartAt: 'Publish',
        States: {
          Publish: {
            Type: 'Task',
            Resource: 'arn:aws:states:::events:putEvents',
            Parameters: { Entries: [{ Source: 's', DetailType: 'd', Detail: {} }] },
            Catch: [{ ErrorEquals: ['EventBridge.FailedEntry'], ResultPath: '$.error', Next: 'Caught' }],
            End: true,
          },
          Caught: { Type: 'Pass', End: true },
        },
      });
      expect(done.status).toBe('SUCCEEDED');
      expect(done.result.error.Error).toBe('EventBridge.FailedEntry');
      expect(JSON.parse(done.result.error.Cause)).toMatchObject({ FailedEntryCount: 1 });
    } finally {
      events.failing = false;
    }
  });

  it('routes dynamodb:putItem and getItem to DynamoDB with the wire AttributeValues', async () => {
    const done = await run(
      {
        StartAt: 'Put',
        States: {
          Put: {
            Type: 'Task',
            Resource: 'arn:aws:states:::dynamodb:putItem',
            Parameters: {
              TableName: 'orders',
              Item: { pk: { 'S.$': '$.orderId' }, blob: { B: Buffer.from('bytes').toString('base64') } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
            ResultPath: '$.put',
            Next: 'Get',
          },
          Get: {
            Type: 'Task',
            Resource: 'arn:aws:states:::dynamodb:getItem',
            Parameters: { TableName: 'orders', Key: { pk: { 'S.$': '$.orderId' } } },
            ResultPath: '$.got',
            End: true,
          },
        },
      },
      { orderId: 'order-1' },
    );
    expect(done.status).toBe('SUCCEEDED');
    const [put, get] = dynamo.calls.slice(-2);
    expect(put?.target).toBe('DynamoDB_20120810.PutItem');
    expect(put?.body).toEqual({
      TableName: 'orders',
      Item: { pk: { S: 'order-1' }, blob: { B: Buffer.from('bytes').toString('base64') } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(get?.target).toBe('DynamoDB_20120810.GetItem');
    expect(done.result.put).toMatchObject({
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: {},
    });
    expect(done.result.got.Item).toEqual({
      pk: { S: 'order-1' },
      blob: { B: Buffer.from('hello').toString('base64') },
      n: { N: '42' },
    });
  });

  it('reports a DynamoDB error as DynamoDB.<Exception>', async () => {
    const inline = await run({
      StartAt: 'Put',
      States: {
        Put: {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:putItem',
          Parameters: { TableName: 'orders', Item: { pk: { S: 'taken' } } },
          Catch: [
            {
              ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'],
              ResultPath: '$.error',
              Next: 'Caught',
            },
          ],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    });
    expect(inline.status).toBe('SUCCEEDED');
    expect(inline.result.error.Error).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(inline.result.error.Cause).toMatch(/^The conditional request failed \(Service: AmazonDynamoDBv2;/);
  });

  it('routes sqs:sendMessage and sns:publish, serializing JSON bodies', async () => {
    const done = await run(
      {
        StartAt: 'Send',
        States: {
          Send: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage',
            Parameters: { QueueUrl: 'http://127.0.0.1:4566/000000000000/orders', 'MessageBody.$': '$' },
            ResultPath: '$.sent',
            Next: 'Publish',
          },
          Publish: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sns:publish',
            Parameters: {
              TopicArn: 'arn:aws:sns:us-east-1:000000000000:alerts',
              Message: 'hello',
              Subject: 'hi',
            },
            ResultPath: '$.published',
            End: true,
          },
        },
      },
      { orderId: 'order-2' },
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(sqs.sent.at(-1)).toMatchObject({
      queue: 'http://127.0.0.1:4566/000000000000/orders',
      body: '{"orderId":"order-2"}',
    });
    expect(done.result.sent).toMatchObject({
      MessageId: 'message-1',
      MD5OfMessageBody: createHash('md5').update('{"orderId":"order-2"}').digest('hex'),
    });
    expect(sns.published.at(-1)).toMatchObject({
      topicArn: 'arn:aws:sns:us-east-1:000000000000:alerts',
      message: 'hello',
      options: { subject: 'hi' },
    });
    expect(done.result.published.MessageId).toBe('sns-1');
  });

  it('runs lambda:invoke with its {Payload, StatusCode} result and Lambda error names', async () => {
    lambda.behaviours.broken = () => {
      const error = new Error('card declined');
      error.name = 'PaymentDeclined';
      throw error;
    };
    const done = await run(
      {
        StartAt: 'Invoke',
        States: {
          Invoke: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: LOCAL_LAMBDA_ARN('echo'), 'Payload.$': '$' },
            ResultSelector: { 'body.$': '$.Payload', 'status.$': '$.StatusCode' },
            ResultPath: '$.invoked',
            Next: 'Broken',
          },
          Broken: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'broken', Payload: {} },
            Catch: [{ ErrorEquals: ['PaymentDeclined'], ResultPath: '$.error', Next: 'Done' }],
            End: true,
          },
          Done: { Type: 'Succeed' },
        },
      },
      { a: 1 },
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result.invoked).toEqual({ body: { echoed: { a: 1 } }, status: 200 });
    expect(done.result.error.Error).toBe('PaymentDeclined');
    expect(JSON.parse(done.result.error.Cause)).toMatchObject({
      errorType: 'PaymentDeclined',
      errorMessage: 'card declined',
    });
    const failed = done.history.find((e) => e.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'PaymentDeclined',
    });
  });

  it('runs a child execution with states:startExecution.sync:2 and returns its output', async () => {
    machines += 1;
    const child = (
      await engine.provision(
        machineResource(`Child${machines}`, {
          StartAt: 'Echo',
          States: { Echo: { Type: 'Task', Resource: LOCAL_LAMBDA_ARN('echo'), End: true } },
        }),
      )
    ).ref;
    const done = await run(
      single({
        Resource: 'arn:aws:states:::states:startExecution.sync:2',
        Parameters: { StateMachineArn: child, Input: { 'orderId.$': '$.orderId' } },
      }),
      { orderId: 'order-3' },
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result).toMatchObject({
      Status: 'SUCCEEDED',
      StateMachineArn: child,
      Input: { orderId: 'order-3' },
      Output: { echoed: { orderId: 'order-3' } },
    });
  });

  it('fails the execution with the Lambda error when a task has no Catch', async () => {
    lambda.behaviours.boom = () => {
      throw Object.assign(new Error('kaput'), { name: 'Boom' });
    };
    const done = await run(single({ Resource: LOCAL_LAMBDA_ARN('boom') }), { order: { orderId: 'order-9' } });
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('Boom');
    expect(JSON.parse(done.cause ?? '')).toEqual({
      errorType: 'Boom',
      errorMessage: 'kaput',
      trace: ['Boom: kaput'],
    });
    expect(done.history.slice(-2).map((e) => e.type)).toEqual(['LambdaFunctionFailed', 'ExecutionFailed']);
    expect(ctx.trace.events.slice(-2)).toEqual([
      { orderId: 'order-9', event: 'Step', service: 'saga', outcome: 'failed: Boom' },
      { orderId: 'order-9', event: 'execution', service: 'saga', outcome: 'FAILED' },
    ]);
  });

  it('dispatches the Tasks of Map iterations and Parallel branches, and records them in the history', async () => {
    const before = lambda.callsTo('echo').length;
    const done = await run(
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            ItemProcessor: {
              StartAt: 'EchoItem',
              States: { EchoItem: { Type: 'Task', Resource: LOCAL_LAMBDA_ARN('echo'), End: true } },
            },
            ResultPath: '$.echoed',
            Next: 'Both',
          },
          Both: {
            Type: 'Parallel',
            Branches: [
              {
                StartAt: 'Left',
                States: { Left: { Type: 'Task', Resource: LOCAL_LAMBDA_ARN('echo'), End: true } },
              },
              { StartAt: 'Right', States: { Right: { Type: 'Pass', Result: 'right', End: true } } },
            ],
            ResultPath: '$.both',
            End: true,
          },
        },
      },
      { items: [1, 2, 3] },
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result.echoed).toEqual([{ echoed: 1 }, { echoed: 2 }, { echoed: 3 }]);
    expect(done.result.both[1]).toBe('right');
    expect(lambda.callsTo('echo').length - before).toBe(4);
    const count = (type: string) => done.history.filter((e) => e.type === type).length;
    expect(count('MapStateEntered')).toBe(1);
    expect(count('MapIterationStarted')).toBe(3);
    expect(count('MapIterationSucceeded')).toBe(3);
    expect(count('LambdaFunctionScheduled')).toBe(4);
    expect(count('LambdaFunctionSucceeded')).toBe(4);
    expect(count('ParallelStateSucceeded')).toBe(1);
    const scheduledInputs = done.history
      .filter((e) => e.type === 'LambdaFunctionScheduled')
      .map((e) => (e.lambdaFunctionScheduledEventDetails as { input: string }).input);
    expect(scheduledInputs.slice(0, 3).sort()).toEqual(['1', '2', '3']);
  });

  it('scales Wait states by ORDERFLOW_TIME_SCALE: Seconds, SecondsPath and Timestamp', async () => {
    const started = Date.now();
    const done = await run(
      {
        StartAt: 'Seconds',
        States: {
          Seconds: { Type: 'Wait', Seconds: 10, Next: 'SecondsPath' },
          SecondsPath: { Type: 'Wait', SecondsPath: '$.delay', Next: 'Timestamp' },
          Timestamp: { Type: 'Wait', Timestamp: new Date(Date.now() + 10_000).toISOString(), End: true },
        },
      },
      { delay: 10 },
    );
    const elapsed = Date.now() - started;
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result).toEqual({ delay: 10 });
    // Three 10 s waits at scale 0.01: about 300 ms, not 30 s.
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3000);
    expect(done.history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('runs no further attempt of a task once its execution is stopped during a Retry wait', async () => {
    lambda.behaviours.flaky = () => {
      throw Object.assign(new Error('try again'), { name: 'Transient' });
    };
    machines += 1;
    const machineArn = (
      await engine.provision(
        machineResource(
          `Machine${machines}`,
          single({
            Resource: LOCAL_LAMBDA_ARN('flaky'),
            Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 30, MaxAttempts: 5 }],
          }),
        ),
      )
    ).ref;
    const { executionArn } = await engine.startExecution(machineArn, '{}');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lambda.callsTo('flaky')).toHaveLength(1);
    await engine.execution(executionArn)?.stop('Ops', 'enough');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lambda.callsTo('flaky')).toHaveLength(1);
    expect(engine.execution(executionArn)?.status).toBe('ABORTED');
  });

  // The two timeout tests wait a real second each (timeouts are not scaled), so they run side by side.
  it.concurrent('times an execution out after its TimeoutSeconds (unscaled): TIMED_OUT and ExecutionsTimedOut', async () => {
    const stuck = gate();
    lambda.behaviours.stuck = async () => {
      await stuck.promise;
      return {};
    };
    const done = await run({
      TimeoutSeconds: 1,
      StartAt: 'Stuck',
      States: { Stuck: { Type: 'Task', Resource: LOCAL_LAMBDA_ARN('stuck'), End: true } },
    });
    stuck.open();
    expect(done.status).toBe('TIMED_OUT');
    expect((done.stopDate ?? 0) - done.startDate).toBeGreaterThanOrEqual(950);
    expect(done.history.at(-1)?.type).toBe('ExecutionTimedOut');
    expect(metric('ExecutionsTimedOut', done.machineArn)).toBe(1);
    expect(ctx.trace.events).toContainEqual({ event: 'execution', service: 'saga', outcome: 'TIMED_OUT' });
  });

  it.concurrent("times a task out after its own TimeoutSeconds with States.Timeout, and leaves Lambda tasks without one to the function's timeout", async () => {
    lambda.behaviours.slow = () => new Promise((resolve) => setTimeout(() => resolve({ late: true }), 1500));
    const done = await run({
      StartAt: 'Slow',
      States: {
        Slow: {
          Type: 'Task',
          Resource: LOCAL_LAMBDA_ARN('slow'),
          TimeoutSeconds: 1,
          Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' }],
          End: true,
        },
        TimedOut: { Type: 'Pass', End: true },
      },
    });
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result.error.Error).toBe('States.Timeout');
    expect(
      done.history.find((e) => e.type === 'LambdaFunctionTimedOut')?.lambdaFunctionTimedOutEventDetails,
    ).toMatchObject({
      error: 'States.Timeout',
    });
    expect(
      done.history.find((e) => e.type === 'LambdaFunctionScheduled')?.lambdaFunctionScheduledEventDetails,
    ).toMatchObject({
      timeoutInSeconds: 1,
    });
    const machine = engine.stateMachine(done.machineArn);
    expect(machine.runnable.definition.States.Slow?.TimeoutSeconds).toBe(1);
    const unbounded = engine.stateMachine(
      (await engine.provision(machineResource('Unbounded', single({ Resource: LOCAL_LAMBDA_ARN('echo') }))))
        .ref,
    );
    // No TimeoutSeconds: not the library's 60 s default but the longest a timer can hold (AWS has none).
    expect(unbounded.runnable.definition.States.Step?.TimeoutSeconds).toBe(2_147_483);
  });
});
