/**
 * GetExecutionHistory, built from aws-local-stepfunctions' event logs: each library event becomes the AWS
 * history event(s) it stands for (`StateEntered` of a Task -> `TaskStateEntered`), and the task events AWS
 * records around a Task (`LambdaFunctionScheduled/Started/Succeeded/Failed`, or `TaskScheduled/...` for service
 * integrations) are synthesised from the engine's own record of each Task invocation.
 *
 * Correlating the library's events with our invocations: the library calls a Task's handler synchronously,
 * right after it dispatches that state's `StateEntered` (or `StateRetried`) event, and its event queue keeps
 * dispatch order. So the n-th Task entry or retry in the log is the n-th handler call.
 */
import type { StateMachine } from 'aws-local-stepfunctions';
import { type AslState, classifyResource, integrationParts, type Json } from './definition.ts';

export type LibraryEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** One Task handler call, as the engine recorded it. */
export interface TaskInvocation {
  readonly stateName: string;
  readonly resource: string;
  /** The effective input (after InputPath and Parameters): the Lambda event, or the integration's parameters. */
  readonly input: Json;
  readonly startedAt: number;
  endedAt?: number;
  result?: Json;
  failed?: boolean;
}

/** A history event in the API's shape; `timestamp` in epoch milliseconds. */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

/** Why the engine aborted an execution. */
export type ExecutionEnding =
  | { readonly kind: 'stopped'; readonly error?: string | undefined; readonly cause?: string | undefined }
  | { readonly kind: 'timedOut' };

/** What the trace wants to know about a Task: `ok`, `retry N`, `caught: <Error>`, `failed: <Error>`. */
export type TaskOutcomeListener = (stateName: string, outcome: string) => void;

export interface HistoryContext {
  readonly region: string;
  readonly roleArn: string;
  /** The execution input as given to StartExecution. */
  readonly input: string;
  /** Every state of the original definition by name (nested ones too). */
  readonly states: ReadonlyMap<string, AslState>;
  /** Wait states the engine rewrote into Tasks; their history is a Wait's. */
  readonly rewrittenWaits: ReadonlySet<string>;
  /** Task invocations not yet matched to a log event, in call order. */
  readonly pending: TaskInvocation[];
  /** Why the engine aborted the execution, if it did: StopExecution (with its error and cause) or the timeout. */
  readonly ending: () => ExecutionEnding | undefined;
  readonly onTaskOutcome: TaskOutcomeListener;
}

interface TaskVisit {
  invocation?: TaskInvocation | undefined;
  failed: boolean;
  lastError?: string;
  retries: number;
}

const NO_TRUNCATION = { truncated: false };
const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

export class HistoryBuilder {
  readonly events: HistoryEvent[] = [];
  /** The error and cause the execution ended with, as the history says (Fail states without them stay empty). */
  finalError: { error?: string | undefined; cause?: string | undefined } | undefined;
  private readonly visits = new Map<string, TaskVisit>();
  private lastTimestamp = 0;
  private lastEntered: { name: string; type: string } | undefined;

  constructor(private readonly ctx: HistoryContext) {}

  add(event: LibraryEvent): void {
    switch (event.type) {
      case 'ExecutionStarted':
        this.push('ExecutionStarted', event.timestamp, 'executionStartedEventDetails', {
          input: this.ctx.input,
          inputDetails: NO_TRUNCATION,
          roleArn: this.ctx.roleArn,
        });
        return;
      case 'ExecutionSucceeded':
        this.push('ExecutionSucceeded', event.timestamp, 'executionSucceededEventDetails', {
          output: text(event.output),
          outputDetails: NO_TRUNCATION,
        });
        return;
      case 'ExecutionFailed': {
        this.failOpenTasks();
        const details = this.executionError(event.Error, event.Cause);
        this.finalError = details;
        this.push('ExecutionFailed', event.timestamp, 'executionFailedEventDetails', details);
        return;
      }
      case 'ExecutionAborted': {
        const ending = this.ctx.ending();
        if (ending?.kind === 'timedOut') {
          this.timedOut(event.timestamp);
          return;
        }
        const stop = { error: ending?.error, cause: ending?.cause };
        this.finalError = stop;
        this.push('ExecutionAborted', event.timestamp, 'executionAbortedEventDetails', {
          ...(stop.error !== undefined ? { error: stop.error } : {}),
          ...(stop.cause !== undefined ? { cause: stop.cause } : {}),
        });
        return;
      }
      case 'ExecutionTimeout':
        this.timedOut(event.timestamp);
        return;
      case 'StateEntered':
        this.stateEntered(
          event.state.name,
          event.state.type,
          event.state.input,
          event.timestamp,
          event.index,
        );
        return;
      case 'StateExited':
        this.stateExited(
          event.state.name,
          event.state.type,
          event.state.output,
          event.timestamp,
          event.index,
        );
        return;
      case 'StateFailed':
        this.stateFailed(
          event.state.name,
          event.state.type,
          event.Error,
          event.Cause,
          event.timestamp,
          event.index,
        );
        return;
      case 'StateRetried':
        this.stateRetried(event.state.name, event.state.type, event.timestamp, event.index);
        return;
      case 'StateCaught': {
        const visit = this.visits.get(this.key(event.state.name, event.index));
        if (visit && this.isTask(event.state.name, event.state.type)) {
          this.ctx.onTaskOutcome(event.state.name, `caught: ${visit.lastError ?? 'error'}`);
          visit.failed = false;
          visit.invocation = undefined;
        }
        return;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key = `${event.type[0]?.toLowerCase()}${event.type.slice(1)}EventDetails`;
        this.push(event.type, event.timestamp, key, { name: event.parentState.name, index: event.index });
        return;
      }
      default:
        // ParallelBranch* have no history event of their own on AWS.
        return;
    }
  }

