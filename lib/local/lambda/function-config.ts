/**
 * An AWS::Lambda::Function as the engine runs it: the resolved template properties turned into a
 * configuration, and that configuration in the shape of the Lambda API's FunctionConfiguration.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { TemplateResource } from '#lib/local/core/types';
import { physicalName } from '#lib/local/template/physical-name';

export interface FunctionConfig {
  readonly name: string;
  readonly arn: string;
  readonly stackName: string;
  readonly logicalId: string;
  /** `index.handler` */
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly environment: Readonly<Record<string, string>>;
  /** ReservedConcurrentExecutions, when the template sets it. */
  readonly reservedConcurrency?: number | undefined;
  readonly tracingMode: string;
  readonly architectures: readonly string[];
  readonly description: string;
  readonly role: string;
  readonly logGroup: string;
  readonly logFormat: string;
  /** DeadLetterConfig.TargetArn (asynchronous invocations that failed every attempt). */
  readonly deadLetterTargetArn?: string | undefined;
  /** The folder holding the code (LAMBDA_TASK_ROOT), when there is code to run. */
  readonly codeDir?: string | undefined;
  /** The module to import, resolved from the handler (`<codeDir>/index.mjs`). */
  readonly entryPath?: string | undefined;
  /** Why the function cannot run here, when it cannot (an image, another runtime, missing code). */
  readonly unsupported?: string | undefined;
  readonly codeSha256: string;
  readonly codeSize: number;
  readonly lastModified: string;
}

const MAX_NAME = 64;

const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const asNumber = (value: unknown): number | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
};

export const functionArn = (name: string, region: string, accountId: string): string =>
  `arn:aws:lambda:${region}:${accountId}:function:${name}`;

/** The function's FunctionName, or the name CloudFormation gives it (at most 64 characters). */
export const physicalFunctionName = (resource: TemplateResource): string =>
  asString(resource.properties.FunctionName) ??
  physicalName(resource.stackName, resource.logicalId, { maxLength: MAX_NAME });

/** The Lambda timestamp format: `2026-11-22T11:44:23.908+0000`. */
export const lambdaTimestamp = (date: Date): string => date.toISOString().replace('Z', '+0000');

const MODULE_EXTENSIONS = ['.mjs', '.js', '.cjs'];

/** `index.handler` -> file `index`, export `handler`; `src/app.handlers.main` -> file `src/app`, export `handlers.main`. */
export const splitHandler = (handler: string): { file: string; exportPath: string } => {
  const slash = handler.lastIndexOf('/');
  const dot = handler.indexOf('.', slash + 1);
  if (dot < 0) return { file: handler, exportPath: 'handler' };
  return { file: handler.slice(0, dot), exportPath: handler.slice(dot + 1) };
};

const resolveCodeDir = (assetPath: string, assemblyDir: string): string => {
  if (isAbsolute(assetPath)) return assetPath;
  const fromCwd = resolve(assetPath);
  return existsSync(fromCwd) ? fromCwd : resolve(assemblyDir, assetPath);
};

