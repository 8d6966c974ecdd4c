import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Messaging, startMessaging } from './harness.ts';

describe('SQS (ORDERFLOW_TIME_SCALE 0.01)', () => {
  let cloud: Messaging;
  let client: SQSClient;
  beforeEach(async () => {
    cloud = await startMessaging({ factor: 0.01 });
    client = new SQSClient(cloud.clientConfig);
  });
  afterEach(async () => {
    client.destroy();
    await cloud.stop();
  });

  it('sends, receives and deletes in process; queues are found by URL, ARN or name', async () => {
    const queue = await cloud.queue('Work');
    const { messageId } = await cloud.engine.sendMessage(queue.name, 'hello', {
      messageAttributes: {
        kind: { DataType: 'String', StringValue: 'greeting' },
        blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
      },
    });
    const [message] = await cloud.engine.receiveMessages(queue.arn, {
      maxMessages: 10,
      visibilityTimeoutMs: 5000,
      waitTimeMs: 0,
    });
    expect(message).toMatchObject({
      messageId,
      body: 'hello',
      md5OfBody: '5d41402abc4b2a76b9719d911017c592',
    });
    expect(message?.attributes).toMatchObject({ ApproximateReceiveCount: '1', SenderId: '000000000000' });
    expect(message?.messageAttributes.kind?.StringValue).toBe('greeting');
    expect([...(message?.messageAttributes.blob?.BinaryValue ?? [])]).toEqual([1, 2, 3]);
    await cloud.engine.deleteMessage(queue.url, message?.receiptHandle ?? '');
    await cloud.engine.changeMessageVisibility(queue.url, 'gone', 0).then(
      () => expect.fail('a deleted message is not in flight'),
      (error: Error) => expect(error.name).toBe('MessageNotInflight'),
    );
    expect(
      await cloud.engine.receiveMessages(queue.url, {
        maxMessages: 1,
        visibilityTimeoutMs: 0,
        waitTimeMs: 0,
      }),
    ).toEqual([]);
    expect(cloud.engine.queueUrl(queue.arn)).toBe(queue.url);
    expect(() => cloud.engine.queueUrl('missing')).toThrow(/does not exist/);
  });

  it('a message that is not deleted reappears once the scaled visibility timeout (60 s -> 600 ms) is over', async () => {
    const queue = await cloud.queue('Work', { VisibilityTimeout: 60 });
    await cloud.engine.sendMessage(queue.url, 'retry me');
    // Over the wire: the queue's VisibilityTimeout applies, scaled.
    const startedAt = Date.now();
    const first = await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 0 }));
    expect(first.Messages?.[0]?.Body).toBe('retry me');
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages).toBeUndefined();
    // In process, with a long poll that outlasts the visibility timeout.
    const [again] = await cloud.engine.receiveMessages(queue.url, {
      maxMessages: 1,
      visibilityTimeoutMs: cloud.ctx.time.ms(60),
      waitTimeMs: 2000,
    });
    const waited = Date.now() - startedAt;
    expect(again?.body).toBe('retry me');
    expect(again?.attributes.ApproximateReceiveCount).toBe('2');
    expect(waited).toBeGreaterThanOrEqual(590);
    expect(waited).toBeLessThan(5000); // unscaled it would be 60 s
    // ChangeMessageVisibility 0 over the wire makes it visible at once.
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queue.url,
        ReceiptHandle: again?.receiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const third = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }),
    );
    expect(third.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('3');
    await client.send(
      new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: third.Messages?.[0]?.ReceiptHandle }),
    );
  });

  it('reports the AWS (unscaled) attributes over the wire', async () => {
    const queue = await cloud.queue('Work', {
      VisibilityTimeout: 60,
      MessageRetentionPeriod: 1209600,
      DelaySeconds: 5,
      ReceiveMessageWaitTimeSeconds: 20,
    });
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }),
    );
    expect(Attributes).toMatchObject({
      VisibilityTimeout: '60',
      MessageRetentionPeriod: '1209600',
      DelaySeconds: '5',
      ReceiveMessageWaitTimeSeconds: '20',
      QueueArn: queue.arn,
    });
  });

  it('scales delays and long polls: DelaySeconds 60 -> 600 ms, WaitTimeSeconds 20 -> 200 ms', async () => {
    const queue = await cloud.queue('Delayed', { DelaySeconds: 60 });
    const sentAt = Date.now();
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'later' }));
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages).toBeUndefined();
    let body: string | undefined;
    while (body === undefined && Date.now() - sentAt < 5000) {
      const { Messages } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 20 }),
      );
      body = Messages?.[0]?.Body;
    }
    expect(body).toBe('later');
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(590);
    expect(Date.now() - sentAt).toBeLessThan(5000); // unscaled it would be 60 s

    const empty = await cloud.queue('Empty');
    const pollStart = Date.now();
    const polled = await client.send(new ReceiveMessageCommand({ QueueUrl: empty.url, WaitTimeSeconds: 20 }));
    const pollTime = Date.now() - pollStart;
    expect(polled.Messages).toBeUndefined();
    expect(pollTime).toBeGreaterThanOrEqual(150);
    expect(pollTime).toBeLessThan(5000); // unscaled it would be 20 s
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives (in process too), and traces it', async () => {
    const dlq = await cloud.queue('Dlq');
    const queue = await cloud.queue('Source', {
      RedrivePolicy: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 },
    });
    const body = JSON.stringify({ 'detail-type': 'OrderPlaced', detail: { data: { orderId: 'o-1' } } });
    await cloud.engine.sendMessage(queue.url, body);
    const receive = () =>
      cloud.engine.receiveMessages(queue.url, { maxMessages: 10, visibilityTimeoutMs: 0, waitTimeMs: 0 });
    expect(await receive()).toHaveLength(1);
    expect(await receive()).toHaveLength(1);
    expect(await receive()).toEqual([]);
    const [dead] = await cloud.engine.receiveMessages(dlq.url, {
      maxMessages: 1,
      visibilityTimeoutMs: 1000,
      waitTimeMs: 0,
    });
    expect(dead?.body).toBe(body);
    expect(cloud.ctx.trace.events).toContainEqual({
      orderId: 'o-1',
      event: 'OrderPlaced',
      service: `sqs:${queue.name}`,
      outcome: 'dead-lettered after 2 receives',
    });
  });

  it('deletes messages older than the (scaled) retention period', async () => {
    const queue = await cloud.queue('Short', { MessageRetentionPeriod: 60 });
    await cloud.engine.sendMessage(queue.url, 'old');
    cloud.engine.sample(Date.now() + 100);
    expect(
      (
        await client.send(
          new GetQueueAttributesCommand({
            QueueUrl: queue.url,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        )
      ).Attributes?.ApproximateNumberOfMessages,
    ).toBe('1');
    cloud.engine.sample(Date.now() + cloud.ctx.time.ms(60) + 50);
    expect(
      await cloud.engine.receiveMessages(queue.url, {
        maxMessages: 1,
        visibilityTimeoutMs: 0,
        waitTimeMs: 0,
      }),
    ).toEqual([]);
  });

  it('answers errors as SQS does, so the SDK raises the modeled error classes', async () => {
    await expect(
      client.send(new GetQueueAttributesCommand({ QueueUrl: `${cloud.edge.url}/000000000000/missing` })),
    ).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    const queue = await cloud.queue('Strict');
    await expect(
      client.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 11 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  // SQS SendMessage: "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"; anything
  // else is InvalidMessageContents.
  it('accepts characters beyond the Basic Multilingual Plane (emoji) and refuses those SQS does not allow', async () => {
    const queue = await cloud.queue('Unicode');
    const body = 'ship to 1 Main St 🏠 — 𝄞 ok';
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
    await client.send(
      new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: [{ Id: 'a', MessageBody: '🚀' }] }),
    );
    await cloud.engine.sendMessage(queue.url, '🌍 in process');
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10 }),
    );
    expect(Messages.map((message) => message.Body).sort()).toEqual([body, '🌍 in process', '🚀'].sort());
    for (const invalid of ['\u0001', 'lone \uD83C surrogate', '\uFFFE']) {
      await expect(
        client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: invalid })),
      ).rejects.toMatchObject({ name: 'InvalidMessageContents' });
    }
  });

  it('refuses a receipt handle it never issued, and ignores one whose message is already deleted', async () => {
    const queue = await cloud.queue('Handles');
    await cloud.engine.sendMessage(queue.url, 'one');
    await cloud.engine.sendMessage(queue.url, 'two');
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10 }),
    );
    const [first, second] = Messages.map((message) => message.ReceiptHandle as string);
    await expect(
      client.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: 'bogus' })),
    ).rejects.toMatchObject({
      name: 'ReceiptHandleIsInvalid',
      message: 'The input receipt handle "bogus" is not a valid receipt handle.',
    });
    await expect(
      client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queue.url,
          ReceiptHandle: 'bogus',
          VisibilityTimeout: 0,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
    await client.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: first }));
    await client.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: first }));
    const batch = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: [
          { Id: 'good', ReceiptHandle: second },
          { Id: 'bad', ReceiptHandle: 'not-a-handle' },
        ],
      }),
    );
    expect(batch.Successful).toEqual([{ Id: 'good' }]);
    expect(batch.Failed).toEqual([
      {
        Id: 'bad',
        SenderFault: true,
        Code: 'ReceiptHandleIsInvalid',
        Message: 'The input receipt handle "not-a-handle" is not a valid receipt handle.',
      },
    ]);
    expect(
      await cloud.engine.receiveMessages(queue.url, {
        maxMessages: 10,
        visibilityTimeoutMs: 0,
        waitTimeMs: 0,
      }),
    ).toEqual([]);
  });

  it('creates queues over the wire with URLs on the edge, whatever host or region the client used', async () => {
    const other = new SQSClient({
      ...cloud.clientConfig,
      endpoint: cloud.edge.url.replace('127.0.0.1', 'localhost'),
      region: 'eu-west-1',
    });
    const { QueueUrl } = await other.send(new CreateQueueCommand({ QueueName: 'wired' }));
    other.destroy();
    expect(QueueUrl).toBe(`${cloud.edge.url}/000000000000/wired`);
    expect(cloud.engine.queueArn('wired')).toBe('arn:aws:sqs:us-east-1:000000000000:wired');
  });
});
