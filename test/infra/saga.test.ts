import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import {
  type AslState,
  logicalIdOf,
  prop,
  referencedLogicalId,
  resolveDefinition,
  resourcesOf,
  stateMachineOf,
  synthesizeOrderflow,
} from './support/orderflow-app';

// Prepare (once for the file).
const orderflow = synthesizeOrderflow();
const stateMachine = stateMachineOf(orderflow.processingTemplate);
const asl = resolveDefinition(stateMachine);
const states = asl.States;

const FORWARD = ['ReserveInventory', 'AuthorizePayment', 'CreateShipment', 'ConfirmOrder'];
const COMPENSATIONS = [
  'CancelShipment',
  'RefundPayment',
  'ReleaseInventory',
  'CancelOrder',
  'CancelUnconfirmedOrder',
];
// Per forward step: the reason its failure records and the compensations that must run, in order.
const FAILURE_PATHS: Record<string, [string, string[]]> = {
  ReserveInventory: ['OUT_OF_STOCK', ['ReleaseInventory', 'CancelOrder']],
  AuthorizePayment: ['PAYMENT_DECLINED', ['RefundPayment', 'ReleaseInventory', 'CancelOrder']],
  CreateShipment: [
    'SHIPPING_UNAVAILABLE',
    ['CancelShipment', 'RefundPayment', 'ReleaseInventory', 'CancelOrder'],
  ],
  // ConfirmOrder's own compensation (cancel the order) runs first; the rest only if it did cancel.
  ConfirmOrder: [
    'INTERNAL_ERROR',
    ['CancelUnconfirmedOrder', 'CancelShipment', 'RefundPayment', 'ReleaseInventory', 'CancelOrder'],
  ],
};

function state(name: string): AslState {
  const s = states[name];
  if (!s) throw new Error(`No state ${name}`);
  return s;
}

/** Follows Pass states from `name`; returns the reason they set and the first non-Pass state. */
function throughPassStates(name: string): { reason: unknown; next: string } {
  let current = name;
  let reason: unknown;
  while (state(current).Type === 'Pass') {
    const pass = state(current);
    if (pass.ResultPath === '$.failure') reason = pass.Result?.reason;
    current = pass.Next ?? '';
  }
  return { reason, next: current };
}

/** The chain of Task states from `name` along Next (and a Choice's first branch), up to a terminal state. */
function taskChain(name: string): { tasks: string[]; end: string } {
  const tasks: string[] = [];
  let current = name;
  for (;;) {
    const current_ = state(current);
    if (current_.Type === 'Task') tasks.push(current);
    else if (current_.Type !== 'Choice') break;
    current = (current_.Type === 'Choice' ? current_.Choices?.[0]?.Next : current_.Next) ?? '';
  }
  return { tasks, end: current };
}

