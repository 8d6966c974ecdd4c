/**
 * What a Task does: the engine dispatches every Task by its Resource to the local service it names, and
 * reports failures with the error names Step Functions uses, so Retry and Catch match as on AWS.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type CloudContext,
  type InvokeResult,
  type LocalServices,
  type PutEventsEntry,
  requireService,
} from '#lib/local/core/types';
import { classifyResource, type Json, type JsonObject, type TaskTarget } from './definition.ts';

/**
 * A failed Task, as the state machine sees it: `name` is the Error that Retry and Catch match, `message` the
 * Cause. A non-retryable one (States.Runtime) can be neither retried nor caught, as on AWS.
 */
export class TaskError extends Error {
  constructor(
    name: string,
    cause: string,
    private readonly recoverable = true,
  ) {
    super(cause);
    this.name = name;
  }
  /** Read by aws-local-stepfunctions' Retry matching. */
  get isRetryable(): boolean {
    return this.recoverable;
  }
  /** Read by aws-local-stepfunctions' Catch matching. */
  get isCatchable(): boolean {
    return this.recoverable;
  }
}

const runtimeError = (message: string): TaskError => new TaskError('States.Runtime', message, false);

/** An execution as a `.sync` startExecution task reports it. */
export interface ExecutionSummary {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: string;
  readonly startDate: number;
  readonly stopDate?: number | undefined;
  readonly input: string;
  readonly output?: string | undefined;
  readonly error?: string | undefined;
  readonly cause?: string | undefined;
}

/** The engine's own executions, for `states:startExecution` tasks. */
export interface ExecutionStarter {
  startExecution(
    stateMachineArn: string,
    input: string,
    name?: string,
  ): Promise<{ executionArn: string; startDate: Date }>;
  waitForExecution(executionArn: string): Promise<ExecutionSummary>;
}

