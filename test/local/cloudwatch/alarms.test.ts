/**
 * The alarm engine: alarms from template resources, evaluated on the local metrics at ORDERFLOW_TIME_SCALE
 * 0.01 (a 60 s period is 0.6 s), with their actions published to a recording SNS.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { CloudWatchEngine } from '#lib/local/cloudwatch/engine';
import type { TemplateResource } from '#lib/local/core/types';
import { physicalName } from '#lib/local/template/physical-name';
import { cloudWatch, OPS_ALERTS } from './support.ts';

const PERIOD_MS = 600; // 60 s at time scale 0.01
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

/** SagaStarterDeadLetterQueueDepthAlarm as synthesized, with its intrinsics resolved. */
const dlqDepthAlarm = (queueName = 'OrderflowProcessing-SagaStarterDeadLetterQueue'): TemplateResource => ({
  stackName: 'OrderflowProcessing',
  logicalId: 'SagaStarterDeadLetterQueueDepthAlarmE684264B',
  type: 'AWS::CloudWatch::Alarm',
  properties: {
    AlarmActions: [OPS_ALERTS],
    AlarmDescription: 'Dead letters in queue consumer SagaStarter: inspect, fix, then redrive.',
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Dimensions: [{ Name: 'QueueName', Value: queueName }],
    EvaluationPeriods: 1,
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Namespace: 'AWS/SQS',
    Period: 60,
    Statistic: 'Maximum',
    Threshold: 1,
    TreatMissingData: 'notBreaching',
  },
});

const provision = async (engine: CloudWatchEngine, resource: TemplateResource) => {
  const provider = engine.providers.find((candidate) => candidate.types.includes(resource.type));
  if (!provider) throw new Error(`no provider for ${resource.type}`);
  return provider.provision(resource);
};

const alarm = (name: string, overrides: Record<string, unknown> = {}) => ({
  AlarmName: name,
  MetricName: 'Errors',
  Namespace: 'AWS/Lambda',
  Dimensions: [{ Name: 'FunctionName', Value: 'ReserveInventory' }],
  Statistic: 'Sum',
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
  AlarmActions: [OPS_ALERTS],
  ...overrides,
});

let running: CloudWatchEngine | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

test('a DLQ depth alarm goes OK -> ALARM when a datapoint >= 1 arrives and notifies its action topic', async () => {
  const { engine, ctx, sns } = cloudWatch();
  running = engine;
  await engine.start();
  const { ref, attributes } = await provision(engine, dlqDepthAlarm());
  expect(ref).toBe(
    physicalName('OrderflowProcessing', 'SagaStarterDeadLetterQueueDepthAlarmE684264B', { maxLength: 255 }),
  );
  expect(ref).toMatch(/^OrderflowProcessing-SagaStarterDeadLetterQueueDepthAlarmE684264B-[A-Z0-9]{12}$/);
  expect(attributes.Arn).toBe(`arn:aws:cloudwatch:us-east-1:000000000000:alarm:${ref}`);
  expect(engine.describeAlarm(ref)).toMatchObject({ StateValue: 'INSUFFICIENT_DATA' });

  // No dead letters yet: missing data is notBreaching, so the first evaluation (one scaled minute) says OK.
  await vi.waitFor(() => expect(engine.describeAlarm(ref)?.StateValue).toBe('OK'), {
    timeout: 3000,
    interval: 50,
  });
  expect(sns.published).toHaveLength(0);

  ctx.metrics.put({
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: 'OrderflowProcessing-SagaStarterDeadLetterQueue' },
    value: 1,
    unit: 'Count',
    timestamp: Date.now(),
  });
  await vi.waitFor(() => expect(engine.describeAlarm(ref)?.StateValue).toBe('ALARM'), {
    timeout: 3000,
    interval: 50,
  });
  await engine.settled();

  expect(sns.published).toHaveLength(1);
  const [notification] = sns.published;
  expect(notification?.topicArn).toBe(OPS_ALERTS);
  expect(notification?.subject).toBe(`ALARM: "${ref.slice(0, 63)}..." in US East (N. Virginia)`);
  const message = JSON.parse(notification?.message ?? '{}');
  expect(Object.keys(message)).toEqual([
    'AlarmName',
    'AlarmDescription',
    'AWSAccountId',
    'AlarmConfigurationUpdatedTimestamp',
    'NewStateValue',
    'NewStateReason',
    'StateChangeTime',
    'Region',
    'AlarmArn',
    'OldStateValue',
    'OKActions',
    'AlarmActions',
    'InsufficientDataActions',
    'Trigger',
  ]);
  expect(message).toMatchObject({
    AlarmName: ref,
    AlarmDescription: 'Dead letters in queue consumer SagaStarter: inspect, fix, then redrive.',
    AWSAccountId: '000000000000',
    NewStateValue: 'ALARM',
    OldStateValue: 'OK',
    Region: 'US East (N. Virginia)',
    AlarmArn: attributes.Arn,
    OKActions: [],
    AlarmActions: [OPS_ALERTS],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      StatisticType: 'Statistic',
      Statistic: 'MAXIMUM',
      Unit: null,
      Dimensions: [{ value: 'OrderflowProcessing-SagaStarterDeadLetterQueue', name: 'QueueName' }],
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
      EvaluateLowSampleCountPercentile: '',
    },
  });
  expect(message.NewStateReason).toMatch(
    /^Threshold Crossed: 1 datapoint \[1\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than or equal to the threshold \(1\.0\)\.$/,
  );
  expect(message.StateChangeTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  expect(notification?.message).toContain('"Threshold":1.0');
  expect(ctx.trace.events).toEqual([
    { service: 'alarm', event: ref, outcome: 'OK (was INSUFFICIENT_DATA)' },
    { service: 'alarm', event: ref, outcome: 'ALARM (was OK)' },
  ]);
  expect(engine.alarmHistory(ref).map((item) => item.HistorySummary)).toEqual([
    `Alarm "${ref}" created`,
    'Alarm updated from INSUFFICIENT_DATA to OK',
    'Alarm updated from OK to ALARM',
    `Successfully executed action ${OPS_ALERTS}`,
  ]);
});