  private timedOut(timestamp: number): void {
    this.finalError = { error: 'States.Timeout' };
    this.push('ExecutionTimedOut', timestamp, 'executionTimedOutEventDetails', { error: 'States.Timeout' });
  }

  private key(name: string, index: number | undefined): string {
    return `${name}#${index ?? ''}`;
  }

  private typeOf(name: string, libraryType: string): string {
    return this.ctx.rewrittenWaits.has(name) ? 'Wait' : libraryType;
  }

  private isTask(name: string, libraryType: string): boolean {
    return libraryType === 'Task' && !this.ctx.rewrittenWaits.has(name);
  }

  private push(
    type: string,
    timestamp: number,
    detailsKey?: string,
    details?: Record<string, unknown>,
  ): void {
    this.lastTimestamp = Math.max(this.lastTimestamp, timestamp);
    const id = this.events.length + 1;
    this.events.push({
      id,
      previousEventId: id - 1,
      timestamp: this.lastTimestamp,
      type,
      ...(detailsKey && details ? { [detailsKey]: details } : {}),
    });
  }

  private stateEntered(
    name: string,
    libraryType: string,
    input: unknown,
    timestamp: number,
    index?: number,
  ): void {
    const type = this.typeOf(name, libraryType);
    this.lastEntered = { name, type };
    this.push(`${type}StateEntered`, timestamp, 'stateEnteredEventDetails', {
      name,
      input: text(input),
      inputDetails: NO_TRUNCATION,
    });
    if (type === 'Map' || type === 'Parallel') this.push(`${type}StateStarted`, timestamp);
    if (this.isTask(name, libraryType)) {
      const visit: TaskVisit = { failed: false, retries: 0 };
      this.visits.set(this.key(name, index), visit);
      this.schedule(visit, name, timestamp);
    }
  }

  private stateRetried(name: string, libraryType: string, timestamp: number, index?: number): void {
    if (!this.isTask(name, libraryType)) return;
    const visit = this.visits.get(this.key(name, index)) ?? { failed: false, retries: 0 };
    this.visits.set(this.key(name, index), visit);
    visit.retries += 1;
    visit.failed = false;
    this.ctx.onTaskOutcome(name, `retry ${visit.retries}`);
    this.schedule(visit, name, timestamp);
  }

  /** Matches the next handler call to this Task entry and records its Scheduled and Started events. */
  private schedule(visit: TaskVisit, name: string, timestamp: number): void {
    const next = this.ctx.pending[0];
    // No call for this entry means its input processing failed before the handler ran: nothing was scheduled.
    if (next?.stateName !== name) {
      visit.invocation = undefined;
      return;
    }
    this.ctx.pending.shift();
    visit.invocation = next;
    const definition = this.ctx.states.get(name);
    const timeoutInSeconds =
      typeof definition?.TimeoutSeconds === 'number' ? definition.TimeoutSeconds : undefined;
    const target = classifyResource(next.resource);
    if (target?.kind === 'lambda-function') {
      this.push('LambdaFunctionScheduled', timestamp, 'lambdaFunctionScheduledEventDetails', {
        resource: next.resource,
        input: text(next.input),
        inputDetails: NO_TRUNCATION,
        ...(timeoutInSeconds !== undefined ? { timeoutInSeconds } : {}),
      });
      this.push('LambdaFunctionStarted', Math.max(timestamp, next.startedAt));
    } else {
      const parts = integrationParts(next.resource);
      this.push('TaskScheduled', timestamp, 'taskScheduledEventDetails', {
        ...parts,
        region: this.ctx.region,
        parameters: text(next.input),
        ...(timeoutInSeconds !== undefined ? { timeoutInSeconds } : {}),
      });
      this.push('TaskStarted', Math.max(timestamp, next.startedAt), 'taskStartedEventDetails', parts);
    }
  }

