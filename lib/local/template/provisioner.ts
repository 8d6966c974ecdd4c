/**
 * Creates every resource of a cloud assembly the way CloudFormation would: stack by stack in deployment order,
 * each resource after those it references, with its intrinsics resolved against what was already created.
 * Each resource type is created by the engine that provides it; types no engine emulates are still given a
 * name and an ARN (so references to them resolve) and are reported, never ignored silently.
 */
import type { ProvisionedResource, ResourceProvider, TemplateResource } from '../core/types.ts';
import type { AssemblyStack, CfnResource, CloudAssembly } from './assembly.ts';
import { type ResolveScope, referencedLogicalIds, resolve, TemplateError } from './intrinsics.ts';
import { physicalName } from './physical-name.ts';

/** Why a resource type is accepted without being emulated. Shown at boot. */
export const NOT_EMULATED: Readonly<Record<string, string>> = {
  'AWS::IAM::Role': 'IAM is not enforced: every function may call every local API',
  'AWS::IAM::Policy': 'IAM is not enforced',
  'AWS::IAM::ManagedPolicy': 'IAM is not enforced',
  'AWS::Logs::LogGroup': 'function logs go to the console (npm start -- --verbose)',
  'AWS::KMS::Key': 'no encryption at rest locally',
  'AWS::KMS::Alias': 'no encryption at rest locally',
  'AWS::SQS::QueuePolicy': 'resource policies are not enforced',
  'AWS::SNS::TopicPolicy': 'resource policies are not enforced',
  'AWS::Lambda::Permission': 'invoke permissions are not enforced',
  'AWS::CloudWatch::Dashboard': 'dashboards are not rendered',
  'AWS::ApiGateway::Account': 'API Gateway account settings have no local effect',
  'AWS::CDK::Metadata': 'CDK metadata only',
};

export interface ProvisionedRecord extends ProvisionedResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly emulated: boolean;
}

export interface ProvisionReport {
  readonly resources: readonly ProvisionedRecord[];
  /** Type -> how many, and why it is not emulated. */
  readonly notEmulated: ReadonlyMap<string, { count: number; reason: string }>;
  /** Stack name -> output name -> value. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface ProvisionerOptions {
  readonly region: string;
  readonly accountId: string;
  readonly providers: readonly ResourceProvider[];
  /** Called after each resource, for a progress line. */
  readonly onResource?: (record: ProvisionedRecord, done: number, total: number) => void;
}

const serviceOf = (type: string): string => (type.split('::')[1] ?? 'unknown').toLowerCase();

export class Provisioner {
  private readonly providers = new Map<string, ResourceProvider>();
  private readonly created = new Map<string, ProvisionedRecord>();
  private readonly exports = new Map<string, unknown>();
  private readonly outputs: Record<string, Record<string, unknown>> = {};

  constructor(private readonly options: ProvisionerOptions) {
    for (const provider of options.providers) {
      for (const type of provider.types) {
        const existing = this.providers.get(type);
        if (existing) throw new Error(`two engines provide ${type}`);
        this.providers.set(type, provider);
      }
    }
  }

  async provision(assembly: CloudAssembly): Promise<ProvisionReport> {
    const total = assembly.stacks.reduce(
      (sum, stack) => sum + Object.keys(stack.template.Resources).length,
      0,
    );
    let done = 0;
    for (const stack of assembly.stacks) {
      const scope = this.scopeFor(stack);
      const resources = Object.entries(stack.template.Resources).filter(
        ([, resource]) => !resource.Condition || scope.condition(resource.Condition),
      );
      for (const level of creationLevels(stack.stackName, resources)) {
        const records = await Promise.all(
          level.map(([logicalId, resource]) => this.create(stack, scope, logicalId, resource)),
        );
        for (const record of records) {
          done += 1;
          this.options.onResource?.(record, done, total);
        }
      }
      this.resolveOutputs(stack, scope);
    }
    const notEmulated = new Map<string, { count: number; reason: string }>();
    for (const record of this.created.values()) {
      const reason =
        NOT_EMULATED[record.type] ?? (record.emulated ? undefined : 'no local engine for this type');
      if (!reason) continue;
      const entry = notEmulated.get(record.type) ?? { count: 0, reason };
      notEmulated.set(record.type, { ...entry, count: entry.count + 1 });
    }
    return { resources: [...this.created.values()], notEmulated, outputs: this.outputs };
  }

