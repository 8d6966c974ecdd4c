import { CfnOutput, type RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { DomainEventBus } from '../constructs/domain-event-bus';
import { IdempotencyTable } from '../constructs/idempotency-table';
import { NotificationTopics } from '../constructs/notification-topics';
import { SecureTable } from '../constructs/secure-table';
import { removalPolicyFromContext } from '../context';

/** The tables of orderflow. */
export interface OrderflowTables {
  /** Orders and their outbox items (`ORDER#`, `OUTBOX#`); stream NEW_IMAGE; TTL `expiresAt`. */
  readonly orders: dynamodb.Table;
  /** Stock per SKU and reservations per order. */
  readonly inventory: dynamodb.Table;
  /** Payments per order and the simulated gateway's state. */
  readonly payments: dynamodb.Table;
  /** Shipments per order. */
  readonly shipments: dynamodb.Table;
  /** Powertools idempotency records and the relay ledger; TTL `expiration`. */
  readonly idempotency: dynamodb.Table;
  /** The CQRS read model (pk + sk). */
  readonly readModel: dynamodb.Table;
}

/** What the processing stack needs from the stateful stack. */
export interface OrderflowStatefulResources {
  readonly tables: OrderflowTables;
  readonly eventBus: DomainEventBus;
  readonly topics: NotificationTopics;
}

/** Properties of the {@link StatefulStack}. */
export interface StatefulStackProps extends StackProps {
  /**
   * Removal policy of the tables, the bus (and archive) and the KMS key.
   *
   * @default - context `orderflow:removalPolicy` (`retain` or `destroy`), else RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The stateful half of orderflow, kept apart so the processing stack can be replaced freely: the tables, the
 * domain event bus with its archive, and the encrypted SNS topics.
 */
export class StatefulStack extends Stack implements OrderflowStatefulResources {
  public readonly tables: OrderflowTables;
  public readonly eventBus: DomainEventBus;
  public readonly topics: NotificationTopics;

  constructor(scope: Construct, id: string, props: StatefulStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? removalPolicyFromContext(this);

    this.tables = {
      orders: new SecureTable(this, 'Orders', {
        stream: dynamodb.StreamViewType.NEW_IMAGE,
        timeToLiveAttribute: 'expiresAt',
        removalPolicy,
      }),
      inventory: new SecureTable(this, 'Inventory', { removalPolicy }),
      payments: new SecureTable(this, 'Payments', { removalPolicy }),
      shipments: new SecureTable(this, 'Shipments', { removalPolicy }),
      idempotency: new IdempotencyTable(this, 'Idempotency', { removalPolicy }),
      readModel: new SecureTable(this, 'ReadModel', {
        sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
        removalPolicy,
      }),
    };
    this.eventBus = new DomainEventBus(this, 'OrderflowBus', { removalPolicy });
    this.topics = new NotificationTopics(this, 'Topics', { removalPolicy });

    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName });
    new CfnOutput(this, 'OrdersTableName', { value: this.tables.orders.tableName });
    new CfnOutput(this, 'InventoryTableName', { value: this.tables.inventory.tableName });
    new CfnOutput(this, 'ReadModelTableName', { value: this.tables.readModel.tableName });
    // Read by the end-to-end tests, which check payments, shipments and idempotency records on any target.
    new CfnOutput(this, 'PaymentsTableName', { value: this.tables.payments.tableName });
    new CfnOutput(this, 'ShipmentsTableName', { value: this.tables.shipments.tableName });
    new CfnOutput(this, 'IdempotencyTableName', { value: this.tables.idempotency.tableName });
    new CfnOutput(this, 'CustomerNotificationsTopicArn', {
      value: this.topics.customerNotifications.topicArn,
    });
    new CfnOutput(this, 'OpsAlertsTopicArn', { value: this.topics.opsAlerts.topicArn });
  }
}
