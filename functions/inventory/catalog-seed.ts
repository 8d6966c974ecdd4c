/** The seed use case: put the demo catalog into the Inventory table without ever resetting live stock by accident. */
import { CATALOG, type CatalogProduct } from './catalog.ts';

export interface CatalogStore {
  /** Writes the product with its initial stock unless its sku exists; true when it was written. */
  createIfAbsent(product: CatalogProduct): Promise<boolean>;
  /** Writes the product with its initial stock whatever is there; true when it replaced an existing item. */
  overwrite(product: CatalogProduct): Promise<boolean>;
}

export interface SeedOptions {
  /** Put every product back to its initial stock. Reservations already made are not undone. */
  readonly reset?: boolean;
}

export interface SeedReport {
  /** Products that did not exist and were written. */
  readonly created: number;
  /** Products that existed and were left as they were. */
  readonly existing: number;
  /** Products that existed and were put back to their initial stock (only with `reset`). */
  readonly reset: number;
}

export type SeedCatalog = (options?: SeedOptions) => Promise<SeedReport>;

export const makeSeedCatalog =
  ({
    store,
    products = CATALOG,
  }: {
    readonly store: CatalogStore;
    readonly products?: readonly CatalogProduct[];
  }): SeedCatalog =>
  async (options = {}) => {
    let created = 0;
    let existing = 0;
    let reset = 0;
    for (const product of products) {
      if (options.reset === true) {
        if (await store.overwrite(product)) reset += 1;
        else created += 1;
      } else if (await store.createIfAbsent(product)) created += 1;
      else existing += 1;
    }
    return { created, existing, reset };
  };
