/** The outbox relay's secondary ports. */
import type { DomainEvent } from '#shared/events/schemas';

/** What the bus said about one entry of a put: PutEvents accepts or refuses each entry on its own. */
export type PutOutcome = { readonly accepted: true } | { readonly accepted: false; readonly error: string };

export interface EventBus {
  /** Puts at most 10 events in one call; the outcomes are in the order of the events. */
  put(events: readonly DomainEvent[]): Promise<readonly PutOutcome[]>;
}

/**
 * Which events were already relayed. A stream batch is retried from its first failed record, so
 * without the ledger every record after it would be published again.
 */
export interface RelayLedger {
  /** The eventIds among these with a live (not yet expired at `now`) relay record. */
  relayed(eventIds: readonly string[], now: Date): Promise<ReadonlySet<string>>;
  record(eventIds: readonly string[], expiresAt: Date): Promise<void>;
}
