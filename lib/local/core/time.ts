import type { TimeScale } from './types.ts';

/**
 * Reads ORDERFLOW_TIME_SCALE (a positive number, default 1; below 1 shrinks AWS durations, above 1 stretches
 * them) and refuses anything else with a clear message.
 */
export const timeScaleFromEnv = (value: string | undefined = process.env.ORDERFLOW_TIME_SCALE): TimeScale => {
  if (value === undefined || value.trim() === '') return timeScale(1);
  const factor = Number(value);
  if (!Number.isFinite(factor) || factor <= 0) {
    throw new Error(`ORDERFLOW_TIME_SCALE must be a positive number, such as 0.01; got "${value}"`);
  }
  return timeScale(factor);
};

export const timeScale = (factor: number): TimeScale => ({
  factor,
  ms: (seconds: number) => seconds * 1000 * factor,
});

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
