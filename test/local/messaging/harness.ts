import { EdgeServer } from '#lib/local/core/edge-server';
import { timeScale } from '#lib/local/core/time';
import type { LocalServices, ProvisionedResource, ServiceHandler } from '#lib/local/core/types';
import { MessagingEngine } from '#lib/local/messaging/engine';
import { testContext } from '../support/context.ts';

/** The messaging engine alone, with an edge on a random port serving its handlers. */
export const startMessaging = async (options: { factor?: number; services?: LocalServices } = {}) => {
  let handlers: readonly ServiceHandler[] = [];
  const edge = new EdgeServer({ port: 0, handlers: () => handlers, health: () => ({ status: 'ready' }) });
  await edge.start();
  const ctx = testContext({
    edgeUrl: edge.url,
    time: timeScale(options.factor ?? 0.01),
    ...(options.services ? { services: options.services } : {}),
  });
  const engine = new MessagingEngine(ctx);
  await engine.start();
  handlers = engine.handlers;
  const provision = (
    type: string,
    logicalId: string,
    properties: Record<string, unknown>,
  ): Promise<ProvisionedResource> => {
    const provider = engine.providers.find((candidate) => candidate.types.includes(type));
    if (!provider) throw new Error(`no provider for ${type}`);
    return provider.provision({ stackName: 'Test', logicalId, type, properties });
  };
  const queue = async (logicalId: string, properties: Record<string, unknown> = {}) => {
    const { ref, attributes } = await provision('AWS::SQS::Queue', logicalId, properties);
    return { url: ref, arn: String(attributes.Arn), name: String(attributes.QueueName) };
  };
  const topic = async (logicalId: string, properties: Record<string, unknown> = {}) => {
    const { ref, attributes } = await provision('AWS::SNS::Topic', logicalId, properties);
    return { arn: ref, name: String(attributes.TopicName) };
  };
  const clientConfig = {
    endpoint: edge.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  return {
    edge,
    ctx,
    engine,
    provision,
    queue,
    topic,
    clientConfig,
    stop: async () => {
      await engine.stop();
      await edge.stop();
    },
  };
};

export type Messaging = Awaited<ReturnType<typeof startMessaging>>;

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export const eventually = async <T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 3000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
