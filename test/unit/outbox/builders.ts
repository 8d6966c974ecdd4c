import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { toOutboxItem } from '#functions/outbox/outbox-item';
import { createEvent } from '#shared/events/envelope';

export const NOW = new Date('2026-11-01T12:00:00.000Z');

/** The outbox item an order transaction writes for an OrderConfirmed event with this id. */
export const outboxItem = (eventId: string, orderId = `order-${eventId}`) =>
  toOutboxItem(
    createEvent(
      'OrderConfirmed',
      { orderId, customerId: 'customer-42', sequence: 2, total: 8999, currency: 'USD', status: 'CONFIRMED' },
      { eventId, occurredAt: NOW, correlationId: 'corr-1', causationId: 'cause-1' },
    ),
    NOW,
  );

/** A DynamoDB stream record of the Orders table carrying `item` as its new image. */
export const streamRecord = (
  sequenceNumber: string,
  item: object,
  eventName: DynamoDBRecord['eventName'] = 'INSERT',
): DynamoDBRecord => {
  const image = item as Record<string, unknown>;
  return {
    eventID: `event-${sequenceNumber}`,
    eventName,
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      Keys: marshall({ pk: image.pk }) as NonNullable<DynamoDBRecord['dynamodb']>['Keys'],
      NewImage: marshall(image) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'],
      SequenceNumber: sequenceNumber,
      StreamViewType: 'NEW_IMAGE',
    },
  };
};
