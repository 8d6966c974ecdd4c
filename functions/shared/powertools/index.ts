/**
 * One logger, metrics and tracer per function, configured from the POWERTOOLS_* environment
 * that the NodeFunction construct sets. Import these instead of constructing new ones.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

export const logger = new Logger();
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'orderflow',
  // Metrics' own messages go through the logger, as JSON with the invocation's keys. Its warning that an
  // invocation stored no metrics fires whenever a handler emitted only single metrics, so it is debug news.
  logger: {
    debug: (...args: unknown[]) => logger.debug(String(args[0]), { details: args.slice(1) }),
    info: (...args: unknown[]) => logger.info(String(args[0]), { details: args.slice(1) }),
    warn: (...args: unknown[]) => logger.debug(String(args[0]), { details: args.slice(1) }),
    error: (...args: unknown[]) => logger.error(String(args[0]), { details: args.slice(1) }),
  },
});
export const tracer = new Tracer();

/** Every log line of the current invocation carries the correlation id that started at the API request. */
export const withCorrelationId = (correlationId: string | undefined): void => {
  if (correlationId) logger.appendKeys({ correlationId });
};
