import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from '../powertools/index.ts';

/**
 * Wraps a handler with the house Powertools middleware: the Lambda context and a fresh set of keys
 * on every log line, a traced handler segment, and metrics flushed at the end of each invocation.
 */
export const instrument = <TEvent, TResult>(handler: (event: TEvent, context: Context) => Promise<TResult>) =>
  middy(handler)
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
