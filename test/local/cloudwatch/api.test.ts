/**
 * The CloudWatch API on the edge endpoint, driven by the real @aws-sdk/client-cloudwatch (in the protocol it
 * uses by default, and forced to each of the other two) and by the AWS CLI v1.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAlarmsForMetricCommand,
  DisableAlarmActionsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  InvalidParameterValueException,
  ListMetricsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  ResourceNotFound,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clientConfig, cloudWatchOnEdge, OPS_ALERTS } from './support.ts';

type Setup = Awaited<ReturnType<typeof cloudWatchOnEdge>>;
let setup: Setup;
const T0 = Date.UTC(2026, 10, 22, 11, 0, 0);

const dlqAlarm = {
  AlarmName: 'OrderflowProcessing-SagaStarterDeadLetterQueueDepthAlarm',
  AlarmDescription: 'Dead letters in queue consumer SagaStarter: inspect, fix, then redrive.',
  MetricName: 'ApproximateNumberOfMessagesVisible',
  Namespace: 'AWS/SQS',
  Dimensions: [{ Name: 'QueueName', Value: 'saga-starter-dlq' }],
  Statistic: 'Maximum',
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
  AlarmActions: [OPS_ALERTS],
};

beforeAll(async () => {
  setup = await cloudWatchOnEdge();
  const { engine, ctx } = setup;
  engine.putMetricAlarm(dlqAlarm);
  engine.putMetricAlarm({
    ...dlqAlarm,
    AlarmName: 'quiet',
    Dimensions: [{ Name: 'QueueName', Value: 'other' }],
  });
  ctx.metrics.put({
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: 'saga-starter-dlq' },
    value: 1,
    unit: 'Count',
    timestamp: Date.now() - 100,
  });
  engine.evaluate(dlqAlarm.AlarmName, Date.now() + 400);
  engine.evaluate('quiet', Date.now() + 400);
  // Lambda Errors for ReserveInventory: three periods of a fixed past hour.
  for (const [minute, values] of [
    [0, [1, 2]],
    [1, [4]],
    [3, [1, 1, 1]],
  ] as const) {
    for (const [index, value] of values.entries()) {
      ctx.metrics.put({
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: 'ReserveInventory' },
        value,
        unit: 'Count',
        timestamp: T0 + minute * 60_000 + index * 1000,
      });
    }
  }
});

afterAll(async () => {
  await setup.engine.stop();
  await setup.edge.stop();
});

const PROTOCOLS: [string, Partial<CloudWatchClientConfig>, 'json' | 'query' | 'cbor'][] = [
  ['the SDK default (awsJson1.0, query-compatible)', {}, 'json'],
  ['awsQuery', { protocol: AwsQueryProtocol }, 'query'],
  ['Smithy RPC v2 CBOR', { protocol: AwsSmithyRpcV2CborProtocol }, 'cbor'],
];

describe.each(PROTOCOLS)('@aws-sdk/client-cloudwatch over %s', (_label, protocol, served) => {
  const client = () => new CloudWatchClient({ ...clientConfig(setup.edge.url), ...protocol });

  test('DescribeAlarms shows the DLQ alarm in ALARM, with every field DescribeAlarms returns', async () => {
    const before = setup.engine.handler.served[served];
    const out = await client().send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    expect(setup.engine.handler.served[served]).toBe(before + 1);
    expect(out.CompositeAlarms).toEqual([]);
    expect(out.MetricAlarms).toHaveLength(1);
    const [alarm] = out.MetricAlarms ?? [];
    expect(alarm).toMatchObject({
      AlarmName: dlqAlarm.AlarmName,
      AlarmArn: `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${dlqAlarm.AlarmName}`,
      AlarmDescription: dlqAlarm.AlarmDescription,
      ActionsEnabled: true,
      OKActions: [],
      AlarmActions: [OPS_ALERTS],
      InsufficientDataActions: [],
      StateValue: 'ALARM',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Statistic: 'Maximum',
      Dimensions: [{ Name: 'QueueName', Value: 'saga-starter-dlq' }],
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarm?.StateReason).toMatch(/^Threshold Crossed: 1 datapoint \[1\.0 \(/);
    expect(JSON.parse(alarm?.StateReasonData ?? '{}')).toMatchObject({ statistic: 'Maximum', threshold: 1 });
    expect(alarm?.StateUpdatedTimestamp).toBeInstanceOf(Date);
    expect(alarm?.StateTransitionedTimestamp).toBeInstanceOf(Date);
    expect(alarm?.AlarmConfigurationUpdatedTimestamp).toBeInstanceOf(Date);
    expect(Math.abs((alarm?.StateUpdatedTimestamp?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  test('DescribeAlarms filters by name and prefix, and pages with NextToken', async () => {
    const named = await client().send(new DescribeAlarmsCommand({ AlarmNames: ['quiet'] }));
    expect(named.MetricAlarms?.map((a) => [a.AlarmName, a.StateValue])).toEqual([['quiet', 'OK']]);
    const first = await client().send(new DescribeAlarmsCommand({ AlarmNamePrefix: '', MaxRecords: 1 }));
    expect(first.MetricAlarms?.map((a) => a.AlarmName)).toEqual([dlqAlarm.AlarmName]);
    const second = await client().send(
      new DescribeAlarmsCommand({ MaxRecords: 1, NextToken: first.NextToken }),
    );
    expect(second.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['quiet']);
    expect(second.NextToken).toBeUndefined();
  });

  test('GetMetricData returns the stored datapoints aggregated per period, newest first', async () => {
    const out = await client().send(
      new GetMetricDataCommand({
        StartTime: new Date(T0),
        EndTime: new Date(T0 + 10 * 60_000),
        MetricDataQueries: [
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
          },
          {
            Id: 'peak',
            Label: 'peak errors',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Lambda',
                MetricName: 'Errors',
                Dimensions: [{ Name: 'FunctionName', Value: 'ReserveInventory' }],
              },
              Period: 120,
              Stat: 'Maximum',
            },
          },
          { Id: 'doubled', Expression: 'errors * 2' },
        ],
      }),
    );
    expect(out.MetricDataResults?.map((r) => [r.Id, r.Label, r.StatusCode])).toEqual([
      ['errors', 'Errors', 'Complete'],
      ['peak', 'peak errors', 'Complete'],
      ['doubled', 'doubled', 'Complete'],
    ]);
    const [errors, peak, doubled] = out.MetricDataResults ?? [];
    expect(errors?.Timestamps?.map((t) => t.getTime())).toEqual([T0 + 3 * 60_000, T0 + 60_000, T0]);
    expect(errors?.Values).toEqual([3, 4, 3]);
    expect(peak?.Timestamps?.map((t) => t.getTime())).toEqual([T0 + 2 * 60_000, T0]);
    expect(peak?.Values).toEqual([1, 4]);
    expect(doubled?.Values).toEqual([6, 8, 6]);
  });

  test('PutMetricData then GetMetricData round-trips, oldest first with ScanBy TimestampAscending', async () => {
    const start = Date.UTC(2026, 10, 22, 9, 0, 0);
    await client().send(
      new PutMetricDataCommand({
        Namespace: `orderflow-${served}`,
        MetricData: [
          { MetricName: 'OrdersPlaced', Value: 2, Unit: 'Count', Timestamp: new Date(start + 5_000) },
          {
            MetricName: 'OrdersPlaced',
            Values: [1, 3],
            Counts: [2, 1],
            Unit: 'Count',
            Timestamp: new Date(start + 65_000),
          },
          {
            MetricName: 'OrdersPlaced',
            StatisticValues: { SampleCount: 4, Sum: 10, Minimum: 1, Maximum: 4 },
            Unit: 'Count',
            Timestamp: new Date(start + 125_000),
          },
        ],
      }),
    );
    const query = (stat: string) =>
      client().send(
        new GetMetricDataCommand({
          StartTime: new Date(start),
          EndTime: new Date(start + 300_000),
          ScanBy: 'TimestampAscending',
          MetricDataQueries: [
            {
              Id: 'm',
              MetricStat: {
                Metric: { Namespace: `orderflow-${served}`, MetricName: 'OrdersPlaced' },
                Period: 60,
                Stat: stat,
              },
            },
          ],
        }),
      );
    const sums = (await query('Sum')).MetricDataResults?.[0];
    expect(sums?.Timestamps?.map((t) => t.getTime())).toEqual([start, start + 60_000, start + 120_000]);
    expect(sums?.Values).toEqual([2, 5, 10]);
    expect((await query('SampleCount')).MetricDataResults?.[0]?.Values).toEqual([1, 3, 4]);
    expect((await query('Maximum')).MetricDataResults?.[0]?.Values).toEqual([2, 3, 4]);
    const listed = await client().send(new ListMetricsCommand({ Namespace: `orderflow-${served}` }));
    expect(listed.Metrics).toEqual([
      { Namespace: `orderflow-${served}`, MetricName: 'OrdersPlaced', Dimensions: [] },
    ]);
  });

  test('GetMetricStatistics returns the requested statistics per period', async () => {
    const out = await client().send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: 'ReserveInventory' }],
        StartTime: new Date(T0),
        EndTime: new Date(T0 + 5 * 60_000),
        Period: 60,
        Statistics: ['Sum', 'SampleCount', 'Average'],
      }),
    );
    expect(out.Label).toBe('Errors');
    expect(out.Datapoints).toEqual([
      { Timestamp: new Date(T0), Sum: 3, SampleCount: 2, Average: 1.5, Unit: 'Count' },
      { Timestamp: new Date(T0 + 60_000), Sum: 4, SampleCount: 1, Average: 4, Unit: 'Count' },
      { Timestamp: new Date(T0 + 180_000), Sum: 3, SampleCount: 3, Average: 1, Unit: 'Count' },
    ]);
    const percentiles = await client().send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: 'ReserveInventory' }],
        StartTime: new Date(T0),
        EndTime: new Date(T0 + 60_000),
        Period: 60,
        ExtendedStatistics: ['p50', 'p99'],
      }),
    );
    expect(percentiles.Datapoints?.[0]?.ExtendedStatistics).toEqual({ p50: 1, p99: 2 });
  });

  test('errors carry CloudWatch codes and map to the SDK exception classes', async () => {
    const missing = await client()
      .send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'ALARM', StateReason: 'x' }))
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(ResourceNotFound);
    expect(missing).toMatchObject({ name: 'ResourceNotFound', message: 'Alarm nope not found' });
    expect((missing as ResourceNotFound).$metadata.httpStatusCode).toBe(404);
    const invalid = await client()
      .send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          StartTime: new Date(T0),
          EndTime: new Date(T0 + 60_000),
          Period: 45,
          Statistics: ['Sum'],
        }),
      )
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(InvalidParameterValueException);
  });
});

describe('alarm operations through the edge', () => {
  const client = () => new CloudWatchClient(clientConfig(setup.edge.url));

  test('SetAlarmState runs the alarm actions and DescribeAlarmHistory records it', async () => {
    await client().send(new PutMetricAlarmCommand({ ...dlqAlarm, AlarmName: 'paged' } as never));
    await client().send(
      new SetAlarmStateCommand({ AlarmName: 'paged', StateValue: 'ALARM', StateReason: 'testing the pager' }),
    );
    await setup.engine.settled();
    const notification = setup.sns.published.find(
      (p) => p.subject === 'ALARM: "paged" in US East (N. Virginia)',
    );
    expect(JSON.parse(notification?.message ?? '{}')).toMatchObject({
      AlarmName: 'paged',
      NewStateValue: 'ALARM',
      NewStateReason: 'testing the pager',
    });
    const history = await client().send(new DescribeAlarmHistoryCommand({ AlarmName: 'paged' }));
    expect(history.AlarmHistoryItems?.map((item) => [item.HistoryItemType, item.HistorySummary])).toEqual([
      ['Action', `Successfully executed action ${OPS_ALERTS}`],
      ['StateUpdate', 'Alarm updated from INSUFFICIENT_DATA to ALARM'],
      ['ConfigurationUpdate', 'Alarm "paged" created'],
    ]);
    const [, update] = history.AlarmHistoryItems ?? [];
    expect(JSON.parse(update?.HistoryData ?? '{}')).toEqual({
      version: '1.0',
      oldState: { stateValue: 'INSUFFICIENT_DATA', stateReason: 'Unchecked: Initial alarm creation' },
      newState: { stateValue: 'ALARM', stateReason: 'testing the pager' },
    });
  });

  test('composite alarms are listed only when AlarmTypes asks for them', async () => {
    setup.engine.putCompositeAlarm({ AlarmName: 'any-dlq', AlarmRule: `ALARM("${dlqAlarm.AlarmName}")` });
    const metricOnly = await client().send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'any-' }));
    expect(metricOnly).toMatchObject({ MetricAlarms: [], CompositeAlarms: [] });
    const both = await client().send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: 'any-', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    );
    expect(both.CompositeAlarms).toMatchObject([
      { AlarmName: 'any-dlq', AlarmRule: `ALARM("${dlqAlarm.AlarmName}")`, StateValue: 'ALARM' },
    ]);
  });

  test('ListMetrics filters by dimension name and value', async () => {
    const out = await client().send(
      new ListMetricsCommand({ Dimensions: [{ Name: 'FunctionName', Value: 'ReserveInventory' }] }),
    );
    expect(out.Metrics).toEqual([
      {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: 'ReserveInventory' }],
      },
    ]);
    const none = await client().send(
      new ListMetricsCommand({ Dimensions: [{ Name: 'QueueName', Value: 'nope' }] }),
    );
    expect(none.Metrics).toEqual([]);
  });

  test('DisableAlarmActions and DescribeAlarmsForMetric', async () => {
    await client().send(new DisableAlarmActionsCommand({ AlarmNames: ['quiet'] }));
    const out = await client().send(
      new DescribeAlarmsForMetricCommand({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: 'other' }],
      }),
    );
    expect(out.MetricAlarms?.map((a) => [a.AlarmName, a.ActionsEnabled])).toEqual([['quiet', false]]);
  });
});

// The AWS CLI v1 speaks awsJson1.0 to CloudWatch (botocore 1.43 picks `json` from the model's protocols). The
// model can be pinned to `query` or `smithy-rpc-v2-cbor` through AWS_DATA_PATH, to check the other two.
const hasAwsCli = spawnSync('aws', ['--version']).status === 0;
const botocoreDir = hasAwsCli
  ? spawnSync('python3', ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__))'], {
      encoding: 'utf8',
    }).stdout?.trim()
  : '';
const run = promisify(execFile);

describe.runIf(hasAwsCli).concurrent('the AWS CLI v1', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cw-cli-'));
    if (!botocoreDir) return;
    const model = JSON.parse(
      gunzipSync(readFileSync(join(botocoreDir, 'data/cloudwatch/2010-08-01/service-2.json.gz'))).toString(
        'utf8',
      ),
    );
    for (const protocol of ['query', 'smithy-rpc-v2-cbor']) {
      const dir = join(dataDir, protocol, 'cloudwatch/2010-08-01');
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'service-2.json'),
        JSON.stringify({ ...model, metadata: { ...model.metadata, protocol, protocols: [protocol] } }),
      );
    }
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const aws = async (protocol: string | undefined, ...args: string[]) => {
    const { stdout } = await run(
      'aws',
      ['--endpoint-url', setup.edge.url, '--output', 'json', 'cloudwatch', ...args],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: join(dataDir, 'none'),
          AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'none'),
          ...(protocol ? { AWS_DATA_PATH: join(dataDir, protocol) } : {}),
        },
      },
    );
    return JSON.parse(stdout);
  };

  test.each([
    [undefined, 'json'],
    ['query', 'query'],
    ['smithy-rpc-v2-cbor', 'cbor'],
  ] as const)('describe-alarms (model protocol %s) shows StateValue ALARM', async (protocol, served) => {
    if (protocol && !botocoreDir) return;
    const before = setup.engine.handler.served[served];
    const out = await aws(protocol, 'describe-alarms', '--alarm-names', dlqAlarm.AlarmName);
    expect(setup.engine.handler.served[served]).toBeGreaterThan(before);
    expect(out.MetricAlarms).toHaveLength(1);
    expect(out.MetricAlarms[0]).toMatchObject({
      AlarmName: dlqAlarm.AlarmName,
      StateValue: 'ALARM',
      Threshold: 1,
    });
    expect(out.CompositeAlarms).toEqual([]);
  });
});
