/**
 * The metric APIs over the local metric store: PutMetricData, GetMetricData (MetricStat queries and simple
 * metric math), GetMetricStatistics and ListMetrics. Their periods are real seconds: they query stored
 * timestamps, which are wall-clock times, so ORDERFLOW_TIME_SCALE does not apply to them.
 */
import { AwsApiError } from '#lib/local/core/aws-protocol';
import type { MetricStore } from '#lib/local/core/types';
import {
  type Dimension,
  dimensionRecord,
  type MetricDataQuery,
  readDimensions,
  readMetricDataQueries,
} from './alarm-config.ts';
import { asSeries, evaluateExpression, parseExpression, type Series } from './metric-math.ts';
import {
  aggregate,
  isStandardStatistic,
  parseStatistic,
  type Statistic,
  validPeriod,
  validUnit,
} from './statistics.ts';

const missing = (parameter: string): AwsApiError =>
  new AwsApiError('MissingParameter', `The parameter ${parameter} is required.`);

const requireDate = (input: Record<string, unknown>, key: string): number => {
  const value = input[key];
  if (!(value instanceof Date)) throw missing(key);
  return value.getTime();
};

const requireString = (input: Record<string, unknown>, key: string): string => {
  const value = input[key];
  if (typeof value !== 'string' || value === '') throw missing(key);
  return value;
};

/** The raw values of a metric in [start, end), bucketed by period start (aligned to multiples of the period). */
export const bucketValues = (
  store: MetricStore,
  metric: {
    namespace: string;
    metricName: string;
    dimensions: Readonly<Record<string, string>>;
    unit?: string | undefined;
  },
  start: number,
  end: number,
  periodMs: number,
): Map<number, number[]> => {
  const buckets = new Map<number, number[]>();
  const alignedStart = Math.floor(start / periodMs) * periodMs;
  for (const datum of store.query({ ...metric, start: alignedStart, end })) {
    if (metric.unit !== undefined && (datum.unit ?? 'None') !== metric.unit) continue;
    const bucket = Math.floor(datum.timestamp / periodMs) * periodMs;
    const values = buckets.get(bucket);
    if (values) values.push(datum.value);
    else buckets.set(bucket, [datum.value]);
  }
  return buckets;
};

const statSeries = (buckets: Map<number, number[]>, statistic: Statistic): Map<number, number> => {
  const series = new Map<number, number>();
  for (const [timestamp, values] of buckets) {
    const value = aggregate(values, statistic);
    if (value !== undefined) series.set(timestamp, value);
  }
  return series;
};