/** Where a Task runs. */
export interface TaskContext {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly stateName: string;
  readonly resource: string;
  /** Aborted when the execution stops (ABORTED or TIMED_OUT). */
  readonly signal: AbortSignal;
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The response metadata the Java SDK behind Step Functions' optimized integrations adds to their results. */
const sdkMetadata = (contentType: string): JsonObject => {
  const requestId = randomUUID();
  return {
    SdkHttpMetadata: {
      AllHttpHeaders: { 'x-amzn-RequestId': [requestId], 'Content-Type': [contentType] },
      HttpHeaders: { 'x-amzn-RequestId': requestId, 'Content-Type': contentType },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
  };
};

/** A JSON value as a message body: strings as they are, anything else serialized (as Step Functions does). */
const asText = (value: Json | undefined): string =>
  typeof value === 'string' ? value : JSON.stringify(value ?? null);

const errorName = (error: unknown): string => {
  const name = (error as { name?: unknown; code?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' && name !== 'Error' ? name : 'ServiceException';
};

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A service error as an optimized integration reports it: `DynamoDB.ConditionalCheckFailedException` & co. */
const serviceError = (prefix: string, service: string, error: unknown): TaskError => {
  if (error instanceof TaskError) return error;
  const name = errorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number }; status?: number } | null) ?? {};
  const code = status.$metadata?.httpStatusCode ?? status.status ?? 400;
  return new TaskError(
    `${prefix}.${name}`,
    `${errorMessage(error)} (Service: ${service}; Status Code: ${code}; Error Code: ${name}; Request ID: ${randomUUID()}; Proxy: null)`,
  );
};

const requireString = (input: JsonObject, field: string, resource: string): string => {
  const value = input[field];
  if (typeof value !== 'string' || value === '') {
    throw runtimeError(`${resource}: the parameter ${field} is required and must be a string`);
  }
  return value;
};

// --- DynamoDB AttributeValues: Step Functions passes them in the wire JSON (B as base64); the SDK wants bytes.

type WireValue = Json;

const toSdkValue = (value: WireValue): AttributeValue => {
  if (!isObject(value)) return value as unknown as AttributeValue;
  const out: Record<string, unknown> = {};
  for (const [type, inner] of Object.entries(value)) {
    if (type === 'B' && typeof inner === 'string') out.B = Buffer.from(inner, 'base64');
    else if (type === 'BS' && Array.isArray(inner))
      out.BS = inner.map((b) => Buffer.from(String(b), 'base64'));
    else if (type === 'M' && isObject(inner)) out.M = toSdkMap(inner);
    else if (type === 'L' && Array.isArray(inner)) out.L = inner.map(toSdkValue);
    else out[type] = inner;
  }
  return out as unknown as AttributeValue;
};

const toSdkMap = (map: JsonObject): Record<string, AttributeValue> =>
  Object.fromEntries(Object.entries(map).map(([key, value]) => [key, toSdkValue(value)]));

const toWireValue = (value: unknown): Json => {
  if (!isObject(value as Json)) return value as Json;
  const out: JsonObject = {};
  for (const [type, inner] of Object.entries(value as Record<string, unknown>)) {
    if (inner === undefined) continue;
    if (type === 'B' && inner instanceof Uint8Array) out.B = Buffer.from(inner).toString('base64');
    else if (type === 'BS' && Array.isArray(inner)) {
      out.BS = inner.map((b: Uint8Array) => Buffer.from(b).toString('base64'));
    } else if (type === 'M' && isObject(inner as Json)) out.M = toWireMap(inner as Record<string, unknown>);
    else if (type === 'L' && Array.isArray(inner)) out.L = inner.map(toWireValue);
    else out[type] = inner as Json;
  }
  return out;
};

const toWireMap = (map: Record<string, unknown>): JsonObject =>
  Object.fromEntries(Object.entries(map).map(([key, value]) => [key, toWireValue(value)]));

/** The request members that hold AttributeValues (maps of them, or legacy Expected/AttributeUpdates). */
const dynamoRequest = (input: JsonObject, localArn: (arn: string) => string): Record<string, unknown> => {
  const request: Record<string, unknown> = { ...input };
  if (typeof input.TableName === 'string' && input.TableName.startsWith('arn:')) {
    request.TableName = localArn(input.TableName);
  }
  for (const member of ['Item', 'Key', 'ExpressionAttributeValues']) {
    const value = input[member];
    if (isObject(value)) request[member] = toSdkMap(value);
  }
  for (const member of ['Expected', 'AttributeUpdates']) {
    const value = input[member];
    if (!isObject(value)) continue;
    request[member] = Object.fromEntries(
      Object.entries(value).map(([name, condition]) => {
        if (!isObject(condition)) return [name, condition];
        const converted: Record<string, unknown> = { ...condition };
        if (condition.Value !== undefined) converted.Value = toSdkValue(condition.Value);
        if (Array.isArray(condition.AttributeValueList)) {
          converted.AttributeValueList = condition.AttributeValueList.map(toSdkValue);
        }
        return [name, converted];
      }),
    );
  }
  return request;
};

const dynamoResult = (output: Record<string, unknown>, publicArn: (arn: string) => string): JsonObject => {
  const result: JsonObject = {};
  for (const [member, value] of Object.entries(output)) {
    if (member === '$metadata' || value === undefined) continue;
    if ((member === 'Item' || member === 'Attributes') && isObject(value as Json)) {
      result[member] = toWireMap(value as Record<string, unknown>);
    } else if (member === 'ItemCollectionMetrics' && isObject(value as Json)) {
      const metrics = value as {
        ItemCollectionKey?: Record<string, unknown>;
        SizeEstimateRangeGB?: number[];
      };
      result[member] = {
        ...(metrics.ItemCollectionKey ? { ItemCollectionKey: toWireMap(metrics.ItemCollectionKey) } : {}),
        ...(metrics.SizeEstimateRangeGB ? { SizeEstimateRangeGB: metrics.SizeEstimateRangeGB } : {}),
      };
    } else if (member === 'ConsumedCapacity' && isObject(value as Json)) {
      const capacity = value as JsonObject;
      result[member] =
        typeof capacity.TableName === 'string' && capacity.TableName.startsWith('arn:')
          ? { ...capacity, TableName: publicArn(capacity.TableName) }
          : capacity;
    } else {
      result[member] = value as Json;
    }
  }
  return { ...result, ...sdkMetadata('application/x-amz-json-1.0') };
};

/**
 * Dispatches Tasks to the local services, with Step Functions' result shapes and error names:
 *
 * | Resource | service | result |
 * | --- | --- | --- |
 * | a Lambda function ARN | ctx.services.lambda | the function's return value |
 * | `lambda:invoke` | ctx.services.lambda | `{ ExecutedVersion, Payload, StatusCode, SdkHttpMetadata, SdkResponseMetadata }` |
 * | `events:putEvents` | ctx.services.events | `{ Entries, FailedEntryCount }`; a failed entry fails the task (EventBridge.FailedEntry) |
 * | `dynamodb:getItem/putItem/updateItem/deleteItem` | DynamoDB (SDK) | the API response + SDK metadata |
 * | `sqs:sendMessage` | ctx.services.sqs | `{ MD5OfMessageBody, MessageId, ... }` |
 * | `sns:publish` | ctx.services.sns | `{ MessageId, ... }` |
 * | `states:startExecution[.sync[:2]]` | this engine | `{ ExecutionArn, StartDate }` or the finished execution |
 *
 * A Lambda function error becomes Error = errorType (`Lambda.Unknown` without one), Cause = the JSON of
 * `{ errorType, errorMessage, trace }`, as Step Functions reports it.
 */
export class TaskDispatcher {
  private dynamo: { endpoint: string; client: DynamoDBClient } | undefined;

