// The recipe file format, as a zod schema. Strict objects everywhere: a misspelt key is an error with a
// did-you-mean, never silently ignored. recipes/recipe.schema.json is generated from this for editors.

import { z } from 'zod';
import { NAMESPACES } from './model.ts';

const Command = z.union([z.string().min(1), z.array(z.string()).min(1)]);

export const VolumeSchema = z.union([
  z.string().min(1),
  z.strictObject({
    type: z.literal('bind'),
    source: z.string().min(1),
    target: z.string().min(1),
    readonly: z.boolean().default(false),
  }),
  z.strictObject({
    type: z.literal('tmpfs'),
    target: z.string().min(1),
    size: z.string().optional(),
    mode: z.string().regex(/^[0-7]{3,4}$/, 'an octal mode like 1777').optional(),
  }),
]);

export const RecipeSchema = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  image: z.string().min(1).optional(),
  rootdir: z.string().min(1).optional(),
  command: Command.optional(),
  entrypoint: z.union([z.string(), z.array(z.string())]).optional(),
  env: z.union([z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])), z.array(z.string())]).optional(),
  workdir: z.string().optional(),
  hostname: z.string().optional(),
  user: z.string().optional(),
  namespaces: z.array(z.enum(NAMESPACES)).optional(),
  root: z.enum(['pivot_root', 'chroot']).default('pivot_root'),
  rootfs: z.enum(['overlay', 'bind']).default('overlay'),
  read_only: z.boolean().default(false),
  volumes: z.array(VolumeSchema).default([]),
});

export type RecipeInput = z.input<typeof RecipeSchema>;
export type Recipe = z.output<typeof RecipeSchema>;
