import { CfnOutput, Duration, type RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { EventRoutes } from '../constructs/event-routes';
import { NodeFunction } from '../constructs/node-function';
import { NotificationFanout } from '../constructs/notification-fanout';
import { OperationsDashboard } from '../constructs/operations-dashboard';
import { OrderSaga } from '../constructs/order-saga';
import { OrdersRestApi } from '../constructs/orders-rest-api';
import { OutboxRelay } from '../constructs/outbox-relay';
import { QueueConsumer } from '../constructs/queue-consumer';
import { removalPolicyFromContext, sagaTypeFromContext } from '../context';
import type { OrderflowStatefulResources } from './stateful-stack';

/** Properties of the {@link ProcessingStack}. */
export interface ProcessingStackProps extends StackProps {
  /** The tables, bus and topics of the stateful stack. */
  readonly stateful: OrderflowStatefulResources;
  /**
   * The saga's workflow type.
   *
   * @default - context `orderflow:sagaType` (`STANDARD` or `EXPRESS`), else STANDARD
   */
  readonly sagaType?: sfn.StateMachineType;
  /**
   * Removal policy of the log groups.
   *
   * @default - context `orderflow:removalPolicy` (`retain` or `destroy`), else RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The stateless half of orderflow: the Order API, the outbox relay, the event routes and their consumers,
 * the order saga, the notification fan-out, alarms and the dashboard. It composes constructs only; every
 * function gets exactly the environment and the grants of the wiring contract.
 */
export class ProcessingStack extends Stack {
  public readonly api: OrdersRestApi;
  public readonly saga: OrderSaga;

  constructor(scope: Construct, id: string, props: ProcessingStackProps) {
    super(scope, id, props);
    const { tables, eventBus, topics } = props.stateful;
    const logRemovalPolicy = props.removalPolicy ?? removalPolicyFromContext(this);
    const alarmActions = [new actions.SnsAction(topics.opsAlerts)];
    const common = { alarmActions, logRemovalPolicy };

    // Order API: places orders (order + outbox item in one transaction) and serves reads.
    const ordersApi = new NodeFunction(this, 'OrdersApi', {
      ...common,
      entry: 'functions/orders/api-handler.ts',
      serviceName: 'orders',
      description: 'Order API: POST /orders, GET /orders/{orderId}, GET /products',
      environment: {
        ORDERS_TABLE: tables.orders.tableName,
        INVENTORY_TABLE: tables.inventory.tableName,
        IDEMPOTENCY_TABLE: tables.idempotency.tableName,
      },
    });
    tables.orders.grantReadWriteData(ordersApi);
    tables.inventory.grantReadData(ordersApi);
    tables.idempotency.grantReadWriteData(ordersApi);
    this.api = new OrdersRestApi(this, 'RestApi', { handler: ordersApi, logRemovalPolicy });

    // Transactional outbox: Orders stream -> bus.
    const outboxRelay = new OutboxRelay(this, 'OutboxRelay', {
      table: tables.orders,
      alarmActions,
      handler: {
        logRemovalPolicy,
        entry: 'functions/outbox/relay-handler.ts',
        serviceName: 'outbox',
        description: 'Publishes outbox items from the Orders stream to the event bus',
        timeout: Duration.seconds(30),
        environment: {
          EVENT_BUS_NAME: eventBus.eventBusName,
          IDEMPOTENCY_TABLE: tables.idempotency.tableName,
        },
      },
    });
    eventBus.grantPutEventsTo(outboxRelay.handler);
    tables.idempotency.grantReadWriteData(outboxRelay.handler);

    // Saga tasks.
    const sagaTask = (
      id: string,
      entry: string,
      serviceName: string,
      description: string,
      environment: Record<string, string>,
    ) => new NodeFunction(this, id, { ...common, entry, serviceName, description, environment });
    const inventoryEnv = {
      INVENTORY_TABLE: tables.inventory.tableName,
      EVENT_BUS_NAME: eventBus.eventBusName,
    };
    const paymentsEnv = { PAYMENTS_TABLE: tables.payments.tableName, EVENT_BUS_NAME: eventBus.eventBusName };
    const shippingEnv = {
      SHIPMENTS_TABLE: tables.shipments.tableName,
      EVENT_BUS_NAME: eventBus.eventBusName,
    };
    const ordersEnv = { ORDERS_TABLE: tables.orders.tableName };
    const sagaTasks = {
      reserveInventory: sagaTask(
        'ReserveInventory',
        'functions/inventory/reserve-handler.ts',
        'inventory',
        'Saga step: reserves stock for an order',
        inventoryEnv,
      ),
      releaseInventory: sagaTask(
        'ReleaseInventory',
        'functions/inventory/release-handler.ts',
        'inventory',
        'Saga compensation: releases an order reservation',
        inventoryEnv,
      ),
      authorizePayment: sagaTask(
        'AuthorizePayment',
        'functions/payments/authorize-handler.ts',
        'payments',
        'Saga step: authorizes the payment',
        paymentsEnv,
      ),
      refundPayment: sagaTask(
        'RefundPayment',
        'functions/payments/refund-handler.ts',
        'payments',
        'Saga compensation: refunds or voids the payment',
        paymentsEnv,
      ),
      createShipment: sagaTask(
        'CreateShipment',
        'functions/shipping/create-handler.ts',
        'shipping',
        'Saga step: creates the shipment',
        shippingEnv,
      ),
      cancelShipment: sagaTask(
        'CancelShipment',
        'functions/shipping/cancel-handler.ts',
        'shipping',
        'Saga compensation: cancels the shipment',
        shippingEnv,
      ),
      confirmOrder: sagaTask(
        'ConfirmOrder',
        'functions/orders/confirm-handler.ts',
        'orders',
        'Saga step: confirms the order (order + outbox in one transaction)',
        ordersEnv,
      ),
      cancelOrder: sagaTask(
        'CancelOrder',
        'functions/orders/cancel-handler.ts',
        'orders',
        'Saga compensation: cancels the order with its reason',
        ordersEnv,
      ),
    };
    for (const fn of [sagaTasks.reserveInventory, sagaTasks.releaseInventory]) {
      tables.inventory.grantReadWriteData(fn);
      eventBus.grantPutEventsTo(fn);
    }
    for (const fn of [sagaTasks.authorizePayment, sagaTasks.refundPayment]) {
      tables.payments.grantReadWriteData(fn);
      eventBus.grantPutEventsTo(fn);
    }
    for (const fn of [sagaTasks.createShipment, sagaTasks.cancelShipment]) {
      tables.shipments.grantReadWriteData(fn);
      eventBus.grantPutEventsTo(fn);
    }
    for (const fn of [sagaTasks.confirmOrder, sagaTasks.cancelOrder]) {
      tables.orders.grantReadWriteData(fn);
    }
    this.saga = new OrderSaga(this, 'OrderSaga', {
      tasks: sagaTasks,
      stateMachineType: props.sagaType ?? sagaTypeFromContext(this),
      alarmActions,
      logRemovalPolicy,
    });

    // Consumers of the bus.
    const sagaStarter = new QueueConsumer(this, 'SagaStarter', {
      alarmActions,
      handler: {
        logRemovalPolicy,
        entry: 'functions/saga/starter-handler.ts',
        serviceName: 'saga',
        description: 'Starts the order saga for each OrderPlaced event (execution name = orderId)',
        environment: {
          STATE_MACHINE_ARN: this.saga.stateMachine.stateMachineArn,
          IDEMPOTENCY_TABLE: tables.idempotency.tableName,
        },
      },
    });
    this.saga.grantStartExecution(sagaStarter.handler);
    tables.idempotency.grantReadWriteData(sagaStarter.handler);

    const notifier = new QueueConsumer(this, 'Notifier', {
      alarmActions,
      handler: {
        logRemovalPolicy,
        entry: 'functions/notifications/notifier-handler.ts',
        serviceName: 'notifications',
        description: 'Publishes one customer notification per channel for each customer-facing order event',
        environment: {
          CUSTOMER_NOTIFICATIONS_TOPIC_ARN: topics.customerNotifications.topicArn,
          IDEMPOTENCY_TABLE: tables.idempotency.tableName,
        },
      },
    });
    topics.customerNotifications.grantPublish(notifier.handler);
    const notifierPolicy = notifier.handler.role?.node.tryFindChild('DefaultPolicy');
    if (notifierPolicy) {
      Validations.of(notifierPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'Publishing to a KMS-encrypted topic needs kms:GenerateDataKey* (the grantPublish key actions), scoped to the one topics key; the wildcard only covers the GenerateDataKey variants.',
      });
    }
    tables.idempotency.grantReadWriteData(notifier.handler);

    const projector = new QueueConsumer(this, 'Projector', {
      alarmActions,
      handler: {
        logRemovalPolicy,
        entry: 'functions/analytics/projector-handler.ts',
        serviceName: 'analytics',
        description: 'Projects order events into the read model',
        environment: { READ_MODEL_TABLE: tables.readModel.tableName },
      },
    });
    tables.readModel.grantReadWriteData(projector.handler);

    const routes = new EventRoutes(this, 'EventRoutes', {
      eventBus,
      alarmActions,
      routes: [
        {
          id: 'OrderPlacedToSaga',
          description: 'OrderPlaced starts the order saga',
          eventPattern: { source: ['orderflow.orders'], detailType: ['OrderPlaced'] },
          queue: sagaStarter.queue,
        },
        {
          id: 'OrderEventsToNotifications',
          description: 'Customer-facing order events are notified',
          eventPattern: { detailType: ['OrderPlaced', 'OrderShipped', 'OrderConfirmed', 'OrderCancelled'] },
          queue: notifier.queue,
        },
        {
          id: 'OrderEventsToAnalytics',
          description: 'Order lifecycle events feed the read model',
          eventPattern: {
            source: ['orderflow.orders'],
            detailType: ['OrderPlaced', 'OrderConfirmed', 'OrderCancelled'],
          },
          queue: projector.queue,
        },
      ],
    });

    // Notification channels, fed by the customer-notifications topic.
    const channelSender = (id: string, entry: string, description: string) => {
      const consumer = new QueueConsumer(this, id, {
        alarmActions,
        handler: {
          logRemovalPolicy,
          entry,
          serviceName: 'notifications',
          description,
          environment: {
            READ_MODEL_TABLE: tables.readModel.tableName,
            IDEMPOTENCY_TABLE: tables.idempotency.tableName,
          },
        },
      });
      tables.readModel.grantReadWriteData(consumer.handler);
      tables.idempotency.grantReadWriteData(consumer.handler);
      return consumer;
    };
    const emailSender = channelSender(
      'EmailSender',
      'functions/notifications/email-sender-handler.ts',
      'Sends email notifications',
    );
    const smsSender = channelSender(
      'SmsSender',
      'functions/notifications/sms-sender-handler.ts',
      'Sends SMS notifications',
    );
    const fanout = new NotificationFanout(this, 'NotificationFanout', {
      topic: topics.customerNotifications,
      alarmActions,
      subscriptions: [
        {
          id: 'Email',
          queue: emailSender.queue,
          filterPolicy: {
            channel: sns.SubscriptionFilter.stringFilter({ allowlist: ['email'] }),
            eventType: sns.SubscriptionFilter.stringFilter({
              allowlist: ['OrderPlaced', 'OrderShipped', 'OrderConfirmed', 'OrderCancelled'],
            }),
          },
        },
        {
          id: 'Sms',
          queue: smsSender.queue,
          filterPolicy: {
            channel: sns.SubscriptionFilter.stringFilter({ allowlist: ['sms'] }),
            eventType: sns.SubscriptionFilter.stringFilter({
              allowlist: ['OrderConfirmed', 'OrderCancelled'],
            }),
          },
        },
      ],
    });

    // Catalog seeding, invoked by hand after a deployment.
    const seedCatalog = new NodeFunction(this, 'SeedCatalog', {
      ...common,
      entry: 'functions/inventory/seed-handler.ts',
      serviceName: 'inventory',
      description: 'Seeds the product catalog and stock (invoke by hand after deploy)',
      timeout: Duration.seconds(60),
      environment: { INVENTORY_TABLE: tables.inventory.tableName },
    });
    tables.inventory.grantReadWriteData(seedCatalog);

    const consumers = { sagaStarter, notifier, projector, emailSender, smsSender };
    new OperationsDashboard(this, 'OperationsDashboard', {
      stateMachine: this.saga.stateMachine,
      workQueues: Object.fromEntries(Object.entries(consumers).map(([name, c]) => [name, c.queue])),
      deadLetterQueues: {
        ...Object.fromEntries(Object.entries(consumers).map(([name, c]) => [name, c.deadLetterQueue])),
        outboxRelay: outboxRelay.deadLetterQueue,
        ...Object.fromEntries(
          Object.entries(routes.deadLetterQueues).map(([name, q]) => [`${name}Target`, q]),
        ),
        ...Object.fromEntries(
          Object.entries(fanout.deadLetterQueues).map(([name, q]) => [`${name}Subscription`, q]),
        ),
      },
      functions: {
        ordersApi,
        outboxRelay: outboxRelay.handler,
        ...sagaTasks,
        ...Object.fromEntries(Object.entries(consumers).map(([name, c]) => [name, c.handler])),
        seedCatalog,
      },
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'StateMachineArn', { value: this.saga.stateMachine.stateMachineArn });
    new CfnOutput(this, 'SeedCatalogFunctionName', { value: seedCatalog.functionName });
  }
}