  constructor(
    private readonly ctx: CloudContext,
    private readonly executions: ExecutionStarter,
  ) {}

  async dispatch(task: TaskContext, input: Json): Promise<Json> {
    const target = classifyResource(task.resource);
    if (!target) {
      throw runtimeError(
        `An error occurred while scheduling the state '${task.stateName}'. The provided ARN '${task.resource}' is invalid or has no local integration.`,
      );
    }
    return this.run(target, task, input);
  }

  close(): void {
    this.dynamo?.client.destroy();
    this.dynamo = undefined;
  }

  private async run(target: TaskTarget, task: TaskContext, input: Json): Promise<Json> {
    switch (target.kind) {
      case 'lambda-function':
        return this.invokeFunction(target.functionArn, input, task.stateName);
      case 'lambda-invoke':
        return this.lambdaInvoke(task, input);
      case 'events-putEvents':
        return this.putEvents(task, input);
      case 'dynamodb':
        return this.dynamodb(target.action, task, input);
      case 'sqs-sendMessage':
        return this.sendMessage(task, input);
      case 'sns-publish':
        return this.publish(task, input);
      case 'states-startExecution':
        return this.startExecution(target.pattern, task, input);
      case 'local-wait':
        return this.wait(task, input);
    }
  }

  private service<K extends keyof LocalServices>(key: K): NonNullable<LocalServices[K]> {
    try {
      return requireService(this.ctx.services, key);
    } catch (error) {
      throw runtimeError(errorMessage(error));
    }
  }

  private async invoke(functionName: string, payload: unknown, label?: string): Promise<InvokeResult> {
    const lambda = this.service('lambda');
    try {
      return await lambda.invoke(functionName, payload, label === undefined ? {} : { label });
    } catch (error) {
      const name = errorName(error);
      throw new TaskError(
        `Lambda.${name.endsWith('Exception') ? name : 'ServiceException'}`,
        `${errorMessage(error)} (Service: AWSLambda; Status Code: 500; Error Code: ${name}; Request ID: ${randomUUID()}; Proxy: null)`,
      );
    }
  }

  /** Throws the function's error as Step Functions reports it, or returns its payload. */
  private functionResult(result: InvokeResult): Json {
    if (result.functionError) {
      const payload = isObject(result.payload as Json) ? (result.payload as Record<string, unknown>) : {};
      const errorType =
        typeof payload.errorType === 'string' && payload.errorType ? payload.errorType : undefined;
      const cause: Record<string, unknown> = {};
      if (errorType) cause.errorType = errorType;
      cause.errorMessage =
        typeof payload.errorMessage === 'string' ? payload.errorMessage : String(result.payload);
      if (Array.isArray(payload.trace)) cause.trace = payload.trace;
      throw new TaskError(errorType ?? 'Lambda.Unknown', JSON.stringify(cause));
    }
    return (result.payload ?? null) as Json;
  }

  private async invokeFunction(functionArn: string, input: Json, stateName: string): Promise<Json> {
    return this.functionResult(await this.invoke(functionArn, input, stateName));
  }

  private async lambdaInvoke(task: TaskContext, input: Json): Promise<Json> {
    if (!isObject(input)) throw runtimeError(`${task.resource}: the parameters must be an object`);
    const functionName = requireString(input, 'FunctionName', task.resource);
    const qualified =
      typeof input.Qualifier === 'string' && !functionName.startsWith('arn:')
        ? `${functionName}:${input.Qualifier}`
        : functionName;
    const payload = input.Payload === undefined ? {} : input.Payload;
    const metadata = sdkMetadata('application/json');
    if (input.InvocationType === 'Event') {
      // Asynchronous invocation: Lambda queues it and answers 202 at once.
      void this.invoke(qualified, payload).catch((error: unknown) =>
        this.ctx.log(`stepfunctions: async invocation of ${functionName} failed: ${errorMessage(error)}`),
      );
      return { Payload: '', ...metadata, StatusCode: 202 };
    }
    if (input.InvocationType === 'DryRun') return { Payload: '', ...metadata, StatusCode: 204 };
    const result = await this.invoke(qualified, payload, task.stateName);
    const value = this.functionResult(result);
    return { ExecutedVersion: '$LATEST', Payload: value, ...metadata, StatusCode: result.statusCode };
  }

