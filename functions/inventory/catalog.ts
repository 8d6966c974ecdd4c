/**
 * The demo catalog: what `SeedCatalog` writes to the Inventory table, and what scripts and end-to-end
 * tests can import to know the skus, prices (integer cents) and starting stock.
 */
export interface CatalogProduct {
  readonly sku: string;
  readonly name: string;
  /** Integer cents. */
  readonly price: number;
  /** Units in stock when the catalog is first seeded. */
  readonly initialStock: number;
}

/** A product with so few units that a handful of orders sell it out (the OUT_OF_STOCK scenarios). */
export const SCARCE_SKU = 'SKU-GPU';

export const CATALOG: readonly CatalogProduct[] = [
  { sku: 'SKU-KEYBOARD', name: 'Mechanical keyboard', price: 8999, initialStock: 100 },
  { sku: 'SKU-MOUSE', name: 'Wireless mouse', price: 2999, initialStock: 150 },
  { sku: 'SKU-MONITOR', name: '27-inch 4K monitor', price: 32999, initialStock: 40 },
  { sku: 'SKU-HEADSET', name: 'Noise-cancelling headset', price: 14950, initialStock: 60 },
  { sku: 'SKU-WEBCAM', name: '1080p webcam', price: 5900, initialStock: 80 },
  { sku: 'SKU-DOCK', name: 'USB-C docking station', price: 17999, initialStock: 35 },
  { sku: 'SKU-CABLE', name: 'USB-C cable, 2 m', price: 1299, initialStock: 500 },
  { sku: 'SKU-CHAIR', name: 'Ergonomic office chair', price: 44900, initialStock: 12 },
  { sku: 'SKU-DESK-LAMP', name: 'LED desk lamp', price: 3450, initialStock: 70 },
  { sku: 'SKU-LAPTOP-STAND', name: 'Aluminium laptop stand', price: 4599, initialStock: 90 },
  { sku: 'SKU-MICROPHONE', name: 'USB condenser microphone', price: 11900, initialStock: 25 },
  { sku: SCARCE_SKU, name: 'Graphics card (limited edition)', price: 129900, initialStock: 3 },
];

/** The Inventory table item of a product, as the reservation steps read and decrement it. */
export const inventoryItem = (product: CatalogProduct) => ({
  pk: `SKU#${product.sku}`,
  sku: product.sku,
  name: product.name,
  price: product.price,
  available: product.initialStock,
});
