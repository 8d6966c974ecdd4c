import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { composeNotification } from '#functions/notifications/domain/notification';
import { handler as emailSender } from '#functions/notifications/email-sender-handler';
import { sqsRecord } from '../../fixtures/eventbridge.ts';
import { lambdaContext } from '../../fixtures/lambda-context.ts';
import { idempotencyRecords } from './in-memory-idempotency.ts';
import { orderConfirmed } from './order-events.ts';

// One handler per file: the shared idempotency store is a per-process singleton, configured by the
// first idempotent function that runs (its key path sticks), exactly as in a Lambda execution environment.
vi.mock('@aws-lambda-powertools/idempotency/dynamodb', async () => ({
  DynamoDBPersistenceLayer: (await import('./in-memory-idempotency.ts')).InMemoryPersistenceLayer,
}));

const dynamo = mockClient(DynamoDBDocumentClient);

describe('email sender handler, wired as deployed', () => {
  beforeEach(() => {
    vi.stubEnv('IDEMPOTENCY_TABLE', 'Idempotency');
    vi.stubEnv('READ_MODEL_TABLE', 'ReadModel');
    idempotencyRecords.clear();
    dynamo.reset();
  });

  it('records the notification in the table named by READ_MODEL_TABLE', async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});
    const notification = composeNotification(orderConfirmed(), 'email');

    // Act
    const response = await emailSender({ Records: [sqsRecord(notification)] }, lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.TableName)).toEqual([
      'ReadModel',
    ]);
  });
});
