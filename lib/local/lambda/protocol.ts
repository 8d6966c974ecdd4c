/**
 * The messages between the Lambda engine (the host) and one function sandbox (a worker thread).
 *
 * The host starts a worker with {@link SandboxInit} as its workerData; the worker imports the bundle and
 * answers `ready` (or `init-error`). Then the host sends one `invoke` at a time and the worker answers
 * `result` or `error` with the same requestId. Payloads travel as JSON text in both directions, as they do
 * through the Lambda runtime API, so a handler gets a fresh event object and its result is serialized the way
 * Lambda serializes it. A `fatal` message (an uncaught exception or an unhandled rejection) makes the host fail
 * the invocation in progress and discard the worker, as Lambda resets the sandbox.
 */

/** workerData of a sandbox. */
export interface SandboxInit {
  /** Absolute path of the handler module (`<asset>/index.mjs`). */
  readonly entryPath: string;
  /** The export to call: `handler` for `index.handler` (nested names like `a.b` are walked). */
  readonly exportPath: string;
  readonly handler: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly memoryLimitInMB: number;
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** NODE_OPTIONS of the function has --enable-source-maps (worker threads ignore NODE_OPTIONS). */
  readonly sourceMaps: boolean;
  /** V8's compile cache on disk, shared by every sandbox: a cold start compiles less. */
  readonly compileCacheDir?: string | undefined;
}

/** The error shape of the Lambda Invoke API: `{ errorType, errorMessage, trace }`. */
export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

export interface InvokeMessage {
  readonly type: 'invoke';
  readonly requestId: string;
  /** The event as JSON text. */
  readonly payload: string;
  /** Epoch milliseconds when the invocation times out (context.getRemainingTimeInMillis). */
  readonly deadline: number;
  /** _X_AMZN_TRACE_ID for this invocation. */
  readonly traceId: string;
  /** The decoded X-Amz-Client-Context, if the caller sent one. */
  readonly clientContext?: unknown;
}

export type HostMessage = InvokeMessage;

/** AWS API calls the function made, by SigV4 service name (`dynamodb`, `events`, `states` ...). */
export type AwsCallCounts = Readonly<Record<string, number>>;

export type SandboxMessage =
  | { readonly type: 'ready'; readonly initDurationMs: number }
  | { readonly type: 'init-error'; readonly error: LambdaErrorPayload }
  | {
      readonly type: 'result';
      readonly requestId: string;
      readonly payload: string;
      /** The calls since the previous result (the init phase's count with the first). */
      readonly calls: AwsCallCounts;
    }
  | {
      readonly type: 'error';
      readonly requestId: string;
      readonly error: LambdaErrorPayload;
      readonly calls: AwsCallCounts;
    }
  | {
      readonly type: 'fatal';
      readonly requestId?: string | undefined;
      readonly error: LambdaErrorPayload;
      readonly calls: AwsCallCounts;
    };