export const getMetricData = (
  store: MetricStore,
  input: Record<string, unknown>,
): Record<string, unknown> => {
  if (input.MetricDataQueries === undefined) throw missing('MetricDataQueries');
  const queries = readMetricDataQueries(input.MetricDataQueries, 'MetricDataQueries');
  if (queries.length === 0 || queries.length > 500) {
    throw new AwsApiError(
      'InvalidParameterValue',
      'MetricDataQueries must contain between 1 and 500 queries.',
    );
  }
  const start = requireDate(input, 'StartTime');
  const end = requireDate(input, 'EndTime');
  if (start >= end) {
    throw new AwsApiError(
      'InvalidParameterValue',
      'The parameter StartTime must be less than the parameter EndTime.',
    );
  }
  const scanBy = input.ScanBy ?? 'TimestampDescending';
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
    throw new AwsApiError(
      'InvalidParameterValue',
      `The value ${String(scanBy)} for parameter ScanBy is invalid.`,
    );
  }
  const maxDatapoints = typeof input.MaxDatapoints === 'number' ? input.MaxDatapoints : 100_800;
  const byId = new Map(queries.map((query) => [query.Id, query]));
  const periodOf = (query: MetricDataQuery, seen = new Set<string>()): number => {
    if (query.MetricStat) return query.MetricStat.Period;
    if (query.Period !== undefined) return query.Period;
    seen.add(query.Id);
    for (const match of (query.Expression ?? '').matchAll(/[a-z][a-zA-Z0-9_]*/g)) {
      const other = byId.get(match[0]);
      if (other && !seen.has(other.Id)) return periodOf(other, seen);
    }
    return 60;
  };
  const computed = new Map<string, Series>();
  const computing = new Set<string>();
  const seriesOf = (id: string): Series | undefined => {
    const known = computed.get(id);
    if (known) return known;
    const query = byId.get(id);
    if (!query) return undefined;
    if (computing.has(id)) {
      throw new AwsApiError(
        'ValidationError',
        `The metric math expressions refer to each other in a cycle (${id}).`,
      );
    }
    computing.add(id);
    const periodMs = periodOf(query) * 1000;
    let series: Series;
    if (query.MetricStat) {
      const metric = query.MetricStat.Metric;
      series = statSeries(
        bucketValues(
          store,
          {
            namespace: metric.Namespace ?? '',
            metricName: metric.MetricName ?? '',
            dimensions: dimensionRecord(metric.Dimensions ?? []),
            unit: query.MetricStat.Unit,
          },
          start,
          end,
          periodMs,
        ),
        parseStatistic(query.MetricStat.Stat, 'Stat'),
      );
    } else {
      const expression = query.Expression ?? '';
      const timestamps: number[] = [];
      for (let t = Math.floor(start / periodMs) * periodMs; t < end; t += periodMs) timestamps.push(t);
      series = asSeries(
        expression,
        evaluateExpression(expression, parseExpression(expression), seriesOf, timestamps),
        timestamps,
      );
    }
    computing.delete(id);
    computed.set(id, series);
    return series;
  };
  let budget = maxDatapoints;
  const results = queries
    .filter((query) => query.ReturnData !== false)
    .map((query) => {
      const points = [...(seriesOf(query.Id) ?? new Map<number, number>())].sort((a, b) =>
        scanBy === 'TimestampDescending' ? b[0] - a[0] : a[0] - b[0],
      );
      const kept = points.slice(0, Math.max(0, budget));
      budget -= kept.length;
      return {
        Id: query.Id,
        Label: query.Label ?? query.MetricStat?.Metric.MetricName ?? query.Id,
        Timestamps: kept.map(([timestamp]) => new Date(timestamp)),
        Values: kept.map(([, value]) => value),
        StatusCode: kept.length < points.length ? 'PartialData' : 'Complete',
        Messages: [],
      };
    });
  return { MetricDataResults: results, Messages: [] };
};

