/**
 * The shapes of the CloudWatch operations the local cloud serves, as the service model defines them
 * (botocore's cloudwatch/2010-08-01/service-2.json). One schema drives the three wire protocols: it says which
 * members are timestamps, doubles, integers, lists and maps.
 */
export type Shape =
  | { readonly type: 'string' | 'integer' | 'double' | 'boolean' | 'timestamp' }
  | { readonly type: 'list'; readonly member: Shape }
  | { readonly type: 'map'; readonly value: Shape }
  | { readonly type: 'structure'; readonly members: Readonly<Record<string, Shape>> };

const S: Shape = { type: 'string' };
const I: Shape = { type: 'integer' };
const D: Shape = { type: 'double' };
const B: Shape = { type: 'boolean' };
const T: Shape = { type: 'timestamp' };
const list = (member: Shape): Shape => ({ type: 'list', member });
const map = (value: Shape): Shape => ({ type: 'map', value });
const struct = (members: Record<string, Shape>): Shape => ({ type: 'structure', members });

const Dimensions = list(struct({ Name: S, Value: S }));
const Metric = struct({ Namespace: S, MetricName: S, Dimensions });
const MetricDataQueries = list(
  struct({
    Id: S,
    MetricStat: struct({ Metric, Period: I, Stat: S, Unit: S }),
    Expression: S,
    Label: S,
    ReturnData: B,
    Period: I,
    AccountId: S,
  }),
);
const ResourceList = list(S);
const Tags = list(struct({ Key: S, Value: S }));

const MetricAlarm = struct({
  AlarmName: S,
  AlarmArn: S,
  AlarmDescription: S,
  AlarmConfigurationUpdatedTimestamp: T,
  ActionsEnabled: B,
  OKActions: ResourceList,
  AlarmActions: ResourceList,
  InsufficientDataActions: ResourceList,
  StateValue: S,
  StateReason: S,
  StateReasonData: S,
  StateUpdatedTimestamp: T,
  MetricName: S,
  Namespace: S,
  Statistic: S,
  ExtendedStatistic: S,
  Dimensions,
  Period: I,
  Unit: S,
  EvaluationPeriods: I,
  DatapointsToAlarm: I,
  Threshold: D,
  ComparisonOperator: S,
  TreatMissingData: S,
  EvaluateLowSampleCountPercentile: S,
  Metrics: MetricDataQueries,
  ThresholdMetricId: S,
  EvaluationState: S,
  StateTransitionedTimestamp: T,
});

const CompositeAlarm = struct({
  ActionsEnabled: B,
  AlarmActions: ResourceList,
  AlarmArn: S,
  AlarmConfigurationUpdatedTimestamp: T,
  AlarmDescription: S,
  AlarmName: S,
  AlarmRule: S,
  InsufficientDataActions: ResourceList,
  OKActions: ResourceList,
  StateReason: S,
  StateReasonData: S,
  StateUpdatedTimestamp: T,
  StateValue: S,
  StateTransitionedTimestamp: T,
  ActionsSuppressedBy: S,
  ActionsSuppressedReason: S,
  ActionsSuppressor: S,
  ActionsSuppressorWaitPeriod: I,
  ActionsSuppressorExtensionPeriod: I,
});

const MetricDatum = struct({
  MetricName: S,
  Dimensions,
  Timestamp: T,
  Value: D,
  StatisticValues: struct({ SampleCount: D, Sum: D, Minimum: D, Maximum: D }),
  Values: list(D),
  Counts: list(D),
  Unit: S,
  StorageResolution: I,
});

const MessageData = list(struct({ Code: S, Value: S }));

export interface Operation {
  readonly input: Shape;
  readonly output?: Shape;
}

