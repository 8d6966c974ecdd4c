import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type * as z from 'zod/mini';
import { instrument } from '#shared/handlers/instrument';
import { logger, metrics, withCorrelationId } from '#shared/powertools/index';
import { parseSagaState, type SagaStateBase } from './state.ts';

export interface SagaStepOptions<TState extends SagaStateBase, TResult extends { readonly status: string }> {
  /** The task's name in the state machine; also the metric name and a log key. */
  readonly step: string;
  /** What the step reads from the state. */
  readonly schema: z.ZodMiniType<TState>;
  /** Runs the use case. Business outcomes are its return value; only faults throw. */
  readonly run: (state: TState) => Promise<TResult>;
}

/**
 * A saga task Lambda: validate the state, run the step, log and count the outcome. The return value is written
 * at the task's ResultPath. Errors propagate with their name, which the saga's Retry and Catch match.
 */
export const makeSagaStep =
  <TState extends SagaStateBase, TResult extends { readonly status: string }>(
    options: SagaStepOptions<TState, TResult>,
  ) =>
  async (event: unknown): Promise<TResult> => {
    logger.appendKeys({ step: options.step });
    let outcome = 'UnknownError';
    try {
      const state = parseSagaState(options.schema, event, options.step);
      withCorrelationId(state.correlationId);
      logger.appendKeys({ orderId: state.order.orderId });
      const result = await options.run(state);
      outcome = result.status;
      logger.info(`${options.step} finished`, { result });
      return result;
    } catch (error) {
      outcome = error instanceof Error ? error.name : 'UnknownError';
      logger.error(`${options.step} failed`, { error: error as Error });
      throw error;
    } finally {
      // One data point per invocation, by outcome: RESERVED, OUT_OF_STOCK, TransientDependencyError, ...
      // A single metric keeps the outcome dimension off any other metric of the invocation.
      const metric = metrics.singleMetric();
      metric.addDimension('outcome', outcome);
      metric.addMetric(options.step, MetricUnit.Count, 1);
    }
  };

/** The Lambda handler of a saga task: {@link makeSagaStep} with the house Powertools middleware. */
export const sagaStepHandler = <TState extends SagaStateBase, TResult extends { readonly status: string }>(
  options: SagaStepOptions<TState, TResult>,
) => instrument(makeSagaStep(options));
