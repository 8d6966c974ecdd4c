import { CloudWatchEngine } from '#lib/local/cloudwatch/engine';
import { EdgeServer } from '#lib/local/core/edge-server';
import type { SnsApi } from '#lib/local/core/types';
import { testContext } from '../support/context.ts';

/** An SnsApi that records what it is asked to publish. */
export class RecordingSns implements SnsApi {
  readonly published: { topicArn: string; message: string; subject?: string | undefined }[] = [];
  async publish(topicArn: string, message: string, options?: { readonly subject?: string }) {
    this.published.push({ topicArn, message, subject: options?.subject });
    return { messageId: `m-${this.published.length}` };
  }
}

export const OPS_ALERTS = 'arn:aws:sns:us-east-1:000000000000:OrderflowStateful-OpsAlerts';

/** A CloudWatch engine on its own, with a recording SNS, not started (no timers) unless asked. */
export const cloudWatch = () => {
  const sns = new RecordingSns();
  const ctx = testContext({ services: { sns } });
  const engine = new CloudWatchEngine(ctx);
  return { ctx, sns, engine };
};

/** The engine behind an edge server on a free port. */
export const cloudWatchOnEdge = async () => {
  const parts = cloudWatch();
  const edge = new EdgeServer({
    port: 0,
    handlers: () => parts.engine.handlers,
    health: () => ({ status: 'ready' }),
  });
  await edge.start();
  return { ...parts, edge };
};

export const clientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});
