// A recipe's `build:` section: the Dockerfile's instructions as YAML, one key a step, checked by a strict zod
// schema with FILE:LINE:COL errors like the rest of a recipe. It becomes the same BuildFile a Dockerfile does.
//
//   build:
//     args: {VERSION: "1.2", DEBUG: null}        # ARGs before the first FROM (null: no default)
//     stages:
//       - from: golang:1.22
//         as: builder
//         steps:
//           - run: go build -o /out/app .       # a string: shell form; a list: exec form
//           - copy: {src: [go.mod, "*.go"], dest: /src/, chown: "1000"}
//       - from: scratch
//         steps:
//           - copy: {from: builder, src: /out/app, dest: /app}
//           - env: {MODE: prod}
//           - cmd: [/app]
//
// YAML values are literal: quotes and backslashes are kept (quoteLiteral), but `$VAR` and `${VAR:-x}` still
// expand in the instructions that substitute, as in a Dockerfile.

import { z } from 'zod';
import { GlassboxError, GlassboxErrors } from '../errors.ts';
import type { ParsedYaml } from '../recipe/yamlpos.ts';
import { fieldPath, positionOf } from '../recipe/yamlpos.ts';
import { zodToErrors } from '../recipe/zoderrors.ts';
import type { ArgDecl, BuildFile, BuildStep, Stage, StepBody } from './model.ts';
import { quoteLiteral } from './substitute.ts';

// YAML reads 8080 and true as a number and a boolean: as words they are their text. (A preprocess, not a union,
// so a missing or wrong value gets a plain "expected string" message.)
const asText = (v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);
const Scalar = z.preprocess(asText, z.string());
const Word = z.preprocess(asText, z.string().min(1));
const Words = z.union([Word.transform((w) => [w]), z.array(Word).min(1)]);
const Command = z.union([z.string().min(1), z.array(Scalar).min(1)]);
const Duration = z.union([z.string().min(1), z.number().transform((n) => `${n}s`)]);

const CopySchema = z.strictObject({
  src: Words.describe('sources: relative to the context, or to the --from stage or image'),
  dest: Word.describe('the destination in the image (ends in / for a directory)'),
  from: Word.optional().describe('an earlier stage (name or index) or an image (COPY only)'),
  chown: Word.optional().describe('USER[:GROUP] to own the copies'),
  chmod: Word.optional().describe('an octal mode, like "0755"'),
});
const AddSchema = CopySchema.omit({ from: true });

export const BuildStepSchema = z
  .strictObject({
    run: Command.optional().describe('a shell command (string) or an argv (list)'),
    copy: CopySchema.optional(),
    add: AddSchema.optional(),
    env: z.record(z.string().min(1), Scalar).optional().describe('variables for the next steps and the image'),
    arg: z.union([z.string().min(1), z.array(z.string().min(1)), z.record(z.string().min(1), z.union([Scalar, z.null()]))]).optional().describe('build arguments: a name, names, or names with defaults (null: none)'),
    label: z.record(z.string().min(1), Scalar).optional(),
    workdir: Word.optional(),
    user: Word.optional(),
    cmd: z.union([z.string(), z.array(Scalar)]).optional().describe('the default command: a shell command (string) or an argv (list, [] for none)'),
    entrypoint: z.union([z.string(), z.array(Scalar)]).optional(),
    expose: Words.optional().describe('ports, like 80 or "53/udp"'),
    volume: Words.optional(),
    stopsignal: Word.optional(),
    shell: z.array(Scalar).min(1).optional().describe('the shell for the shell forms, like [/bin/bash, -c]'),
    healthcheck: z
      .union([
        z.literal('none'),
        z.strictObject({
          cmd: Command.describe('the test: a shell command (string) or an argv (list)'),
          interval: Duration.optional(),
          timeout: Duration.optional(),
          start_period: Duration.optional(),
          start_interval: Duration.optional(),
          retries: z.number().int().min(0).optional(),
        }),
      ])
      .optional()
      .describe('"none", or {cmd, interval, timeout, start_period, start_interval, retries}'),
  })
  .superRefine((step, ctx) => {
    const keys = Object.keys(step).filter((k) => (step as Record<string, unknown>)[k] !== undefined);
    if (keys.length !== 1) ctx.addIssue({ code: 'custom', message: keys.length ? `one instruction a step, got ${keys.join(' and ')}` : 'a step needs an instruction (run, copy, env…)', path: [] });
  });

