import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoCatalog } from '#functions/orders/adapters/dynamo-catalog';

const documents = mockClient(DynamoDBDocumentClient);
const catalog = new DynamoCatalog(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  'Inventory',
  0,
);

const item = (sku: string, price: number) => ({ sku, name: `name of ${sku}`, price, available: 5 });
const projection = {
  ProjectionExpression: '#sku, #name, #price, #available',
  ExpressionAttributeNames: { '#sku': 'sku', '#name': 'name', '#price': 'price', '#available': 'available' },
};

describe('DynamoCatalog', () => {
  beforeEach(() => {
    documents.reset();
  });

  it('reads products with BatchGetItem and asks again for the keys left unprocessed', async () => {
    // Prepare
    const unprocessed = { Inventory: { Keys: [{ pk: 'SKU#SKU-B' }], ...projection } };
    documents
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { Inventory: [item('SKU-A', 100)] }, UnprocessedKeys: unprocessed })
      .resolvesOnce({ Responses: { Inventory: [item('SKU-B', 250)] }, UnprocessedKeys: {} });

    // Act
    const products = await catalog.findBySkus(['SKU-A', 'SKU-B', 'SKU-C']);

    // Assess
    const calls = documents.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems);
    expect(calls).toEqual([
      { Inventory: { Keys: [{ pk: 'SKU#SKU-A' }, { pk: 'SKU#SKU-B' }, { pk: 'SKU#SKU-C' }], ...projection } },
      unprocessed,
    ]);
    expect([...products.values()]).toEqual([item('SKU-A', 100), item('SKU-B', 250)]);
    expect(products.has('SKU-C')).toBe(false);
  });

  it('lists every SKU# item across scan pages', async () => {
    // Prepare
    documents
      .on(ScanCommand)
      .resolvesOnce({ Items: [item('SKU-B', 2)], LastEvaluatedKey: { pk: 'SKU#SKU-B' } })
      .resolvesOnce({ Items: [item('SKU-A', 1)] });

    // Act
    const products = await catalog.listAll();

    // Assess
    const inputs = documents.commandCalls(ScanCommand).map((call) => call.args[0].input);
    expect(inputs[0]).toMatchObject({
      TableName: 'Inventory',
      FilterExpression: 'begins_with(#pk, :prefix)',
      ExpressionAttributeValues: { ':prefix': 'SKU#' },
    });
    expect(inputs[0]?.ExclusiveStartKey).toBeUndefined();
    expect(inputs[1]?.ExclusiveStartKey).toEqual({ pk: 'SKU#SKU-B' });
    expect(products.map((product) => product.sku)).toEqual(['SKU-B', 'SKU-A']);
  });
});
