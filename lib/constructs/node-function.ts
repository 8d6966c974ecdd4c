import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ESM_REQUIRE_BANNER, SEMVER_SHIM } from './bundling.ts';

/** The repository root: the esbuild project root and the base of relative `entry` paths. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Function timeout when none is given; consumers derive their queue visibility timeout from it. */
export const DEFAULT_FUNCTION_TIMEOUT = Duration.seconds(10);

/** Log levels understood by Powertools Logger. */
export type PowertoolsLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

/** Properties of a {@link NodeFunction}. */
export interface NodeFunctionProps {
  /**
   * The handler module, absolute or relative to the repository root. It must export `handler`.
   */
  readonly entry: string;

  /**
   * The Powertools service name (POWERTOOLS_SERVICE_NAME), e.g. `orders`, `saga`, `inventory`.
   */
  readonly serviceName: string;

  /**
   * A description of the function.
   *
   * @default - no description
   */
  readonly description?: string;

  /**
   * Environment variables besides the Powertools ones and NODE_OPTIONS, which this construct sets.
   *
   * @default - only the Powertools variables and NODE_OPTIONS
   */
  readonly environment?: Readonly<Record<string, string>>;

  /**
   * The function timeout.
   *
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;

  /**
   * Memory in MB. arm64 with 512 MB gives the SDK clients enough CPU for a quick cold start.
   *
   * @default 512
   */
  readonly memorySize?: number;

  /**
   * POWERTOOLS_LOG_LEVEL.
   *
   * @default 'INFO'
   */
  readonly logLevel?: PowertoolsLogLevel;

  /**
   * How long the function's log group keeps its events.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log group when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * Reserved concurrency for the function.
   *
   * @default - the function uses the unreserved account concurrency
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * Actions of the Errors alarm (Sum of Errors >= 1 over one minute), for example an SnsAction to ops-alerts.
   *
   * @default - the alarm is created but notifies no one
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];
}

/**
 * The one Lambda function construct of orderflow: every function goes through it.
 *
 * House defaults: Node.js 24 on arm64, an ESM bundle (minified, with source maps and `@aws-sdk/*` left to the
 * runtime), active X-Ray tracing, an explicit log group with retention, the Powertools environment, and an
 * Errors alarm. The log group is created next to the function (`<id>LogGroup`), because a subclass cannot
 * create children before calling `super`.
 */
export class NodeFunction extends nodejs.NodejsFunction {
  /** The explicit log group the function writes to. */
  public readonly functionLogGroup: logs.LogGroup;

  /** Errors >= 1 in one minute. */
  public readonly errorsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    if (props.serviceName.trim() === '') {
      throw new Error(`NodeFunction ${id}: serviceName must not be empty.`);
    }
    const timeout = props.timeout ?? DEFAULT_FUNCTION_TIMEOUT;
    if (!Token.isUnresolved(timeout.toSeconds()) && timeout.toSeconds() > 900) {
      throw new Error(`NodeFunction ${id}: timeout must be at most 900 seconds, got ${timeout.toSeconds()}.`);
    }
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    super(scope, id, {
      entry: isAbsolute(props.entry) ? props.entry : join(REPO_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout,
      memorySize: props.memorySize ?? 512,
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'orderflow',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The Node.js 24 runtime ships AWS SDK v3; bundling it would only grow the package.
        externalModules: ['@aws-sdk/*'],
        // The X-Ray SDK under Powertools Tracer needs semver only for SDK v2; see semver-gte.cjs (saves 28 KB).
        esbuildArgs: { '--alias:semver': SEMVER_SHIM },
      },
    });
    this.functionLogGroup = logGroup;

    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription: `Lambda ${this.node.path} reported errors.`,
      metric: this.metricErrors({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const action of props.alarmActions ?? []) this.errorsAlarm.addAlarmAction(action);

    if (this.role) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'AWSLambdaBasicExecutionRole allows only logs:CreateLogGroup, logs:CreateLogStream and logs:PutLogEvents: the AWS-maintained minimum for a function to write its logs.',
      });
      // Active tracing has just put the X-Ray statement into the role's default policy.
      const defaultPolicy = this.role.node.tryFindChild('DefaultPolicy') ?? this.role;
      Validations.of(defaultPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "Resource '*' here comes only from actions without resource-level permissions: xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) and, for a DynamoDB stream consumer, dynamodb:ListStreams. Every other statement is an L2 grant scoped to named resources.",
      });
    }
  }
}
