import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PUT_EVENTS_MAX_ENTRIES, toPutEventsEntry } from '#shared/adapters/eventbridge-publisher';
import type { DomainEvent } from '#shared/events/schemas';
import type { EventBus, PutOutcome } from '../ports.ts';

/**
 * PutEvents with per-entry outcomes. Unlike the shared EventBridgePublisher, a partial failure is not
 * an error here: the relay retries exactly the refused entries.
 */
export class EventBridgeBus implements EventBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async put(events: readonly DomainEvent[]): Promise<readonly PutOutcome[]> {
    if (events.length === 0) return [];
    if (events.length > PUT_EVENTS_MAX_ENTRIES) {
      throw new RangeError(`PutEvents takes at most ${PUT_EVENTS_MAX_ENTRIES} entries, not ${events.length}`);
    }
    const result = await this.client.send(
      new PutEventsCommand({ Entries: events.map((event) => toPutEventsEntry(event, this.eventBusName)) }),
    );
    // Result entries are in the order of the request entries; an entry with an ErrorCode was refused.
    return events.map((_, index): PutOutcome => {
      const entry = result.Entries?.[index];
      if (!entry) return { accepted: false, error: 'PutEvents returned no result for this entry' };
      if (entry.ErrorCode)
        return { accepted: false, error: `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}`.trim() };
      return entry.EventId ? { accepted: true } : { accepted: false, error: 'PutEvents returned no EventId' };
    });
  }
}
