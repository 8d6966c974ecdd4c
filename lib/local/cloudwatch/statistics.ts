/** CloudWatch statistics over the raw values of one period, and the period rules the APIs enforce. */
import { AwsApiError } from '#lib/local/core/aws-protocol';

export const STANDARD_STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
export type StandardStatistic = (typeof STANDARD_STATISTICS)[number];

/** A statistic: one of the five standard ones, or a percentile (`p99`, `p99.9`) as an extended statistic. */
export type Statistic =
  | { readonly kind: 'Statistic'; readonly name: StandardStatistic }
  | { readonly kind: 'ExtendedStatistic'; readonly name: string; readonly percentile: number };

const PERCENTILE = /^p(\d{1,2}(?:\.\d{1,10})?|100(?:\.0{1,10})?)$/;

export const isStandardStatistic = (name: string): name is StandardStatistic =>
  (STANDARD_STATISTICS as readonly string[]).includes(name);

/**
 * Parses a statistic name. Percentiles are supported; the other extended statistics (trimmed mean `tm99`,
 * winsorized mean `wm99`, `TC`, `TS`, `PR`, `IQM`) are refused with a clear message.
 */
export const parseStatistic = (name: string, parameter = 'Statistic'): Statistic => {
  if (isStandardStatistic(name)) return { kind: 'Statistic', name };
  const match = PERCENTILE.exec(name);
  if (match?.[1] !== undefined) return { kind: 'ExtendedStatistic', name, percentile: Number(match[1]) };
  if (/^(tm|wm|tc|ts|pr|TM|WM|TC|TS|PR)|^IQM$/.test(name)) {
    throw new AwsApiError(
      'InvalidParameterValue',
      `The statistic ${name} for parameter ${parameter} is not supported by the local cloud: it computes the standard statistics and percentiles (pNN) only.`,
    );
  }
  throw new AwsApiError(
    'InvalidParameterValue',
    `The value ${name} for parameter ${parameter} is not a valid statistic.`,
  );
};

/** The nearest-rank percentile of `sorted` (ascending). */
const percentileOf = (sorted: readonly number[], percentile: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((percentile / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
};

/** Aggregates one period's values; `undefined` when there are none (a missing datapoint). */
export const aggregate = (values: readonly number[], statistic: Statistic): number | undefined => {
  if (values.length === 0) return undefined;
  if (statistic.kind === 'ExtendedStatistic') {
    return percentileOf(
      [...values].sort((a, b) => a - b),
      statistic.percentile,
    );
  }
  switch (statistic.name) {
    case 'SampleCount':
      return values.length;
    case 'Sum':
      return values.reduce((sum, value) => sum + value, 0);
    case 'Average':
      return values.reduce((sum, value) => sum + value, 0) / values.length;
    case 'Minimum':
      return values.reduce((min, value) => Math.min(min, value), Number.POSITIVE_INFINITY);
    case 'Maximum':
      return values.reduce((max, value) => Math.max(max, value), Number.NEGATIVE_INFINITY);
  }
};

/**
 * Percentile alarms with `EvaluateLowSampleCountPercentile: ignore` skip periods with too few samples:
 * fewer than 10/(1-p) for p >= 0.5, fewer than 10/p below (the CloudWatch user guide).
 */
export const lowSampleCount = (statistic: Statistic, sampleCount: number): boolean => {
  if (statistic.kind !== 'ExtendedStatistic') return false;
  const p = statistic.percentile / 100;
  if (p <= 0 || p >= 1) return false;
  return sampleCount < (p >= 0.5 ? 10 / (1 - p) : 10 / p);
};

/** Periods CloudWatch accepts: 1, 5, 10, 20, 30 (high resolution) or a multiple of 60 seconds. */
export const validPeriod = (period: number): boolean =>
  Number.isInteger(period) && period > 0 && ([1, 5, 10, 20, 30].includes(period) || period % 60 === 0);

/** Periods an alarm accepts: 10, 20, 30 or a multiple of 60 seconds. */
export const validAlarmPeriod = (period: number): boolean =>
  Number.isInteger(period) && period > 0 && ([10, 20, 30].includes(period) || period % 60 === 0);

export const STANDARD_UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
] as const;

export const validUnit = (unit: string): boolean => (STANDARD_UNITS as readonly string[]).includes(unit);
