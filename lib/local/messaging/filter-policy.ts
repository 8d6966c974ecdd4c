/**
 * SNS subscription filter policies, evaluated as the SNS developer guide specifies ("Amazon SNS subscription
 * filter policies", "Filter policy constraints", "AND/OR logic", "Key matching", "Attribute string value
 * matching", "Attribute numeric value matching", "Subscription filter policy scope").
 *
 * The message is seen as JSON values, one set of values per property:
 * - FilterPolicyScope MessageAttributes (default): `String` (and `String.<custom>`) attributes are strings,
 *   `Number` (and `Number.<custom>`) attributes are numbers, `String.Array` attributes are their JSON elements
 *   (a policy value matches when it matches ANY element), `Binary` attributes are ignored. Policies are flat.
 * - FilterPolicyScope MessageBody: the body must be a JSON object; nested policy objects follow nested
 *   properties, and an array contributes each of its elements (arrays of objects included) to the property.
 *   A body that is not a JSON object matches no policy.
 *
 * A policy matches when every property name in it matches; a property matches when one of its conditions
 * matches one of the property's values. String conditions (exact, prefix, suffix, equals-ignore-case, wildcard,
 * cidr) match strings only and numeric conditions (numbers, `numeric`) match numbers only, so `"100"` does not
 * match the Number attribute 100 (compare numbers with a number or `numeric`). `exists` looks at whether the
 * property has any value; `anything-but` needs the property to be present. `$or` is recognised where the guide
 * says (an array of at least two objects, none with a reserved keyword as a field name), at any level, so it
 * also works inside nested MessageBody policies and inside another `$or`.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';

export interface FilterableMessage {
  readonly messageAttributes: Readonly<
    Record<string, { readonly DataType: string; readonly StringValue?: string | undefined }>
  >;
  readonly body: string;
}

/** A filter policy that is not valid JSON or breaks the syntax rules; SNS rejects it with InvalidParameter. */
export class FilterPolicyError extends Error {
  override readonly name = 'FilterPolicyError';
}

type Value = string | number | boolean | null;

type Condition = (value: Value) => boolean;

interface KeyTest {
  readonly kind: 'key';
  readonly path: string;
  /** `exists: true|false` conditions. */
  readonly exists: readonly boolean[];
  readonly conditions: readonly Condition[];
}

interface OrTest {
  readonly kind: 'or';
  readonly alternatives: readonly Test[][];
}

type Test = KeyTest | OrTest;

/** A parsed policy: every test must pass. */
export interface CompiledFilterPolicy {
  readonly tests: readonly Test[];
  /** True when the policy nests properties (allowed only with FilterPolicyScope MessageBody). */
  readonly nested: boolean;
}

