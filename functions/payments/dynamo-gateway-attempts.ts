import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { callAws } from '#shared/adapters/aws-errors';
import type { GatewayAttempts } from './simulated-payment-gateway.ts';

export const gatewayKey = (idempotencyKey: string) => `GATEWAY#${idempotencyKey}`;

/**
 * The simulated gateway's attempt counter, `GATEWAY#<orderId>` {attempts} in the Payments table. An atomic ADD,
 * so retries that land in different execution environments (or run concurrently) each count once.
 */
export class DynamoGatewayAttempts implements GatewayAttempts {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(idempotencyKey: string): Promise<number> {
    const result = await callAws('counting a gateway attempt', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: gatewayKey(idempotencyKey) },
          UpdateExpression: 'ADD attempts :one',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    const attempts = result.Attributes?.attempts;
    if (typeof attempts !== 'number')
      throw new Error(`gateway attempts of ${idempotencyKey} came back as ${attempts}`);
    return attempts;
  }
}