  private async putEvents(task: TaskContext, input: Json): Promise<Json> {
    if (!isObject(input) || !Array.isArray(input.Entries)) {
      throw runtimeError(`${task.resource}: the parameter Entries is required and must be an array`);
    }
    const entries: PutEventsEntry[] = input.Entries.map((entry) => {
      const e = isObject(entry) ? entry : {};
      const resources = Array.isArray(e.Resources) ? e.Resources.map(String) : [];
      return {
        ...(e.Source !== undefined ? { Source: String(e.Source) } : {}),
        ...(e.DetailType !== undefined ? { DetailType: String(e.DetailType) } : {}),
        ...(e.Detail !== undefined ? { Detail: asText(e.Detail) } : {}),
        ...(e.EventBusName !== undefined ? { EventBusName: String(e.EventBusName) } : {}),
        ...(e.Time !== undefined ? { Time: e.Time as string | number } : {}),
        ...(e.TraceHeader !== undefined ? { TraceHeader: String(e.TraceHeader) } : {}),
        // Step Functions appends the execution and state machine ARNs to every entry's Resources.
        Resources: [...resources, task.executionArn, task.stateMachineArn],
      };
    });
    const events = this.service('events');
    let result: Awaited<ReturnType<typeof events.putEvents>>;
    try {
      result = await events.putEvents(entries);
    } catch (error) {
      throw serviceError('EventBridge', 'EventBridge', error);
    }
    const output: JsonObject = {
      Entries: result.entries.map((entry) => ({ ...entry }) as JsonObject),
      FailedEntryCount: result.failedEntryCount,
    };
    if (result.failedEntryCount > 0) throw new TaskError('EventBridge.FailedEntry', JSON.stringify(output));
    return output;
  }

  private dynamoClient(): DynamoDBClient {
    const { endpoint } = this.service('dynamodb');
    if (this.dynamo?.endpoint !== endpoint) {
      this.dynamo?.client.destroy();
      this.dynamo = {
        endpoint,
        client: new DynamoDBClient({
          endpoint,
          region: this.ctx.region,
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          maxAttempts: 1,
        }),
      };
    }
    return this.dynamo.client;
  }

  private async dynamodb(
    action: 'getItem' | 'putItem' | 'updateItem' | 'deleteItem',
    task: TaskContext,
    input: Json,
  ): Promise<Json> {
    if (!isObject(input)) throw runtimeError(`${task.resource}: the parameters must be an object`);
    requireString(input, 'TableName', task.resource);
    const ddb = this.service('dynamodb');
    const client = this.dynamoClient();
    const request = dynamoRequest(input, (arn) => ddb.localArn(arn));
    try {
      // biome-ignore lint/suspicious/noExplicitAny: the request is the API's own JSON, checked by DynamoDB.
      const params = request as any;
      const output =
        action === 'getItem'
          ? await client.send(new GetItemCommand(params))
          : action === 'putItem'
            ? await client.send(new PutItemCommand(params))
            : action === 'updateItem'
              ? await client.send(new UpdateItemCommand(params))
              : await client.send(new DeleteItemCommand(params));
      return dynamoResult(output as unknown as Record<string, unknown>, (arn) => ddb.publicArn(arn));
    } catch (error) {
      throw serviceError('DynamoDB', 'AmazonDynamoDBv2', error);
    }
  }

  private async sendMessage(task: TaskContext, input: Json): Promise<Json> {
    if (!isObject(input)) throw runtimeError(`${task.resource}: the parameters must be an object`);
    const queueUrl = requireString(input, 'QueueUrl', task.resource);
    if (input.MessageBody === undefined)
      throw runtimeError(`${task.resource}: the parameter MessageBody is required`);
    const body = asText(input.MessageBody);
    const sqs = this.service('sqs');
    try {
      const { messageId } = await sqs.sendMessage(queueUrl, body, {
        ...(isObject(input.MessageAttributes) ? { messageAttributes: input.MessageAttributes as never } : {}),
        ...(typeof input.MessageGroupId === 'string' ? { messageGroupId: input.MessageGroupId } : {}),
        ...(typeof input.MessageDeduplicationId === 'string'
          ? { messageDeduplicationId: input.MessageDeduplicationId }
          : {}),
        ...(typeof input.DelaySeconds === 'number' ? { delaySeconds: input.DelaySeconds } : {}),
      });
      return {
        MD5OfMessageBody: createHash('md5').update(body, 'utf8').digest('hex'),
        MessageId: messageId,
        ...sdkMetadata('text/xml'),
      };
    } catch (error) {
      throw serviceError('SQS', 'AmazonSQS', error);
    }
  }

