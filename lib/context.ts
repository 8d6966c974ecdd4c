import { RemovalPolicy } from 'aws-cdk-lib';
import { StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';

/** Context key that switches stateful resources between RETAIN (default) and DESTROY. */
export const REMOVAL_POLICY_CONTEXT_KEY = 'orderflow:removalPolicy';

/** Context key that selects the saga's workflow type: STANDARD (default) or EXPRESS. */
export const SAGA_TYPE_CONTEXT_KEY = 'orderflow:sagaType';

/**
 * Reads `orderflow:removalPolicy` (`retain` or `destroy`, case-insensitive).
 *
 * Production keeps its data, so the default is RETAIN; `destroy` is for throw-away dev and CI stacks.
 */
export function removalPolicyFromContext(scope: IConstruct): RemovalPolicy {
  const raw: unknown = scope.node.tryGetContext(REMOVAL_POLICY_CONTEXT_KEY);
  if (raw === undefined || raw === null || raw === '') return RemovalPolicy.RETAIN;
  const value = String(raw).toLowerCase();
  if (value === 'retain') return RemovalPolicy.RETAIN;
  if (value === 'destroy') return RemovalPolicy.DESTROY;
  throw new Error(
    `Context ${REMOVAL_POLICY_CONTEXT_KEY} must be 'retain' or 'destroy', got '${String(raw)}'.`,
  );
}

/**
 * Reads `orderflow:sagaType` (`STANDARD` or `EXPRESS`, case-insensitive).
 *
 * @returns the state machine type; STANDARD when the context is not set
 */
export function sagaTypeFromContext(scope: IConstruct): StateMachineType {
  const raw: unknown = scope.node.tryGetContext(SAGA_TYPE_CONTEXT_KEY);
  if (raw === undefined || raw === null || raw === '') return StateMachineType.STANDARD;
  const value = String(raw).toUpperCase();
  if (value === 'STANDARD') return StateMachineType.STANDARD;
  if (value === 'EXPRESS') return StateMachineType.EXPRESS;
  throw new Error(`Context ${SAGA_TYPE_CONTEXT_KEY} must be 'STANDARD' or 'EXPRESS', got '${String(raw)}'.`);
}
