import {
  PublishBatchCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InvokeResult, LambdaApi } from '#lib/local/core/types';
import { eventually, type Messaging, startMessaging } from './harness.ts';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:notify';

/** A small fake of the Lambda engine's in-process API. */
const fakeLambda = (
  answer: () => InvokeResult | Promise<InvokeResult> = () => ({
    statusCode: 200,
    payload: null,
    durationMs: 1,
  }),
) => {
  const invocations: { functionName: string; payload: unknown }[] = [];
  const lambda: LambdaApi = {
    functions: () => [{ name: 'notify', arn: FUNCTION_ARN }],
    invoke: async (functionName, payload) => {
      invocations.push({ functionName, payload });
      return answer();
    },
  };
  return { lambda, invocations };
};

describe('SNS fan-out', () => {
  let cloud: Messaging;
  let sns: SNSClient;
  let sqs: SQSClient;
  let fake: ReturnType<typeof fakeLambda>;
  beforeEach(async () => {
    fake = fakeLambda();
    cloud = await startMessaging({ factor: 0.01, services: { lambda: fake.lambda } });
    sns = new SNSClient(cloud.clientConfig);
    sqs = new SQSClient(cloud.clientConfig);
  });
  afterEach(async () => {
    sns.destroy();
    sqs.destroy();
    await cloud.stop();
  });

  const subscribeQueue = async (
    topicArn: string,
    logicalId: string,
    properties: Record<string, unknown> = {},
  ): Promise<{ url: string; arn: string; name: string }> => {
    const queue = await cloud.queue(logicalId);
    await cloud.provision('AWS::SNS::Subscription', `${logicalId}Subscription`, {
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queue.arn,
      ...properties,
    });
    return queue;
  };

  const drain = async (queueUrl: string) => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );
    return Messages;
  };

  it('delivers raw messages with their message attributes, and envelopes otherwise; traces the publish', async () => {
    const topic = await cloud.topic('Events');
    const raw = await subscribeQueue(topic.arn, 'Raw', { RawMessageDelivery: true });
    const wrapped = await subscribeQueue(topic.arn, 'Wrapped');
    const body = JSON.stringify({ orderId: 'o-42', status: 'PAID' });
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: topic.arn,
        Message: body,
        Subject: 'order',
        MessageAttributes: {
          eventType: { DataType: 'String', StringValue: 'OrderConfirmed' },
          amount: { DataType: 'Number', StringValue: '12.5' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([7, 8]) },
        },
      }),
    );

    const [rawMessage] = await drain(raw.url);
    expect(rawMessage?.Body).toBe(body);
    expect(rawMessage?.MessageAttributes).toMatchObject({
      eventType: { DataType: 'String', StringValue: 'OrderConfirmed' },
      amount: { DataType: 'Number', StringValue: '12.5' },
    });
    expect([...(rawMessage?.MessageAttributes?.blob?.BinaryValue ?? [])]).toEqual([7, 8]);

    const [wrappedMessage] = await drain(wrapped.url);
    expect(wrappedMessage?.MessageAttributes).toBeUndefined();
    expect(JSON.parse(wrappedMessage?.Body ?? '{}')).toMatchObject({
      Type: 'Notification',
      MessageId,
      TopicArn: topic.arn,
      Subject: 'order',
      Message: body,
      MessageAttributes: {
        eventType: { Type: 'String', Value: 'OrderConfirmed' },
        amount: { Type: 'Number', Value: '12.5' },
        blob: { Type: 'Binary', Value: 'Bwg=' },
      },
    });
    expect(cloud.ctx.trace.events).toContainEqual({
      orderId: 'o-42',
      event: 'OrderConfirmed',
      service: `sns:${topic.name}`,
      outcome: '→ 2 subscriptions',
    });
  });

  // SNS Publish: "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100
  // characters long." CloudWatch itself sends subjects of exactly 100 characters, so 100 passes.
  it('refuses a Subject with a line break, a control character or over 100 characters, and takes UTF-8 text', async () => {
    const topic = await cloud.topic('Subjects');
    const queue = await subscribeQueue(topic.arn, 'SubjectReader');
    for (const Subject of ['two\nlines', 'bell\u0007', 's'.repeat(101), '']) {
      await expect(
        sns.send(new PublishCommand({ TopicArn: topic.arn, Message: 'x', Subject })),
      ).rejects.toMatchObject({ name: 'InvalidParameterException', message: 'Invalid parameter: Subject' });
    }
    await sns.send(new PublishCommand({ TopicArn: topic.arn, Message: 'x', Subject: 'Café déjà vu 🎉' }));
    await sns.send(new PublishCommand({ TopicArn: topic.arn, Message: 'y', Subject: 's'.repeat(100) }));
    const delivered = (await drain(queue.url)).map((message) => JSON.parse(message.Body ?? '{}').Subject);
    expect(delivered.sort()).toEqual(['Café déjà vu 🎉', 's'.repeat(100)].sort());
  });

  it('matches String.Array attributes element by element (a gap in fauxqs)', async () => {
    const topic = await cloud.topic('Tags');
    const queue = await subscribeQueue(topic.arn, 'Red', {
      FilterPolicy: { tags: ['red'] },
      RawMessageDelivery: true,
    });
    const notRed = await subscribeQueue(topic.arn, 'NotRed', {
      FilterPolicy: { tags: [{ 'anything-but': ['red'] }] },
      RawMessageDelivery: true,
    });
    const publish = (message: string, tags: string) =>
      sns.send(
        new PublishCommand({
          TopicArn: topic.arn,
          Message: message,
          MessageAttributes: { tags: { DataType: 'String.Array', StringValue: tags } },
        }),
      );
    await publish('blue-and-red', '["blue", "red"]');
    await publish('green', '["green"]');
    await publish('only-red', '["red"]');
    expect((await drain(queue.url)).map((message) => message.Body).sort()).toEqual([
      'blue-and-red',
      'only-red',
    ]);
    // anything-but matches an array that holds a value other than the excluded ones.
    expect((await drain(notRed.url)).map((message) => message.Body).sort()).toEqual([
      'blue-and-red',
      'green',
    ]);
  });

  it('matches arrays in the message body with FilterPolicyScope MessageBody (a gap in fauxqs)', async () => {
    const topic = await cloud.topic('Orders');
    const queue = await subscribeQueue(topic.arn, 'SkuA', {
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { order: { items: { sku: ['A'] } }, tags: ['rush'] },
      RawMessageDelivery: true,
    });
    const publish = (body: unknown) =>
      sns.send(new PublishCommand({ TopicArn: topic.arn, Message: JSON.stringify(body) }));
    await publish({ id: 1, order: { items: [{ sku: 'B' }, { sku: 'A' }] }, tags: ['gift', 'rush'] });
    await publish({ id: 2, order: { items: [{ sku: 'B' }] }, tags: ['rush'] });
    await publish({ id: 3, order: { items: [{ sku: 'A' }] }, tags: [] });
    expect((await drain(queue.url)).map((message) => JSON.parse(message.Body ?? '{}').id)).toEqual([1]);
  });

  it('evaluates nested $or, inside a nested MessageBody policy and inside another $or (a gap in fauxqs)', async () => {
    const topic = await cloud.topic('Payments');
    const nestedInBody = await subscribeQueue(topic.arn, 'BigOrPaid', {
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { detail: { $or: [{ status: ['PAID'] }, { amount: [{ numeric: ['>', 100] }] }] } },
      RawMessageDelivery: true,
    });
    const orInOr = await subscribeQueue(topic.arn, 'OrInOr', {
      FilterPolicy: {
        source: ['shop'],
        $or: [
          { channel: ['email'] },
          { tier: ['gold'], $or: [{ region: ['eu'] }, { amount: [{ numeric: ['>=', 500] }] }] },
        ],
      },
      RawMessageDelivery: true,
    });
    await sns.send(
      new PublishCommand({
        TopicArn: topic.arn,
        Message: JSON.stringify({ id: 'paid', detail: { status: 'PAID', amount: 5 } }),
      }),
    );
    await sns.send(
      new PublishCommand({
        TopicArn: topic.arn,
        Message: JSON.stringify({ id: 'big', detail: { status: 'NEW', amount: 150 } }),
      }),
    );
    await sns.send(
      new PublishCommand({
        TopicArn: topic.arn,
        Message: JSON.stringify({ id: 'small', detail: { status: 'NEW', amount: 50 } }),
      }),
    );
    expect(
      (await drain(nestedInBody.url)).map((message) => JSON.parse(message.Body ?? '{}').id).sort(),
    ).toEqual(['big', 'paid']);

    const attributes = (values: Record<string, string | number>) =>
      Object.fromEntries(
        Object.entries(values).map(([name, value]) => [
          name,
          typeof value === 'number'
            ? { DataType: 'Number', StringValue: String(value) }
            : { DataType: 'String', StringValue: value },
        ]),
      );
    const publish = (message: string, values: Record<string, string | number>) =>
      sns.send(
        new PublishCommand({ TopicArn: topic.arn, Message: message, MessageAttributes: attributes(values) }),
      );
    await publish('email', { source: 'shop', channel: 'email' });
    await publish('gold-eu', { source: 'shop', tier: 'gold', region: 'eu' });
    await publish('gold-rich', { source: 'shop', tier: 'gold', region: 'us', amount: 900 });
    await publish('gold-poor', { source: 'shop', tier: 'gold', region: 'us', amount: 20 });
    await publish('other-source', { source: 'crm', channel: 'email' });
    expect((await drain(orInOr.url)).map((message) => message.Body).sort()).toEqual([
      'email',
      'gold-eu',
      'gold-rich',
    ]);
  });

  it('compares Number attributes as numbers and String attributes as strings', async () => {
    const topic = await cloud.topic('Prices');
    const numeric = await subscribeQueue(topic.arn, 'Expensive', {
      FilterPolicy: { price: [{ numeric: ['>=', 100] }] },
      RawMessageDelivery: true,
    });
    const exact = await subscribeQueue(topic.arn, 'Hundred', {
      FilterPolicy: { price: [100] },
      RawMessageDelivery: true,
    });
    const publish = (message: string, type: string, value: string) =>
      sns.send(
        new PublishCommand({
          TopicArn: topic.arn,
          Message: message,
          MessageAttributes: { price: { DataType: type, StringValue: value } },
        }),
      );
    await publish('number-150', 'Number', '150');
    await publish('number-1e2', 'Number', '1e2');
    await publish('string-150', 'String', '150');
    await publish('number-99.5', 'Number', '99.5');
    expect((await drain(numeric.url)).map((message) => message.Body).sort()).toEqual([
      'number-150',
      'number-1e2',
    ]);
    expect((await drain(exact.url)).map((message) => message.Body)).toEqual(['number-1e2']);
  });

  it('applies the policy to the body with FilterPolicyScope MessageBody; a body that is not JSON matches nothing', async () => {
    const topic = await cloud.topic('Scoped');
    const queue = await subscribeQueue(topic.arn, 'Shipped', {
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { detail: { status: ['SHIPPED'] }, 'detail-type': [{ prefix: 'Order' }] },
      RawMessageDelivery: true,
    });
    const publish = (message: string) =>
      sns.send(
        new PublishCommand({
          TopicArn: topic.arn,
          Message: message,
          // Attributes do not count in MessageBody scope.
          MessageAttributes: { status: { DataType: 'String', StringValue: 'SHIPPED' } },
        }),
      );
    await publish(JSON.stringify({ 'detail-type': 'OrderShipped', detail: { status: 'SHIPPED' } }));
    await publish(JSON.stringify({ 'detail-type': 'OrderShipped', detail: { status: 'PENDING' } }));
    await publish(JSON.stringify({ 'detail-type': 'Refund', detail: { status: 'SHIPPED' } }));
    await publish('SHIPPED');
    const delivered = await drain(queue.url);
    expect(delivered).toHaveLength(1);
    expect(JSON.parse(delivered[0]?.Body ?? '{}')['detail-type']).toBe('OrderShipped');
  });

  it('dead-letters to the subscription DLQ when the subscribed queue is missing', async () => {
    const topic = await cloud.topic('Notifications');
    const dlq = await cloud.queue('SubscriptionDlq');
    await cloud.provision('AWS::SNS::Subscription', 'Gone', {
      TopicArn: topic.arn,
      Protocol: 'sqs',
      Endpoint: 'arn:aws:sqs:us-east-1:000000000000:deleted-queue',
      RawMessageDelivery: true,
      RedrivePolicy: { deadLetterTargetArn: dlq.arn },
    });
    await cloud.engine.publish(topic.arn, JSON.stringify({ orderId: 'o-7' }), {
      messageAttributes: { eventType: { DataType: 'String', StringValue: 'OrderShipped' } },
    });
    const [dead] = await drain(dlq.url);
    expect(JSON.parse(dead?.Body ?? '{}')).toEqual({ orderId: 'o-7' });
    expect(dead?.MessageAttributes?.eventType?.StringValue).toBe('OrderShipped');
    expect(cloud.ctx.trace.events).toContainEqual({
      orderId: 'o-7',
      event: 'OrderShipped',
      service: `sns:${topic.name}`,
      outcome: `dead-lettered to ${dlq.name}: queue arn:aws:sqs:us-east-1:000000000000:deleted-queue does not exist`,
    });
    cloud.engine.sample();
    const metric = (metricName: string) =>
      cloud.ctx.metrics
        .query({
          namespace: 'AWS/SNS',
          metricName,
          dimensions: { TopicName: topic.name },
          start: 0,
          end: Date.now() + 1,
        })
        .reduce((sum, point) => sum + point.value, 0);
    expect(metric('NumberOfNotificationsFailed')).toBe(1);
    expect(metric('NumberOfNotificationsRedrivenToDlq')).toBe(1);
  });

  it('invokes Lambda subscribers with the SNS event, and dead-letters when the function does not exist', async () => {
    const topic = await cloud.topic('Alerts');
    await cloud.provision('AWS::SNS::Subscription', 'Fn', {
      TopicArn: topic.arn,
      Protocol: 'lambda',
      Endpoint: FUNCTION_ARN,
    });
    const dlq = await cloud.queue('FnDlq');
    await cloud.provision('AWS::SNS::Subscription', 'MissingFn', {
      TopicArn: topic.arn,
      Protocol: 'lambda',
      Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:missing',
      RedrivePolicy: { deadLetterTargetArn: dlq.arn },
    });
    await cloud.engine.publish(topic.arn, 'ALARM', {
      subject: 'ALARM: queue depth',
      messageAttributes: { severity: { DataType: 'String', StringValue: 'high' } },
    });
    const [invocation] = await eventually(() => (fake.invocations.length > 0 ? fake.invocations : undefined));
    expect(invocation?.functionName).toBe(FUNCTION_ARN);
    expect(invocation?.payload).toMatchObject({
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: expect.stringMatching(new RegExp(`^${topic.arn}:`)),
          Sns: {
            Type: 'Notification',
            TopicArn: topic.arn,
            Subject: 'ALARM: queue depth',
            Message: 'ALARM',
            MessageAttributes: { severity: { Type: 'String', Value: 'high' } },
          },
        },
      ],
    });
    const [dead] = await eventually(async () => {
      const messages = await drain(dlq.url);
      return messages.length > 0 ? messages : undefined;
    });
    expect(JSON.parse(dead?.Body ?? '{}')).toMatchObject({
      Type: 'Notification',
      Message: 'ALARM',
      TopicArn: topic.arn,
    });
  });

  it('retries a failing Lambda handler twice (scaled minutes), as asynchronous invocations are', async () => {
    await cloud.stop();
    let calls = 0;
    fake = fakeLambda(() => {
      calls += 1;
      return calls < 3
        ? {
            statusCode: 200,
            payload: { errorType: 'Error', errorMessage: 'boom' },
            functionError: 'Unhandled',
            durationMs: 1,
          }
        : { statusCode: 200, payload: null, durationMs: 1 };
    });
    cloud = await startMessaging({ factor: 0.001, services: { lambda: fake.lambda } });
    const topic = await cloud.topic('Flaky');
    await cloud.provision('AWS::SNS::Subscription', 'Fn', {
      TopicArn: topic.arn,
      Protocol: 'lambda',
      Endpoint: FUNCTION_ARN,
    });
    await cloud.engine.publish(topic.arn, 'hello');
    await eventually(() => (fake.invocations.length === 3 ? true : undefined));
  });

  it('de-duplicates on FIFO topics and keeps the message group on FIFO queues', async () => {
    const topic = await cloud.topic('Ledger', { FifoTopic: true });
    // A generated FIFO topic name keeps `.fifo` after CloudFormation's suffix.
    expect(topic.name).toMatch(/^Test-Ledger-[A-Z0-9]{12}\.fifo$/);
    const queue = await cloud.queue('LedgerQueue', { FifoQueue: true });
    await cloud.provision('AWS::SNS::Subscription', 'LedgerSub', {
      TopicArn: topic.arn,
      Protocol: 'sqs',
      Endpoint: queue.arn,
      RawMessageDelivery: true,
    });
    const publish = () =>
      sns.send(
        new PublishCommand({
          TopicArn: topic.arn,
          Message: 'entry',
          MessageGroupId: 'order-1',
          MessageDeduplicationId: 'd-1',
        }),
      );
    const first = await publish();
    const second = await publish();
    expect(second.MessageId).toBe(first.MessageId);
    expect(first.SequenceNumber).toMatch(/^\d{20}$/);
    await expect(
      sns.send(new PublishCommand({ TopicArn: topic.arn, Message: 'no group' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    expect(Messages).toHaveLength(1);
    expect(Messages[0]?.Attributes?.MessageGroupId).toBe('order-1');
  });

  it('publishes in batches, refuses invalid filter policies over the wire, and confirms Lambda subscriptions', async () => {
    const topic = await cloud.topic('Batch');
    const queue = await subscribeQueue(topic.arn, 'All', { RawMessageDelivery: true });
    const { Successful, Failed } = await sns.send(
      new PublishBatchCommand({
        TopicArn: topic.arn,
        PublishBatchRequestEntries: [
          { Id: 'a', Message: 'first' },
          { Id: 'b', Message: 'second', MessageAttributes: { n: { DataType: 'Number', StringValue: 'x' } } },
        ],
      }),
    );
    expect(Successful?.map((entry) => entry.Id)).toEqual(['a']);
    expect(Failed?.[0]).toMatchObject({ Id: 'b', SenderFault: true });
    expect((await drain(queue.url)).map((message) => message.Body)).toEqual(['first']);

    await expect(
      sns.send(
        new SubscribeCommand({
          TopicArn: topic.arn,
          Protocol: 'sqs',
          Endpoint: queue.arn,
          Attributes: { FilterPolicy: JSON.stringify({ a: { b: ['c'] } }) },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn: topic.arn,
        Protocol: 'lambda',
        Endpoint: FUNCTION_ARN,
        ReturnSubscriptionArn: true,
      }),
    );
    await expect(
      sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn,
          AttributeName: 'FilterPolicy',
          AttributeValue: '{"price": [{"numeric": ["~", 1]}]}',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await cloud.engine.publish(topic.arn, 'to lambda');
    await eventually(() => (fake.invocations.length === 1 ? true : undefined));
  });
});
