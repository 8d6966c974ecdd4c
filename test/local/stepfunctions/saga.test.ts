/**
 * The real order saga, as CDK synthesizes it, run by the local Step Functions engine with fake task functions:
 * the paths through it, the Retry policy on PaymentGatewayTransientError (with ORDERFLOW_TIME_SCALE intervals),
 * and STANDARD/EXPRESS execution-name semantics.
 */

import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TemplateResource } from '#lib/local/core/types';
import { StepFunctionsEngine } from '#lib/local/stepfunctions/engine';
import { physicalName } from '#lib/local/template/physical-name';
import { createOrderflow } from '#lib/orderflow';
import { logicalIdOf, newApp, referencedLogicalId } from '../../infra/support/orderflow-app.ts';
import { testContext } from '../support/context.ts';
import { FakeLambda, type FunctionBehaviour, functionError, gate, LOCAL_LAMBDA_ARN } from './support.ts';

/** The saga's DefinitionString as CDK synthesizes it (an Fn::Join of the ASL and the task functions' ARNs). */
interface SynthesizedSaga {
  readonly logicalId: string;
  readonly definitionString: { 'Fn::Join': [string, unknown[]] };
}

/**
 * The state machine as the provisioner hands it over: its Fn::Join resolved, with the task functions named
 * after their constructs (`ReserveInventory38CFABB9` -> `ReserveInventory`).
 */
const resolvedSaga = (saga: SynthesizedSaga, type = 'STANDARD', name?: string): TemplateResource => {
  const [separator, parts] = saga.definitionString['Fn::Join'];
  const text = parts
    .map((part) =>
      typeof part === 'string'
        ? part
        : LOCAL_LAMBDA_ARN((referencedLogicalId(part) ?? 'Unresolved').replace(/[0-9A-F]{8}$/, '')),
    )
    .join(separator);
  return {
    stackName: 'OrderflowProcessing',
    logicalId: name ?? saga.logicalId,
    type: 'AWS::StepFunctions::StateMachine',
    properties: {
      DefinitionString: text,
      StateMachineType: type,
      RoleArn: 'arn:aws:iam::000000000000:role/saga',
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [
          { CloudWatchLogsLogGroup: { LogGroupArn: 'arn:aws:logs:us-east-1:000000000000:log-group:saga' } },
        ],
      },
      TracingConfiguration: { Enabled: true },
    },
  };
};

