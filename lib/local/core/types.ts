/**
 * The contracts between the parts of the local cloud: the engines (SQS/SNS, DynamoDB, Lambda, EventBridge,
 * Step Functions, CloudWatch, API Gateway), the template provisioner, the edge router and the CLI.
 *
 * Each engine owns a kind of resource: it provisions the template's resources of its types, serves its AWS API
 * on the edge endpoint, and offers an in-process API that other engines call directly (an EventBridge target
 * sends to SQS without a network hop). Engines find each other through {@link LocalServices} at run time,
 * never at construction, so they can be built in any order.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The account and region every local ARN and URL uses. */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** ORDERFLOW_TIME_SCALE: AWS durations multiplied by `factor`, so fault scenarios finish in seconds. */
export interface TimeScale {
  /** 1 on AWS time; 0.01 makes a 60 s visibility timeout 0.6 s. */
  readonly factor: number;
  /** An AWS duration in seconds, scaled, in milliseconds. */
  ms(seconds: number): number;
}

/** One line of the live trace `npm start` prints as orders flow. */
export interface TraceEvent {
  /** The order this concerns, when known. */
  readonly orderId?: string | undefined;
  /** What happened: an event name (`OrderPlaced`), an API call (`POST /orders`), a state (`ReserveInventory`). */
  readonly event: string;
  /** Where: a function name, `eventbridge`, `sqs:<queue>`, `saga`, `alarm`. */
  readonly service: string;
  /** How it ended: `ok`, `202`, `failed: PaymentGatewayTransientError`, `ALARM`, `retry 2` ... */
  readonly outcome: string;
  readonly correlationId?: string | undefined;
}

export interface Trace {
  emit(event: TraceEvent): void;
}

/** One CloudWatch data point. */
export interface MetricDatum {
  readonly namespace: string;
  readonly metricName: string;
  /** Dimension name -> value; order does not matter. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
  readonly unit?: string | undefined;
  /** Epoch milliseconds. */
  readonly timestamp: number;
}

export interface MetricQuery {
  readonly namespace: string;
  readonly metricName: string;
  /** The data points whose dimensions equal exactly these. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** Epoch milliseconds, inclusive. */
  readonly start: number;
  /** Epoch milliseconds, exclusive. */
  readonly end: number;
}

/** Where every engine puts its metrics, and where alarms and GetMetricData read them. */
export interface MetricStore {
  put(datum: MetricDatum): void;
  query(query: MetricQuery): MetricDatum[];
  /** Every distinct metric seen (namespace, name, dimensions), for ListMetrics. */
  list(): { namespace: string; metricName: string; dimensions: Record<string, string> }[];
}

/** A request that reached the edge endpoint, with its body already read. */
export interface EdgeRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The SigV4 credential scope's service (`sqs`, `dynamodb`, `events`, `states`, `monitoring`, `lambda` ...), if signed. */
  readonly signingService?: string | undefined;
  /** The X-Amz-Target header (`DynamoDB_20120810.PutItem`), if any. */
  readonly target?: string | undefined;
  /** `host:port` as the client addressed us, for URLs in responses. */
  readonly host: string;
}

export interface EdgeResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
}

/** An AWS API served on the edge endpoint. The edge asks each handler in turn; the first that claims a request answers it. */
export interface ServiceHandler {
  /** For logs and the boot summary: `sqs`, `dynamodb` ... */
  readonly name: string;
  claims(request: EdgeRequest): boolean;
  handle(request: EdgeRequest): Promise<EdgeResponse>;
}

/** A resource of a synthesized template, with every intrinsic in its properties already resolved. */
export interface TemplateResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
  /** The construct path (`OrderflowProcessing/SagaStarter/Queue/Resource`), when the template records it. */
  readonly constructPath?: string | undefined;
  /** For resources with a file asset (a Lambda function): the asset's folder in the cloud assembly. */
  readonly assetPath?: string | undefined;
}

/** What provisioning a resource gives back: its `Ref` value and its `Fn::GetAtt` attributes. */
export interface ProvisionedResource {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/**
 * Creates the template's resources of some types. The provisioner calls `provision` in dependency order, so
 * every Ref and GetAtt in `resource.properties` is already a plain value.
 */
export interface ResourceProvider {
  readonly types: readonly string[];
  provision(resource: TemplateResource): Promise<ProvisionedResource>;
}

/** A part of the local cloud with a life cycle. `start` runs before provisioning, `stop` at shutdown. */
export interface Engine {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly providers?: readonly ResourceProvider[];
  readonly handlers?: readonly ServiceHandler[];
}

/** The result of invoking a function, as the Lambda Invoke API reports it. */
export interface InvokeResult {
  /** 200 for a completed invocation (even one whose handler threw), as Lambda answers. */
  readonly statusCode: number;
  /** The handler's return value, or `{ errorType, errorMessage, trace }` when it failed. */
  readonly payload: unknown;
  /** `Unhandled` when the handler threw, rejected, timed out or crashed. */
  readonly functionError?: 'Unhandled' | undefined;
  readonly durationMs: number;
}

export interface LambdaApi {
  /** Synchronous invocation; waits for a free concurrency slot, as a synchronous caller would be throttled and retry. */
  invoke(
    functionNameOrArn: string,
    payload: unknown,
    options?: { /** What the trace calls this invocation, e.g. the saga state. */ readonly label?: string },
  ): Promise<InvokeResult>;
  /** Every provisioned function: name, ARN and resolved configuration. */
  functions(): readonly { name: string; arn: string }[];
}

export interface SqsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string | undefined;
  readonly BinaryValue?: Uint8Array | undefined;
}

