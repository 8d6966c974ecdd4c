/**
 * What a saga use case may say about a decision worth reading in the logs (a duplicate, a tombstone).
 * The handlers pass the Powertools logger; use-case tests pass nothing.
 */
export interface StepLog {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
}

export const silentLog: StepLog = {
  info: () => undefined,
  warn: () => undefined,
};
