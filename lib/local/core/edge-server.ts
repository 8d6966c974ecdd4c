import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AwsApiError, jsonError, signingServiceOf } from './aws-protocol.ts';
import { closeNow, listenOnLoopback } from './http-server.ts';
import type { EdgeRequest, EdgeResponse, ServiceHandler } from './types.ts';

const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

export interface EdgeServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly handlers: () => readonly ServiceHandler[];
  /** Answers `GET /_orderflow/health`. */
  readonly health: () => { status: string } & Record<string, unknown>;
  readonly onError?: (error: unknown, request: EdgeRequest) => void;
  /** More `GET /_orderflow/<name>` documents: `stats` (merged with the calls per service), `outputs` ... */
  readonly info?: Readonly<Record<string, () => Record<string, unknown>>>;
}

/**
 * The one endpoint that serves every AWS API, as LocalStack's edge port does. It reads the request, works out
 * which service it is for (X-Amz-Target, the SigV4 scope, the path) and lets the first handler that claims it
 * answer. It binds 127.0.0.1 only.
 */
export class EdgeServer {
  private server: Server | undefined;
  private port = 0;
  private readonly calls = new Map<string, number>();

  constructor(private readonly options: EdgeServerOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const { server, port } = await listenOnLoopback(this.options.port, (request, response) => {
      void this.serve(request, response);
    });
    this.server = server;
    this.port = port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeNow(server);
  }

  private async serve(raw: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(raw.url ?? '/', 'http://edge');
    const request: EdgeRequest = {
      method: raw.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: raw.headers,
      body: await readBody(raw),
      signingService: signingServiceOf(raw.headers.authorization),
      target: typeof raw.headers['x-amz-target'] === 'string' ? raw.headers['x-amz-target'] : undefined,
      host: raw.headers.host ?? `127.0.0.1:${this.port}`,
    };
    let answer: EdgeResponse;
    try {
      answer = await this.route(request);
    } catch (error) {
      this.options.onError?.(error, request);
      answer = jsonError(
        error instanceof AwsApiError
          ? error
          : new AwsApiError(
              'InternalFailure',
              error instanceof Error ? error.message : String(error),
              500,
              false,
            ),
      );
    }
    response.writeHead(answer.status, answer.headers ?? {});
    response.end(answer.body ?? '');
  }

  /** AWS API calls served so far, by service. */
  callCounts(): Record<string, number> {
    return Object.fromEntries(this.calls);
  }

  private async route(request: EdgeRequest): Promise<EdgeResponse> {
    if (request.path === '/_orderflow/health') {
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(this.options.health()),
      };
    }
    const info = /^\/_orderflow\/([a-z]+)$/.exec(request.path)?.[1];
    const document = info === undefined ? undefined : this.options.info?.[info];
    if (info === 'stats' || document) {
      const body = info === 'stats' ? { calls: this.callCounts(), ...document?.() } : document?.();
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    }
    const handler = this.options.handlers().find((candidate) => candidate.claims(request));
    if (!handler) {
      throw new AwsApiError(
        'UnknownOperationException',
        `no local service handles ${request.method} ${request.path}${request.target ? ` (${request.target})` : ''}${request.signingService ? ` for ${request.signingService}` : ''}`,
        404,
      );
    }
    this.calls.set(handler.name, (this.calls.get(handler.name) ?? 0) + 1);
    return handler.handle(request);
  }
}
