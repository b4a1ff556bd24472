// Writes recipes/recipe.schema.json (JSON Schema for editors) from the zod schema that glassbox itself uses.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { RecipeSchema } from '../lib/recipe/schema.ts';

// The schema text, so a test can check the committed file is current.
export function recipeJsonSchema(): string {
  const schema = z.toJSONSchema(RecipeSchema, { io: 'input' }) as Record<string, unknown>;
  return JSON.stringify({ ...schema, $id: 'https://glassbox.invalid/recipe.schema.json', title: 'glassbox recipe' }, null, 2) + '\n';
}

if (process.argv[1]?.endsWith('recipe-schema.ts')) {
  writeFileSync(new URL('../recipes/recipe.schema.json', import.meta.url), recipeJsonSchema());
  console.log('wrote recipes/recipe.schema.json');
}
