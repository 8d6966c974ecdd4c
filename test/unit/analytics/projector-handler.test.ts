import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { handler } from '#functions/analytics/projector-handler';
import { lambdaContext } from '../../fixtures/lambda-context.ts';
import { delivered, orderPlaced } from './order-events.ts';

const dynamo = mockClient(DynamoDBDocumentClient);

describe('projector handler, wired as deployed', () => {
  it('projects into the table named by READ_MODEL_TABLE', async () => {
    // Prepare
    vi.stubEnv('READ_MODEL_TABLE', 'ReadModel');
    dynamo.on(GetCommand).resolves({});
    dynamo.on(TransactWriteCommand).resolves({});

    // Act
    const response = await handler({ Records: [delivered(orderPlaced())] }, lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const writes = dynamo
      .commandCalls(TransactWriteCommand)
      .flatMap((call) => call.args[0].input.TransactItems ?? []);
    expect(writes.map((item) => (item.Put ?? item.Update)?.TableName)).toEqual(['ReadModel', 'ReadModel']);
  });
});
