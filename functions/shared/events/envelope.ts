import { createHash, randomUUID } from 'node:crypto';
import { MalformedEventError, UnsupportedEventError } from '../domain/errors.ts';
import {
  type DomainEvent,
  detailSchema,
  EventBridgeEnvelope,
  type EventData,
  EventDefinitions,
  type EventType,
} from './schemas.ts';

/** Where an event comes from: the request or event that caused it, for tracing one order end to end. */
export interface Causation {
  readonly correlationId: string;
  readonly causationId: string;
}

export interface CreateEventOptions extends Causation {
  /** @default - a random UUID */
  readonly eventId?: string;
  readonly occurredAt: Date;
}

/**
 * A stable id for an event that a step may publish more than once (on retry),
 * so every consumer sees the same eventId and deduplicates it.
 */
export const deterministicEventId = (orderId: string, eventType: EventType): string => {
  const hex = createHash('sha256').update(`${orderId}\u0000${eventType}`).digest('hex');
  // Format as a UUID (version nibble 5-like, RFC 4122 variant) so it looks like every other eventId.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

export const createEvent = <T extends EventType>(
  eventType: T,
  data: EventData<T>,
  options: CreateEventOptions,
): DomainEvent<T> => {
  const definition = EventDefinitions[eventType];
  const detail = {
    metadata: {
      eventId: options.eventId ?? randomUUID(),
      eventType,
      version: definition.version,
      occurredAt: options.occurredAt.toISOString(),
      correlationId: options.correlationId,
      causationId: options.causationId,
    },
    data: definition.data.parse(data) as EventData<T>,
  };
  return { source: definition.source, detailType: eventType, detail };
};

const parseJson = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    throw new MalformedEventError('message body is not JSON');
  }
};

const describeIssues = (issues: readonly { path: PropertyKey[]; message: string }[]): string =>
  issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('; ');

/**
 * Validate an EventBridge event delivered to a consumer (an SQS body) and return it typed.
 * Throws MalformedEventError or UnsupportedEventError, so the record fails alone and, after the
 * queue's retries, lands in its DLQ without having been half-applied.
 */
export const parseDeliveredEvent = <T extends EventType>(
  body: string | unknown,
  accepted: readonly T[],
): DomainEvent<T> => {
  const raw = typeof body === 'string' ? parseJson(body) : body;
  const envelope = EventBridgeEnvelope.safeParse(raw);
  if (!envelope.success) {
    throw new MalformedEventError(`not an EventBridge event: ${describeIssues(envelope.error.issues)}`);
  }
  const detailType = envelope.data['detail-type'];
  if (!(accepted as readonly string[]).includes(detailType)) {
    throw new UnsupportedEventError(`event type ${detailType} is not one this consumer accepts`);
  }
  const eventType = detailType as T;
  const definition = EventDefinitions[eventType];
  const version = (envelope.data.detail as { metadata?: { version?: unknown } } | null)?.metadata?.version;
  if (version !== definition.version) {
    throw new UnsupportedEventError(
      `${eventType} version ${String(version)} is not supported (this consumer reads version ${definition.version})`,
    );
  }
  if (envelope.data.source !== definition.source) {
    throw new MalformedEventError(
      `${eventType} must come from ${definition.source}, not ${envelope.data.source}`,
    );
  }
  const detail = detailSchema(eventType).safeParse(envelope.data.detail);
  if (!detail.success) {
    throw new MalformedEventError(`${eventType} detail is invalid: ${describeIssues(detail.error.issues)}`);
  }
  return {
    source: definition.source,
    detailType: eventType,
    detail: detail.data,
  } as unknown as DomainEvent<T>;
};
