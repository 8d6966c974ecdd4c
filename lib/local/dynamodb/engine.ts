/**
 * The DynamoDB engine: DynamoDB Local (a JVM tied to our life), the template's tables, a TTL sweeper, and
 * DynamoDB + DynamoDB Streams on the edge endpoint.
 */
import { createHash } from 'node:crypto';
import { AwsApiError } from '#lib/local/core/aws-protocol';
import type {
  CloudContext,
  DynamoDbApi,
  Engine,
  ProvisionedResource,
  ResourceProvider,
  ServiceHandler,
  TemplateResource,
} from '#lib/local/core/types';
import { ArnMapper, tableNameInArn } from './arns.ts';
import {
  type DynamoDbEdgeBackend,
  DynamoDbEdgeHandler,
  markTtlDeletions,
  TableExtras,
  type WireStreamRecord,
} from './edge-handler.ts';
import type { DynamoDbLocalClient } from './local-client.ts';
import { type DynamoDbLocalOptions, DynamoDbLocalProcess } from './local-process.ts';
import {
  GLOBAL_TABLE_TYPE,
  globalTablePlan,
  type NotEmulated,
  TABLE_TYPE,
  type TablePlan,
  tablePlan,
} from './table-properties.ts';
import { TtlSweeper } from './ttl-sweeper.ts';

export interface DynamoDbEngineOptions extends DynamoDbLocalOptions {
  /** How often the TTL sweeper looks for expired items. Default min(ctx.time.ms(60), 1000). */
  readonly ttlSweepIntervalMs?: number;
}

/** A table the template created: its name and public ARNs. */
export interface ProvisionedTable {
  readonly tableName: string;
  readonly arn: string;
  readonly streamArn?: string | undefined;
  readonly timeToLiveAttribute?: string | undefined;
}

interface TableDescription {
  TableArn?: string;
  LatestStreamArn?: string;
}

export class DynamoDbEngine implements Engine, DynamoDbApi {
  readonly name = 'dynamodb';
  readonly providers: readonly ResourceProvider[];
  readonly handlers: readonly ServiceHandler[];
  readonly arns: ArnMapper;
  private readonly ctx: CloudContext;
  private readonly options: DynamoDbEngineOptions;
  private readonly extras = new TableExtras();
  private readonly counts = new Map<string, number>();
  private readonly tables = new Map<string, ProvisionedTable>();
  private readonly skipped: NotEmulated[] = [];
  private jvm: DynamoDbLocalProcess | undefined;
  private ttl: TtlSweeper | undefined;

  constructor(ctx: CloudContext, options: DynamoDbEngineOptions = {}) {
    this.ctx = ctx;
    this.options = options;
    this.arns = new ArnMapper(ctx.region);
    const engine = this;
    const backend: DynamoDbEdgeBackend = {
      client: () => engine.client(),
      arns: this.arns,
      get sweeper() {
        return engine.ttl;
      },
      extras: this.extras,
      count: (operation) => {
        this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
      },
    };
    this.handlers = [new DynamoDbEdgeHandler(backend)];
    this.providers = [
      {
        types: [TABLE_TYPE, GLOBAL_TABLE_TYPE],
        provision: (resource) => this.provision(resource),
      },
    ];
  }

  /** The DynamoDB Local endpoint (`http://127.0.0.1:<port>`), for in-process SDK clients. */
  get endpoint(): string {
    return this.process().endpoint;
  }

  /** Milliseconds DynamoDB Local took from spawn to its first answered ListTables. */
  get startupMs(): number {
    return this.jvm?.startupMs ?? 0;
  }

  /** The JVM (or its watchdog shell) pid and how it is tied to us; undefined when not running. */
  get jvmInfo(): { pid: number; port: number; lifeline: string } | undefined {
    const jvm = this.jvm;
    return jvm ? { pid: jvm.pid, port: jvm.port, lifeline: jvm.lifeline } : undefined;
  }

  localArn(arn: string): string {
    return this.arns.localArn(arn);
  }

  publicArn(arn: string): string {
    return this.arns.publicArn(arn);
  }

  async start(): Promise<void> {
    if (this.jvm) return;
    const jvm = await DynamoDbLocalProcess.start({
      ...this.options,
      onUnexpectedExit: (description) => this.ctx.log(`dynamodb: ${description}`),
    });
    this.jvm = jvm;
    this.ttl = new TtlSweeper({
      client: jvm.client,
      intervalMs: this.options.ttlSweepIntervalMs ?? Math.min(this.ctx.time.ms(60), 1000),
      log: (message) => this.ctx.log(message),
    });
    this.ttl.start();
    this.ctx.services.dynamodb = this;
    this.ctx.log(
      `dynamodb: DynamoDB Local ready on port ${jvm.port} in ${jvm.startupMs} ms (pid ${jvm.pid}, lifeline ${jvm.lifeline})`,
    );
  }

