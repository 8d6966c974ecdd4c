import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MalformedEventError, UnsupportedEventError } from '#shared/domain/errors';
import { createEvent, deterministicEventId, parseDeliveredEvent } from '#shared/events/envelope';
import { EventTypes } from '#shared/events/schemas';
import { jsonSchemaOf, renderCatalog, schemaFileName } from '../../../scripts/event-docs.ts';
import { asEventBridgeEvent } from '../../fixtures/eventbridge.ts';

const causation = {
  correlationId: 'corr-1',
  causationId: 'cause-1',
  occurredAt: new Date('2026-11-01T12:00:00Z'),
};

const confirmed = () =>
  createEvent(
    'OrderConfirmed',
    { orderId: 'order-1', customerId: 'c-1', sequence: 2, total: 1999, currency: 'USD', status: 'CONFIRMED' },
    causation,
  );

describe('event envelope', () => {
  it('wraps data in metadata carrying the type, version, correlation and causation ids', () => {
    const event = confirmed();

    expect(event.source).toBe('orderflow.orders');
    expect(event.detail.metadata).toMatchObject({
      eventType: 'OrderConfirmed',
      version: 1,
      correlationId: 'corr-1',
      causationId: 'cause-1',
      occurredAt: '2026-11-01T12:00:00.000Z',
    });
  });

  it('refuses to create an event whose data breaks its schema', () => {
    expect(() =>
      createEvent(
        'OrderConfirmed',
        // 19.99 is dollars, not integer cents: the schema, not the compiler, catches it
        {
          orderId: 'order-1',
          customerId: 'c-1',
          sequence: 2,
          total: 19.99,
          currency: 'USD',
          status: 'CONFIRMED',
        },
        causation,
      ),
    ).toThrow();
  });

  it('gives a step event the same id every time it is published for the same order', () => {
    expect(deterministicEventId('order-1', 'PaymentAuthorized')).toBe(
      deterministicEventId('order-1', 'PaymentAuthorized'),
    );
    expect(deterministicEventId('order-1', 'PaymentAuthorized')).not.toBe(
      deterministicEventId('order-2', 'PaymentAuthorized'),
    );
    expect(deterministicEventId('order-1', 'PaymentAuthorized')).not.toBe(
      deterministicEventId('order-1', 'PaymentRefunded'),
    );
  });

  it('parses a delivered EventBridge event back into the typed event', () => {
    const event = confirmed();

    const parsed = parseDeliveredEvent(JSON.stringify(asEventBridgeEvent(event)), ['OrderConfirmed']);

    expect(parsed.detail).toEqual(event.detail);
  });

  it('refuses a version the consumer does not know, so the message is dead-lettered', () => {
    const delivered = asEventBridgeEvent(confirmed());
    const v2 = {
      ...delivered,
      detail: { ...delivered.detail, metadata: { ...delivered.detail.metadata, version: 2 } },
    };

    expect(() => parseDeliveredEvent(JSON.stringify(v2), ['OrderConfirmed'])).toThrow(UnsupportedEventError);
  });

  it('refuses an event type the consumer does not accept', () => {
    expect(() =>
      parseDeliveredEvent(JSON.stringify(asEventBridgeEvent(confirmed())), ['OrderPlaced']),
    ).toThrow(UnsupportedEventError);
  });

  it.each([
    ['a body that is not JSON', '{not json'],
    ['JSON that is not an EventBridge event', JSON.stringify({ hello: 'world' })],
    [
      'an event whose data breaks its schema',
      JSON.stringify({
        ...asEventBridgeEvent(confirmed()),
        detail: { ...confirmed().detail, data: { orderId: 'order-1' } },
      }),
    ],
    [
      'an event from the wrong source',
      JSON.stringify({ ...asEventBridgeEvent(confirmed()), source: 'orderflow.payments' }),
    ],
  ])('refuses %s as malformed', (_name, body) => {
    expect(() => parseDeliveredEvent(body, ['OrderConfirmed'])).toThrow(MalformedEventError);
  });
});

describe('generated event documents', () => {
  const docs = join(import.meta.dirname, '..', '..', '..', 'docs');

  it('keeps every committed JSON Schema identical to what the zod schemas generate (run npm run schemas)', () => {
    for (const eventType of EventTypes) {
      const committed = JSON.parse(readFileSync(join(docs, 'events', schemaFileName(eventType)), 'utf8'));
      expect(committed, schemaFileName(eventType)).toEqual(jsonSchemaOf(eventType));
    }
  });

  it('keeps the committed event catalog identical to what the zod schemas generate (run npm run schemas)', () => {
    expect(readFileSync(join(docs, 'event-catalog.md'), 'utf8')).toBe(renderCatalog());
  });
});
