/**
 * The event-pattern matcher, case by case against the EventBridge User Guide. Each case names the rule it
 * checks and where it is written: "Event pattern syntax" (eb-create-pattern), "Comparison operators"
 * (eb-create-pattern-operators, with its sections Prefix / Suffix / Equals-ignore-case / Anything-but /
 * Numeric / IP address / Exists / Wildcard / $or matching), "Arrays in event patterns"
 * (eb-event-patterns-arrays) and "Null values and empty strings" (eb-event-patterns-null-values). Where the
 * guide is silent, the case cites aws/event-ruler, the library behind EventBridge, and says so.
 */
import { describe, expect, it } from 'vitest';
import {
  compileEventPattern,
  InvalidEventPatternError,
  matchesEventPattern,
  validateEventPattern,
} from '#lib/local/eventbridge/pattern';

/** The EC2 example event of the user guide, with a few more detail fields. */
const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'running',
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'source-ipv6': '2001:db8:85a3::8a2e:370:7334',
    eventVersion: '',
    responseElements: null,
    enabled: true,
    file: 'dir/photo.PNG',
    path: '/usr/lib/node',
    tags: ['blue', 'green'],
    counts: [100, 250],
    nested: { inner: 'value' },
    employees: [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
      { firstName: 'Peter', lastName: 'Jones' },
    ],
  },
};

interface Case {
  readonly rule: string;
  readonly pattern: unknown;
  readonly event?: unknown;
  readonly matches: boolean;
}

const withDetail = (detail: Record<string, unknown>) => ({ ...event, detail });

