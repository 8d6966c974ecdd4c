import { describe, expect, it } from 'vitest';
import { createOrderflow } from '#lib/orderflow';
import { BUNDLE_BUDGET_BYTES, measureBundles } from '../../scripts/bundle-sizes.ts';
import { newApp } from './support/orderflow-app.ts';

describe('function bundles', () => {
  // Prepare: one real synthesis with esbuild bundling, as `cdk synth` does it.
  const app = newApp({}, { bundle: true });
  createOrderflow(app);
  const bundles = measureBundles(app.synth().directory);

  it('bundles every function of the app', () => {
    expect(bundles.length).toBe(16);
  });

  it('keeps every function bundle within 250 KB minified, source map excluded', () => {
    const over = bundles.filter((bundle) => bundle.bytes > BUNDLE_BUDGET_BYTES);
    expect(over.map((bundle) => `${bundle.construct}: ${bundle.bytes} bytes`)).toEqual([]);
  });
});
