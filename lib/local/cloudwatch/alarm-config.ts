/**
 * The configuration of metric and composite alarms, read from a template resource (AWS::CloudWatch::Alarm,
 * AWS::CloudWatch::CompositeAlarm) or a PutMetricAlarm/PutCompositeAlarm request (same member names), and
 * validated as CloudWatch validates PutMetricAlarm.
 */
import { AwsApiError } from '#lib/local/core/aws-protocol';
import { parseAlarmRule, type RuleNode } from './composite-rule.ts';
import { parseExpression, referencedIds } from './metric-math.ts';
import { parseStatistic, type Statistic, validAlarmPeriod, validPeriod, validUnit } from './statistics.ts';

export const COMPARISON_OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

const ANOMALY_OPERATORS = [
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
];

export const TREAT_MISSING_DATA = ['missing', 'notBreaching', 'breaching', 'ignore'] as const;
export type TreatMissingData = (typeof TREAT_MISSING_DATA)[number];

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

export interface MetricStatInput {
  readonly Metric: {
    readonly Namespace?: string;
    readonly MetricName?: string;
    readonly Dimensions?: Dimension[];
  };
  readonly Period: number;
  readonly Stat: string;
  readonly Unit?: string;
}

/** A MetricDataQuery as PutMetricAlarm, DescribeAlarms and GetMetricData carry it. */
export interface MetricDataQuery {
  readonly Id: string;
  readonly MetricStat?: MetricStatInput;
  readonly Expression?: string;
  readonly Label?: string;
  readonly ReturnData?: boolean;
  readonly Period?: number;
  readonly AccountId?: string;
}

export interface MetricAlarmConfig {
  readonly kind: 'MetricAlarm';
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly alarmDescription?: string | undefined;
  readonly actionsEnabled: boolean;
  readonly okActions: readonly string[];
  readonly alarmActions: readonly string[];
  readonly insufficientDataActions: readonly string[];
  readonly metricName?: string | undefined;
  readonly namespace?: string | undefined;
  /** Exactly one of statistic / extendedStatistic for a single-metric alarm. */
  readonly statistic?: string | undefined;
  readonly extendedStatistic?: string | undefined;
  readonly dimensions: readonly Dimension[];
  /** The alarm period in (unscaled) seconds; for a metric math alarm, its queries' period. */
  readonly period: number;
  readonly unit?: string | undefined;
  readonly evaluationPeriods: number;
  /** As configured; absent means "all EvaluationPeriods" and changes the wording of the state reason. */
  readonly datapointsToAlarm?: number | undefined;
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  readonly treatMissingData?: TreatMissingData | undefined;
  readonly evaluateLowSampleCountPercentile?: string | undefined;
  readonly metrics?: readonly MetricDataQuery[] | undefined;
  /** The parsed statistic of a single-metric alarm. */
  readonly stat?: Statistic | undefined;
  readonly tags: readonly { Key: string; Value: string }[];
}

export interface CompositeAlarmConfig {
  readonly kind: 'CompositeAlarm';
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly alarmDescription?: string | undefined;
  readonly actionsEnabled: boolean;
  readonly okActions: readonly string[];
  readonly alarmActions: readonly string[];
  readonly insufficientDataActions: readonly string[];
  readonly alarmRule: string;
  readonly rule: RuleNode;
  readonly actionsSuppressor?: string | undefined;
  readonly actionsSuppressorWaitPeriod?: number | undefined;
  readonly actionsSuppressorExtensionPeriod?: number | undefined;
  readonly tags: readonly { Key: string; Value: string }[];
}

const invalidValue = (parameter: string, value: unknown, detail = ''): AwsApiError =>
  new AwsApiError(
    'InvalidParameterValue',
    `The value ${typeof value === 'string' ? value : JSON.stringify(value)} for parameter ${parameter} is invalid.${detail ? ` ${detail}` : ''}`,
  );

const missing = (parameter: string): AwsApiError =>
  new AwsApiError('MissingParameter', `The parameter ${parameter} is required.`);

const optionalString = (input: Record<string, unknown>, key: string): string | undefined => {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw invalidValue(key, value);
};

/** Template values may arrive as strings (`"60"`), as CloudFormation accepts them. */
const optionalNumber = (input: Record<string, unknown>, key: string): number | undefined => {
  const value = input[key];
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isFinite(number)) throw invalidValue(key, value);
  return number;
};

