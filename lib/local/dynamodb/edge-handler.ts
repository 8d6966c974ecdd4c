/**
 * DynamoDB (`DynamoDB_20120810.*`) and DynamoDB Streams (`DynamoDBStreams_20120810.*`) on the edge endpoint:
 * awsJson 1.0 requests proxied to DynamoDB Local, with ARNs rewritten both ways so clients only ever see the
 * local region, and the x-amz-crc32 header recomputed whenever the body changed (botocore, and so the AWS CLI,
 * verify it). Answered here instead: Describe/UpdateTimeToLive (the engine owns TTL, see ttl-sweeper.ts),
 * tagging and continuous backups (which DynamoDB Local lacks; reported as the template set them) and
 * DescribeEndpoints. Data calls emit no trace events; they are only counted.
 */
import { crc32 } from 'node:zlib';
import { AwsApiError, jsonOperation, parseJsonBody, serveJson } from '#lib/local/core/aws-protocol';
import type { EdgeRequest, EdgeResponse, ServiceHandler } from '#lib/local/core/types';
import { type ArnMapper, tableNameInArn } from './arns.ts';
import {
  DYNAMODB_TARGET_PREFIX,
  type DynamoDbLocalClient,
  type RawResponse,
  STREAMS_TARGET_PREFIX,
} from './local-client.ts';
import type { TtlSweeper } from './ttl-sweeper.ts';

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/** What the local cloud keeps about tables beyond DynamoDB Local: tags and point-in-time recovery. */
export class TableExtras {
  readonly tags = new Map<string, Tag[]>();
  readonly pointInTimeRecovery = new Map<string, boolean>();

  forget(table: string): void {
    this.tags.delete(table);
    this.pointInTimeRecovery.delete(table);
  }

  setTags(table: string, tags: readonly Tag[]): void {
    const merged = new Map((this.tags.get(table) ?? []).map((tag) => [tag.Key, tag.Value]));
    for (const tag of tags) merged.set(tag.Key, tag.Value);
    this.tags.set(
      table,
      [...merged].map(([Key, Value]) => ({ Key, Value })),
    );
  }
}

/** What the handler needs from the engine; the client exists only while DynamoDB Local runs. */
export interface DynamoDbEdgeBackend {
  client(): DynamoDbLocalClient;
  readonly arns: ArnMapper;
  readonly sweeper: TtlSweeper | undefined;
  readonly extras: TableExtras;
  count(operation: string): void;
}

/** The wire shape (the streams API's Identity: PrincipalId, Type); Lambda events spell it `{ type, principalId }`. */
export const TTL_SERVICE_IDENTITY = { PrincipalId: 'dynamodb.amazonaws.com', Type: 'Service' } as const;
const REMOVE = Buffer.from('"REMOVE"');
/** What DynamoDB Local's own TTL job writes as the eventName of its deletions (see ttl-sweeper.ts). */
const NATIVE_EXPIRY_EVENT_NAMES = new Set(['UNKNOWN_TO_SDK_VERSION', 'EXPIRE']);
const NATIVE_EXPIRY = Buffer.from('"eventName":"UNKNOWN_TO_SDK_VERSION"');

/** A DynamoDB Streams record as GetRecords returns it on the wire. */
export interface WireStreamRecord {
  eventName?: string;
  dynamodb?: { Keys?: Record<string, unknown>; OldImage?: Record<string, Record<string, unknown>> };
  userIdentity?: unknown;
}

/**
 * Makes TTL deletions look as they do on AWS: a REMOVE with `userIdentity {Type: Service, PrincipalId:
 * dynamodb.amazonaws.com}`. `isSweeperDeletion` recognises the sweeper's deletes; records of DynamoDB Local's own
 * TTL job (eventName `UNKNOWN_TO_SDK_VERSION`) are always TTL deletions. Mutates the records; true if any changed.
 */
export const markTtlDeletions = (
  records: WireStreamRecord[],
  isSweeperDeletion: (record: WireStreamRecord) => boolean,
): boolean => {
  let changed = false;
  for (const record of records) {
    if (record.eventName !== undefined && NATIVE_EXPIRY_EVENT_NAMES.has(record.eventName)) {
      record.eventName = 'REMOVE';
      record.userIdentity = { ...TTL_SERVICE_IDENTITY };
      changed = true;
    } else if (
      record.eventName === 'REMOVE' &&
      record.userIdentity === undefined &&
      isSweeperDeletion(record)
    ) {
      record.userIdentity = { ...TTL_SERVICE_IDENTITY };
      changed = true;
    }
  }
  return changed;
};

export class DynamoDbEdgeHandler implements ServiceHandler {
  readonly name = 'dynamodb';
  private readonly backend: DynamoDbEdgeBackend;

