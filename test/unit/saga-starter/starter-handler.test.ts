import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '#functions/saga/starter-handler';
import { logger } from '#shared/powertools/index';
import { asEventBridgeEvent, sqsRecord } from '../../fixtures/eventbridge.ts';
import { lambdaContext } from '../../fixtures/lambda-context.ts';
import { CORRELATION_ID, ORDER_PLACED_EVENT_ID, orderPlaced } from './order-placed.ts';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:OrderSaga';
const sfn = mockClient(SFNClient);
const dynamo = mockClient(DynamoDBClient);

/**
 * The Idempotency table behind Powertools, in memory: a put succeeds only where no record exists (records in
 * these tests never expire), and a refused put returns the existing record, as ReturnValuesOnConditionCheckFailure does.
 */
const idempotencyTable = new Map<string, Record<string, AttributeValue>>();
const idOf = (key: Record<string, AttributeValue> | undefined): string => key?.id?.S ?? '';
const emulateIdempotencyTable = () => {
  idempotencyTable.clear();
  dynamo.on(PutItemCommand).callsFake(async (input: { Item?: Record<string, AttributeValue> }) => {
    const existing = idempotencyTable.get(idOf(input.Item));
    if (existing) {
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: existing,
      });
    }
    idempotencyTable.set(idOf(input.Item), input.Item ?? {});
    return {};
  });
  dynamo
    .on(UpdateItemCommand)
    .callsFake(
      async (input: {
        Key?: Record<string, AttributeValue>;
        UpdateExpression?: string;
        ExpressionAttributeNames?: Record<string, string>;
        ExpressionAttributeValues?: Record<string, AttributeValue>;
      }) => {
        const item = { ...idempotencyTable.get(idOf(input.Key)) };
        for (const assignment of (input.UpdateExpression ?? '').replace(/^SET /, '').split(', ')) {
          const [name = '', value = ''] = assignment.split(' = ');
          const attribute = input.ExpressionAttributeNames?.[name];
          const attributeValue = input.ExpressionAttributeValues?.[value];
          if (attribute && attributeValue) item[attribute] = attributeValue;
        }
        idempotencyTable.set(idOf(input.Key), item);
        return {};
      },
    );
  dynamo.on(DeleteItemCommand).callsFake(async (input: { Key?: Record<string, AttributeValue> }) => {
    idempotencyTable.delete(idOf(input.Key));
    return {};
  });
  dynamo.on(GetItemCommand).callsFake(async (input: { Key?: Record<string, AttributeValue> }) => ({
    Item: idempotencyTable.get(idOf(input.Key)),
  }));
};

const sqsEvent = (...bodies: unknown[]): SQSEvent => ({ Records: bodies.map((body) => sqsRecord(body)) });

describe('saga-starter handler', () => {
  beforeAll(() => {
    vi.stubEnv('STATE_MACHINE_ARN', STATE_MACHINE_ARN);
    vi.stubEnv('IDEMPOTENCY_TABLE', 'Idempotency');
  });

  beforeEach(() => {
    sfn.reset();
    dynamo.reset();
    emulateIdempotencyTable();
    sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: `${STATE_MACHINE_ARN}:order-1`, startDate: new Date() });
  });

  it('starts one execution named by the orderId, with the order and the OrderPlaced eventId as causation', async () => {
    // Prepare
    const event = sqsEvent(asEventBridgeEvent(orderPlaced()));

    // Act
    const response = await handler(event, lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const starts = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    expect(starts).toHaveLength(1);
    expect(starts[0]?.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(starts[0]?.name).toBe('order-1');
    expect(JSON.parse(starts[0]?.input ?? '{}')).toEqual({
      order: {
        orderId: 'order-1',
        customerId: 'customer-1',
        items: [
          { sku: 'SKU-MUG', name: 'Mug', quantity: 2, unitPrice: 1_500 },
          { sku: 'SKU-TEE', name: 'T-shirt', quantity: 1, unitPrice: 1_500 },
        ],
        total: 4_500,
        currency: 'USD',
        paymentToken: 'tok_visa',
        shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
      },
      correlationId: CORRELATION_ID,
      causationId: ORDER_PLACED_EVENT_ID,
    });
  });

  it('starts nothing for a redelivery of the order with a new messageId: the idempotency key is the orderId', async () => {
    // Prepare
    const body = asEventBridgeEvent(orderPlaced());
    await handler(sqsEvent(body), lambdaContext());
    const info = vi.spyOn(logger, 'info');

    // Act
    const response = await handler(sqsEvent(body), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect(info.mock.calls.map(([message]) => message)).toContainEqual(
      expect.stringMatching(/^duplicate OrderPlaced/),
    );
    info.mockRestore();
    const orderKey = createHash('md5').update(JSON.stringify('order-1')).digest('base64');
    expect([...idempotencyTable.keys()]).toEqual([`saga-starter#${orderKey}`]);
  });

  it('treats ExecutionAlreadyExists as a duplicate delivery and lets the record succeed', async () => {
    // Prepare
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    // Act
    const response = await handler(sqsEvent(asEventBridgeEvent(orderPlaced())), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('fails a malformed and an unknown-version record alone, and still starts the good one', async () => {
    // Prepare
    const good = sqsRecord(asEventBridgeEvent(orderPlaced({ orderId: 'order-2' })));
    const malformed = sqsRecord('{"not": "an event"');
    const v2 = asEventBridgeEvent(orderPlaced({ orderId: 'order-3' }));
    const unknownVersion = sqsRecord({
      ...v2,
      detail: { ...v2.detail, metadata: { ...v2.detail.metadata, version: 2 } },
    });

    // Act
    const response = await handler({ Records: [malformed, good, unknownVersion] }, lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: malformed.messageId },
      { itemIdentifier: unknownVersion.messageId },
    ]);
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name)).toEqual([
      'order-2',
    ]);
  });
});
