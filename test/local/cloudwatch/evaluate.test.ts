/**
 * Alarm evaluation, checked against the CloudWatch user guide ("Using Amazon CloudWatch alarms": Evaluating an
 * alarm; Configuring how CloudWatch alarms treat missing data; How alarm state is evaluated when data is
 * missing) and against state reasons copied from real alarms.
 */
import { describe, expect, test } from 'vitest';
import type { TreatMissingData } from '#lib/local/cloudwatch/alarm-config';
import { type EvaluationSettings, evaluateAlarm, type PeriodDatapoint } from '#lib/local/cloudwatch/evaluate';
import { javaDouble } from '#lib/local/cloudwatch/format';
import { aggregate, parseStatistic } from '#lib/local/cloudwatch/statistics';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

/** The user guide's notation, oldest first: `0` not breaching, `X` breaching, `-` missing. */
const range = (pattern: string): PeriodDatapoint[] =>
  pattern
    .split(' ')
    .map((symbol, index) => {
      const timestamp = T0 + index * MINUTE;
      if (symbol === '-') return { timestamp };
      return { timestamp, value: symbol === 'X' ? 5 : 0, sampleCount: 1 };
    })
    .reverse();

const settings = (overrides: Partial<EvaluationSettings> = {}): EvaluationSettings => ({
  evaluationPeriods: 3,
  datapointsToAlarm: 3,
  threshold: 1,
  comparisonOperator: 'GreaterThanOrEqualToThreshold',
  period: 60,
  statistic: 'Maximum',
  ...overrides,
});

const TREATMENTS: readonly TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
const RETAIN = 'Retain current state';

const stateFor = (pattern: string, treatMissingData: TreatMissingData, datapointsToAlarm: number): string =>
  evaluateAlarm(settings({ treatMissingData, datapointsToAlarm }), range(pattern), T0 + 5 * MINUTE)?.state ??
  RETAIN;

