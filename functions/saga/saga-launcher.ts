import type { SagaInput } from './state.ts';

export interface StartSagaRequest {
  /** The execution name: the orderId, so a second start for the order is refused by Step Functions. */
  readonly name: string;
  readonly input: SagaInput;
}

export type StartSagaResult =
  | { readonly outcome: 'STARTED'; readonly executionArn: string }
  /** An execution with this name already exists: a duplicate delivery of the same OrderPlaced. */
  | { readonly outcome: 'ALREADY_STARTED' };

/** Starts the order saga. Throws TransientDependencyError when a retry may succeed. */
export interface SagaLauncher {
  start(request: StartSagaRequest): Promise<StartSagaResult>;
}
