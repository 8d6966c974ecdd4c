/**
 * The EventBridge API on the edge endpoint: awsJson 1.1, `X-Amz-Target: AWSEvents.<Operation>`, as the SDK
 * (`@aws-sdk/client-eventbridge`) and `aws events ...` send it.
 */
import { AwsApiError, jsonOperation, parseJsonBody, serveJson } from '#lib/local/core/aws-protocol';
import type { EdgeRequest, EdgeResponse, PutEventsEntry, ServiceHandler } from '#lib/local/core/types';
import type { EventBridgeEngine } from './engine.ts';

const TARGET_PREFIX = 'AWSEvents.';

export class EventsHandler implements ServiceHandler {
  readonly name = 'events';
  private readonly engine: EventBridgeEngine;

  constructor(engine: EventBridgeEngine) {
    this.engine = engine;
  }

  claims(request: EdgeRequest): boolean {
    return request.target?.startsWith(TARGET_PREFIX) ?? false;
  }

  handle(request: EdgeRequest): Promise<EdgeResponse> {
    return serveJson('1.1', async () => this.dispatch(jsonOperation(request), parseJsonBody(request)));
  }

  private async dispatch(operation: string, input: Record<string, unknown>): Promise<unknown> {
    const engine = this.engine;
    switch (operation) {
      case 'PutEvents': {
        const entries = input.Entries;
        if (!Array.isArray(entries)) {
          throw new AwsApiError(
            'ValidationException',
            "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
          );
        }
        const result = await engine.putEvents(entries as PutEventsEntry[]);
        return { FailedEntryCount: result.failedEntryCount, Entries: result.entries };
      }
      case 'TestEventPattern':
        return engine.testEventPattern(input);
      case 'PutRule':
        return engine.putRule(input);
      case 'DescribeRule':
        return engine.describeRule(input);
      case 'ListRules':
        return engine.listRules(input);
      case 'DeleteRule':
        return engine.deleteRule(input);
      case 'EnableRule':
        return engine.setRuleState(input, 'ENABLED');
      case 'DisableRule':
        return engine.setRuleState(input, 'DISABLED');
      case 'PutTargets':
        return engine.putTargets(input);
      case 'RemoveTargets':
        return engine.removeTargets(input);
      case 'ListTargetsByRule':
        return engine.listTargetsByRule(input);
      case 'CreateEventBus':
        return engine.createEventBus(input);
      case 'DeleteEventBus':
        return engine.deleteEventBus(input);
      case 'DescribeEventBus':
        return engine.describeEventBus(input);
      case 'ListEventBuses':
        return engine.listEventBuses(input);
      case 'CreateArchive':
        return engine.createArchive(input);
      case 'DescribeArchive':
        return engine.describeArchive(input);
      case 'ListArchives':
        return engine.listArchives(input);
      default:
        throw new AwsApiError(
          'UnknownOperationException',
          `the local EventBridge does not implement ${operation}`,
        );
    }
  }
}
