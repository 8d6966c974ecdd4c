import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, type IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';

/** Every record of every InMemoryPersistenceLayer in this test file, so a test can inspect and clear them. */
export const idempotencyRecords = new Map<string, IdempotencyRecord>();

/**
 * A Powertools persistence layer in memory, standing in for DynamoDBPersistenceLayer (tests mock that
 * module with this class). `_putRecord` enforces the DynamoDB layer's condition: the key is absent, or
 * its record expired, or it is in progress past its in-progress expiry.
 */
export class InMemoryPersistenceLayer extends BasePersistenceLayer {
  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = idempotencyRecords.get(record.idempotencyKey);
    if (existing) {
      const status = existing.getStatus();
      const abandoned =
        status === IdempotencyRecordStatus.INPROGRESS &&
        existing.inProgressExpiryTimestamp !== undefined &&
        existing.inProgressExpiryTimestamp < Date.now();
      if (status !== IdempotencyRecordStatus.EXPIRED && !abandoned) {
        throw new IdempotencyItemAlreadyExistsError(`record ${record.idempotencyKey} exists`, existing);
      }
    }
    idempotencyRecords.set(record.idempotencyKey, record);
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const record = idempotencyRecords.get(idempotencyKey);
    if (!record) throw new IdempotencyItemNotFoundError(`record ${idempotencyKey} does not exist`);
    return record;
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    idempotencyRecords.set(record.idempotencyKey, record);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    idempotencyRecords.delete(record.idempotencyKey);
  }
}
