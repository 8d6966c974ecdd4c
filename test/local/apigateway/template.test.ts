/**
 * The engine provisioned from the API Gateway resources of the real synthesized OrderflowProcessing template,
 * with the few intrinsics they use (Ref, Fn::GetAtt, Fn::Join, pseudo parameters) resolved here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiGatewayEngine } from '#lib/local/apigateway/engine';
import type { ProvisionedResource } from '#lib/local/core/types';
import {
  type CfnResourceJson,
  referencedLogicalIds,
  synthesizeOrderflow,
} from '../../infra/support/orderflow-app.ts';
import { testContext } from '../support/context.ts';
import { FakeLambda, send } from './support.ts';

const STACK = 'OrderflowProcessing';
const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '000000000000',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** API Gateway resources in dependency order (Ref, GetAtt and DependsOn among them). */
const inDependencyOrder = (resources: [string, CfnResourceJson & { DependsOn?: string[] }][]) => {
  const ids = new Set(resources.map(([id]) => id));
  const byId = new Map(resources);
  const ordered: string[] = [];
  const visit = (id: string, path: Set<string>) => {
    if (ordered.includes(id) || path.has(id)) return;
    path.add(id);
    const resource = byId.get(id);
    const deps = [...referencedLogicalIds(resource?.Properties ?? {}), ...(resource?.DependsOn ?? [])];
    for (const dep of deps) if (ids.has(dep)) visit(dep, path);
    ordered.push(id);
  };
  for (const id of ids) visit(id, new Set());
  return ordered.map((id) => [id, byId.get(id)] as [string, CfnResourceJson]);
};

describe('the API Gateway engine on the synthesized template', () => {
  const lambda = new FakeLambda();
  const ctx = testContext({ services: { lambda } });
  const engine = new ApiGatewayEngine(ctx, { port: 0 });
  const provisioned = new Map<string, ProvisionedResource>();

  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (typeof value !== 'object' || value === null) return value;
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string')
      return PSEUDO[v.Ref] ?? provisioned.get(v.Ref)?.ref ?? `unresolved-${v.Ref}`;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt)) {
      const [id, attribute] = getAtt as [string, string];
      const local = provisioned.get(id)?.attributes[attribute];
      if (local !== undefined) return local;
      // Not an API resource: the function behind the integration.
      return attribute === 'Arn'
        ? `arn:aws:lambda:us-east-1:000000000000:function:${STACK}-${id}`
        : `${id}.${attribute}`;
    }
    const join = v['Fn::Join'];
    if (Array.isArray(join)) {
      const [separator, parts] = join as [string, unknown[]];
      return parts.map(resolve).join(separator);
    }
    return Object.fromEntries(Object.entries(v).map(([key, entry]) => [key, resolve(entry)]));
  };

  beforeAll(async () => {
    const template = synthesizeOrderflow().processingTemplate.toJSON() as {
      Resources: Record<string, CfnResourceJson & { DependsOn?: string[] }>;
    };
    const apiResources = Object.entries(template.Resources).filter(([, resource]) =>
      resource.Type.startsWith('AWS::ApiGateway::'),
    );
    await engine.start();
    for (const [logicalId, resource] of inDependencyOrder(apiResources)) {
      const provider = engine.providers.find((candidate) => candidate.types.includes(resource.Type));
      if (!provider) throw new Error(`no provider for ${resource.Type}`);
      const properties = resolve(resource.Properties ?? {}) as Record<string, unknown>;
      provisioned.set(
        logicalId,
        await provider.provision({ stackName: STACK, logicalId, type: resource.Type, properties }),
      );
    }
  });

  afterAll(() => engine.stop());

  it('builds the routes DESIGN.md names', () => {
    expect(
      engine
        .routes()
        .map(({ method, path, stages }) => `${method} ${path} [${stages.join(',')}]`)
        .sort(),
    ).toEqual(['GET /orders/{orderId} [v1]', 'GET /products [v1]', 'POST /orders [v1]']);
  });

  it('invokes the Orders API function with the proxy event, at /orders and at /v1/orders', async () => {
    lambda.respond = () => ({
      result: {
        statusCode: 202,
        headers: { 'content-type': 'application/json' },
        body: '{"orderId":"o-1","status":"PENDING"}',
      },
    });
    const plain = await send(engine.url, 'POST', '/orders', {
      body: '{}',
      headers: { 'Idempotency-Key': 'k' },
    });
    const staged = await send(engine.url, 'POST', '/v1/orders', { body: '{}' });
    expect([plain.status, staged.status]).toEqual([202, 202]);
    expect(plain.json()).toEqual({ orderId: 'o-1', status: 'PENDING' });
    expect(plain.headers['x-amzn-trace-id']).toMatch(/^Root=1-/);
    const [first] = lambda.calls;
    expect(first?.functionName).toMatch(
      /^arn:aws:lambda:us-east-1:000000000000:function:OrderflowProcessing-OrdersApi/,
    );
    expect(first?.event.requestContext).toMatchObject({
      stage: 'v1',
      identity: { userArn: 'arn:aws:iam::000000000000:user/orderflow-local' },
    });
  });

  it("throttles at the stage's burst of 100", async () => {
    lambda.respond = () => ({ result: { statusCode: 200, body: '[]' } });
    const started = Date.now();
    let ok = 0;
    let throttled = 0;
    for (let i = 0; i < 130; i++) {
      const { status } = await send(engine.url, 'GET', '/products');
      if (status === 200) ok++;
      if (status === 429) throttled++;
    }
    const refilled = Math.ceil(((Date.now() - started) / 1000) * 50);
    expect(throttled).toBeGreaterThan(0);
    expect(ok).toBeGreaterThanOrEqual(100);
    expect(ok).toBeLessThanOrEqual(100 + refilled);
  });
});