const sagaInput = (orderId = 'order-1') => ({
  order: {
    orderId,
    customerId: 'customer-1',
    items: [{ sku: 'SKU-KEYBOARD', name: 'Keyboard', quantity: 1, unitPrice: 4999 }],
    total: 4999,
    currency: 'EUR',
    paymentToken: 'tok_visa',
    shippingAddress: { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
  },
  correlationId: `corr-${orderId}`,
  causationId: `event-${orderId}`,
});

const happy: Record<string, FunctionBehaviour> = {
  ReserveInventory: () => ({ status: 'RESERVED' }),
  AuthorizePayment: () => ({ status: 'AUTHORIZED', authorizationId: 'auth-1' }),
  CreateShipment: () => ({ status: 'CREATED', shipmentId: 'ship-1' }),
  ConfirmOrder: () => ({ status: 'CONFIRMED' }),
  CancelShipment: () => ({ status: 'CANCELLED' }),
  RefundPayment: () => ({ status: 'REFUNDED' }),
  ReleaseInventory: () => ({ status: 'RELEASED' }),
  CancelOrder: () => ({ status: 'CANCELLED' }),
};

let sagaMachine: SynthesizedSaga;
beforeAll(() => {
  // The app as `cdk synth` builds it (cdk.json context, no bundling); only the state machine's property is
  // resolved, which is what synthesis writes into the template, without synthesizing every stack.
  const { processing } = createOrderflow(newApp());
  const machine = processing.saga.stateMachine.node.defaultChild as CfnStateMachine;
  sagaMachine = {
    logicalId: logicalIdOf(machine),
    definitionString: processing.resolve(machine.definitionString) as SynthesizedSaga['definitionString'],
  };
});

describe('the synthesized order saga on the local Step Functions engine', () => {
  let lambda: FakeLambda;
  let ctx: ReturnType<typeof testContext>;
  let engine: StepFunctionsEngine;
  let sagaArn: string;
  let sagaName: string;

  beforeEach(async () => {
    lambda = new FakeLambda({ ...happy });
    ctx = testContext({ services: { lambda } });
    engine = new StepFunctionsEngine(ctx);
    await engine.start();
    const { ref, attributes } = await engine.provision(resolvedSaga(sagaMachine));
    sagaArn = ref;
    sagaName = String(attributes.Name);
  });

  const run = async (orderId = 'order-1') => {
    const { executionArn } = await engine.startExecution(
      sagaArn,
      JSON.stringify(sagaInput(orderId)),
      orderId,
    );
    return engine.waitForExecution(executionArn);
  };
  const metric = (name: string) =>
    ctx.metrics
      .query({
        namespace: 'AWS/States',
        metricName: name,
        dimensions: { StateMachineArn: sagaArn },
        start: 0,
        end: Date.now() + 1,
      })
      .reduce((sum, point) => sum + point.value, 0);
  const trace = () => ctx.trace.events.map((e) => `${e.event}:${e.outcome}`);

  it('provisions the state machine with its ARN as Ref and the CloudFormation attributes', async () => {
    // The template does not name it: CloudFormation's `<stack>-<logicalId>-<suffix>`, at most 80 characters.
    const name = physicalName('OrderflowProcessing', 'OrderSagaStateMachine15260A25', { maxLength: 80 });
    expect(name).toMatch(/^OrderflowProcessing-OrderSagaStateMachine15260A25-[A-Z0-9]{12}$/);
    expect(sagaName).toBe(name);
    expect(sagaArn).toBe(`arn:aws:states:us-east-1:000000000000:stateMachine:${name}`);
    expect(ctx.services.stepFunctions).toBe(engine);
    const machine = engine.stateMachine(sagaArn);
    expect(machine.type).toBe('STANDARD');
    expect(machine.runnable.timeoutSeconds).toBe(300);
  });

  it('runs the happy path: reserve, authorize, ship, confirm', async () => {
    const done = await run();
    expect(done.status).toBe('SUCCEEDED');
    expect(lambda.names()).toEqual([
      'ReserveInventory',
      'AuthorizePayment',
      'CreateShipment',
      'ConfirmOrder',
    ]);
    const output = JSON.parse(done.output ?? 'null');
    expect(output).toMatchObject({
      order: { orderId: 'order-1' },
      reservation: { status: 'RESERVED' },
      payment: { status: 'AUTHORIZED' },
      shipment: { status: 'CREATED' },
      confirmation: { status: 'CONFIRMED' },
    });
    // payloadResponseOnly: each task gets the whole state, results of the earlier steps included.
    expect(lambda.callsTo('ConfirmOrder')[0]?.event).toMatchObject({ shipment: { shipmentId: 'ship-1' } });
    expect(trace()).toEqual([
      'ReserveInventory:ok',
      'AuthorizePayment:ok',
      'CreateShipment:ok',
      'ConfirmOrder:ok',
      'execution:SUCCEEDED',
    ]);
    expect(ctx.trace.events.every((e) => e.orderId === 'order-1' && e.service === 'saga')).toBe(true);
    expect(ctx.trace.events[0]?.correlationId).toBe('corr-order-1');
    expect(metric('ExecutionsStarted')).toBe(1);
    expect(metric('ExecutionsSucceeded')).toBe(1);
    expect(metric('ExecutionsFailed')).toBe(0);
    expect(metric('ExecutionTime')).toBeGreaterThanOrEqual(0);
  });

  it('compensates in reverse when no carrier can ship: cancel shipment, refund, release, cancel order', async () => {
    lambda.behaviours.CreateShipment = () => ({ status: 'UNAVAILABLE' });
    const done = await run();
    expect(done.status).toBe('SUCCEEDED');
    expect(lambda.names()).toEqual([
      'ReserveInventory',
      'AuthorizePayment',
      'CreateShipment',
      'CancelShipment',
      'RefundPayment',
      'ReleaseInventory',
      'CancelOrder',
    ]);
    expect(lambda.callsTo('CancelOrder')[0]?.event).toMatchObject({
      failure: { reason: 'SHIPPING_UNAVAILABLE' },
    });
    expect(JSON.parse(done.output ?? 'null')).toMatchObject({
      compensation: {
        cancelShipment: {},
        refundPayment: {},
        releaseInventory: {},
        cancelOrder: { status: 'CANCELLED' },
      },
    });
  });

  it('retries PaymentGatewayTransientError per the Retry policy, at scaled intervals, then catches it', async () => {
    lambda.behaviours.AuthorizePayment = () => {
      throw functionError('PaymentGatewayTransientError', 'gateway answered 503');
    };
    // Retry: 3 retries, 1 s interval, backoff 2, max delay 8 s, full jitter; at scale 0.01: 10, 20, 40 ms caps.
    const retrier = engine.stateMachine(sagaArn).runnable.definition.States.AuthorizePayment
      ?.Retry as unknown as {
      IntervalSeconds: number;
      MaxDelaySeconds: number;
      BackoffRate: number;
      MaxAttempts: number;
      JitterStrategy: string;
    }[];
    expect(retrier[0]).toMatchObject({ MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' });
    expect(retrier[0]?.IntervalSeconds).toBeCloseTo(0.01);
    expect(retrier[0]?.MaxDelaySeconds).toBeCloseTo(0.08);

    const started = Date.now();
    const done = await run();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(done.status).toBe('SUCCEEDED');
    const attempts = lambda.callsTo('AuthorizePayment');
    expect(attempts).toHaveLength(4);
    const gaps = attempts.slice(1).map((call, i) => call.at - (attempts[i]?.at ?? 0));
    gaps.forEach((gap, i) => {
      expect(gap).toBeLessThan(10 * 2 ** i + 150);
    });
    expect(trace()).toEqual([
      'ReserveInventory:ok',
      'AuthorizePayment:retry 1',
      'AuthorizePayment:retry 2',
      'AuthorizePayment:retry 3',
      'AuthorizePayment:caught: PaymentGatewayTransientError',
      'RefundPayment:ok',
      'ReleaseInventory:ok',
      'CancelOrder:ok',
      'execution:SUCCEEDED',
    ]);
    const output = JSON.parse(done.output ?? 'null');
    expect(output.failure).toEqual({ reason: 'PAYMENT_DECLINED' });
    expect(output.error.Error).toBe('PaymentGatewayTransientError');
    expect(JSON.parse(output.error.Cause)).toEqual({
      errorType: 'PaymentGatewayTransientError',
      errorMessage: 'gateway answered 503',
      trace: ['PaymentGatewayTransientError: gateway answered 503'],
    });
    const history = engine.execution(done.executionArn)?.history.events ?? [];
    const failures = history.filter((event) => event.type === 'LambdaFunctionFailed');
    expect(failures).toHaveLength(4);
    expect(failures[0]?.lambdaFunctionFailedEventDetails).toMatchObject({
      error: 'PaymentGatewayTransientError',
    });
  });

  it('ends approved when a flaky gateway succeeds on a retry', async () => {
    lambda.behaviours.AuthorizePayment = (_event, call) => {
      if (call < 3) throw functionError('PaymentGatewayTransientError');
      return { status: 'AUTHORIZED', authorizationId: 'auth-3' };
    };
    const done = await run();
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? 'null').confirmation).toEqual({ status: 'CONFIRMED' });
    expect(trace()).toContain('AuthorizePayment:retry 2');
    expect(trace()).toContain('AuthorizePayment:ok');
  });

  it('fails the execution when a compensation fails after its retries (ExecutionsFailed)', async () => {
    lambda.behaviours.CreateShipment = () => ({ status: 'UNAVAILABLE' });
    lambda.behaviours.RefundPayment = () => {
      throw functionError('GatewayRejected', 'refund rejected');
    };
    const done = await run();
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('CompensationFailed');
    expect(done.cause).toBe('A compensation failed after its retries; the order needs manual repair.');
    // Not a transient error: only the last-resort States.ALL retrier (2 retries) applies.
    expect(lambda.callsTo('RefundPayment')).toHaveLength(3);
    expect(metric('ExecutionsFailed')).toBe(1);
    expect(metric('ExecutionsSucceeded')).toBe(0);
    expect(trace().at(-1)).toBe('execution:FAILED');
    const types = engine.execution(done.executionArn)?.history.events.map((e) => e.type) ?? [];
    expect(types.slice(-2)).toEqual(['FailStateEntered', 'ExecutionFailed']);
  });

  it('returns the running STANDARD execution for a duplicate start with the same name and input', async () => {
    const reserving = gate();
    lambda.behaviours.ReserveInventory = async () => {
      await reserving.promise;
      return { status: 'RESERVED' };
    };
    const input = JSON.stringify(sagaInput('order-dup'));
    const first = await engine.startExecution(sagaArn, input, 'order-dup');
    const second = await engine.startExecution(sagaArn, input, 'order-dup');
    expect(second.executionArn).toBe(first.executionArn);
    expect(second.startDate).toEqual(first.startDate);
    expect(first.executionArn).toBe(`arn:aws:states:us-east-1:000000000000:execution:${sagaName}:order-dup`);
    await expect(
      engine.startExecution(sagaArn, JSON.stringify(sagaInput('other')), 'order-dup'),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    reserving.open();
    await engine.waitForExecution(first.executionArn);
    expect(lambda.callsTo('ReserveInventory')).toHaveLength(1);
    expect(metric('ExecutionsStarted')).toBe(1);
    // Once closed, the name stays taken whatever the input.
    await expect(engine.startExecution(sagaArn, input, 'order-dup')).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });

  it('runs two EXPRESS executions for two starts with the same name', async () => {
    const { ref: express, attributes } = await engine.provision(
      resolvedSaga(sagaMachine, 'EXPRESS', 'ExpressSaga'),
    );
    const expressName = String(attributes.Name);
    expect(expressName).toMatch(/^OrderflowProcessing-ExpressSaga-[A-Z0-9]{12}$/);
    const input = JSON.stringify(sagaInput('order-x'));
    const first = await engine.startExecution(express, input, 'order-x');
    const second = await engine.startExecution(express, input, 'order-x');
    expect(first.executionArn).not.toBe(second.executionArn);
    expect(first.executionArn).toMatch(
      new RegExp(`^arn:aws:states:us-east-1:000000000000:express:${expressName}:order-x:[0-9a-f-]{36}$`),
    );
    await Promise.all([
      engine.waitForExecution(first.executionArn),
      engine.waitForExecution(second.executionArn),
    ]);
    expect(lambda.callsTo('ReserveInventory')).toHaveLength(2);
    expect(engine.executionsOf(express).map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  });
});
