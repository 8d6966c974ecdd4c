import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';

/** Properties of a {@link DomainEventBus}. */
export interface DomainEventBusProps {
  /**
   * How long the archive keeps events for replay.
   *
   * @default Duration.days(90)
   */
  readonly archiveRetention?: Duration;
  /**
   * What happens to the bus and its archive when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The custom EventBridge bus for domain events, with an archive of every event published on it, so a consumer
 * that lost events (or a new projection) can be fed again by a replay.
 */
export class DomainEventBus extends events.EventBus {
  /** Every event of this account on the bus. */
  public readonly eventArchive: events.Archive;

  constructor(scope: Construct, id: string, props: DomainEventBusProps = {}) {
    super(scope, id, { description: 'orderflow domain events' });
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.applyRemovalPolicy(removalPolicy);
    this.eventArchive = this.archive('Archive', {
      description: 'Every orderflow domain event, for replay.',
      eventPattern: { account: [Stack.of(this).account] },
      retention: props.archiveRetention ?? Duration.days(90),
    });
    this.eventArchive.applyRemovalPolicy(removalPolicy);
  }
}
