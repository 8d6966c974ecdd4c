import type { EventBus, PutOutcome, RelayLedger } from '#functions/outbox/ports';
import type { DomainEvent } from '#shared/events/schemas';

/** Records every put; refuses the events whose eventIds are listed in `refuse`. */
export class RecordingBus implements EventBus {
  readonly calls: DomainEvent[][] = [];
  readonly refuse = new Set<string>();
  failWholeCalls = 0;

  get published(): DomainEvent[] {
    return this.calls.flat().filter((event) => !this.refuse.has(event.detail.metadata.eventId));
  }

  async put(events: readonly DomainEvent[]): Promise<readonly PutOutcome[]> {
    if (this.failWholeCalls > 0) {
      this.failWholeCalls -= 1;
      throw new Error('endpoint unreachable');
    }
    this.calls.push([...events]);
    return events.map((event) =>
      this.refuse.has(event.detail.metadata.eventId)
        ? { accepted: false, error: 'ThrottlingException: Rate exceeded' }
        : { accepted: true },
    );
  }
}

export class InMemoryLedger implements RelayLedger {
  readonly entries = new Map<string, Date>();

  async relayed(eventIds: readonly string[], now: Date): Promise<ReadonlySet<string>> {
    return new Set(eventIds.filter((eventId) => (this.entries.get(eventId)?.getTime() ?? 0) > now.getTime()));
  }

  async record(eventIds: readonly string[], expiresAt: Date): Promise<void> {
    for (const eventId of eventIds) this.entries.set(eventId, expiresAt);
  }
}
