/**
 * Metric alarm evaluation as the CloudWatch user guide describes it ("Evaluating an alarm", "How alarm state
 * is evaluated when data is missing"): CloudWatch looks at an evaluation range a little longer than
 * EvaluationPeriods, evaluates the most recent real datapoints when there are enough, fills missing ones
 * with the TreatMissingData choice only as often as needed, and applies DatapointsToAlarm (M out of N).
 * The state reasons and StateReasonData are worded as CloudWatch words them.
 */
import type { ComparisonOperator, TreatMissingData } from './alarm-config.ts';
import type { AlarmStateValue } from './composite-rule.ts';
import { cloudWatchTimestamp, javaDouble, javaJson, reasonTimestamp } from './format.ts';

/** One period of the evaluation range. */
export interface PeriodDatapoint {
  /** The period's start, epoch ms. */
  readonly timestamp: number;
  /** The aggregated value; absent when the period has no data (a missing datapoint). */
  readonly value?: number | undefined;
  readonly sampleCount?: number | undefined;
}

export interface EvaluationSettings {
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm?: number | undefined;
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  readonly treatMissingData?: TreatMissingData | undefined;
  /** Seconds, as configured (unscaled), for StateReasonData. */
  readonly period: number;
  /** For StateReasonData; absent for metric math alarms. */
  readonly statistic?: string | undefined;
  readonly unit?: string | undefined;
}

export interface EvaluationOutcome {
  readonly state: AlarmStateValue;
  readonly reason: string;
  /** StateReasonData, a JSON string. */
  readonly reasonData: string;
}

/**
 * How many periods CloudWatch retrieves: "a higher number of data points than specified by Evaluation
 * Periods". The user guide's examples retrieve 5 for 3 evaluation periods; the exact rule is not
 * published, so the local cloud uses EvaluationPeriods + 2.
 */
export const evaluationRangeSize = (evaluationPeriods: number): number => evaluationPeriods + 2;

const OPERATOR_WORDS: Readonly<Record<ComparisonOperator, string>> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

export const breaches = (value: number, operator: ComparisonOperator, threshold: number): boolean => {
  switch (operator) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
};

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;
const wasWere = (count: number): string => (count === 1 ? 'was' : 'were');
const REAL_DATA_INTEGERS = new Set(['period']);

interface Decision {
  readonly state: AlarmStateValue;
  /** The real datapoints evaluated, newest first. */
  readonly evaluated: readonly PeriodDatapoint[];
  /** The missing periods that were filled in, newest first. */
  readonly filled: readonly PeriodDatapoint[];
  /** How the filled ones were treated, if they count. */
  readonly fillTreatment?: 'Breaching' | 'NonBreaching' | undefined;
}

/**
 * Evaluates an alarm over its evaluation range (newest period first). Returns `undefined` when the alarm
 * keeps its current state (TreatMissingData `ignore` with nothing to go on).
 */
export const evaluateAlarm = (
  settings: EvaluationSettings,
  range: readonly PeriodDatapoint[],
  now: number,
): EvaluationOutcome | undefined => {
  const n = settings.evaluationPeriods;
  const m = settings.datapointsToAlarm ?? n;
  const treatment = settings.treatMissingData ?? 'missing';
  const newestFirst = [...range].sort((a, b) => b.timestamp - a.timestamp);
  const real = newestFirst.filter((point) => point.value !== undefined);
  const missingPeriods = newestFirst.filter((point) => point.value === undefined);
  const isBreaching = (point: PeriodDatapoint): boolean =>
    point.value !== undefined && breaches(point.value, settings.comparisonOperator, settings.threshold);

  let decision: Decision | undefined;
  if (real.length >= n) {
    // Enough real datapoints: the most recent N are evaluated, TreatMissingData is not needed.
    const evaluated = real.slice(0, n);
    const breaching = evaluated.filter(isBreaching).length;
    decision = { state: breaching >= m ? 'ALARM' : 'OK', evaluated, filled: [] };
  } else if (real.length === 0) {
    const filled = newestFirst.slice(0, n);
    if (treatment === 'ignore') return undefined;
    if (treatment === 'missing') {
      return {
        state: 'INSUFFICIENT_DATA',
        reason: `Insufficient Data: ${plural(filled.length, 'datapoint')} ${wasWere(filled.length)} unknown.`,
        reasonData: reasonData(settings, now, [], filled, Number.POSITIVE_INFINITY),
      };
    }
    decision =
      treatment === 'breaching'
        ? { state: 'ALARM', evaluated: [], filled, fillTreatment: 'Breaching' }
        : { state: 'OK', evaluated: [], filled, fillTreatment: 'NonBreaching' };
  } else {
    // Too few real datapoints: all of them are evaluated, and missing ones fill the rest, as few as possible.
    const evaluated = real;
    const filled = missingPeriods.slice(0, n - real.length);
    const breaching = evaluated.filter(isBreaching).length;
    const notBreaching = evaluated.length - breaching;
    if (treatment === 'breaching') {
      decision = {
        state: breaching + filled.length >= m ? 'ALARM' : 'OK',
        evaluated,
        filled,
        fillTreatment: 'Breaching',
      };
    } else if (treatment === 'notBreaching') {
      decision = { state: breaching >= m ? 'ALARM' : 'OK', evaluated, filled, fillTreatment: 'NonBreaching' };
    } else if (breaching >= m) {
      decision = { state: 'ALARM', evaluated, filled };
    } else if (notBreaching > 0) {
      decision = { state: 'OK', evaluated, filled };
    } else if (treatment === 'ignore') {
      return undefined;
    } else {
      // `missing`: only breaching datapoints, fewer than M. The user guide's sixth example goes to ALARM
      // "because the oldest evaluated data point is breaching and there aren't any non-breaching data points";
      // otherwise the outcome is unknown.
      const oldestReal = Math.min(...evaluated.map((point) => point.timestamp));
      const oldestFilled = Math.min(...filled.map((point) => point.timestamp));
      if (oldestReal < oldestFilled) {
        decision = { state: 'ALARM', evaluated, filled };
      } else {
        return {
          state: 'INSUFFICIENT_DATA',
          reason: `Insufficient Data: ${plural(filled.length, 'datapoint')} ${wasWere(filled.length)} unknown.`,
          reasonData: reasonData(
            settings,
            now,
            evaluated,
            [...evaluated, ...filled],
            Number.POSITIVE_INFINITY,
          ),
        };
      }
    }
  }
  return describe(settings, decision, n, m, now);
};

