import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/**
 * Errors a saga task retries: the named transient errors the handlers throw, and Lambda's own transient
 * failures. Anything else is not retried and goes straight to the Catch.
 */
export const TRANSIENT_ERRORS: readonly string[] = [
  'TransientDependencyError',
  'PaymentGatewayTransientError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** Why an order was cancelled; CancelOrder reads it from `$.failure.reason`. */
export type CancellationReason =
  | 'OUT_OF_STOCK'
  | 'PAYMENT_DECLINED'
  | 'SHIPPING_UNAVAILABLE'
  | 'INTERNAL_ERROR';

/** The saga's task functions. Every one must be idempotent on orderId + step. */
export interface OrderSagaTasks {
  /** Returns `{ status: 'RESERVED' } | { status: 'OUT_OF_STOCK', unavailableSkus }` into `$.reservation`. */
  readonly reserveInventory: lambda.IFunction;
  /** Returns `{ status: 'AUTHORIZED', authorizationId } | { status: 'DECLINED' }` into `$.payment`. */
  readonly authorizePayment: lambda.IFunction;
  /** Returns `{ status: 'CREATED', shipmentId } | { status: 'UNAVAILABLE' }` into `$.shipment`. */
  readonly createShipment: lambda.IFunction;
  /** Returns `{ status: 'CONFIRMED' }` into `$.confirmation`. */
  readonly confirmOrder: lambda.IFunction;
  /** Compensation of createShipment, into `$.compensation.cancelShipment`. */
  readonly cancelShipment: lambda.IFunction;
  /** Compensation of authorizePayment, into `$.compensation.refundPayment`. */
  readonly refundPayment: lambda.IFunction;
  /** Compensation of reserveInventory, into `$.compensation.releaseInventory`. */
  readonly releaseInventory: lambda.IFunction;
  /** The last compensation: cancels the order with `$.failure.reason`, into `$.compensation.cancelOrder`. */
  readonly cancelOrder: lambda.IFunction;
}

/** A retry policy for the saga's tasks; every retry uses exponential backoff with full jitter. */
export interface SagaRetryPolicy {
  /** Retries after the first attempt. */
  readonly maxAttempts: number;
  /** Delay before the first retry. */
  readonly interval: Duration;
  /** Upper bound of any one delay. */
  readonly maxDelay: Duration;
  /** Multiplier of the delay per attempt. */
  readonly backoffRate: number;
}

/** Properties of an {@link OrderSaga}. */
export interface OrderSagaProps {
  /** The task functions. */
  readonly tasks: OrderSagaTasks;
  /**
   * STANDARD (exactly-once steps, execution name = orderId deduplicates starts) or EXPRESS (cheaper, at-least-once).
   *
   * @default sfn.StateMachineType.STANDARD
   */
  readonly stateMachineType?: sfn.StateMachineType;
  /**
   * Execution timeout; a timed-out execution raises the ExecutionsTimedOut alarm.
   *
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /**
   * Retries of the forward steps on transient errors.
   *
   * @default - 3 retries, 1 s interval, backoff 2, max delay 8 s
   */
  readonly forwardRetry?: SagaRetryPolicy;
  /**
   * Retries of the compensations on transient errors. Compensations must finish, so they retry more; any
   * other error is retried twice more, which is safe because compensations are idempotent.
   *
   * @default - 8 retries, 1 s interval, backoff 2, max delay 30 s
   */
  readonly compensationRetry?: SagaRetryPolicy;
  /**
   * Retention of the execution log group (level ALL, with execution data).
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the execution log group when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Actions of the ExecutionsFailed and ExecutionsTimedOut alarms.
   *
   * @default - the alarms are created but notify no one
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];
}

const DEFAULT_FORWARD_RETRY: SagaRetryPolicy = {
  maxAttempts: 3,
  interval: Duration.seconds(1),
  maxDelay: Duration.seconds(8),
  backoffRate: 2,
};

const DEFAULT_COMPENSATION_RETRY: SagaRetryPolicy = {
  maxAttempts: 8,
  interval: Duration.seconds(1),
  maxDelay: Duration.seconds(30),
  backoffRate: 2,
};

/**
 * The order saga, orchestrated by Step Functions (JSONPath, no JSONata, no Assign, no task tokens, so the
 * local Step Functions engine runs the same definition):
 *
 * ReserveInventory -> AuthorizePayment -> CreateShipment -> ConfirmOrder -> OrderConfirmed (Succeed).
 *
 * A business outcome (OUT_OF_STOCK, DECLINED, UNAVAILABLE) is a return value checked by a Choice state; an
 * error that survives the retries is caught (ResultPath `$.error`). Either way a Pass state sets
 * `$.failure.reason` and the compensations run in reverse, from the failed step's own compensation:
 * CancelShipment -> RefundPayment -> ReleaseInventory -> CancelOrder -> OrderCancelled (Succeed, a business
 * outcome). When ConfirmOrder itself fails, its compensation (cancelling the order) runs first, and only if the
 * order was not confirmed after all do the others follow. A compensation that still fails after its retries
 * ends in CompensationFailed (Fail, alarmed).
 */
export class OrderSaga extends Construct {
  /** The state machine. */
  public readonly stateMachine: sfn.StateMachine;
  /** The execution log group. */
  public readonly logGroup: logs.LogGroup;
  /** ExecutionsFailed >= 1: a compensation failed, so an order may be half-undone. */
  public readonly executionsFailedAlarm: cloudwatch.Alarm;
  /** ExecutionsTimedOut >= 1. */
  public readonly executionsTimedOutAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: OrderSagaProps) {
    super(scope, id);
    const forwardRetry = validRetry(id, 'forwardRetry', props.forwardRetry ?? DEFAULT_FORWARD_RETRY);
    const compensationRetry = validRetry(
      id,
      'compensationRetry',
      props.compensationRetry ?? DEFAULT_COMPENSATION_RETRY,
    );
    const t = props.tasks;

    const step = (stateId: string, fn: lambda.IFunction, resultPath: string, retry: SagaRetryPolicy) => {
      const task = new tasks.LambdaInvoke(this, stateId, {
        lambdaFunction: fn,
        payloadResponseOnly: true,
        resultPath,
        // Lambda's transient errors are in TRANSIENT_ERRORS, retried with jitter below.
        retryOnServiceExceptions: false,
      });
      task.addRetry({
        errors: [...TRANSIENT_ERRORS],
        maxAttempts: retry.maxAttempts,
        interval: retry.interval,
        maxDelay: retry.maxDelay,
        backoffRate: retry.backoffRate,
        jitterStrategy: sfn.JitterType.FULL,
      });
      return task;
    };
    const failure = (stateId: string, reason: CancellationReason) =>
      new sfn.Pass(this, stateId, { result: sfn.Result.fromObject({ reason }), resultPath: '$.failure' });
    const caught = { errors: [sfn.Errors.ALL], resultPath: '$.error' };

    // Compensations, in reverse order of the forward steps.
    const compensationFailed = new sfn.Fail(this, 'CompensationFailed', {
      error: 'CompensationFailed',
      cause: 'A compensation failed after its retries; the order needs manual repair.',
    });
    const compensation = (stateId: string, fn: lambda.IFunction, name: string) => {
      const task = step(stateId, fn, `$.compensation.${name}`, compensationRetry);
      // Compensations are idempotent, so a last couple of retries on any error is safe.
      task.addRetry({
        errors: [sfn.Errors.ALL],
        maxAttempts: 2,
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxDelay: compensationRetry.maxDelay,
        jitterStrategy: sfn.JitterType.FULL,
      });
      task.addCatch(compensationFailed, caught);
      return task;
    };
    const cancelShipment = compensation('CancelShipment', t.cancelShipment, 'cancelShipment');
    const refundPayment = compensation('RefundPayment', t.refundPayment, 'refundPayment');
    const releaseInventory = compensation('ReleaseInventory', t.releaseInventory, 'releaseInventory');
    const cancelOrder = compensation('CancelOrder', t.cancelOrder, 'cancelOrder');
    cancelShipment.next(refundPayment);
    refundPayment.next(releaseInventory);
    releaseInventory.next(cancelOrder);
    cancelOrder.next(
      new sfn.Succeed(this, 'OrderCancelled', { comment: 'The order was cancelled (business outcome).' }),
    );

    // Entry points into the compensations, one per forward step.
    const inventoryNotReserved = failure('InventoryNotReserved', 'OUT_OF_STOCK').next(releaseInventory);
    const paymentNotAuthorized = failure('PaymentNotAuthorized', 'PAYMENT_DECLINED').next(refundPayment);
    const shipmentNotCreated = failure('ShipmentNotCreated', 'SHIPPING_UNAVAILABLE').next(cancelShipment);
    // ConfirmOrder's own compensation is cancelling the order, so it comes first. If the confirmation was
    // committed before the error (say the function timed out after its write), the order is CONFIRMED and
    // CancelOrder leaves it so: undoing the shipment, payment and stock of a confirmed order would be wrong.
    const orderConfirmed = new sfn.Succeed(this, 'OrderConfirmed', { comment: 'The order was confirmed.' });
    const cancelUnconfirmedOrder = compensation('CancelUnconfirmedOrder', t.cancelOrder, 'cancelOrder');
    const confirmationFailed = failure('ConfirmationFailed', 'INTERNAL_ERROR').next(
      cancelUnconfirmedOrder.next(
        new sfn.Choice(this, 'WasOrderCancelled')
          .when(sfn.Condition.stringEquals('$.compensation.cancelOrder.status', 'CANCELLED'), cancelShipment)
          .otherwise(orderConfirmed),
      ),
    );

    // Forward steps.
    const reserveInventory = step('ReserveInventory', t.reserveInventory, '$.reservation', forwardRetry);
    const authorizePayment = step('AuthorizePayment', t.authorizePayment, '$.payment', forwardRetry);
    const createShipment = step('CreateShipment', t.createShipment, '$.shipment', forwardRetry);
    const confirmOrder = step('ConfirmOrder', t.confirmOrder, '$.confirmation', forwardRetry);
    reserveInventory.addCatch(inventoryNotReserved, caught);
    authorizePayment.addCatch(paymentNotAuthorized, caught);
    createShipment.addCatch(shipmentNotCreated, caught);
    confirmOrder.addCatch(confirmationFailed, caught);

    const definition = reserveInventory.next(
      new sfn.Choice(this, 'IsInventoryReserved')
        .when(
          sfn.Condition.stringEquals('$.reservation.status', 'RESERVED'),
          authorizePayment.next(
            new sfn.Choice(this, 'IsPaymentAuthorized')
              .when(
                sfn.Condition.stringEquals('$.payment.status', 'AUTHORIZED'),
                createShipment.next(
                  new sfn.Choice(this, 'IsShipmentCreated')
                    .when(
                      sfn.Condition.stringEquals('$.shipment.status', 'CREATED'),
                      confirmOrder.next(orderConfirmed),
                    )
                    .otherwise(shipmentNotCreated),
                ),
              )
              .otherwise(paymentNotAuthorized),
          ),
        )
        .otherwise(inventoryNotReserved),
    );

    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'orderflow order saga: reserve, authorize, ship, confirm; compensate in reverse on failure.',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      stateMachineType: props.stateMachineType ?? sfn.StateMachineType.STANDARD,
      timeout: props.timeout ?? Duration.minutes(5),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });

    this.acknowledgeRolePolicy(Object.values(t));

    this.executionsFailedAlarm = this.countAlarm(
      'ExecutionsFailedAlarm',
      this.stateMachine.metricFailed({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
      'Order saga executions failed: a compensation did not complete, so an order may be half-undone.',
      props.alarmActions,
    );
    this.executionsTimedOutAlarm = this.countAlarm(
      'ExecutionsTimedOutAlarm',
      this.stateMachine.metricTimedOut({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
      'Order saga executions timed out: orders are stuck in PENDING.',
      props.alarmActions,
    );
  }

  /** Lets the grantee start executions (states:StartExecution). */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  private acknowledgeRolePolicy(functions: lambda.IFunction[]): void {
    const policy = this.stateMachine.role.node.tryFindChild('DefaultPolicy');
    if (!policy) return;
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions logging and tracing need logs:*LogDelivery, logs:PutResourcePolicy, logs:Describe* and xray:Put*/GetSampling*, none of which support resource-level permissions (Resource must be *).',
    });
    for (const fn of functions) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, fn.functionArn)}:*]`,
        reason:
          'LambdaInvoke grants lambda:InvokeFunction on the function and its versions and aliases (<arn>:*) of this one saga task function; no other function matches.',
      });
    }
  }

  private countAlarm(
    id: string,
    metric: cloudwatch.IMetric,
    description: string,
    actions: cloudwatch.IAlarmAction[] | undefined,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const action of actions ?? []) alarm.addAlarmAction(action);
    return alarm;
  }
}

function validRetry(id: string, name: string, retry: SagaRetryPolicy): SagaRetryPolicy {
  if (!Number.isInteger(retry.maxAttempts) || retry.maxAttempts < 1 || retry.maxAttempts > 99_999_999) {
    throw new Error(
      `OrderSaga ${id}: ${name}.maxAttempts must be a positive integer, got ${retry.maxAttempts}.`,
    );
  }
  if (retry.backoffRate < 1) {
    throw new Error(`OrderSaga ${id}: ${name}.backoffRate must be at least 1, got ${retry.backoffRate}.`);
  }
  if (retry.maxDelay.toSeconds() < retry.interval.toSeconds()) {
    throw new Error(
      `OrderSaga ${id}: ${name}.maxDelay (${retry.maxDelay.toSeconds()}s) must not be below interval (${retry.interval.toSeconds()}s).`,
    );
  }
  return retry;
}

/** How cdk-nag writes a resource in a finding ID: `<LogicalId.Attr>` for a GetAtt, the string itself otherwise. */
function nagResourceName(scope: Construct, value: string): string {
  const resolved: unknown = Stack.of(scope).resolve(value);
  if (typeof resolved === 'string') return resolved;
  const getAtt = (resolved as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (getAtt) return `<${getAtt[0]}.${getAtt[1]}>`;
  throw new Error(`OrderSaga: cannot name the function ${JSON.stringify(resolved)} for cdk-nag.`);
}
