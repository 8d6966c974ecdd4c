import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type CatalogProduct, inventoryItem } from './catalog.ts';
import type { CatalogStore } from './catalog-seed.ts';

/** The catalog's `SKU#<sku>` items in the Inventory table. */
export class DynamoCatalogStore implements CatalogStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly inventoryTable: string,
  ) {}

  async createIfAbsent(product: CatalogProduct): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.inventoryTable,
          Item: inventoryItem(product),
          // Never overwrite a product: its `available` is live stock that reservations have moved.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as Error).name === 'ConditionalCheckFailedException'
      ) {
        return false;
      }
      throw error;
    }
  }

  async overwrite(product: CatalogProduct): Promise<boolean> {
    const result = await this.client.send(
      new PutCommand({
        TableName: this.inventoryTable,
        Item: inventoryItem(product),
        ReturnValues: 'ALL_OLD',
      }),
    );
    return result.Attributes !== undefined;
  }
}