  private stateFailed(
    name: string,
    libraryType: string,
    error: string,
    cause: unknown,
    timestamp: number,
    index?: number,
  ): void {
    const type = this.typeOf(name, libraryType);
    if (type === 'Map' || type === 'Parallel') {
      this.push(`${type}StateFailed`, timestamp);
      return;
    }
    if (!this.isTask(name, libraryType)) return;
    const visit = this.visits.get(this.key(name, index));
    if (!visit) return;
    visit.failed = true;
    visit.lastError = error;
    const invocation = visit.invocation;
    if (!invocation) return;
    const causeText = cause === undefined || cause === error ? undefined : text(cause);
    const details = { error, ...(causeText !== undefined ? { cause: causeText } : {}) };
    const at = Math.max(timestamp, invocation.endedAt ?? timestamp);
    const timedOut = error === 'States.Timeout';
    if (classifyResource(invocation.resource)?.kind === 'lambda-function') {
      const kind = timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed';
      this.push(
        kind,
        at,
        timedOut ? 'lambdaFunctionTimedOutEventDetails' : 'lambdaFunctionFailedEventDetails',
        details,
      );
    } else {
      const kind = timedOut ? 'TaskTimedOut' : 'TaskFailed';
      this.push(kind, at, timedOut ? 'taskTimedOutEventDetails' : 'taskFailedEventDetails', {
        ...integrationParts(invocation.resource),
        ...details,
      });
    }
  }

  private stateExited(
    name: string,
    libraryType: string,
    output: unknown,
    timestamp: number,
    index?: number,
  ): void {
    const type = this.typeOf(name, libraryType);
    if (this.isTask(name, libraryType)) {
      const key = this.key(name, index);
      const visit = this.visits.get(key);
      const invocation = visit?.invocation;
      if (visit && invocation && !visit.failed) {
        const at = Math.max(this.lastTimestamp, invocation.endedAt ?? timestamp);
        if (classifyResource(invocation.resource)?.kind === 'lambda-function') {
          this.push('LambdaFunctionSucceeded', at, 'lambdaFunctionSucceededEventDetails', {
            output: text(invocation.result),
            outputDetails: NO_TRUNCATION,
          });
        } else {
          this.push('TaskSucceeded', at, 'taskSucceededEventDetails', {
            ...integrationParts(invocation.resource),
            output: text(invocation.result),
            outputDetails: NO_TRUNCATION,
          });
        }
        this.ctx.onTaskOutcome(name, 'ok');
      }
      this.visits.delete(key);
    }
    if (type === 'Map' || type === 'Parallel') this.push(`${type}StateSucceeded`, timestamp);
    this.push(`${type}StateExited`, timestamp, 'stateExitedEventDetails', {
      name,
      output: text(output),
      outputDetails: NO_TRUNCATION,
    });
  }

  /** Tasks whose last attempt failed and was neither retried nor caught: the execution fails with them. */
  private failOpenTasks(): void {
    for (const [key, visit] of this.visits) {
      if (visit.failed)
        this.ctx.onTaskOutcome(key.slice(0, key.lastIndexOf('#')), `failed: ${visit.lastError}`);
    }
    this.visits.clear();
  }

  /** A Fail state without Error or Cause leaves them out, where the library would fill in its own defaults. */
  private executionError(error: string, cause: unknown): { error?: string; cause?: string } {
    const failState =
      this.lastEntered?.type === 'Fail' ? this.ctx.states.get(this.lastEntered.name) : undefined;
    const hasError = !failState || failState.Error !== undefined || failState.ErrorPath !== undefined;
    const hasCause = !failState || failState.Cause !== undefined || failState.CausePath !== undefined;
    const causeText = cause === undefined || (cause === error && !failState) ? undefined : text(cause);
    return {
      ...(hasError ? { error } : {}),
      ...(hasCause && causeText !== undefined ? { cause: causeText } : {}),
    };
  }
}
