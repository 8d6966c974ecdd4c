/**
 * Faults, end to end: a poison message is dead-lettered, its DLQ alarm fires and ops-alerts hears about it;
 * a dead-lettered OrderPlaced, redriven with StartMessageMoveTask, completes its order exactly once.
 * Run locally with ORDERFLOW_TIME_SCALE (0.01 by default for this suite) these take seconds.
 */
import { randomUUID } from 'node:crypto';
import { SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  ListMessageMoveTasksCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { depthAlarmOf, queueArn, queueAttributes, queueUrl } from './support/aws-resources.ts';
import { awsSeconds, clients, eventually, output, runId, target } from './support/harness.ts';
import { settledOrder } from './support/orders.ts';

/** How long a fault takes to surface: redelivery, DLQ, alarm period, notification, on this target's clock. */
const faultWindow = Math.max(45_000, awsSeconds(900));

describe.skipIf(target.skipReason !== undefined)(`faults on ${target.kind}`, () => {
  let listenerUrl = '';
  let subscriptionArn = '';

  beforeAll(async () => {
    // A queue of our own, subscribed to ops-alerts, to see what the operators would receive.
    const created = await clients.sqs.send(
      new CreateQueueCommand({ QueueName: `e2e-ops-alerts-${runId()}` }),
    );
    listenerUrl = created.QueueUrl as string;
    const listenerArn = await queueArn(listenerUrl);
    const topicArn = output('OpsAlertsTopicArn');
    await clients.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: listenerUrl,
        Attributes: {
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'sns.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: listenerArn,
                Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
              },
            ],
          }),
        },
      }),
    );
    const subscribed = await clients.sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: listenerArn,
        ReturnSubscriptionArn: true,
      }),
    );
    subscriptionArn = subscribed.SubscriptionArn as string;
  });

  afterAll(async () => {
    if (subscriptionArn) await clients.sns.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
    if (listenerUrl) await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: listenerUrl }));
  });

  it(
    'dead-letters a poison message, raises the DLQ alarm and notifies ops-alerts in the alarm format',
    async () => {
      // Prepare: an empty DLQ and its alarm out of ALARM, so the transition (and its notification) is ours.
      const work = await queueUrl('NotifierQueue');
      const dlq = await queueUrl('NotifierDeadLetterQueue');
      await clients.sqs.send(new PurgeQueueCommand({ QueueUrl: dlq }));
      const dlqName = dlq.split('/').pop() as string;
      const alarm = await depthAlarmOf(dlqName);
      await clients.cloudwatch.send(
        new SetAlarmStateCommand({
          AlarmName: alarm.AlarmName,
          StateValue: 'OK',
          StateReason: 'e2e: start from OK',
        }),
      );

      // Act: a message no consumer can read.
      await clients.sqs.send(
        new SendMessageCommand({ QueueUrl: work, MessageBody: `poison ${randomUUID()}` }),
      );

      // Assess: in the DLQ after maxReceiveCount receives, the alarm in ALARM, and the operators told.
      await eventually(
        'the poison message in the DLQ',
        async () =>
          Number((await queueAttributes(dlq)).ApproximateNumberOfMessages) >= 1 ? true : undefined,
        { timeoutMs: faultWindow },
      );
      const notification = await eventually(
        `an ALARM notification for ${alarm.AlarmName} on ops-alerts`,
        async () => {
          const { Messages = [] } = await clients.sqs.send(
            new ReceiveMessageCommand({ QueueUrl: listenerUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
          );
          for (const message of Messages) {
            const envelope = JSON.parse(message.Body ?? '{}') as { Subject?: string; Message?: string };
            const body = JSON.parse(envelope.Message ?? '{}') as Record<string, unknown>;
            if (body.AlarmName === alarm.AlarmName && body.NewStateValue === 'ALARM')
              return { envelope, body };
          }
          return undefined;
        },
        { timeoutMs: faultWindow },
      );
      expect(notification.envelope.Subject).toMatch(/^ALARM: ".*" in US East \(N\. Virginia\)$/);
      expect(notification.body).toMatchObject({
        NewStateValue: 'ALARM',
        OldStateValue: 'OK',
        Trigger: {
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Namespace: 'AWS/SQS',
          Dimensions: [{ name: 'QueueName', value: dlqName }],
        },
      });
    },
    faultWindow * 3,
  );

  it(
    'completes a dead-lettered order exactly once when its DLQ is redriven, even with the event there twice',
    async () => {
      // Prepare: a PENDING order whose OrderPlaced never reached the saga: it sits, twice, in the saga-start DLQ.
      const orderId = randomUUID();
      const now = new Date().toISOString();
      const items = [{ sku: 'SKU-CABLE', name: 'USB-C cable, 2 m', quantity: 2, unitPrice: 1299 }];
      const shippingAddress = {
        line1: '1 Main Street',
        city: 'Springfield',
        postalCode: '12345',
        country: 'US',
      };
      await clients.dynamo.send(
        new PutCommand({
          TableName: output('OrdersTableName'),
          Item: {
            pk: `ORDER#${orderId}`,
            orderId,
            customerId: 'e2e-redrive',
            status: 'PENDING',
            items,
            total: 2598,
            currency: 'USD',
            shippingAddress,
            createdAt: now,
            updatedAt: now,
            version: 1,
            correlationId: `e2e-${orderId}`,
          },
        }),
      );
      const eventId = randomUUID();
      const event = {
        version: '0',
        id: randomUUID(),
        'detail-type': 'OrderPlaced',
        source: 'orderflow.orders',
        account: '000000000000',
        time: now,
        region: target.region,
        resources: [],
        detail: {
          metadata: {
            eventId,
            eventType: 'OrderPlaced',
            version: 1,
            occurredAt: now,
            correlationId: `e2e-${orderId}`,
            causationId: `e2e-${orderId}`,
          },
          data: {
            orderId,
            customerId: 'e2e-redrive',
            sequence: 1,
            total: 2598,
            currency: 'USD',
            items,
            paymentToken: 'tok_visa',
            shippingAddress,
            createdAt: now,
          },
        },
      };
      const source = await queueUrl('SagaStarterQueue');
      const dlq = await queueUrl('SagaStarterDeadLetterQueue');
      await clients.sqs.send(new PurgeQueueCommand({ QueueUrl: dlq }));
      for (let copy = 0; copy < 2; copy += 1) {
        await clients.sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: JSON.stringify(event) }));
      }

      // Act: the operator's redrive.
      const task = await clients.sqs.send(
        new StartMessageMoveTaskCommand({
          SourceArn: await queueArn(dlq),
          DestinationArn: await queueArn(source),
        }),
      );

      // Assess
      expect(task.TaskHandle).toBeTruthy();
      expect((await settledOrder(orderId, faultWindow)).status).toBe('CONFIRMED');
      const tasks = await eventually(
        'the move task to complete',
        async () => {
          const listed = await clients.sqs.send(
            new ListMessageMoveTasksCommand({ SourceArn: await queueArn(dlq) }),
          );
          // The newest task comes first; like SQS, a finished task no longer shows its handle.
          const newest = listed.Results?.[0];
          return newest?.Status === 'COMPLETED' ? newest : undefined;
        },
        { timeoutMs: faultWindow },
      );
      expect(tasks.ApproximateNumberOfMessagesMoved).toBe(2);
      const executions = await clients.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: output('StateMachineArn'), maxResults: 1000 }),
      );
      expect(executions.executions?.filter((execution) => execution.name === orderId)).toHaveLength(1);
      const gateway = await clients.dynamo.send(
        new GetCommand({
          TableName: output('PaymentsTableName'),
          Key: { pk: `GATEWAY#${orderId}` },
          ConsistentRead: true,
        }),
      );
      expect(gateway.Item?.attempts).toBe(1);
    },
    faultWindow * 3,
  );
});