export const OPERATIONS: Readonly<Record<string, Operation>> = {
  DescribeAlarms: {
    input: struct({
      AlarmNames: list(S),
      AlarmNamePrefix: S,
      AlarmTypes: list(S),
      ChildrenOfAlarmName: S,
      ParentsOfAlarmName: S,
      StateValue: S,
      ActionPrefix: S,
      MaxRecords: I,
      NextToken: S,
    }),
    output: struct({ CompositeAlarms: list(CompositeAlarm), MetricAlarms: list(MetricAlarm), NextToken: S }),
  },
  DescribeAlarmsForMetric: {
    input: struct({
      MetricName: S,
      Namespace: S,
      Statistic: S,
      ExtendedStatistic: S,
      Dimensions,
      Period: I,
      Unit: S,
    }),
    output: struct({ MetricAlarms: list(MetricAlarm) }),
  },
  DescribeAlarmHistory: {
    input: struct({
      AlarmName: S,
      AlarmContributorId: S,
      AlarmTypes: list(S),
      HistoryItemType: S,
      StartDate: T,
      EndDate: T,
      MaxRecords: I,
      NextToken: S,
      ScanBy: S,
    }),
    output: struct({
      AlarmHistoryItems: list(
        struct({
          AlarmName: S,
          AlarmContributorId: S,
          AlarmType: S,
          Timestamp: T,
          HistoryItemType: S,
          HistorySummary: S,
          HistoryData: S,
          AlarmContributorAttributes: map(S),
        }),
      ),
      NextToken: S,
    }),
  },
  SetAlarmState: { input: struct({ AlarmName: S, StateValue: S, StateReason: S, StateReasonData: S }) },
  GetMetricData: {
    input: struct({
      MetricDataQueries,
      StartTime: T,
      EndTime: T,
      NextToken: S,
      ScanBy: S,
      MaxDatapoints: I,
      LabelOptions: struct({ Timezone: S }),
    }),
    output: struct({
      MetricDataResults: list(
        struct({
          Id: S,
          Label: S,
          Timestamps: list(T),
          Values: list(D),
          StatusCode: S,
          Messages: MessageData,
        }),
      ),
      NextToken: S,
      Messages: MessageData,
    }),
  },
  GetMetricStatistics: {
    input: struct({
      Namespace: S,
      MetricName: S,
      Dimensions,
      StartTime: T,
      EndTime: T,
      Period: I,
      Statistics: list(S),
      ExtendedStatistics: list(S),
      Unit: S,
    }),
    output: struct({
      Label: S,
      Datapoints: list(
        struct({
          Timestamp: T,
          SampleCount: D,
          Average: D,
          Sum: D,
          Minimum: D,
          Maximum: D,
          Unit: S,
          ExtendedStatistics: map(D),
        }),
      ),
    }),
  },
  ListMetrics: {
    input: struct({
      Namespace: S,
      MetricName: S,
      Dimensions: list(struct({ Name: S, Value: S })),
      NextToken: S,
      RecentlyActive: S,
      IncludeLinkedAccounts: B,
      OwningAccount: S,
    }),
    output: struct({ Metrics: list(Metric), NextToken: S, OwningAccounts: list(S) }),
  },
  PutMetricData: {
    input: struct({
      Namespace: S,
      MetricData: list(MetricDatum),
      EntityMetricData: list(
        struct({
          Entity: struct({ KeyAttributes: map(S), Attributes: map(S) }),
          MetricData: list(MetricDatum),
        }),
      ),
      StrictEntityValidation: B,
    }),
  },
  EnableAlarmActions: { input: struct({ AlarmNames: list(S) }) },
  DisableAlarmActions: { input: struct({ AlarmNames: list(S) }) },
  PutMetricAlarm: {
    input: struct({
      AlarmName: S,
      AlarmDescription: S,
      ActionsEnabled: B,
      OKActions: ResourceList,
      AlarmActions: ResourceList,
      InsufficientDataActions: ResourceList,
      MetricName: S,
      Namespace: S,
      Statistic: S,
      ExtendedStatistic: S,
      Dimensions,
      Period: I,
      Unit: S,
      EvaluationPeriods: I,
      DatapointsToAlarm: I,
      Threshold: D,
      ComparisonOperator: S,
      TreatMissingData: S,
      EvaluateLowSampleCountPercentile: S,
      Metrics: MetricDataQueries,
      Tags,
      ThresholdMetricId: S,
    }),
  },
  PutCompositeAlarm: {
    input: struct({
      ActionsEnabled: B,
      AlarmActions: ResourceList,
      AlarmDescription: S,
      AlarmName: S,
      AlarmRule: S,
      InsufficientDataActions: ResourceList,
      OKActions: ResourceList,
      Tags,
      ActionsSuppressor: S,
      ActionsSuppressorWaitPeriod: I,
      ActionsSuppressorExtensionPeriod: I,
    }),
  },
  DeleteAlarms: { input: struct({ AlarmNames: list(S) }) },
};

/** CloudWatch's error codes (the awsQuery `<Code>` / `x-amzn-query-error`) -> the model's shape names and status. */
export const ERROR_SHAPES: Readonly<Record<string, { readonly shape: string; readonly status: number }>> = {
  ResourceNotFound: { shape: 'ResourceNotFound', status: 404 },
  InvalidParameterValue: { shape: 'InvalidParameterValueException', status: 400 },
  MissingParameter: { shape: 'MissingRequiredParameterException', status: 400 },
  InvalidParameterCombination: { shape: 'InvalidParameterCombinationException', status: 400 },
  InvalidNextToken: { shape: 'InvalidNextToken', status: 400 },
  InvalidFormat: { shape: 'InvalidFormatFault', status: 400 },
  LimitExceeded: { shape: 'LimitExceededFault', status: 400 },
  InternalServiceError: { shape: 'InternalServiceFault', status: 500 },
};
