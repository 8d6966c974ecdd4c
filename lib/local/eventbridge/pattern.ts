/**
 * The EventBridge event-pattern matcher, as the EventBridge User Guide specifies it ("Event patterns",
 * "Comparison operators", "Arrays", "Null values and empty strings"), with the validation rules and messages
 * of the engine behind EventBridge (aws/event-ruler's JsonRuleCompiler). A pure module: Lambda event-source
 * filter criteria and SNS filter policies reuse it.
 *
 * How a pattern is read:
 * - A pattern is a JSON object. A field whose value is an object descends into the event; a field whose value
 *   is an array is a leaf: it matches when ANY of its values matches ANY value of the event field (an event
 *   array matches when the intersection is not empty). Fields are AND-ed.
 * - `$or` (an array of at least two objects), at any level, ORs its sub-patterns. It is expanded into
 *   alternative sets of conditions, as Ruler does; when one path is given twice, the last one wins.
 * - Keys are joined with `.`: `{"a": {"b.c": [1]}}` and `{"a": {"b": {"c": [1]}}}` are the same pattern,
 *   and each matches both event shapes (EventBridge docs: "it uses dot (.) as the joining character").
 * - Exact values follow JSON: strings compare character by character, numbers by their string
 *   representation (300, 300.0 and 3.0e2 differ), and true, false and null by type. `null` matches a JSON
 *   null, `""` an empty string; neither matches a missing field.
 * - Arrays in the event are matched array-consistently: conditions on fields of objects inside an array must
 *   all be met by the same array element (Ruler's `rulesForJSONEvent`).
 * - Comparison operators: prefix / suffix (and their `equals-ignore-case` forms), equals-ignore-case,
 *   wildcard, anything-but (value, list, prefix, suffix, equals-ignore-case, wildcard), numeric, cidr, exists.
 */
import { isIP } from 'node:net';
import { isJsonObject, jsonNumber, parseJsonPreservingNumbers } from './json.ts';

/** Thrown for an invalid pattern; `message` is what EventBridge's InvalidEventPatternException says. */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternException';
  readonly reason: string;
  constructor(reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
    this.reason = reason;
  }
}

const fail = (reason: string): never => {
  throw new InvalidEventPatternError(reason);
};

/** A value of the event, at a leaf. */
type Leaf =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number; readonly source: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' };

type ValueMatcher = (leaf: Leaf) => boolean;

/** What one pattern leaf (`"field": [ ... ]`) accepts. */
interface Condition {
  readonly matchers: readonly ValueMatcher[];
  /** `{"exists": true}`: any value. */
  readonly anyValue: boolean;
  /** `{"exists": false}`: no value at this path. */
  readonly absent: boolean;
}

/** One alternative of the pattern once `$or` is expanded: every path's condition must hold. */
type Branch = Map<string, Condition>;

const OR = '$or';

/** Field names that may not be used inside `$or` (Ruler's RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP). */
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

// ---------------------------------------------------------------------------------------------------------
// Numbers: "limited to values between -5.0e9 and +5.0e9 inclusive, with 15 digits of precision, or six
// digits to the right of the decimal point" (EventBridge docs: Numeric matching). Values are compared on
// the same fixed-point key Ruler's ComparableNumber uses.

const NUMERIC_LIMIT = 5e9;

const comparable = (value: number): number | undefined =>
  Number.isFinite(value) && value >= -NUMERIC_LIMIT && value <= NUMERIC_LIMIT
    ? Math.trunc((value + NUMERIC_LIMIT) * 1e6)
    : undefined;

const patternNumber = (value: unknown, what: string): number => {
  const number = jsonNumber(value);
  if (number === undefined) return fail(`Value of ${what} must be numeric`);
  const key = comparable(number.value);
  if (key === undefined) return fail('Value must be between -5.0E9 and 5.0E9, inclusive');
  return key;
};

// ---------------------------------------------------------------------------------------------------------
// Strings

const lower = (value: string): string => value.toLowerCase();
const equalsIgnoreCase = (a: string, b: string): boolean =>
  lower(a) === lower(b) || a.toUpperCase() === b.toUpperCase();

/**
 * A wildcard value: `*` matches any run of characters (including none); `\*` is a literal `*` and `\\` a
 * literal backslash; consecutive `*` and any other escape are invalid (EventBridge docs: Wildcard matching).
 */
