/**
 * What the local engine does with an Amazon States Language definition before it runs it:
 *
 * - {@link checkRunnable} refuses, at provisioning, what aws-local-stepfunctions would silently get wrong
 *   (JSONata, variables, task tokens, activities, SDK integrations, distributed maps ...).
 * - {@link classifyResource} tells which service a Task's Resource calls.
 * - {@link runnableDefinition} rewrites a copy for ORDERFLOW_TIME_SCALE (Retry intervals, Wait states) and for
 *   AWS's defaults the library does not share (a Task has no 60 s default timeout on AWS).
 */
import { createRequire } from 'node:module';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A state as the engine reads it: the ASL fields are checked where they are used. */
export type AslState = JsonObject & { Type?: Json };
export interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
  QueryLanguage?: string;
  Comment?: string;
  Version?: string;
}

/** A definition the local engine cannot run as AWS would; the message lists every reason. */
export class UnsupportedDefinitionError extends Error {
  override readonly name = 'UnsupportedDefinitionError';
  constructor(
    readonly machineName: string,
    readonly problems: readonly string[],
  ) {
    super(
      `state machine ${machineName}: the local Step Functions engine cannot run this definition faithfully:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/** The largest delay a Node.js timer takes (2^31 - 1 ms), in whole seconds. */
export const MAX_TIMER_SECONDS = 2_147_483;

/** The Resource that stands for a Wait state rewritten for a time scale. */
export const LOCAL_WAIT_RESOURCE = 'arn:orderflow:local:wait';

/** Which service a Task calls, and how. */
export type TaskTarget =
  | { readonly kind: 'lambda-function'; readonly functionArn: string }
  | { readonly kind: 'lambda-invoke' }
  | { readonly kind: 'events-putEvents' }
  | { readonly kind: 'dynamodb'; readonly action: 'getItem' | 'putItem' | 'updateItem' | 'deleteItem' }
  | { readonly kind: 'sqs-sendMessage' }
  | { readonly kind: 'sns-publish' }
  | { readonly kind: 'states-startExecution'; readonly pattern: 'request' | 'sync' | 'sync:2' }
  | { readonly kind: 'local-wait' };

const LAMBDA_FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;
const INTEGRATION =
  /^arn:aws[a-z-]*:states:::([A-Za-z0-9-]+):([A-Za-z0-9]+)(?:\.(sync(?::2)?|waitForTaskToken))?$/;

/** The service a Task Resource calls, or undefined when the local engine has no such integration. */
export const classifyResource = (resource: string): TaskTarget | undefined => {
  if (resource === LOCAL_WAIT_RESOURCE) return { kind: 'local-wait' };
  if (LAMBDA_FUNCTION_ARN.test(resource)) return { kind: 'lambda-function', functionArn: resource };
  const match = INTEGRATION.exec(resource);
  if (!match) return undefined;
  const [, service, action, pattern] = match;
  if (pattern === 'waitForTaskToken') return undefined;
  if (service === 'states' && action === 'startExecution') {
    return {
      kind: 'states-startExecution',
      pattern: pattern === undefined ? 'request' : (pattern as 'sync' | 'sync:2'),
    };
  }
  if (pattern !== undefined) return undefined;
  if (service === 'lambda' && action === 'invoke') return { kind: 'lambda-invoke' };
  if (service === 'events' && action === 'putEvents') return { kind: 'events-putEvents' };
  if (service === 'sqs' && action === 'sendMessage') return { kind: 'sqs-sendMessage' };
  if (service === 'sns' && action === 'publish') return { kind: 'sns-publish' };
  if (
    service === 'dynamodb' &&
    (action === 'getItem' || action === 'putItem' || action === 'updateItem' || action === 'deleteItem')
  ) {
    return { kind: 'dynamodb', action };
  }
  return undefined;
};

/** `resourceType`/`resource` of TaskScheduled & co: `arn:aws:states:::events:putEvents` -> `events`, `putEvents`. */
export const integrationParts = (resource: string): { resourceType: string; resource: string } => {
  const [, , , , , service = '', ...rest] = resource.split(':');
  return { resourceType: service, resource: rest.join(':') };
};

const KNOWN_TYPES = new Set(['Task', 'Parallel', 'Map', 'Pass', 'Wait', 'Choice', 'Succeed', 'Fail']);
/** Fields of the JSONata query language and of workflow variables, which the library ignores. */
const JSONATA_FIELDS = ['Assign', 'Arguments', 'Output', 'Items'] as const;
const DISTRIBUTED_MAP_FIELDS = [
  'ItemReader',
  'ResultWriter',
  'ItemBatcher',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
  'Label',
] as const;
/** Intrinsic functions aws-local-stepfunctions 3.0.0 does not implement. */
const UNSUPPORTED_INTRINSICS = ['States.Base64Encode', 'States.Base64Decode'] as const;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const strings = (value: unknown): string[] => {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (isObject(value)) return Object.values(value).flatMap(strings);
  return [];
};

/** Calls `visit` for every state, nested ones (Map, Parallel) included, with the path of names to it. */
export const forEachState = (
  machine: { States?: unknown },
  visit: (name: string, state: AslState, path: string) => void,
  path = '',
): void => {
  if (!isObject(machine.States)) return;
  for (const [name, state] of Object.entries(machine.States)) {
    if (!isObject(state)) continue;
    const here = path ? `${path}/${name}` : name;
    visit(name, state as AslState, here);
    if (state.Type === 'Map') {
      const processor = state.ItemProcessor ?? state.Iterator;
      if (isObject(processor)) forEachState(processor, visit, here);
    }
    if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
      for (const branch of state.Branches) if (isObject(branch)) forEachState(branch, visit, here);
    }
  }
};

type AslValidator = (
  definition: unknown,
  options: { checkArn: boolean; checkPaths: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

let validator: AslValidator | undefined;
const aslValidator = (): AslValidator => {
  // asl-validator is aws-local-stepfunctions' own dependency (CommonJS); resolve it from there.
  validator ??= createRequire(createRequire(import.meta.url).resolve('aws-local-stepfunctions'))(
    'asl-validator',
  ) as AslValidator;
  return validator;
};

/** The ASL validator's findings, cached by definition text: it compiles its JSON schemas on every call. */
const validated = new Map<string, readonly string[]>();
const validatorProblems = (definition: JsonObject): readonly string[] => {
  const key = JSON.stringify(definition);
  let problems = validated.get(key);
  if (!problems) {
    // The validator writes default QueryLanguage fields into what it checks, so it gets a copy.
    const { isValid, errorsText } = aslValidator()(structuredClone(definition), {
      checkArn: false,
      checkPaths: true,
    });
    problems = isValid ? [] : errorsText('\n').split('\n').filter(Boolean);
    validated.set(key, problems);
  }
  return problems;
};

/**
 * Refuses what the engine cannot run as AWS does, listing every problem: JSONata and variables (ignored by the
 * library), task tokens and activities (impossible locally), integrations other than the ones the engine
 * routes, distributed maps, and anything the ASL validator rejects (duplicate state names included, which AWS
 * rejects too and which would make the library's per-name task handlers ambiguous).
 */
export const checkRunnable = (machineName: string, definition: unknown): AslMachine => {
  if (!isObject(definition))
    throw new UnsupportedDefinitionError(machineName, ['the definition is not a JSON object']);
  const problems: string[] = [];
  const topLanguage = definition.QueryLanguage ?? 'JSONPath';
  if (topLanguage !== 'JSONPath') {
    problems.push(
      `QueryLanguage ${JSON.stringify(topLanguage)}: only JSONPath is supported (JSONata is not)`,
    );
  }
  forEachState(definition, (_name, state, path) => {
    if (state.QueryLanguage !== undefined && state.QueryLanguage !== 'JSONPath') {
      problems.push(
        `${path}: QueryLanguage ${JSON.stringify(state.QueryLanguage)} (only JSONPath is supported)`,
      );
    }
    if (typeof state.Type !== 'string' || !KNOWN_TYPES.has(state.Type)) {
      problems.push(`${path}: unsupported state type ${JSON.stringify(state.Type)}`);
      return;
    }
    for (const field of JSONATA_FIELDS) {
      if (field in state) {
        problems.push(`${path}: ${field} (JSONata and workflow variables are not supported)`);
      }
    }
    if (state.Type === 'Choice' && Array.isArray(state.Choices)) {
      if (state.Choices.some((choice) => isObject(choice) && ('Condition' in choice || 'Assign' in choice))) {
        problems.push(
          `${path}: a Choice rule with Condition or Assign (JSONata/variables are not supported)`,
        );
      }
    }
    if (state.Type === 'Task') {
      const resource = state.Resource;
      if (typeof resource !== 'string') {
        problems.push(`${path}: Resource must be a string`);
      } else if (resource.endsWith('.waitForTaskToken')) {
        problems.push(`${path}: ${resource}: task tokens (.waitForTaskToken) are not supported`);
      } else if (/:activity:/.test(resource)) {
        problems.push(`${path}: ${resource}: activities are not supported`);
      } else if (resource === LOCAL_WAIT_RESOURCE || classifyResource(resource) === undefined) {
        problems.push(
          `${path}: ${resource}: no local integration (supported: Lambda function ARNs, lambda:invoke, events:putEvents, dynamodb:getItem/putItem/updateItem/deleteItem, sqs:sendMessage, sns:publish, states:startExecution[.sync[:2]])`,
        );
      }
    }
    if (state.Type === 'Map') {
      for (const field of DISTRIBUTED_MAP_FIELDS) {
        if (field in state) problems.push(`${path}: ${field} (distributed Map is not supported)`);
      }
      const processor = state.ItemProcessor;
      if (isObject(processor) && isObject(processor.ProcessorConfig)) {
        if (processor.ProcessorConfig.Mode === 'DISTRIBUTED') {
          problems.push(`${path}: ItemProcessor.ProcessorConfig.Mode DISTRIBUTED is not supported`);
        }
      }
    }
    for (const text of strings([state.Parameters, state.ResultSelector, state.ItemSelector])) {
      for (const intrinsic of UNSUPPORTED_INTRINSICS) {
        if (text.includes(`${intrinsic}(`)) problems.push(`${path}: intrinsic ${intrinsic} is not supported`);
      }
    }
  });
  if (problems.length === 0) problems.push(...validatorProblems(definition));
  if (problems.length > 0) throw new UnsupportedDefinitionError(machineName, problems);
  return definition as unknown as AslMachine;
};

export interface RunnableOptions {
  /** ORDERFLOW_TIME_SCALE. */
  readonly factor: number;
  readonly type: 'STANDARD' | 'EXPRESS';
}

/** The definition the library runs, and what the engine needs to know about its rewritten states. */
export interface RunnableDefinition {
  readonly definition: AslMachine;
  /** Names of Wait states turned into local-wait Tasks (their history still says Wait). */
  readonly rewrittenWaits: ReadonlySet<string>;
  /**
   * Every state the library runs as a Task (rewritten Waits included), by name: its Resource and the
   * TimeoutSeconds the definition gave it.
   */
  readonly tasks: ReadonlyMap<string, { readonly resource: string; readonly timeoutSeconds?: number }>;
  /**
   * The execution timeout in effect, in seconds (undefined: none within a timer's reach). It is not in
   * `definition`: the engine enforces it.
   */
  readonly timeoutSeconds?: number;
}

/** The longest an EXPRESS execution may run. */
export const EXPRESS_MAX_SECONDS = 300;

/**
 * A copy of `definition` to run locally:
 *
 * - Retry `IntervalSeconds` (default 1) and `MaxDelaySeconds` are multiplied by the time scale; BackoffRate,
 *   MaxAttempts and JitterStrategy stay, so backoff and jitter behave as on AWS, only faster.
 * - Wait states: `Seconds` is scaled; a `Timestamp`, `SecondsPath` or `TimestampPath` wait becomes a local-wait
 *   Task whose handler waits the scaled remaining time when the state runs.
 * - A Task without a timeout gets the longest one a timer can hold (AWS has none; the library defaults to 60 s),
 *   so a Lambda task ends when its function's own timeout says so. Timeouts are never scaled: they bound real work.
 * - The execution timeout (unscaled) is returned as `timeoutSeconds` for the engine to enforce; EXPRESS
 *   executions stop at 5 minutes, as on AWS.
 */
export const runnableDefinition = (definition: AslMachine, options: RunnableOptions): RunnableDefinition => {
  const copy = structuredClone(definition);
  const rewrittenWaits = new Set<string>();
  const tasks = new Map<string, { resource: string; timeoutSeconds?: number }>();
  const { factor } = options;
  forEachState(copy, (name, state) => {
    if (Array.isArray(state.Retry)) {
      for (const retrier of state.Retry) {
        if (!isObject(retrier)) continue;
        const interval = typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1;
        retrier.IntervalSeconds = interval * factor;
        if (typeof retrier.MaxDelaySeconds === 'number') retrier.MaxDelaySeconds *= factor;
      }
    }
    if (state.Type === 'Task') {
      const timeoutSeconds = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined;
      tasks.set(name, {
        resource: String(state.Resource),
        ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
      });
      if (state.TimeoutSecondsPath === undefined) {
        state.TimeoutSeconds = Math.min(timeoutSeconds ?? MAX_TIMER_SECONDS, MAX_TIMER_SECONDS);
      }
      delete state.HeartbeatSeconds;
      delete state.HeartbeatSecondsPath;
    }
    if (state.Type === 'Wait' && factor !== 1) {
      if (typeof state.Seconds === 'number') {
        state.Seconds *= factor;
      } else {
        const parameters: JsonObject = { 'input.$': '$' };
        if (typeof state.Timestamp === 'string') parameters.timestamp = state.Timestamp;
        if (typeof state.SecondsPath === 'string') parameters['seconds.$'] = state.SecondsPath;
        if (typeof state.TimestampPath === 'string') parameters['timestamp.$'] = state.TimestampPath;
        for (const field of ['Timestamp', 'SecondsPath', 'TimestampPath']) delete state[field];
        state.Type = 'Task';
        state.Resource = LOCAL_WAIT_RESOURCE;
        state.Parameters = parameters;
        state.TimeoutSeconds = MAX_TIMER_SECONDS;
        rewrittenWaits.add(name);
        tasks.set(name, { resource: LOCAL_WAIT_RESOURCE });
      }
    }
  });
  let timeoutSeconds: number | undefined = copy.TimeoutSeconds;
  if (options.type === 'EXPRESS')
    timeoutSeconds = Math.min(timeoutSeconds ?? EXPRESS_MAX_SECONDS, EXPRESS_MAX_SECONDS);
  if (timeoutSeconds !== undefined && timeoutSeconds > MAX_TIMER_SECONDS) timeoutSeconds = undefined;
  // The engine enforces the execution timeout itself, so that no task runs once it has fired (see Execution).
  delete copy.TimeoutSeconds;
  return {
    definition: copy,
    rewrittenWaits,
    tasks,
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
  };
};
