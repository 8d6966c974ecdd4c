/**
 * What every function bundle is built with, beyond esbuild's defaults. Kept free of aws-cdk-lib so the tests
 * that bundle handlers the same way can import it cheaply.
 */
import { fileURLToPath } from 'node:url';

/** A stand-in for `semver` in every bundle (functions/shared/bundling/semver-gte.cjs explains why). */
export const SEMVER_SHIM = fileURLToPath(
  new URL('../../functions/shared/bundling/semver-gte.cjs', import.meta.url),
);

/** The ESM bundle still contains CommonJS dependencies that call require(); give them one. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __orderflowCreateRequire } from 'node:module'; const require = __orderflowCreateRequire(import.meta.url);";