describe('How alarm state is evaluated when data is missing (user guide tables)', () => {
  // "In the first table, Datapoints to Alarm and Evaluation Periods are both 3. CloudWatch retrieves the 5
  // most recent data points when evaluating the alarm." Columns: MISSING, IGNORE, BREACHING, NOT BREACHING.
  test.each([
    ['0 - X - X', ['OK', 'OK', 'OK', 'OK']],
    ['0 - - - -', ['OK', 'OK', 'OK', 'OK']],
    ['- - - - -', ['INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK']],
    ['0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['- - - - X', ['INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK']],
    ['X - - - -', ['ALARM', RETAIN, 'ALARM', 'OK']],
  ])('3 out of 3: %s', (pattern, expected) => {
    expect(TREATMENTS.map((treatment) => stateFor(pattern, treatment, 3))).toEqual(expected);
  });

  // "In the next table ... Datapoints to Alarm is only 2 while Evaluation Periods is 3. This is a 2 out of 3,
  // M out of N alarm."
  test.each([
    ['0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - X', ['INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK']],
  ])('2 out of 3: %s', (pattern, expected) => {
    expect(TREATMENTS.map((treatment) => stateFor(pattern, treatment, 2))).toEqual(expected);
  });

  test('missing is the default treatment', () => {
    const outcome = evaluateAlarm(settings(), range('- - - - -'), T0);
    expect(outcome?.state).toBe('INSUFFICIENT_DATA');
  });

  test('"Datapoints to Alarm ... The breaching data points do not have to be consecutive"', () => {
    const twoOfThree = settings({ datapointsToAlarm: 2 });
    expect(evaluateAlarm(twoOfThree, range('X 0 X'), T0)?.state).toBe('ALARM');
    expect(evaluateAlarm(twoOfThree, range('X 0 0'), T0)?.state).toBe('OK');
  });
});

describe('state reasons, as real alarms word them', () => {
  test('M out of N wording with DatapointsToAlarm set (1 out of 1, OK -> ALARM)', () => {
    const outcome = evaluateAlarm(
      settings({ evaluationPeriods: 1, datapointsToAlarm: 1, statistic: 'Sum' }),
      [{ timestamp: Date.UTC(2026, 10, 22, 12, 0, 0), value: 1, sampleCount: 1 }],
      Date.UTC(2026, 10, 22, 12, 1, 5, 120),
    );
    expect(outcome?.state).toBe('ALARM');
    expect(outcome?.reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (22/11/26 12:00:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
    expect(outcome?.reasonData).toBe(
      '{"version":"1.0","queryDate":"2026-11-22T12:01:05.120+0000","startDate":"2026-11-22T12:00:00.000+0000","statistic":"Sum","period":60,"recentDatapoints":[1.0],"threshold":1.0,"evaluatedDatapoints":[{"timestamp":"2026-11-22T12:00:00.000+0000","sampleCount":1.0,"value":1.0}]}',
    );
  });

  test('without DatapointsToAlarm the reason has no "out of the last" (a real DescribeAlarms StateReason)', () => {
    // Real: "Threshold Crossed: 1 datapoint [3.0 (21/01/26 20:17:00)] was greater than or equal to the threshold (3.0)."
    const outcome = evaluateAlarm(
      settings({
        evaluationPeriods: 1,
        datapointsToAlarm: undefined,
        threshold: 3,
        statistic: 'Sum',
        period: 300,
      }),
      [{ timestamp: Date.UTC(2026, 0, 21, 20, 17), value: 3, sampleCount: 3 }],
      Date.UTC(2026, 0, 21, 20, 22, 54, 408),
    );
    expect(outcome?.reason).toBe(
      'Threshold Crossed: 1 datapoint [3.0 (21/01/26 20:17:00)] was greater than or equal to the threshold (3.0).',
    );
    expect(outcome?.reasonData).toBe(
      '{"version":"1.0","queryDate":"2026-01-21T20:22:54.408+0000","startDate":"2026-01-21T20:17:00.000+0000","statistic":"Sum","period":300,"recentDatapoints":[3.0],"threshold":3.0,"evaluatedDatapoints":[{"timestamp":"2026-01-21T20:17:00.000+0000","sampleCount":3.0,"value":3.0}]}',
    );
  });

  test('2 out of 2 breaching, newest first in the reason, oldest first in recentDatapoints (a real RDS alarm)', () => {
    const outcome = evaluateAlarm(
      settings({
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        threshold: 10,
        comparisonOperator: 'GreaterThanThreshold',
        statistic: 'Average',
        period: 300,
      }),
      [
        { timestamp: Date.UTC(2022, 0, 17, 14, 42), value: 15.398333333333332, sampleCount: 5 },
        { timestamp: Date.UTC(2022, 0, 17, 14, 37), value: 11.488333333333333, sampleCount: 5 },
      ],
      Date.UTC(2022, 0, 17, 14, 48, 42, 271),
    );
    expect(outcome?.reason).toBe(
      'Threshold Crossed: 2 out of the last 2 datapoints [15.398333333333332 (17/01/22 14:42:00), 11.488333333333333 (17/01/22 14:37:00)] were greater than the threshold (10.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    expect(outcome?.reasonData).toBe(
      '{"version":"1.0","queryDate":"2022-01-17T14:48:42.271+0000","startDate":"2022-01-17T14:37:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[11.488333333333333,15.398333333333332],"threshold":10.0,"evaluatedDatapoints":[{"timestamp":"2022-01-17T14:42:00.000+0000","sampleCount":5.0,"value":15.398333333333332},{"timestamp":"2022-01-17T14:37:00.000+0000","sampleCount":5.0,"value":11.488333333333333}]}',
    );
  });

  test('ALARM -> OK lists the non-breaching datapoints and needs N-M+1 of them (a real CPU alarm)', () => {
    const outcome = evaluateAlarm(
      settings({
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        threshold: 40,
        comparisonOperator: 'GreaterThanThreshold',
        statistic: 'Average',
      }),
      [
        { timestamp: Date.UTC(2021, 3, 13, 16, 4), value: 0.01758096118768056, sampleCount: 1 },
        { timestamp: Date.UTC(2021, 3, 13, 16, 3), value: 0.01575357001274824, sampleCount: 1 },
      ],
      Date.UTC(2021, 3, 13, 16, 6, 38, 66),
    );
    expect(outcome?.state).toBe('OK');
    expect(outcome?.reason).toBe(
      'Threshold Crossed: 2 out of the last 2 datapoints [0.01758096118768056 (13/04/21 16:04:00), 0.01575357001274824 (13/04/21 16:03:00)] were not greater than the threshold (40.0) (minimum 1 datapoint for ALARM -> OK transition).',
    );
    expect(outcome?.reasonData).toBe(
      '{"version":"1.0","queryDate":"2021-04-13T16:06:38.066+0000","startDate":"2021-04-13T16:03:00.000+0000","statistic":"Average","period":60,"recentDatapoints":[0.01575357001274824,0.01758096118768056],"threshold":40.0,"evaluatedDatapoints":[{"timestamp":"2021-04-13T16:04:00.000+0000","sampleCount":1.0,"value":0.01758096118768056}]}',
    );
  });

  test('no data, notBreaching (a real ALB alarm in OK)', () => {
    const outcome = evaluateAlarm(
      settings({
        evaluationPeriods: 1,
        datapointsToAlarm: undefined,
        threshold: 10,
        treatMissingData: 'notBreaching',
        statistic: 'Sum',
        period: 300,
      }),
      [{ timestamp: Date.UTC(2026, 0, 13, 1, 50) }, { timestamp: Date.UTC(2026, 0, 13, 1, 45) }],
      Date.UTC(2026, 0, 13, 1, 57, 48, 92),
    );
    expect(outcome?.state).toBe('OK');
    expect(outcome?.reason).toBe(
      'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
    );
    expect(outcome?.reasonData).toBe(
      '{"version":"1.0","queryDate":"2026-01-13T01:57:48.092+0000","statistic":"Sum","period":300,"recentDatapoints":[],"threshold":10.0,"evaluatedDatapoints":[{"timestamp":"2026-01-13T01:50:00.000+0000"}]}',
    );
  });

  test('no data, breaching, 2 of 2 (a real RDS alarm in ALARM)', () => {
    const outcome = evaluateAlarm(
      settings({
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        threshold: 3,
        treatMissingData: 'breaching',
        statistic: 'Sum',
      }),
      [19, 18, 17, 16].map((minute) => ({ timestamp: Date.UTC(2026, 1, 27, 19, 52 - (19 - minute)) })),
      Date.UTC(2026, 1, 27, 19, 53, 10, 678),
    );
    expect(outcome?.reason).toBe(
      'Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].',
    );
    expect(outcome?.reasonData).toBe(
      '{"version":"1.0","queryDate":"2026-02-27T19:53:10.678+0000","statistic":"Sum","period":60,"recentDatapoints":[],"threshold":3.0,"evaluatedDatapoints":[{"timestamp":"2026-02-27T19:52:00.000+0000"},{"timestamp":"2026-02-27T19:51:00.000+0000"}]}',
    );
  });

  test('some data, the rest filled as breaching (a real recovery notification)', () => {
    // Real: "Threshold Crossed: 1 datapoint [1.0 (26/08/26 16:16:00)] was not less than the threshold (1.0)
    // and 2 missing datapoints were treated as [Breaching]."
    const outcome = evaluateAlarm(
      settings({
        datapointsToAlarm: undefined,
        comparisonOperator: 'LessThanThreshold',
        treatMissingData: 'breaching',
      }),
      [
        { timestamp: Date.UTC(2026, 7, 26, 16, 18) },
        { timestamp: Date.UTC(2026, 7, 26, 16, 17) },
        { timestamp: Date.UTC(2026, 7, 26, 16, 16), value: 1, sampleCount: 1 },
        { timestamp: Date.UTC(2026, 7, 26, 16, 15) },
        { timestamp: Date.UTC(2026, 7, 26, 16, 14) },
      ],
      Date.UTC(2026, 7, 26, 16, 19, 41),
    );
    expect(outcome?.state).toBe('OK');
    expect(outcome?.reason).toBe(
      'Threshold Crossed: 1 datapoint [1.0 (26/08/26 16:16:00)] was not less than the threshold (1.0) and 2 missing datapoints were treated as [Breaching].',
    );
  });

  test('all data missing, missing treatment: "Insufficient Data: 5 datapoints were unknown."', () => {
    const outcome = evaluateAlarm(
      settings({ evaluationPeriods: 5, datapointsToAlarm: undefined }),
      Array.from({ length: 7 }, (_, index) => ({ timestamp: T0 - index * MINUTE })),
      T0 + MINUTE,
    );
    expect(outcome?.state).toBe('INSUFFICIENT_DATA');
    expect(outcome?.reason).toBe('Insufficient Data: 5 datapoints were unknown.');
    expect(JSON.parse(outcome?.reasonData ?? '{}').evaluatedDatapoints).toHaveLength(5);
  });
});

describe('statistics', () => {
  const values = [1, 1, 1, 5, 2];
  test.each([
    ['SampleCount', 5],
    ['Sum', 10],
    ['Average', 2],
    ['Minimum', 1],
    ['Maximum', 5],
    ['p50', 1],
    ['p80', 2],
    ['p100', 5],
  ])('%s', (name, expected) => {
    expect(aggregate(values, parseStatistic(name))).toBe(expected);
  });

  test('a period without values is a missing datapoint', () => {
    expect(aggregate([], parseStatistic('Sum'))).toBeUndefined();
  });

  test('extended statistics other than percentiles are refused clearly', () => {
    expect(() => parseStatistic('tm99')).toThrow(/not supported by the local cloud/);
  });
});

test('numbers print as the Java service prints doubles', () => {
  expect([1, 0, 0.02, 580, 15.398333333333332, 1e7, 0.0001, -2.5].map(javaDouble)).toEqual([
    '1.0',
    '0.0',
    '0.02',
    '580.0',
    '15.398333333333332',
    '1.0E7',
    '1.0E-4',
    '-2.5',
  ]);
});
