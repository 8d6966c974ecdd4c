/**
 * What a rule's target receives: the whole event, a constant `Input`, the part of the event an `InputPath`
 * selects, or an `InputTransformer` (InputPathsMap + InputTemplate), as the EventBridge User Guide
 * ("Transforming target input") describes it.
 */
import { isJsonObject, parseJsonPreservingNumbers } from './json.ts';

/** The predefined InputTemplate variables; an InputPathsMap may not redefine them. */
export const PREDEFINED_VARIABLES = [
  'aws.events.rule-arn',
  'aws.events.rule-name',
  'aws.events.event',
  'aws.events.event.ingestion-time',
  'aws.events.event.json',
] as const;

export interface TargetInputSettings {
  readonly Input?: string | undefined;
  readonly InputPath?: string | undefined;
  readonly InputTransformer?:
    | {
        readonly InputPathsMap?: Readonly<Record<string, string>> | undefined;
        readonly InputTemplate: string;
      }
    | undefined;
}

export interface TransformContext {
  readonly ruleArn: string;
  readonly ruleName: string;
  /** ISO time the event was ingested. */
  readonly ingestionTime: string;
}

/** A target input that is not valid JSON where JSON is required (the DLQ's INVALID_JSON). */
export class InvalidTargetInputError extends Error {
  override readonly name = 'InvalidTargetInputError';
}

/**
 * Reads a JSONPath of the simple form EventBridge uses: `$`, `$.detail.state`, `$.detail['instance-id']`,
 * `$.resources[0]`. Returns undefined when the path does not exist in the value.
 */
export const readJsonPath = (value: unknown, path: string): unknown => {
  const trimmed = path.trim();
  if (!trimmed.startsWith('$')) return undefined;
  let current: unknown = value;
  let rest = trimmed.slice(1);
  while (rest.length > 0) {
    let key: string | number;
    const dotted = /^\.([^.[\]]+)/.exec(rest);
    const quoted = /^\[\s*(['"])(.*?)\1\s*\]/.exec(rest);
    const indexed = /^\[\s*(\d+)\s*\]/.exec(rest);
    if (dotted?.[1] !== undefined) {
      key = dotted[1];
      rest = rest.slice(dotted[0].length);
    } else if (quoted?.[2] !== undefined) {
      key = quoted[2];
      rest = rest.slice(quoted[0].length);
    } else if (indexed?.[1] !== undefined) {
      key = Number(indexed[1]);
      rest = rest.slice(indexed[0].length);
    } else {
      return undefined;
    }
    if (typeof key === 'number') {
      if (!Array.isArray(current) || key >= current.length) return undefined;
      current = current[key];
    } else {
      if (!isJsonObject(current) || !Object.hasOwn(current, key)) return undefined;
      current = current[key];
    }
  }
  return current;
};

const PLACEHOLDER = /^<([A-Za-z0-9_.-]+)>/;

/**
 * Fills an InputTemplate. A placeholder inside a JSON string is replaced by the value's text (a string as it
 * is: "EventBridge doesn't escape values extracted by Input Path"); outside a string by its JSON (a string
 * in quotes). A variable whose path is not in the event is replaced by an empty string.
 */
export const renderInputTemplate = (template: string, variables: ReadonlyMap<string, unknown>): string => {
  let output = '';
  let inString = false;
  for (let index = 0; index < template.length; index += 1) {
    const char = template.charAt(index);
    if (inString && char === '\\') {
      output += template.slice(index, index + 2);
      index += 1;
      continue;
    }
    if (char === '"') {
      inString = !inString;
      output += char;
      continue;
    }
    if (char === '<') {
      const match = PLACEHOLDER.exec(template.slice(index));
      const name = match?.[1];
      if (match && name !== undefined && variables.has(name)) {
        const value = variables.get(name);
        if (inString)
          output += typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
        else output += JSON.stringify(value === undefined ? '' : value);
        index += match[0].length - 1;
        continue;
      }
    }
    output += char;
  }
  return output;
};

/**
 * The text a target receives for an event. JSON templates are delivered minified; a template that is one
 * JSON string (`"instance <instance> is in <state>"`) is delivered as that text.
 */
export const targetInput = (
  settings: TargetInputSettings,
  event: Record<string, unknown>,
  context: TransformContext,
): string => {
  if (settings.Input !== undefined) return settings.Input;
  if (settings.InputPath !== undefined) {
    const selected = readJsonPath(event, settings.InputPath);
    return JSON.stringify(selected ?? null);
  }
  const transformer = settings.InputTransformer;
  if (!transformer) return JSON.stringify(event);
  const variables = new Map<string, unknown>();
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) {
    variables.set(name, readJsonPath(event, path));
  }
  variables.set('aws.events.rule-arn', context.ruleArn);
  variables.set('aws.events.rule-name', context.ruleName);
  variables.set('aws.events.event', event);
  variables.set('aws.events.event.ingestion-time', context.ingestionTime);
  variables.set('aws.events.event.json', event);
  const template = transformer.InputTemplate;
  const rendered = renderInputTemplate(template, variables);
  const trimmed = rendered.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.stringify(parseJsonPreservingNumbers(trimmed));
    } catch (error) {
      throw new InvalidTargetInputError(
        `the InputTemplate does not give valid JSON (${error instanceof Error ? error.message : String(error)}): ${trimmed}`,
      );
    }
  }
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) return trimmed.slice(1, -1);
  return rendered;
};