  private async create(
    stack: AssemblyStack,
    scope: ResolveScope,
    logicalId: string,
    resource: CfnResource,
  ): Promise<ProvisionedRecord> {
    const where = `${stack.stackName}/${logicalId} (${resource.Type})`;
    let properties: Record<string, unknown>;
    try {
      properties = resolve(resource.Properties ?? {}, scope) as Record<string, unknown>;
    } catch (error) {
      throw new TemplateError(`cannot resolve the properties of ${where}: ${(error as Error).message}`);
    }
    const templateResource: TemplateResource = {
      stackName: stack.stackName,
      logicalId,
      type: resource.Type,
      properties,
      metadata: resource.Metadata,
      constructPath:
        typeof resource.Metadata?.['aws:cdk:path'] === 'string'
          ? resource.Metadata['aws:cdk:path']
          : undefined,
      assetPath: assetPathOf(stack, resource, properties),
    };
    const provider = this.providers.get(resource.Type);
    let provisioned: ProvisionedResource;
    try {
      provisioned = provider
        ? await provider.provision(templateResource)
        : this.placeholder(templateResource);
    } catch (error) {
      throw new TemplateError(`cannot create ${where}: ${(error as Error).message}`);
    }
    const record: ProvisionedRecord = {
      ...provisioned,
      stackName: stack.stackName,
      logicalId,
      type: resource.Type,
      properties,
      emulated: provider !== undefined,
    };
    this.created.set(`${stack.stackName}/${logicalId}`, record);
    return record;
  }

  /** A name and an ARN for a resource no engine emulates, so that references to it resolve. */
  private placeholder(resource: TemplateResource): ProvisionedResource {
    const name = physicalName(resource.stackName, resource.logicalId, { maxLength: 64 });
    const kind = (resource.type.split('::')[2] ?? 'resource').toLowerCase();
    const service = serviceOf(resource.type);
    // IAM is global: its ARNs have no region (arn:aws:iam::123456789012:role/name).
    const region = service === 'iam' ? '' : this.options.region;
    const arn = `arn:aws:${service}:${region}:${this.options.accountId}:${kind}/${name}`;
    return { ref: name, attributes: { Arn: arn, Name: name, Id: name } };
  }

  private resolveOutputs(stack: AssemblyStack, scope: ResolveScope): void {
    const outputs: Record<string, unknown> = {};
    for (const [name, output] of Object.entries(stack.template.Outputs ?? {})) {
      if (output.Condition && !scope.condition(output.Condition)) continue;
      const value = resolve(output.Value, scope);
      outputs[name] = value;
      if (output.Export) this.exports.set(String(resolve(output.Export.Name, scope)), value);
    }
    this.outputs[stack.stackName] = outputs;
  }

