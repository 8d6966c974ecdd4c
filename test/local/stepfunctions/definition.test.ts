/**
 * Provisioning AWS::StepFunctions::StateMachine: what CloudFormation returns, the definition sources it takes,
 * the definitions the engine refuses rather than run unfaithfully, and the time-scaled copy it runs.
 */
import { describe, expect, it } from 'vitest';
import {
  type AslMachine,
  checkRunnable,
  runnableDefinition,
  UnsupportedDefinitionError,
} from '#lib/local/stepfunctions/definition';
import { StepFunctionsEngine } from '#lib/local/stepfunctions/engine';
import { physicalName } from '#lib/local/template/physical-name';
import { testContext } from '../support/context.ts';
import { LOCAL_LAMBDA_ARN, machineResource } from './support.ts';

const task = (resource: string, extra: Record<string, unknown> = {}) => ({
  StartAt: 'Step',
  States: { Step: { Type: 'Task', Resource: resource, End: true, ...extra } },
});

const refusal = (definition: unknown): string => {
  try {
    checkRunnable('Refused', definition);
  } catch (error) {
    expect(error).toBeInstanceOf(UnsupportedDefinitionError);
    return (error as Error).message;
  }
  throw new Error('the definition was accepted');
};

describe('provisioning a state machine', () => {
  it('returns the ARN as Ref and Arn, Name and StateMachineRevisionId, naming it <stack>-<logicalId>-<suffix> by default', async () => {
    const engine = new StepFunctionsEngine(testContext());
    const resource = machineResource('Unnamed', task(LOCAL_LAMBDA_ARN('f')));
    const { StateMachineName: _, ...properties } = resource.properties;
    const provisioned = await engine.provision({ ...resource, properties });
    // State machine names are at most 80 characters.
    const name = physicalName('Test', 'Unnamed', { maxLength: 80 });
    expect(name).toMatch(/^Test-Unnamed-[A-Z0-9]{12}$/);
    expect(provisioned.ref).toBe(`arn:aws:states:us-east-1:000000000000:stateMachine:${name}`);
    expect(provisioned.attributes).toEqual({
      Arn: provisioned.ref,
      Name: name,
      StateMachineRevisionId: expect.any(String),
    });
  });

  it('takes a Definition object and applies DefinitionSubstitutions', async () => {
    const engine = new StepFunctionsEngine(testContext());
    const { ref } = await engine.provision({
      stackName: 'Test',
      logicalId: 'FromObject',
      type: 'AWS::StepFunctions::StateMachine',
      properties: {
        StateMachineName: 'from-object',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation DefinitionSubstitutions placeholder.
        Definition: task('${FunctionArn}'),
        DefinitionSubstitutions: { FunctionArn: LOCAL_LAMBDA_ARN('substituted') },
        RoleArn: 'arn:aws:iam::000000000000:role/r',
      },
    });
    expect(engine.stateMachine(ref).definition.States.Step?.Resource).toBe(LOCAL_LAMBDA_ARN('substituted'));
  });

  it('refuses a JSONata definition at provisioning, with the reason', async () => {
    const engine = new StepFunctionsEngine(testContext());
    const jsonata = {
      QueryLanguage: 'JSONata',
      StartAt: 'Shape',
      States: { Shape: { Type: 'Pass', Output: '{% $states.input.order %}', End: true } },
    };
    await expect(engine.provision(machineResource('Jsonata', jsonata))).rejects.toThrow(
      /QueryLanguage "JSONata": only JSONPath is supported/,
    );
    expect(engine.stateMachines()).toHaveLength(0);
  });

  it('refuses what it cannot run faithfully: variables, task tokens, activities, SDK integrations, distributed maps', () => {
    expect(refusal({ StartAt: 'A', States: { A: { Type: 'Pass', Assign: { x: 1 }, End: true } } })).toMatch(
      /A: Assign \(JSONata and workflow variables are not supported\)/,
    );
    expect(refusal(task('arn:aws:states:::lambda:invoke.waitForTaskToken'))).toMatch(/task tokens/);
    expect(refusal(task('arn:aws:states:us-east-1:000000000000:activity:approve'))).toMatch(/activities/);
    expect(refusal(task('arn:aws:states:::aws-sdk:dynamodb:query'))).toMatch(/no local integration/);
    expect(refusal(task('arn:aws:states:::ecs:runTask.sync'))).toMatch(/no local integration/);
    expect(
      refusal({
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemReader: { Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: 'b', Key: 'k' } },
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'Item',
              States: { Item: { Type: 'Pass', End: true } },
            },
            End: true,
          },
        },
      }),
    ).toMatch(/ItemReader \(distributed Map is not supported\)[\s\S]*Mode DISTRIBUTED/);
    expect(
      refusal({
        StartAt: 'A',
        States: { A: { Type: 'Pass', Parameters: { 'x.$': 'States.Base64Encode($.y)' }, End: true } },
      }),
    ).toMatch(/States.Base64Encode is not supported/);
    expect(
      refusal({
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'Same', States: { Same: { Type: 'Pass', End: true } } },
              { StartAt: 'Same', States: { Same: { Type: 'Pass', End: true } } },
            ],
            End: true,
          },
        },
      }),
    ).toMatch(/DUPLICATE_STATE_NAMES/);
    expect(refusal({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } })).toMatch(/Nowhere/);
  });

  it('accepts every integration it routes', () => {
    const resources = [
      LOCAL_LAMBDA_ARN('f'),
      `${LOCAL_LAMBDA_ARN('f')}:live`,
      'arn:aws:states:::lambda:invoke',
      'arn:aws:states:::events:putEvents',
      'arn:aws:states:::dynamodb:getItem',
      'arn:aws:states:::dynamodb:putItem',
      'arn:aws:states:::dynamodb:updateItem',
      'arn:aws:states:::dynamodb:deleteItem',
      'arn:aws:states:::sqs:sendMessage',
      'arn:aws:states:::sns:publish',
      'arn:aws:states:::states:startExecution',
      'arn:aws:states:::states:startExecution.sync',
      'arn:aws:states:::states:startExecution.sync:2',
    ];
    const states = Object.fromEntries(
      resources.map((resource, i) => [
        `S${i}`,
        {
          Type: 'Task',
          Resource: resource,
          Parameters: {},
          ...(i + 1 < resources.length ? { Next: `S${i + 1}` } : { End: true }),
        },
      ]),
    );
    expect(() => checkRunnable('Accepted', { StartAt: 'S0', States: states })).not.toThrow();
  });
});

