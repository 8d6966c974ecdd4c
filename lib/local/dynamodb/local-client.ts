/**
 * A small awsJson 1.0 client for DynamoDB Local over a keep-alive HTTP agent. The edge proxy forwards raw
 * bodies through it, and the provider and the TTL sweeper call operations with it. Plain HTTP + JSON is three
 * times faster than an SDK client here, and DynamoDB Local checks no signature, only that one is present.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { AwsApiError } from '#lib/local/core/aws-protocol';

/** DynamoDB Local wants an Authorization header with an access key id; it does not verify the signature. */
const AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=orderflow/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-target, Signature=0';

export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810';
export const STREAMS_TARGET_PREFIX = 'DynamoDBStreams_20120810';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export class DynamoDbLocalClient {
  readonly endpoint: string;
  private readonly port: number;
  private readonly agent = new Agent({
    keepAlive: true,
    maxSockets: 256,
    maxFreeSockets: 64,
    timeout: 20_000,
  });

  constructor(port: number) {
    this.port = port;
    this.endpoint = `http://127.0.0.1:${port}`;
  }

  /** Sends an awsJson body as is. `target` is the whole X-Amz-Target (`DynamoDB_20120810.PutItem`). */
  send(target: string, body: Buffer, contentType = 'application/x-amz-json-1.0'): Promise<RawResponse> {
    return this.sendOnce(target, body, contentType).catch((error: unknown) => {
      // A keep-alive socket the server closed while idle: the request never reached it, so send it again.
      if ((error as { reusedSocket?: boolean }).reusedSocket) return this.sendOnce(target, body, contentType);
      throw error;
    });
  }

  private sendOnce(target: string, body: Buffer, contentType: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'POST',
          path: '/',
          agent: this.agent,
          headers: {
            'content-type': contentType,
            'content-length': body.length,
            'x-amz-target': target,
            authorization: AUTHORIZATION,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        const code = error.code ?? '';
        reject(
          Object.assign(error, {
            reusedSocket: req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE'),
          }),
        );
      });
      req.end(body);
    });
  }

  /** Calls a DynamoDB (or, with `service`, DynamoDB Streams) operation; AWS errors come back as AwsApiError. */
  async call<T = Record<string, unknown>>(
    operation: string,
    input: unknown,
    service: string = DYNAMODB_TARGET_PREFIX,
  ): Promise<T> {
    const response = await this.send(`${service}.${operation}`, Buffer.from(JSON.stringify(input)));
    const text = response.body.toString('utf8');
    const parsed = (text.length > 0 ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (response.status >= 300) throw errorOf(response.status, parsed);
    return parsed as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","Message":"..."}` -> AwsApiError. */
export const errorOf = (status: number, body: Record<string, unknown>): AwsApiError => {
  const type = typeof body.__type === 'string' ? body.__type : 'InternalFailure';
  const message = body.Message ?? body.message;
  return new AwsApiError(
    type.slice(type.lastIndexOf('#') + 1),
    typeof message === 'string' ? message : type,
    status,
    status < 500,
  );
};
