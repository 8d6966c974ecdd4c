/**
 * Reads a CDK cloud assembly (cdk.out): the stacks in deployment order, their templates, and where each
 * file asset (a function bundle) lies on disk.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface CfnTemplate {
  readonly Parameters?: Record<string, { Type: string; Default?: unknown }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown }; Condition?: string }>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
  readonly Metadata?: Record<string, unknown>;
}

export interface AssemblyStack {
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** Asset hash -> the asset's folder or file, absolute. */
  readonly assets: ReadonlyMap<string, string>;
}

export interface CloudAssembly {
  readonly dir: string;
  /** In deployment order: every stack after the stacks it depends on. */
  readonly stacks: readonly AssemblyStack[];
}

interface Manifest {
  artifacts?: Record<
    string,
    {
      type: string;
      properties?: { templateFile?: string; stackName?: string; file?: string };
      dependencies?: string[];
    }
  >;
}

const readJson = <T>(file: string): T => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new Error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
};

export const loadAssembly = (dir: string): CloudAssembly => {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new Error(`no cloud assembly at ${dir}: run \`npx cdk synth\` first (npm start does it for you)`);
  }
  const artifacts = readJson<Manifest>(manifestFile).artifacts ?? {};
  const stackIds = Object.keys(artifacts).filter((id) => artifacts[id]?.type === 'aws:cloudformation:stack');

  const ordered: string[] = [];
  const visit = (id: string, path: string[]): void => {
    if (ordered.includes(id)) return;
    if (path.includes(id))
      throw new Error(`stacks depend on each other in a cycle: ${[...path, id].join(' -> ')}`);
    for (const dependency of artifacts[id]?.dependencies ?? []) {
      if (stackIds.includes(dependency)) visit(dependency, [...path, id]);
    }
    ordered.push(id);
  };
  for (const id of stackIds) visit(id, []);

  const stacks = ordered.map((id): AssemblyStack => {
    const artifact = artifacts[id];
    const templateFile = artifact?.properties?.templateFile;
    if (!templateFile) throw new Error(`stack ${id} in ${manifestFile} has no templateFile`);
    const assets = new Map<string, string>();
    for (const dependency of artifact?.dependencies ?? []) {
      const assetManifest = artifacts[dependency];
      if (assetManifest?.type !== 'cdk:asset-manifest' || !assetManifest.properties?.file) continue;
      const files =
        readJson<{ files?: Record<string, { source: { path?: string } }> }>(
          join(dir, assetManifest.properties.file),
        ).files ?? {};
      for (const [hash, file] of Object.entries(files)) {
        if (file.source.path) assets.set(hash, join(dir, file.source.path));
      }
    }
    return {
      stackName: artifact?.properties?.stackName ?? id,
      template: readJson<CfnTemplate>(join(dir, templateFile)),
      assets,
    };
  });
  return { dir, stacks };
};

const newestMtime = (path: string, skip: (path: string) => boolean): number => {
  if (!existsSync(path) || skip(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce(
    (newest, entry) => Math.max(newest, newestMtime(join(path, entry), skip)),
    stat.mtimeMs,
  );
};

/**
 * Whether the assembly is older than the code it was synthesized from: the app, its constructs, the functions,
 * cdk.json and the dependencies. The local cloud's own code (lib/local) does not count.
 */
export const isAssemblyStale = (projectRoot: string, assemblyDir: string): boolean => {
  const manifest = join(assemblyDir, 'manifest.json');
  if (!existsSync(manifest)) return true;
  const built = statSync(manifest).mtimeMs;
  const skip = (path: string) => path.startsWith(join(projectRoot, 'lib', 'local'));
  const sources = ['bin', 'lib', 'functions', 'cdk.json', 'package.json', 'package-lock.json'].map((entry) =>
    newestMtime(join(projectRoot, entry), skip),
  );
  return Math.max(...sources) > built;
};
