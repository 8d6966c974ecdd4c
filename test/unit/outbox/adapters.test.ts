import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoRelayLedger } from '#functions/outbox/adapters/dynamo-relay-ledger';
import { EventBridgeBus } from '#functions/outbox/adapters/eventbridge-bus';
import { parseOutboxItem } from '#functions/outbox/outbox-item';
import type { DomainEvent } from '#shared/events/schemas';
import { NOW, outboxItem } from './builders.ts';

const eventOf = (eventId: string): DomainEvent => {
  const parsed = parseOutboxItem(outboxItem(eventId));
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.event;
};

describe('EventBridgeBus', () => {
  const events = mockClient(EventBridgeClient);
  const bus = new EventBridgeBus(new EventBridgeClient({ region: 'us-east-1' }), 'OrderflowBus');

  beforeEach(() => {
    events.reset();
  });

  it('puts the stored detail unchanged and reports each refused entry on its own', async () => {
    // Prepare
    events.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [
        { EventId: 'eb-1' },
        { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' },
        { EventId: 'eb-3' },
      ],
    });

    // Act
    const outcomes = await bus.put([eventOf('e-1'), eventOf('e-2'), eventOf('e-3')]);

    // Assess
    expect(outcomes).toEqual([
      { accepted: true },
      { accepted: false, error: 'ThrottlingException: Rate exceeded' },
      { accepted: true },
    ]);
    const entries = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries[0]).toEqual({
      EventBusName: 'OrderflowBus',
      Source: 'orderflow.orders',
      DetailType: 'OrderConfirmed',
      Detail: outboxItem('e-1').detail,
      Time: NOW,
    });
  });
});

describe('DynamoRelayLedger', () => {
  const documents = mockClient(DynamoDBDocumentClient);
  const ledger = new DynamoRelayLedger(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    'Idempotency',
    0,
  );
  const nowSeconds = Math.floor(NOW.getTime() / 1000);

  beforeEach(() => {
    documents.reset();
  });

  it('finds relayed events with BatchGetItem and treats an expired record as absent', async () => {
    // Prepare
    documents.on(BatchGetCommand).resolves({
      Responses: {
        Idempotency: [
          { id: 'outbox-relay#e-1', expiration: nowSeconds + 60 },
          { id: 'outbox-relay#e-2', expiration: nowSeconds - 60 },
        ],
      },
    });

    // Act
    const relayed = await ledger.relayed(['e-1', 'e-2', 'e-3'], NOW);

    // Assess
    expect([...relayed]).toEqual(['e-1']);
    expect(documents.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems).toEqual({
      Idempotency: {
        Keys: [{ id: 'outbox-relay#e-1' }, { id: 'outbox-relay#e-2' }, { id: 'outbox-relay#e-3' }],
        ProjectionExpression: '#id, #expiration',
        ExpressionAttributeNames: { '#id': 'id', '#expiration': 'expiration' },
      },
    });
  });

  it('records relayed events with BatchWriteItem in chunks of 25, retrying unprocessed items', async () => {
    // Prepare
    const eventIds = Array.from({ length: 30 }, (_, index) => `e-${index}`);
    const leftOver = {
      Idempotency: [{ PutRequest: { Item: { id: 'outbox-relay#e-0', expiration: nowSeconds } } }],
    };
    documents
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: leftOver })
      .resolves({ UnprocessedItems: {} });

    // Act
    await ledger.record(eventIds, NOW);

    // Assess
    const writes = documents
      .commandCalls(BatchWriteCommand)
      .map((call) => call.args[0].input.RequestItems?.Idempotency ?? []);
    expect(writes.map((requests) => requests.length)).toEqual([25, 1, 5]);
    expect(writes[0]?.[0]).toEqual({
      PutRequest: { Item: { id: 'outbox-relay#e-0', expiration: nowSeconds } },
    });
    expect(writes[1]).toEqual(leftOver.Idempotency);
  });
});
