import type { CloudContext, TraceEvent } from '#lib/local/core/types';
import type { FunctionRuntime, InvocationOutcome, Slot } from './function-runtime.ts';

/** What an event source poller needs from the engine. */
export interface MappingHost {
  readonly ctx: CloudContext;
  /** Invokes the function (in `slot` when given) with its metrics, and its trace unless `trace` is false. */
  invoke(
    runtime: FunctionRuntime,
    payload: unknown,
    options: { readonly slot?: Slot; readonly trace: boolean },
  ): Promise<InvocationOutcome>;
  trace(event: TraceEvent): void;
  log(message: string): void;
}

/** What the poller last saw, for LastProcessingResult. */
export type ProcessingResult = 'No records processed' | 'OK' | `PROBLEM: ${string}`;

export interface EventSourcePoller {
  start(): void;
  stop(): Promise<void>;
  readonly lastProcessingResult: ProcessingResult;
}

/** Pauses that end early when the poller stops. */
export class Naps {
  private readonly wakeups = new Set<() => void>();

  nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeups.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.wakeups.add(wake);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.wakeups]) wake();
  }
}
