/**
 * The POST /orders request: what a valid order request is, and every way one can be wrong.
 * Validation collects all problems at once, so a client can fix its request in one round trip.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { ShippingAddress, Sku } from '#shared/events/schemas';

export const MAX_LINES = 50;
export const MAX_QUANTITY = 100;

export const OrderLineRequest = z.strictObject({
  sku: Sku,
  // The range first, so 1e20 or -3.5 get the one message that matters.
  quantity: z
    .number()
    .check(
      z.gte(1, { error: 'must be at least 1', abort: true }),
      z.lte(MAX_QUANTITY, { error: `must be at most ${MAX_QUANTITY}`, abort: true }),
      z.int('must be a whole number'),
    ),
});

export const PlaceOrderBody = z.strictObject({
  // CustomerId, trimmed first, so a customerId of spaces is as empty as "".
  customerId: z.string().check(z.trim(), z.minLength(1), z.maxLength(64)),
  items: z
    .array(OrderLineRequest)
    .check(
      z.minLength(1, 'must have at least one line'),
      z.maxLength(MAX_LINES, `must have at most ${MAX_LINES} lines`),
    ),
  paymentToken: z
    .string()
    .check(z.regex(/^tok_[a-z0-9_]{1,60}$/, 'must look like tok_xxx (a-z, 0-9, _; at most 60 after tok_)')),
  shippingAddress: ShippingAddress,
});
export type PlaceOrderBody = z.infer<typeof PlaceOrderBody>;

/** 1-255 visible ASCII characters, as the IETF Idempotency-Key draft suggests for opaque keys. */
export const IdempotencyKey = z
  .string()
  .check(z.regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 visible ASCII characters'));

/** A problem with one field. `path` is dotted (`items.0.quantity`); an empty path is the request as a whole. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** Where idempotency-key problems are reported; the HTTP edge names the header. */
export const IDEMPOTENCY_KEY_FIELD = 'idempotencyKey';

type ZodIssueLike = { path: PropertyKey[]; message: string; code?: string; keys?: string[] };

const dotted = (path: readonly PropertyKey[]): string => path.map(String).join('.');

const toIssues = (issues: readonly ZodIssueLike[]): ValidationIssue[] =>
  issues.flatMap((issue) =>
    // One detail per unknown field, at the field itself, rather than one at its parent.
    issue.code === 'unrecognized_keys' && issue.keys
      ? issue.keys.map((key) => ({ path: dotted([...issue.path, key]), message: 'is not an allowed field' }))
      : [{ path: dotted(issue.path), message: issue.message }],
  );

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checked on the raw input so duplicates are reported together with every other problem. */
const duplicateSkuIssues = (body: unknown): ValidationIssue[] => {
  if (!isRecord(body) || !Array.isArray(body.items)) return [];
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  body.items.forEach((line: unknown, index) => {
    const sku = isRecord(line) && typeof line.sku === 'string' ? line.sku : undefined;
    if (sku === undefined) return;
    if (seen.has(sku))
      issues.push({ path: `items.${index}.sku`, message: `duplicates sku ${sku}; use one line per sku` });
    seen.add(sku);
  });
  return issues;
};

export type RequestValidation =
  | { readonly ok: true; readonly body: PlaceOrderBody; readonly idempotencyKey: string | undefined }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

const NOUNS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  array: 'an array',
  object: 'an object',
  boolean: 'true or false',
};

/**
 * zod/mini ships no messages (every problem reads "Invalid input"), so the API words the generic ones itself.
 * A check with its own message (`must be at least 1`) keeps it: those take precedence over this map.
 */
const readableMessage = (issue: z.core.$ZodRawIssue): string | undefined => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${NOUNS[issue.expected] ?? issue.expected}`;
    case 'too_small':
      if (issue.origin === 'string')
        return Number(issue.minimum) <= 1
          ? 'must not be empty'
          : `must be at least ${issue.minimum} characters`;
      return undefined;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      return undefined;
    default:
      return undefined;
  }
};

export const validatePlaceOrderRequest = (
  body: unknown,
  idempotencyKey: string | undefined,
): RequestValidation => {
  const parsed = PlaceOrderBody.safeParse(body, { error: readableMessage });
  const issues = [...(parsed.success ? [] : toIssues(parsed.error.issues)), ...duplicateSkuIssues(body)];
  issues.push(...validateIdempotencyKey(idempotencyKey));
  if (!parsed.success || issues.length > 0) return { ok: false, issues };
  return { ok: true, body: parsed.data, idempotencyKey };
};

export const validateIdempotencyKey = (key: string | undefined): ValidationIssue[] => {
  if (key === undefined) return [];
  const parsed = IdempotencyKey.safeParse(key);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: IDEMPOTENCY_KEY_FIELD, message: issue.message }));
};

/** JSON with object keys sorted, so two equal requests hash the same whatever their key order. */
const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
};

/** The fingerprint that tells a retry of a request (same hash) from a reuse of its key for another (different hash). */
export const requestHash = (body: PlaceOrderBody): string =>
  createHash('sha256').update(canonicalJson(body)).digest('hex');
