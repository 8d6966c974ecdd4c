import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { TransientDependencyError } from '../domain/errors.ts';
import type { DomainEvent } from '../events/schemas.ts';
import type { EventPublisher } from '../ports/event-publisher.ts';

/** PutEvents accepts at most 10 entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

export const toPutEventsEntry = (event: DomainEvent, eventBusName: string): PutEventsRequestEntry => ({
  EventBusName: eventBusName,
  Source: event.source,
  DetailType: event.detailType,
  Detail: JSON.stringify(event.detail),
  Time: new Date(event.detail.metadata.occurredAt),
});

export const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
};

/**
 * Publishes events with PutEvents. PutEvents can accept some entries and refuse others in the same call,
 * so a non-zero FailedEntryCount is a failure of the whole publish: the caller retries, and consumers
 * deduplicate on eventId.
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (const batch of chunk(events, PUT_EVENTS_MAX_ENTRIES)) {
      const result = await this.client.send(
        new PutEventsCommand({ Entries: batch.map((event) => toPutEventsEntry(event, this.eventBusName)) }),
      );
      if ((result.FailedEntryCount ?? 0) > 0) {
        const reasons = (result.Entries ?? [])
          .filter((entry) => entry.ErrorCode)
          .map((entry) => `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}`);
        throw new TransientDependencyError(
          `PutEvents refused ${result.FailedEntryCount} of ${batch.length} events (${reasons.join('; ')})`,
        );
      }
    }
  }
}
