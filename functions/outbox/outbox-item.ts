/**
 * The transactional outbox record: written in the same DynamoDB transaction as the state change it
 * announces, and turned into a PutEvents entry by the relay. This module is the one definition of its
 * shape, used by the writers (orders) and the reader (outbox relay).
 */
import * as z from 'zod/mini';
import { type DomainEvent, detailSchema, EventDefinitions, type EventType } from '#shared/events/schemas';

export const OUTBOX_PREFIX = 'OUTBOX#';
/** Relayed outbox items only need to survive the relay's retries; the table's TTL (`expiresAt`) removes them after that. */
export const OUTBOX_RETENTION_SECONDS = 7 * 24 * 60 * 60;

export interface OutboxItem {
  readonly pk: string;
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  /** The event's `detail` as a JSON string, exactly what PutEvents will carry. */
  readonly detail: string;
  /** Epoch seconds; the Orders table's TTL attribute. */
  readonly expiresAt: number;
}

export const toOutboxItem = (event: DomainEvent, now: Date): OutboxItem => ({
  pk: `${OUTBOX_PREFIX}${event.detail.metadata.eventId}`,
  eventId: event.detail.metadata.eventId,
  source: event.source,
  detailType: event.detailType,
  detail: JSON.stringify(event.detail),
  expiresAt: Math.floor(now.getTime() / 1000) + OUTBOX_RETENTION_SECONDS,
});

const StoredOutboxItem = z.object({
  pk: z.string().check(z.startsWith(OUTBOX_PREFIX)),
  eventId: z.string().check(z.minLength(1)),
  source: z.string().check(z.minLength(1)),
  detailType: z.enum(Object.keys(EventDefinitions) as [EventType, ...EventType[]]),
  detail: z.string().check(z.minLength(2)),
  expiresAt: z.int().check(z.positive()),
});

export type OutboxParseResult = { ok: true; event: DomainEvent } | { ok: false; problem: string };

const describe = (issues: readonly { path: PropertyKey[]; message: string }[]): string =>
  issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('; ');

/**
 * Turn a stored outbox item back into the event it carries, checking it against the event contract
 * so that the bus never receives an event its consumers would refuse.
 */
export const parseOutboxItem = (item: unknown): OutboxParseResult => {
  const stored = StoredOutboxItem.safeParse(item);
  if (!stored.success) return { ok: false, problem: `not an outbox item: ${describe(stored.error.issues)}` };
  const { eventId, source, detailType, detail, pk } = stored.data;
  if (pk !== `${OUTBOX_PREFIX}${eventId}`)
    return { ok: false, problem: `pk ${pk} does not match eventId ${eventId}` };
  const definition = EventDefinitions[detailType];
  if (source !== definition.source) {
    return { ok: false, problem: `${detailType} must come from ${definition.source}, not ${source}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(detail);
  } catch {
    return { ok: false, problem: 'detail is not JSON' };
  }
  const parsed = detailSchema(detailType).safeParse(json);
  if (!parsed.success)
    return { ok: false, problem: `${detailType} detail is invalid: ${describe(parsed.error.issues)}` };
  if (parsed.data.metadata.eventId !== eventId) {
    return { ok: false, problem: `detail eventId ${parsed.data.metadata.eventId} does not match ${eventId}` };
  }
  return {
    ok: true,
    event: { source: definition.source, detailType, detail: parsed.data } as unknown as DomainEvent,
  };
};