  constructor(backend: DynamoDbEdgeBackend) {
    this.backend = backend;
  }

  claims(request: EdgeRequest): boolean {
    const target = request.target ?? '';
    return target.startsWith(`${DYNAMODB_TARGET_PREFIX}.`) || target.startsWith(`${STREAMS_TARGET_PREFIX}.`);
  }

  async handle(request: EdgeRequest): Promise<EdgeResponse> {
    const target = request.target ?? '';
    const streams = target.startsWith(STREAMS_TARGET_PREFIX);
    const operation = jsonOperation(request);
    this.backend.count(`${streams ? 'DynamoDBStreams' : 'DynamoDB'}.${operation}`);
    if (!streams) {
      const emulated = this.emulated(operation, request);
      if (emulated) return emulated;
    }
    const client = this.backend.client();
    const body = this.backend.arns.requestBody(request.body);
    const contentType = headerOf(request, 'content-type') ?? 'application/x-amz-json-1.0';
    const response = await client.send(target, body, contentType).catch((error: unknown) => {
      // A 503 makes SDK clients retry, as they would on a DynamoDB blip.
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new AwsApiError('ServiceUnavailable', `DynamoDB Local did not answer (${reason})`, 503, false);
    });
    if (response.status === 200 && !streams) this.afterSuccess(operation, body);
    let out = this.backend.arns.responseBody(response.body);
    if (streams && operation === 'GetRecords' && response.status === 200)
      out = this.markTtlRecords(body, out);
    return this.answer(response, out);
  }

  private answer(response: RawResponse, body: Buffer): EdgeResponse {
    const headers: Record<string, string> = {
      'content-type': headerOf(response, 'content-type') ?? 'application/x-amz-json-1.0',
    };
    const requestId = headerOf(response, 'x-amzn-requestid');
    if (requestId) headers['x-amzn-requestid'] = requestId;
    const checksum = headerOf(response, 'x-amz-crc32');
    if (checksum !== undefined) {
      headers['x-amz-crc32'] = body === response.body ? checksum : String(crc32(body) >>> 0);
    }
    return { status: response.status, headers, body };
  }

