/** Small fakes of the in-process APIs EventBridge delivers to, recording what they receive. */
import type {
  InvokeResult,
  LambdaApi,
  SnsApi,
  SqsApi,
  SqsMessageAttribute,
  StepFunctionsApi,
  TemplateResource,
} from '#lib/local/core/types';

export interface SentMessage {
  readonly queue: string;
  readonly body: string;
  readonly at: number;
  readonly messageAttributes?: Readonly<Record<string, SqsMessageAttribute>> | undefined;
  readonly messageGroupId?: string | undefined;
  readonly messageDeduplicationId?: string | undefined;
}

export class FakeSqs implements SqsApi {
  readonly sent: SentMessage[] = [];
  /** Every sendMessage call, failed or not. */
  readonly calls: SentMessage[] = [];
  /** Queues (ARN) whose sendMessage throws this error. */
  readonly failures = new Map<string, () => Error>();

  async sendMessage(
    queue: string,
    body: string,
    options: {
      readonly messageAttributes?: Readonly<Record<string, SqsMessageAttribute>>;
      readonly messageGroupId?: string;
      readonly messageDeduplicationId?: string;
    } = {},
  ): Promise<{ messageId: string }> {
    const message = { queue, body, at: Date.now(), ...options };
    this.calls.push(message);
    const failure = this.failures.get(queue);
    if (failure) throw failure();
    this.sent.push(message);
    return { messageId: `m-${this.sent.length}` };
  }

  to(queue: string): SentMessage[] {
    return this.sent.filter((message) => message.queue === queue);
  }

  receiveMessages(): never {
    throw new Error('not used by EventBridge');
  }
  deleteMessage(): never {
    throw new Error('not used by EventBridge');
  }
  changeMessageVisibility(): never {
    throw new Error('not used by EventBridge');
  }
  queueUrl(queue: string): string {
    return queue;
  }
  queueArn(queue: string): string {
    return queue;
  }
}

export class FakeLambda implements LambdaApi {
  readonly invocations: { name: string; payload: unknown; at: number }[] = [];
  /** Set to hold invocations until released. */
  gate: Promise<void> | undefined;

  async invoke(functionNameOrArn: string, payload: unknown): Promise<InvokeResult> {
    this.invocations.push({ name: functionNameOrArn, payload, at: Date.now() });
    if (this.gate) await this.gate;
    return { statusCode: 200, payload: null, durationMs: 1 };
  }

  functions(): readonly { name: string; arn: string }[] {
    return [];
  }
}

export class FakeSns implements SnsApi {
  readonly published: { topicArn: string; message: string }[] = [];
  async publish(topicArn: string, message: string): Promise<{ messageId: string }> {
    this.published.push({ topicArn, message });
    return { messageId: `sns-${this.published.length}` };
  }
}

export class FakeStepFunctions implements StepFunctionsApi {
  readonly started: { stateMachineArn: string; input: string }[] = [];
  async startExecution(
    stateMachineArn: string,
    input: string,
  ): Promise<{ executionArn: string; startDate: Date }> {
    this.started.push({ stateMachineArn, input });
    return { executionArn: `${stateMachineArn}:x`, startDate: new Date() };
  }
}

export const queueArn = (name: string): string => `arn:aws:sqs:us-east-1:000000000000:${name}`;

/** A template resource, as the provisioner hands it over (intrinsics resolved). */
export const resource = (
  type: string,
  logicalId: string,
  properties: Record<string, unknown>,
  stackName = 'OrderflowTest',
): TemplateResource => ({ stackName, logicalId, type, properties });
