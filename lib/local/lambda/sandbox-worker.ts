/**
 * The inside of a function sandbox: runs in a worker thread, imports the function's bundle once (the init
 * phase), then runs one invocation at a time, like the Node.js Lambda runtime does.
 *
 * Node runs this file with its built-in type stripping (worker threads do not go through vitest or tsx), so it
 * uses erasable TypeScript only and imports nothing but Node built-ins and types.
 */
import { enableCompileCache } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { HostMessage, LambdaErrorPayload, SandboxInit, SandboxMessage } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('sandbox-worker.ts runs only in a worker thread');
const init = workerData as SandboxInit;
const post = (message: SandboxMessage): void => port.postMessage(message);

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
  post({ type: 'fatal', requestId: current, error });
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
      post({ type: 'error', requestId, error: toErrorPayload(error) });
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
            });
            return;
          }
          post({ type: 'result', requestId, payload });
        },
        (error: unknown) => post({ type: 'error', requestId, error: toErrorPayload(error) }),
      )
      .finally(() => {
        if (current === requestId) current = undefined;
      });
  });
  post({ type: 'ready', initDurationMs: performance.now() - started });
}