export const BuildStageSchema = z.strictObject({
  from: Word.describe('the base: an image, scratch, or an earlier stage'),
  as: z.string().regex(/^[a-zA-Z][a-zA-Z0-9-_.]*$/, 'a stage name is letters, digits and - _ . starting with a letter').optional(),
  platform: Word.optional().describe('only the host\'s platform can be built'),
  steps: z.array(BuildStepSchema).default([]),
});

export const RecipeBuildSchema = z.strictObject({
  args: z.record(z.string().min(1), z.union([Scalar, z.null()])).optional().describe('ARGs before the first stage, usable in from:'),
  stages: z.array(BuildStageSchema).min(1),
});

type StepIn = z.infer<typeof BuildStepSchema>;

// A Dockerfile-style word for a literal YAML value (variables still expand).
const lit = (s: string) => quoteLiteral(s);
// A JSON array, as the Dockerfile's exec form writes it.
const json = (a: string[]) => JSON.stringify(a);

// One YAML step → the model's step and its text as a Dockerfile line.
function stepOf(s: StepIn): { body: StepBody; text: string } {
  if (s.run !== undefined) return typeof s.run === 'string' ? { body: { kind: 'run', shell: s.run }, text: `RUN ${s.run}` } : { body: { kind: 'run', exec: s.run }, text: `RUN ${json(s.run)}` };
  const c = s.copy ?? s.add;
  if (c) {
    const kind = s.copy ? 'copy' : 'add';
    const body: StepBody = { kind, sources: c.src.map(lit), dest: lit(c.dest) };
    const flags: string[] = [];
    for (const f of ['from', 'chown', 'chmod'] as const) {
      const v = (c as { [k in typeof f]?: string })[f];
      if (v !== undefined) {
        body[f] = lit(v);
        flags.push(`--${f}=${v}`);
      }
    }
    return { body, text: [kind.toUpperCase(), ...flags, ...c.src, c.dest].join(' ') };
  }
  const pairs = (r: Record<string, string>): Array<[string, string]> => Object.entries(r).map(([k, v]) => [lit(k), lit(v)]);
  const kv = (r: Record<string, string>) => Object.entries(r).map(([k, v]) => `${k}=${/[\s"'\\]/.test(v) || v === '' ? JSON.stringify(v) : v}`).join(' ');
  if (s.env) return { body: { kind: 'env', pairs: pairs(s.env) }, text: `ENV ${kv(s.env)}` };
  if (s.label) return { body: { kind: 'label', pairs: pairs(s.label) }, text: `LABEL ${kv(s.label)}` };
  if (s.arg !== undefined) {
    const entries: Array<[string, string | null]> = typeof s.arg === 'string' ? [[s.arg, null]] : Array.isArray(s.arg) ? s.arg.map((n) => [n, null]) : Object.entries(s.arg);
    const args: ArgDecl[] = entries.map(([name, d]) => (d === null ? { name: lit(name) } : { name: lit(name), default: lit(d) }));
    return { body: { kind: 'arg', args }, text: `ARG ${entries.map(([n, d]) => (d === null ? n : `${n}=${d}`)).join(' ')}` };
  }
  if (s.workdir !== undefined) return { body: { kind: 'workdir', path: lit(s.workdir) }, text: `WORKDIR ${s.workdir}` };
  if (s.user !== undefined) return { body: { kind: 'user', user: lit(s.user) }, text: `USER ${s.user}` };
  if (s.stopsignal !== undefined) return { body: { kind: 'stopsignal', signal: lit(s.stopsignal) }, text: `STOPSIGNAL ${s.stopsignal}` };
  if (s.expose) return { body: { kind: 'expose', ports: s.expose.map(lit) }, text: `EXPOSE ${s.expose.join(' ')}` };
  if (s.volume) return { body: { kind: 'volume', paths: s.volume.map(lit) }, text: `VOLUME ${json(s.volume)}` };
  if (s.shell) return { body: { kind: 'shell', exec: s.shell }, text: `SHELL ${json(s.shell)}` };
  for (const kind of ['cmd', 'entrypoint'] as const) {
    const v = s[kind];
    if (v === undefined) continue;
    const NAME = kind.toUpperCase();
    return typeof v === 'string' ? { body: { kind, shell: v }, text: `${NAME} ${v}` } : { body: { kind, exec: v }, text: `${NAME} ${json(v)}` };
  }
  const h = s.healthcheck!;
  if (h === 'none') return { body: { kind: 'healthcheck', none: true }, text: 'HEALTHCHECK NONE' };
  const body: StepBody & { kind: 'healthcheck' } = { kind: 'healthcheck' };
  if (typeof h.cmd === 'string') body.shell = h.cmd;
  else body.test = h.cmd;
  const flags: string[] = [];
  const set = (flag: string, key: 'interval' | 'timeout' | 'startPeriod' | 'startInterval' | 'retries', v: string | number | undefined) => {
    if (v === undefined) return;
    body[key] = String(v);
    flags.push(`--${flag}=${v}`);
  };
  set('interval', 'interval', h.interval);
  set('timeout', 'timeout', h.timeout);
  set('start-period', 'startPeriod', h.start_period);
  set('start-interval', 'startInterval', h.start_interval);
  set('retries', 'retries', h.retries);
  return { body, text: ['HEALTHCHECK', ...flags, 'CMD', typeof h.cmd === 'string' ? h.cmd : json(h.cmd)].join(' ') };
}

