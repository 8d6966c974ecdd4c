/**
 * One execution of a state machine: runs the rewritten definition in aws-local-stepfunctions with every Task
 * dispatched by its Resource, keeps the record DescribeExecution reports and the history GetExecutionHistory
 * returns, and says how it ended.
 */
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import type { AslMachine, AslState, Json, RunnableDefinition } from './definition.ts';
import {
  type ExecutionEnding,
  HistoryBuilder,
  type TaskInvocation,
  type TaskOutcomeListener,
} from './history.ts';
import { type ExecutionSummary, type TaskDispatcher, TaskError } from './integrations.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
export type StateMachineType = 'STANDARD' | 'EXPRESS';

/** A provisioned state machine. */
export interface StateMachineRecord {
  readonly arn: string;
  readonly name: string;
  readonly type: StateMachineType;
  readonly roleArn: string;
  /** The definition as given (DescribeStateMachine returns it). */
  readonly definitionText: string;
  readonly definition: AslMachine;
  /** The copy the library runs (time-scaled, AWS defaults applied). */
  readonly runnable: RunnableDefinition;
  /** Every state by name, nested ones too. */
  readonly states: ReadonlyMap<string, AslState>;
  readonly creationDate: number;
  readonly revisionId: string;
  readonly loggingConfiguration: Record<string, unknown>;
  readonly tracingConfiguration: Record<string, unknown>;
}

export interface ExecutionRuntime {
  readonly region: string;
  readonly dispatcher: TaskDispatcher;
  readonly onTaskOutcome: TaskOutcomeListener;
  /** Diagnostics (a history bug must not take an execution down). */
  readonly log: (message: string) => void;
}

export class Execution {
  status: ExecutionStatus = 'RUNNING';
  stopDate: number | undefined;
  output: string | undefined;
  error: string | undefined;
  cause: string | undefined;
  readonly history: HistoryBuilder;
  /** Settles once the execution has ended and its record and history are final. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private abort: (() => void) | undefined;
  private ending: ExecutionEnding | undefined;
  private readonly controller = new AbortController();
  private readonly pending: TaskInvocation[] = [];

  constructor(
    readonly arn: string,
    readonly name: string,
    readonly machine: StateMachineRecord,
    readonly input: string,
    readonly startDate: number,
    private readonly runtime: ExecutionRuntime,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.history = new HistoryBuilder({
      region: runtime.region,
      roleArn: machine.roleArn,
      input,
      states: machine.states,
      rewrittenWaits: machine.runnable.rewrittenWaits,
      pending: this.pending,
      ending: () => this.ending,
      onTaskOutcome: runtime.onTaskOutcome,
    });
  }

  get summary(): ExecutionSummary {
    return {
      executionArn: this.arn,
      stateMachineArn: this.machine.arn,
      name: this.name,
      status: this.status,
      startDate: this.startDate,
      stopDate: this.stopDate,
      input: this.input,
      output: this.output,
      error: this.error,
      cause: this.cause,
    };
  }

  /** Runs the execution to its end; resolves when the record is final. Never rejects. */
  async run(): Promise<void> {
    const { machine, runtime } = this;
    const library = new StateMachine(machine.runnable.definition as unknown as StateMachineDefinition, {
      validationOptions: { noValidate: true },
    });
    const handlers = this.taskHandlers();
    const run = library.run(JSON.parse(this.input) as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      context: {
        Execution: { Id: this.arn, Name: this.name, RoleArn: machine.roleArn },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });
    this.abort = run.abort;
    const { timeoutSeconds } = machine.runnable;
    const timer =
      timeoutSeconds === undefined
        ? undefined
        : setTimeout(() => this.end({ kind: 'timedOut' }), timeoutSeconds * 1000);
    const consuming = (async () => {
      for await (const event of run.eventLogs) {
        try {
          this.history.add(event);
        } catch (error) {
          runtime.log(
            `stepfunctions: history of ${this.arn}: ${error instanceof Error ? error.stack : String(error)}`,
          );
        }
      }
    })();
    let status: ExecutionStatus;
    let output: string | undefined;
    try {
      output = JSON.stringify((await run.result) ?? null);
      status = 'SUCCEEDED';
    } catch (error) {
      status =
        error instanceof ExecutionTimeoutError ||
        (error instanceof ExecutionAbortedError && this.ending?.kind === 'timedOut')
          ? 'TIMED_OUT'
          : error instanceof ExecutionAbortedError
            ? 'ABORTED'
            : 'FAILED';
      if (!(error instanceof ExecutionError) && status === 'FAILED') {
        runtime.log(`stepfunctions: ${this.arn} failed outside the state machine: ${String(error)}`);
      }
    }
    const stopDate = Date.now();
    clearTimeout(timer);
    this.controller.abort();
    await consuming;
    const ending = this.history.finalError;
    this.stopDate = stopDate;
    this.output = output;
    this.error = ending?.error;
    this.cause = ending?.cause;
    this.status = status;
    this.resolveDone();
  }

  /** StopExecution: aborts a running execution and waits until it is recorded as ABORTED. */
  async stop(error?: string, cause?: string): Promise<number> {
    this.end({ kind: 'stopped', error, cause });
    await this.done;
    return this.stopDate ?? Date.now();
  }

  /**
   * Aborts the run for `ending`. Our signal goes first: the library resolves a pending Retry wait on abort and
   * then calls the task again, so the handlers refuse to run anything once the signal is aborted.
   */
  private end(ending: ExecutionEnding): void {
    if (this.status !== 'RUNNING' || !this.abort || this.ending) return;
    this.ending = ending;
    this.controller.abort();
    this.abort();
  }

  private taskHandlers(): Record<string, (input: Json) => Promise<Json>> {
    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    const { runnable } = this.machine;
    for (const [stateName, { resource }] of runnable.tasks) {
      handlers[stateName] = async (input) => {
        if (this.controller.signal.aborted) {
          throw new TaskError(
            'States.Runtime',
            `execution ${this.arn} has ended; ${stateName} does not run`,
            false,
          );
        }
        const invocation: TaskInvocation = { stateName, resource, input, startedAt: Date.now() };
        // Synchronously, before the first await: see HistoryBuilder on how calls and log events correlate.
        if (!runnable.rewrittenWaits.has(stateName)) this.pending.push(invocation);
        try {
          const result = await this.runtime.dispatcher.dispatch(
            {
              executionArn: this.arn,
              stateMachineArn: this.machine.arn,
              stateName,
              resource,
              signal: this.controller.signal,
            },
            input,
          );
          invocation.result = result;
          return result;
        } catch (error) {
          invocation.failed = true;
          throw error;
        } finally {
          invocation.endedAt = Date.now();
        }
      };
    }
    return handlers;
  }
}