  private scopeFor(stack: AssemblyStack): ResolveScope {
    const template = stack.template;
    const conditions = new Map<string, boolean>();
    const scope: ResolveScope = {
      stackName: stack.stackName,
      region: this.options.region,
      accountId: this.options.accountId,
      ref: (logicalId) => {
        const parameter = template.Parameters?.[logicalId];
        if (parameter) return parameter.Default ?? '';
        const record = this.created.get(`${stack.stackName}/${logicalId}`);
        if (!record)
          throw new TemplateError(`Ref ${logicalId}: no such resource or parameter has been created`);
        return record.ref;
      },
      getAtt: (logicalId, attribute) => {
        const record = this.created.get(`${stack.stackName}/${logicalId}`);
        if (!record)
          throw new TemplateError(`Fn::GetAtt ${logicalId}.${attribute}: no such resource has been created`);
        // A type no engine emulates has only a name and an ARN; any other attribute gets a stand-in value.
        if (!(attribute in record.attributes) && !record.emulated) return `${record.ref}.${attribute}`;
        if (!(attribute in record.attributes)) {
          throw new TemplateError(
            `Fn::GetAtt ${logicalId}.${attribute}: the local ${record.type} has no attribute ${attribute} (it has ${Object.keys(record.attributes).join(', ') || 'none'})`,
          );
        }
        return record.attributes[attribute];
      },
      importValue: (name) => {
        if (!this.exports.has(name)) throw new TemplateError(`Fn::ImportValue ${name}: no stack exports it`);
        return this.exports.get(name);
      },
      stackOutput: (stackName, outputName) => {
        const outputs = this.outputs[stackName];
        if (!outputs) throw new TemplateError(`Fn::GetStackOutput: stack ${stackName} has not been created`);
        if (!(outputName in outputs))
          throw new TemplateError(`Fn::GetStackOutput: ${stackName} has no output ${outputName}`);
        return outputs[outputName];
      },
      condition: (name) => {
        const known = conditions.get(name);
        if (known !== undefined) return known;
        const definition = template.Conditions?.[name];
        if (definition === undefined) throw new TemplateError(`condition ${name} is not defined`);
        const value = resolve(definition, scope) === true;
        conditions.set(name, value);
        return value;
      },
      findInMap: (map, top, second) => {
        const value = template.Mappings?.[map]?.[top]?.[second];
        if (value === undefined)
          throw new TemplateError(`Fn::FindInMap ${map}.${top}.${second} is not defined`);
        return value;
      },
    };
    return scope;
  }
}

/** The file asset of a function: its S3Key is `<hash>.zip`, and the asset manifest says where `<hash>` lies. */
const assetPathOf = (
  stack: AssemblyStack,
  resource: CfnResource,
  properties: Record<string, unknown>,
): string | undefined => {
  const code = (properties.Code ?? properties.Content) as { S3Key?: unknown } | undefined;
  const key = typeof code?.S3Key === 'string' ? code.S3Key : undefined;
  const fromKey = key ? stack.assets.get(key.replace(/\.zip$/, '')) : undefined;
  if (fromKey) return fromKey;
  const fromMetadata = resource.Metadata?.['aws:asset:path'];
  return typeof fromMetadata === 'string' ? fromMetadata : undefined;
};

/** Groups resources into levels: each level only references resources of earlier levels. */
export const creationLevels = (
  stackName: string,
  resources: readonly (readonly [string, CfnResource])[],
): (readonly [string, CfnResource])[][] => {
  const ids = new Set(resources.map(([logicalId]) => logicalId));
  const dependencies = new Map<string, Set<string>>();
  for (const [logicalId, resource] of resources) {
    const references = referencedLogicalIds(resource.Properties ?? {});
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    dependencies.set(
      logicalId,
      new Set([...references, ...dependsOn].filter((id) => ids.has(id) && id !== logicalId)),
    );
  }
  const levels: (readonly [string, CfnResource])[][] = [];
  const placed = new Set<string>();
  while (placed.size < resources.length) {
    const level = resources.filter(
      ([logicalId]) =>
        !placed.has(logicalId) &&
        [...(dependencies.get(logicalId) ?? [])].every((dependency) => placed.has(dependency)),
    );
    if (level.length === 0) {
      const stuck = resources.filter(([logicalId]) => !placed.has(logicalId)).map(([logicalId]) => logicalId);
      throw new TemplateError(`${stackName}: resources reference each other in a cycle: ${stuck.join(', ')}`);
    }
    for (const [logicalId] of level) placed.add(logicalId);
    levels.push([...level]);
  }
  return levels;
};
