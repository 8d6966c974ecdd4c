/** Test helpers for the API Gateway engine: a fake Lambda, the Order API's resources, and a raw HTTP client. */
import { request as httpRequest } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ApiGatewayEngine } from '#lib/local/apigateway/engine';
import type { InvokeResult, LambdaApi, ProvisionedResource } from '#lib/local/core/types';

export const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:OrderflowProcessing-OrdersApi';

export const lambdaUri = (functionArn: string = FUNCTION_ARN): string =>
  `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${functionArn}/invocations`;

/** What the fake function answers: a proxy result, or a whole InvokeResult (errors, odd payloads). */
export type FakeAnswer =
  | { readonly result: unknown }
  | { readonly invoke: Partial<InvokeResult> }
  | { readonly delayMs: number; readonly result: unknown };

/** A LambdaApi that records every invocation and answers with what `respond` returns. */
export class FakeLambda implements LambdaApi {
  readonly calls: { functionName: string; event: APIGatewayProxyEvent }[] = [];
  respond: (event: APIGatewayProxyEvent) => FakeAnswer = () => ({
    result: { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' },
  });

  async invoke(functionNameOrArn: string, payload: unknown): Promise<InvokeResult> {
    const event = payload as APIGatewayProxyEvent;
    this.calls.push({ functionName: functionNameOrArn, event });
    const answer = this.respond(event);
    if ('invoke' in answer) return { statusCode: 200, payload: null, durationMs: 1, ...answer.invoke };
    if ('delayMs' in answer) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    return { statusCode: 200, payload: answer.result, durationMs: 1 };
  }

  functions(): readonly { name: string; arn: string }[] {
    return [{ name: 'OrderflowProcessing-OrdersApi', arn: FUNCTION_ARN }];
  }

  get lastEvent(): APIGatewayProxyEvent {
    const last = this.calls.at(-1);
    if (!last) throw new Error('the function was not invoked');
    return last.event;
  }
}

type Provision = (
  type: string,
  logicalId: string,
  properties: Record<string, unknown>,
) => Promise<ProvisionedResource>;

export const provisioner = (engine: ApiGatewayEngine, stackName = 'OrderflowProcessing'): Provision => {
  return async (type, logicalId, properties) => {
    const provider = engine.providers.find((candidate) => candidate.types.includes(type));
    if (!provider) throw new Error(`no provider for ${type}`);
    return provider.provision({ stackName, logicalId, type, properties });
  };
};

export interface OrderApiOptions {
  readonly throttling?: { readonly rate: number; readonly burst: number };
  readonly timeoutMs?: number;
  readonly extraMethods?: (ids: { api: string; root: string; orders: string }) => Promise<void>;
}

/**
 * The Order API as the template defines it, with the properties already resolved: /orders (POST),
 * /orders/{orderId} (GET), /products (GET), all AWS_IAM + AWS_PROXY to one function, a request validator,
 * a deployment and the stage v1 with stage-wide throttling.
 */
export const provisionOrderApi = async (
  engine: ApiGatewayEngine,
  options: OrderApiOptions = {},
): Promise<{ apiId: string; rootId: string; ordersId: string }> => {
  const provision = provisioner(engine);
  const api = await provision('AWS::ApiGateway::RestApi', 'RestApi135E9C73', {
    Name: 'Api',
    Description: 'orderflow Order API',
    EndpointConfiguration: { Types: ['REGIONAL'] },
  });
  const apiId = api.ref;
  const rootId = String(api.attributes.RootResourceId);
  const integration = {
    Type: 'AWS_PROXY',
    IntegrationHttpMethod: 'POST',
    Uri: lambdaUri(),
    ...(options.timeoutMs ? { TimeoutInMillis: options.timeoutMs } : {}),
  };
  const validator = await provision('AWS::ApiGateway::RequestValidator', 'RestApiRequestValidator', {
    RestApiId: apiId,
    ValidateRequestBody: true,
    ValidateRequestParameters: true,
  });
  const orders = await provision('AWS::ApiGateway::Resource', 'RestApiorders', {
    ParentId: rootId,
    PathPart: 'orders',
    RestApiId: apiId,
  });
  await provision('AWS::ApiGateway::Method', 'RestApiordersPOST', {
    AuthorizationType: 'AWS_IAM',
    HttpMethod: 'POST',
    Integration: integration,
    RequestParameters: { 'method.request.header.Idempotency-Key': false },
    RequestValidatorId: validator.ref,
    ResourceId: orders.ref,
    RestApiId: apiId,
  });
  const order = await provision('AWS::ApiGateway::Resource', 'RestApiordersorderId', {
    ParentId: orders.ref,
    PathPart: '{orderId}',
    RestApiId: apiId,
  });
  await provision('AWS::ApiGateway::Method', 'RestApiordersorderIdGET', {
    AuthorizationType: 'AWS_IAM',
    HttpMethod: 'GET',
    Integration: integration,
    RequestParameters: { 'method.request.path.orderId': true },
    RequestValidatorId: validator.ref,
    ResourceId: order.ref,
    RestApiId: apiId,
  });
  const products = await provision('AWS::ApiGateway::Resource', 'RestApiproducts', {
    ParentId: rootId,
    PathPart: 'products',
    RestApiId: apiId,
  });
  await provision('AWS::ApiGateway::Method', 'RestApiproductsGET', {
    AuthorizationType: 'AWS_IAM',
    HttpMethod: 'GET',
    Integration: integration,
    RequestValidatorId: validator.ref,
    ResourceId: products.ref,
    RestApiId: apiId,
  });
  await options.extraMethods?.({ api: apiId, root: rootId, orders: orders.ref });
  const deployment = await provision('AWS::ApiGateway::Deployment', 'RestApiDeployment', {
    Description: 'orderflow Order API',
    RestApiId: apiId,
  });
  const throttling = options.throttling ?? { rate: 50, burst: 100 };
  await provision('AWS::ApiGateway::Stage', 'RestApiDeploymentStagev1', {
    DeploymentId: deployment.ref,
    MethodSettings: [
      {
        DataTraceEnabled: false,
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingBurstLimit: throttling.burst,
        ThrottlingRateLimit: throttling.rate,
      },
    ],
    RestApiId: apiId,
    StageName: 'v1',
    TracingEnabled: true,
  });
  return { apiId, rootId, ordersId: orders.ref };
};

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly rawHeaders: string[];
  readonly body: string;
  json(): unknown;
}

/** An HTTP request with full control of the headers (repeated names are sent as separate lines). */
export const send = (
  baseUrl: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string | string[]>; body?: string | Buffer } = {},
): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const url = new URL(path, baseUrl);
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: `${url.pathname}${url.search}`,
        headers: options.headers ?? {},
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            rawHeaders: response.rawHeaders,
            body,
            json: () => JSON.parse(body) as unknown,
          });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
