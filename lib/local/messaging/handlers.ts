import {
  AwsApiError,
  jsonOperation,
  parseJsonBody,
  queryError,
  queryParameters,
  requestId,
  xmlEscape,
} from '#lib/local/core/aws-protocol';
import type { CloudContext, EdgeRequest, EdgeResponse, ServiceHandler } from '#lib/local/core/types';
import type { FauxqsAttribute, MountedFauxqs } from './fauxqs.ts';
import { FilterPolicyError, validateFilterPolicy } from './filter-policy.ts';
import type { MessageMoveTasks } from './move-tasks.ts';
import type { PublishInput, SnsService } from './sns-service.ts';
import { asAwsError, queueNameOf, type SqsService } from './sqs-service.ts';

const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

/** The actions fauxqs's SNS router serves, plus the ones we answer; used to claim unsigned query requests. */
const SNS_ACTIONS = new Set([
  'CreateTopic',
  'DeleteTopic',
  'ListTopics',
  'GetTopicAttributes',
  'SetTopicAttributes',
  'Subscribe',
  'Unsubscribe',
  'ConfirmSubscription',
  'ListSubscriptions',
  'ListSubscriptionsByTopic',
  'GetSubscriptionAttributes',
  'SetSubscriptionAttributes',
  'Publish',
  'PublishBatch',
  'TagResource',
  'UntagResource',
  'ListTagsForResource',
]);

/** Request headers not passed to fauxqs (the body is already read; inject sets its own length). */
const HOP_HEADERS = new Set([
  'authorization',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'expect',
]);

/** The response headers worth passing on from fauxqs. */
const FORWARDED_HEADERS = ['content-type', 'x-amzn-query-error', 'x-amzn-requestid'];

interface Shared {
  readonly ctx: CloudContext;
  readonly fauxqs: () => MountedFauxqs;
}

/**
 * Sends a request the edge has read to fauxqs. The Host header becomes the edge's own (queue URLs in the
 * responses are then `http://127.0.0.1:<edge>/...` however the client addressed us), and the Authorization
 * header is dropped, so fauxqs uses the local region whatever region the client signed for.
 */
const forward = async (shared: Shared, request: EdgeRequest): Promise<EdgeResponse> => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || HOP_HEADERS.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  headers.host = new URL(shared.ctx.edgeUrl).host;
  const query = request.query.toString();
  const response = await shared.fauxqs().inject({
    method: request.method,
    url: `${request.path}${query ? `?${query}` : ''}`,
    headers,
    payload: request.body,
  });
  const responseHeaders: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = response.headers[name];
    if (value !== undefined) responseHeaders[name] = String(value);
  }
  responseHeaders['x-amzn-requestid'] ??= requestId();
  return { status: response.statusCode, headers: responseHeaders, body: response.rawPayload };
};

/**
 * The awsQuery error codes (`x-amzn-query-error`) of SQS's modeled errors, which the SDKs map back to the error
 * classes; any other error keeps its plain code (`InvalidParameterValue`, `MissingParameter` ...).
 */
const QUERY_ERROR_CODES: Readonly<Record<string, string>> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  QueueNameExists: 'QueueAlreadyExists',
  MessageNotInflight: 'AWS.SimpleQueueService.MessageNotInflight',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  BatchRequestTooLong: 'AWS.SimpleQueueService.BatchRequestTooLong',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  InvalidBatchEntryId: 'AWS.SimpleQueueService.InvalidBatchEntryId',
  PurgeQueueInProgress: 'AWS.SimpleQueueService.PurgeQueueInProgress',
  QueueDeletedRecently: 'AWS.SimpleQueueService.QueueDeletedRecently',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
};
const PREFIXED_QUERY_CODES = new Set(Object.values(QUERY_ERROR_CODES));

/**
 * fauxqs prefixes every query error code with `AWS.SimpleQueueService.`; SQS does that only for some, and the
 * SDKs name the error after this code (`InvalidParameterValue`, not `AWS.SimpleQueueService.InvalidParameterValue`).
 */
