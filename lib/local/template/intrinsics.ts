/**
 * CloudFormation intrinsic functions, resolved the way CloudFormation does when it creates a stack:
 * Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::ImportValue, Fn::GetStackOutput (CDK's weak
 * cross-stack references), the condition functions, Fn::FindInMap, Fn::Base64, Fn::GetAZs, Fn::Length and
 * Fn::ToJsonString.
 */

/** `Ref: AWS::NoValue`: the property is removed, as if it had not been written. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export interface ResolveScope {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  /** The Ref value of a resource or parameter of this stack. */
  ref(logicalId: string): unknown;
  getAtt(logicalId: string, attribute: string): unknown;
  /** The value of another stack's output exported under `name`. */
  importValue(name: string): unknown;
  stackOutput(stackName: string, outputName: string): unknown;
  condition(name: string): boolean;
  findInMap(map: string, topKey: string, secondKey: string): unknown;
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

const PSEUDO_PARAMETERS = new Set([
  'AWS::Region',
  'AWS::AccountId',
  'AWS::Partition',
  'AWS::URLSuffix',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
]);

const pseudo = (name: string, scope: ResolveScope): unknown => {
  switch (name) {
    case 'AWS::Region':
      return scope.region;
    case 'AWS::AccountId':
      return scope.accountId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return scope.stackName;
    case 'AWS::StackId':
      return `arn:aws:cloudformation:${scope.region}:${scope.accountId}:stack/${scope.stackName}/00000000-0000-0000-0000-000000000000`;
    case 'AWS::NotificationARNs':
      return [];
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      throw new TemplateError(`unknown pseudo parameter ${name}`);
  }
};

const asString = (value: unknown, where: string): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(`${where} needs a string, got ${JSON.stringify(value)}`);
};

const asArray = (value: unknown, where: string): unknown[] => {
  if (Array.isArray(value)) return value;
  throw new TemplateError(`${where} needs a list, got ${JSON.stringify(value)}`);
};

const refOrPseudo = (name: string, scope: ResolveScope): unknown =>
  PSEUDO_PARAMETERS.has(name) ? pseudo(name, scope) : scope.ref(name);

/** `${Name}`, `${Name.Attr}` and `${!Literal}` inside an Fn::Sub string. */
const substitute = (text: string, variables: Record<string, unknown>, scope: ResolveScope): string =>
  text.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => {
    if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
    const name = expression.trim();
    if (name in variables) return asString(variables[name], `Fn::Sub variable ${name}`);
    if (PSEUDO_PARAMETERS.has(name)) return asString(pseudo(name, scope), `Fn::Sub ${name}`);
    const dot = name.indexOf('.');
    if (dot > 0)
      return asString(scope.getAtt(name.slice(0, dot), name.slice(dot + 1)), `Fn::Sub \${${name}}`);
    return asString(scope.ref(name), `Fn::Sub \${${name}}`);
  });

