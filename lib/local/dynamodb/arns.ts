/**
 * DynamoDB Local writes every ARN with the region `ddblocal` (`arn:aws:dynamodb:ddblocal:000000000000:table/T`);
 * the local cloud shows them with its own region, as AWS would (`arn:aws:dynamodb:us-east-1:000000000000:table/T`).
 * This module turns one into the other, for single ARNs and for whole awsJson bodies on the edge.
 */

/** The region DynamoDB Local puts in its ARNs and in stream records (`awsRegion`). */
export const DYNAMODB_LOCAL_REGION = 'ddblocal';

const LOCAL_PREFIX = `arn:aws:dynamodb:${DYNAMODB_LOCAL_REGION}:`;

/**
 * Request members that hold AttributeValues (item data): never rewritten, so an item that stores an ARN keeps
 * it byte for byte.
 */
const ITEM_DATA_MEMBERS = new Set([
  'Item',
  'Key',
  'Keys',
  'ExpressionAttributeValues',
  'ExclusiveStartKey',
  'Expected',
  'AttributeUpdates',
  'KeyConditions',
  'QueryFilter',
  'ScanFilter',
  'Parameters',
]);

/** `arn:aws:dynamodb:<region>:<account>:table/<name>` (a table, not an index or a stream) -> `<name>`. */
const tableNameOfArn = (value: string): string | undefined =>
  /^arn:aws[\w-]*:dynamodb:[^:]*:[^:]*:table\/([^/]+)$/.exec(value)?.[1];

export class ArnMapper {
  readonly publicRegion: string;
  private readonly publicPrefix: string;
  private readonly publicPrefixBytes: Buffer;
  private readonly localRegionBytes = Buffer.from(DYNAMODB_LOCAL_REGION);

  constructor(publicRegion: string) {
    this.publicRegion = publicRegion;
    this.publicPrefix = `arn:aws:dynamodb:${publicRegion}:`;
    this.publicPrefixBytes = Buffer.from('arn:aws:dynamodb:');
  }

  /** A public ARN (as the template and the functions see it) -> DynamoDB Local's. Other strings pass unchanged. */
  localArn(arn: string): string {
    return arn.startsWith(this.publicPrefix) ? LOCAL_PREFIX + arn.slice(this.publicPrefix.length) : arn;
  }

  /** DynamoDB Local's ARN -> the public one. Other strings pass unchanged. */
  publicArn(arn: string): string {
    return arn.startsWith(LOCAL_PREFIX) ? this.publicPrefix + arn.slice(LOCAL_PREFIX.length) : arn;
  }

  /**
   * Rewrites an awsJson request body for DynamoDB Local: public ARNs (StreamArn, ResourceArn, the ARN at the head
   * of a ShardIterator ...) become local ones, and a table ARN given as a TableName (or as a RequestItems key),
   * which AWS accepts and DynamoDB Local does not, becomes the plain name. Item data is left alone. Returns the
   * same buffer when there is nothing to rewrite (the common case, checked without parsing).
   */
  requestBody(body: Buffer): Buffer {
    if (!body.includes(this.publicPrefixBytes)) return body;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return body; // DynamoDB Local answers the SerializationException itself
    }
    let changed = false;
    const visit = (value: unknown, member: string | undefined): unknown => {
      if (typeof value === 'string') {
        if (!value.startsWith('arn:aws')) return value;
        const tableName = member === 'TableName' ? tableNameOfArn(value) : undefined;
        const rewritten = tableName ?? this.localArn(value);
        if (rewritten !== value) changed = true;
        return rewritten;
      }
      if (Array.isArray(value)) return value.map((entry) => visit(entry, member));
      if (typeof value !== 'object' || value === null) return value;
      const out: Record<string, unknown> = {};
      for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
        if (ITEM_DATA_MEMBERS.has(key)) {
          out[key] = entry;
          continue;
        }
        if (member === 'RequestItems') {
          const name = tableNameOfArn(key);
          if (name !== undefined) changed = true;
          out[name ?? key] = visit(entry, key);
          continue;
        }
        out[key] = visit(entry, key);
      }
      return out;
    };
    const rewritten = visit(parsed, undefined);
    return changed ? Buffer.from(JSON.stringify(rewritten)) : body;
  }

  /**
   * Rewrites a DynamoDB Local response body for clients: every ARN (TableArn, LatestStreamArn, IndexArn,
   * StreamArn, the ShardIterator's head ..., and ARNs inside error messages) and the stream records' `awsRegion`
   * get the public region. The rewrite is textual, so it costs nothing when the body has no `ddblocal` in it.
   * Clients only ever see public ARNs, so a `ddblocal` ARN in a response is always DynamoDB Local's own.
   */
  responseBody(body: Buffer): Buffer {
    if (!body.includes(this.localRegionBytes)) return body;
    const text = body.toString('utf8');
    const rewritten = text
      .replaceAll(LOCAL_PREFIX, this.publicPrefix)
      .replaceAll(`"awsRegion":"${DYNAMODB_LOCAL_REGION}"`, `"awsRegion":"${this.publicRegion}"`);
    return rewritten === text ? body : Buffer.from(rewritten);
  }
}

/** The table name in a (local or public) table, index or stream ARN, or in a ShardIterator that starts with one. */
export const tableNameInArn = (arn: string): string | undefined =>
  /^arn:aws[\w-]*:dynamodb:[^:]*:[^:]*:table\/([^/|]+)/.exec(arn)?.[1];
