/**
 * At-least-once delivery with exactly-once effects: the same OrderPlaced delivered again (a redelivery, a
 * replay from the archive) starts no second saga, charges nothing twice and notifies no one twice.
 */

import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { awsSeconds, clients, eventually, output, sleep, target } from './support/harness.ts';
import { orderBody, placeOrder, settledOrder } from './support/orders.ts';

const notificationsOf = async (orderId: string) =>
  (
    await clients.dynamo.send(
      new QueryCommand({
        TableName: output('ReadModelTableName'),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `NOTIFICATION#${orderId}` },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

/** The OrderPlaced event as the outbox stored it (and the relay published it). */
const orderPlacedOf = async (orderId: string) => {
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await clients.dynamo.send(
      new ScanCommand({
        TableName: output('OrdersTableName'),
        FilterExpression: 'begins_with(pk, :outbox) AND detailType = :type AND contains(detail, :orderId)',
        ExpressionAttributeValues: { ':outbox': 'OUTBOX#', ':type': 'OrderPlaced', ':orderId': orderId },
        ExclusiveStartKey,
      }),
    );
    const item = page.Items?.[0];
    if (item) return item as { source: string; detailType: string; detail: string };
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  throw new Error(`no OrderPlaced outbox item for ${orderId}`);
};

describe.skipIf(target.skipReason !== undefined)(`duplicate deliveries on ${target.kind}`, () => {
  it('runs one saga and charges once when OrderPlaced is delivered twice, and notifies once per channel', async () => {
    // Prepare: an order that went all the way, and its notifications (email: placed, shipped, confirmed; sms: confirmed).
    const orderId = await placeOrder(orderBody({ items: [{ sku: 'SKU-LAPTOP-STAND', quantity: 1 }] }));
    expect((await settledOrder(orderId)).status).toBe('CONFIRMED');
    await eventually('four notifications', async () =>
      (await notificationsOf(orderId)).length === 4 ? true : undefined,
    );
    const placed = await orderPlacedOf(orderId);

    // Act: the same event again, as a redelivery or a replay would bring it (a new EventBridge and SQS id).
    const put = await clients.events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: output('EventBusName'),
            Source: placed.source,
            DetailType: placed.detailType,
            Detail: placed.detail,
          },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
    // Long enough for the saga-start, notification and analytics queues to deliver it several times over.
    await sleep(Math.max(3_000, awsSeconds(120)));

    // Assess
    const machine = output('StateMachineArn');
    const execution = await clients.sfn.send(
      new DescribeExecutionCommand({
        executionArn: `${machine.replace(':stateMachine:', ':execution:')}:${orderId}`,
      }),
    );
    expect(execution.status).toBe('SUCCEEDED');
    const executions = await clients.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machine, maxResults: 1000 }),
    );
    expect(executions.executions?.filter((candidate) => candidate.name === orderId)).toHaveLength(1);
    const gateway = await clients.dynamo.send(
      new GetCommand({
        TableName: output('PaymentsTableName'),
        Key: { pk: `GATEWAY#${orderId}` },
        ConsistentRead: true,
      }),
    );
    expect(gateway.Item?.attempts).toBe(1);
    expect(await notificationsOf(orderId)).toHaveLength(4);
    expect((await settledOrder(orderId)).status).toBe('CONFIRMED');
  });
});
