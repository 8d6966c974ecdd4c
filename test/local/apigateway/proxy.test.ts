import { describe, expect, it } from 'vitest';
import { newRestApi } from '#lib/local/apigateway/model';
import {
  buildProxyEvent,
  isBinaryMediaType,
  localIamIdentity,
  mapProxyResult,
  type ProxyRequest,
  type ProxyTarget,
} from '#lib/local/apigateway/proxy';
import { buildRouteTable, matchRoute } from '#lib/local/apigateway/routes';

const request = (overrides: Partial<ProxyRequest> = {}): ProxyRequest => ({
  httpMethod: 'POST',
  path: '/upload',
  rawQuery: '',
  rawHeaders: ['Host', '127.0.0.1:3000'],
  body: Buffer.alloc(0),
  sourceIp: '127.0.0.1',
  protocol: 'HTTP/1.1',
  port: 3000,
  requestId: 'req-1',
  extendedRequestId: 'ext-1=',
  requestTimeEpoch: Date.UTC(2026, 10, 22, 11, 54, 7),
  ...overrides,
});

const target = (overrides: Partial<ProxyTarget> = {}): ProxyTarget => ({
  apiId: 'abcdefghij',
  accountId: '000000000000',
  region: 'us-east-1',
  stage: 'v1',
  stageVariables: {},
  resourceId: 'res123',
  resourcePath: '/upload',
  pathParameters: {},
  binaryMediaTypes: [],
  identity: localIamIdentity('000000000000'),
  ...overrides,
});

describe('the v1 proxy event', () => {
  it('passes a body as UTF-8 text unless its Content-Type is a binary media type of the API', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    const text = buildProxyEvent(
      request({ rawHeaders: ['Content-Type', 'application/json'], body: Buffer.from('{"a":1}') }),
      target({ binaryMediaTypes: ['image/*'] }),
    );
    expect(text).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });

    const binary = buildProxyEvent(
      request({ rawHeaders: ['Content-Type', 'image/png'], body: png }),
      target({ binaryMediaTypes: ['image/*'] }),
    );
    expect(binary).toMatchObject({ body: png.toString('base64'), isBase64Encoded: true });
  });

  it('formats requestTime as API Gateway does and carries stage variables', () => {
    const event = buildProxyEvent(request(), target({ stageVariables: { env: 'local' } }));
    expect(event.requestContext.requestTime).toBe('22/Nov/2026:11:54:07 +0000');
    expect(event.stageVariables).toEqual({ env: 'local' });
  });

  it('appends the client address to an X-Forwarded-For the client sent', () => {
    const event = buildProxyEvent(request({ rawHeaders: ['X-Forwarded-For', '10.0.0.1'] }), target());
    expect(event.headers['X-Forwarded-For']).toBe('10.0.0.1, 127.0.0.1');
  });
});

describe('the proxy result', () => {
  it('merges headers and multiValueHeaders, each value once', () => {
    const mapped = mapProxyResult(
      {
        statusCode: 200,
        headers: { Vary: 'Accept' },
        multiValueHeaders: { Vary: ['Accept', 'Origin'] },
        body: '',
      },
      { binaryMediaTypes: [] },
    );
    expect(mapped.ok && mapped.response.headers.Vary).toEqual(['Accept', 'Origin']);
  });

  it('decodes a base64 body only when the Accept header names a binary media type of the API', () => {
    const result = { statusCode: 200, body: Buffer.from('hello').toString('base64'), isBase64Encoded: true };
    const binary = mapProxyResult(result, { accept: 'image/png', binaryMediaTypes: ['image/png'] });
    expect(binary.ok && binary.response.body.toString()).toBe('hello');
    const text = mapProxyResult(result, { accept: 'application/json', binaryMediaTypes: ['image/png'] });
    expect(text.ok && text.response.body.toString()).toBe(result.body);
  });

  it('accepts a numeric string status code and renames headers API Gateway writes itself', () => {
    const mapped = mapProxyResult(
      { statusCode: '201', headers: { 'Content-Length': '3', Server: 'mine' }, body: 'abc' },
      { binaryMediaTypes: [] },
    );
    expect(mapped.ok && mapped.response.status).toBe(201);
    expect(mapped.ok && Object.keys(mapped.response.headers)).toEqual([
      'x-amzn-Remapped-Content-Length',
      'x-amzn-Remapped-Server',
      'Content-Type',
    ]);
  });

  it('refuses a status code out of range', () => {
    expect(mapProxyResult({ statusCode: 42, body: '' }, { binaryMediaTypes: [] }).ok).toBe(false);
  });

  it('matches media types with wildcards and parameters', () => {
    expect(isBinaryMediaType('image/png; q=1', ['*/*'])).toBe(true);
    expect(isBinaryMediaType('application/octet-stream', ['image/*'])).toBe(false);
    expect(isBinaryMediaType(undefined, ['*/*'])).toBe(false);
  });
});

describe('the route table', () => {
  const api = newRestApi({ Name: 'Api' }, 'Stack', 'Api');
  const add = (id: string, parentId: string, pathPart: string) =>
    api.resources.set(id, { id, parentId, pathPart, methods: new Map() });
  add('a', api.rootResourceId, 'items');
  add('b', 'a', '{id}');
  add('c', 'a', 'special');
  add('d', api.rootResourceId, '{proxy+}');
  add('e', 'b', 'parts');
  const table = buildRouteTable(api);

  it('prefers a literal part, then a parameter, then a greedy parameter', () => {
    expect(matchRoute(table, '/items/special')?.resourcePath).toBe('/items/special');
    expect(matchRoute(table, '/items/42')).toMatchObject({
      resourcePath: '/items/{id}',
      pathParameters: { id: '42' },
    });
    expect(matchRoute(table, '/other/x/y')).toMatchObject({
      resourcePath: '/{proxy+}',
      pathParameters: { proxy: 'other/x/y' },
    });
  });

  it('backtracks to a parameter when a literal branch does not match the rest of the path', () => {
    expect(matchRoute(table, '/items/special/parts')).toMatchObject({
      resourcePath: '/items/{id}/parts',
      pathParameters: { id: 'special' },
    });
  });

  it('serves the root resource and ignores one trailing slash', () => {
    expect(matchRoute(table, '/')?.resourceId).toBe(api.rootResourceId);
    expect(matchRoute(table, '/items/')?.resourcePath).toBe('/items');
  });
});
