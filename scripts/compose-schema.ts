// Writes schemas/compose.schema.json (JSON Schema for editors) from the zod schema glassbox reads compose files
// with (lib/compose/schema.ts). Every strict object also allows `x-` keys, as the compose specification does.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { ComposeFileSchema } from '../lib/compose/schema.ts';

// Adds `x-` extension keys to every closed object of the schema.
function allowExtensions(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(allowExtensions);
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.type === 'object' && o.additionalProperties === false && o.properties) o.patternProperties = { '^x-': {} };
  for (const v of Object.values(o)) allowExtensions(v);
}

// The schema text, so a test can check the committed file is current.
export function composeJsonSchema(): string {
  const schema = z.toJSONSchema(ComposeFileSchema, { io: 'input' }) as Record<string, unknown>;
  allowExtensions(schema);
  const out = { ...schema, $id: 'https://glassbox.invalid/compose.schema.json', title: 'compose file (the subset glassbox supports)' };
  return JSON.stringify(out, null, 2) + '\n';
}

if (process.argv[1]?.endsWith('compose-schema.ts')) {
  writeFileSync(new URL('../schemas/compose.schema.json', import.meta.url), composeJsonSchema());
  console.log('wrote schemas/compose.schema.json');
}