describe('evaluation on the scaled clock', () => {
  const put = (
    ctx: ReturnType<typeof cloudWatch>['ctx'],
    value: number,
    timestamp: number,
    metricName = 'Errors',
  ) =>
    ctx.metrics.put({
      namespace: 'AWS/Lambda',
      metricName,
      dimensions: { FunctionName: 'ReserveInventory' },
      value,
      timestamp,
    });

  test('notBreaching missing data keeps the alarm OK and sends nothing', () => {
    const { engine, sns } = cloudWatch();
    engine.putMetricAlarm(alarm('errors', { OKActions: [OPS_ALERTS] }), T0);
    expect(engine.evaluate('errors', T0 + PERIOD_MS)).toBe('OK');
    for (let period = 2; period < 10; period += 1)
      expect(engine.evaluate('errors', T0 + period * PERIOD_MS)).toBe('OK');
    expect(engine.describeAlarm('errors')?.StateReason).toBe(
      'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
    );
    // The one transition (INSUFFICIENT_DATA -> OK) ran the OK action once.
    expect(sns.published.map((p) => p.subject)).toEqual(['OK: "errors" in US East (N. Virginia)']);
  });

  test('missing data (the default) leaves a new alarm in INSUFFICIENT_DATA', () => {
    const { engine } = cloudWatch();
    engine.putMetricAlarm(alarm('errors', { TreatMissingData: undefined }), T0);
    expect(engine.evaluate('errors', T0 + PERIOD_MS)).toBe('INSUFFICIENT_DATA');
    expect(engine.describeAlarm('errors')?.StateReason).toBe('Unchecked: Initial alarm creation');
  });

  test('M out of N: DatapointsToAlarm 2 of EvaluationPeriods 3 needs two breaching periods', () => {
    const { engine, ctx, sns } = cloudWatch();
    engine.putMetricAlarm(alarm('errors', { EvaluationPeriods: 3, DatapointsToAlarm: 2 }), T0);
    put(ctx, 0, T0 + 100);
    expect(engine.evaluate('errors', T0 + PERIOD_MS)).toBe('OK');
    put(ctx, 1, T0 + PERIOD_MS + 100);
    expect(engine.evaluate('errors', T0 + 2 * PERIOD_MS)).toBe('OK');
    put(ctx, 0, T0 + 2 * PERIOD_MS + 100);
    expect(engine.evaluate('errors', T0 + 3 * PERIOD_MS)).toBe('OK');
    put(ctx, 2, T0 + 3 * PERIOD_MS + 100);
    expect(engine.evaluate('errors', T0 + 4 * PERIOD_MS)).toBe('ALARM');
    expect(engine.describeAlarm('errors')?.StateReason).toMatch(
      /^Threshold Crossed: 2 out of the last 3 datapoints \[2\.0 \(.+\), 1\.0 \(.+\)\] were greater than or equal to the threshold \(1\.0\) \(minimum 2 datapoints for OK -> ALARM transition\)\.$/,
    );
    expect(sns.published).toHaveLength(1);
  });

  test('ALARM -> OK publishes to the OK actions', async () => {
    const { engine, ctx, sns } = cloudWatch();
    const okTopic = 'arn:aws:sns:us-east-1:000000000000:ok-topic';
    engine.putMetricAlarm(alarm('errors', { OKActions: [okTopic] }), T0);
    put(ctx, 3, T0 + 100);
    expect(engine.evaluate('errors', T0 + PERIOD_MS)).toBe('ALARM');
    put(ctx, 0, T0 + PERIOD_MS + 100);
    expect(engine.evaluate('errors', T0 + 2 * PERIOD_MS)).toBe('OK');
    await engine.settled();
    expect(sns.published.map((p) => [p.topicArn, p.subject])).toEqual([
      [OPS_ALERTS, 'ALARM: "errors" in US East (N. Virginia)'],
      [okTopic, 'OK: "errors" in US East (N. Virginia)'],
    ]);
    const ok = JSON.parse(sns.published[1]?.message ?? '{}');
    expect(ok).toMatchObject({ NewStateValue: 'OK', OldStateValue: 'ALARM' });
    expect(ok.NewStateReason).toMatch(/was not greater than or equal to the threshold \(1\.0\)\.$/);
  });

  test('a breaching datapoint keeps counting while it is the most recent real one in the evaluation range', () => {
    const { engine, ctx } = cloudWatch();
    engine.putMetricAlarm(alarm('errors'), T0);
    put(ctx, 1, T0 + 100);
    expect(engine.evaluate('errors', T0 + PERIOD_MS)).toBe('ALARM');
    // The range is EvaluationPeriods + 2 periods: the datapoint is still evaluated two periods later...
    expect(engine.evaluate('errors', T0 + 3 * PERIOD_MS)).toBe('ALARM');
    // ...and then it is out of range, so the missing datapoint is treated as not breaching.
    expect(engine.evaluate('errors', T0 + 4 * PERIOD_MS)).toBe('OK');
  });

  test('Sum and Maximum of the same datapoints differ', () => {
    const { engine, ctx } = cloudWatch();
    engine.putMetricAlarm(alarm('sum', { Threshold: 3 }), T0);
    engine.putMetricAlarm(alarm('max', { Threshold: 3, Statistic: 'Maximum' }), T0);
    for (const offset of [10, 20, 30]) put(ctx, 1, T0 + offset);
    expect(engine.evaluate('sum', T0 + PERIOD_MS)).toBe('ALARM');
    expect(engine.evaluate('max', T0 + PERIOD_MS)).toBe('OK');
    expect(engine.describeAlarm('sum')?.StateReason).toContain('[3.0 (');
    expect(JSON.parse(String(engine.describeAlarm('sum')?.StateReasonData)).evaluatedDatapoints).toEqual([
      { timestamp: '2026-11-22T12:00:00.000+0000', sampleCount: 3, value: 3 },
    ]);
  });

  test('SetAlarmState changes the state, runs the actions, and lasts until the next evaluation', async () => {
    const { engine, sns } = cloudWatch();
    engine.putMetricAlarm(alarm('errors'), T0);
    engine.setAlarmState('errors', 'ALARM', 'testing the pager', '{"source":"test"}', T0 + 10);
    await engine.settled();
    expect(engine.describeAlarm('errors')).toMatchObject({
      StateValue: 'ALARM',
      StateReason: 'testing the pager',
      StateReasonData: '{"source":"test"}',
    });
    expect(sns.published).toHaveLength(1);
    expect(JSON.parse(sns.published[0]?.message ?? '{}')).toMatchObject({
      NewStateValue: 'ALARM',
      NewStateReason: 'testing the pager',
      OldStateValue: 'INSUFFICIENT_DATA',
    });
    expect(engine.evaluate('errors', T0 + PERIOD_MS)).toBe('OK');
    expect(() => engine.setAlarmState('nope', 'ALARM', 'x')).toThrow(/Alarm nope not found/);
    expect(() => engine.setAlarmState('errors', 'ALARM', 'x', 'not json')).toThrow(/StateReasonData/);
  });

  test('disabled actions change the state without notifying', async () => {
    const { engine, ctx, sns } = cloudWatch();
    engine.putMetricAlarm(alarm('errors'), T0);
    engine.setActionsEnabled(['errors'], false);
    put(ctx, 5, T0 + 100);
    expect(engine.evaluate('errors', T0 + PERIOD_MS)).toBe('ALARM');
    await engine.settled();
    expect(sns.published).toHaveLength(0);
    expect(engine.describeAlarm('errors')?.ActionsEnabled).toBe(false);
  });

  test('a failed publish is recorded in the history as a failed action', async () => {
    const { engine, ctx } = cloudWatch();
    ctx.services.sns = {
      publish: async () => {
        throw new Error('Topic does not exist');
      },
    };
    engine.putMetricAlarm(alarm('errors'), T0);
    engine.setAlarmState('errors', 'ALARM', 'x', undefined, T0);
    await engine.settled();
    expect(engine.alarmHistory('errors').at(-1)?.HistorySummary).toBe(
      `Failed to execute action ${OPS_ALERTS}. Reason: Topic does not exist`,
    );
  });

  test('a metric math alarm evaluates its expression per period', () => {
    const { engine, ctx } = cloudWatch();
    engine.putMetricAlarm(
      {
        AlarmName: 'error-rate',
        Metrics: [
          { Id: 'rate', Expression: '100 * errors / invocations', ReturnData: true },
          {
            Id: 'errors',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Lambda',
                MetricName: 'Errors',
                Dimensions: [{ Name: 'FunctionName', Value: 'ReserveInventory' }],
              },
              Period: 60,
              Stat: 'Sum',
            },
            ReturnData: false,
          },
          {
            Id: 'invocations',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Lambda',
                MetricName: 'Invocations',
                Dimensions: [{ Name: 'FunctionName', Value: 'ReserveInventory' }],
              },
              Period: 60,
              Stat: 'Sum',
            },
            ReturnData: false,
          },
        ],
        EvaluationPeriods: 1,
        Threshold: 10,
        ComparisonOperator: 'GreaterThanThreshold',
      },
      T0,
    );
    for (let i = 0; i < 10; i += 1) put(ctx, 1, T0 + i, 'Invocations');
    put(ctx, 1, T0 + 20);
    expect(engine.evaluate('error-rate', T0 + PERIOD_MS)).toBe('OK');
    put(ctx, 1, T0 + PERIOD_MS + 20, 'Invocations');
    put(ctx, 1, T0 + PERIOD_MS + 30);
    expect(engine.evaluate('error-rate', T0 + 2 * PERIOD_MS)).toBe('ALARM');
    expect(engine.describeAlarm('error-rate')?.StateReason).toMatch(
      /^Threshold Crossed: 1 datapoint \[100\.0 /,
    );
  });
});

