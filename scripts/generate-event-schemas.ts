/** `npm run schemas`: writes docs/events/*.schema.json and docs/event-catalog.md from the zod event schemas. */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventTypes } from '#shared/events/schemas';
import { jsonSchemaOf, renderCatalog, schemaFileName } from './event-docs.ts';

const docs = join(import.meta.dirname, '..', 'docs');
const eventsDir = join(docs, 'events');
mkdirSync(eventsDir, { recursive: true });
for (const stale of readdirSync(eventsDir)) rmSync(join(eventsDir, stale));
for (const eventType of EventTypes) {
  const file = join(eventsDir, schemaFileName(eventType));
  writeFileSync(file, `${JSON.stringify(jsonSchemaOf(eventType), null, 2)}\n`);
  console.log(`wrote ${file}`);
}
writeFileSync(join(docs, 'event-catalog.md'), renderCatalog());
console.log(`wrote ${join(docs, 'event-catalog.md')} (${EventTypes.length} events)`);
