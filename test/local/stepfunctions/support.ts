/** Fakes of the services the Step Functions engine calls, and helpers to provision a state machine. */
import type {
  EventsApi,
  InvokeResult,
  LambdaApi,
  PutEventsEntry,
  SnsApi,
  SqsApi,
  TemplateResource,
} from '#lib/local/core/types';

export const LOCAL_LAMBDA_ARN = (name: string): string =>
  `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

/** An error a fake function throws, with the name the Lambda runtime would report as errorType. */
export const functionError = (name: string, message = `${name} happened`): Error =>
  Object.assign(new Error(message), { name });

export type FunctionBehaviour = (event: unknown, call: number) => unknown;

/** A LambdaApi whose functions are plain functions; a throw is a function error, as the Lambda runtime reports it. */
export class FakeLambda implements LambdaApi {
  readonly calls: { name: string; event: unknown; at: number }[] = [];

  constructor(readonly behaviours: Record<string, FunctionBehaviour> = {}) {}

  callsTo(name: string): { name: string; event: unknown; at: number }[] {
    return this.calls.filter((call) => call.name === name);
  }

  names(): string[] {
    return this.calls.map((call) => call.name);
  }

  async invoke(functionNameOrArn: string, payload: unknown): Promise<InvokeResult> {
    const name = functionNameOrArn.startsWith('arn:')
      ? (functionNameOrArn.split(':')[6] ?? '')
      : functionNameOrArn;
    const behaviour = this.behaviours[name];
    if (!behaviour) {
      throw Object.assign(new Error(`Function not found: ${functionNameOrArn}`), {
        name: 'ResourceNotFoundException',
      });
    }
    this.calls.push({ name, event: payload, at: Date.now() });
    const call = this.callsTo(name).length;
    try {
      return { statusCode: 200, payload: (await behaviour(payload, call)) ?? null, durationMs: 1 };
    } catch (error) {
      const err = error as Error;
      return {
        statusCode: 200,
        functionError: 'Unhandled',
        payload: { errorType: err.name, errorMessage: err.message, trace: [`${err.name}: ${err.message}`] },
        durationMs: 1,
      };
    }
  }

  functions(): readonly { name: string; arn: string }[] {
    return Object.keys(this.behaviours).map((name) => ({ name, arn: LOCAL_LAMBDA_ARN(name) }));
  }
}

export class FakeEvents implements EventsApi {
  readonly entries: PutEventsEntry[] = [];
  failing = false;

  async putEvents(entries: readonly PutEventsEntry[]) {
    this.entries.push(...entries);
    return this.failing
      ? {
          failedEntryCount: entries.length,
          entries: entries.map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'bus unavailable' })),
        }
      : {
          failedEntryCount: 0,
          entries: entries.map((_, i) => ({ EventId: `event-${this.entries.length + i}` })),
        };
  }
}

export class FakeSqs implements Pick<SqsApi, 'sendMessage'> {
  readonly sent: { queue: string; body: string; options: unknown }[] = [];
  async sendMessage(queue: string, body: string, options?: unknown) {
    this.sent.push({ queue, body, options });
    return { messageId: `message-${this.sent.length}` };
  }
}

export class FakeSns implements SnsApi {
  readonly published: { topicArn: string; message: string; options: unknown }[] = [];
  async publish(topicArn: string, message: string, options?: unknown) {
    this.published.push({ topicArn, message, options });
    return { messageId: `sns-${this.published.length}` };
  }
}

/** A promise a test resolves when it wants a fake function to finish. */
export const gate = (): { promise: Promise<void>; open: () => void } => {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
};

/** A state machine resource as the provisioner hands it over: every intrinsic resolved. */
export const machineResource = (
  logicalId: string,
  definition: unknown,
  properties: Record<string, unknown> = {},
): TemplateResource => ({
  stackName: 'Test',
  logicalId,
  type: 'AWS::StepFunctions::StateMachine',
  properties: {
    StateMachineName: logicalId,
    DefinitionString: JSON.stringify(definition),
    RoleArn: 'arn:aws:iam::000000000000:role/test',
    ...properties,
  },
});
