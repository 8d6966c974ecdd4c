/**
 * A small metric math evaluator for alarms and GetMetricData: arithmetic (+ - * / ^, parentheses, unary
 * minus) over metric ids and numbers, arrays `[m1, m2]`, and the functions SUM, AVG, MIN, MAX, ABS and FILL
 * (with a number). Anything else (SEARCH, METRICS(), ANOMALY_DETECTION_BAND, IF, RATE, Metrics Insights ...)
 * is refused with a ValidationError naming it.
 */
import { AwsApiError } from '#lib/local/core/aws-protocol';

/** A time series: period start (epoch ms) -> value. */
export type Series = ReadonlyMap<number, number>;

type Node =
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'id'; readonly id: string }
  | { readonly type: 'unary'; readonly operand: Node }
  | { readonly type: 'binary'; readonly operator: string; readonly left: Node; readonly right: Node }
  | { readonly type: 'array'; readonly items: readonly Node[] }
  | { readonly type: 'call'; readonly name: string; readonly args: readonly Node[] };

type Value =
  | { readonly kind: 'scalar'; readonly value: number }
  | { readonly kind: 'series'; readonly points: Series }
  | { readonly kind: 'array'; readonly items: readonly Series[] };

const SUPPORTED_FUNCTIONS = new Set(['SUM', 'AVG', 'MIN', 'MAX', 'ABS', 'FILL']);

const invalid = (expression: string, detail: string): AwsApiError =>
  new AwsApiError('ValidationError', `Error in expression '${expression}': ${detail}`);

interface Token {
  readonly kind: 'number' | 'name' | 'punct';
  readonly text: string;
}

const tokenize = (expression: string): Token[] => {
  const tokens: Token[] = [];
  let index = 0;
  while (index < expression.length) {
    const char = expression[index] ?? '';
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    const number = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(expression.slice(index));
    if (number) {
      tokens.push({ kind: 'number', text: number[0] });
      index += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expression.slice(index));
    if (name) {
      tokens.push({ kind: 'name', text: name[0] });
      index += name[0].length;
      continue;
    }
    if ('+-*/^(),[]'.includes(char)) {
      tokens.push({ kind: 'punct', text: char });
      index += 1;
      continue;
    }
    if (char === '"' || char === "'" || char === '{' || char === '=') {
      throw invalid(
        expression,
        'the local cloud evaluates arithmetic metric math only (no SEARCH or Metrics Insights)',
      );
    }
    throw invalid(expression, `unexpected character '${char}' at position ${index + 1}`);
  }
  return tokens;
};

/** Parses a metric math expression. */
export const parseExpression = (expression: string): Node => {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const take = (text?: string): Token => {
    const token = tokens[position];
    if (!token || (text !== undefined && token.text !== text)) {
      throw invalid(expression, text ? `expected '${text}'` : 'unexpected end of expression');
    }
    position += 1;
    return token;
  };
  const parseSum = (): Node => {
    let node = parseProduct();
    while (peek()?.text === '+' || peek()?.text === '-') {
      const operator = take().text;
      node = { type: 'binary', operator, left: node, right: parseProduct() };
    }
    return node;
  };
  const parseProduct = (): Node => {
    let node = parsePower();
    while (peek()?.text === '*' || peek()?.text === '/') {
      const operator = take().text;
      node = { type: 'binary', operator, left: node, right: parsePower() };
    }
    return node;
  };
  const parsePower = (): Node => {
    const base = parseUnary();
    if (peek()?.text === '^') {
      take('^');
      return { type: 'binary', operator: '^', left: base, right: parsePower() };
    }
    return base;
  };
  const parseUnary = (): Node => {
    if (peek()?.text === '-') {
      take('-');
      return { type: 'unary', operand: parseUnary() };
    }
    if (peek()?.text === '+') {
      take('+');
      return parseUnary();
    }
    return parsePrimary();
  };
  const parseList = (close: string): Node[] => {
    const items: Node[] = [];
    if (peek()?.text === close) {
      take(close);
      return items;
    }
    for (;;) {
      items.push(parseSum());
      if (peek()?.text === ',') {
        take(',');
        continue;
      }
      take(close);
      return items;
    }
  };
  const parsePrimary = (): Node => {
    const token = take();
    if (token.kind === 'number') return { type: 'number', value: Number(token.text) };
    if (token.text === '(') {
      const node = parseSum();
      take(')');
      return node;
    }
    if (token.text === '[') return { type: 'array', items: parseList(']') };
    if (token.kind === 'name') {
      if (peek()?.text === '(') {
        take('(');
        const name = token.text.toUpperCase();
        if (!SUPPORTED_FUNCTIONS.has(name)) {
          throw invalid(
            expression,
            `the function ${token.text} is not supported by the local cloud (supported: ${[...SUPPORTED_FUNCTIONS].join(', ')})`,
          );
        }
        return { type: 'call', name, args: parseList(')') };
      }
      return { type: 'id', id: token.text };
    }
    throw invalid(expression, `unexpected '${token.text}'`);
  };
  const node = parseSum();
  if (position !== tokens.length) throw invalid(expression, `unexpected '${tokens[position]?.text}'`);
  return node;
};

/** The metric ids an expression reads. */
export const referencedIds = (node: Node, into = new Set<string>()): Set<string> => {
  switch (node.type) {
    case 'id':
      into.add(node.id);
      break;
    case 'unary':
      referencedIds(node.operand, into);
      break;
    case 'binary':
      referencedIds(node.left, into);
      referencedIds(node.right, into);
      break;
    case 'array':
    case 'call':
      for (const item of node.type === 'array' ? node.items : node.args) referencedIds(item, into);
      break;
    case 'number':
      break;
  }
  return into;
};

