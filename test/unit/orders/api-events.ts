import type { APIGatewayProxyEvent } from 'aws-lambda';

interface RequestOptions {
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  readonly pathParameters?: Record<string, string>;
  readonly caller?: string;
  readonly requestId?: string;
}

/** The proxy event API Gateway (REST) sends for a request. An object body is JSON-encoded. */
export const apiRequest = (
  method: string,
  path: string,
  options: RequestOptions = {},
): APIGatewayProxyEvent => ({
  httpMethod: method,
  path,
  resource: path,
  headers: options.headers ?? {},
  multiValueHeaders: {},
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  pathParameters: options.pathParameters ?? null,
  stageVariables: null,
  isBase64Encoded: false,
  body:
    options.body === undefined
      ? null
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body),
  requestContext: {
    accountId: '123456789012',
    apiId: 'api',
    authorizer: null,
    httpMethod: method,
    path: `/prod${path}`,
    protocol: 'HTTP/1.1',
    requestId: options.requestId ?? 'api-request-1',
    requestTimeEpoch: 1_793_534_400_000,
    resourceId: 'resource',
    resourcePath: path,
    stage: 'prod',
    identity: {
      accessKey: null,
      accountId: null,
      apiKey: null,
      apiKeyId: null,
      caller: options.caller ?? null,
      clientCert: null,
      cognitoAuthenticationProvider: null,
      cognitoAuthenticationType: null,
      cognitoIdentityId: null,
      cognitoIdentityPoolId: null,
      principalOrgId: null,
      sourceIp: '203.0.113.1',
      user: null,
      userAgent: 'vitest',
      userArn: null,
    },
  },
});

export const parseBody = (body: string): unknown => JSON.parse(body);
