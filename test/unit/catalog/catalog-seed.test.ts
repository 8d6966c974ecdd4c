import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CATALOG, type CatalogProduct } from '#functions/inventory/catalog';
import { DynamoCatalogStore } from '#functions/inventory/catalog-dynamo-store';
import { type CatalogStore, makeSeedCatalog } from '#functions/inventory/catalog-seed';
import { makeSeedHandler } from '#functions/inventory/seed-handler';
import { Sku } from '#shared/events/schemas';
import { lambdaContext } from '../../fixtures/lambda-context.ts';

/** The Inventory table's SKU# items: sku -> available stock. */
class InMemoryCatalogStore implements CatalogStore {
  readonly stock = new Map<string, number>();

  async createIfAbsent(product: CatalogProduct): Promise<boolean> {
    if (this.stock.has(product.sku)) return false;
    this.stock.set(product.sku, product.initialStock);
    return true;
  }

  async overwrite(product: CatalogProduct): Promise<boolean> {
    const existed = this.stock.has(product.sku);
    this.stock.set(product.sku, product.initialStock);
    return existed;
  }
}

const KEYBOARD = CATALOG.find((product) => product.sku === 'SKU-KEYBOARD') as CatalogProduct;

describe('the demo catalog', () => {
  it('has at least 10 products with unique valid skus, integer-cent prices and one scarce product', () => {
    // Assess
    expect(CATALOG.length).toBeGreaterThanOrEqual(10);
    expect(new Set(CATALOG.map((product) => product.sku)).size).toBe(CATALOG.length);
    for (const product of CATALOG) {
      expect(Sku.safeParse(product.sku).success).toBe(true);
      expect(Number.isInteger(product.price) && product.price > 0).toBe(true);
      expect(Number.isInteger(product.initialStock) && product.initialStock > 0).toBe(true);
    }
    expect(CATALOG.some((product) => product.initialStock <= 3)).toBe(true);
  });
});

describe('seeding the catalog', () => {
  let store: InMemoryCatalogStore;

  beforeEach(() => {
    store = new InMemoryCatalogStore();
  });

  it('creates the missing products and never resets the stock of existing ones', async () => {
    // Prepare
    store.stock.set('SKU-KEYBOARD', 7);
    const seed = makeSeedCatalog({ store });

    // Act
    const report = await seed();

    // Assess
    expect(report).toEqual({ created: CATALOG.length - 1, existing: 1, reset: 0 });
    expect(store.stock.get('SKU-KEYBOARD')).toBe(7);
  });

  it('puts every product back to its initial stock when asked to reset', async () => {
    // Prepare
    store.stock.set('SKU-KEYBOARD', 7);
    const seed = makeSeedCatalog({ store });

    // Act
    const report = await seed({ reset: true });

    // Assess
    expect(report).toEqual({ created: CATALOG.length - 1, existing: 0, reset: 1 });
    expect(store.stock.get('SKU-KEYBOARD')).toBe(KEYBOARD.initialStock);
  });

  it.each([
    ['an empty event', {}],
    ['reset given as a string', { reset: 'true' }],
    ['no event at all', null],
  ])('does not reset stock for %s', async (_case, event) => {
    // Prepare
    store.stock.set('SKU-KEYBOARD', 7);
    const handler = makeSeedHandler(() => makeSeedCatalog({ store }));

    // Act
    const report = await handler(event, lambdaContext());

    // Assess
    expect(report.reset).toBe(0);
    expect(store.stock.get('SKU-KEYBOARD')).toBe(7);
  });

  it('resets through the handler only for { "reset": true }', async () => {
    // Prepare
    store.stock.set('SKU-KEYBOARD', 7);
    const handler = makeSeedHandler(() => makeSeedCatalog({ store }));

    // Act
    const report = await handler({ reset: true }, lambdaContext());

    // Assess
    expect(report.reset).toBe(1);
    expect(store.stock.get('SKU-KEYBOARD')).toBe(KEYBOARD.initialStock);
  });
});

describe('DynamoCatalogStore', () => {
  const documents = mockClient(DynamoDBDocumentClient);
  const store = new DynamoCatalogStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    'Inventory',
  );

  beforeEach(() => {
    documents.reset();
  });

  it('creates a product with a put conditional on its absence, and reports an existing one', async () => {
    // Prepare
    documents
      .on(PutCommand)
      .resolvesOnce({})
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));

    // Act
    const created = await store.createIfAbsent(KEYBOARD);
    const again = await store.createIfAbsent(KEYBOARD);

    // Assess
    expect([created, again]).toEqual([true, false]);
    expect(documents.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: 'Inventory',
      Item: {
        pk: 'SKU#SKU-KEYBOARD',
        sku: 'SKU-KEYBOARD',
        name: KEYBOARD.name,
        price: KEYBOARD.price,
        available: KEYBOARD.initialStock,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('overwrites unconditionally on reset and tells whether the product existed', async () => {
    // Prepare
    documents.on(PutCommand).resolves({ Attributes: { pk: 'SKU#SKU-KEYBOARD', available: 2 } });

    // Act
    const existed = await store.overwrite(KEYBOARD);

    // Assess
    expect(existed).toBe(true);
    const input = documents.commandCalls(PutCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBeUndefined();
    expect(input?.ReturnValues).toBe('ALL_OLD');
  });
});
