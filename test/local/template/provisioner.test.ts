import { describe, expect, it } from 'vitest';
import type { ProvisionedResource, ResourceProvider, TemplateResource } from '#lib/local/core/types';
import { loadAssembly } from '#lib/local/template/assembly';
import { creationLevels, Provisioner } from '#lib/local/template/provisioner';
import { createOrderflow } from '#lib/orderflow';
import { newApp } from '../../infra/support/orderflow-app.ts';

/** A provider for the given types that records what it was asked to create and names things predictably. */
const recordingProvider = (types: string[]) => {
  const created: TemplateResource[] = [];
  const provider: ResourceProvider = {
    types,
    async provision(resource): Promise<ProvisionedResource> {
      created.push(resource);
      const name = `${resource.stackName}-${resource.logicalId}`;
      // Refs as CloudFormation gives them: a queue's URL, a topic's or state machine's ARN, otherwise the name.
      const refs: Record<string, string> = {
        'AWS::SQS::Queue': `http://127.0.0.1:4566/000000000000/${name}`,
        'AWS::SNS::Topic': `arn:aws:sns:us-east-1:000000000000:${name}`,
        'AWS::StepFunctions::StateMachine': `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`,
      };
      return {
        ref: refs[resource.type] ?? name,
        attributes: {
          Arn: `arn:aws:test:us-east-1:000000000000:${name}`,
          StreamArn: `arn:aws:dynamodb:us-east-1:000000000000:table/${name}/stream/1`,
          QueueName: name,
          QueueUrl: `http://127.0.0.1:4566/000000000000/${name}`,
          TopicArn: `arn:aws:sns:us-east-1:000000000000:${name}`,
          RootResourceId: 'root',
          Name: name,
        },
      };
    },
  };
  return { provider, created };
};

// Prepare (once): the real app, synthesized without bundling.
const app = newApp();
createOrderflow(app);
const assembly = loadAssembly(app.synth().directory);

describe('provisioning the synthesized orderflow assembly', () => {
  it('reads both stacks in deployment order, the stateful one first', () => {
    expect(assembly.stacks.map((stack) => stack.stackName)).toEqual([
      'OrderflowStateful',
      'OrderflowProcessing',
    ]);
  });

  it('resolves every intrinsic of both templates, following cross-stack references to the stateful stack', async () => {
    // Prepare
    const { provider, created } = recordingProvider([
      'AWS::DynamoDB::Table',
      'AWS::SQS::Queue',
      'AWS::SNS::Topic',
      'AWS::Events::EventBus',
      'AWS::Lambda::Function',
      'AWS::StepFunctions::StateMachine',
    ]);
    const provisioner = new Provisioner({
      region: 'us-east-1',
      accountId: '000000000000',
      providers: [provider],
    });

    // Act
    const report = await provisioner.provision(assembly);

    // Assess: the notifier's topic ARN comes from the stateful stack's output, through Fn::GetStackOutput.
    const notifier = created.find(
      (resource) =>
        resource.type === 'AWS::Lambda::Function' && String(resource.constructPath).includes('/Notifier/'),
    );
    const environment = notifier?.properties.Environment as
      | { Variables?: Record<string, string> }
      | undefined;
    expect(environment?.Variables?.CUSTOMER_NOTIFICATIONS_TOPIC_ARN).toMatch(
      /^arn:aws:sns:us-east-1:000000000000:OrderflowStateful-/,
    );
    expect(report.outputs.OrderflowProcessing?.SeedCatalogFunctionName).toMatch(
      /^OrderflowProcessing-SeedCatalog/,
    );
    expect(JSON.stringify(created.map((resource) => resource.properties))).not.toMatch(
      /"(Ref|Fn::[A-Za-z]+)"/,
    );
  });

  it('creates a resource only after the resources it references', async () => {
    const order: string[] = [];
    const { provider } = recordingProvider([
      'AWS::SQS::Queue',
      'AWS::Lambda::Function',
      'AWS::Lambda::EventSourceMapping',
    ]);
    const tracking: ResourceProvider = {
      types: provider.types,
      provision: async (resource) => {
        order.push(resource.logicalId);
        return provider.provision(resource);
      },
    };

    await new Provisioner({
      region: 'us-east-1',
      accountId: '000000000000',
      providers: [tracking],
    }).provision(assembly);

    const processing = assembly.stacks[1]?.template.Resources ?? {};
    for (const [logicalId, resource] of Object.entries(processing)) {
      if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
      const functionId = (resource.Properties?.FunctionName as { Ref?: string } | undefined)?.Ref ?? '';
      expect(order.indexOf(functionId), logicalId).toBeLessThan(order.indexOf(logicalId));
    }
  });

  it('reports every type no engine emulates, with a reason, instead of ignoring it', async () => {
    const { provider } = recordingProvider(['AWS::SQS::Queue']);

    const report = await new Provisioner({
      region: 'us-east-1',
      accountId: '000000000000',
      providers: [provider],
    }).provision(assembly);

    expect(report.notEmulated.get('AWS::IAM::Role')?.reason).toMatch(/IAM is not enforced/);
    expect(report.notEmulated.get('AWS::StepFunctions::StateMachine')?.reason).toBe(
      'no local engine for this type',
    );
    expect(report.notEmulated.has('AWS::SQS::Queue')).toBe(false);
  });

  it('gives the functions role ARNs without a region, since IAM is global', async () => {
    const { provider, created } = recordingProvider(['AWS::Lambda::Function']);

    await new Provisioner({
      region: 'us-east-1',
      accountId: '000000000000',
      providers: [provider],
    }).provision(assembly);

    const roles = created.map((resource) => String(resource.properties.Role));
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) expect(role).toMatch(/^arn:aws:iam::000000000000:role\/\S+$/);
  });

  it('refuses resources that reference each other in a cycle, naming them', () => {
    const cycle = [
      ['A', { Type: 'AWS::SQS::Queue', Properties: { X: { Ref: 'B' } } }],
      ['B', { Type: 'AWS::SQS::Queue', Properties: { X: { 'Fn::GetAtt': ['A', 'Arn'] } } }],
    ] as const;
    expect(() => creationLevels('Stack', cycle)).toThrow(/cycle: A, B/);
  });
});
