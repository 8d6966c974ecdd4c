/**
 * The outbox relay use case: publish the events that order transactions stored in the outbox, once
 * each as far as the ledger can tell, and report exactly the records that must be retried.
 */
import { chunk, PUT_EVENTS_MAX_ENTRIES } from '#shared/adapters/eventbridge-publisher';
import type { DomainEvent } from '#shared/events/schemas';
import type { Clock } from '#shared/ports/clock';
import { parseOutboxItem } from './outbox-item.ts';
import type { EventBus, RelayLedger } from './ports.ts';

/** The ledger must outlive the stream's retention (24 h) and any retry of a batch; a week is ample. */
export const LEDGER_RETENTION_SECONDS = 7 * 24 * 60 * 60;

export interface OutboxRecord {
  /** The stream record's SequenceNumber: what a partial batch failure names. */
  readonly id: string;
  /** The new image of the outbox item, unmarshalled. */
  readonly item: unknown;
}

export interface RelayProblem {
  readonly id: string;
  readonly eventId?: string;
  readonly reason: string;
}

export interface RelayReport {
  /** Records to retry: refused by the bus, or malformed. */
  readonly failed: readonly RelayProblem[];
  readonly published: number;
  /** Events the ledger says were already relayed (a retried batch). */
  readonly alreadyRelayed: number;
  /** Set when the ledger could not record published events; they may be published again (consumers dedupe). */
  readonly ledgerError?: unknown;
}

export interface RelayOutboxDeps {
  readonly bus: EventBus;
  readonly ledger: RelayLedger;
  readonly clock: Clock;
}

export type RelayOutbox = (records: readonly OutboxRecord[]) => Promise<RelayReport>;

export const makeRelayOutbox =
  ({ bus, ledger, clock }: RelayOutboxDeps): RelayOutbox =>
  async (records) => {
    const failed: RelayProblem[] = [];
    // The same event can appear twice in one batch (a replayed shard); it is published once for all its records.
    const byEventId = new Map<string, { event: DomainEvent; ids: string[] }>();
    for (const record of records) {
      const parsed = parseOutboxItem(record.item);
      if (!parsed.ok) {
        failed.push({ id: record.id, reason: parsed.problem });
        continue;
      }
      const eventId = parsed.event.detail.metadata.eventId;
      const entry = byEventId.get(eventId);
      if (entry) entry.ids.push(record.id);
      else byEventId.set(eventId, { event: parsed.event, ids: [record.id] });
    }

    const now = clock.now();
    const relayed = byEventId.size > 0 ? await ledger.relayed([...byEventId.keys()], now) : new Set<string>();
    const pending = [...byEventId.entries()].filter(([eventId]) => !relayed.has(eventId));

    const published: string[] = [];
    for (const batch of chunk(pending, PUT_EVENTS_MAX_ENTRIES)) {
      let outcomes: readonly { accepted: boolean; error?: string }[];
      try {
        outcomes = await bus.put(batch.map(([, { event }]) => event));
      } catch (error) {
        // The whole call failed (network, throttling): every event of this batch is retried, the others stand.
        outcomes = batch.map(() => ({
          accepted: false,
          error: `PutEvents failed: ${(error as Error).message}`,
        }));
      }
      batch.forEach(([eventId, { ids }], index) => {
        const outcome = outcomes[index] ?? {
          accepted: false,
          error: 'PutEvents returned no result for this entry',
        };
        if (outcome.accepted) published.push(eventId);
        else for (const id of ids) failed.push({ id, eventId, reason: outcome.error ?? 'refused' });
      });
    }

    let ledgerError: unknown;
    if (published.length > 0) {
      try {
        await ledger.record(published, new Date(now.getTime() + LEDGER_RETENTION_SECONDS * 1000));
      } catch (error) {
        // The events are out; failing their records would only publish them again. Consumers dedupe on eventId.
        ledgerError = error;
      }
    }
    return {
      failed,
      published: published.length,
      alreadyRelayed: relayed.size,
      ...(ledgerError === undefined ? {} : { ledgerError }),
    };
  };
