import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { REPO_ROOT } from '#lib/constructs/node-function';
import { createOrderflow, type Orderflow } from '#lib/orderflow';

/** A CloudFormation resource as found by Template.findResources. */
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** The feature flags and context of cdk.json, which `npx cdk synth` passes to the app and a bare `new App()` would not. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * A new app with the cdk.json context plus `context`. Bundling is skipped unless `bundle` is set: the infra
 * tests assert on templates, and bundling sixteen functions would cost seconds per synthesis.
 */
export function newApp(context: Record<string, unknown> = {}, options: { bundle?: boolean } = {}): App {
  return new App({
    context: {
      ...cdkJsonContext(),
      // As the CLI does: resources carry their construct path (aws:cdk:path), which the tests match on.
      'aws:cdk:enable-path-metadata': true,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...context,
    },
  });
}

/** The synthesized orderflow app: its stacks and their templates. */
export interface SynthesizedOrderflow extends Orderflow {
  readonly app: App;
  readonly statefulTemplate: Template;
  readonly processingTemplate: Template;
}

/** Synthesizes orderflow once; share the result between the tests of a file. */
export function synthesizeOrderflow(context: Record<string, unknown> = {}): SynthesizedOrderflow {
  const app = newApp(context);
  const orderflow = createOrderflow(app);
  return {
    ...orderflow,
    app,
    statefulTemplate: Template.fromStack(orderflow.stateful),
    processingTemplate: Template.fromStack(orderflow.processing),
  };
}

/** The logical ID of a construct's CloudFormation resource (the construct itself or its default child). */
export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(element).resolve(element.logicalId) as string;
}

/** Entries of `Template.findResources(type)`, typed. */
export function resourcesOf(template: Template, type: string): [string, CfnResourceJson][] {
  return Object.entries(template.findResources(type) as Record<string, CfnResourceJson>);
}

/** What a `{ Ref }` or `{ Fn::GetAtt }` points at. */
export interface ResourceReference {
  readonly logicalId: string;
  /** The GetAtt attribute, e.g. `Arn` or `StreamArn`; undefined for a Ref. */
  readonly attribute?: string;
}

/**
 * What a `{ Ref }` or `{ Fn::GetAtt }` points at, following a cross-stack reference (`Fn::GetStackOutput` for
 * weak references, `Fn::ImportValue` for strong ones) into the outputs of `producer`.
 */
export function resolveReference(value: unknown, producer?: Template): ResourceReference | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return { logicalId: v.Ref };
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') {
    return { logicalId: getAtt[0], attribute: String(getAtt[1]) };
  }
  if (!producer) return undefined;
  const outputs = producer.toJSON().Outputs as Record<
    string,
    { Value: unknown; Export?: { Name?: unknown } }
  >;
  const weak = v['Fn::GetStackOutput'] as { OutputName?: string } | undefined;
  if (weak?.OutputName) return resolveReference(outputs[weak.OutputName]?.Value);
  const imported = v['Fn::ImportValue'];
  if (typeof imported === 'string') {
    return resolveReference(Object.values(outputs).find((o) => o.Export?.Name === imported)?.Value);
  }
  return undefined;
}

/** The logical ID `value` references (see {@link resolveReference}). */
export function referencedLogicalId(value: unknown, producer?: Template): string | undefined {
  return resolveReference(value, producer)?.logicalId;
}

/** The logical ID of the resource whose `aws:cdk:path` metadata is `path`. */
export function logicalIdAtPath(template: Template, path: string): string {
  const resources = template.toJSON().Resources as Record<string, CfnResourceJson>;
  const match = Object.entries(resources).find(([, r]) => r.Metadata?.['aws:cdk:path'] === path);
  if (!match) throw new Error(`No resource at ${path}`);
  return match[0];
}

/** The `aws:cdk:path` of a resource, for readable assertion messages. */
export function pathOf(resource: CfnResourceJson): string {
  return String(resource.Metadata?.['aws:cdk:path'] ?? '?');
}

/** Property `name` of a resource as a plain object (empty if absent). */
export function prop<T = unknown>(resource: CfnResourceJson, name: string): T {
  return resource.Properties?.[name] as T;
}

/** Every logical ID referenced (Ref or Fn::GetAtt) anywhere inside `value`, e.g. inside an Fn::Join. */
export function referencedLogicalIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedLogicalIds);
  if (typeof value !== 'object' || value === null) return [];
  const direct = referencedLogicalId(value);
  if (direct) return [direct];
  return Object.values(value).flatMap(referencedLogicalIds);
}

export interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { ErrorEquals: string[]; ResultPath?: string; Next: string }[];
  Retry?: {
    ErrorEquals: string[];
    MaxAttempts?: number;
    BackoffRate?: number;
    MaxDelaySeconds?: number;
    JitterStrategy?: string;
  }[];
  Resource?: string;
  ResultPath?: string;
  Result?: Record<string, unknown>;
  QueryLanguage?: string;
}
export interface Asl {
  StartAt: string;
  TimeoutSeconds?: number;
  QueryLanguage?: string;
  States: Record<string, AslState>;
}

/** The definition with every intrinsic of its Fn::Join replaced by a placeholder ARN, parsed. */
export function resolveDefinition(stateMachine: CfnResourceJson): Asl {
  const definition = prop<{ 'Fn::Join': [string, unknown[]] } | string>(stateMachine, 'DefinitionString');
  if (typeof definition === 'string') return JSON.parse(definition) as Asl;
  const [separator, parts] = definition['Fn::Join'];
  const text = parts
    .map((part) =>
      typeof part === 'string'
        ? part
        : `arn:aws:lambda:eu-west-1:123456789012:function:${referencedLogicalId(part) ?? 'Unresolved'}`,
    )
    .join(separator);
  return JSON.parse(text) as Asl;
}

export function stateMachineOf(template: Template): CfnResourceJson {
  const machines = resourcesOf(template, 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  return (machines[0] as [string, CfnResourceJson])[1];
}
