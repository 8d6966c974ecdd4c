/**
 * Lambda event filtering (FilterCriteria of an event source mapping): each filter's Pattern is an EventBridge
 * event pattern matched against the event record; a record passes when any filter matches.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 *
 * The matching itself is the EventBridge engine's matcher (lib/local/eventbridge/pattern.ts), the one place
 * where the pattern language lives.
 */

import { parseJsonPreservingNumbers } from '#lib/local/eventbridge/json';
import { compileEventPattern } from '#lib/local/eventbridge/pattern';

export interface RecordFilter {
  matches(record: unknown): boolean;
}

/** Compiles FilterCriteria; undefined when there is no filter. Throws for an invalid pattern, as Lambda refuses one. */
export const compileFilterCriteria = (criteria: unknown): RecordFilter | undefined => {
  const filters = (criteria as { Filters?: unknown } | undefined)?.Filters;
  if (!Array.isArray(filters) || filters.length === 0) return undefined;
  const patterns = filters.map((filter: { Pattern?: unknown }) => {
    const pattern = filter?.Pattern;
    return compileEventPattern(typeof pattern === 'string' ? pattern : JSON.stringify(pattern ?? {}));
  });
  return { matches: (record) => patterns.some((pattern) => pattern.matches(record)) };
};

/**
 * What an SQS filter sees: the event record, with `body` parsed when it is JSON (a filter on body fields then
 * matches; a plain-text body only matches a filter on the whole string).
 */
export const sqsFilterView = (record: { readonly body: string }): unknown => {
  let body: unknown = record.body;
  try {
    body = parseJsonPreservingNumbers(record.body);
  } catch {
    // not JSON: the filter sees the string
  }
  return { ...record, body };
};
