import type { Trace, TraceEvent } from './types.ts';

/** A trace that keeps its events, for tests, and can forward them. */
export class RecordingTrace implements Trace {
  readonly events: TraceEvent[] = [];
  constructor(private readonly forward?: (event: TraceEvent) => void) {}
  emit(event: TraceEvent): void {
    this.events.push(event);
    this.forward?.(event);
  }
}
