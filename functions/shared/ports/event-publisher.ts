import type { DomainEvent } from '../events/schemas.ts';

/** Publishes domain events to the bus. Implementations throw TransientDependencyError when any event was not accepted. */
export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}