export interface SqsApi {
  /** `queue` is a queue URL, ARN or name. */
  sendMessage(
    queue: string,
    body: string,
    options?: {
      readonly messageAttributes?: Readonly<Record<string, SqsMessageAttribute>>;
      readonly messageGroupId?: string;
      readonly messageDeduplicationId?: string;
      readonly delaySeconds?: number;
    },
  ): Promise<{ messageId: string }>;
  /**
   * Receives up to `maxMessages` for an event source mapping. Durations are real milliseconds (already
   * scaled by the caller), and may be fractions of a second, unlike the wire API.
   */
  receiveMessages(
    queue: string,
    options: {
      readonly maxMessages: number;
      readonly visibilityTimeoutMs: number;
      readonly waitTimeMs: number;
    },
  ): Promise<ReceivedSqsMessage[]>;
  deleteMessage(queue: string, receiptHandle: string): Promise<void>;
  /** Makes a received message visible again after `visibilityTimeoutMs` (0: at once). */
  changeMessageVisibility(queue: string, receiptHandle: string, visibilityTimeoutMs: number): Promise<void>;
  queueUrl(queue: string): string;
  queueArn(queue: string): string;
  /**
   * The queue's attributes as GetQueueAttributes reports them (`VisibilityTimeout` in seconds as configured,
   * unscaled). Optional: the Lambda event source mapping reads the visibility timeout from it, and assumes
   * AWS's default (30 s) without it.
   */
  queueAttributes?(queue: string): Promise<Readonly<Record<string, string>>>;
}

/** A received message, in the shape an SQS event record needs. */
export interface ReceivedSqsMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly md5OfBody: string;
  /** ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp, MessageGroupId ... */
  readonly attributes: Readonly<Record<string, string>>;
  readonly messageAttributes: Readonly<Record<string, SqsMessageAttribute>>;
}

export interface SnsApi {
  publish(
    topicArn: string,
    message: string,
    options?: {
      readonly subject?: string;
      readonly messageAttributes?: Readonly<Record<string, { DataType: string; StringValue?: string }>>;
      readonly messageGroupId?: string;
      readonly messageDeduplicationId?: string;
    },
  ): Promise<{ messageId: string }>;
}

/** A PutEvents entry as the API takes it. */
export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly EventBusName?: string;
  readonly Resources?: readonly string[];
  readonly Time?: Date | string | number;
  readonly TraceHeader?: string;
}

export interface EventsApi {
  putEvents(entries: readonly PutEventsEntry[]): Promise<{
    failedEntryCount: number;
    entries: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
  }>;
}

export interface StepFunctionsApi {
  startExecution(
    stateMachineArn: string,
    input: string,
    name?: string,
  ): Promise<{ executionArn: string; startDate: Date }>;
}

export interface DynamoDbApi {
  /** The DynamoDB Local endpoint (`http://127.0.0.1:<port>`), for in-process SDK clients. */
  readonly endpoint: string;
  /**
   * DynamoDB Local writes its ARNs with the region `ddblocal`; the cloud shows them with the local region.
   * `localArn` turns a public ARN (as the template and the functions see it) into DynamoDB Local's.
   */
  localArn(arn: string): string;
  /** The reverse of {@link localArn}. */
  publicArn(arn: string): string;
}

/**
 * The in-process APIs of the engines, filled in as the cloud boots. Engines read them when they need them
 * (at run time), so construction order does not matter.
 */
export interface LocalServices {
  lambda?: LambdaApi;
  sqs?: SqsApi;
  sns?: SnsApi;
  events?: EventsApi;
  stepFunctions?: StepFunctionsApi;
  dynamodb?: DynamoDbApi;
}

/** What every engine is given. */
export interface CloudContext {
  readonly region: string;
  readonly accountId: string;
  /** `http://127.0.0.1:<edgePort>`: the endpoint handlers reach every AWS API through. */
  readonly edgeUrl: string;
  readonly time: TimeScale;
  readonly trace: Trace;
  readonly metrics: MetricStore;
  readonly services: LocalServices;
  /** The cloud assembly folder (`cdk.out`), where function assets are. */
  readonly assemblyDir: string;
  /** Diagnostics for the operator (engine start-up, warnings). Not the live trace. */
  log(message: string): void;
}

/** Looks an engine's service up, with a clear error when it is not running. */
export const requireService = <K extends keyof LocalServices>(
  services: LocalServices,
  key: K,
): NonNullable<LocalServices[K]> => {
  const service = services[key];
  if (!service) throw new Error(`the local ${key} engine is not running`);
  return service as NonNullable<LocalServices[K]>;
};
