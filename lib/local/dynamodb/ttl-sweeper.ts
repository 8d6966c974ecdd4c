/**
 * Time to Live. The local cloud owns TTL: the template's TimeToLiveSpecification and UpdateTimeToLive through the
 * edge land here, DescribeTimeToLive on the edge reads them, and TTL stays disabled inside DynamoDB Local.
 *
 * Why not DynamoDB Local's own TTL job: 3.3.1 has one, but it scans 20 items and then sleeps 10 s, so a pass over
 * a 10 000-item table takes about 80 minutes, and its stream records come out with
 * `eventName: "UNKNOWN_TO_SDK_VERSION"` and no userIdentity (it compares an enum with a string).
 *
 * The sweeper does what the AWS TTL process does: items whose TTL attribute is a Number of epoch seconds in the
 * past (but not more than five years in the past, which AWS ignores) are deleted with a condition that they are
 * still expired, so an item updated meanwhile survives, and the deletion reaches the stream as a REMOVE. AWS
 * deletes within a few days; we delete soon after expiry (every `intervalMs`, stretched when a sweep is slow so
 * that sweeping never takes more than about a tenth of the time).
 */
import { AwsApiError } from '#lib/local/core/aws-protocol';
import type { DynamoDbLocalClient } from './local-client.ts';

const FIVE_YEARS_S = 5 * 365 * 24 * 60 * 60;
/** REMOVE records of TTL deletions remembered per table, to mark them in GetRecords. */
const REMEMBERED_PER_TABLE = 10_000;

type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

/** A canonical JSON of an item key, for matching stream records. */
export const keyId = (keys: Readonly<Record<string, unknown>>): string =>
  JSON.stringify(
    Object.keys(keys)
      .sort()
      .map((name) => [name, keys[name]]),
  );

export interface TtlSweeperOptions {
  readonly client: DynamoDbLocalClient;
  readonly intervalMs: number;
  readonly log: (message: string) => void;
  /** Epoch milliseconds; for tests. */
  readonly now?: () => number;
}

export class TtlSweeper {
  /** Table name -> TTL attribute name. */
  private readonly tables = new Map<string, string>();
  private readonly keyNames = new Map<string, readonly string[]>();
  /** Table name -> key id -> the TTL value of the item we deleted. */
  private readonly deleted = new Map<string, Map<string, string>>();
  private readonly options: TtlSweeperOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** Items deleted so far, for diagnostics and tests. */
  deletedCount = 0;

  constructor(options: TtlSweeperOptions) {
    this.options = options;
  }

  /** Enables TTL on a table (the template set it, or UpdateTimeToLive came through the edge). */
  enable(tableName: string, attributeName: string): void {
    this.tables.set(tableName, attributeName);
  }

  disable(tableName: string): void {
    this.tables.delete(tableName);
    this.keyNames.delete(tableName);
  }

  /** The table was deleted: forget it, with the deletions remembered for its stream. */
  forget(tableName: string): void {
    this.disable(tableName);
    this.deleted.delete(tableName);
  }

  /** The TTL attribute of a table, if sweeping it. */
  attributeOf(tableName: string): string | undefined {
    return this.tables.get(tableName);
  }

