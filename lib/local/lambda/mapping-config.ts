/**
 * An AWS::Lambda::EventSourceMapping with its resolved properties, and its EventSourceMappingConfiguration
 * as the Lambda API reports it.
 */
import { randomUUID } from 'node:crypto';
import type { TemplateResource } from '#lib/local/core/types';
import { compileFilterCriteria, type RecordFilter } from './filter.ts';

export type SourceKind = 'sqs' | 'dynamodb' | 'unsupported';

export interface MappingConfig {
  readonly uuid: string;
  readonly arn: string;
  /** The function's name (resolved from a name or an ARN). */
  readonly functionName: string;
  readonly functionArn: string;
  readonly eventSourceArn: string;
  readonly kind: SourceKind;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly enabled: boolean;
  readonly functionResponseTypes: readonly string[];
  readonly reportBatchItemFailures: boolean;
  /** ScalingConfig.MaximumConcurrency (SQS). */
  readonly maximumConcurrency?: number | undefined;
  readonly filterCriteria?: unknown;
  readonly filter?: RecordFilter | undefined;
  readonly startingPosition?: string | undefined;
  readonly bisectBatchOnFunctionError: boolean;
  /** -1: retry until the record expires. */
  readonly maximumRetryAttempts: number;
  /** -1: no limit. */
  readonly maximumRecordAgeSeconds: number;
  readonly onFailureDestination?: string | undefined;
  readonly parallelizationFactor: number;
  readonly lastModified: Date;
}

const num = (value: unknown): number | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
};

export const sourceKind = (arn: string): SourceKind => {
  if (arn.startsWith('arn:aws:sqs:')) return 'sqs';
  if (/^arn:aws:dynamodb:[^:]*:[^:]*:table\/[^/]+\/stream\//.test(arn)) return 'dynamodb';
  return 'unsupported';
};

/** Lambda's defaults: SQS batches of 10, stream batches of 100; no window; retries until the record expires. */
export const parseMapping = (
  resource: TemplateResource,
  functionName: string,
  functionArn: string,
  context: { region: string; accountId: string },
): MappingConfig => {
  const p = resource.properties;
  const eventSourceArn = typeof p.EventSourceArn === 'string' ? p.EventSourceArn : '';
  const kind = sourceKind(eventSourceArn);
  const responseTypes = Array.isArray(p.FunctionResponseTypes) ? p.FunctionResponseTypes.map(String) : [];
  const uuid = randomUUID();
  const destination = (p.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)
    ?.OnFailure?.Destination;
  return {
    uuid,
    arn: `arn:aws:lambda:${context.region}:${context.accountId}:event-source-mapping:${uuid}`,
    functionName,
    functionArn,
    eventSourceArn,
    kind,
    batchSize: num(p.BatchSize) ?? (kind === 'sqs' ? 10 : 100),
    batchingWindowSeconds: num(p.MaximumBatchingWindowInSeconds) ?? 0,
    enabled: p.Enabled === undefined ? true : p.Enabled === true || p.Enabled === 'true',
    functionResponseTypes: responseTypes,
    reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
    maximumConcurrency: num(
      (p.ScalingConfig as { MaximumConcurrency?: unknown } | undefined)?.MaximumConcurrency,
    ),
    filterCriteria: p.FilterCriteria,
    filter: compileFilterCriteria(p.FilterCriteria),
    startingPosition: typeof p.StartingPosition === 'string' ? p.StartingPosition : undefined,
    bisectBatchOnFunctionError:
      p.BisectBatchOnFunctionError === true || p.BisectBatchOnFunctionError === 'true',
    maximumRetryAttempts: num(p.MaximumRetryAttempts) ?? -1,
    maximumRecordAgeSeconds: num(p.MaximumRecordAgeInSeconds) ?? -1,
    onFailureDestination: typeof destination === 'string' ? destination : undefined,
    parallelizationFactor: num(p.ParallelizationFactor) ?? 1,
    lastModified: new Date(),
  };
};

/** EventSourceMappingConfiguration (ListEventSourceMappings, GetEventSourceMapping). */
export const mappingConfiguration = (
  config: MappingConfig,
  lastProcessingResult: string,
): Record<string, unknown> => {
  const stream = config.kind === 'dynamodb';
  return {
    UUID: config.uuid,
    EventSourceMappingArn: config.arn,
    ...(config.startingPosition ? { StartingPosition: config.startingPosition } : {}),
    BatchSize: config.batchSize,
    MaximumBatchingWindowInSeconds: config.batchingWindowSeconds,
    ...(stream ? { ParallelizationFactor: config.parallelizationFactor } : {}),
    EventSourceArn: config.eventSourceArn,
    ...(config.filterCriteria ? { FilterCriteria: config.filterCriteria } : {}),
    FunctionArn: config.functionArn,
    LastModified: Math.floor(config.lastModified.getTime() / 1000),
    LastProcessingResult: lastProcessingResult,
    State: config.enabled ? 'Enabled' : 'Disabled',
    StateTransitionReason: 'USER_INITIATED',
    ...(stream
      ? {
          DestinationConfig: config.onFailureDestination
            ? { OnFailure: { Destination: config.onFailureDestination } }
            : { OnFailure: {} },
          MaximumRecordAgeInSeconds: config.maximumRecordAgeSeconds,
          BisectBatchOnFunctionError: config.bisectBatchOnFunctionError,
          MaximumRetryAttempts: config.maximumRetryAttempts,
        }
      : {}),
    FunctionResponseTypes: [...config.functionResponseTypes],
    ...(config.maximumConcurrency !== undefined
      ? { ScalingConfig: { MaximumConcurrency: config.maximumConcurrency } }
      : {}),
  };
};
