import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { callAws } from '#shared/adapters/aws-errors';
import { chunk } from '#shared/adapters/eventbridge-publisher';
import { TransientDependencyError } from '#shared/domain/errors';
import type { Catalog, Product } from '../ports.ts';

export const SKU_PREFIX = 'SKU#';
/** BatchGetItem reads at most 100 keys per call. */
const BATCH_GET_MAX_KEYS = 100;
/** BatchGetItem may return some keys unprocessed (throttling); we retry those a few times with backoff. */
const MAX_BATCH_GET_ATTEMPTS = 5;

/** Every attribute is aliased, so no reserved word (NAME is one) can break the expression. */
const PROJECTION = {
  ProjectionExpression: '#sku, #name, #price, #available',
  ExpressionAttributeNames: { '#sku': 'sku', '#name': 'name', '#price': 'price', '#available': 'available' },
};

const toProduct = (item: Record<string, unknown>): Product => ({
  sku: String(item.sku),
  name: String(item.name),
  price: Number(item.price),
  available: Number(item.available ?? 0),
});

const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** The catalog is the Inventory table's `SKU#<sku>` items: name, price (cents) and available stock. */
export class DynamoCatalog implements Catalog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly inventoryTable: string,
    private readonly backoffMs = 50,
  ) {}

  async findBySkus(skus: readonly string[]): Promise<ReadonlyMap<string, Product>> {
    const found = new Map<string, Product>();
    for (const batch of chunk([...new Set(skus)], BATCH_GET_MAX_KEYS)) {
      let request: BatchGetCommandInput['RequestItems'] | undefined = {
        [this.inventoryTable]: { Keys: batch.map((sku) => ({ pk: `${SKU_PREFIX}${sku}` })), ...PROJECTION },
      };
      for (let attempt = 1; request && Object.keys(request).length > 0; attempt += 1) {
        if (attempt > MAX_BATCH_GET_ATTEMPTS) {
          throw new TransientDependencyError(
            `BatchGetItem left keys unprocessed after ${MAX_BATCH_GET_ATTEMPTS} attempts`,
          );
        }
        if (attempt > 1) await pause(this.backoffMs * 2 ** (attempt - 2));
        const input: BatchGetCommandInput['RequestItems'] = request;
        const result: BatchGetCommandOutput = await callAws('BatchGetItem', () =>
          this.client.send(new BatchGetCommand({ RequestItems: input })),
        );
        for (const item of result.Responses?.[this.inventoryTable] ?? []) {
          const product = toProduct(item);
          found.set(product.sku, product);
        }
        request = result.UnprocessedKeys;
      }
    }
    return found;
  }

  async listAll(): Promise<readonly Product[]> {
    const products: Product[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const exclusiveStartKey = startKey;
      const page = await callAws('Scan', () =>
        this.client.send(
          new ScanCommand({
            TableName: this.inventoryTable,
            // The table also holds RESERVATION# items.
            FilterExpression: 'begins_with(#pk, :prefix)',
            ProjectionExpression: PROJECTION.ProjectionExpression,
            ExpressionAttributeNames: { ...PROJECTION.ExpressionAttributeNames, '#pk': 'pk' },
            ExpressionAttributeValues: { ':prefix': SKU_PREFIX },
            ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        ),
      );
      products.push(...(page.Items ?? []).map(toProduct));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return products;
  }
}
