/**
 * Composite alarm rules: `ALARM(name)`, `OK(name)`, `INSUFFICIENT_DATA(name)` (name or ARN, quoted or not),
 * `TRUE`, `FALSE`, combined with AND, OR, NOT and parentheses, as the PutCompositeAlarm documentation
 * describes. AT_LEAST(...) is refused with a clear message.
 */
import { AwsApiError } from '#lib/local/core/aws-protocol';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export type RuleNode =
  | { readonly type: 'constant'; readonly value: boolean }
  | { readonly type: 'state'; readonly state: AlarmStateValue; readonly alarm: string }
  | { readonly type: 'not'; readonly operand: RuleNode }
  | { readonly type: 'and' | 'or'; readonly operands: readonly RuleNode[] };

const invalid = (rule: string, detail: string): AwsApiError =>
  new AwsApiError('InvalidParameterValue', `AlarmRule '${rule}' is invalid: ${detail}`);

const tokenize = (rule: string): string[] => {
  const tokens: string[] = [];
  let index = 0;
  while (index < rule.length) {
    const char = rule[index] ?? '';
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === '(' || char === ')') {
      tokens.push(char);
      index += 1;
    } else if (char === '"' || char === "'") {
      const end = rule.indexOf(char, index + 1);
      if (end < 0) throw invalid(rule, 'unterminated quoted alarm name');
      tokens.push(`"${rule.slice(index + 1, end)}`);
      index = end + 1;
    } else {
      const word = /^[^\s()"']+/.exec(rule.slice(index))?.[0] ?? char;
      tokens.push(word);
      index += word.length;
    }
  }
  return tokens;
};

export const parseAlarmRule = (rule: string): RuleNode => {
  const tokens = tokenize(rule);
  let position = 0;
  const peek = (): string | undefined => tokens[position];
  const take = (expected?: string): string => {
    const token = tokens[position];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw invalid(rule, expected ? `expected '${expected}'` : 'unexpected end of rule');
    }
    position += 1;
    return token;
  };
  const parseOr = (): RuleNode => {
    const operands = [parseAnd()];
    while (peek()?.toUpperCase() === 'OR') {
      take();
      operands.push(parseAnd());
    }
    return operands.length === 1 && operands[0] ? operands[0] : { type: 'or', operands };
  };
  const parseAnd = (): RuleNode => {
    const operands = [parseNot()];
    while (peek()?.toUpperCase() === 'AND') {
      take();
      operands.push(parseNot());
    }
    return operands.length === 1 && operands[0] ? operands[0] : { type: 'and', operands };
  };
  const parseNot = (): RuleNode => {
    if (peek()?.toUpperCase() === 'NOT') {
      take();
      return { type: 'not', operand: parseNot() };
    }
    return parseAtom();
  };
  const parseAtom = (): RuleNode => {
    const token = take();
    if (token === '(') {
      const node = parseOr();
      take(')');
      return node;
    }
    const word = token.toUpperCase();
    if (word === 'TRUE' || word === 'FALSE') return { type: 'constant', value: word === 'TRUE' };
    if (word === 'ALARM' || word === 'OK' || word === 'INSUFFICIENT_DATA') {
      take('(');
      const name = take();
      if (name === ')') throw invalid(rule, `${word}() needs an alarm name or ARN`);
      take(')');
      return { type: 'state', state: word, alarm: name.startsWith('"') ? name.slice(1) : name };
    }
    if (word === 'AT_LEAST') throw invalid(rule, 'AT_LEAST is not supported by the local cloud');
    throw invalid(rule, `unexpected '${token}'`);
  };
  const node = parseOr();
  if (position !== tokens.length) throw invalid(rule, `unexpected '${tokens[position]}'`);
  return node;
};

/** Every alarm (name or ARN, as written) a rule refers to. */
export const ruleAlarms = (node: RuleNode, into = new Set<string>()): Set<string> => {
  if (node.type === 'state') into.add(node.alarm);
  else if (node.type === 'not') ruleAlarms(node.operand, into);
  else if (node.type === 'and' || node.type === 'or')
    for (const operand of node.operands) ruleAlarms(operand, into);
  return into;
};

/** Evaluates a rule; `stateOf` gives an alarm's state by the name or ARN the rule uses. */
export const evaluateRule = (node: RuleNode, stateOf: (alarm: string) => AlarmStateValue): boolean => {
  switch (node.type) {
    case 'constant':
      return node.value;
    case 'state':
      return stateOf(node.alarm) === node.state;
    case 'not':
      return !evaluateRule(node.operand, stateOf);
    case 'and':
      return node.operands.every((operand) => evaluateRule(operand, stateOf));
    case 'or':
      return node.operands.some((operand) => evaluateRule(operand, stateOf));
  }
};