const RESERVED = new Set([
  'prefix',
  'suffix',
  'anything-but',
  'numeric',
  'exists',
  'equals-ignore-case',
  'wildcard',
  'cidr',
]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Five digits of accuracy after the decimal point, as the constraints page says. */
const numericKey = (value: number): number => Math.round(value * 100_000);

const wildcardRegex = (pattern: string): RegExp => {
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index] as string;
    if (char === '\\' && index + 1 < pattern.length) {
      index += 1;
      source += (pattern[index] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (char === '*') {
      source += '.*';
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
};

const cidrCondition = (cidr: unknown): Condition => {
  if (typeof cidr !== 'string') throw new FilterPolicyError('cidr must be a string such as "10.0.0.0/24"');
  const [address, bits] = cidr.split('/');
  const prefix = Number(bits);
  const type = address && isIPv4(address) ? 'ipv4' : address && isIPv6(address) ? 'ipv6' : undefined;
  if (!address || !type || !Number.isInteger(prefix) || prefix < 0 || prefix > (type === 'ipv4' ? 32 : 128)) {
    throw new FilterPolicyError(`invalid cidr "${cidr}"`);
  }
  const block = new BlockList();
  block.addSubnet(address, prefix, type);
  return (value) =>
    typeof value === 'string' &&
    ((isIPv4(value) && block.check(value, 'ipv4')) || (isIPv6(value) && block.check(value, 'ipv6')));
};

const stringOperand = (operator: string, operand: unknown): string => {
  if (typeof operand !== 'string') throw new FilterPolicyError(`${operator} must be a string`);
  return operand;
};

/** `prefix` / `suffix`, optionally `{ "equals-ignore-case": "..." }` inside. */
const affixCondition = (operator: 'prefix' | 'suffix', operand: unknown): Condition => {
  const ignoreCase = isObject(operand) && 'equals-ignore-case' in operand;
  const text = stringOperand(operator, ignoreCase ? operand['equals-ignore-case'] : operand);
  const wanted = ignoreCase ? text.toLowerCase() : text;
  return (value) => {
    if (typeof value !== 'string') return false;
    const actual = ignoreCase ? value.toLowerCase() : value;
    return operator === 'prefix' ? actual.startsWith(wanted) : actual.endsWith(wanted);
  };
};

const numericCondition = (operand: unknown): Condition => {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0 || operand.length > 4) {
    throw new FilterPolicyError('numeric must be [operator, number] or a range of two of them');
  }
  const checks: ((value: number) => boolean)[] = [];
  for (let index = 0; index < operand.length; index += 2) {
    const operator = operand[index];
    const bound = operand[index + 1];
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new FilterPolicyError('numeric bounds must be numbers');
    }
    const key = numericKey(bound);
    switch (operator) {
      case '=':
        checks.push((value) => numericKey(value) === key);
        break;
      case '<':
        checks.push((value) => numericKey(value) < key);
        break;
      case '<=':
        checks.push((value) => numericKey(value) <= key);
        break;
      case '>':
        checks.push((value) => numericKey(value) > key);
        break;
      case '>=':
        checks.push((value) => numericKey(value) >= key);
        break;
      default:
        throw new FilterPolicyError(`unrecognized numeric operator ${JSON.stringify(operator)}`);
    }
  }
  return (value) => typeof value === 'number' && checks.every((check) => check(value));
};

const equalsLiteral = (literal: Value): Condition => {
  if (typeof literal === 'number') {
    const key = numericKey(literal);
    return (value) => typeof value === 'number' && numericKey(value) === key;
  }
  return (value) => value === literal;
};

const anythingButCondition = (operand: unknown): Condition => {
  if (typeof operand === 'string' || typeof operand === 'number') {
    const equals = equalsLiteral(operand);
    return (value) => !equals(value);
  }
  if (Array.isArray(operand)) {
    if (operand.length === 0) throw new FilterPolicyError('anything-but list must not be empty');
    const excluded = operand.map((item) => {
      if (typeof item !== 'string' && typeof item !== 'number') {
        throw new FilterPolicyError('anything-but list may hold only strings or numbers');
      }
      return equalsLiteral(item);
    });
    return (value) => !excluded.some((equals) => equals(value));
  }
  if (isObject(operand)) {
    const [operator, ...more] = Object.keys(operand);
    if (!operator || more.length > 0) throw new FilterPolicyError('anything-but takes one operator');
    const inner = operand[operator];
    let matches: Condition;
    if (operator === 'prefix' || operator === 'suffix') {
      matches = affixCondition(operator, inner);
    } else if (operator === 'wildcard') {
      const regex = wildcardRegex(stringOperand(operator, inner));
      matches = (value) => typeof value === 'string' && regex.test(value);
    } else if (operator === 'equals-ignore-case') {
      const list = (Array.isArray(inner) ? inner : [inner]).map((item) =>
        stringOperand(operator, item).toLowerCase(),
      );
      matches = (value) => typeof value === 'string' && list.includes(value.toLowerCase());
    } else {
      throw new FilterPolicyError(`unsupported anything-but operator ${operator}`);
    }
    // Like the other string operators, anything-but with an operator applies to strings.
    return (value) => typeof value === 'string' && !matches(value);
  }
  throw new FilterPolicyError('anything-but must be a string, a number, a list or an operator object');
};

const compileCondition = (condition: unknown, exists: boolean[]): Condition | undefined => {
  if (
    condition === null ||
    typeof condition === 'string' ||
    typeof condition === 'number' ||
    typeof condition === 'boolean'
  ) {
    return equalsLiteral(condition);
  }
  if (!isObject(condition)) throw new FilterPolicyError('a condition must be a value or an operator object');
  const keys = Object.keys(condition);
  const [operator] = keys;
  if (!operator || keys.length !== 1)
    throw new FilterPolicyError('an operator object takes exactly one operator');
  const operand = condition[operator];
  switch (operator) {
    case 'exists':
      if (typeof operand !== 'boolean') throw new FilterPolicyError('exists must be true or false');
      exists.push(operand);
      return undefined;
    case 'prefix':
    case 'suffix':
      return affixCondition(operator, operand);
    case 'equals-ignore-case': {
      const wanted = stringOperand(operator, operand).toLowerCase();
      return (value) => typeof value === 'string' && value.toLowerCase() === wanted;
    }
    case 'wildcard': {
      const regex = wildcardRegex(stringOperand(operator, operand));
      return (value) => typeof value === 'string' && regex.test(value);
    }
    case 'cidr':
      return cidrCondition(operand);
    case 'numeric':
      return numericCondition(operand);
    case 'anything-but':
      return anythingButCondition(operand);
    default:
      throw new FilterPolicyError(`unrecognized operator ${operator}`);
  }
};

/** `"$or"` is the OR operator only in the shape the guide gives; otherwise it is a property name. */
const isOrOperator = (value: unknown): value is Record<string, unknown>[] =>
  Array.isArray(value) &&
  value.length >= 2 &&
  value.every((item) => isObject(item) && Object.keys(item).every((key) => !RESERVED.has(key)));

const compileObject = (
  policy: Record<string, unknown>,
  prefix: string,
  state: { nested: boolean },
): Test[] => {
  const tests: Test[] = [];
  for (const [key, value] of Object.entries(policy)) {
    if (key === '$or' && isOrOperator(value)) {
      tests.push({ kind: 'or', alternatives: value.map((branch) => compileObject(branch, prefix, state)) });
      continue;
    }
    const path = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) {
      if (value.length === 0) throw new FilterPolicyError(`"${path}": empty arrays are not allowed`);
      const exists: boolean[] = [];
      const conditions = value
        .map((condition) => compileCondition(condition, exists))
        .filter((condition): condition is Condition => condition !== undefined);
      tests.push({ kind: 'key', path, exists, conditions });
    } else if (isObject(value)) {
      state.nested = true;
      tests.push(...compileObject(value, path, state));
    } else {
      throw new FilterPolicyError(`"${path}" must be an object or an array`);
    }
  }
  return tests;
};