const cases: Case[] = [
  // Event pattern syntax
  {
    rule: 'a pattern matches on the fields it names and ignores the others — Event pattern syntax: "EventBridge ignores all the other fields in the event"',
    pattern: {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['running'] },
    },
    matches: true,
  },
  {
    rule: 'a different value does not match — Event pattern syntax: Matching event values',
    pattern: { source: ['aws.s3'] },
    matches: false,
  },
  {
    rule: 'a field the event lacks does not match — Event pattern syntax: "the event must contain all the field names listed in the event pattern"',
    pattern: { detail: { 'no-such-field': ['running'] } },
    matches: false,
  },
  {
    rule: 'a field at another nesting level does not match — Event pattern syntax: "The field names must also appear in the event with the same nesting structure"',
    pattern: { state: ['running'] },
    matches: false,
  },
  {
    rule: 'any value of the pattern array may match — Event pattern syntax: {"source": ["aws.ec2", "aws.fargate"]}',
    pattern: { source: ['aws.fargate', 'aws.ec2'] },
    matches: true,
  },
  {
    rule: 'all fields must match (And) — Comparison operators: And',
    pattern: { source: ['aws.ec2'], 'detail-type': ['Something else'] },
    matches: false,
  },
  {
    rule: 'strings match character by character, without case-folding — Event pattern syntax considerations',
    pattern: { source: ['AWS.EC2'] },
    matches: false,
  },
  {
    rule: 'numbers match on their string representation: 300 does not match 300.0 — Event pattern syntax considerations',
    pattern: '{"detail": {"price": [300]}}',
    event: '{"detail": {"price": 300.0}}',
    matches: false,
  },
  {
    rule: 'a number matches the same number written the same way — Event pattern syntax: values follow JSON rules',
    pattern: { detail: { 'c-count': [5] } },
    matches: true,
  },
  {
    rule: 'true matches the JSON literal true, not the string "true" — Event pattern syntax: "the keywords true, false, and null"',
    pattern: { detail: { enabled: [true] } },
    event: withDetail({ enabled: 'true' }),
    matches: false,
  },
  {
    rule: 'every envelope field can be matched — Event structure reference: version, id, detail-type, source, account, time, region, resources, detail',
    pattern: {
      version: ['0'],
      id: ['6a7e8feb-b491-4cf7-a9f1-bf3703467718'],
      'detail-type': ['EC2 Instance State-change Notification'],
      source: ['aws.ec2'],
      account: ['111122223333'],
      time: ['2017-12-22T18:43:48Z'],
      region: ['us-west-1'],
      resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
      detail: { 'instance-id': ['i-1234567890abcdef0'] },
    },
    matches: true,
  },
  {
    rule: 'one envelope field that differs (region) fails the whole pattern — Comparison operators: And',
    pattern: { account: ['111122223333'], region: ['us-east-1'] },
    matches: false,
  },
  {
    rule: 'keys are joined with a dot, so "state.status" and state: {status} are the same pattern — Event pattern syntax considerations: "uses dot (.) as the joining character"',
    pattern: { detail: { 'nested.inner': ['value'] } },
    matches: true,
  },
  {
    rule: 'when a field is given twice, only the last pattern counts — Event pattern syntax considerations: "EventBridge only uses the last pattern"',
    pattern: '{"source": ["aws.s3"], "source": ["aws.ec2"]}',
    matches: true,
  },
  // Arrays in event patterns
  {
    rule: 'an event array matches when its intersection with the pattern array is not empty — Arrays in event patterns',
    pattern: { detail: { tags: ['red', 'green'] } },
    matches: true,
  },
  {
    rule: 'an event array without any of the pattern values does not match — Arrays in event patterns',
    pattern: { detail: { tags: ['red', 'yellow'] } },
    matches: false,
  },
  {
    rule: 'the resources envelope array matches when one ARN matches — Arrays in event patterns (resources example)',
    pattern: { resources: ['arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f', event.resources[0]] },
    matches: true,
  },
  {
    rule: 'a field of the objects in an event array matches when one element has it — aws/event-ruler README: JSON Array Matching',
    pattern: { detail: { employees: { firstName: ['Anna'] } } },
    matches: true,
  },
  {
    rule: 'conditions on objects in an array must hold in the same element (Anna Jones is two people) — aws/event-ruler README: JSON Array Matching (rulesForJSONEvent)',
    pattern: { detail: { employees: { firstName: ['Anna'], lastName: ['Jones'] } } },
    matches: false,
  },
  // Null values and empty strings
  {
    rule: '"" matches an empty string — Null values and empty strings',
    pattern: { detail: { eventVersion: [''] } },
    matches: true,
  },
  {
    rule: 'null matches a JSON null — Null values and empty strings',
    pattern: { detail: { responseElements: [null] } },
    matches: true,
  },
  {
    rule: '"" does not match null — Null values and empty strings: "Null values and empty strings are not interchangeable"',
    pattern: { detail: { responseElements: [''] } },
    matches: false,
  },
  {
    rule: 'null does not match an empty string — Null values and empty strings',
    pattern: { detail: { eventVersion: [null] } },
    matches: false,
  },
  {
    rule: 'null does not match a missing field — Null values and empty strings / Event pattern syntax (the field must be in the event)',
    pattern: { detail: { missing: [null] } },
    matches: false,
  },
  // Prefix and suffix
  {
    rule: 'prefix matches a string that begins with it — Comparison operators: Prefix matching ("time" starts with "2017-12-22")',
    pattern: { time: [{ prefix: '2017-12-22' }] },
    matches: true,
  },
  {
    rule: 'prefix is case-sensitive and works on strings only (not the number 5) — Comparison operators: Prefix matching',
    pattern: { detail: { state: [{ prefix: 'RUN' }], 'c-count': [{ prefix: '5' }] } },
    matches: false,
  },
  {
    rule: 'prefix with equals-ignore-case ignores case — Comparison operators: Prefix matching while ignoring case',
    pattern: { 'detail-type': [{ prefix: { 'equals-ignore-case': 'ec2 INSTANCE' } }] },
    matches: true,
  },
  {
    rule: 'suffix matches a string that ends with it, case-sensitively — Comparison operators: Suffix matching',
    pattern: { detail: { file: [{ suffix: '.png' }] } },
    matches: false,
  },
  {
    rule: 'suffix with equals-ignore-case ignores case (.png matches .PNG) — Comparison operators: Suffix matching while ignoring case',
    pattern: { detail: { file: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    matches: true,
  },
  {
    rule: 'equals-ignore-case matches the whole value in any case — Comparison operators: Equals-ignore-case matching',
    pattern: { detail: { state: [{ 'equals-ignore-case': 'RUNNING' }] } },
    matches: true,
  },
  {
    rule: 'equals-ignore-case does not match a longer value — Comparison operators: Equals-ignore-case matching',
    pattern: { detail: { state: [{ 'equals-ignore-case': 'RUN' }] } },
    matches: false,
  },
  // Anything-but
  {
    rule: 'anything-but a value matches other values — Comparison operators: Anything-but matching',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    matches: true,
  },
  {
    rule: 'anything-but a value does not match that value — Comparison operators: Anything-but matching',
    pattern: { detail: { state: [{ 'anything-but': 'running' }] } },
    matches: false,
  },
  {
    rule: 'anything-but a list of strings excludes each of them — Comparison operators: Anything-but matching (list of strings)',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } },
    matches: false,
  },
  {
    rule: 'anything-but a list of numbers matches another number — Comparison operators: Anything-but matching (list of numbers)',
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    matches: true,
  },
  {
    rule: 'anything-but a number excludes that number — Comparison operators: Anything-but matching ("x-limit": anything-but 123)',
    pattern: { detail: { 'c-count': [{ 'anything-but': 5 }] } },
    matches: false,
  },
  {
    rule: 'anything-but with a prefix excludes values starting with it — Comparison operators: Anything-but matching (begins with)',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'run' } }] } },
    matches: false,
  },
  {
    rule: 'anything-but with a prefix matches values not starting with it — Comparison operators: Anything-but matching (begins with)',
    pattern: { region: [{ 'anything-but': { prefix: 'us-east-' } }] },
    matches: true,
  },
  {
    rule: 'anything-but with a suffix excludes values ending with it — Comparison operators: Anything-but matching (ends with)',
    pattern: { detail: { file: [{ 'anything-but': { suffix: '.PNG' } }] } },
    matches: false,
  },
  {
    rule: 'anything-but with equals-ignore-case excludes every casing — Comparison operators: Anything-but matching (ignore case)',
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['STOPPED', 'RUNNING'] } }] } },
    matches: false,
  },
  {
    rule: 'anything-but with a wildcard excludes paths that match it — Comparison operators: Anything-but using a wildcard ("*/lib/*")',
    pattern: { detail: { path: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    matches: false,
  },
  {
    rule: 'anything-but with a wildcard matches paths that do not — Comparison operators: Anything-but using a wildcard',
    pattern: { detail: { file: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    matches: true,
  },
  {
    rule: 'anything-but does not match a missing field — Event pattern syntax: the field must be in the event',
    pattern: { detail: { missing: [{ 'anything-but': 'x' }] } },
    matches: false,
  },
  {
    rule: 'anything-but on an event array matches when one element is not excluded — Arrays in event patterns (any value matches)',
    pattern: { detail: { counts: [{ 'anything-but': [100] }] } },
    matches: true,
  },
  // Numeric
  {
    rule: 'numeric range > 0, <= 5 includes 5 — Comparison operators: Numeric matching',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
    matches: true,
  },
  {
    rule: 'numeric range > 0, < 5 excludes 5 — Comparison operators: Numeric matching',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<', 5] }] } },
    matches: false,
  },
  {
    rule: 'numeric >= and < on their own — Comparison operators: Numeric matching ("d-count" < 10)',
    pattern: { detail: { 'd-count': [{ numeric: ['<', 10] }], 'c-count': [{ numeric: ['>=', 5] }] } },
    matches: true,
  },
  {
    rule: 'numeric = compares numbers as numbers (3.018e2 equals 301.8) — Comparison operators: Numeric matching',
    pattern: { detail: { 'x-limit': [{ numeric: ['=', 3.018e2] }] } },
    matches: true,
  },
  {
    rule: 'numeric = 3 matches 3.0 — Comparison operators: Numeric matching (values compared as numbers)',
    pattern: '{"detail": {"n": [{"numeric": ["=", 3]}]}}',
    event: '{"detail": {"n": 3.0}}',
    matches: true,
  },
  {
    rule: 'numeric never matches a string, even "5" — Comparison operators: Numeric matching ("works with values that are JSON numbers")',
    pattern: { detail: { n: [{ numeric: ['=', 5] }] } },
    event: withDetail({ n: '5' }),
    matches: false,
  },
  {
    rule: 'numeric matches when one element of an event array is in range — Arrays in event patterns',
    pattern: { detail: { counts: [{ numeric: ['>', 200] }] } },
    matches: true,
  },
  // IP address
  {
    rule: 'cidr matches an IPv4 address inside the block — Comparison operators: IP address matching',
    pattern: { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } },
    matches: true,
  },
  {
    rule: 'cidr does not match an IPv4 address outside the block — Comparison operators: IP address matching',
    pattern: { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } },
    matches: false,
  },
  {
    rule: 'cidr matches an IPv6 address inside the block — Comparison operators: IP address matching ("IPv4 and IPv6")',
    pattern: { detail: { 'source-ipv6': [{ cidr: '2001:db8::/32' }] } },
    matches: true,
  },
  {
    rule: 'cidr does not match an IPv6 address outside the block, nor a string that is no address — Comparison operators: IP address matching',
    pattern: { detail: { 'source-ipv6': [{ cidr: '2001:db9::/32' }], state: [{ cidr: '10.0.0.0/8' }] } },
    matches: false,
  },
  // Exists
  {
    rule: 'exists: true matches a field that is present — Comparison operators: Exists matching',
    pattern: { detail: { state: [{ exists: true }] } },
    matches: true,
  },
  {
    rule: 'exists: true does not match a missing field — Comparison operators: Exists matching',
    pattern: { detail: { 'no-such-field': [{ exists: true }] } },
    matches: false,
  },
  {
    rule: 'exists: false matches a missing field — Comparison operators: Exists matching',
    pattern: { detail: { 'no-such-field': [{ exists: false }] } },
    matches: true,
  },
  {
    rule: 'exists: false does not match a field that is present — Comparison operators: Exists matching',
    pattern: { detail: { state: [{ exists: false }] } },
    matches: false,
  },
  {
    rule: 'exists: false matches a field whose value is an object, because exists works on leaf nodes only — Comparison operators: Exists matching',
    pattern: { detail: { nested: [{ exists: false }] } },
    matches: true,
  },
  {
    rule: 'exists: true matches a field whose value is null (null is a value) — aws/event-ruler: JSON null is a leaf value; the guide is silent',
    pattern: { detail: { responseElements: [{ exists: true }] } },
    matches: true,
  },
  {
    rule: 'exists: false matches an empty array (it has no value) — aws/event-ruler: an empty array yields no leaf; the guide is silent',
    pattern: { detail: { list: [{ exists: false }] } },
    event: withDetail({ list: [] }),
    matches: true,
  },
  // Wildcard
  {
    rule: 'wildcard * matches any run of characters — Comparison operators: Wildcard matching ("dir/*.png", any file in dir)',
    pattern: { detail: { file: [{ wildcard: 'dir/*.PNG' }] } },
    matches: true,
  },
  {
    rule: 'wildcard is anchored at both ends and case-sensitive — Comparison operators: Wildcard matching',
    pattern: { detail: { file: [{ wildcard: 'dir/*.png' }] } },
    matches: false,
  },
  {
    rule: 'wildcard \\* matches a literal asterisk only — Comparison operators: Wildcard matching (escaping with a backslash)',
    pattern: { detail: { name: [{ wildcard: 'a\\*b' }] } },
    event: withDetail({ name: 'axb' }),
    matches: false,
  },
  {
    rule: 'wildcard \\* matches a literal asterisk — Comparison operators: Wildcard matching (escaping with a backslash)',
    pattern: { detail: { name: [{ wildcard: 'a\\*b*' }] } },
    event: withDetail({ name: 'a*bcd' }),
    matches: true,
  },
  // $or
  {
    rule: '$or at the top level matches when one of its objects matches — Comparison operators: Or ($or)',
    pattern: { $or: [{ source: ['aws.s3'] }, { 'detail-type': ['EC2 Instance State-change Notification'] }] },
    matches: true,
  },
  {
    rule: '$or does not match when none of its objects match — Comparison operators: Or ($or)',
    pattern: { $or: [{ source: ['aws.s3'] }, { region: ['eu-west-1'] }] },
    matches: false,
  },
  {
    rule: '$or nested inside detail is And-ed with its sibling fields — Comparison operators: Or ($or), "Location is New York, or Day is Monday"',
    pattern: {
      source: ['aws.ec2'],
      detail: { $or: [{ 'c-count': [{ numeric: ['>', 10] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] },
    },
    matches: true,
  },
  {
    rule: '$or inside $or, with an And inside a branch — aws/event-ruler README: Nested "Or" and "And"',
    pattern: {
      source: ['aws.ec2'],
      $or: [
        { region: ['eu-west-1'] },
        {
          account: ['111122223333'],
          detail: { $or: [{ state: ['stopped'] }, { 'instance-id': [{ prefix: 'i-123' }] }] },
        },
      ],
    },
    matches: true,
  },
];

describe('matchesEventPattern, case by case against the EventBridge documentation', () => {
  it.each(cases)('$rule', ({ pattern, event: caseEvent, matches }) => {
    expect(matchesEventPattern(pattern, caseEvent ?? event)).toBe(matches);
  });

  it('keeps numbers exact: a 20-digit integer matches itself and not its double rounding — Event pattern syntax: numbers use string representation', () => {
    const compiled = compileEventPattern('{"detail": {"big": [12345678901234567890]}}');
    expect(compiled.matches('{"detail": {"big": 12345678901234567890}}')).toBe(true);
    expect(compiled.matches('{"detail": {"big": 12345678901234567000}}')).toBe(false);
  });

  it('numeric matching is limited to -5.0e9..5.0e9 and six decimal places — Comparison operators: Numeric matching', () => {
    expect(matchesEventPattern({ n: [{ numeric: ['>', 0] }] }, { n: 6e9 })).toBe(false);
    expect(matchesEventPattern({ n: [{ numeric: ['=', 1.0000001] }] }, { n: 1.0000002 })).toBe(true);
  });
});

describe('validateEventPattern, as InvalidEventPatternException explains it', () => {
  const invalid: [string, unknown, RegExp][] = [
    ['a pattern must be a JSON object', '["source"]', /Filter is not an object/],
    ['a pattern must be valid JSON', '{"source": [', /Event pattern is not valid/],
    [
      'a leaf must be an array, not a bare value',
      { source: 'aws.ec2' },
      /"source" must be an object or an array/,
    ],
    ['a leaf array may not be empty', { source: [] }, /Empty arrays are not allowed/],
    ['an object may not be empty', { detail: {} }, /Empty objects are not allowed/],
    [
      'a leaf value may not be an array',
      { source: [['a']] },
      /Match value must be String, number, true, false, or null/,
    ],
    ['an unknown operator is refused', { source: [{ contains: 'ec2' }] }, /Unrecognized match type contains/],
    ['a match expression has one key', { source: [{ prefix: 'a', suffix: 'b' }] }, /Only one key allowed/],
    ['prefix needs a string', { source: [{ prefix: 1 }] }, /prefix match pattern must be a string/],
    [
      'numeric needs a known operator',
      { n: [{ numeric: ['!=', 1] }] },
      /Unrecognized numeric range operator: !=/,
    ],
    ['numeric needs numbers', { n: [{ numeric: ['>', '1'] }] }, /Value of > must be numeric/],
    [
      'numeric ranges go from > or >= to < or <=',
      { n: [{ numeric: ['>', 1, '>', 5] }] },
      /Bad numeric range operator: >/,
    ],
    [
      'numeric ranges need bottom < top',
      { n: [{ numeric: ['>', 5, '<', 1] }] },
      /Bottom must be less than top/,
    ],
    ['numeric values stay within ±5.0e9', { n: [{ numeric: ['<', 6e9] }] }, /between -5.0E9 and 5.0E9/],
    ['= takes exactly one number', { n: [{ numeric: ['=', 1, '<', 2] }] }, /Too many elements/],
    [
      'anything-but lists are all strings or all numbers',
      { s: [{ 'anything-but': ['a', 1] }] },
      /mixed type/,
    ],
    [
      'anything-but takes no null',
      { s: [{ 'anything-but': null }] },
      /must be an array or single string\/number value/,
    ],
    [
      'anything-but prefix may not be empty',
      { s: [{ 'anything-but': { prefix: '' } }] },
      /Null prefix\/suffix not allowed/,
    ],
    [
      'anything-but takes only the documented forms',
      { s: [{ 'anything-but': { numeric: ['>', 1] } }] },
      /Unsupported anything-but pattern: numeric/,
    ],
    [
      'wildcard may not have consecutive *',
      { s: [{ wildcard: 'a**b' }] },
      /Consecutive wildcard characters at pos 1/,
    ],
    ['wildcard escapes only * and \\', { s: [{ wildcard: 'a\\b' }] }, /Invalid escape character at pos 1/],
    [
      'exists takes true or false',
      { s: [{ exists: 'yes' }] },
      /exists match pattern must be either true or false/,
    ],
    ['cidr needs one /', { ip: [{ cidr: '10.0.0.1' }] }, /Malformed CIDR/],
    ['cidr needs a valid mask', { ip: [{ cidr: '10.0.0.0/33' }] }, /Malformed CIDR/],
    ['$or takes an array', { $or: { a: ['b'] } }, /It must be an Array followed with \$or/],
    ['$or needs at least two objects', { $or: [{ a: ['b'] }] }, /at least 2 Objects/],
    ['$or holds objects only', { $or: [{ a: ['b'] }, 'c'] }, /Only JSON object is allowed/],
    [
      'reserved words are not field names inside $or',
      { $or: [{ numeric: [1] }, { prefix: ['a'] }] },
      /reserved fieldName/,
    ],
  ];

  it.each(invalid)('%s', (_rule, pattern, reason) => {
    expect(() => validateEventPattern(pattern)).toThrow(InvalidEventPatternError);
    expect(() => validateEventPattern(pattern)).toThrow(reason);
  });

  it('prefixes every reason as the API does: "Event pattern is not valid. Reason: ..."', () => {
    expect(() => validateEventPattern({ source: [] })).toThrow(
      'Event pattern is not valid. Reason: Empty arrays are not allowed',
    );
  });

  it('accepts every documented operator, as an object or as its JSON text', () => {
    const pattern = {
      source: ['aws.ec2', { prefix: 'aws.' }, { suffix: 'ec2' }, { 'equals-ignore-case': 'AWS.EC2' }],
      detail: {
        a: [{ prefix: { 'equals-ignore-case': 'x' } }, { suffix: { 'equals-ignore-case': 'y' } }],
        b: [{ 'anything-but': 'x' }, { 'anything-but': [1, 2] }, { 'anything-but': { suffix: '.png' } }],
        c: [
          { numeric: ['>=', 0, '<', 10] },
          { cidr: '::1/128' },
          { exists: true },
          { wildcard: '*x*' },
          null,
          true,
          3,
        ],
      },
    };
    expect(() => validateEventPattern(pattern)).not.toThrow();
    expect(() => validateEventPattern(JSON.stringify(pattern))).not.toThrow();
  });
});