const fixQueryErrorHeader = (response: EdgeResponse): EdgeResponse => {
  const header = response.headers?.['x-amzn-query-error'];
  if (!header) return response;
  const [code = '', fault = 'Sender'] = header.split(';');
  const prefix = 'AWS.SimpleQueueService.';
  if (!code.startsWith(prefix) || PREFIXED_QUERY_CODES.has(code)) return response;
  return {
    ...response,
    headers: { ...response.headers, 'x-amzn-query-error': `${code.slice(prefix.length)};${fault}` },
  };
};

/** fauxqs issues receipt handles as random UUIDs. */
const RECEIPT_HANDLE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isReceiptHandle = (value: string): boolean => RECEIPT_HANDLE.test(value);
const invalidReceiptHandle = (handle: string): AwsApiError =>
  new AwsApiError(
    'ReceiptHandleIsInvalid',
    `The input receipt handle "${handle}" is not a valid receipt handle.`,
    404,
  );

/** An SQS error in the JSON protocol (awsQuery-compatible), as SQS writes them. */
const sqsError = (error: AwsApiError): EdgeResponse => ({
  status: error.status,
  headers: {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-requestid': requestId(),
    'x-amzn-query-error': `${QUERY_ERROR_CODES[error.code] ?? error.code};${error.senderFault ? 'Sender' : 'Receiver'}`,
  },
  body: JSON.stringify({ __type: `com.amazonaws.sqs#${error.code}`, message: error.message }),
});

const sqsJson = async (run: () => unknown): Promise<EdgeResponse> => {
  try {
    const body = await run();
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId() },
      body: JSON.stringify(body ?? {}),
    };
  } catch (error) {
    const aws = asAwsError(error);
    if (aws instanceof AwsApiError) return sqsError(aws);
    throw error;
  }
};

/**
 * SQS on the edge, in the JSON protocol (`X-Amz-Target: AmazonSQS.<Action>`) the SDKs and the CLI use: fauxqs
 * answers, except the operations it lacks (message move tasks, ListDeadLetterSourceQueues), which we answer.
 */
export class SqsHandler implements ServiceHandler {
  readonly name = 'sqs';

  constructor(
    private readonly shared: Shared,
    private readonly sqs: SqsService,
    private readonly moveTasks: MessageMoveTasks,
  ) {}

  claims(request: EdgeRequest): boolean {
    return request.target?.startsWith('AmazonSQS.') === true || request.signingService === 'sqs';
  }

  async handle(request: EdgeRequest): Promise<EdgeResponse> {
    if (!request.target?.startsWith('AmazonSQS.')) {
      return queryError(
        new AwsApiError(
          'InvalidAction',
          'The local SQS speaks the JSON protocol (X-Amz-Target: AmazonSQS.*) only; use a current AWS SDK or CLI.',
        ),
        'http://queue.amazonaws.com/doc/2012-11-05/',
      );
    }
    switch (jsonOperation(request)) {
      case 'StartMessageMoveTask':
        return sqsJson(() => this.moveTasks.start(parseJsonBody(request)));
      case 'ListMessageMoveTasks':
        return sqsJson(() => this.moveTasks.list(parseJsonBody(request)));
      case 'CancelMessageMoveTask':
        return sqsJson(() => this.moveTasks.cancel(parseJsonBody(request)));
      case 'ListDeadLetterSourceQueues':
        return sqsJson(() => this.listDeadLetterSourceQueues(parseJsonBody(request)));
      case 'ReceiveMessage':
        return this.receive(request);
      case 'DeleteMessage':
      case 'ChangeMessageVisibility':
        return this.withIssuedHandle(request);
      case 'DeleteMessageBatch':
        return this.deleteMessageBatch(request);
      default:
        return fixQueryErrorHeader(await forward(this.shared, request));
    }
  }

