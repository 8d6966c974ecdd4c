import type { Construct } from 'constructs';
import { ProcessingStack } from './stacks/processing-stack';
import { StatefulStack } from './stacks/stateful-stack';

/** The stacks of orderflow. */
export interface Orderflow {
  readonly stateful: StatefulStack;
  readonly processing: ProcessingStack;
}

/**
 * Adds the orderflow stacks to an app (or a stage). The stacks are environment-agnostic, so `cdk synth` needs
 * no AWS credentials; `cdk deploy` takes the account and region from the CLI's profile.
 *
 * Context: `orderflow:removalPolicy` (`retain` | `destroy`), `orderflow:sagaType` (`STANDARD` | `EXPRESS`).
 */
export function createOrderflow(scope: Construct): Orderflow {
  const stateful = new StatefulStack(scope, 'OrderflowStateful', {
    description: 'orderflow stateful resources: tables, event bus with archive, encrypted SNS topics',
  });
  const processing = new ProcessingStack(scope, 'OrderflowProcessing', {
    description: 'orderflow processing: Order API, outbox relay, event routes, consumers, order saga, alarms',
    stateful,
  });
  return { stateful, processing };
}