export const getMetricStatistics = (
  store: MetricStore,
  input: Record<string, unknown>,
): Record<string, unknown> => {
  const namespace = requireString(input, 'Namespace');
  const metricName = requireString(input, 'MetricName');
  const start = requireDate(input, 'StartTime');
  const end = requireDate(input, 'EndTime');
  const period = input.Period;
  if (typeof period !== 'number') throw missing('Period');
  if (!validPeriod(period)) {
    throw new AwsApiError(
      'InvalidParameterValue',
      `The parameter Period must be 1, 5, 10, 20, 30 or a multiple of 60; got ${period}.`,
    );
  }
  const statistics = (input.Statistics as string[] | undefined) ?? [];
  const extended = (input.ExtendedStatistics as string[] | undefined) ?? [];
  if (statistics.length === 0 && extended.length === 0) {
    throw new AwsApiError('MissingParameter', 'Must specify either Statistics or ExtendedStatistics.');
  }
  if (statistics.length > 0 && extended.length > 0) {
    throw new AwsApiError(
      'InvalidParameterCombination',
      'The parameters Statistics and ExtendedStatistics are mutually exclusive.',
    );
  }
  for (const name of statistics) {
    if (!isStandardStatistic(name)) {
      throw new AwsApiError(
        'InvalidParameterValue',
        `The value ${name} for parameter Statistics is invalid.`,
      );
    }
  }
  const extendedStats = extended.map((name) => parseStatistic(name, 'ExtendedStatistics'));
  if (start >= end) {
    throw new AwsApiError(
      'InvalidParameterValue',
      'The parameter StartTime must be less than the parameter EndTime.',
    );
  }
  const requested = Math.ceil((end - start) / (period * 1000));
  if (requested > 1440) {
    throw new AwsApiError(
      'InvalidParameterCombination',
      `You have requested up to ${requested} datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
    );
  }
  const unit = typeof input.Unit === 'string' ? input.Unit : undefined;
  const dimensions = dimensionRecord(readDimensions(input.Dimensions));
  const periodMs = period * 1000;
  const units = new Map<number, string>();
  for (const datum of store.query({
    namespace,
    metricName,
    dimensions,
    start: Math.floor(start / periodMs) * periodMs,
    end,
  })) {
    units.set(Math.floor(datum.timestamp / periodMs) * periodMs, datum.unit ?? 'None');
  }
  const buckets = bucketValues(store, { namespace, metricName, dimensions, unit }, start, end, periodMs);
  const datapoints = [...buckets]
    .sort((a, b) => a[0] - b[0])
    .map(([timestamp, values]) => {
      const point: Record<string, unknown> = { Timestamp: new Date(timestamp) };
      for (const name of ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const) {
        if (statistics.includes(name)) point[name] = aggregate(values, { kind: 'Statistic', name });
      }
      point.Unit = unit ?? units.get(timestamp) ?? 'None';
      if (extendedStats.length > 0) {
        point.ExtendedStatistics = Object.fromEntries(
          extendedStats.map((statistic) => [statistic.name, aggregate(values, statistic)]),
        );
      }
      return point;
    });
  return { Label: metricName, Datapoints: datapoints };
};

const PAGE = 500;

/** The offset an opaque NextToken stands for. */
export const pageStart = (token: unknown): number => {
  if (token === undefined) return 0;
  const offset = Number(Buffer.from(String(token), 'base64').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0)
    throw new AwsApiError('InvalidNextToken', 'The NextToken is invalid.');
  return offset;
};

export const nextToken = (offset: number): string => Buffer.from(String(offset), 'utf8').toString('base64');

export const listMetrics = (store: MetricStore, input: Record<string, unknown>): Record<string, unknown> => {
  const filters = (input.Dimensions as { Name?: string; Value?: string }[] | undefined) ?? [];
  if (input.RecentlyActive !== undefined && input.RecentlyActive !== 'PT3H') {
    throw new AwsApiError(
      'InvalidParameterValue',
      `The value ${String(input.RecentlyActive)} for parameter RecentlyActive is invalid.`,
    );
  }
  const metrics = store
    .list()
    .filter((metric) => input.Namespace === undefined || metric.namespace === input.Namespace)
    .filter((metric) => input.MetricName === undefined || metric.metricName === input.MetricName)
    .filter((metric) =>
      filters.every(
        (filter) =>
          filter.Name !== undefined &&
          filter.Name in metric.dimensions &&
          (filter.Value === undefined || metric.dimensions[filter.Name] === filter.Value),
      ),
    )
    .map((metric) => ({
      Namespace: metric.namespace,
      MetricName: metric.metricName,
      Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
    }))
    .sort((a, b) =>
      `${a.Namespace}\u0000${a.MetricName}\u0000${JSON.stringify(a.Dimensions)}`.localeCompare(
        `${b.Namespace}\u0000${b.MetricName}\u0000${JSON.stringify(b.Dimensions)}`,
      ),
    );
  const offset = pageStart(input.NextToken);
  const page = metrics.slice(offset, offset + PAGE);
  return {
    Metrics: page,
    ...(offset + PAGE < metrics.length ? { NextToken: nextToken(offset + PAGE) } : {}),
  };
};

/**
 * Puts metric data. A StatisticSet is stored as raw values that keep its SampleCount, Sum, Minimum and
 * Maximum exactly (percentiles over it are approximate); Values/Counts store each value Counts times.
 */
export const putMetricData = (store: MetricStore, input: Record<string, unknown>, now: number): void => {
  const namespace = requireString(input, 'Namespace');
  if (namespace.startsWith('AWS/')) {
    throw new AwsApiError(
      'InvalidParameterValue',
      `The value ${namespace} for parameter Namespace is invalid: the AWS/ prefix is reserved for AWS services.`,
    );
  }
  const data = [
    ...((input.MetricData as Record<string, unknown>[] | undefined) ?? []),
    ...((input.EntityMetricData as { MetricData?: Record<string, unknown>[] }[] | undefined) ?? []).flatMap(
      (entity) => entity.MetricData ?? [],
    ),
  ];
  if (data.length === 0) throw missing('MetricData');
  if (data.length > 1000) {
    throw new AwsApiError(
      'InvalidParameterValue',
      'The collection MetricData must not have more than 1000 members.',
    );
  }
  const datums = data.map((datum, index) => {
    const where = `MetricData.member.${index + 1}`;
    const metricName = datum.MetricName;
    if (typeof metricName !== 'string' || metricName === '') throw missing(`${where}.MetricName`);
    const unit = typeof datum.Unit === 'string' ? datum.Unit : undefined;
    if (unit !== undefined && !validUnit(unit)) {
      throw new AwsApiError(
        'InvalidParameterValue',
        `The value ${unit} for parameter ${where}.Unit is invalid.`,
      );
    }
    const timestamp = datum.Timestamp instanceof Date ? datum.Timestamp.getTime() : now;
    const dimensions: Dimension[] = readDimensions(datum.Dimensions, `${where}.Dimensions`);
    const values: number[] = [];
    const hasValue = typeof datum.Value === 'number';
    const list = datum.Values as number[] | undefined;
    const set = datum.StatisticValues as Record<string, number> | undefined;
    if ([hasValue, list !== undefined, set !== undefined].filter(Boolean).length !== 1) {
      throw new AwsApiError(
        'InvalidParameterCombination',
        `${where} must specify exactly one of Value, Values and StatisticValues.`,
      );
    }
    if (hasValue) values.push(datum.Value as number);
    if (list) {
      const counts = datum.Counts as number[] | undefined;
      if (counts && counts.length !== list.length) {
        throw new AwsApiError(
          'InvalidParameterValue',
          `${where}: Values and Counts must have the same length.`,
        );
      }
      list.forEach((value, position) => {
        const count = Math.max(1, Math.round(counts?.[position] ?? 1));
        for (let i = 0; i < Math.min(count, 10_000); i += 1) values.push(value);
      });
    }
    if (set) {
      const { SampleCount: count = 0, Sum: sum = 0, Minimum: min = 0, Maximum: max = 0 } = set;
      const samples = Math.max(1, Math.round(count));
      if (samples === 1) values.push(sum);
      else {
        values.push(min, max);
        const rest = (sum - min - max) / (samples - 2);
        for (let i = 0; i < Math.min(samples - 2, 10_000); i += 1) values.push(rest);
      }
    }
    for (const value of values) {
      if (!Number.isFinite(value)) {
        throw new AwsApiError(
          'InvalidParameterValue',
          `The value ${value} for parameter ${where}.Value is invalid.`,
        );
      }
    }
    return { metricName, unit, timestamp, dimensions: dimensionRecord(dimensions), values };
  });
  for (const datum of datums) {
    for (const value of datum.values) {
      store.put({
        namespace,
        metricName: datum.metricName,
        dimensions: datum.dimensions,
        value,
        unit: datum.unit,
        timestamp: datum.timestamp,
      });
    }
  }
};
