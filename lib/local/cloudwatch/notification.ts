/**
 * The SNS message CloudWatch publishes when an alarm changes state: subject
 * `ALARM: "<name>" in US East (N. Virginia)` (at most 100 characters: a long name is cut and ends with `...`)
 * and a JSON message whose members, order and value formats follow real notifications (for example
 * `"Threshold":1.0`, `"Unit":null`, `"Dimensions":[{"value":...,"name":...}]`, `"Statistic":"SUM"`).
 */
import type { CompositeAlarmConfig, MetricAlarmConfig } from './alarm-config.ts';
import type { AlarmStateValue } from './composite-rule.ts';
import { cloudWatchTimestamp, javaJson, regionName } from './format.ts';

const SUBJECT_LIMIT = 100;

export const notificationSubject = (state: AlarmStateValue, alarmName: string, region: string): string => {
  const prefix = `${state}: "`;
  const suffix = `" in ${regionName(region)}`;
  if (prefix.length + alarmName.length + suffix.length <= SUBJECT_LIMIT)
    return `${prefix}${alarmName}${suffix}`;
  const room = Math.max(0, SUBJECT_LIMIT - prefix.length - suffix.length - 3);
  return `${prefix}${alarmName.slice(0, room)}...${suffix}`;
};

/** How the Trigger names a standard statistic: `SUM`, `AVERAGE`, `SAMPLE_COUNT` ... */
const STATISTIC_NAMES: Readonly<Record<string, string>> = {
  SampleCount: 'SAMPLE_COUNT',
  Average: 'AVERAGE',
  Sum: 'SUM',
  Minimum: 'MINIMUM',
  Maximum: 'MAXIMUM',
};

const MESSAGE_INTEGERS = new Set(['Period', 'EvaluationPeriods', 'DatapointsToAlarm']);

export interface StateChange {
  readonly oldState: AlarmStateValue;
  readonly newState: AlarmStateValue;
  readonly reason: string;
  /** Epoch ms. */
  readonly changedAt: number;
}

interface Common {
  readonly accountId: string;
  readonly region: string;
  /** Epoch ms. */
  readonly configurationUpdatedAt: number;
}

const header = (
  config: MetricAlarmConfig | CompositeAlarmConfig,
  change: StateChange,
  common: Common,
): Record<string, unknown> => ({
  AlarmName: config.alarmName,
  AlarmDescription: config.alarmDescription ?? null,
  AWSAccountId: common.accountId,
  AlarmConfigurationUpdatedTimestamp: cloudWatchTimestamp(common.configurationUpdatedAt),
  NewStateValue: change.newState,
  NewStateReason: change.reason,
  StateChangeTime: cloudWatchTimestamp(change.changedAt),
  Region: regionName(common.region),
  AlarmArn: config.alarmArn,
  OldStateValue: change.oldState,
  OKActions: config.okActions,
  AlarmActions: config.alarmActions,
  InsufficientDataActions: config.insufficientDataActions,
});

const notificationDimensions = (dimensions: readonly { Name: string; Value: string }[]) =>
  dimensions.map((dimension) => ({ value: dimension.Value, name: dimension.Name }));

export const metricAlarmMessage = (
  config: MetricAlarmConfig,
  change: StateChange,
  common: Common,
): string => {
  const tail = {
    DatapointsToAlarm: config.datapointsToAlarm,
    ComparisonOperator: config.comparisonOperator,
    Threshold: config.threshold,
    TreatMissingData: config.treatMissingData ?? '',
    EvaluateLowSampleCountPercentile: config.evaluateLowSampleCountPercentile ?? '',
  };
  const trigger = config.metrics
    ? {
        Period: config.period,
        EvaluationPeriods: config.evaluationPeriods,
        ...tail,
        Metrics: config.metrics.map((query) => ({
          Expression: query.Expression,
          Id: query.Id,
          Label: query.Label,
          MetricStat: query.MetricStat
            ? {
                Metric: {
                  Dimensions: notificationDimensions(query.MetricStat.Metric.Dimensions ?? []),
                  MetricName: query.MetricStat.Metric.MetricName,
                  Namespace: query.MetricStat.Metric.Namespace,
                },
                Period: query.MetricStat.Period,
                Stat: query.MetricStat.Stat,
                Unit: query.MetricStat.Unit,
              }
            : undefined,
          ReturnData: query.ReturnData ?? true,
        })),
      }
    : {
        MetricName: config.metricName,
        Namespace: config.namespace,
        ...(config.extendedStatistic !== undefined
          ? { StatisticType: 'ExtendedStatistic', ExtendedStatistic: config.extendedStatistic }
          : {
              StatisticType: 'Statistic',
              Statistic: STATISTIC_NAMES[config.statistic ?? ''] ?? config.statistic,
            }),
        Unit: config.unit ?? null,
        Dimensions: notificationDimensions(config.dimensions),
        Period: config.period,
        EvaluationPeriods: config.evaluationPeriods,
        ...tail,
      };
  return javaJson({ ...header(config, change, common), Trigger: trigger }, MESSAGE_INTEGERS);
};

export const compositeAlarmMessage = (
  config: CompositeAlarmConfig,
  change: StateChange,
  common: Common,
  triggeringChildren: readonly { arn: string; state: AlarmStateValue; timestamp: number }[],
): string =>
  javaJson(
    {
      ...header(config, change, common),
      AlarmRule: config.alarmRule,
      TriggeringChildren: triggeringChildren.map((child) => ({
        Arn: child.arn,
        State: { Value: child.state, Timestamp: cloudWatchTimestamp(child.timestamp) },
      })),
    },
    MESSAGE_INTEGERS,
  );
