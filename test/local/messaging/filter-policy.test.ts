import { describe, expect, it } from 'vitest';
import {
  compileFilterPolicy,
  type FilterableMessage,
  FilterPolicyError,
  matchesFilterPolicy,
  validateFilterPolicy,
} from '#lib/local/messaging/filter-policy';

type Attribute = { DataType: string; StringValue: string };
const s = (value: string): Attribute => ({ DataType: 'String', StringValue: value });
const n = (value: number | string): Attribute => ({ DataType: 'Number', StringValue: String(value) });
const a = (values: unknown[]): Attribute => ({
  DataType: 'String.Array',
  StringValue: JSON.stringify(values),
});

const attributes = (policy: unknown, messageAttributes: Record<string, Attribute>): boolean =>
  matchesFilterPolicy(compileFilterPolicy(policy), 'MessageAttributes', { messageAttributes, body: '' });
const body = (policy: unknown, message: unknown): boolean =>
  matchesFilterPolicy(compileFilterPolicy(policy), 'MessageBody', {
    messageAttributes: {},
    body: typeof message === 'string' ? message : JSON.stringify(message),
  } satisfies FilterableMessage);

/** Each case names the SNS developer guide page (and rule) it checks. */
const cases: [rule: string, matches: () => boolean, expected: boolean][] = [
  [
    'String value matching / exact: a listed value matches',
    () => attributes({ c: ['rugby', 'tennis'] }, { c: s('tennis') }),
    true,
  ],
  [
    'String value matching / exact: an unlisted value does not',
    () => attributes({ c: ['rugby', 'tennis'] }, { c: s('baseball') }),
    false,
  ],
  [
    'Filter policy constraints: string matching is case-sensitive',
    () => attributes({ c: ['Rugby'] }, { c: s('rugby') }),
    false,
  ],
  [
    'Subscription filter policies: a policy property missing from the message fails',
    () => attributes({ c: ['x'], d: ['y'] }, { c: s('x') }),
    false,
  ],
  [
    'Subscription filter policies: message properties absent from the policy are ignored',
    () => attributes({ c: ['x'] }, { c: s('x'), z: s('q') }),
    true,
  ],
  [
    'String value matching / prefix',
    () => attributes({ c: [{ prefix: 'bas' }] }, { c: s('basketball') }),
    true,
  ],
  ['String value matching / suffix', () => attributes({ c: [{ suffix: 'ball' }] }, { c: s('rugby') }), false],
  [
    'String value matching / equals-ignore-case',
    () => attributes({ c: [{ 'equals-ignore-case': 'RUGBY' }] }, { c: s('Rugby') }),
    true,
  ],
  [
    'String value matching / anything-but list',
    () => attributes({ c: [{ 'anything-but': ['rugby', 'tennis'] }] }, { c: s('football') }),
    true,
  ],
  [
    'String value matching / anything-but excludes the listed value',
    () => attributes({ c: [{ 'anything-but': ['rugby', 'tennis'] }] }, { c: s('rugby') }),
    false,
  ],
  [
    'String value matching / anything-but matches a String.Array holding another value',
    () => attributes({ c: [{ 'anything-but': ['rugby', 'tennis'] }] }, { c: a(['rugby', 'baseball']) }),
    true,
  ],
  [
    'String value matching / anything-but prefix',
    () => attributes({ e: [{ 'anything-but': { prefix: 'order-' } }] }, { e: s('order-cancelled') }),
    false,
  ],
  [
    'String value matching / anything-but suffix',
    () => attributes({ e: [{ 'anything-but': { suffix: '-test' } }] }, { e: s('order-placed') }),
    true,
  ],
  [
    'String value matching / anything-but needs the property to be present',
    () => attributes({ e: [{ 'anything-but': ['x'] }] }, { other: s('y') }),
    false,
  ],
  [
    'String value matching / wildcard',
    () => attributes({ f: [{ wildcard: 'img/*.png' }] }, { f: s('img/cat.png') }),
    true,
  ],
  [
    'String value matching / IP address matching with cidr',
    () => attributes({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: s('10.0.0.255') }),
    true,
  ],
  [
    'String value matching / cidr outside the subnet',
    () => attributes({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: s('10.1.1.0') }),
    false,
  ],
  [
    'String value matching / cidr with IPv6',
    () => attributes({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: s('2001:db8::1') }),
    true,
  ],
  [
    'Numeric value matching / exact with numeric =: 3.015e2 equals 301.5',
    () => attributes({ p: [{ numeric: ['=', 301.5] }] }, { p: n('3.015e2') }),
    true,
  ],
  [
    'Numeric value matching / range',
    () => attributes({ p: [{ numeric: ['>', 0, '<=', 150] }] }, { p: n(150) }),
    true,
  ],
  [
    'Numeric value matching / range excludes the open bound',
    () => attributes({ p: [{ numeric: ['>', 0, '<=', 150] }] }, { p: n(0) }),
    false,
  ],
  [
    'Numeric value matching / anything-but numbers',
    () => attributes({ p: [{ 'anything-but': [100, 500] }] }, { p: n(100.1) }),
    true,
  ],
  [
    'Numeric value matching / anything-but excludes an equal number',
    () => attributes({ p: [{ 'anything-but': [100, 500] }] }, { p: n(100) }),
    false,
  ],
  [
    'Filter policy constraints: only Number attributes are numbers (a String "150" is not)',
    () => attributes({ p: [{ numeric: ['>', 100] }] }, { p: s('150') }),
    false,
  ],
  [
    'Filter policy constraints: five digits of accuracy after the decimal point',
    () => attributes({ p: [{ numeric: ['=', 1.000001] }] }, { p: n(1) }),
    true,
  ],
  [
    'Filter policy constraints: Binary attributes are ignored',
    () => attributes({ b: [{ exists: true }] }, { b: { DataType: 'Binary', StringValue: 'AQI=' } }),
    false,
  ],
  [
    'String.Array: a policy value matches any element',
    () => attributes({ t: ['red'] }, { t: a(['blue', 'red']) }),
    true,
  ],
  [
    'String.Array: numeric elements match numeric conditions',
    () => attributes({ t: [{ numeric: ['>', 5] }] }, { t: a([1, 9]) }),
    true,
  ],
  ['Key matching / exists true', () => attributes({ store: [{ exists: true }] }, { store: s('fans') }), true],
  [
    'Key matching / exists false matches a message without the key',
    () => attributes({ store: [{ exists: false }] }, { interests: a(['baseball']) }),
    true,
  ],
  [
    'Key matching / exists false does not match a message with the key',
    () => attributes({ store: [{ exists: false }] }, { store: s('fans') }),
    false,
  ],
  [
    'AND/OR logic / AND across properties',
    () => attributes({ c: ['rugby'], p: [{ numeric: ['>', 100] }] }, { c: s('rugby'), p: n(50) }),
    false,
  ],
  [
    'AND/OR logic / $or: source && (metricName || namespace)',
    () =>
      attributes(
        { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] },
        { source: s('aws.cloudwatch'), namespace: s('AWS/EC2') },
      ),
    true,
  ],
  [
    'AND/OR logic / $or inside $or',
    () =>
      attributes(
        {
          source: ['aws.cloudwatch'],
          $or: [
            { metricName: ['CPUUtilization', 'ReadLatency'] },
            { metricType: ['MetricType'], $or: [{ metricId: [1234, 4321] }, { spaceId: [1000] }] },
          ],
        },
        { source: s('aws.cloudwatch'), metricType: s('MetricType'), spaceId: n(1000) },
      ),
    true,
  ],
  [
    'AND/OR logic / $or whose objects use reserved keywords is a plain property name',
    () => attributes({ $or: [{ prefix: 'abc' }, { suffix: 'xyz' }] }, { x: s('abc') }),
    false,
  ],
  [
    'AND/OR logic / ... and then matches a property called $or',
    () => attributes({ $or: [{ prefix: 'abc' }, { suffix: 'xyz' }] }, { $or: s('abc-xyz') }),
    true,
  ],
  [
    'Scope MessageBody / nested properties',
    () => body({ detail: { status: ['PAID'] } }, { detail: { status: 'PAID' } }),
    true,
  ],
  [
    'Scope MessageBody / arrays: any element matches',
    () => body({ tags: ['red'] }, { tags: ['blue', 'red'] }),
    true,
  ],
  [
    'Scope MessageBody / arrays of objects',
    () => body({ items: { sku: [{ prefix: 'A-' }] } }, { items: [{ sku: 'B-1' }, { sku: 'A-9' }] }),
    true,
  ],
  [
    'Scope MessageBody / nested $or',
    () =>
      body(
        { detail: { $or: [{ status: ['PAID'] }, { amount: [{ numeric: ['>', 100] }] }] } },
        { detail: { status: 'NEW', amount: 101 } },
      ),
    true,
  ],
  [
    'Scope MessageBody / a dotted key matches a nested property',
    () => body({ 'detail.status': ['PAID'] }, { detail: { status: 'PAID' } }),
    true,
  ],
  [
    'Scope MessageBody / null and booleans',
    () => body({ a: [null], b: [false] }, { a: null, b: false }),
    true,
  ],
  [
    'Scope MessageBody / a body that is not a JSON object matches nothing',
    () => body({ a: [{ exists: false }] }, 'plain text'),
    false,
  ],
  [
    'Scope MessageBody / message attributes do not count',
    () =>
      matchesFilterPolicy(compileFilterPolicy({ a: ['x'] }), 'MessageBody', {
        messageAttributes: { a: s('x') },
        body: '{}',
      }),
    false,
  ],
];

describe('SNS filter policies', () => {
  it.each(cases)('%s', (_rule, matches, expected) => {
    expect(matches()).toBe(expected);
  });

  it('refuses invalid policies as Subscribe does', () => {
    expect(() => compileFilterPolicy('{not json')).toThrow(FilterPolicyError);
    expect(() => compileFilterPolicy({ a: 'x' })).toThrow(/must be an object or an array/);
    expect(() => compileFilterPolicy({ a: [] })).toThrow(/empty arrays/);
    expect(() => compileFilterPolicy({ a: [{ numeric: ['~', 1] }] })).toThrow(/numeric operator/);
    expect(() => compileFilterPolicy({ a: [{ cidr: '10.0.0.0/99' }] })).toThrow(/cidr/);
    expect(() => validateFilterPolicy({ a: { b: ['c'] } }, 'MessageAttributes')).toThrow(/nested/);
    expect(() => validateFilterPolicy({ a: { b: ['c'] } }, 'MessageBody')).not.toThrow();
  });
});