  async stop(): Promise<void> {
    const jvm = this.jvm;
    this.jvm = undefined;
    await this.ttl?.stop();
    this.ttl = undefined;
    if (this.ctx.services.dynamodb === this) this.ctx.services.dynamodb = undefined;
    await jvm?.stop();
    // The data lived in the JVM's memory: what we knew about its tables went with it.
    this.tables.clear();
    this.extras.tags.clear();
    this.extras.pointInTimeRecovery.clear();
  }

  /** Calls per operation through the edge (`DynamoDB.PutItem`, `DynamoDBStreams.GetRecords` ...), for the benchmark. */
  callCounts(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  resetCallCounts(): void {
    this.counts.clear();
  }

  /** Template properties accepted but not emulated, for the boot summary. */
  notEmulated(): readonly NotEmulated[] {
    return [...this.skipped];
  }

  /** The tables the template created. */
  provisionedTables(): readonly ProvisionedTable[] {
    return [...this.tables.values()];
  }

  /**
   * For stream readers that poll DynamoDB Local directly rather than through the edge: marks the REMOVE records
   * of TTL deletions as AWS does (`userIdentity {Type: Service, PrincipalId: dynamodb.amazonaws.com}`), in place.
   * `streamArn` may be public or local.
   */
  markTtlDeletions(streamArn: string, records: WireStreamRecord[]): void {
    const table = tableNameInArn(streamArn);
    const sweeper = this.ttl;
    markTtlDeletions(records, (record) =>
      Boolean(
        table &&
          sweeper &&
          record.dynamodb?.Keys &&
          sweeper.isTtlDeletion(table, record.dynamodb.Keys, record.dynamodb.OldImage),
      ),
    );
  }

  /** The TTL sweeper (tests run a sweep on demand); undefined when not running. */
  get sweeper(): TtlSweeper | undefined {
    return this.ttl;
  }

  private process(): DynamoDbLocalProcess {
    if (!this.jvm)
      throw new AwsApiError('ServiceUnavailable', 'the local DynamoDB engine is not running', 503, false);
    return this.jvm;
  }

  private client(): DynamoDbLocalClient {
    return this.process().client;
  }

  private async provision(resource: TemplateResource): Promise<ProvisionedResource> {
    const plan: TablePlan =
      resource.type === GLOBAL_TABLE_TYPE ? globalTablePlan(resource, this.ctx.region) : tablePlan(resource);
    const client = this.client();
    let created: { TableDescription?: TableDescription };
    try {
      created = await client.call('CreateTable', plan.createTable);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `${resource.stackName}/${resource.logicalId}: CreateTable ${plan.tableName} failed: ${reason}`,
      );
    }
    // TTL is the engine's (DescribeTimeToLive on the edge reports it); DynamoDB Local's own TTL stays off.
    if (plan.timeToLive) this.ttl?.enable(plan.tableName, plan.timeToLive.attributeName);
    this.extras.pointInTimeRecovery.set(plan.tableName, plan.pointInTimeRecovery);
    if (plan.tags.length > 0) this.extras.setTags(plan.tableName, plan.tags);
    this.skipped.push(...plan.notEmulated);

    const description = created.TableDescription ?? {};
    const arn = this.publicArn(
      description.TableArn ??
        `arn:aws:dynamodb:${this.ctx.region}:${this.ctx.accountId}:table/${plan.tableName}`,
    );
    const streamArn = description.LatestStreamArn ? this.publicArn(description.LatestStreamArn) : undefined;
    this.tables.set(plan.tableName, {
      tableName: plan.tableName,
      arn,
      streamArn,
      timeToLiveAttribute: plan.timeToLive?.attributeName,
    });
    const features = [
      streamArn
        ? `stream ${String((plan.createTable.StreamSpecification as { StreamViewType?: string }).StreamViewType)}`
        : '',
      plan.timeToLive ? `TTL ${plan.timeToLive.attributeName}` : '',
      plan.notEmulated.length > 0
        ? `not emulated: ${plan.notEmulated.map((entry) => entry.property).join(', ')}`
        : '',
    ].filter(Boolean);
    this.ctx.log(
      `dynamodb: table ${plan.tableName}${features.length > 0 ? ` (${features.join('; ')})` : ''}`,
    );

    const attributes: Record<string, unknown> = { Arn: arn };
    if (streamArn) attributes.StreamArn = streamArn;
    if (resource.type === GLOBAL_TABLE_TYPE) attributes.TableId = tableIdOf(arn);
    return { ref: plan.tableName, attributes };
  }
}

/** A stable UUID-shaped id for a GlobalTable's TableId attribute. */
const tableIdOf = (arn: string): string => {
  const hex = createHash('sha256').update(arn).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};
