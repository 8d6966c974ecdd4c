/**
 * The inside of a function sandbox: runs in a worker thread, imports the function's bundle once (the init
 * phase), then runs one invocation at a time, like the Node.js Lambda runtime does.
 *
 * Node runs this file with its built-in type stripping (worker threads do not go through vitest or tsx), so it
 * uses erasable TypeScript only and imports nothing but Node built-ins and types.
 */
import http from 'node:http';
import https from 'node:https';
import { enableCompileCache, syncBuiltinESMExports } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { HostMessage, LambdaErrorPayload, SandboxInit, SandboxMessage } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('sandbox-worker.ts runs only in a worker thread');
const init = workerData as SandboxInit;
const post = (message: SandboxMessage): void => port.postMessage(message);

/**
 * The AWS API calls the function's code makes, by service, since the last result: every HTTP request that carries
 * a SigV4 Authorization header counts for its credential scope's service (an unsigned one with X-Amz-Target for
 * that target's service). What a function costs in calls is what it costs on AWS, retries included; the counts
 * travel back with each result. Wrapped before the bundle is imported, so the SDK's handler picks the wrappers up.
 */
let calls: Record<string, number> = {};
const TARGET_SERVICES: Readonly<Record<string, string>> = {
  DynamoDB_20120810: 'dynamodb',
  DynamoDBStreams_20120810: 'dynamodb',
  AWSEvents: 'events',
  AWSStepFunctions: 'states',
  AmazonSQS: 'sqs',
};
const headerValue = (headers: unknown, name: string): string | undefined => {
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.length === name.length && key.toLowerCase() === name) {
      return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
    }
  }
  return undefined;
};
const serviceOf = (args: readonly unknown[]): string | undefined => {
  const options = args.find(
    (arg): arg is { headers?: unknown } =>
      typeof arg === 'object' && arg !== null && !(arg instanceof URL) && typeof arg !== 'function',
  );
  const headers = options?.headers;
  const scope = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(headerValue(headers, 'authorization') ?? '');
  if (scope) return scope[1];
  const target = headerValue(headers, 'x-amz-target');
  if (target === undefined) return undefined;
  const prefix = target.split('.')[0] ?? target;
  return TARGET_SERVICES[prefix] ?? prefix;
};
const counted = <T extends (...args: never[]) => unknown>(original: T): T =>
  function (this: unknown, ...args: Parameters<T>) {
    const service = serviceOf(args);
    if (service !== undefined) calls[service] = (calls[service] ?? 0) + 1;
    return original.apply(this, args);
  } as T;
http.request = counted(http.request);
https.request = counted(https.request);
syncBuiltinESMExports();
/** The calls counted since the last time, and a fresh count. */
const takeCalls = (): Record<string, number> => {
  const taken = calls;
  calls = {};
  return taken;
};

/** The error payload the Node.js runtime reports: the error's name, message and stack lines. */
const toErrorPayload = (error: unknown): LambdaErrorPayload => {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)) {
    const err = error as { name?: unknown; message?: unknown; stack?: unknown };
    return {
      errorType: typeof err.name === 'string' && err.name !== '' ? err.name : 'Error',
      errorMessage: String(err.message ?? ''),
      trace: typeof err.stack === 'string' ? err.stack.split('\n') : [],
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
};

let current: string | undefined;
let broken = false;

const fatal = (error: LambdaErrorPayload): void => {
  if (broken) return;
  broken = true;
  post({ type: 'fatal', requestId: current, error, calls: takeCalls() });
};

process.on('uncaughtException', (error) => fatal(toErrorPayload(error)));
process.on('unhandledRejection', (reason) => {
  // The Node.js runtime wraps the reason: errorType Runtime.UnhandledPromiseRejection, errorMessage `${reason}`.
  const wrapped = new Error(String(reason));
  wrapped.name = 'Runtime.UnhandledPromiseRejection';
  fatal(toErrorPayload(wrapped));
});

type Handler = (
  event: unknown,
  context: unknown,
  callback: (error?: unknown, result?: unknown) => void,
) => unknown;

const loadHandler = async (): Promise<Handler | LambdaErrorPayload> => {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(init.entryPath).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      return {
        errorType: 'Runtime.ImportModuleError',
        errorMessage: `Error: ${(error as Error).message}`,
        trace: toErrorPayload(error).trace ?? [],
      };
    }
    if (error instanceof SyntaxError) {
      return {
        errorType: 'Runtime.UserCodeSyntaxError',
        errorMessage: `SyntaxError: ${error.message}`,
        trace: [],
      };
    }
    return toErrorPayload(error);
  }
  const walk = (root: unknown): unknown =>
    init.exportPath
      .split('.')
      .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], root);
  const handler = walk(module) ?? walk(module.default);
  if (typeof handler !== 'function') {
    return {
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: `${init.handler} is undefined or not exported`,
      trace: [],
    };
  }
  return handler as Handler;
};

const run = (handler: Handler, event: unknown, context: Record<string, unknown>): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const callback = (error?: unknown, result?: unknown): void => {
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    Object.assign(context, {
      done: callback,
      succeed: (result: unknown) => callback(null, result),
      fail: (error: unknown) => callback(error ?? 'handled'),
    });
    const returned = handler(event, context, callback);
    if (returned !== null && typeof (returned as { then?: unknown })?.then === 'function') {
      (returned as Promise<unknown>).then(resolve, reject);
    } else if (handler.length < 3) {
      resolve(returned);
    }
  });

process.env.AWS_LAMBDA_LOG_STREAM_NAME = init.logStreamName;
const started = performance.now();
if (init.sourceMaps) process.setSourceMapsEnabled(true);
if (init.compileCacheDir) enableCompileCache(init.compileCacheDir);
const loaded = await loadHandler();
if (typeof loaded !== 'function') {
  post({ type: 'init-error', error: loaded });
} else {
  const handler = loaded;
  port.on('message', (message: HostMessage) => {
    if (message.type !== 'invoke' || broken) return;
    const { requestId } = message;
    current = requestId;
    process.env._X_AMZN_TRACE_ID = message.traceId;
    const context: Record<string, unknown> = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: init.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: init.functionArn,
      memoryLimitInMB: String(init.memoryLimitInMB),
      awsRequestId: requestId,
      logGroupName: init.logGroupName,
      logStreamName: init.logStreamName,
      identity: undefined,
      clientContext: message.clientContext,
      getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
    };
    let event: unknown;
    try {
      event = JSON.parse(message.payload);
    } catch (error) {
      post({ type: 'error', requestId, error: toErrorPayload(error), calls: takeCalls() });
      return;
    }
    run(handler, event, context)
      .then(
        (result) => {
          let payload: string;
          try {
            payload = JSON.stringify(result) ?? 'null';
          } catch (error) {
            post({
              type: 'error',
              requestId,
              error: {
                errorType: 'Runtime.MarshalError',
                errorMessage: `Unable to marshal response: ${(error as Error).message}`,
              },
              calls: takeCalls(),
            });
            return;
          }
          post({ type: 'result', requestId, payload, calls: takeCalls() });
        },
        (error: unknown) =>
          post({ type: 'error', requestId, error: toErrorPayload(error), calls: takeCalls() }),
      )
      .finally(() => {
        if (current === requestId) current = undefined;
      });
  });
  post({ type: 'ready', initDurationMs: performance.now() - started });
}
