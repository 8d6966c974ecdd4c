/**
 * AWS::DynamoDB::Table (and AWS::DynamoDB::GlobalTable) properties -> a DynamoDB CreateTable request, plus what
 * CreateTable cannot carry (TTL, point-in-time recovery, tags) and what the local cloud accepts but does not
 * emulate. Pure functions, so the mapping is tested without a JVM.
 */
import type { TemplateResource } from '#lib/local/core/types';
import { physicalName } from '#lib/local/template/physical-name';

export const TABLE_TYPE = 'AWS::DynamoDB::Table';
export const GLOBAL_TABLE_TYPE = 'AWS::DynamoDB::GlobalTable';

/** A property the template sets that the local cloud accepts without emulating it, for the boot summary. */
export interface NotEmulated {
  /** `<stack>/<logicalId>` */
  readonly resource: string;
  readonly type: string;
  readonly property: string;
  readonly note: string;
}

export interface TablePlan {
  readonly tableName: string;
  /** The CreateTable request for DynamoDB Local. */
  readonly createTable: Record<string, unknown>;
  /** UpdateTimeToLive after the table exists, when the template enables TTL. */
  readonly timeToLive?: { readonly attributeName: string } | undefined;
  readonly pointInTimeRecovery: boolean;
  readonly tags: readonly { Key: string; Value: string }[];
  readonly notEmulated: readonly NotEmulated[];
}

type Props = Readonly<Record<string, unknown>>;

const record = (value: unknown): Props =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Props) : {};
const list = (value: unknown): Props[] => (Array.isArray(value) ? value.map(record) : []);
const str = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
/** CloudFormation accepts `"true"` and `"5"` where the API wants `true` and `5`. */
const bool = (value: unknown): boolean | undefined =>
  typeof value === 'boolean' ? value : value === 'true' ? true : value === 'false' ? false : undefined;
const num = (value: unknown): number | undefined => {
  const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(parsed) ? parsed : undefined;
};
const defined = <T extends Record<string, unknown>>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;

const keySchema = (value: unknown): Props[] =>
  list(value).map((key) => defined({ AttributeName: str(key.AttributeName), KeyType: str(key.KeyType) }));

const projection = (value: unknown): Props => {
  const p = record(value);
  const nonKey = Array.isArray(p.NonKeyAttributes) ? p.NonKeyAttributes.map(String) : undefined;
  return defined({ ProjectionType: str(p.ProjectionType) ?? 'ALL', NonKeyAttributes: nonKey });
};

const throughput = (value: unknown): Props | undefined => {
  const t = record(value);
  const read = num(t.ReadCapacityUnits);
  const write = num(t.WriteCapacityUnits);
  return read === undefined && write === undefined
    ? undefined
    : { ReadCapacityUnits: read ?? 5, WriteCapacityUnits: write ?? 5 };
};