const optionalInteger = (input: Record<string, unknown>, key: string): number | undefined => {
  const value = optionalNumber(input, key);
  if (value !== undefined && !Number.isInteger(value)) throw invalidValue(key, value);
  return value;
};

const optionalBoolean = (input: Record<string, unknown>, key: string): boolean | undefined => {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw invalidValue(key, value);
};

const stringList = (input: Record<string, unknown>, key: string): string[] => {
  const value = input[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    throw invalidValue(key, value);
  return value;
};

export const readDimensions = (value: unknown, parameter = 'Dimensions'): Dimension[] => {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidValue(parameter, value);
  const dimensions = value.map((item: unknown) => {
    const record = (item ?? {}) as Record<string, unknown>;
    const name = record.Name;
    const dimensionValue = record.Value;
    if (typeof name !== 'string' || name === '') throw missing(`${parameter}.member.Name`);
    if (typeof dimensionValue !== 'string' && typeof dimensionValue !== 'number') {
      throw missing(`${parameter}.member.Value`);
    }
    return { Name: name, Value: String(dimensionValue) };
  });
  if (dimensions.length > 30) throw invalidValue(parameter, value, 'At most 30 dimensions are allowed.');
  return dimensions;
};

export const dimensionRecord = (dimensions: readonly Dimension[]): Record<string, string> =>
  Object.fromEntries(dimensions.map((dimension) => [dimension.Name, dimension.Value]));

const readTags = (input: Record<string, unknown>): { Key: string; Value: string }[] => {
  const tags = input.Tags;
  if (!Array.isArray(tags)) return [];
  return tags.map((tag: unknown) => {
    const record = (tag ?? {}) as Record<string, unknown>;
    return { Key: String(record.Key ?? ''), Value: String(record.Value ?? '') };
  });
};

/** Reads MetricDataQueries (alarm Metrics or GetMetricData) and checks ids, stats, periods and expressions. */
export const readMetricDataQueries = (value: unknown, parameter: string): MetricDataQuery[] => {
  if (!Array.isArray(value)) throw invalidValue(parameter, value);
  const queries = value.map((item: unknown, index): MetricDataQuery => {
    const record = (item ?? {}) as Record<string, unknown>;
    const where = `${parameter}.member.${index + 1}`;
    const id = optionalString(record, 'Id');
    if (!id) throw missing(`${where}.Id`);
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) {
      throw new AwsApiError(
        'ValidationError',
        `The value ${id} for parameter ${where}.Id is invalid: it must start with a lowercase letter and contain only letters, numbers and underscores.`,
      );
    }
    const expression = optionalString(record, 'Expression');
    const statInput = record.MetricStat as Record<string, unknown> | undefined;
    if ((expression === undefined) === (statInput === undefined)) {
      throw new AwsApiError(
        'ValidationError',
        `Exactly one of MetricStat and Expression must be specified for ${where} (${id}).`,
      );
    }
    const query: {
      -readonly [K in keyof MetricDataQuery]: MetricDataQuery[K];
    } = { Id: id };
    if (statInput) {
      const metric = (statInput.Metric ?? {}) as Record<string, unknown>;
      const period = optionalInteger(statInput, 'Period');
      const stat = optionalString(statInput, 'Stat');
      if (period === undefined) throw missing(`${where}.MetricStat.Period`);
      if (!validPeriod(period)) throw invalidValue(`${where}.MetricStat.Period`, period);
      if (!stat) throw missing(`${where}.MetricStat.Stat`);
      parseStatistic(stat, `${where}.MetricStat.Stat`);
      const unit = optionalString(statInput, 'Unit');
      if (unit !== undefined && !validUnit(unit)) throw invalidValue(`${where}.MetricStat.Unit`, unit);
      const namespace = optionalString(metric, 'Namespace');
      const metricName = optionalString(metric, 'MetricName');
      if (!namespace) throw missing(`${where}.MetricStat.Metric.Namespace`);
      if (!metricName) throw missing(`${where}.MetricStat.Metric.MetricName`);
      query.MetricStat = {
        Metric: {
          Namespace: namespace,
          MetricName: metricName,
          Dimensions: readDimensions(metric.Dimensions, `${where}.MetricStat.Metric.Dimensions`),
        },
        Period: period,
        Stat: stat,
        ...(unit !== undefined ? { Unit: unit } : {}),
      };
    }
    if (expression !== undefined) {
      parseExpression(expression);
      query.Expression = expression;
    }
    const label = optionalString(record, 'Label');
    if (label !== undefined) query.Label = label;
    const returnData = optionalBoolean(record, 'ReturnData');
    if (returnData !== undefined) query.ReturnData = returnData;
    const period = optionalInteger(record, 'Period');
    if (period !== undefined) query.Period = period;
    const accountId = optionalString(record, 'AccountId');
    if (accountId !== undefined) query.AccountId = accountId;
    return query;
  });
  const ids = new Set<string>();
  for (const query of queries) {
    if (ids.has(query.Id))
      throw new AwsApiError('ValidationError', `The Id ${query.Id} is used more than once.`);
    ids.add(query.Id);
  }
  for (const query of queries) {
    if (query.Expression === undefined) continue;
    for (const id of referencedIds(parseExpression(query.Expression))) {
      if (!ids.has(id)) {
        throw new AwsApiError(
          'ValidationError',
          `Error in expression '${query.Expression}': unknown metric id '${id}'`,
        );
      }
    }
  }
  return queries;
};

