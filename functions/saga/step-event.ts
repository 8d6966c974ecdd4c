import { TransientDependencyError } from '#shared/domain/errors';
import { type Causation, createEvent, deterministicEventId } from '#shared/events/envelope';
import type { DomainEvent, EventData, EventType } from '#shared/events/schemas';
import type { Clock } from '#shared/ports/clock';
import type { EventPublisher } from '#shared/ports/event-publisher';

/**
 * A saga step's domain event. Its eventId depends only on the order and the event type, so a step that
 * publishes again on retry (or on a repeated execution) republishes the same event, which consumers deduplicate.
 */
export const stepEvent = <T extends EventType>(
  eventType: T,
  orderId: string,
  data: EventData<T>,
  causation: Causation,
  clock: Clock,
): DomainEvent<T> =>
  createEvent(eventType, data, {
    ...causation,
    occurredAt: clock.now(),
    eventId: deterministicEventId(orderId, eventType),
  });

/**
 * Publish a step's event. Any failure is a TransientDependencyError, so the saga retries the step; the step's
 * effect is already recorded, so the retry only publishes (the same eventId) again.
 */
export const publishStepEvent = async (publisher: EventPublisher, event: DomainEvent): Promise<void> => {
  try {
    await publisher.publish([event]);
  } catch (error) {
    if (error instanceof TransientDependencyError) throw error;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new TransientDependencyError(
      `publishing ${event.detailType} ${event.detail.metadata.eventId} failed (${reason})`,
      { cause: error },
    );
  }
};
