/**
 * The Order API (API Gateway REST, proxy integration): routes a request to its use case and maps the
 * result to HTTP. Domain outcomes are values; only unexpected failures reach the catch-all 500.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { documentClient, requireEnv } from '#shared/adapters/aws-clients';
import { TransientDependencyError } from '#shared/domain/errors';
import type { Causation } from '#shared/events/envelope';
import { instrument } from '#shared/handlers/instrument';
import { systemClock } from '#shared/ports/clock';
import { randomIds } from '#shared/ports/ids';
import { logger, metrics, withCorrelationId } from '#shared/powertools/index';
import { DynamoCatalog } from './adapters/dynamo-catalog.ts';
import { DynamoOrderRepository } from './adapters/dynamo-order-repository.ts';
import {
  IDEMPOTENCY_KEY_FIELD,
  type ValidationIssue,
  validateIdempotencyKey,
} from './domain/place-order-request.ts';
import { bodyText, callerScopeOf, correlationIdOf, type Headers, header, json, requestIdOf } from './http.ts';
import { type GetOrder, makeGetOrder } from './use-cases/get-order.ts';
import { type ListProducts, makeListProducts } from './use-cases/list-products.ts';
import { makePlaceOrder, type PlaceOrder } from './use-cases/place-order.ts';

export interface OrdersApi {
  readonly placeOrder: PlaceOrder;
  readonly getOrder: GetOrder;
  readonly listProducts: ListProducts;
}

const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

const validationError = (issues: readonly ValidationIssue[]): APIGatewayProxyResult =>
  json(400, {
    error: 'ValidationError',
    details: issues.map(({ path, message }) => ({
      path: path === IDEMPOTENCY_KEY_FIELD ? `headers.${IDEMPOTENCY_KEY_HEADER}` : path,
      message,
    })),
  });

type JsonBody = { ok: true; value: unknown } | { ok: false; issue: ValidationIssue };

const parseJsonBody = (event: APIGatewayProxyEvent): JsonBody => {
  const text = bodyText(event);
  if (text === null || text.trim() === '')
    return { ok: false, issue: { path: '', message: 'a JSON body is required' } };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, issue: { path: '', message: 'the body is not valid JSON' } };
  }
};

const placeOrder = async (api: OrdersApi, event: APIGatewayProxyEvent, causation: Causation) => {
  const idempotencyKey = header(event, IDEMPOTENCY_KEY_HEADER);
  const body = parseJsonBody(event);
  if (!body.ok) return validationError([body.issue, ...validateIdempotencyKey(idempotencyKey)]);
  const result = await api.placeOrder({
    body: body.value,
    idempotencyKey,
    callerScope: callerScopeOf(event),
    ...causation,
  });
  switch (result.kind) {
    case 'Accepted': {
      if (!result.replayed) metrics.addMetric('OrdersPlaced', MetricUnit.Count, 1);
      logger.info('order accepted', { orderId: result.orderId, replayed: result.replayed });
      const headers: Headers = { location: `/orders/${encodeURIComponent(result.orderId)}` };
      if (result.replayed) headers['idempotent-replayed'] = 'true';
      return json(202, { orderId: result.orderId, status: 'PENDING' }, headers);
    }
    case 'Invalid':
      logger.info('order refused: invalid request', { issues: result.issues.length });
      return validationError(result.issues);
    case 'IdempotencyConflict':
      return json(409, { error: 'IdempotencyConflict', message: result.message });
  }
};

const getOrder = async (api: OrdersApi, orderId: string) => {
  const result = await api.getOrder(orderId);
  return result.kind === 'Found'
    ? json(200, result.order)
    : json(404, { error: 'NotFound', message: `order ${orderId} does not exist` });
};

type Action = (
  api: OrdersApi,
  event: APIGatewayProxyEvent,
  params: string[],
  causation: Causation,
) => Promise<APIGatewayProxyResult>;

/** A malformed escape (`%E0%A4%A`) is just an id no order has, not a server error. */
const decodePathSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

interface Route {
  readonly path: RegExp;
  readonly methods: Readonly<Record<string, Action>>;
}

const routes: readonly Route[] = [
  {
    path: /^\/orders$/,
    methods: { POST: (api, event, _params, causation) => placeOrder(api, event, causation) },
  },
  {
    path: /^\/orders\/([^/]+)$/,
    methods: {
      GET: (api, event, [raw = '']) => getOrder(api, event.pathParameters?.orderId ?? decodePathSegment(raw)),
    },
  },
  { path: /^\/products$/, methods: { GET: async (api) => json(200, await api.listProducts()) } },
];

const dispatch = (
  api: OrdersApi,
  event: APIGatewayProxyEvent,
  causation: Causation,
): Promise<APIGatewayProxyResult> => {
  const path = event.path.length > 1 ? event.path.replace(/\/+$/, '') : event.path;
  for (const route of routes) {
    const match = route.path.exec(path);
    if (!match) continue;
    const action = route.methods[event.httpMethod.toUpperCase()];
    if (!action) {
      const allow = Object.keys(route.methods).join(', ');
      return Promise.resolve(
        json(
          405,
          { error: 'MethodNotAllowed', message: `${event.httpMethod} is not allowed on ${path}` },
          { allow },
        ),
      );
    }
    return action(api, event, match.slice(1), causation);
  }
  return Promise.resolve(
    json(404, { error: 'NotFound', message: `no route for ${event.httpMethod} ${path}` }),
  );
};

/** The API handler over the given use cases; `resolve` is called per request so wiring can be lazy. */
export const makeApiHandler = (resolve: () => OrdersApi) =>
  instrument(async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const causationId = requestIdOf(event, context.awsRequestId);
    const correlationId = correlationIdOf(event, causationId);
    withCorrelationId(correlationId);
    let response: APIGatewayProxyResult;
    try {
      response = await dispatch(resolve(), event, { correlationId, causationId });
    } catch (error) {
      if (error instanceof TransientDependencyError) {
        logger.warn('a dependency is unavailable; the client may retry', { error });
        response = json(503, { error: 'ServiceUnavailable' }, { 'retry-after': '1' });
      } else {
        logger.error('request failed unexpectedly', { error: error as Error });
        response = json(500, { error: 'InternalError' });
      }
    }
    return { ...response, headers: { ...response.headers, 'x-correlation-id': correlationId } };
  });

let wired: OrdersApi | undefined;

/** Built on the first request, not at import, so tests can import this module without AWS configuration. */
const wire = (): OrdersApi => {
  if (!wired) {
    const client = documentClient();
    const orders = new DynamoOrderRepository(client, {
      orders: requireEnv('ORDERS_TABLE'),
      idempotency: requireEnv('IDEMPOTENCY_TABLE'),
    });
    const catalog = new DynamoCatalog(client, requireEnv('INVENTORY_TABLE'));
    wired = {
      placeOrder: makePlaceOrder({ orders, catalog, clock: systemClock, ids: randomIds }),
      getOrder: makeGetOrder({ orders }),
      listProducts: makeListProducts({ catalog }),
    };
  }
  return wired;
};

export const handler = makeApiHandler(wire);
