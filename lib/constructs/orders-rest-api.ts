import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Properties of an {@link OrdersRestApi}. */
export interface OrdersRestApiProps {
  /** The function behind every route (Lambda proxy integration). */
  readonly handler: lambda.IFunction;
  /**
   * The stage, the first path segment of the URL.
   *
   * @default 'v1'
   */
  readonly stageName?: string;
  /**
   * Steady-state requests per second for the stage.
   *
   * @default 50
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst of requests for the stage.
   *
   * @default 100
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Retention of the access log group.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: logs.RetentionDays;
  /**
   * What happens to the access log group when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The Order API (REST): `POST /orders`, `GET /orders/{orderId}`, `GET /products`, all proxied to one function.
 *
 * Every method uses AWS_IAM authorization (SigV4). The callers are backend services that already hold IAM
 * credentials, so IAM gives them least-privilege `execute-api:Invoke` grants per route, with no user pool or
 * token issuer to run. A browser front end would need a Cognito or JWT authorizer instead.
 *
 * The stage throttles, writes JSON access logs and traces with X-Ray. A request validator checks the declared
 * parameters; the body is validated by the handler's zod schema, so a 400 keeps the API's
 * `{ error: 'ValidationError', details }` shape.
 */
export class OrdersRestApi extends Construct {
  /** The REST API. */
  public readonly api: apigateway.RestApi;
  /** The stage's access log group. */
  public readonly accessLogGroup: logs.LogGroup;
  /** Validates required parameters (and the body of any method that declares a model). */
  public readonly requestValidator: apigateway.RequestValidator;

  constructor(scope: Construct, id: string, props: OrdersRestApiProps) {
    super(scope, id);
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.api = new apigateway.RestApi(this, 'Api', {
      description: 'orderflow Order API',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      cloudWatchRole: false,
      deployOptions: {
        stageName: props.stageName ?? 'v1',
        throttlingRateLimit: props.throttlingRateLimit ?? 50,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 100,
        tracingEnabled: true,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
    });

    this.requestValidator = this.api.addRequestValidator('RequestValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    const integration = new apigateway.LambdaIntegration(props.handler, { allowTestInvoke: false });
    const orders = this.api.root.addResource('orders');
    const methods = [
      orders.addMethod('POST', integration, {
        requestValidator: this.requestValidator,
        requestParameters: { 'method.request.header.Idempotency-Key': false },
      }),
      orders.addResource('{orderId}').addMethod('GET', integration, {
        requestValidator: this.requestValidator,
        requestParameters: { 'method.request.path.orderId': true },
      }),
      this.api.root.addResource('products').addMethod('GET', integration, {
        requestValidator: this.requestValidator,
      }),
    ];

    for (const method of methods) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'This method uses AWS_IAM (SigV4) authorization on purpose: the callers are backend services that already hold IAM credentials and get execute-api:Invoke per route, so no Cognito user pool is needed.',
      });
    }
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Regional, throttled API for backend services where every method requires SigV4 (AWS_IAM), so unsigned traffic never reaches the integration. Associate a WAF web ACL per deployment if the API is ever exposed to browsers or the internet at large.',
    });
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'Execution logging needs the account-wide API Gateway CloudWatch role, which this app deliberately does not manage (@aws-cdk/aws-apigateway:disableCloudWatchRole); JSON access logs (APIG1) and X-Ray traces record every request.',
    });
  }

  /** The URL of the stage, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/v1/`. */
  public get url(): string {
    return this.api.url;
  }
}