/** Builds the plan for an AWS::DynamoDB::Table. */
export const tablePlan = (resource: TemplateResource): TablePlan => {
  const p = resource.properties;
  const where = `${resource.stackName}/${resource.logicalId}`;
  const notEmulated: NotEmulated[] = [];
  const accept = (property: string, note: string): void => {
    notEmulated.push({ resource: where, type: resource.type, property, note });
  };
  const tableName =
    str(p.TableName) ??
    physicalName(resource.stackName, resource.logicalId, { maxLength: 255, disallowed: /[^A-Za-z0-9_.-]/g });
  const provisioned = throughput(p.ProvisionedThroughput);
  const billingMode = str(p.BillingMode) ?? (provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST');
  const perIndexThroughput = (index: Props): Props | undefined =>
    billingMode === 'PROVISIONED'
      ? (throughput(index.ProvisionedThroughput) ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 })
      : undefined;

  const gsis = list(p.GlobalSecondaryIndexes).map((index) => {
    if (index.ContributorInsightsSpecification !== undefined) {
      accept(
        `GlobalSecondaryIndexes[${str(index.IndexName)}].ContributorInsightsSpecification`,
        'accepted; no metrics',
      );
    }
    if (index.OnDemandThroughput !== undefined || index.WarmThroughput !== undefined) {
      accept(
        `GlobalSecondaryIndexes[${str(index.IndexName)}] throughput settings`,
        'accepted; no throttling locally',
      );
    }
    return defined({
      IndexName: str(index.IndexName),
      KeySchema: keySchema(index.KeySchema),
      Projection: projection(index.Projection),
      ProvisionedThroughput: perIndexThroughput(index),
    });
  });
  const lsis = list(p.LocalSecondaryIndexes).map((index) =>
    defined({
      IndexName: str(index.IndexName),
      KeySchema: keySchema(index.KeySchema),
      Projection: projection(index.Projection),
    }),
  );

  const stream = record(p.StreamSpecification);
  const streamViewType = str(stream.StreamViewType);
  if (stream.ResourcePolicy !== undefined)
    accept('StreamSpecification.ResourcePolicy', 'accepted; not enforced');

  const ttl = record(p.TimeToLiveSpecification);
  const ttlAttribute = str(ttl.AttributeName);
  const ttlEnabled = bool(ttl.Enabled) === true && ttlAttribute !== undefined;

  const pitr = bool(record(p.PointInTimeRecoverySpecification).PointInTimeRecoveryEnabled) === true;
  if (p.PointInTimeRecoverySpecification !== undefined) {
    accept(
      'PointInTimeRecoverySpecification',
      'accepted; DescribeContinuousBackups reports it, no backups are taken',
    );
  }
  if (p.SSESpecification !== undefined)
    accept('SSESpecification', 'accepted; data is kept in memory, unencrypted');
  if (p.ContributorInsightsSpecification !== undefined)
    accept('ContributorInsightsSpecification', 'accepted; no metrics');
  if (p.Tags !== undefined)
    accept('Tags', 'accepted; ListTagsOfResource reports them, nothing else reads them');
  if (p.KinesisStreamSpecification !== undefined) {
    accept('KinesisStreamSpecification', 'not emulated: changes do not go to a Kinesis stream');
  }
  if (p.ImportSourceSpecification !== undefined) {
    accept('ImportSourceSpecification', 'not emulated: the table starts empty');
  }
  if (p.ResourcePolicy !== undefined) accept('ResourcePolicy', 'accepted; not enforced');
  if (p.OnDemandThroughput !== undefined || p.WarmThroughput !== undefined) {
    accept('OnDemandThroughput/WarmThroughput', 'accepted; no throttling locally');
  }
  if (billingMode === 'PROVISIONED') accept('ProvisionedThroughput', 'accepted; no throttling locally');

  const tags = list(p.Tags)
    .map((tag) => ({ Key: str(tag.Key) ?? '', Value: str(tag.Value) ?? '' }))
    .filter((tag) => tag.Key !== '');

  const createTable = defined({
    TableName: tableName,
    AttributeDefinitions: list(p.AttributeDefinitions).map((definition) =>
      defined({ AttributeName: str(definition.AttributeName), AttributeType: str(definition.AttributeType) }),
    ),
    KeySchema: keySchema(p.KeySchema),
    BillingMode: billingMode,
    ProvisionedThroughput:
      billingMode === 'PROVISIONED'
        ? (provisioned ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 })
        : undefined,
    GlobalSecondaryIndexes: gsis.length > 0 ? gsis : undefined,
    LocalSecondaryIndexes: lsis.length > 0 ? lsis : undefined,
    StreamSpecification: streamViewType ? { StreamEnabled: true, StreamViewType: streamViewType } : undefined,
    DeletionProtectionEnabled: bool(p.DeletionProtectionEnabled),
    TableClass: str(p.TableClass),
  });
  return {
    tableName,
    createTable,
    timeToLive: ttlEnabled && ttlAttribute ? { attributeName: ttlAttribute } : undefined,
    pointInTimeRecovery: pitr,
    tags,
    notEmulated,
  };
};

