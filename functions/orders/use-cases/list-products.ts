import type { Catalog, Product } from '../ports.ts';

export type ListProducts = () => Promise<readonly Product[]>;

/** The catalog as GET /products shows it: sorted by sku so pages and clients see a stable order. */
export const makeListProducts =
  ({ catalog }: { readonly catalog: Catalog }): ListProducts =>
  async () => {
    const products = await catalog.listAll();
    return [...products]
      .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
      .map(({ sku, name, price, available }) => ({ sku, name, price, available }));
  };