  private async publish(task: TaskContext, input: Json): Promise<Json> {
    if (!isObject(input)) throw runtimeError(`${task.resource}: the parameters must be an object`);
    if (input.TargetArn !== undefined || input.PhoneNumber !== undefined) {
      throw runtimeError(
        `${task.resource}: only TopicArn is supported locally (not TargetArn or PhoneNumber)`,
      );
    }
    const topicArn = requireString(input, 'TopicArn', task.resource);
    if (input.Message === undefined)
      throw runtimeError(`${task.resource}: the parameter Message is required`);
    const sns = this.service('sns');
    try {
      const { messageId } = await sns.publish(topicArn, asText(input.Message), {
        ...(typeof input.Subject === 'string' ? { subject: input.Subject } : {}),
        ...(isObject(input.MessageAttributes) ? { messageAttributes: input.MessageAttributes as never } : {}),
        ...(typeof input.MessageGroupId === 'string' ? { messageGroupId: input.MessageGroupId } : {}),
        ...(typeof input.MessageDeduplicationId === 'string'
          ? { messageDeduplicationId: input.MessageDeduplicationId }
          : {}),
      });
      return { MessageId: messageId, ...sdkMetadata('text/xml') };
    } catch (error) {
      throw serviceError('SNS', 'AmazonSNS', error);
    }
  }

  private async startExecution(
    pattern: 'request' | 'sync' | 'sync:2',
    task: TaskContext,
    input: Json,
  ): Promise<Json> {
    if (!isObject(input)) throw runtimeError(`${task.resource}: the parameters must be an object`);
    const machineArn = requireString(input, 'StateMachineArn', task.resource);
    const executionInput = input.Input === undefined ? '{}' : asText(input.Input);
    let started: { executionArn: string; startDate: Date };
    try {
      started = await this.executions.startExecution(
        machineArn,
        executionInput,
        typeof input.Name === 'string' ? input.Name : undefined,
      );
    } catch (error) {
      const name = errorName(error);
      throw serviceError(
        'StepFunctions',
        'AWSStepFunctions',
        Object.assign(new Error(errorMessage(error)), {
          name: name.endsWith('Exception') ? name : `${name}Exception`,
        }),
      );
    }
    const metadata = sdkMetadata('application/x-amz-json-1.0');
    if (pattern === 'request') {
      return { ExecutionArn: started.executionArn, StartDate: started.startDate.getTime(), ...metadata };
    }
    const done = await this.executions.waitForExecution(started.executionArn);
    const parse = (text: string | undefined): Json =>
      text === undefined ? null : (JSON.parse(text) as Json);
    const description: JsonObject = {
      ExecutionArn: done.executionArn,
      Input: pattern === 'sync:2' ? parse(done.input) : done.input,
      InputDetails: { Included: true },
      Name: done.name,
      ...(done.output !== undefined
        ? {
            Output: pattern === 'sync:2' ? parse(done.output) : done.output,
            OutputDetails: { Included: true },
          }
        : {}),
      StartDate: done.startDate,
      StateMachineArn: done.stateMachineArn,
      Status: done.status,
      ...(done.stopDate !== undefined ? { StopDate: done.stopDate } : {}),
      ...(done.error !== undefined ? { Error: done.error } : {}),
      ...(done.cause !== undefined ? { Cause: done.cause } : {}),
    };
    if (done.status !== 'SUCCEEDED') throw new TaskError('States.TaskFailed', JSON.stringify(description));
    return { ...description, ...metadata };
  }

  /** A Wait state rewritten for ORDERFLOW_TIME_SCALE: waits the scaled remaining time, then passes its input on. */
  private async wait(task: TaskContext, input: Json): Promise<Json> {
    const spec = isObject(input) ? input : {};
    let ms: number;
    if (typeof spec.seconds === 'number' && spec.seconds >= 0) {
      ms = this.ctx.time.ms(spec.seconds);
    } else if (typeof spec.timestamp === 'string' && !Number.isNaN(Date.parse(spec.timestamp))) {
      ms = Math.max(0, Date.parse(spec.timestamp) - Date.now()) * this.ctx.time.factor;
    } else {
      throw runtimeError(
        `Wait state '${task.stateName}': the wait time is not a non-negative number or a timestamp`,
      );
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      task.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return spec.input ?? null;
  }
}