const compileWildcard = (pattern: string): RegExp => {
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern.charAt(index);
    if (char === '*') {
      if (pattern.charAt(index + 1) === '*') fail(`Consecutive wildcard characters at pos ${index}`);
      source += '.*';
    } else if (char === '\\') {
      const next = pattern.charAt(index + 1);
      if (next !== '*' && next !== '\\') fail(`Invalid escape character at pos ${index}`);
      source += next === '*' ? '\\*' : '\\\\';
      index += 1;
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 'su');
};

// ---------------------------------------------------------------------------------------------------------
// IP addresses (EventBridge docs: IP address matching, IPv4 and IPv6)

const ipv4ToBigInt = (address: string): bigint =>
  address.split('.').reduce((total, part) => (total << 8n) | BigInt(Number(part)), 0n);

const ipv6ToBigInt = (address: string): bigint => {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const v4 = ipv4ToBigInt(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${((v4 >> 16n) & 0xffffn).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? headParts
      : [...headParts, ...new Array<string>(8 - headParts.length - tailParts.length).fill('0'), ...tailParts];
  return groups.reduce((total, group) => (total << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
};

interface IpAddress {
  readonly version: 4 | 6;
  readonly value: bigint;
}

const parseIp = (text: string): IpAddress | undefined => {
  const version = isIP(text);
  if (version === 4) {
    // Node accepts only canonical dotted quads, as Ruler's IPv4 regex does.
    return { version, value: ipv4ToBigInt(text) };
  }
  if (version === 6 && !text.includes('%')) return { version, value: ipv6ToBigInt(text) };
  return undefined;
};

const compileCidr = (cidr: unknown): ValueMatcher => {
  if (typeof cidr !== 'string') return fail('prefix match pattern must be a string');
  const parts = cidr.split('/');
  if (parts.length !== 2) return fail(`Malformed CIDR, one '/' required: ${cidr}`);
  const [addressText = '', bitsText = ''] = parts;
  const address = parseIp(addressText);
  if (!address) return fail(`Invalid CIDR address: ${cidr}`);
  const width = address.version === 4 ? 32 : 128;
  const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
  if (!Number.isInteger(bits) || bits < 0 || bits > width)
    return fail(`Malformed CIDR, mask bits must be 0..${width}: ${cidr}`);
  const shift = BigInt(width - bits);
  const network = address.value >> shift;
  return (leaf) => {
    if (leaf.kind !== 'string') return false;
    const ip = parseIp(leaf.value);
    return ip !== undefined && ip.version === address.version && ip.value >> shift === network;
  };
};

// ---------------------------------------------------------------------------------------------------------
// Compiling match expressions (`{ "prefix": ... }` and friends)

const stringOperand = (value: unknown, message: string): string =>
  typeof value === 'string' ? value : fail(message);

const singleKey = (
  expression: Record<string, unknown>,
  message = 'Only one key allowed in match expression',
) => {
  const keys = Object.keys(expression);
  if (keys.length === 0) fail('Match expression name not found');
  if (keys.length > 1) fail(message);
  const key = keys[0] as string;
  return [key, expression[key]] as const;
};

const isString = (leaf: Leaf): leaf is { kind: 'string'; value: string } => leaf.kind === 'string';

const compileNumeric = (operands: unknown): ValueMatcher => {
  if (!Array.isArray(operands)) return fail('Value of numeric must be an array.');
  const [operator, first, secondOperator, second, ...rest] = operands as unknown[];
  if (typeof operator !== 'string')
    return fail(`Invalid member in numeric match: ${JSON.stringify(operator)}`);
  let bottom = Number.NEGATIVE_INFINITY;
  let top = Number.POSITIVE_INFINITY;
  let openBottom = false;
  let openTop = false;
  switch (operator) {
    case '=': {
      const value = patternNumber(first, 'equals');
      if (operands.length !== 2) fail('Too many elements in numeric expression');
      return (leaf) => leaf.kind === 'number' && comparable(leaf.value) === value;
    }
    case '<':
    case '<=':
      top = patternNumber(first, operator);
      openTop = operator === '<';
      if (operands.length !== 2) fail('Too many elements in numeric expression');
      break;
    case '>':
    case '>=':
      bottom = patternNumber(first, operator);
      openBottom = operator === '>';
      if (operands.length > 2) {
        if (typeof secondOperator !== 'string')
          fail(`Bad value in numeric range: ${JSON.stringify(secondOperator)}`);
        if (secondOperator !== '<' && secondOperator !== '<=')
          fail(`Bad numeric range operator: ${secondOperator}`);
        top = patternNumber(second, String(secondOperator));
        openTop = secondOperator === '<';
        if (rest.length > 0 || operands.length !== 4) fail('Too many terms in numeric range expression');
        if (bottom >= top) fail('Bottom must be less than top');
      }
      break;
    default:
      return fail(`Unrecognized numeric range operator: ${operator}`);
  }
  return (leaf) => {
    if (leaf.kind !== 'number') return false;
    const key = comparable(leaf.value);
    if (key === undefined) return false;
    return (openBottom ? key > bottom : key >= bottom) && (openTop ? key < top : key <= top);
  };
};

/** `anything-but`: matches every value of the field except the excluded ones (a missing field never matches). */
const compileAnythingBut = (operand: unknown): ValueMatcher => {
  if (isJsonObject(operand)) {
    const [kind, value] = singleKey(operand);
    if (!['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(kind)) {
      fail(`Unsupported anything-but pattern: ${kind}`);
    }
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    const strings = values.map((item) => {
      if (typeof item === 'string') return item;
      if (kind === 'equals-ignore-case') {
        return fail(
          'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
        );
      }
      if (kind === 'wildcard') return fail('wildcard match pattern must be a string');
      return fail('prefix/suffix match pattern must be a string');
    });
    switch (kind) {
      case 'prefix':
      case 'suffix': {
        if (strings.some((text) => text === '')) fail('Null prefix/suffix not allowed');
        const excluded =
          kind === 'prefix'
            ? (text: string) => strings.some((prefix) => text.startsWith(prefix))
            : (text: string) => strings.some((suffix) => text.endsWith(suffix));
        return (leaf) => !isString(leaf) || !excluded(leaf.value);
      }
      case 'equals-ignore-case':
        return (leaf) => !isString(leaf) || !strings.some((text) => equalsIgnoreCase(text, leaf.value));
      case 'wildcard': {
        const expressions = strings.map(compileWildcard);
        return (leaf) => !isString(leaf) || !expressions.some((expression) => expression.test(leaf.value));
      }
      default:
        return fail(`Unsupported anything-but pattern: ${kind}`);
    }
  }
  const list = Array.isArray(operand) ? (operand as unknown[]) : [operand];
  if (!Array.isArray(operand) && typeof operand !== 'string' && jsonNumber(operand) === undefined) {
    return fail('Value of anything-but must be an array or single string/number value.');
  }
  const strings = new Set<string>();
  const numbers = new Set<number>();
  for (const item of list) {
    if (typeof item === 'string') {
      strings.add(item);
    } else if (jsonNumber(item) !== undefined) {
      numbers.add(patternNumber(item, 'anything-but'));
    } else {
      fail('Inside anything but list, start|null|boolean is not supported.');
    }
  }
  if (strings.size > 0 === numbers.size > 0) {
    fail('Inside anything but list, either all values are number or string, mixed type is not supported');
  }
  return (leaf) => {
    if (leaf.kind === 'string') return !strings.has(leaf.value);
    if (leaf.kind === 'number') {
      const key = comparable(leaf.value);
      return key === undefined || !numbers.has(key);
    }
    return true;
  };
};

const compileMatchExpression = (expression: Record<string, unknown>): ValueMatcher | 'exists' | 'absent' => {
  const [kind, operand] = singleKey(expression);
  switch (kind) {
    case 'prefix': {
      if (isJsonObject(operand)) {
        const [inner, value] = singleKey(operand);
        if (inner !== 'equals-ignore-case') fail(`Unsupported prefix pattern: ${inner}`);
        const prefix = lower(stringOperand(value, 'equals-ignore-case match pattern must be a string'));
        return (leaf) => isString(leaf) && lower(leaf.value).startsWith(prefix);
      }
      const prefix = stringOperand(operand, 'prefix match pattern must be a string');
      return (leaf) => isString(leaf) && leaf.value.startsWith(prefix);
    }
    case 'suffix': {
      if (isJsonObject(operand)) {
        const [inner, value] = singleKey(operand);
        if (inner !== 'equals-ignore-case') fail(`Unsupported suffix pattern: ${inner}`);
        const suffix = lower(stringOperand(value, 'equals-ignore-case match pattern must be a string'));
        return (leaf) => isString(leaf) && lower(leaf.value).endsWith(suffix);
      }
      const suffix = stringOperand(operand, 'suffix match pattern must be a string');
      return (leaf) => isString(leaf) && leaf.value.endsWith(suffix);
    }
    case 'equals-ignore-case': {
      const text = stringOperand(operand, 'equals-ignore-case match pattern must be a string');
      return (leaf) => isString(leaf) && equalsIgnoreCase(text, leaf.value);
    }
    case 'wildcard': {
      const expression = compileWildcard(stringOperand(operand, 'wildcard match pattern must be a string'));
      return (leaf) => isString(leaf) && expression.test(leaf.value);
    }
    case 'anything-but':
      return compileAnythingBut(operand);
    case 'numeric':
      return compileNumeric(operand);
    case 'cidr':
      return compileCidr(operand);
    case 'exists':
      if (operand === true) return 'exists';
      if (operand === false) return 'absent';
      return fail('exists match pattern must be either true or false.');
    default:
      return fail(`Unrecognized match type ${kind}`);
  }
};

/** Compiles the array of a leaf: `"field": [ "a", 1, null, { "prefix": "x" } ]`. */
const compileCondition = (values: readonly unknown[]): Condition => {
  if (values.length === 0) fail('Empty arrays are not allowed');
  const matchers: ValueMatcher[] = [];
  let anyValue = false;
  let absent = false;
  for (const value of values) {
    const number = jsonNumber(value);
    if (typeof value === 'string') {
      matchers.push((leaf) => isString(leaf) && leaf.value === value);
    } else if (number !== undefined) {
      // "For numbers, EventBridge uses string representation": 300 does not match 300.0.
      matchers.push((leaf) => leaf.kind === 'number' && leaf.source === number.source);
    } else if (value === null) {
      matchers.push((leaf) => leaf.kind === 'null');
    } else if (typeof value === 'boolean') {
      matchers.push((leaf) => leaf.kind === 'boolean' && leaf.value === value);
    } else if (isJsonObject(value)) {
      const matcher = compileMatchExpression(value);
      if (matcher === 'exists') anyValue = true;
      else if (matcher === 'absent') absent = true;
      else matchers.push(matcher);
    } else {
      fail('Match value must be String, number, true, false, or null');
    }
  }
  return { matchers, anyValue, absent };
};

// ---------------------------------------------------------------------------------------------------------
// Compiling the pattern's structure

const joinPath = (prefix: string, key: string): string => (prefix === '' ? key : `${prefix}.${key}`);

const compileObject = (
  pattern: Record<string, unknown>,
  prefix: string,
  branches: Branch[],
  insideOr: boolean,
): Branch[] => {
  const keys = Object.keys(pattern);
  if (keys.length === 0) fail('Empty objects are not allowed');
  let current = branches;
  for (const key of keys) {
    const value = pattern[key];
    if (key === OR) {
      current = compileOr(value, prefix, current);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      fail(`${key} is Ruler reserved fieldName which cannot be used inside ${OR}.`);
    }
    if (Array.isArray(value)) {
      const condition = compileCondition(value);
      const path = joinPath(prefix, key);
      // "If multiple patterns are specified for the same JSON field, EventBridge only uses the last one."
      for (const branch of current) branch.set(path, condition);
    } else if (isJsonObject(value)) {
      current = compileObject(value, joinPath(prefix, key), current, insideOr);
    } else {
      fail(`"${key}" must be an object or an array`);
    }
  }
  return current;
};

const compileOr = (value: unknown, prefix: string, branches: Branch[]): Branch[] => {
  if (!Array.isArray(value)) return fail(`It must be an Array followed with ${OR}.`);
  if (value.length < 2) fail(`There must have at least 2 Objects in ${OR} relationship.`);
  const result: Branch[] = [];
  for (const alternative of value as unknown[]) {
    if (!isJsonObject(alternative)) fail(`Only JSON object is allowed in array of ${OR} relationship.`);
    const copies = branches.map((branch) => new Map(branch));
    result.push(...compileObject(alternative as Record<string, unknown>, prefix, copies, true));
  }
  return result;
};

const readPattern = (pattern: unknown): unknown => {
  if (typeof pattern !== 'string') return pattern;
  try {
    return parseJsonPreservingNumbers(pattern);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
};

// ---------------------------------------------------------------------------------------------------------
// Events: flattened into leaf values by path, each with the array elements it sits in.

interface Field {
  readonly leaf: Leaf;
  /** [array id, element index] for every array the value sits in. */
  readonly membership: readonly (readonly [number, number])[];
}

const flatten = (event: unknown): Map<string, Field[]> => {
  const fields = new Map<string, Field[]>();
  let arrays = 0;
  const add = (path: string, leaf: Leaf, membership: readonly (readonly [number, number])[]) => {
    let list = fields.get(path);
    if (!list) {
      list = [];
      fields.set(path, list);
    }
    list.push({ leaf, membership });
  };
  const visit = (value: unknown, path: string, membership: readonly (readonly [number, number])[]): void => {
    const number = jsonNumber(value);
    if (number !== undefined)
      add(path, { kind: 'number', value: number.value, source: number.source }, membership);
    else if (typeof value === 'string') add(path, { kind: 'string', value }, membership);
    else if (typeof value === 'boolean') add(path, { kind: 'boolean', value }, membership);
    else if (value === null) add(path, { kind: 'null' }, membership);
    else if (Array.isArray(value)) {
      arrays += 1;
      const id = arrays;
      value.forEach((element, index) => {
        visit(element, path, [...membership, [id, index]]);
      });
    } else if (isJsonObject(value)) {
      for (const [key, child] of Object.entries(value)) visit(child, joinPath(path, key), membership);
    }
  };
  visit(event, '', []);
  return fields;
};

/** Flattened events, kept while the event object lives, so several rules matching one event flatten it once. */
const flattened = new WeakMap<object, Map<string, Field[]>>();

const fieldsOf = (event: unknown): Map<string, Field[]> => {
  if (typeof event === 'string') return flatten(parseJsonPreservingNumbers(event));
  if (typeof event !== 'object' || event === null) return flatten(event);
  let fields = flattened.get(event);
  if (!fields) {
    fields = flatten(event);
    flattened.set(event, fields);
  }
  return fields;
};

type Membership = ReadonlyMap<number, number>;

const merge = (membership: Membership, field: Field): Membership | undefined => {
  if (field.membership.length === 0) return membership;
  let merged: Map<number, number> | undefined;
  for (const [array, index] of field.membership) {
    const chosen = membership.get(array);
    if (chosen === undefined) {
      merged ??= new Map(membership);
      merged.set(array, index);
    } else if (chosen !== index) {
      return undefined;
    }
  }
  return merged ?? membership;
};

const branchMatches = (branch: Branch, fields: ReadonlyMap<string, readonly Field[]>): boolean => {
  const conditions = [...branch];
  const search = (position: number, membership: Membership, absentPaths: readonly string[]): boolean => {
    const next = conditions[position];
    if (!next) {
      // `exists: false` holds when no value at the path sits in the array elements chosen for the others.
      return absentPaths.every(
        (path) => !(fields.get(path) ?? []).some((field) => merge(membership, field) !== undefined),
      );
    }
    const [path, condition] = next;
    for (const field of fields.get(path) ?? []) {
      if (!condition.anyValue && !condition.matchers.some((matcher) => matcher(field.leaf))) continue;
      const merged = merge(membership, field);
      if (merged && search(position + 1, merged, absentPaths)) return true;
    }
    return condition.absent && search(position + 1, membership, [...absentPaths, path]);
  };
  return search(0, new Map(), []);
};

// ---------------------------------------------------------------------------------------------------------
// Public API

/** A validated, compiled event pattern. */
export interface CompiledEventPattern {
  /**
   * `event`: a JSON value, or its JSON text (numbers then keep their exact representation). An event object is
   * flattened once and remembered while it lives, so it must not be changed after it has been matched.
   */
  matches(event: unknown): boolean;
}

/** Validates and compiles a pattern (a JSON object or its text). Throws {@link InvalidEventPatternError}. */
export const compileEventPattern = (pattern: unknown): CompiledEventPattern => {
  const parsed = readPattern(pattern);
  if (!isJsonObject(parsed)) return fail('Filter is not an object');
  const branches = compileObject(parsed, '', [new Map()], false);
  return {
    matches(event: unknown): boolean {
      const fields = fieldsOf(event);
      return branches.some((branch) => branchMatches(branch, fields));
    },
  };
};

/**
 * Throws an {@link InvalidEventPatternError} whose message says what is invalid, as EventBridge's
 * InvalidEventPatternException does; returns quietly for a valid pattern.
 */
export const validateEventPattern = (pattern: unknown): void => {
  compileEventPattern(pattern);
};

/** Whether `event` matches `pattern` (each a JSON value or its text). Throws for an invalid pattern. */
export const matchesEventPattern = (pattern: unknown, event: unknown): boolean =>
  compileEventPattern(pattern).matches(event);