/** A recipe's `build:` value (found at `at` in the parsed file, `build` by default) → the BuildFile. Throws
 * GlassboxErrors positioned in the YAML. */
export function parseRecipeBuild(value: unknown, y: ParsedYaml, file: string, at: (string | number)[] = ['build']): BuildFile {
  const parsed = RecipeBuildSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    // A misspelt instruction (unknown key) is the real problem: not also "a step needs an instruction".
    const unknownAt = new Set(parsed.error.issues.filter((i) => i.code === 'unrecognized_keys').map((i) => i.path.join('.')));
    const issues = parsed.error.issues.filter((i) => i.code !== 'custom' || !unknownAt.has(i.path.join('.'))).map((i) => ({ ...i, path: [...at, ...i.path] }));
    // The schema as seen from the file's root, so unknown keys get their did-you-mean at the right path.
    let root: z.ZodType = RecipeBuildSchema;
    for (const seg of [...at].reverse()) root = typeof seg === 'number' ? z.array(root) : z.object({ [seg]: root });
    throw zodToErrors(y, root, new z.ZodError(issues as z.core.$ZodIssue[]), 'build');
  }
  const b = parsed.data;
  const errors: GlassboxError[] = [];
  const where = (path: (string | number)[]) => ({ pos: positionOf(y, [...at, ...path]), field: fieldPath([...at, ...path]) });
  const names = new Map<string, number>();
  const stages: Stage[] = b.stages.map((s, i) => {
    const stage: Stage = { index: i, from: lit(s.from), pos: positionOf(y, [...at, 'stages', i]), steps: [] };
    if (s.as) {
      const name = s.as.toLowerCase();
      if (names.has(name)) errors.push(new GlassboxError(`duplicate stage name "${name}"`, { ...where(['stages', i, 'as']), hint: `stage ${names.get(name)} has the same name` }));
      names.set(name, i);
      stage.name = name;
    }
    if (s.platform) stage.platform = lit(s.platform);
    stage.steps = s.steps.map((st, j) => {
      const { body, text } = stepOf(st);
      return { ...body, pos: positionOf(y, [...at, 'stages', i, 'steps', j]), text } as BuildStep;
    });
    return stage;
  });
  if (errors.length) throw new GlassboxErrors(errors);
  const globalArgs: ArgDecl[] = Object.entries(b.args ?? {}).map(([name, d]) => (d === null ? { name: lit(name) } : { name: lit(name), default: lit(d) }));
  return { file, globalArgs, stages, escape: '\\' };
}