describe('composite alarms', () => {
  test('ALARM(a) OR ALARM(b) follows its children and notifies', async () => {
    const { engine, sns } = cloudWatch();
    engine.putMetricAlarm(alarm('a'), T0);
    engine.putMetricAlarm(alarm('b'), T0);
    const { ref } = await provision(engine, {
      stackName: 'OrderflowProcessing',
      logicalId: 'AnyDlq',
      type: 'AWS::CloudWatch::CompositeAlarm',
      properties: {
        AlarmName: 'any',
        AlarmRule: 'ALARM("a") OR ALARM(arn:aws:cloudwatch:us-east-1:000000000000:alarm:b)',
        AlarmActions: [OPS_ALERTS],
      },
    });
    expect(ref).toBe('any');
    expect(engine.describeAlarm('any')?.StateValue).toBe('OK');
    engine.setAlarmState('b', 'ALARM', 'test', undefined, T0 + 10);
    expect(engine.describeAlarm('any')?.StateValue).toBe('ALARM');
    expect(engine.describeAlarm('any')?.StateReason).toMatch(
      /^arn:aws:cloudwatch:us-east-1:000000000000:alarm:b transitioned to ALARM at \w+ \d\d \w+, 2026 12:00:00 UTC$/,
    );
    await engine.settled();
    const composite = sns.published.find((p) => p.subject === 'ALARM: "any" in US East (N. Virginia)');
    expect(JSON.parse(composite?.message ?? '{}')).toMatchObject({
      AlarmName: 'any',
      NewStateValue: 'ALARM',
      AlarmRule: 'ALARM("a") OR ALARM(arn:aws:cloudwatch:us-east-1:000000000000:alarm:b)',
      TriggeringChildren: [
        { Arn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:b', State: { Value: 'ALARM' } },
      ],
    });
    engine.setAlarmState('b', 'OK', 'test', undefined, T0 + 20);
    expect(engine.describeAlarm('any')?.StateValue).toBe('OK');
  });

  test('NOT and AND, and a clear refusal of AT_LEAST', () => {
    const { engine } = cloudWatch();
    engine.putMetricAlarm(alarm('a'), T0);
    engine.putMetricAlarm(alarm('b'), T0);
    engine.putCompositeAlarm({ AlarmName: 'c', AlarmRule: 'ALARM(a) AND NOT OK(b)' }, T0);
    engine.setAlarmState('a', 'ALARM', 'x', undefined, T0);
    expect(engine.describeAlarm('c')?.StateValue).toBe('ALARM');
    engine.setAlarmState('b', 'OK', 'x', undefined, T0);
    expect(engine.describeAlarm('c')?.StateValue).toBe('OK');
    expect(() =>
      engine.putCompositeAlarm({ AlarmName: 'd', AlarmRule: 'AT_LEAST(2, ALARM, (a, b))' }),
    ).toThrow(/AT_LEAST is not supported by the local cloud/);
  });
});

describe('provisioning', () => {
  test('a dashboard is accepted and returns its name; it is not emulated', async () => {
    const { engine } = cloudWatch();
    const { ref } = await provision(engine, {
      stackName: 'OrderflowProcessing',
      logicalId: 'OperationsDashboard94CB3698',
      type: 'AWS::CloudWatch::Dashboard',
      properties: { DashboardBody: '{"widgets":[]}' },
    });
    expect(ref).toMatch(/^OrderflowProcessing-OperationsDashboard94CB3698-[A-Z0-9]{12}$/);
  });

  test('an explicit AlarmName is the Ref', async () => {
    const { engine } = cloudWatch();
    const resource = dlqDepthAlarm();
    const { ref } = await provision(engine, {
      ...resource,
      properties: { ...resource.properties, AlarmName: 'x' },
    });
    expect(ref).toBe('x');
  });

  test('anomaly detection alarms are refused with a clear message', async () => {
    const { engine } = cloudWatch();
    await expect(
      provision(engine, {
        stackName: 's',
        logicalId: 'Anomaly',
        type: 'AWS::CloudWatch::Alarm',
        properties: {
          ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
          EvaluationPeriods: 1,
          ThresholdMetricId: 'ad1',
          Metrics: [
            {
              Id: 'm1',
              MetricStat: {
                Metric: { Namespace: 'AWS/SQS', MetricName: 'NumberOfMessagesSent' },
                Period: 60,
                Stat: 'Sum',
              },
            },
            { Id: 'ad1', Expression: 'ANOMALY_DETECTION_BAND(m1, 2)' },
          ],
        },
      }),
    ).rejects.toThrow(/anomaly detection alarm, which the local cloud does not emulate/);
  });

  test('invalid configurations are refused as PutMetricAlarm refuses them', () => {
    const { engine } = cloudWatch();
    expect(() => engine.putMetricAlarm(alarm('a', { Period: 45 }))).toThrow(/Period/);
    expect(() => engine.putMetricAlarm(alarm('a', { DatapointsToAlarm: 2 }))).toThrow(/DatapointsToAlarm/);
    expect(() => engine.putMetricAlarm(alarm('a', { TreatMissingData: 'sometimes' }))).toThrow(
      /TreatMissingData/,
    );
    expect(() => engine.putMetricAlarm(alarm('a', { ExtendedStatistic: 'p99' }))).toThrow(
      /Exactly one of Statistic/,
    );
    expect(() =>
      engine.putMetricAlarm({
        ...alarm('a', {
          Statistic: undefined,
          MetricName: undefined,
          Namespace: undefined,
          Period: undefined,
        }),
        Metrics: [{ Id: 'e1', Expression: 'SEARCH(\'{AWS/SQS} x\', "Sum", 60)' }],
      }),
    ).toThrow(/no SEARCH or Metrics Insights/);
  });
});