  private listDeadLetterSourceQueues(body: Record<string, unknown>): {
    queueUrls: string[];
    NextToken?: string;
  } {
    if (typeof body.QueueUrl !== 'string') {
      throw new AwsApiError('MissingParameter', 'The request must contain the parameter QueueUrl.');
    }
    const queue = this.sqs.resolve(body.QueueUrl);
    const urls = this.moveTasks.sourcesOf(queue.arn).map((source) => source.url);
    const max = body.MaxResults;
    if (max === undefined || max === null) return { queueUrls: urls };
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 1000) {
      throw new AwsApiError('InvalidParameterValue', 'MaxResults must be an integer between 1 and 1000.');
    }
    const start = typeof body.NextToken === 'string' ? Number(body.NextToken) || 0 : 0;
    const page = urls.slice(start, start + max);
    return start + max < urls.length
      ? { queueUrls: page, NextToken: String(start + max) }
      : { queueUrls: page };
  }

  /**
   * DeleteMessage and ChangeMessageVisibility refuse a receipt handle SQS never issued with ReceiptHandleIsInvalid
   * (ours are all UUIDs). fauxqs accepts any handle for DeleteMessage and calls it MessageNotInflight for
   * ChangeMessageVisibility. A handle that was valid once still goes to fauxqs: SQS ignores it on delete.
   */
  private async withIssuedHandle(request: EdgeRequest): Promise<EdgeResponse> {
    const { ReceiptHandle } = parseJsonBody(request);
    if (typeof ReceiptHandle === 'string' && ReceiptHandle !== '' && !isReceiptHandle(ReceiptHandle)) {
      return sqsError(invalidReceiptHandle(ReceiptHandle));
    }
    return fixQueryErrorHeader(await forward(this.shared, request));
  }

  /** DeleteMessageBatch: entries with a handle SQS never issued fail on their own; fauxqs deletes the rest. */
  private async deleteMessageBatch(request: EdgeRequest): Promise<EdgeResponse> {
    const body = parseJsonBody(request);
    const entries = Array.isArray(body.Entries) ? (body.Entries as Record<string, unknown>[]) : undefined;
    const invalid = (entry: Record<string, unknown>) =>
      typeof entry?.ReceiptHandle === 'string' &&
      entry.ReceiptHandle !== '' &&
      !isReceiptHandle(entry.ReceiptHandle);
    // Malformed batches (empty, too many, ids not distinct...) are fauxqs's to refuse, as they are.
    const ids = entries?.map((entry) => entry?.Id);
    if (
      !entries ||
      entries.length === 0 ||
      entries.length > 10 ||
      new Set(ids).size !== entries.length ||
      !entries.some(invalid)
    ) {
      return fixQueryErrorHeader(await forward(this.shared, request));
    }
    const failed = entries.filter(invalid).map((entry) => ({
      Id: entry.Id,
      SenderFault: true,
      Code: 'ReceiptHandleIsInvalid',
      Message: invalidReceiptHandle(String(entry.ReceiptHandle)).message,
    }));
    const valid = entries.filter((entry) => !invalid(entry));
    let answer: { Successful?: unknown[]; Failed?: unknown[] } = { Successful: [], Failed: [] };
    if (valid.length > 0) {
      const response = fixQueryErrorHeader(
        await forward(this.shared, {
          ...request,
          body: Buffer.from(JSON.stringify({ ...body, Entries: valid })),
        }),
      );
      if (response.status !== 200) return response;
      answer = JSON.parse(String(response.body)) as typeof answer;
    }
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId() },
      body: JSON.stringify({
        Successful: answer.Successful ?? [],
        Failed: [...(answer.Failed ?? []), ...failed],
      }),
    };
  }

  /** ReceiveMessage goes to fauxqs; we count NumberOfMessagesReceived / NumberOfEmptyReceives. */
  private async receive(request: EdgeRequest): Promise<EdgeResponse> {
    const response = fixQueryErrorHeader(await forward(this.shared, request));
    if (response.status === 200) {
      try {
        const { QueueUrl } = JSON.parse(request.body.toString('utf8')) as { QueueUrl?: string };
        const { Messages } = JSON.parse(String(response.body)) as { Messages?: unknown[] };
        if (QueueUrl) this.sqs.countReceive(queueNameOf(QueueUrl), Messages?.length ?? 0);
      } catch {
        // not countable; the response stands
      }
    }
    return response;
  }
}