  start(): void {
    this.stopped = false;
    this.schedule(this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Runs one sweep now (tests call it to avoid waiting). */
  sweepNow(): Promise<void> {
    this.running ??= this.sweep().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * Whether a REMOVE stream record is one of our TTL deletions. `oldTtl` is the TTL attribute's N value in the
   * record's OldImage, when the stream view has one; without it the key alone decides.
   */
  isTtlDeletion(tableName: string, keys: Readonly<Record<string, unknown>>, oldImage?: Item): boolean {
    const remembered = this.deleted.get(tableName)?.get(keyId(keys));
    if (remembered === undefined) return false;
    const attribute = this.tables.get(tableName);
    const oldTtl = attribute && oldImage ? oldImage[attribute]?.N : undefined;
    return oldTtl === undefined || oldTtl === remembered;
  }

  /** Whether any TTL deletion of this table is remembered (a cheap check before parsing GetRecords). */
  hasDeletions(tableName: string): boolean {
    return (this.deleted.get(tableName)?.size ?? 0) > 0;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = performance.now();
      void this.sweepNow().finally(() => {
        const took = performance.now() - started;
        // Sweeping a 10 000-item table takes DynamoDB Local 300-450 ms: keep it under a tenth of its time.
        this.schedule(Math.max(this.options.intervalMs, took * 9));
      });
    }, delayMs);
    this.timer.unref();
  }

  private async sweep(): Promise<void> {
    try {
      for (const [table, attribute] of [...this.tables]) {
        if (this.stopped) return;
        await this.sweepTable(table, attribute).catch((error: unknown) => {
          if (error instanceof AwsApiError && error.code === 'ResourceNotFoundException') {
            this.forget(table);
            return;
          }
          this.options.log(`dynamodb: TTL sweep of ${table} failed: ${String(error)}`);
        });
      }
    } catch (error) {
      if (!this.stopped) this.options.log(`dynamodb: TTL sweep failed: ${String(error)}`);
    }
  }

  private async keysOf(table: string): Promise<readonly string[]> {
    let names = this.keyNames.get(table);
    if (!names) {
      const described = await this.options.client.call<{
        Table?: { KeySchema?: { AttributeName: string }[] };
      }>('DescribeTable', { TableName: table });
      names = (described.Table?.KeySchema ?? []).map((key) => key.AttributeName);
      this.keyNames.set(table, names);
    }
    return names;
  }

  private async sweepTable(table: string, attribute: string): Promise<void> {
    const { client } = this.options;
    const keys = await this.keysOf(table);
    const nowS = Math.floor((this.options.now?.() ?? Date.now()) / 1000);
    const names: Record<string, string> = { '#ttl': attribute };
    const projection = ['#ttl'];
    keys.forEach((key, index) => {
      if (key === attribute) return;
      names[`#k${index}`] = key;
      projection.push(`#k${index}`);
    });
    let exclusiveStartKey: Item | undefined;
    do {
      const page = await client.call<{ Items?: Item[]; LastEvaluatedKey?: Item }>('Scan', {
        TableName: table,
        ProjectionExpression: projection.join(', '),
        // A Number comparison never matches other types, so only Number TTL values qualify, as on AWS.
        FilterExpression: '#ttl < :now AND #ttl >= :oldest',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: {
          ':now': { N: String(nowS) },
          ':oldest': { N: String(nowS - FIVE_YEARS_S) },
        },
        ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
      });
      const expired = page.Items ?? [];
      for (let i = 0; i < expired.length; i += 16) {
        await Promise.all(expired.slice(i, i + 16).map((item) => this.expire(table, attribute, keys, item)));
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey && !this.stopped);
  }

  private async expire(table: string, attribute: string, keys: readonly string[], item: Item): Promise<void> {
    const key: Item = {};
    for (const name of keys) {
      const value = item[name];
      if (value) key[name] = value;
    }
    const ttlValue = String(item[attribute]?.N);
    const id = keyId(key);
    // Remember it before deleting, so a consumer reading the stream right after the delete sees it marked.
    let remembered = this.deleted.get(table);
    if (!remembered) {
      remembered = new Map();
      this.deleted.set(table, remembered);
    }
    remembered.delete(id);
    remembered.set(id, ttlValue);
    if (remembered.size > REMEMBERED_PER_TABLE) {
      const oldest = remembered.keys().next().value;
      if (oldest !== undefined) remembered.delete(oldest);
    }
    try {
      await this.options.client.call('DeleteItem', {
        TableName: table,
        Key: key,
        ConditionExpression: '#ttl < :now',
        ExpressionAttributeNames: { '#ttl': attribute },
        ExpressionAttributeValues: {
          ':now': { N: String(Math.floor((this.options.now?.() ?? Date.now()) / 1000)) },
        },
      });
      this.deletedCount += 1;
    } catch (error) {
      if (remembered.get(id) === ttlValue) remembered.delete(id);
      // Updated (or deleted) since the scan: no longer expired, as AWS would see it.
      if (error instanceof AwsApiError && error.code === 'ConditionalCheckFailedException') return;
      throw error;
    }
  }
}