const apply = (operator: string, a: number, b: number): number => {
  switch (operator) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    default:
      return a ** b;
  }
};

const mapSeries = (points: Series, fn: (value: number) => number): Series =>
  new Map([...points].map(([timestamp, value]) => [timestamp, fn(value)]));

const combine = (operator: string, left: Value, right: Value, expression: string): Value => {
  if (left.kind === 'array' || right.kind === 'array') {
    const items = left.kind === 'array' ? left.items : right.kind === 'array' ? right.items : [];
    return {
      kind: 'array',
      items: items.map((series) =>
        toSeries(
          combine(
            operator,
            left.kind === 'array' ? { kind: 'series', points: series } : left,
            right.kind === 'array' ? { kind: 'series', points: series } : right,
            expression,
          ),
          expression,
        ),
      ),
    };
  }
  if (left.kind === 'scalar' && right.kind === 'scalar') {
    return { kind: 'scalar', value: apply(operator, left.value, right.value) };
  }
  if (left.kind === 'scalar' && right.kind === 'series') {
    return { kind: 'series', points: mapSeries(right.points, (value) => apply(operator, left.value, value)) };
  }
  if (left.kind === 'series' && right.kind === 'scalar') {
    return { kind: 'series', points: mapSeries(left.points, (value) => apply(operator, value, right.value)) };
  }
  if (left.kind === 'series' && right.kind === 'series') {
    // A timestamp present in only one of the series has no result.
    const points = new Map<number, number>();
    for (const [timestamp, value] of left.points) {
      const other = right.points.get(timestamp);
      if (other !== undefined) points.set(timestamp, apply(operator, value, other));
    }
    return { kind: 'series', points };
  }
  throw invalid(expression, 'unsupported operands');
};

const toSeries = (value: Value, expression: string): Series => {
  if (value.kind === 'series') return value.points;
  throw invalid(expression, 'expected a time series');
};

const reduceValues = (name: string, values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  switch (name) {
    case 'SUM':
      return values.reduce((sum, value) => sum + value, 0);
    case 'AVG':
      return values.reduce((sum, value) => sum + value, 0) / values.length;
    case 'MIN':
      return Math.min(...values);
    default:
      return Math.max(...values);
  }
};

/**
 * Evaluates an expression. `resolve` gives the series of a metric id; `timestamps` are every period of the
 * query (FILL fills the ones a series lacks).
 */
export const evaluateExpression = (
  expression: string,
  node: Node,
  resolve: (id: string) => Series | undefined,
  timestamps: readonly number[],
): Value => {
  const run = (current: Node): Value => {
    switch (current.type) {
      case 'number':
        return { kind: 'scalar', value: current.value };
      case 'id': {
        const series = resolve(current.id);
        if (!series) throw invalid(expression, `unknown metric id '${current.id}'`);
        return { kind: 'series', points: series };
      }
      case 'unary':
        return combine('*', { kind: 'scalar', value: -1 }, run(current.operand), expression);
      case 'binary':
        return combine(current.operator, run(current.left), run(current.right), expression);
      case 'array':
        return { kind: 'array', items: current.items.map((item) => toSeries(run(item), expression)) };
      case 'call':
        return call(current.name, current.args.map(run));
    }
  };
  const call = (name: string, args: readonly Value[]): Value => {
    const [first, second] = args;
    if (!first) throw invalid(expression, `${name} needs an argument`);
    if (name === 'ABS') {
      if (first.kind === 'scalar') return { kind: 'scalar', value: Math.abs(first.value) };
      if (first.kind === 'series') return { kind: 'series', points: mapSeries(first.points, Math.abs) };
      return { kind: 'array', items: first.items.map((series) => mapSeries(series, Math.abs)) };
    }
    if (name === 'FILL') {
      if (second?.kind !== 'scalar') throw invalid(expression, 'FILL takes a time series and a number');
      const fill = (series: Series): Series =>
        new Map(timestamps.map((t) => [t, series.get(t) ?? second.value]));
      if (first.kind === 'series') return { kind: 'series', points: fill(first.points) };
      if (first.kind === 'array') return { kind: 'array', items: first.items.map(fill) };
      throw invalid(expression, 'FILL takes a time series and a number');
    }
    if (first.kind === 'array') {
      // Across the series, per timestamp.
      const points = new Map<number, number>();
      for (const timestamp of timestamps) {
        const values = first.items.map((series) => series.get(timestamp)).filter((v) => v !== undefined);
        if (values.length > 0) points.set(timestamp, reduceValues(name, values));
      }
      return { kind: 'series', points };
    }
    if (first.kind === 'series')
      return { kind: 'scalar', value: reduceValues(name, [...first.points.values()]) };
    return first;
  };
  return run(node);
};

/** An expression's result as one time series: a scalar is repeated at every timestamp. */
export const asSeries = (expression: string, value: Value, timestamps: readonly number[]): Series => {
  if (value.kind === 'series') return value.points;
  if (value.kind === 'scalar') return new Map(timestamps.map((t) => [t, value.value]));
  if (value.items.length === 1 && value.items[0]) return value.items[0];
  throw invalid(
    expression,
    'the expression returns several time series; the local cloud needs one per query',
  );
};
