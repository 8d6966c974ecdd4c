/**
 * SeedCatalog: invoked by hand after a deploy (`aws lambda invoke --function-name <SeedCatalogFunctionName>`).
 * Creates the missing products and leaves existing stock alone; `{ "reset": true }` restores every
 * product to its initial stock.
 */
import { documentClient, requireEnv } from '#shared/adapters/aws-clients';
import { instrument } from '#shared/handlers/instrument';
import { logger } from '#shared/powertools/index';
import { DynamoCatalogStore } from './catalog-dynamo-store.ts';
import { makeSeedCatalog, type SeedCatalog, type SeedReport } from './catalog-seed.ts';

/** Only a literal `true` resets: a typo or an empty event must never wipe live stock. */
const wantsReset = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && (event as { reset?: unknown }).reset === true;

export const makeSeedHandler = (resolve: () => SeedCatalog) =>
  instrument(async (event: unknown): Promise<SeedReport> => {
    const reset = wantsReset(event);
    const report = await resolve()({ reset });
    logger.info('catalog seeded', { ...report, resetRequested: reset });
    return report;
  });

let wired: SeedCatalog | undefined;

const wire = (): SeedCatalog => {
  wired ??= makeSeedCatalog({
    store: new DynamoCatalogStore(documentClient(), requireEnv('INVENTORY_TABLE')),
  });
  return wired;
};

export const handler = makeSeedHandler(wire);
