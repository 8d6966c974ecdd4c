import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiGatewayEngine, type ApiGatewayEngineOptions } from '#lib/local/apigateway/engine';
import { testContext } from '../support/context.ts';
import {
  FakeLambda,
  FUNCTION_ARN,
  type OrderApiOptions,
  provisioner,
  provisionOrderApi,
  send,
} from './support.ts';

const LOCAL_USER_ARN = 'arn:aws:iam::000000000000:user/orderflow-local';

describe('the local API Gateway serving the Order API', () => {
  let lambda: FakeLambda;
  let ctx: ReturnType<typeof testContext>;
  let engine: ApiGatewayEngine;
  let apiId: string;

  const boot = async (
    options: OrderApiOptions = {},
    engineOptions: ApiGatewayEngineOptions = {},
  ): Promise<void> => {
    lambda = new FakeLambda();
    ctx = testContext({ services: { lambda } });
    engine = new ApiGatewayEngine(ctx, { port: 0, ...engineOptions });
    await engine.start();
    ({ apiId } = await provisionOrderApi(engine, options));
  };

  afterEach(async () => {
    await engine.stop();
  });

  describe('with the template as written', () => {
    beforeEach(() => boot());

    it('builds the routes of the Order API from its Resource and Method resources', () => {
      expect(engine.routes().map(({ method, path }) => `${method} ${path}`)).toEqual(
        expect.arrayContaining(['POST /orders', 'GET /orders/{orderId}', 'GET /products']),
      );
      expect(engine.routes()).toHaveLength(3);
      expect(apiId).toMatch(/^[a-z0-9]{10}$/);
      expect(engine.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    });

    it('turns a request into a REST API (v1) proxy event', async () => {
      lambda.respond = () => ({ result: { statusCode: 202, body: '{"orderId":"o-1","status":"PENDING"}' } });
      const body = JSON.stringify({ customerId: 'c-1' });
      await send(engine.url, 'POST', '/orders?tag=a&tag=b%20c&single=1', {
        headers: {
          'Content-Type': 'application/json',
          'Idempotency-Key': 'key-1',
          'X-Multi': ['one', 'two'],
          'User-Agent': 'vitest-agent',
        },
        body,
      });

      expect(lambda.calls).toHaveLength(1);
      expect(lambda.calls[0]?.functionName).toBe(FUNCTION_ARN);
      const event = lambda.lastEvent;
      expect(event).toMatchObject({
        resource: '/orders',
        path: '/orders',
        httpMethod: 'POST',
        queryStringParameters: { tag: 'b c', single: '1' },
        multiValueQueryStringParameters: { tag: ['a', 'b c'], single: ['1'] },
        pathParameters: null,
        stageVariables: null,
        body,
        isBase64Encoded: false,
      });
      expect(event.headers).toMatchObject({
        'Content-Type': 'application/json',
        'Idempotency-Key': 'key-1',
        'X-Multi': 'two',
        'User-Agent': 'vitest-agent',
        'X-Forwarded-For': '127.0.0.1',
        'X-Forwarded-Proto': 'http',
      });
      expect(event.headers['X-Amzn-Trace-Id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
      expect(event.multiValueHeaders['X-Multi']).toEqual(['one', 'two']);
      expect(event.multiValueHeaders['Idempotency-Key']).toEqual(['key-1']);
      expect(event.requestContext).toMatchObject({
        resourcePath: '/orders',
        httpMethod: 'POST',
        path: '/v1/orders',
        accountId: '000000000000',
        protocol: 'HTTP/1.1',
        stage: 'v1',
        domainPrefix: apiId,
        domainName: `${apiId}.execute-api.us-east-1.amazonaws.com`,
        apiId,
        identity: {
          sourceIp: '127.0.0.1',
          userAgent: 'vitest-agent',
          userArn: LOCAL_USER_ARN,
          accountId: '000000000000',
          caller: expect.stringMatching(/^AIDA/),
          user: expect.stringMatching(/^AIDA/),
          accessKey: expect.stringMatching(/^AKIA/),
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          cognitoAuthenticationType: null,
          cognitoAuthenticationProvider: null,
        },
      });
      expect(event.requestContext.resourceId).toMatch(/^[a-z0-9]{6}$/);
      expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(event.requestContext.extendedRequestId).toMatch(/^[A-Za-z0-9+/]{15}=$/);
      expect(event.requestContext.requestTime).toMatch(
        /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/,
      );
      expect(Math.abs(event.requestContext.requestTimeEpoch - Date.now())).toBeLessThan(5_000);
    });

    it('passes the path parameter of /orders/{orderId} still percent-encoded, as REST APIs do', async () => {
      await send(engine.url, 'GET', '/orders/ord%2042');
      expect(lambda.lastEvent).toMatchObject({
        resource: '/orders/{orderId}',
        path: '/orders/ord%2042',
        pathParameters: { orderId: 'ord%2042' },
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        body: null,
      });
    });

    it('applies the same identity to signed and unsigned requests alike', async () => {
      await send(engine.url, 'GET', '/products');
      await send(engine.url, 'GET', '/products', {
        headers: {
          Authorization:
            'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=abc',
        },
      });
      const [unsigned, signed] = lambda.calls.map((call) => call.event.requestContext.identity);
      expect(unsigned?.userArn).toBe(LOCAL_USER_ARN);
      expect(signed).toEqual(unsigned);
    });

    it('serves the API both at /<path> and at the deployed /<stage>/<path>', async () => {
      const plain = await send(engine.url, 'GET', '/products');
      const staged = await send(engine.url, 'GET', '/v1/products');
      expect([plain.status, staged.status]).toEqual([200, 200]);
      const [first, second] = lambda.calls.map((call) => call.event);
      expect(first?.path).toBe('/products');
      expect(second?.path).toBe('/products');
      expect(first?.requestContext.path).toBe('/v1/products');
      expect(second?.requestContext.stage).toBe('v1');

      await send(engine.url, 'GET', '/v1/orders/o-9/');
      expect(lambda.lastEvent.pathParameters).toEqual({ orderId: 'o-9' });

      // LocalStack's URL shape works too.
      const localstack = await send(engine.url, 'GET', `/restapis/${apiId}/v1/_user_request_/products`);
      expect(localstack.status).toBe(200);
      expect(lambda.lastEvent.path).toBe('/products');
    });

    it("returns the function's status code, headers, multi-value headers and body", async () => {
      lambda.respond = () => ({
        result: {
          statusCode: 202,
          headers: { 'content-type': 'application/json; charset=utf-8', 'x-correlation-id': 'corr-1' },
          multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
          body: '{"orderId":"o-1","status":"PENDING"}',
        },
      });
      const response = await send(engine.url, 'POST', '/orders', { body: '{}' });
      expect(response.status).toBe(202);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['x-correlation-id']).toBe('corr-1');
      expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      expect(response.headers['x-amzn-requestid']).toBe(lambda.lastEvent.requestContext.requestId);
      expect(response.json()).toEqual({ orderId: 'o-1', status: 'PENDING' });
    });

    it('answers application/json when the function sets no Content-Type', async () => {
      lambda.respond = () => ({ result: { statusCode: 200, body: '[]' } });
      const response = await send(engine.url, 'GET', '/products');
      expect(response.headers['content-type']).toBe('application/json');
      expect(response.body).toBe('[]');
    });

    it('answers 502 Internal server error when the function fails', async () => {
      lambda.respond = () => ({
        invoke: { functionError: 'Unhandled', payload: { errorType: 'Error', errorMessage: 'boom' } },
      });
      const response = await send(engine.url, 'GET', '/products');
      expect(response.status).toBe(502);
      expect(response.json()).toEqual({ message: 'Internal server error' });
      expect(response.headers['x-amzn-errortype']).toBe('InternalServerErrorException');
      expect(ctx.logs.join('\n')).toContain('customer function error: Error: boom');
    });

    it.each([
      ['no statusCode', { body: 'x' }],
      ['a body that is not a string', { statusCode: 200, body: { orderId: 'o-1' } }],
      ['a result that is not an object', 'just text'],
      ['headers that are not scalars', { statusCode: 200, headers: { a: { nested: true } }, body: '' }],
    ])('answers 502 for a malformed proxy response (%s)', async (_case, result) => {
      lambda.respond = () => ({ result });
      const response = await send(engine.url, 'GET', '/products');
      expect(response.status).toBe(502);
      expect(response.json()).toEqual({ message: 'Internal server error' });
      expect(ctx.logs.join('\n')).toContain('Malformed Lambda proxy response');
    });

    it('answers 500 Internal server error when Lambda refuses the invocation', async () => {
      lambda.invoke = async () => {
        throw new Error('Function not found');
      };
      const response = await send(engine.url, 'GET', '/products');
      expect(response.status).toBe(500);
      expect(response.json()).toEqual({ message: 'Internal server error' });
    });

    it.each([
      ['an unknown path', 'GET', '/nothing-here'],
      ['an unknown path under the stage', 'GET', '/v1/nothing-here'],
      ['a method the resource does not define', 'DELETE', '/orders'],
      ['a path below a leaf resource', 'GET', '/orders/o-1/items'],
      ['an empty segment', 'GET', '/orders//'],
    ])('answers 403 Missing Authentication Token for %s', async (_case, method, path) => {
      const response = await send(engine.url, method, path);
      expect(response.status).toBe(403);
      expect(response.json()).toEqual({ message: 'Missing Authentication Token' });
      expect(response.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
      expect(lambda.calls).toHaveLength(0);
    });

    it('puts AWS/ApiGateway metrics by ApiName and Stage', async () => {
      lambda.respond = (event) =>
        event.httpMethod === 'POST'
          ? { invoke: { functionError: 'Unhandled', payload: { errorType: 'Error', errorMessage: 'x' } } }
          : { result: { statusCode: 200, body: '[]' } };
      await send(engine.url, 'GET', '/products');
      await send(engine.url, 'GET', '/nope');
      await send(engine.url, 'POST', '/orders', { body: '{}' });

      const points = (metricName: string) =>
        ctx.metrics.query({
          namespace: 'AWS/ApiGateway',
          metricName,
          dimensions: { ApiName: 'Api', Stage: 'v1' },
          start: 0,
          end: Date.now() + 1,
        });
      const sum = (metricName: string) => points(metricName).reduce((total, point) => total + point.value, 0);
      expect(sum('Count')).toBe(3);
      expect(sum('4XXError')).toBe(1);
      expect(sum('5XXError')).toBe(1);
      expect(points('Latency')).toHaveLength(3);
      expect(points('IntegrationLatency')).toHaveLength(2);
      expect(points('Latency')[0]?.unit).toBe('Milliseconds');
    });

    it('traces each request with its order id and correlation id', async () => {
      lambda.respond = (event) => ({
        result: {
          statusCode: event.httpMethod === 'POST' ? 202 : 200,
          headers: { 'Content-Type': 'application/json', 'X-Correlation-Id': 'corr-7' },
          body:
            event.httpMethod === 'POST' ? '{"orderId":"o-42","status":"PENDING"}' : '{"status":"PENDING"}',
        },
      });
      await send(engine.url, 'POST', '/orders', { body: '{}' });
      await send(engine.url, 'GET', '/v1/orders/o-43');
      await send(engine.url, 'GET', '/missing');

      const [placed, read, missing] = ctx.trace.events;
      expect(placed).toMatchObject({
        event: 'POST /orders',
        service: 'api',
        orderId: 'o-42',
        correlationId: 'corr-7',
      });
      expect(placed?.outcome).toMatch(/^202 \(\d+ ms\)$/);
      expect(read).toMatchObject({
        event: 'GET /orders/{orderId}',
        orderId: 'o-43',
        correlationId: 'corr-7',
      });
      expect(missing).toMatchObject({ event: 'GET /missing', service: 'api' });
      expect(missing?.outcome).toMatch(/^403 /);
    });
  });

  describe('throttling', () => {
    it('answers 429 Too Many Requests past the stage burst', async () => {
      await boot({ throttling: { rate: 1, burst: 3 } });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await send(engine.url, 'GET', '/products')).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const throttled = await send(engine.url, 'GET', '/products');
      expect(throttled.json()).toEqual({ message: 'Too Many Requests' });
      expect(lambda.calls).toHaveLength(3);
    });

    it('keeps a bucket per method, as stage-wide limits apply to each method', async () => {
      await boot({ throttling: { rate: 1, burst: 1 } });
      expect((await send(engine.url, 'GET', '/products')).status).toBe(200);
      expect((await send(engine.url, 'GET', '/orders/o-1')).status).toBe(200);
      expect((await send(engine.url, 'GET', '/products')).status).toBe(429);
    });

    it('refills the bucket at the rate limit', async () => {
      await boot({ throttling: { rate: 20, burst: 1 } });
      expect((await send(engine.url, 'GET', '/products')).status).toBe(200);
      expect((await send(engine.url, 'GET', '/products')).status).toBe(429);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect((await send(engine.url, 'GET', '/products')).status).toBe(200);
    });

    it('can be turned off', async () => {
      await boot({ throttling: { rate: 1, burst: 1 } }, { throttling: false });
      for (let i = 0; i < 5; i++) expect((await send(engine.url, 'GET', '/products')).status).toBe(200);
    });
  });

  describe('integration timeout, validation, MOCK methods and gateway responses', () => {
    it('answers 504 when the function does not answer within the integration timeout', async () => {
      await boot({ timeoutMs: 50 });
      lambda.respond = () => ({ delayMs: 300, result: { statusCode: 200, body: '' } });
      const response = await send(engine.url, 'GET', '/products');
      expect(response.status).toBe(504);
      expect(response.json()).toEqual({ message: 'Endpoint request timed out' });
    });

    it('answers 400 when a required header is missing and the validator checks parameters', async () => {
      await boot({
        extraMethods: async ({ api, root }) => {
          const provision = provisioner(engine);
          const validator = await provision('AWS::ApiGateway::RequestValidator', 'Params', {
            RestApiId: api,
            ValidateRequestParameters: true,
          });
          const search = await provision('AWS::ApiGateway::Resource', 'Search', {
            RestApiId: api,
            ParentId: root,
            PathPart: 'search',
          });
          await provision('AWS::ApiGateway::Method', 'SearchGET', {
            RestApiId: api,
            ResourceId: search.ref,
            HttpMethod: 'GET',
            AuthorizationType: 'NONE',
            RequestValidatorId: validator.ref,
            RequestParameters: {
              'method.request.header.X-Tenant': true,
              'method.request.querystring.q': true,
            },
            Integration: {
              Type: 'AWS_PROXY',
              Uri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${FUNCTION_ARN}/invocations`,
            },
          });
        },
      });
      const missing = await send(engine.url, 'GET', '/search');
      expect(missing.status).toBe(400);
      expect(missing.json()).toEqual({ message: 'Missing required request parameters: [X-Tenant, q]' });
      const complete = await send(engine.url, 'GET', '/search?q=x', { headers: { 'X-Tenant': 't' } });
      expect(complete.status).toBe(200);
    });

    it('serves a MOCK method (a CORS preflight) from its integration response, and ANY as a fallback', async () => {
      await boot({
        extraMethods: async ({ api, orders, root }) => {
          const provision = provisioner(engine);
          await provision('AWS::ApiGateway::Method', 'OrdersOPTIONS', {
            RestApiId: api,
            ResourceId: orders,
            HttpMethod: 'OPTIONS',
            AuthorizationType: 'NONE',
            Integration: {
              Type: 'MOCK',
              RequestTemplates: { 'application/json': '{ statusCode: 200 }' },
              IntegrationResponses: [
                {
                  StatusCode: '204',
                  ResponseParameters: {
                    'method.response.header.Access-Control-Allow-Origin': "'*'",
                    'method.response.header.Access-Control-Allow-Methods': "'OPTIONS,GET,POST'",
                  },
                },
              ],
            },
          });
          const proxy = await provision('AWS::ApiGateway::Resource', 'Proxy', {
            RestApiId: api,
            ParentId: root,
            PathPart: '{proxy+}',
          });
          await provision('AWS::ApiGateway::Method', 'ProxyANY', {
            RestApiId: api,
            ResourceId: proxy.ref,
            HttpMethod: 'ANY',
            AuthorizationType: 'NONE',
            Integration: {
              Type: 'AWS_PROXY',
              Uri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${FUNCTION_ARN}/invocations`,
            },
          });
        },
      });
      const preflight = await send(engine.url, 'OPTIONS', '/orders');
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('*');
      expect(preflight.headers['access-control-allow-methods']).toBe('OPTIONS,GET,POST');
      expect(lambda.calls).toHaveLength(0);

      await send(engine.url, 'PATCH', '/any/deep/path');
      expect(lambda.lastEvent).toMatchObject({
        resource: '/{proxy+}',
        httpMethod: 'PATCH',
        pathParameters: { proxy: 'any/deep/path' },
      });
      // A literal resource wins over the greedy one.
      await send(engine.url, 'GET', '/products');
      expect(lambda.lastEvent.resource).toBe('/products');
    });

    it('applies the template-customized gateway responses', async () => {
      await boot({
        extraMethods: async ({ api }) => {
          await provisioner(engine)('AWS::ApiGateway::GatewayResponse', 'Default4xx', {
            RestApiId: api,
            ResponseType: 'DEFAULT_4XX',
            ResponseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" },
          });
          await provisioner(engine)('AWS::ApiGateway::GatewayResponse', 'MissingToken', {
            RestApiId: api,
            ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
            StatusCode: '404',
            ResponseTemplates: {
              'application/json': '{"error":"NotFound","message":$context.error.messageString}',
            },
          });
        },
      });
      const response = await send(engine.url, 'GET', '/nope');
      expect(response.status).toBe(404);
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.json()).toEqual({ error: 'NotFound', message: 'Missing Authentication Token' });
    });
  });

  it('answers 503 with Retry-After until opened, then serves the API', async () => {
    await boot({}, { openWhenStarted: false });
    const starting = await send(engine.url, 'GET', '/products');
    expect(starting.status).toBe(503);
    expect(starting.headers['retry-after']).toBe('1');
    expect(lambda.calls).toHaveLength(0);
    engine.open();
    expect((await send(engine.url, 'GET', '/products')).status).not.toBe(503);
    expect(lambda.calls.length).toBeGreaterThan(0);
  });

  it('says at start when the port is taken', async () => {
    await boot();
    const port = Number(new URL(engine.url).port);
    const second = new ApiGatewayEngine(testContext(), { port });
    await expect(second.start()).rejects.toThrow(`port ${port} is in use`);
  });
});