const actionLists = (input: Record<string, unknown>) => {
  const lists = {
    okActions: stringList(input, 'OKActions'),
    alarmActions: stringList(input, 'AlarmActions'),
    insufficientDataActions: stringList(input, 'InsufficientDataActions'),
  };
  for (const [key, list] of Object.entries(lists)) {
    if (list.length > 5) throw new AwsApiError('LimitExceeded', `The maximum number of ${key} is 5.`);
  }
  return lists;
};

/** Reads and validates a metric alarm. */
export const metricAlarmConfig = (
  input: Record<string, unknown>,
  alarmName: string,
  alarmArn: string,
): MetricAlarmConfig => {
  if (!alarmName) throw missing('AlarmName');
  if (alarmName.length > 255)
    throw invalidValue('AlarmName', alarmName, 'It must be at most 255 characters.');
  const comparison = optionalString(input, 'ComparisonOperator');
  if (!comparison) throw missing('ComparisonOperator');
  if (ANOMALY_OPERATORS.includes(comparison) || input.ThresholdMetricId !== undefined) {
    throw new AwsApiError(
      'InvalidParameterValue',
      `Alarm ${alarmName}: ComparisonOperator ${comparison} with ThresholdMetricId is an anomaly detection alarm, which the local cloud does not emulate (it has no anomaly detection models).`,
    );
  }
  if (!(COMPARISON_OPERATORS as readonly string[]).includes(comparison)) {
    throw invalidValue('ComparisonOperator', comparison);
  }
  const evaluationPeriods = optionalInteger(input, 'EvaluationPeriods');
  if (evaluationPeriods === undefined) throw missing('EvaluationPeriods');
  if (evaluationPeriods < 1)
    throw invalidValue('EvaluationPeriods', evaluationPeriods, 'It must be at least 1.');
  const datapointsToAlarm = optionalInteger(input, 'DatapointsToAlarm');
  if (datapointsToAlarm !== undefined && (datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods)) {
    throw new AwsApiError(
      'ValidationError',
      `DatapointsToAlarm (${datapointsToAlarm}) must be between 1 and EvaluationPeriods (${evaluationPeriods}).`,
    );
  }
  const threshold = optionalNumber(input, 'Threshold');
  if (threshold === undefined) throw missing('Threshold');
  const treatMissingData = optionalString(input, 'TreatMissingData');
  if (
    treatMissingData !== undefined &&
    !(TREAT_MISSING_DATA as readonly string[]).includes(treatMissingData)
  ) {
    throw invalidValue(
      'TreatMissingData',
      treatMissingData,
      `Valid values: ${TREAT_MISSING_DATA.join(', ')}.`,
    );
  }
  const metricName = optionalString(input, 'MetricName');
  const namespace = optionalString(input, 'Namespace');
  const statistic = optionalString(input, 'Statistic');
  const extendedStatistic = optionalString(input, 'ExtendedStatistic');
  const period = optionalInteger(input, 'Period');
  const unit = optionalString(input, 'Unit');
  if (unit !== undefined && !validUnit(unit)) throw invalidValue('Unit', unit);
  const evaluateLowSampleCountPercentile = optionalString(input, 'EvaluateLowSampleCountPercentile');
  if (
    evaluateLowSampleCountPercentile !== undefined &&
    evaluateLowSampleCountPercentile !== '' &&
    !['evaluate', 'ignore'].includes(evaluateLowSampleCountPercentile)
  ) {
    throw invalidValue('EvaluateLowSampleCountPercentile', evaluateLowSampleCountPercentile);
  }
  const base = {
    kind: 'MetricAlarm' as const,
    alarmName,
    alarmArn,
    alarmDescription: optionalString(input, 'AlarmDescription'),
    actionsEnabled: optionalBoolean(input, 'ActionsEnabled') ?? true,
    ...actionLists(input),
    evaluationPeriods,
    datapointsToAlarm,
    threshold,
    comparisonOperator: comparison as ComparisonOperator,
    treatMissingData: treatMissingData as TreatMissingData | undefined,
    evaluateLowSampleCountPercentile,
    unit,
    tags: readTags(input),
  };
  if (input.Metrics !== undefined) {
    if (metricName || namespace || statistic || extendedStatistic || period !== undefined) {
      throw new AwsApiError(
        'InvalidParameterCombination',
        'Metrics cannot be combined with MetricName, Namespace, Statistic, ExtendedStatistic or Period.',
      );
    }
    const metrics = readMetricDataQueries(input.Metrics, 'Metrics');
    const returning = metrics.filter((query) => query.ReturnData !== false);
    if (returning.length !== 1) {
      throw new AwsApiError(
        'ValidationError',
        `Alarm ${alarmName}: exactly one of Metrics must have ReturnData true (the alarm's time series); ${returning.length} do.`,
      );
    }
    const periods = new Set(
      metrics.map((query) => query.MetricStat?.Period ?? query.Period).filter((p) => p !== undefined),
    );
    if (periods.size !== 1) {
      throw new AwsApiError('ValidationError', `Alarm ${alarmName}: all Metrics must use the same period.`);
    }
    const [alarmPeriod = 60] = periods;
    if (!validAlarmPeriod(alarmPeriod)) throw invalidValue('Period', alarmPeriod);
    return { ...base, dimensions: [], period: alarmPeriod, metrics };
  }
  if (!metricName) throw missing('MetricName');
  if (!namespace) throw missing('Namespace');
  if (period === undefined) throw missing('Period');
  if (!validAlarmPeriod(period)) {
    throw invalidValue('Period', period, 'Valid periods are 10, 20, 30 and any multiple of 60 seconds.');
  }
  if ((statistic === undefined) === (extendedStatistic === undefined)) {
    throw new AwsApiError(
      'InvalidParameterCombination',
      'Exactly one of Statistic and ExtendedStatistic must be specified.',
    );
  }
  const stat = parseStatistic(
    statistic ?? extendedStatistic ?? '',
    statistic ? 'Statistic' : 'ExtendedStatistic',
  );
  if (statistic !== undefined && stat.kind !== 'Statistic') throw invalidValue('Statistic', statistic);
  if (extendedStatistic !== undefined && stat.kind !== 'ExtendedStatistic') {
    throw invalidValue('ExtendedStatistic', extendedStatistic);
  }
  return {
    ...base,
    metricName,
    namespace,
    statistic,
    extendedStatistic,
    dimensions: readDimensions(input.Dimensions),
    period,
    stat,
  };
};

/** Reads and validates a composite alarm. */
export const compositeAlarmConfig = (
  input: Record<string, unknown>,
  alarmName: string,
  alarmArn: string,
): CompositeAlarmConfig => {
  if (!alarmName) throw missing('AlarmName');
  const alarmRule = optionalString(input, 'AlarmRule');
  if (!alarmRule) throw missing('AlarmRule');
  if (alarmRule.length > 10240)
    throw invalidValue('AlarmRule', alarmRule, 'It must be at most 10240 characters.');
  return {
    kind: 'CompositeAlarm',
    alarmName,
    alarmArn,
    alarmDescription: optionalString(input, 'AlarmDescription'),
    actionsEnabled: optionalBoolean(input, 'ActionsEnabled') ?? true,
    ...actionLists(input),
    alarmRule,
    rule: parseAlarmRule(alarmRule),
    actionsSuppressor: optionalString(input, 'ActionsSuppressor'),
    actionsSuppressorWaitPeriod: optionalInteger(input, 'ActionsSuppressorWaitPeriod'),
    actionsSuppressorExtensionPeriod: optionalInteger(input, 'ActionsSuppressorExtensionPeriod'),
    tags: readTags(input),
  };
};
