import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '#functions/inventory/reserve-handler';
import { deterministicEventId } from '#shared/events/envelope';
import { lambdaContext } from '../../fixtures/lambda-context.ts';
import { CORRELATION_ID, sagaInput } from '../saga-starter/order-placed.ts';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

const dynamo = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);

describe('reserve-inventory handler', () => {
  beforeAll(() => {
    vi.stubEnv('INVENTORY_TABLE', 'Inventory');
    vi.stubEnv('EVENT_BUS_NAME', 'OrderflowBus');
  });

  beforeEach(() => {
    dynamo.reset();
    eventBridge.reset();
  });

  it("reserves the state's order lines and returns the result the saga reads at $.reservation", async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).resolves({});
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
    const state = { ...sagaInput(), somethingEarlier: { kept: true } };

    // Act
    const result = await handler(state, lambdaContext());

    // Assess
    expect(result).toEqual({ status: 'RESERVED' });
    expect(dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems).toHaveLength(3);
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({
      EventBusName: 'OrderflowBus',
      Source: 'orderflow.inventory',
      DetailType: 'InventoryReserved',
    });
    expect(JSON.parse(entry?.Detail ?? '{}').metadata).toMatchObject({
      eventId: deterministicEventId('order-1', 'InventoryReserved'),
      correlationId: CORRELATION_ID,
    });
  });

  it('refuses a malformed state with MalformedSagaStateError, which the saga does not retry, and touches nothing', async () => {
    // Prepare
    const state = { ...sagaInput(), correlationId: undefined };

    // Act
    const result = handler(state, lambdaContext());

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'MalformedSagaStateError' });
    expect(dynamo.calls()).toHaveLength(0);
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('fails with TransientDependencyError when the bus refuses the event', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).resolves({});
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });

    // Act
    const result = handler(sagaInput(), lambdaContext());

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'TransientDependencyError' });
  });
});
