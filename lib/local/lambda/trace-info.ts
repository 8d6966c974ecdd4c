/**
 * What the live trace says about an invocation: what the function processed and which orders it concerned,
 * read from the event the way a person would read it.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const parse = (text: unknown): unknown => {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** An SQS body may be an SNS envelope (not raw delivery): look inside its Message. */
const unwrapBody = (body: unknown): unknown => {
  const parsed = parse(body);
  if (isObject(parsed) && parsed.Type === 'Notification' && typeof parsed.Message === 'string') {
    return parse(parsed.Message) ?? parsed;
  }
  return parsed;
};

/** The order id of one document: `order.orderId`, `orderId`, `detail.data.orderId`, `pathParameters.orderId`. */
export const orderIdOf = (value: unknown): string | undefined => {
  if (!isObject(value)) return undefined;
  const detail = isObject(value.detail) ? value.detail : undefined;
  const data = isObject(detail?.data) ? detail.data : isObject(value.data) ? value.data : undefined;
  return (
    str(isObject(value.order) ? value.order.orderId : undefined) ??
    str(value.orderId) ??
    str(data?.orderId) ??
    str(isObject(value.pathParameters) ? value.pathParameters.orderId : undefined)
  );
};

export const correlationIdOf = (value: unknown): string | undefined => {
  if (!isObject(value)) return undefined;
  const detail = isObject(value.detail) ? value.detail : undefined;
  const metadata = isObject(detail?.metadata) ? detail.metadata : undefined;
  return str(value.correlationId) ?? str(metadata?.correlationId);
};

const recordsOf = (payload: unknown): Json[] =>
  isObject(payload) && Array.isArray(payload.Records) ? payload.Records.filter(isObject) : [];

/** The document inside one event record (an SQS body, an SNS message, a DynamoDB new image's fields). */
export const recordDocument = (record: Json): unknown => {
  if (typeof record.body === 'string') return unwrapBody(record.body);
  if (isObject(record.Sns)) return parse(record.Sns.Message);
  if (isObject(record.dynamodb)) {
    const image = (record.dynamodb.NewImage ?? record.dynamodb.OldImage) as Json | undefined;
    const attribute = (name: string): unknown =>
      isObject(image?.[name]) ? (image[name] as Json).S : undefined;
    // An outbox item carries the event it will publish: detailType and detail (JSON text).
    const detail = parse(attribute('detail'));
    if (detail !== undefined) return { 'detail-type': attribute('detailType'), detail };
    const orderId = attribute('orderId');
    return orderId ? { orderId } : undefined;
  }
  return undefined;
};

/** Every distinct order id the payload mentions (at most `limit`). */
export const orderIdsOf = (payload: unknown, limit = 10): string[] => {
  const ids = new Set<string>();
  const direct = orderIdOf(payload);
  if (direct) ids.add(direct);
  for (const record of recordsOf(payload)) {
    if (ids.size >= limit) break;
    const id = orderIdOf(recordDocument(record));
    if (id) ids.add(id);
  }
  return [...ids];
};

/** What an invocation processed: `OrderPlaced`, `POST /orders`, `stream INSERT`, or `invoke`. */
export const describeEvent = (payload: unknown): string => {
  if (!isObject(payload)) return 'invoke';
  const records = recordsOf(payload);
  const first = records[0];
  if (first) {
    const source = str(first.eventSource) ?? str(first.EventSource);
    const document = recordDocument(first);
    const detailType = isObject(document) ? str(document['detail-type']) : undefined;
    if (detailType) return detailType;
    if (source === 'aws:dynamodb') return `stream ${str(first.eventName) ?? 'record'}`;
    if (source === 'aws:sqs')
      return `sqs ${
        String(first.eventSourceARN ?? '')
          .split(':')
          .pop() ?? ''
      }`.trim();
    if (source === 'aws:sns') return 'sns notification';
    return source ?? 'invoke';
  }
  if (str(payload.httpMethod))
    return `${payload.httpMethod} ${str(payload.path) ?? str(payload.resource) ?? '/'}`;
  if (str(payload['detail-type'])) return payload['detail-type'] as string;
  return 'invoke';
};
