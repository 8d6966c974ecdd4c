import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoGatewayAttempts } from '#functions/payments/dynamo-gateway-attempts';
import { DynamoPaymentStore } from '#functions/payments/dynamo-payment-store';
import { authorizationIdFor, SimulatedPaymentGateway } from '#functions/payments/simulated-payment-gateway';
import { TransientDependencyError } from '#shared/domain/errors';
import { InMemoryGatewayAttempts } from './fakes.ts';

const TABLE = 'Payments';
const AT = new Date('2026-11-01T12:00:00.000Z');
const dynamo = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));

describe('payment adapters', () => {
  beforeEach(() => {
    dynamo.reset();
  });

  it('counts gateway attempts with an atomic ADD on GATEWAY#<orderId>, so the count survives across containers', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({ Attributes: { attempts: 3 } });

    // Act
    const attempts = await new DynamoGatewayAttempts(client, TABLE).record('order-1');

    // Assess
    expect(attempts).toBe(3);
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'GATEWAY#order-1' },
      UpdateExpression: 'ADD attempts :one',
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    });
  });

  it('records a payment outcome only where the order has no payment record', async () => {
    // Prepare
    dynamo
      .on(PutCommand)
      .resolvesOnce({})
      .rejectsOnce(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    const store = new DynamoPaymentStore(client, TABLE);
    const record = { orderId: 'order-1', status: 'VOID' } as const;

    // Act
    const outcomes = [await store.create(record, AT), await store.create(record, AT)];

    // Assess
    expect(outcomes).toEqual([true, false]);
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: { pk: 'PAYMENT#order-1', orderId: 'order-1', status: 'VOID', createdAt: AT.toISOString() },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('marks a payment refunded only while it is AUTHORIZED, and maps throttling to TransientDependencyError', async () => {
    // Prepare
    dynamo
      .on(UpdateCommand)
      .resolvesOnce({})
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    const store = new DynamoPaymentStore(client, TABLE);

    // Act
    const refunded = await store.markRefunded('order-1', AT);
    const throttled = store.markRefunded('order-1', AT);

    // Assess
    expect(refunded).toBe(true);
    await expect(throttled).rejects.toBeInstanceOf(TransientDependencyError);
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: { pk: 'PAYMENT#order-1' },
      UpdateExpression: 'SET #status = :refunded, refundedAt = :at',
      ConditionExpression: '#status = :authorized',
    });
  });

  it('answers the same authorizationId for the same order and counts tok_flaky attempts per order', async () => {
    // Prepare
    const gateway = new SimulatedPaymentGateway(new InMemoryGatewayAttempts());
    const request = (idempotencyKey: string, token: string) => ({
      idempotencyKey,
      amount: 100,
      currency: 'USD',
      token,
    });
    const attempt = (idempotencyKey: string, token: string) =>
      gateway.authorize(request(idempotencyKey, token)).then(
        (response) => response.outcome,
        (error: Error) => error.name,
      );

    // Act
    const visa = [await attempt('order-1', 'tok_visa'), await attempt('order-1', 'tok_visa')];
    const flaky = [await attempt('order-2', 'tok_flaky'), await attempt('order-2', 'tok_flaky')];
    const flakyThird = await attempt('order-2', 'tok_flaky');
    const otherOrderFirst = await attempt('order-3', 'tok_flaky');

    // Assess
    expect(visa).toEqual(['APPROVED', 'APPROVED']);
    expect(await gateway.authorize(request('order-1', 'tok_visa'))).toEqual({
      outcome: 'APPROVED',
      authorizationId: authorizationIdFor('order-1'),
    });
    expect(authorizationIdFor('order-1')).not.toBe(authorizationIdFor('order-2'));
    expect([...flaky, flakyThird]).toEqual([
      'PaymentGatewayTransientError',
      'PaymentGatewayTransientError',
      'APPROVED',
    ]);
    expect(otherOrderFirst).toBe('PaymentGatewayTransientError');
  });
});