/**
 * An AWS::DynamoDB::GlobalTable as the one table of this region: the replica for `region` (or the first)
 * supplies the per-replica settings; replicas in other regions are reported as not emulated.
 */
export const globalTablePlan = (resource: TemplateResource, region: string): TablePlan => {
  const p = resource.properties;
  const replicas = list(p.Replicas);
  const replica = replicas.find((candidate) => str(candidate.Region) === region) ?? replicas[0] ?? {};
  const others = replicas
    .filter((candidate) => candidate !== replica)
    .map((candidate) => str(candidate.Region));
  const writeSettings = record(record(p.WriteProvisionedThroughputSettings).WriteCapacityAutoScalingSettings);
  const readSettings = record(replica.ReadProvisionedThroughputSettings);
  const readCapacity =
    num(readSettings.ReadCapacityUnits) ??
    num(record(readSettings.ReadCapacityAutoScalingSettings).MinCapacity);
  const replicaIndexes = new Map(
    list(replica.GlobalSecondaryIndexes).map((index) => [str(index.IndexName), index]),
  );
  const billingMode = str(p.BillingMode) ?? 'PROVISIONED';
  const capacity = (read: number | undefined, write: unknown): Props => ({
    ReadCapacityUnits: read ?? 5,
    WriteCapacityUnits: num(record(record(write).WriteCapacityAutoScalingSettings).MinCapacity) ?? 5,
  });
  const asTable: TemplateResource = {
    ...resource,
    properties: defined({
      TableName: p.TableName,
      AttributeDefinitions: p.AttributeDefinitions,
      KeySchema: p.KeySchema,
      BillingMode: billingMode,
      ProvisionedThroughput:
        billingMode === 'PROVISIONED'
          ? { ReadCapacityUnits: readCapacity ?? 5, WriteCapacityUnits: num(writeSettings.MinCapacity) ?? 5 }
          : undefined,
      GlobalSecondaryIndexes: Array.isArray(p.GlobalSecondaryIndexes)
        ? list(p.GlobalSecondaryIndexes).map((index) => {
            const settings = record(
              replicaIndexes.get(str(index.IndexName))?.ReadProvisionedThroughputSettings,
            );
            return defined({
              ...index,
              WriteProvisionedThroughputSettings: undefined,
              ProvisionedThroughput:
                billingMode === 'PROVISIONED'
                  ? capacity(
                      num(settings.ReadCapacityUnits) ??
                        num(record(settings.ReadCapacityAutoScalingSettings).MinCapacity),
                      index.WriteProvisionedThroughputSettings,
                    )
                  : undefined,
            });
          })
        : undefined,
      LocalSecondaryIndexes: p.LocalSecondaryIndexes,
      StreamSpecification: p.StreamSpecification,
      TimeToLiveSpecification: p.TimeToLiveSpecification,
      SSESpecification: p.SSESpecification ?? replica.SSESpecification,
      PointInTimeRecoverySpecification: replica.PointInTimeRecoverySpecification,
      ContributorInsightsSpecification: replica.ContributorInsightsSpecification,
      KinesisStreamSpecification: replica.KinesisStreamSpecification,
      DeletionProtectionEnabled: replica.DeletionProtectionEnabled,
      TableClass: replica.TableClass,
      Tags: replica.Tags,
      ResourcePolicy: replica.ResourcePolicy,
    }),
  };
  const plan = tablePlan(asTable);
  const where = `${resource.stackName}/${resource.logicalId}`;
  const extra: NotEmulated[] = others.map((other) => ({
    resource: where,
    type: resource.type,
    property: `Replicas[${other ?? '?'}]`,
    note: `not emulated: only the ${region} replica exists locally`,
  }));
  return { ...plan, notEmulated: [...plan.notEmulated, ...extra] };
};
