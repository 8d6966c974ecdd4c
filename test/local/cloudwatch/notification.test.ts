/** The alarm notification CloudWatch publishes to SNS, compared with real notifications. */
import { describe, expect, test } from 'vitest';
import { metricAlarmConfig } from '#lib/local/cloudwatch/alarm-config';
import { evaluateAlarm } from '#lib/local/cloudwatch/evaluate';
import { metricAlarmMessage, notificationSubject } from '#lib/local/cloudwatch/notification';

describe('notification subject', () => {
  test('state, quoted name and region name', () => {
    expect(notificationSubject('ALARM', 'OrderflowProcessing-SagaStarterDlq', 'us-east-1')).toBe(
      'ALARM: "OrderflowProcessing-SagaStarterDlq" in US East (N. Virginia)',
    );
    expect(notificationSubject('OK', 'a', 'us-east-1')).toBe('OK: "a" in US East (N. Virginia)');
    expect(notificationSubject('INSUFFICIENT_DATA', 'a', 'us-east-1')).toBe(
      'INSUFFICIENT_DATA: "a" in US East (N. Virginia)',
    );
  });

  test('a long name is cut so the subject fits SNS 100 characters (a real subject)', () => {
    const subject = notificationSubject(
      'ALARM',
      'HowToTriggerCloudwatchAlarmFromLambdaStack-howtotriggercloudwatchal-aYncvjc4a5RT',
      'us-east-1',
    );
    expect(subject).toBe(
      'ALARM: "HowToTriggerCloudwatchAlarmFromLambdaStack-howtotriggercloudwat..." in US East (N. Virginia)',
    );
    expect(subject).toHaveLength(100);
  });
});

test('the message matches a real 2025 notification member for member, in order, with Java number formatting', () => {
  const name = '[TITLE-TEST-ALARM] Title of Broken Alarm';
  const arn = `arn:aws:cloudwatch:us-east-1:308535385114:alarm:${name}`;
  const config = metricAlarmConfig(
    {
      AlarmDescription: 'Body of alarm.',
      AlarmActions: ['arn:aws:sns:us-east-1:308535385114:alerting-dev-alerts'],
      MetricName: 'run.ghrunners.perOrg.perRunnerType.busy',
      Namespace: 'gh-ci-scaleUp-dim',
      Statistic: 'Average',
      Dimensions: [
        { Name: 'Org', Value: 'pytorch' },
        { Name: 'RunnerType', Value: 'linux.2xlarge' },
      ],
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 580,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    },
    name,
    arn,
  );
  const outcome = evaluateAlarm(
    { ...config, statistic: 'Average' },
    [{ timestamp: Date.UTC(2025, 8, 16, 16, 58), value: 596.3636363636364, sampleCount: 3 }],
    Date.UTC(2025, 8, 16, 16, 59, 17, 131),
  );
  const message = metricAlarmMessage(
    config,
    {
      oldState: 'OK',
      newState: 'ALARM',
      reason: outcome?.reason ?? '',
      changedAt: Date.UTC(2025, 8, 16, 16, 59, 17, 131),
    },
    {
      accountId: '308535385114',
      region: 'us-east-1',
      configurationUpdatedAt: Date.UTC(2025, 8, 16, 16, 54, 41, 676),
    },
  );
  expect(message).toBe(
    '{"AlarmName":"[TITLE-TEST-ALARM] Title of Broken Alarm","AlarmDescription":"Body of alarm.","AWSAccountId":"308535385114","AlarmConfigurationUpdatedTimestamp":"2025-09-16T16:54:41.676+0000","NewStateValue":"ALARM","NewStateReason":"Threshold Crossed: 1 out of the last 1 datapoints [596.3636363636364 (16/09/25 16:58:00)] was greater than the threshold (580.0) (minimum 1 datapoint for OK -> ALARM transition).","StateChangeTime":"2025-09-16T16:59:17.131+0000","Region":"US East (N. Virginia)","AlarmArn":"arn:aws:cloudwatch:us-east-1:308535385114:alarm:[TITLE-TEST-ALARM] Title of Broken Alarm","OldStateValue":"OK","OKActions":[],"AlarmActions":["arn:aws:sns:us-east-1:308535385114:alerting-dev-alerts"],"InsufficientDataActions":[],"Trigger":{"MetricName":"run.ghrunners.perOrg.perRunnerType.busy","Namespace":"gh-ci-scaleUp-dim","StatisticType":"Statistic","Statistic":"AVERAGE","Unit":null,"Dimensions":[{"value":"pytorch","name":"Org"},{"value":"linux.2xlarge","name":"RunnerType"}],"Period":60,"EvaluationPeriods":1,"DatapointsToAlarm":1,"ComparisonOperator":"GreaterThanThreshold","Threshold":580.0,"TreatMissingData":"notBreaching","EvaluateLowSampleCountPercentile":""}}',
  );
});

test('a percentile alarm names its ExtendedStatistic in the Trigger; a metric math alarm lists its Metrics', () => {
  const change = { oldState: 'OK' as const, newState: 'ALARM' as const, reason: 'r', changedAt: 0 };
  const common = { accountId: '000000000000', region: 'us-east-1', configurationUpdatedAt: 0 };
  const percentile = JSON.parse(
    metricAlarmMessage(
      metricAlarmConfig(
        {
          MetricName: 'Duration',
          Namespace: 'AWS/Lambda',
          ExtendedStatistic: 'p99',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1000,
          ComparisonOperator: 'GreaterThanThreshold',
        },
        'p',
        'arn:p',
      ),
      change,
      common,
    ),
  );
  expect(percentile.Trigger).toMatchObject({ StatisticType: 'ExtendedStatistic', ExtendedStatistic: 'p99' });
  expect(percentile.Trigger).not.toHaveProperty('Statistic');
  expect(percentile.Trigger.TreatMissingData).toBe('');
  const math = JSON.parse(
    metricAlarmMessage(
      metricAlarmConfig(
        {
          Metrics: [
            { Id: 'e1', Expression: '100*(errors/invocations)', ReturnData: true },
            {
              Id: 'errors',
              MetricStat: {
                Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors' },
                Period: 60,
                Stat: 'Sum',
              },
              ReturnData: false,
            },
            {
              Id: 'invocations',
              MetricStat: {
                Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations' },
                Period: 60,
                Stat: 'Sum',
              },
              ReturnData: false,
            },
          ],
          EvaluationPeriods: 1,
          Threshold: 5,
          ComparisonOperator: 'GreaterThanThreshold',
        },
        'm',
        'arn:m',
      ),
      change,
      common,
    ),
  );
  expect(Object.keys(math.Trigger)).toEqual([
    'Period',
    'EvaluationPeriods',
    'ComparisonOperator',
    'Threshold',
    'TreatMissingData',
    'EvaluateLowSampleCountPercentile',
    'Metrics',
  ]);
  expect(math.Trigger.Metrics[1]).toEqual({
    Id: 'errors',
    MetricStat: {
      Metric: { Dimensions: [], MetricName: 'Errors', Namespace: 'AWS/Lambda' },
      Period: 60,
      Stat: 'Sum',
    },
    ReturnData: false,
  });
});