describe('the definition the engine runs', () => {
  const definition: AslMachine = {
    StartAt: 'Call',
    TimeoutSeconds: 600,
    States: {
      Call: {
        Type: 'Task',
        Resource: LOCAL_LAMBDA_ARN('f'),
        Retry: [
          {
            ErrorEquals: ['Transient'],
            IntervalSeconds: 2,
            MaxDelaySeconds: 30,
            BackoffRate: 3,
            JitterStrategy: 'FULL',
          },
          { ErrorEquals: ['States.ALL'] },
        ],
        Next: 'Pause',
      },
      Pause: { Type: 'Wait', Seconds: 60, Next: 'Until' },
      Until: { Type: 'Wait', TimestampPath: '$.until', End: true },
    },
  };

  it('scales Retry intervals and max delays, keeping backoff, attempts and jitter', () => {
    const { definition: runnable } = runnableDefinition(definition, { factor: 0.01, type: 'STANDARD' });
    expect(runnable.States.Call?.Retry).toEqual([
      {
        ErrorEquals: ['Transient'],
        IntervalSeconds: 0.02,
        MaxDelaySeconds: 0.3,
        BackoffRate: 3,
        JitterStrategy: 'FULL',
      },
      // The default interval (1 s) is scaled too.
      { ErrorEquals: ['States.ALL'], IntervalSeconds: 0.01 },
    ]);
    // The provisioned definition itself is left as it was.
    expect(definition.States.Call?.Retry).toEqual([expect.anything(), { ErrorEquals: ['States.ALL'] }]);
  });

  it('scales Wait Seconds and turns path or timestamp waits into local waits', () => {
    const runnable = runnableDefinition(definition, { factor: 0.01, type: 'STANDARD' });
    expect(runnable.definition.States.Pause).toMatchObject({ Type: 'Wait', Seconds: 0.6 });
    expect(runnable.definition.States.Until).toMatchObject({
      Type: 'Task',
      Parameters: { 'input.$': '$', 'timestamp.$': '$.until' },
    });
    expect([...runnable.rewrittenWaits]).toEqual(['Until']);
    // At scale 1 the library's own Wait handling is kept.
    expect(
      runnableDefinition(definition, { factor: 1, type: 'STANDARD' }).definition.States.Until?.Type,
    ).toBe('Wait');
  });

  it('keeps the execution timeout unscaled, and caps EXPRESS executions at 5 minutes', () => {
    expect(runnableDefinition(definition, { factor: 0.01, type: 'STANDARD' }).timeoutSeconds).toBe(600);
    expect(runnableDefinition(definition, { factor: 0.01, type: 'EXPRESS' }).timeoutSeconds).toBe(300);
    const { TimeoutSeconds: _, ...untimed } = definition;
    expect(runnableDefinition(untimed, { factor: 0.01, type: 'STANDARD' }).timeoutSeconds).toBeUndefined();
    expect(runnableDefinition(untimed, { factor: 0.01, type: 'EXPRESS' }).timeoutSeconds).toBe(300);
    // The engine enforces it, not the library.
    expect(
      runnableDefinition(definition, { factor: 0.01, type: 'STANDARD' }).definition.TimeoutSeconds,
    ).toBeUndefined();
    // Beyond what a timer can hold (AWS STANDARD allows a year): no local timeout.
    expect(
      runnableDefinition({ ...definition, TimeoutSeconds: 99_999_999 }, { factor: 1, type: 'STANDARD' })
        .timeoutSeconds,
    ).toBeUndefined();
  });
});
