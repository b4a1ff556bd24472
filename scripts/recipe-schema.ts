// Writes recipes/recipe.schema.json (JSON Schema for editors) from the zod schema that glassbox itself uses.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { RecipeSchema } from '../lib/recipe/schema.ts';
import { composeJsonSchema } from './compose-schema.ts';

// The schema text, so a test can check the committed file is current. One schema covers both forms of a recipe:
// one container (glassbox's keys), or a project of `services:` in compose syntax (schemas/compose.schema.json).
export function recipeJsonSchema(): string {
  const { $schema, ...one } = z.toJSONSchema(RecipeSchema, { io: 'input' }) as Record<string, unknown>;
  const { $schema: _c, $id: _i, ...project } = JSON.parse(composeJsonSchema()) as Record<string, unknown>;
  const out = {
    $schema,
    $id: 'https://glassbox.invalid/recipe.schema.json',
    title: 'glassbox recipe: one container, or a project of services (compose syntax)',
    anyOf: [
      { title: 'one container', ...one },
      { title: 'a project of services (run with glassbox compose -f FILE up)', ...project, required: ['services'] },
    ],
  };
  return JSON.stringify(out, null, 2) + '\n';
}

if (process.argv[1]?.endsWith('recipe-schema.ts')) {
  writeFileSync(new URL('../recipes/recipe.schema.json', import.meta.url), recipeJsonSchema());
  console.log('wrote recipes/recipe.schema.json');
}