const indexedEntries = (params: URLSearchParams, prefix: string): Map<string, Map<string, string>> => {
  const entries = new Map<string, Map<string, string>>();
  for (const [key, value] of params) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const dot = rest.indexOf('.');
    if (dot < 0) continue;
    const index = rest.slice(0, dot);
    const fields = entries.get(index) ?? new Map<string, string>();
    fields.set(rest.slice(dot + 1), value);
    entries.set(index, fields);
  }
  return entries;
};

/** `MessageAttributes.entry.N.{Name,Value.DataType,Value.StringValue,Value.BinaryValue}`. */
const messageAttributesOf = (params: URLSearchParams, prefix: string): Record<string, FauxqsAttribute> => {
  const attributes: Record<string, FauxqsAttribute> = {};
  for (const fields of indexedEntries(params, `${prefix}MessageAttributes.entry.`).values()) {
    const name = fields.get('Name');
    if (!name) continue;
    const stringValue = fields.get('Value.StringValue');
    const binaryValue = fields.get('Value.BinaryValue');
    attributes[name] = {
      DataType: fields.get('Value.DataType') ?? '',
      ...(stringValue !== undefined ? { StringValue: stringValue } : {}),
      ...(binaryValue !== undefined ? { BinaryValue: binaryValue } : {}),
    };
  }
  return attributes;
};

const publishInputOf = (params: URLSearchParams, prefix: string, topicArn: string): PublishInput => ({
  topicArn,
  message: params.get(`${prefix}Message`) ?? '',
  subject: params.get(`${prefix}Subject`) ?? undefined,
  messageStructure: params.get(`${prefix}MessageStructure`) ?? undefined,
  messageAttributes: messageAttributesOf(params, prefix),
  messageGroupId: params.get(`${prefix}MessageGroupId`) ?? undefined,
  messageDeduplicationId: params.get(`${prefix}MessageDeduplicationId`) ?? undefined,
});

const snsResponse = (action: string, result: string): EdgeResponse => ({
  status: 200,
  headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId() },
  body: `<${action}Response xmlns="${SNS_XMLNS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></${action}Response>`,
});

/**
 * SNS on the edge (awsQuery: form-encoded `Action=...`, signed for `sns`). fauxqs keeps topics and
 * subscriptions; Publish and PublishBatch are ours (fan-out, filter policies, Lambda, subscription DLQs), and
 * filter policies are checked with our parser before fauxqs stores them.
 */
export class SnsHandler implements ServiceHandler {
  readonly name = 'sns';

  constructor(
    private readonly shared: Shared,
    private readonly sns: SnsService,
  ) {}

  claims(request: EdgeRequest): boolean {
    if (request.signingService === 'sns') return true;
    if (request.signingService !== undefined || request.target !== undefined) return false;
    const type = String(request.headers['content-type'] ?? '');
    if (request.method === 'POST' && !type.includes('x-www-form-urlencoded')) return false;
    return SNS_ACTIONS.has(queryParameters(request).get('Action') ?? '');
  }

  async handle(request: EdgeRequest): Promise<EdgeResponse> {
    const params = queryParameters(request);
    try {
      switch (params.get('Action')) {
        case 'Publish':
          return this.publish(params);
        case 'PublishBatch':
          return this.publishBatch(params);
        case 'Subscribe':
          return await this.subscribe(request, params);
        case 'SetSubscriptionAttributes':
          this.checkSubscriptionAttribute(params);
          return await forward(this.shared, request);
        default:
          return await forward(this.shared, request);
      }
    } catch (error) {
      const aws = asAwsError(error);
      if (aws instanceof AwsApiError) return queryError(aws, SNS_XMLNS);
      throw error;
    }
  }

  private publish(params: URLSearchParams): EdgeResponse {
    const topicArn = params.get('TopicArn') ?? params.get('TargetArn');
    if (!topicArn) {
      throw new AwsApiError(
        'InvalidParameter',
        params.get('PhoneNumber')
          ? 'Invalid parameter: PhoneNumber (SMS is not emulated locally)'
          : 'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
      );
    }
    const { messageId, sequenceNumber } = this.sns.publishInput(publishInputOf(params, '', topicArn));
    return snsResponse(
      'Publish',
      `<MessageId>${messageId}</MessageId>${sequenceNumber ? `<SequenceNumber>${sequenceNumber}</SequenceNumber>` : ''}`,
    );
  }

