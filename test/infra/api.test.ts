import { describe, expect, it } from 'vitest';
import {
  type CfnResourceJson,
  logicalIdOf,
  prop,
  referencedLogicalId,
  referencedLogicalIds,
  resourcesOf,
  synthesizeOrderflow,
} from './support/orderflow-app';

// Prepare (once for the file).
const orderflow = synthesizeOrderflow();
const processing = orderflow.processingTemplate;
const methods = resourcesOf(processing, 'AWS::ApiGateway::Method');
const resources = new Map(resourcesOf(processing, 'AWS::ApiGateway::Resource'));

function routeOf(method: CfnResourceJson): string {
  const segments: string[] = [];
  let id = referencedLogicalId(prop(method, 'ResourceId'));
  while (id && resources.has(id)) {
    const resource = resources.get(id) as CfnResourceJson;
    segments.unshift(prop<string>(resource, 'PathPart'));
    id = referencedLogicalId(prop(resource, 'ParentId'));
  }
  return `${prop<string>(method, 'HttpMethod')} /${segments.join('/')}`;
}

describe('Order API', () => {
  it('serves exactly the routes of the public contract, all through the OrdersApi function', () => {
    const ordersApiId = logicalIdOf(orderflow.processing.node.findChild('OrdersApi'));
    expect(methods.map(([, m]) => routeOf(m)).sort()).toEqual([
      'GET /orders/{orderId}',
      'GET /products',
      'POST /orders',
    ]);
    for (const [id, method] of methods) {
      const integration = prop<{ Type: string; Uri: unknown }>(method, 'Integration');
      expect(integration.Type, id).toBe('AWS_PROXY');
      expect(JSON.stringify(integration.Uri)).toContain(ordersApiId);
    }
  });

  it('requires AWS_IAM authorization on every method', () => {
    for (const [id, method] of methods) expect(prop(method, 'AuthorizationType'), id).toBe('AWS_IAM');
  });

  it('validates requests on every method', () => {
    const validators = new Map(resourcesOf(processing, 'AWS::ApiGateway::RequestValidator'));
    for (const [id, method] of methods) {
      const validator = validators.get(referencedLogicalId(prop(method, 'RequestValidatorId')) ?? '');
      expect(validator?.Properties, id).toMatchObject({
        ValidateRequestParameters: true,
        ValidateRequestBody: true,
      });
    }
  });

  it('throttles, traces and access-logs the stage', () => {
    const stages = resourcesOf(processing, 'AWS::ApiGateway::Stage');
    expect(stages.length).toBe(1);
    const [, stage] = stages[0] as [string, CfnResourceJson];
    const logGroups = new Map(resourcesOf(processing, 'AWS::Logs::LogGroup'));
    const accessLog = prop<{ DestinationArn: unknown; Format: string }>(stage, 'AccessLogSetting');

    expect(prop(stage, 'TracingEnabled')).toBe(true);
    expect(prop(stage, 'MethodSettings')).toContainEqual(
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: expect.any(Number),
        ThrottlingBurstLimit: expect.any(Number),
      }),
    );
    const [logGroupId] = referencedLogicalIds(accessLog.DestinationArn).filter((id) => logGroups.has(id));
    expect(logGroups.get(logGroupId ?? '')?.Properties?.RetentionInDays).toBe(30);
    expect(JSON.parse(accessLog.Format)).toHaveProperty('requestId');
  });
});

describe('stack outputs', () => {
  it('exposes the outputs the local cloud and the e2e tests read, each in the stack that owns the resource', () => {
    const outputs = (template: typeof processing) => Object.keys(template.toJSON().Outputs ?? {});
    expect(outputs(processing)).toEqual(
      expect.arrayContaining(['ApiUrl', 'StateMachineArn', 'SeedCatalogFunctionName']),
    );
    expect(outputs(orderflow.statefulTemplate)).toEqual(
      expect.arrayContaining([
        'EventBusName',
        'OrdersTableName',
        'InventoryTableName',
        'ReadModelTableName',
        'CustomerNotificationsTopicArn',
        'OpsAlertsTopicArn',
      ]),
    );
  });
});
