#!/usr/bin/env node
// An ops script written with zx: for every recipe in recipes/, ask glassbox for its plan as JSON and print how
// many commands it runs, which kernel objects it touches, and which of its steps can be undone. A model for
// scripting glassbox: zx's $`…` passes each interpolated value as one argument, never through a shell parser.
//
//   node scripts/recipes-report.mjs            (no root needed: planning changes nothing)

import { $, glob, chalk } from 'zx';

$.verbose = false;
const recipes = (await glob('recipes/*.yaml')).sort();
for (const recipe of recipes) {
  const out = await $`bin/glassbox plan --format json ${recipe}`.nothrow();
  if (out.exitCode !== 0) {
    console.log(`${chalk.bold(recipe)}: ${chalk.red(out.stderr.trim().split('\n')[0])}`);
    continue;
  }
  const plan = JSON.parse(out.stdout);
  const touches = new Map();
  for (const step of plan.steps) for (const t of step.touches) touches.set(t, (touches.get(t) ?? 0) + 1);
  const undoable = plan.steps.filter((s) => s.undo).length;
  const objects = [...touches].map(([t, n]) => `${t}×${n}`).join(' ');
  console.log(`${chalk.bold(recipe)}: ${plan.steps.length} steps, ${undoable} with an undo; touches ${objects}`);
}