  private publishBatch(params: URLSearchParams): EdgeResponse {
    const topicArn = params.get('TopicArn');
    if (!topicArn) throw new AwsApiError('InvalidParameter', 'Invalid parameter: TopicArn');
    const prefix = 'PublishBatchRequestEntries.member.';
    const indexes = [...indexedEntries(params, prefix).keys()].sort((a, b) => Number(a) - Number(b));
    if (indexes.length === 0) {
      throw new AwsApiError('EmptyBatchRequest', "The batch request doesn't contain any entries.");
    }
    if (indexes.length > 10) {
      throw new AwsApiError(
        'TooManyEntriesInBatchRequest',
        'The batch request contains more entries than permissible.',
      );
    }
    const ids = indexes.map((index) => params.get(`${prefix}${index}.Id`) ?? '');
    if (new Set(ids).size !== ids.length) {
      throw new AwsApiError(
        'BatchEntryIdsNotDistinct',
        'Two or more batch entries in the request have the same Id.',
      );
    }
    const successful: string[] = [];
    const failed: string[] = [];
    indexes.forEach((index, position) => {
      const id = xmlEscape(ids[position] ?? '');
      try {
        const { messageId, sequenceNumber } = this.sns.publishInput(
          publishInputOf(params, `${prefix}${index}.`, topicArn),
        );
        successful.push(
          `<member><Id>${id}</Id><MessageId>${messageId}</MessageId>${sequenceNumber ? `<SequenceNumber>${sequenceNumber}</SequenceNumber>` : ''}</member>`,
        );
      } catch (error) {
        const aws = asAwsError(error);
        if (!(aws instanceof AwsApiError) || aws.code === 'NotFound') throw aws;
        failed.push(
          `<member><Id>${id}</Id><Code>${xmlEscape(aws.code)}</Code><Message>${xmlEscape(aws.message)}</Message><SenderFault>${aws.senderFault}</SenderFault></member>`,
        );
      }
    });
    return snsResponse(
      'PublishBatch',
      `<Successful>${successful.join('')}</Successful><Failed>${failed.join('')}</Failed>`,
    );
  }

  private async subscribe(request: EdgeRequest, params: URLSearchParams): Promise<EdgeResponse> {
    const attributes = new Map<string, string>();
    for (const fields of indexedEntries(params, 'Attributes.entry.').values()) {
      const key = fields.get('key');
      const value = fields.get('value');
      if (key !== undefined && value !== undefined) attributes.set(key, value);
    }
    const policy = attributes.get('FilterPolicy');
    if (policy) this.checkFilterPolicy(policy, attributes.get('FilterPolicyScope'));
    const response = await forward(this.shared, request);
    // SNS confirms SQS and Lambda subscriptions in the same account at once.
    for (const subscription of this.shared.fauxqs().sns.subscriptions.values()) {
      if (subscription.protocol === 'lambda') subscription.confirmed = true;
    }
    return response;
  }

  private checkSubscriptionAttribute(params: URLSearchParams): void {
    const name = params.get('AttributeName');
    if (name !== 'FilterPolicy' && name !== 'FilterPolicyScope') return;
    const subscription = this.shared.fauxqs().sns.getSubscription(params.get('SubscriptionArn') ?? '');
    if (!subscription) return; // fauxqs answers NotFound
    const value = params.get('AttributeValue') ?? '';
    const policy = name === 'FilterPolicy' ? value : subscription.attributes.FilterPolicy;
    const scope = name === 'FilterPolicyScope' ? value : subscription.attributes.FilterPolicyScope;
    if (policy) this.checkFilterPolicy(policy, scope);
  }

  private checkFilterPolicy(policy: string, scope: string | undefined): void {
    try {
      validateFilterPolicy(policy, scope);
    } catch (error) {
      if (error instanceof FilterPolicyError) {
        throw new AwsApiError('InvalidParameter', `Invalid parameter: FilterPolicy: ${error.message}`);
      }
      throw error;
    }
  }
}