const describe = (
  settings: EvaluationSettings,
  decision: Decision,
  n: number,
  m: number,
  now: number,
): EvaluationOutcome => {
  const alarm = decision.state === 'ALARM';
  const supportsDecision = (point: PeriodDatapoint): boolean =>
    point.value !== undefined &&
    breaches(point.value, settings.comparisonOperator, settings.threshold) === alarm;
  const supportingReal = decision.evaluated.filter(supportsDecision);
  const supportingFills =
    decision.fillTreatment === undefined || (decision.fillTreatment === 'Breaching') !== alarm
      ? []
      : decision.filled;
  const minimum = alarm ? m : n - m + 1;
  const mOutOfN = settings.datapointsToAlarm !== undefined;
  const operator = `${alarm ? '' : 'not '}${OPERATOR_WORDS[settings.comparisonOperator]}`;
  const threshold = javaDouble(settings.threshold);
  const missingClause =
    decision.filled.length > 0 && decision.fillTreatment
      ? `${plural(decision.filled.length, 'missing datapoint')} ${wasWere(decision.filled.length)} treated as [${decision.fillTreatment}]`
      : '';
  let reason: string;
  if (supportingReal.length === 0 && missingClause) {
    reason =
      decision.evaluated.length === 0
        ? `Threshold Crossed: no datapoints were received for ${plural(n, 'period')} and ${missingClause}.`
        : `Threshold Crossed: ${plural(decision.evaluated.length, 'datapoint')} ${wasWere(decision.evaluated.length)} received for ${plural(n, 'period')} and ${missingClause}.`;
  } else {
    const k = supportingReal.length;
    const list = supportingReal
      .map((point) => `${javaDouble(point.value ?? 0)} (${reasonTimestamp(point.timestamp)})`)
      .join(', ');
    const head = mOutOfN
      ? `${k} out of the last ${n} datapoints [${list}] ${wasWere(k)} ${operator} the threshold (${threshold})`
      : `${plural(k, 'datapoint')} [${list}] ${wasWere(k)} ${operator} the threshold (${threshold})`;
    const transition = mOutOfN
      ? ` (minimum ${plural(minimum, 'datapoint')} for ${alarm ? 'OK -> ALARM' : 'ALARM -> OK'} transition)`
      : '';
    reason = `Threshold Crossed: ${head}${missingClause ? ` and ${missingClause}` : ''}${transition}.`;
  }
  return {
    state: decision.state,
    reason,
    reasonData: reasonData(
      settings,
      now,
      decision.evaluated,
      [...supportingReal, ...supportingFills],
      minimum,
    ),
  };
};

/** StateReasonData, as CloudWatch writes it for a threshold alarm. */
const reasonData = (
  settings: EvaluationSettings,
  now: number,
  evaluatedReal: readonly PeriodDatapoint[],
  supporting: readonly PeriodDatapoint[],
  limit: number,
): string => {
  const oldestFirst = [...evaluatedReal].sort((a, b) => a.timestamp - b.timestamp);
  const evaluatedDatapoints = [...supporting]
    .sort((a, b) => b.timestamp - a.timestamp)
    .slice(0, limit)
    .map((point) =>
      point.value === undefined
        ? { timestamp: cloudWatchTimestamp(point.timestamp) }
        : {
            timestamp: cloudWatchTimestamp(point.timestamp),
            sampleCount: point.sampleCount,
            value: point.value,
          },
    );
  return javaJson(
    {
      version: '1.0',
      queryDate: cloudWatchTimestamp(now),
      startDate: oldestFirst[0] ? cloudWatchTimestamp(oldestFirst[0].timestamp) : undefined,
      unit: settings.unit,
      statistic: settings.statistic,
      period: settings.period,
      recentDatapoints: oldestFirst.map((point) => point.value),
      threshold: settings.threshold,
      evaluatedDatapoints,
    },
    REAL_DATA_INTEGERS,
  );
};
