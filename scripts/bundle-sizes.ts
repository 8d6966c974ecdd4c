/**
 * `npm run sizes`: synthesizes the app (unless --no-synth) and reports each function bundle's minified size,
 * without its source map. Fails when a bundle exceeds the 250 KB budget.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const BUNDLE_BUDGET_BYTES = 250 * 1024;

interface TemplateResource {
  Type: string;
  Properties?: { Handler?: string; Code?: { S3Key?: unknown } };
  Metadata?: Record<string, unknown>;
}

export interface BundleSize {
  readonly stack: string;
  readonly construct: string;
  readonly bytes: number;
}

/** Reads every Lambda function's asset in a cloud assembly and measures its code files, maps excluded. */
export const measureBundles = (assemblyDir: string): BundleSize[] => {
  const sizes: BundleSize[] = [];
  for (const file of readdirSync(assemblyDir).filter((name) => name.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(join(assemblyDir, file), 'utf8')) as {
      Resources: Record<string, TemplateResource>;
    };
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      // The CLI records the asset folder in metadata; without it, the S3 key `<hash>.zip` names `asset.<hash>`.
      const s3Key = resource.Properties?.Code?.S3Key;
      const assetPath =
        resource.Metadata?.['aws:asset:path'] ??
        (typeof s3Key === 'string' ? `asset.${s3Key.replace(/\.zip$/, '')}` : undefined);
      if (typeof assetPath !== 'string') continue;
      const dir = join(assemblyDir, assetPath);
      const bytes = readdirSync(dir)
        .filter((name) => !name.endsWith('.map'))
        .reduce((total, name) => total + statSync(join(dir, name)).size, 0);
      const constructPath = String(resource.Metadata?.['aws:cdk:path'] ?? assetPath);
      sizes.push({
        stack: file.replace('.template.json', ''),
        construct: constructPath.split('/').slice(1, -1).join('/'),
        bytes,
      });
    }
  }
  return sizes.sort((a, b) => b.bytes - a.bytes);
};

const main = (): void => {
  const root = join(import.meta.dirname, '..');
  const outdir = join(root, 'cdk.out');
  if (!process.argv.includes('--no-synth')) {
    console.log('synthesizing (cdk synth --quiet)…');
    execFileSync(join(root, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet'], {
      cwd: root,
      stdio: 'inherit',
    });
  }
  const sizes = measureBundles(outdir);
  const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
  console.log('\n| function | minified bundle (no source map) |\n| --- | ---: |');
  for (const size of sizes) console.log(`| ${size.construct} | ${kb(size.bytes)} |`);
  const over = sizes.filter((size) => size.bytes > BUNDLE_BUDGET_BYTES);
  console.log(
    `\n${sizes.length} bundles, largest ${kb(sizes[0]?.bytes ?? 0)}, budget ${kb(BUNDLE_BUDGET_BYTES)}`,
  );
  if (over.length > 0) {
    console.error(`over budget: ${over.map((size) => size.construct).join(', ')}`);
    process.exit(1);
  }
};

if (import.meta.url === `file://${process.argv[1]}`) main();