/** Parses a FilterPolicy (a JSON string, or the object a template gives). Throws {@link FilterPolicyError}. */
export const compileFilterPolicy = (policy: unknown): CompiledFilterPolicy => {
  let parsed: unknown = policy;
  if (typeof policy === 'string') {
    try {
      parsed = JSON.parse(policy);
    } catch {
      throw new FilterPolicyError('the filter policy is not valid JSON');
    }
  }
  if (!isObject(parsed)) throw new FilterPolicyError('the filter policy must be a JSON object');
  const state = { nested: false };
  const tests = compileObject(parsed, '', state);
  return { tests, nested: state.nested };
};

/** Checks the policy against the scope, as Subscribe and SetSubscriptionAttributes do. */
export const validateFilterPolicy = (policy: unknown, scope: string | undefined): CompiledFilterPolicy => {
  if (scope !== undefined && scope !== 'MessageAttributes' && scope !== 'MessageBody') {
    throw new FilterPolicyError(`FilterPolicyScope must be MessageAttributes or MessageBody, not ${scope}`);
  }
  const compiled = compileFilterPolicy(policy);
  if (compiled.nested && scope !== 'MessageBody') {
    throw new FilterPolicyError(
      'Filter policy scope MessageAttributes does not support nested filter policy',
    );
  }
  return compiled;
};

type Values = Map<string, Value[]>;

const add = (values: Values, path: string, value: Value): void => {
  const list = values.get(path);
  if (list) list.push(value);
  else values.set(path, [value]);
};

const isLeaf = (value: unknown): value is Value =>
  value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** Every leaf value of a JSON body under its dotted path; arrays contribute each element. */
const collectBody = (node: unknown, path: string, values: Values): void => {
  if (isLeaf(node)) {
    if (path) add(values, path, node);
  } else if (Array.isArray(node)) {
    for (const item of node) collectBody(item, path, values);
  } else if (isObject(node)) {
    for (const [key, child] of Object.entries(node))
      collectBody(child, path ? `${path}.${key}` : key, values);
  }
};

const attributeValues = (attributes: FilterableMessage['messageAttributes']): Values => {
  const values: Values = new Map();
  for (const [name, attribute] of Object.entries(attributes)) {
    const { DataType: type, StringValue: text } = attribute;
    if (text === undefined || type.startsWith('Binary')) continue;
    if (type === 'String.Array') {
      let elements: unknown;
      try {
        elements = JSON.parse(text);
      } catch {
        continue;
      }
      if (!Array.isArray(elements)) continue;
      values.set(name, []);
      for (const element of elements) if (isLeaf(element)) add(values, name, element);
    } else if (type === 'Number' || type.startsWith('Number.')) {
      const number = Number(text);
      add(values, name, Number.isFinite(number) && text.trim() !== '' ? number : text);
    } else {
      add(values, name, text);
    }
  }
  return values;
};

const passes = (tests: readonly Test[], values: Values): boolean =>
  tests.every((test) => {
    if (test.kind === 'or') return test.alternatives.some((alternative) => passes(alternative, values));
    const present = values.get(test.path) ?? [];
    if (test.exists.some((wanted) => wanted === present.length > 0)) return true;
    return test.conditions.some((condition) => present.some((value) => condition(value)));
  });

/** Whether a message passes a subscription's filter policy. */
export const matchesFilterPolicy = (
  policy: CompiledFilterPolicy,
  scope: FilterPolicyScope,
  message: FilterableMessage,
): boolean => {
  if (policy.tests.length === 0) return true;
  if (scope === 'MessageBody') {
    let body: unknown;
    try {
      body = JSON.parse(message.body);
    } catch {
      return false;
    }
    if (!isObject(body)) return false;
    const values: Values = new Map();
    collectBody(body, '', values);
    return passes(policy.tests, values);
  }
  return passes(policy.tests, attributeValues(message.messageAttributes));
};