/** Inline code (Code.ZipFile) is written where a zip would have been unpacked: `index.js`, CommonJS. */
const writeInlineCode = (name: string, code: string): string => {
  const dir = join(tmpdir(), 'orderflow-lambda-inline', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.js'), code);
  // An inline Node.js function is CommonJS, whatever the package around it says.
  writeFileSync(join(dir, 'package.json'), '{"type":"commonjs"}\n');
  return dir;
};

const digest = (path: string | undefined): { sha: string; size: number } => {
  if (!path || !existsSync(path)) return { sha: '', size: 0 };
  const bytes = readFileSync(path);
  return { sha: createHash('sha256').update(bytes).digest('base64'), size: bytes.length };
};

export const parseFunction = (
  resource: TemplateResource,
  context: { region: string; accountId: string; assemblyDir: string },
): FunctionConfig => {
  const p = resource.properties;
  const name = physicalFunctionName(resource);
  const handler = asString(p.Handler) ?? 'index.handler';
  const runtime = asString(p.Runtime) ?? '';
  const variables = ((p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
    {}) as Record<string, unknown>;
  const environment = Object.fromEntries(
    Object.entries(variables).map(([key, value]) => [
      key,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );
  const code = (p.Code ?? {}) as { ZipFile?: unknown; ImageUri?: unknown };
  const logging = (p.LoggingConfig ?? {}) as { LogGroup?: unknown; LogFormat?: unknown };

  let codeDir: string | undefined;
  let unsupported: string | undefined;
  if (asString(code.ImageUri) || p.PackageType === 'Image')
    unsupported = 'container image functions are not emulated';
  else if (!runtime.startsWith('nodejs'))
    unsupported = `runtime ${runtime || '(none)'} is not emulated, only nodejs*`;
  else if (resource.assetPath) codeDir = resolveCodeDir(resource.assetPath, context.assemblyDir);
  else if (typeof code.ZipFile === 'string') codeDir = writeInlineCode(name, code.ZipFile);
  else unsupported = 'the function has no code asset in the cloud assembly';

  let entryPath: string | undefined;
  if (codeDir && !unsupported) {
    const { file } = splitHandler(handler);
    entryPath = MODULE_EXTENSIONS.map((extension) => join(codeDir as string, file + extension)).find(
      (candidate) => existsSync(candidate),
    );
    if (!entryPath) entryPath = join(codeDir, `${file}.mjs`); // the import fails as Runtime.ImportModuleError
  }
  const { sha, size } = digest(entryPath);

  return {
    name,
    arn: functionArn(name, context.region, context.accountId),
    stackName: resource.stackName,
    logicalId: resource.logicalId,
    handler,
    runtime,
    timeoutSeconds: asNumber(p.Timeout) ?? 3,
    memoryMb: asNumber(p.MemorySize) ?? 128,
    environment,
    reservedConcurrency: asNumber(p.ReservedConcurrentExecutions),
    tracingMode: asString((p.TracingConfig as { Mode?: unknown } | undefined)?.Mode) ?? 'PassThrough',
    architectures: Array.isArray(p.Architectures) ? p.Architectures.map(String) : ['x86_64'],
    description: asString(p.Description) ?? '',
    role: asString(p.Role) ?? `arn:aws:iam::${context.accountId}:role/${name}-role`,
    logGroup: asString(logging.LogGroup) ?? `/aws/lambda/${name}`,
    logFormat: asString(logging.LogFormat) ?? 'Text',
    deadLetterTargetArn: asString((p.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn),
    codeDir,
    entryPath,
    unsupported,
    codeSha256: sha,
    codeSize: size,
    lastModified: lambdaTimestamp(new Date()),
  };
};

/** The FunctionConfiguration of the Lambda API (GetFunctionConfiguration, ListFunctions). */
export const functionConfiguration = (config: FunctionConfig): Record<string, unknown> => ({
  FunctionName: config.name,
  FunctionArn: config.arn,
  Runtime: config.runtime,
  Role: config.role,
  Handler: config.handler,
  CodeSize: config.codeSize,
  Description: config.description,
  Timeout: config.timeoutSeconds,
  MemorySize: config.memoryMb,
  LastModified: config.lastModified,
  CodeSha256: config.codeSha256,
  Version: '$LATEST',
  Environment: { Variables: { ...config.environment } },
  TracingConfig: { Mode: config.tracingMode },
  ...(config.deadLetterTargetArn ? { DeadLetterConfig: { TargetArn: config.deadLetterTargetArn } } : {}),
  State: 'Active',
  LastUpdateStatus: 'Successful',
  PackageType: 'Zip',
  Architectures: [...config.architectures],
  EphemeralStorage: { Size: 512 },
  SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
  LoggingConfig: { LogFormat: config.logFormat, LogGroup: config.logGroup },
});