const INTRINSICS: Record<string, (argument: unknown, scope: ResolveScope) => unknown> = {
  Ref: (argument, scope) => refOrPseudo(asString(argument, 'Ref'), scope),
  'Fn::GetAtt': (argument, scope) => {
    const [logicalId, ...attribute] =
      typeof argument === 'string' ? argument.split('.') : asArray(resolve(argument, scope), 'Fn::GetAtt');
    return scope.getAtt(
      asString(logicalId, 'Fn::GetAtt'),
      attribute.map((part) => asString(part, 'Fn::GetAtt')).join('.'),
    );
  },
  'Fn::Join': (argument, scope) => {
    const [separator, values] = asArray(argument, 'Fn::Join');
    const list = asArray(resolve(values, scope), 'Fn::Join');
    return list.map((item) => asString(item, 'Fn::Join')).join(asString(separator, 'Fn::Join separator'));
  },
  'Fn::Sub': (argument, scope) => {
    if (typeof argument === 'string') return substitute(argument, {}, scope);
    const [text, variables] = asArray(argument, 'Fn::Sub');
    const resolvedVariables = resolve(variables ?? {}, scope) as Record<string, unknown>;
    return substitute(asString(text, 'Fn::Sub'), resolvedVariables, scope);
  },
  'Fn::Select': (argument, scope) => {
    const [index, values] = asArray(argument, 'Fn::Select');
    const list = asArray(resolve(values, scope), 'Fn::Select');
    const position = Number(resolve(index, scope));
    if (!Number.isInteger(position) || position < 0 || position >= list.length) {
      throw new TemplateError(`Fn::Select index ${String(index)} is outside a list of ${list.length}`);
    }
    return list[position];
  },
  'Fn::Split': (argument, scope) => {
    const [separator, text] = asArray(argument, 'Fn::Split');
    return asString(resolve(text, scope), 'Fn::Split').split(asString(separator, 'Fn::Split separator'));
  },
  'Fn::ImportValue': (argument, scope) =>
    scope.importValue(asString(resolve(argument, scope), 'Fn::ImportValue')),
  'Fn::GetStackOutput': (argument, scope) => {
    const reference = resolve(argument, scope) as { StackName?: unknown; OutputName?: unknown };
    return scope.stackOutput(
      asString(reference.StackName, 'Fn::GetStackOutput StackName'),
      asString(reference.OutputName, 'Fn::GetStackOutput OutputName'),
    );
  },
  'Fn::If': (argument, scope) => {
    const [condition, whenTrue, whenFalse] = asArray(argument, 'Fn::If');
    return resolve(scope.condition(asString(condition, 'Fn::If')) ? whenTrue : whenFalse, scope);
  },
  'Fn::Equals': (argument, scope) => {
    const [left, right] = asArray(resolve(argument, scope), 'Fn::Equals');
    return JSON.stringify(left) === JSON.stringify(right);
  },
  'Fn::And': (argument, scope) =>
    asArray(resolve(argument, scope), 'Fn::And').every((value) => value === true),
  'Fn::Or': (argument, scope) => asArray(resolve(argument, scope), 'Fn::Or').some((value) => value === true),
  'Fn::Not': (argument, scope) => asArray(resolve(argument, scope), 'Fn::Not')[0] !== true,
  Condition: (argument, scope) => scope.condition(asString(argument, 'Condition')),
  'Fn::FindInMap': (argument, scope) => {
    const [map, top, second] = asArray(resolve(argument, scope), 'Fn::FindInMap');
    return scope.findInMap(
      asString(map, 'Fn::FindInMap'),
      asString(top, 'Fn::FindInMap'),
      asString(second, 'Fn::FindInMap'),
    );
  },
  'Fn::Base64': (argument, scope) =>
    Buffer.from(asString(resolve(argument, scope), 'Fn::Base64'), 'utf8').toString('base64'),
  'Fn::GetAZs': (_argument, scope) => ['a', 'b', 'c'].map((zone) => `${scope.region}${zone}`),
  'Fn::Length': (argument, scope) => asArray(resolve(argument, scope), 'Fn::Length').length,
  'Fn::ToJsonString': (argument, scope) => JSON.stringify(resolve(argument, scope)),
};

const intrinsicOf = (value: Record<string, unknown>): [string, unknown] | undefined => {
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0] as string;
  return key in INTRINSICS ? [key, value[key]] : undefined;
};

/** Resolves every intrinsic in `value`. Properties and list items that resolve to AWS::NoValue are dropped. */
export const resolve = (value: unknown, scope: ResolveScope): unknown => {
  if (Array.isArray(value)) {
    return value.map((item) => resolve(item, scope)).filter((item) => item !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const intrinsic = intrinsicOf(record);
  if (intrinsic) {
    const [name, argument] = intrinsic;
    const run = INTRINSICS[name] as (argument: unknown, scope: ResolveScope) => unknown;
    return run(argument, scope);
  }
  const resolved: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) {
    const result = resolve(item, scope);
    if (result !== NO_VALUE) resolved[key] = result;
  }
  return resolved;
};

/** The logical IDs of this stack that `value` refers to (Ref, Fn::GetAtt, Fn::Sub), for ordering creation. */
export const referencedLogicalIds = (value: unknown): Set<string> => {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    const intrinsic = intrinsicOf(record);
    if (
      intrinsic?.[0] === 'Ref' &&
      typeof intrinsic[1] === 'string' &&
      !PSEUDO_PARAMETERS.has(intrinsic[1])
    ) {
      found.add(intrinsic[1]);
      return;
    }
    if (intrinsic?.[0] === 'Fn::GetAtt') {
      const target =
        typeof intrinsic[1] === 'string' ? intrinsic[1].split('.')[0] : (intrinsic[1] as unknown[])[0];
      if (typeof target === 'string') found.add(target);
      else walk(target);
      return;
    }
    if (intrinsic?.[0] === 'Fn::Sub') {
      const [text, variables] =
        typeof intrinsic[1] === 'string' ? [intrinsic[1], {}] : (intrinsic[1] as unknown[]);
      const names = Object.keys((variables as Record<string, unknown>) ?? {});
      for (const match of String(text).matchAll(/\$\{([^}!][^}]*)\}/g)) {
        const name = (match[1] as string).trim().split('.')[0] as string;
        if (!names.includes(name) && !PSEUDO_PARAMETERS.has(name)) found.add(name);
      }
      walk(variables);
      return;
    }
    for (const item of Object.values(record)) walk(item);
  };
  walk(value);
  return found;
};
