import { describe, expect, it } from 'vitest';
import { timeScaleFromEnv } from '#lib/local/core/time';

describe('ORDERFLOW_TIME_SCALE', () => {
  it('keeps AWS time when unset', () => {
    expect(timeScaleFromEnv(undefined).ms(60)).toBe(60_000);
  });

  it('shrinks an AWS duration by the factor', () => {
    const scale = timeScaleFromEnv('0.01');
    expect(scale.factor).toBe(0.01);
    expect(scale.ms(60)).toBeCloseTo(600);
  });

  it.each(['0', '-1', 'fast', 'NaN'])('refuses %s with a message that names the variable', (value) => {
    expect(() => timeScaleFromEnv(value)).toThrow(/ORDERFLOW_TIME_SCALE must be a positive number/);
  });
});