  /** Keeps the engine's view in step with table changes made through the edge. */
  private afterSuccess(operation: string, body: Buffer): void {
    if (operation !== 'CreateTable' && operation !== 'DeleteTable') return;
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return;
    }
    const table = typeof input.TableName === 'string' ? input.TableName : undefined;
    if (!table) return;
    const { sweeper, extras } = this.backend;
    if (operation === 'CreateTable' && Array.isArray(input.Tags)) extras.setTags(table, input.Tags as Tag[]);
    if (operation === 'DeleteTable') {
      extras.forget(table);
      sweeper?.forget(table);
    }
  }

  /**
   * AWS marks the stream records of TTL deletions with `userIdentity`; DynamoDB Local cannot. The sweeper remembers
   * what it deleted, and GetRecords through the edge marks the REMOVE records of those items (and repairs those of
   * DynamoDB Local's own TTL job, should a caller have enabled it directly). Other records pass untouched.
   */
  private markTtlRecords(requestBody: Buffer, responseBody: Buffer): Buffer {
    const sweeper = this.backend.sweeper;
    const native = responseBody.includes(NATIVE_EXPIRY);
    let table: string | undefined;
    if (sweeper && responseBody.includes(REMOVE)) {
      try {
        const iterator = (JSON.parse(requestBody.toString('utf8')) as { ShardIterator?: unknown })
          .ShardIterator;
        table = typeof iterator === 'string' ? tableNameInArn(iterator) : undefined;
      } catch {
        table = undefined;
      }
      if (table && !sweeper.hasDeletions(table)) table = undefined;
    }
    if (!native && !table) return responseBody;
    const parsed = JSON.parse(responseBody.toString('utf8')) as { Records?: WireStreamRecord[] };
    const changed = markTtlDeletions(parsed.Records ?? [], (record) =>
      Boolean(
        table &&
          sweeper &&
          record.dynamodb?.Keys &&
          sweeper.isTtlDeletion(table, record.dynamodb.Keys, record.dynamodb.OldImage),
      ),
    );
    return changed ? Buffer.from(JSON.stringify(parsed)) : responseBody;
  }

  /** Operations DynamoDB Local does not have, answered here; undefined for everything else. */
  private emulated(operation: string, request: EdgeRequest): Promise<EdgeResponse> | undefined {
    switch (operation) {
      case 'ListTagsOfResource':
      case 'TagResource':
      case 'UntagResource':
        return serveJson('1.0', () => this.tagging(operation, parseJsonBody(request)));
      case 'DescribeContinuousBackups':
      case 'UpdateContinuousBackups':
        return serveJson('1.0', () => this.continuousBackups(operation, parseJsonBody(request)));
      case 'DescribeTimeToLive':
      case 'UpdateTimeToLive':
        return serveJson('1.0', () => this.timeToLive(operation, parseJsonBody(request)));
      case 'DescribeEndpoints':
        return serveJson('1.0', async () => ({
          Endpoints: [{ Address: request.host, CachePeriodInMinutes: 1440 }],
        }));
      default:
        return undefined;
    }
  }

  /** Looks the table up in DynamoDB Local, so a missing table fails as it would on AWS. */
  private async existingTable(nameOrArn: unknown, missingCode: string): Promise<string> {
    const given = typeof nameOrArn === 'string' ? nameOrArn : '';
    const table = tableNameInArn(given) ?? given;
    if (!table) throw new AwsApiError('ValidationException', 'a table name or ARN is required');
    try {
      await this.backend.client().call('DescribeTable', { TableName: table });
    } catch (error) {
      if (error instanceof AwsApiError && error.code === 'ResourceNotFoundException') {
        throw new AwsApiError(missingCode, `Table not found: ${given}`);
      }
      throw error;
    }
    return table;
  }

  private async tagging(operation: string, input: Record<string, unknown>): Promise<unknown> {
    const table = await this.existingTable(input.ResourceArn, 'ResourceNotFoundException');
    const { extras } = this.backend;
    if (operation === 'TagResource') {
      extras.setTags(table, Array.isArray(input.Tags) ? (input.Tags as Tag[]) : []);
      return {};
    }
    if (operation === 'UntagResource') {
      const remove = new Set(Array.isArray(input.TagKeys) ? input.TagKeys.map(String) : []);
      extras.tags.set(
        table,
        (extras.tags.get(table) ?? []).filter((tag) => !remove.has(tag.Key)),
      );
      return {};
    }
    return { Tags: extras.tags.get(table) ?? [] };
  }

  /** TTL as the engine keeps it (DynamoDB Local's own TTL stays off; see ttl-sweeper.ts). */
  private async timeToLive(operation: string, input: Record<string, unknown>): Promise<unknown> {
    const table = await this.existingTable(input.TableName, 'ResourceNotFoundException');
    const sweeper = this.backend.sweeper;
    if (!sweeper)
      throw new AwsApiError('ServiceUnavailable', 'the local DynamoDB engine is not running', 503, false);
    const current = sweeper.attributeOf(table);
    if (operation === 'DescribeTimeToLive') {
      return {
        TimeToLiveDescription: current
          ? { TimeToLiveStatus: 'ENABLED', AttributeName: current }
          : { TimeToLiveStatus: 'DISABLED' },
      };
    }
    const spec = (input.TimeToLiveSpecification ?? {}) as { AttributeName?: unknown; Enabled?: unknown };
    const attributeName = typeof spec.AttributeName === 'string' ? spec.AttributeName : '';
    if (attributeName === '' || typeof spec.Enabled !== 'boolean') {
      throw new AwsApiError(
        'ValidationException',
        'TimeToLiveSpecification needs an AttributeName and Enabled (true or false)',
      );
    }
    if (spec.Enabled && current)
      throw new AwsApiError('ValidationException', 'TimeToLive is already enabled');
    if (!spec.Enabled && !current)
      throw new AwsApiError('ValidationException', 'TimeToLive is already disabled');
    if (spec.Enabled) sweeper.enable(table, attributeName);
    else sweeper.disable(table);
    return { TimeToLiveSpecification: { AttributeName: attributeName, Enabled: spec.Enabled } };
  }

  private async continuousBackups(operation: string, input: Record<string, unknown>): Promise<unknown> {
    const table = await this.existingTable(input.TableName, 'TableNotFoundException');
    const { extras } = this.backend;
    if (operation === 'UpdateContinuousBackups') {
      const spec = (input.PointInTimeRecoverySpecification ?? {}) as { PointInTimeRecoveryEnabled?: unknown };
      extras.pointInTimeRecovery.set(table, spec.PointInTimeRecoveryEnabled === true);
    }
    const enabled = extras.pointInTimeRecovery.get(table) === true;
    return {
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: 'ENABLED',
        PointInTimeRecoveryDescription: enabled
          ? { PointInTimeRecoveryStatus: 'ENABLED', RecoveryPeriodInDays: 35 }
          : { PointInTimeRecoveryStatus: 'DISABLED' },
      },
    };
  }
}

const headerOf = (
  message: { headers?: Readonly<Record<string, unknown>> },
  name: string,
): string | undefined => {
  const value = message.headers?.[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
};