describe('order saga definition', () => {
  it('is valid Amazon States Language', () => {
    // Act: the validator annotates its input, so give it a copy.
    const result = aslValidator(structuredClone(asl));

    // Assess
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('uses JSONPath only: no JSONata, no Assign, no task tokens', () => {
    const text = JSON.stringify(asl);
    expect(text).not.toMatch(/JSONata/i);
    expect(text).not.toMatch(/"Assign"/);
    expect(text).not.toMatch(/waitForTaskToken/);
    expect([asl.QueryLanguage, ...Object.values(states).map((s) => s.QueryLanguage)]).not.toContain(
      'JSONata',
    );
  });

  it('invokes every task function directly and writes its result under a ResultPath', () => {
    for (const name of [...FORWARD, ...COMPENSATIONS]) {
      expect(state(name).Type, name).toBe('Task');
      // payloadResponseOnly: the Resource is the function ARN, not arn:aws:states:::lambda:invoke.
      expect(state(name).Resource, name).toMatch(/^arn:aws:lambda:.*:function:/);
      expect(state(name).ResultPath, name).toMatch(/^\$\./);
    }
    expect(asl.StartAt).toBe('ReserveInventory');
  });

  it('catches every forward step into the compensations of that step and the earlier ones, in reverse', () => {
    for (const step of FORWARD) {
      // Prepare
      const [reason, compensations] = FAILURE_PATHS[step] ?? ['', []];
      const catchAll = state(step).Catch?.find((c) => c.ErrorEquals.includes('States.ALL'));
      expect(catchAll?.ResultPath, step).toBe('$.error');

      // Act
      const afterPass = throughPassStates(catchAll?.Next ?? '');
      const chain = taskChain(afterPass.next);

      // Assess
      expect(afterPass.reason, step).toBe(reason);
      expect(chain.tasks, step).toEqual(compensations);
      expect(state(chain.end).Type, step).toBe('Succeed');
    }
  });

  it('leaves an order that was confirmed after all alone when ConfirmOrder fails late', () => {
    // Prepare: ConfirmOrder's Catch, through its Pass state, to the cancellation that may find it CONFIRMED.
    const catchAll = state('ConfirmOrder').Catch?.find((c) => c.ErrorEquals.includes('States.ALL'));
    const cancel = throughPassStates(catchAll?.Next ?? '').next;

    // Act
    const choice = state(state(cancel).Next ?? '');

    // Assess: only a CANCELLED result leads on to the other compensations; anything else ends confirmed.
    expect(cancel).toBe('CancelUnconfirmedOrder');
    expect(choice.Type).toBe('Choice');
    expect(choice.Choices?.[0]).toMatchObject({ StringEquals: 'CANCELLED', Next: 'CancelShipment' });
    expect(choice.Default).toBe('OrderConfirmed');
    expect(state('OrderConfirmed').Type).toBe('Succeed');
  });

  it('checks business outcomes in Choice states that lead into the same compensations', () => {
    for (const step of ['ReserveInventory', 'AuthorizePayment', 'CreateShipment']) {
      const choice = state(state(step).Next ?? '');
      expect(choice.Type, step).toBe('Choice');
      const catchNext = state(step).Catch?.[0]?.Next;
      expect(choice.Default, step).toBe(catchNext);
      expect(FORWARD).toContain(choice.Choices?.[0]?.Next);
    }
    expect(state(state('ConfirmOrder').Next ?? '').Type).toBe('Succeed');
  });

  it('ends in Fail when a compensation still fails after its retries', () => {
    for (const name of COMPENSATIONS) {
      const catchAll = state(name).Catch?.find((c) => c.ErrorEquals.includes('States.ALL'));
      expect(state(catchAll?.Next ?? '').Type, name).toBe('Fail');
    }
  });

  it('retries transient errors with backoff and full jitter, and compensations more than forward steps', () => {
    const transient = (name: string) =>
      state(name).Retry?.find((r) => r.ErrorEquals.includes('TransientDependencyError'));
    for (const name of [...FORWARD, ...COMPENSATIONS]) {
      const retry = transient(name);
      expect(retry?.ErrorEquals, name).toEqual(
        expect.arrayContaining([
          'PaymentGatewayTransientError',
          'Lambda.ServiceException',
          'Lambda.TooManyRequestsException',
        ]),
      );
      expect(retry?.JitterStrategy, name).toBe('FULL');
      expect(retry?.BackoffRate, name).toBeGreaterThan(1);
      expect(retry?.MaxDelaySeconds, name).toBeGreaterThan(0);
    }
    const forwardAttempts = Math.max(...FORWARD.map((n) => transient(n)?.MaxAttempts ?? 0));
    for (const name of COMPENSATIONS) expect(transient(name)?.MaxAttempts).toBeGreaterThan(forwardAttempts);
  });
});

describe('order saga state machine', () => {
  it('is a Standard workflow with a timeout, logging ALL and tracing', () => {
    expect(prop(stateMachine, 'StateMachineType')).toBe('STANDARD');
    expect(asl.TimeoutSeconds).toBe(300);
    expect(stateMachine.Properties).toMatchObject({
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('alarms on failed and timed-out executions', () => {
    const id = logicalIdOf(orderflow.processing.saga.stateMachine);
    const metrics = resourcesOf(orderflow.processingTemplate, 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a)
      .filter(
        (a) =>
          prop(a, 'Namespace') === 'AWS/States' &&
          prop<{ Value: unknown }[]>(a, 'Dimensions').some((d) => referencedLogicalId(d.Value) === id),
      )
      .map((a) => prop<string>(a, 'MetricName'));
    expect(metrics.sort()).toEqual(['ExecutionsFailed', 'ExecutionsTimedOut']);
  });

  it('becomes an Express workflow with context orderflow:sagaType=EXPRESS', () => {
    // Act
    const express = synthesizeOrderflow({ 'orderflow:sagaType': 'EXPRESS' });

    // Assess
    expect(prop(stateMachineOf(express.processingTemplate), 'StateMachineType')).toBe('EXPRESS');
  });

  it('rejects an unknown orderflow:sagaType, naming it', () => {
    expect(() => synthesizeOrderflow({ 'orderflow:sagaType': 'TURBO' })).toThrow(
      /orderflow:sagaType.*'TURBO'/,
    );
  });

  it('lets only the SagaStarter start executions', () => {
    const id = logicalIdOf(orderflow.processing.saga.stateMachine);
    const starters = resourcesOf(orderflow.processingTemplate, 'AWS::IAM::Policy')
      .filter(([, p]) =>
        prop<{ Statement: { Action: string | string[]; Resource: unknown }[] }>(
          p,
          'PolicyDocument',
        ).Statement.some(
          (s) =>
            [s.Action].flat().includes('states:StartExecution') && referencedLogicalId(s.Resource) === id,
        ),
      )
      .map(([policyId]) => policyId);
    expect(starters).toHaveLength(1);
    expect(starters[0]).toMatch(/^SagaStarter/);
  });
});
