/**
 * JSON that keeps each number exactly as it was written. EventBridge matches exact number values on their
 * string representation ("300, 300.0 and 3.0e2 are not considered equal") and passes event payloads on
 * without rounding, so the local engine must not turn `12345678901234567890` or `1.0` into a double.
 *
 * Numbers parse into `JSON.rawJSON` objects (Node 21+): `JSON.stringify` writes them back verbatim, and
 * {@link jsonNumber} reads their source text and value.
 */

interface RawJson {
  readonly rawJSON: string;
}

interface JsonWithRawText {
  rawJSON(text: string): RawJson;
  isRawJSON(value: unknown): value is RawJson;
  parse(
    text: string,
    reviver: (key: string, value: unknown, context: { source?: string }) => unknown,
  ): unknown;
}

const nativeJson = JSON as unknown as JsonWithRawText;

/** Parses JSON text, keeping every number as its source text. Throws a SyntaxError on malformed JSON. */
export const parseJsonPreservingNumbers = (text: string): unknown =>
  nativeJson.parse(text, (_key, value, context) => {
    if (typeof value !== 'number' || context.source === undefined) return value;
    try {
      return nativeJson.rawJSON(context.source);
    } catch {
      return value;
    }
  });

/** A JSON number: its text as written and its value as a double. */
export interface JsonNumber {
  readonly source: string;
  readonly value: number;
}

/** The number a parsed JSON value holds (a JS number or a raw-text number), or undefined. */
export const jsonNumber = (value: unknown): JsonNumber | undefined => {
  if (typeof value === 'number') return { source: String(value), value };
  if (typeof value === 'object' && value !== null && nativeJson.isRawJSON(value)) {
    return { source: value.rawJSON, value: Number(value.rawJSON) };
  }
  return undefined;
};

/** A JSON object (not an array, not null, not a raw-text number). */
export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !nativeJson.isRawJSON(value);

/** Plain JS values (raw-text numbers become doubles), for consumers that are not JSON-aware. */
export const toPlainJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null));
