// A Dockerfile → BuildFile, with the rules of BuildKit's dockerfile frontend (parser/ and instructions/parse.go):
// the same instructions, forms, flags and errors, each error at FILE:LINE:COL. What glassbox cannot build yet
// (RUN --mount, COPY --link, COPY <<EOF, ONBUILD…) is refused at its place, never ignored. Words are kept as written:
// the builder substitutes variables step by step (lib/build/substitute.ts).

import { GlassboxError, GlassboxErrors, type SourcePos } from '../errors.ts';
import { parseDuration } from '../health/model.ts';
import { didYouMean } from '../util/didyoumean.ts';
import { posIn, splitLines, type LogicalLine } from './dockerfile-lines.ts';
import { extractFlags, fields, jsonForm, quotedWords, splitCommand, type Word } from './dockerfile-words.ts';
import type { ArgDecl, BuildFile, BuildStep, Stage, StepBody } from './model.ts';
import { quoteLiteral } from './substitute.ts';

/** Every instruction BuildKit knows (for did-you-mean). */
export const INSTRUCTIONS = ['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

/** A flag an instruction takes: a string or a boolean, and whether glassbox can build it yet. */
interface FlagSpec {
  type: 'string' | 'bool';
  unsupported?: string;
}
const LATER = 'glassbox does not support it yet';
const FLAGS: Record<string, Record<string, FlagSpec>> = {
  from: { platform: { type: 'string' } },
  run: {
    mount: { type: 'string', unsupported: `${LATER}: copy what the step needs into an earlier stage instead of mounting it` },
    network: { type: 'string', unsupported: `${LATER}: build steps run with the default network` },
    security: { type: 'string', unsupported: `${LATER}: build steps run unprivileged` },
    device: { type: 'string', unsupported: LATER },
  },
  copy: {
    from: { type: 'string' },
    chown: { type: 'string' },
    chmod: { type: 'string' },
    link: { type: 'bool', unsupported: `${LATER}: remove it (the copy is made the ordinary way)` },
    parents: { type: 'bool', unsupported: LATER },
    exclude: { type: 'string', unsupported: `${LATER}: list the sources, or use .dockerignore` },
  },
  add: {
    chown: { type: 'string' },
    chmod: { type: 'string' },
    link: { type: 'bool', unsupported: `${LATER}: remove it (the copy is made the ordinary way)` },
    'keep-git-dir': { type: 'bool', unsupported: LATER },
    checksum: { type: 'string', unsupported: `${LATER}: check the file in a RUN step (sha256sum -c)` },
    exclude: { type: 'string', unsupported: `${LATER}: list the sources, or use .dockerignore` },
    unpack: { type: 'bool', unsupported: LATER },
  },
  healthcheck: { interval: { type: 'string' }, timeout: { type: 'string' }, 'start-period': { type: 'string' }, 'start-interval': { type: 'string' }, retries: { type: 'string' } },
};

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

/** One instruction as the parser sees it: its name, flags, the text of its arguments, and where things are. */
interface Instr {
  line: LogicalLine;
  name: string;
  pos: SourcePos;
  flags: Map<string, { value: string; word: Word }>;
  args: string;
  argsAt: number;
  text: string;
}

// Parses a Dockerfile's text; throws GlassboxErrors listing every problem found.
export function parseDockerfile(text: string, file: string): BuildFile {
  const { escape, lines, errors } = splitLines(text, file);
  const out: BuildFile = { file, globalArgs: [], stages: [], escape };
  if (!lines.length && !errors.length) {
    throw new GlassboxErrors([new GlassboxError('the Dockerfile has no instructions', { pos: { file, line: 1, col: 1 }, hint: 'a Dockerfile starts with FROM IMAGE' })]);
  }
  const names = new Map<string, SourcePos>();
  for (const line of lines) {
    const fail = (message: string, at: number | SourcePos, hint?: string) => errors.push(new GlassboxError(message, { pos: typeof at === 'number' ? posIn(line, at) : at, hint }));
    const { name, restAt } = splitCommand(line.text);
    const lower = name.text.toLowerCase();
    const pos = posIn(line, name.at);
    const upper = name.text.toUpperCase();
    if (!INSTRUCTIONS.includes(upper)) {
      const near = didYouMean(upper, INSTRUCTIONS);
      fail(`unknown instruction: ${name.text}`, pos, near ? `did you mean ${near}?` : `instructions are ${INSTRUCTIONS.join(', ')}`);
      continue;
    }
    const { flags: flagWords, argsAt } = extractFlags(line.text, restAt);
    const rest = line.text.slice(restAt).trim();
    // A heredoc's body is part of what the step does: its text carries it (as docker's history does).
    const docs = (line.heredocs ?? []).map((d) => `\n${d.body}${d.name}`).join('');
    const ins: Instr = { line, name: lower, pos, flags: new Map(), args: line.text.slice(argsAt).trim(), argsAt, text: (rest ? `${upper} ${rest}` : upper) + docs };
    if (lower === 'onbuild') {
      fail('ONBUILD is not supported yet', pos, 'glassbox builds images but does not run triggers: put the steps in the Dockerfile that uses this image');
      continue;
    }
    if (!readFlags(ins, flagWords, fail)) continue;
    if (lower === 'from') {
      const stage = parseFrom(ins, out.stages.length, fail);
      if (stage.name) {
        const earlier = names.get(stage.name);
        if (earlier) fail(`duplicate stage name "${stage.name}"`, stage.pos, `an earlier FROM at line ${earlier.line} has the same name`);
        else names.set(stage.name, stage.pos);
      }
      out.stages.push(stage);
      continue;
    }
    const body = parseStep(ins, escape, fail);
    if (!body) continue;
    const step = { ...body, pos, text: ins.text } as BuildStep;
    const stage = out.stages[out.stages.length - 1];
    if (!stage) {
      if (body.kind === 'arg') out.globalArgs.push(...body.args);
      else fail(`${upper} before the first FROM`, pos, 'only ARG may come before FROM: a build stage starts with FROM IMAGE');
      continue;
    }
    stage.steps.push(step);
  }
  if (!errors.length && !out.stages.length) {
    errors.push(new GlassboxError('the Dockerfile has no FROM', { pos: posIn(lines[lines.length - 1]!, 0), hint: 'a build stage starts with FROM IMAGE' }));
  }
  if (errors.length) {
    errors.sort((a, b) => a.pos!.line - b.pos!.line || a.pos!.col - b.pos!.col);
    throw new GlassboxErrors(errors);
  }
  return out;
}

type Fail = (message: string, at: number | SourcePos, hint?: string) => void;

// Checks the instruction's --flags against what it takes (BuildKit's BFlags), refusing the unsupported ones.
function readFlags(ins: Instr, words: Word[], fail: Fail): boolean {
  const known = FLAGS[ins.name] ?? {};
  let ok = true;
  for (const w of words) {
    const body = w.text.slice(2);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const value = eq < 0 ? undefined : body.slice(eq + 1);
    const spec = known[name];
    const bad = (message: string, hint?: string) => {
      fail(message, w.at, hint);
      ok = false;
    };
    if (!spec) {
      const near = didYouMean(name, Object.keys(known));
      bad(`unknown flag: --${name}`, near ? `did you mean --${near}?` : Object.keys(known).length ? `${ins.name.toUpperCase()} takes ${Object.keys(known).map((k) => `--${k}`).join(', ')}` : `${ins.name.toUpperCase()} takes no flags`);
      continue;
    }
    if (ins.flags.has(name)) {
      bad(`duplicate flag specified: --${name}`, 'give it once');
      continue;
    }
    if (spec.type === 'bool') {
      const v = (value ?? 'true').toLowerCase();
      if (v !== 'true' && v !== 'false') {
        bad(`expecting boolean value for flag --${name}, not: ${value}`);
        continue;
      }
      // --link=false is the default: nothing to refuse.
      if (v === 'false') continue;
    } else if (value === undefined) {
      bad(`missing a value on flag: --${name}`, `write --${name}=VALUE`);
      continue;
    }
    if (spec.unsupported) {
      bad(`${ins.name.toUpperCase()} --${name} is not supported`, spec.unsupported);
      continue;
    }
    if (value !== '') ins.flags.set(name, { value: value ?? 'true', word: w });
  }
  return ok;
}

// FROM [--platform=…] IMAGE [AS name]
function parseFrom(ins: Instr, index: number, fail: Fail): Stage {
  const words = fields(ins.line.text, ins.argsAt);
  const stage: Stage = { index, from: words[0]?.text ?? '', pos: ins.pos, steps: [] };
  const platform = ins.flags.get('platform')?.value;
  if (platform) stage.platform = platform;
  if (words.length === 3 && words[1]!.text.toLowerCase() === 'as') {
    const name = words[2]!.text.toLowerCase();
    if (!STAGE_NAME.test(name)) fail(`invalid name for build stage: "${words[2]!.text}", name can't start with a number or contain symbols`, words[2]!.at, 'a stage name is letters, digits and - _ . starting with a letter');
    else stage.name = name;
  } else if (words.length !== 1) {
    fail('FROM requires either one or three arguments', words.length ? words[Math.min(1, words.length - 1)]!.at : ins.pos, 'FROM IMAGE or FROM IMAGE AS NAME');
  }
  return stage;
}

// The step an instruction other than FROM becomes (undefined after reporting why it cannot be one).
function parseStep(ins: Instr, escape: '\\' | '`', fail: Fail): StepBody | undefined {
  const NAME = ins.name.toUpperCase();
  const none = (what = 'at least one argument') => {
    fail(`${NAME} requires ${what}`, ins.pos);
    return undefined;
  };
  const badJson = () => {
    fail('when using JSON array syntax, arrays must be comprised of strings only', ins.argsAt);
    return undefined;
  };
  switch (ins.name) {
    case 'run':
    case 'cmd':
    case 'entrypoint': {
      const j = jsonForm(ins.args);
      if (j.kind === 'bad') return badJson();
      if (j.kind === 'json') return { kind: ins.name, exec: j.items };
      if (!ins.args) return none(ins.name === 'run' ? 'at least one argument' : `at least one argument (${NAME} [] for an empty one)`);
      if (ins.name === 'run' && ins.line.heredocs) {
        const shell = heredocRun(ins, fail);
        return shell === undefined ? undefined : { kind: 'run', shell };
      }
      return { kind: ins.name, shell: ins.args };
    }
    case 'shell': {
      const j = jsonForm(ins.args);
      if (j.kind === 'bad') return badJson();
      if (j.kind === 'none') {
        fail('SHELL requires the arguments to be in JSON form', ins.argsAt === ins.line.text.length ? ins.pos : ins.argsAt, 'SHELL ["/bin/bash", "-c"]');
        return undefined;
      }
      if (!j.items.length) return none();
      return { kind: 'shell', exec: j.items };
    }
    case 'copy':
    case 'add': {
      const j = jsonForm(ins.args);
      if (j.kind === 'bad') return badJson();
      const args = j.kind === 'json' ? j.items : fields(ins.line.text, ins.argsAt).map((w) => w.text);
      const doc = ins.line.heredocs?.[0];
      if (doc) {
        fail(`${NAME} ${doc.word}: a heredoc as a source is not supported yet`, doc.at, 'put the file in the build context and copy it from there');
        return undefined;
      }
      if (args.length < 2) {
        fail(`${NAME} requires at least two arguments, but only ${args.length ? 'one was' : 'none were'} provided. Destination could not be determined`, ins.pos, `${NAME} SRC… DEST`);
        return undefined;
      }
      const step: StepBody = { kind: ins.name, sources: args.slice(0, -1), dest: args[args.length - 1]! };
      for (const f of ['from', 'chown', 'chmod'] as const) {
        const v = ins.flags.get(f)?.value;
        if (v !== undefined) step[f] = v;
      }
      return step;
    }
    case 'env':
    case 'label': {
      const pairs = nameValues(ins, escape, fail);
      return pairs && { kind: ins.name, pairs };
    }
    case 'maintainer':
      // Deprecated but still accepted by docker (which sets the image's author): kept as the label docker's
      // documentation suggests instead, value literal (MAINTAINER does not substitute).
      if (!ins.args) return none('exactly one argument');
      return { kind: 'label', pairs: [['maintainer', quoteLiteral(ins.args, escape)]] };
    case 'arg': {
      const words = quotedWords(ins.line.text, ins.argsAt, escape);
      if (!words.length) return none();
      const args: ArgDecl[] = [];
      for (const w of words) {
        const eq = w.text.indexOf('=');
        if (eq === 0) {
          fail('ARG names can not be blank', w.at, 'ARG NAME or ARG NAME=DEFAULT');
          return undefined;
        }
        args.push(eq < 0 ? { name: w.text } : { name: w.text.slice(0, eq), default: w.text.slice(eq + 1) });
      }
      return { kind: 'arg', args };
    }
    case 'workdir':
      return ins.args ? { kind: 'workdir', path: ins.args } : none('exactly one argument');
    case 'user':
      return ins.args ? { kind: 'user', user: ins.args } : none('exactly one argument');
    case 'stopsignal':
      return ins.args ? { kind: 'stopsignal', signal: ins.args } : none('exactly one argument');
    case 'expose': {
      const ports = fields(ins.line.text, ins.argsAt).map((w) => w.text);
      return ports.length ? { kind: 'expose', ports } : none();
    }
    case 'volume': {
      const j = jsonForm(ins.args);
      if (j.kind === 'bad') return badJson();
      const paths = j.kind === 'json' ? j.items : fields(ins.line.text, ins.argsAt).map((w) => w.text);
      if (!paths.length) return none();
      if (paths.some((p) => p.trim() === '')) {
        fail('VOLUME specified can not be an empty string', ins.argsAt);
        return undefined;
      }
      return { kind: 'volume', paths: paths.map((p) => p.trim()) };
    }
    case 'healthcheck':
      return parseHealthcheck(ins, fail);
  }
  return undefined;
}

// HEALTHCHECK NONE | [--interval=… …] CMD command (JSON or shell form).
function parseHealthcheck(ins: Instr, fail: Fail): StepBody | undefined {
  const m = /^(\S+)\s*/.exec(ins.args);
  if (!m) {
    fail('HEALTHCHECK requires at least one argument', ins.pos, 'HEALTHCHECK CMD command, or HEALTHCHECK NONE');
    return undefined;
  }
  const typ = m[1]!.toUpperCase();
  const cmd = ins.args.slice(m[0].length);
  if (typ === 'NONE') {
    if (cmd) fail('HEALTHCHECK NONE takes no arguments', ins.argsAt + m[0].length);
    else if (ins.flags.size) fail('HEALTHCHECK NONE takes no flags', [...ins.flags.values()][0]!.word.at);
    else return { kind: 'healthcheck', none: true };
    return undefined;
  }
  if (typ !== 'CMD') {
    fail(`Unknown type "${m[1]}" in HEALTHCHECK (try CMD)`, ins.argsAt);
    return undefined;
  }
  const out: StepBody & { kind: 'healthcheck' } = { kind: 'healthcheck' };
  const j = jsonForm(cmd);
  if (j.kind === 'bad') {
    fail('when using JSON array syntax, arrays must be comprised of strings only', ins.argsAt + m[0].length);
    return undefined;
  }
  if (j.kind === 'json' ? !j.items.length : !cmd) {
    fail('Missing command after HEALTHCHECK CMD', ins.argsAt);
    return undefined;
  }
  if (j.kind === 'json') out.test = j.items;
  else out.shell = cmd;
  let ok = true;
  const durations = { interval: 'interval', timeout: 'timeout', 'start-period': 'startPeriod', 'start-interval': 'startInterval' } as const;
  for (const [flag, key] of Object.entries(durations)) {
    const f = ins.flags.get(flag);
    if (!f) continue;
    const d = parseDuration(f.value);
    if (typeof d === 'string') {
      fail(`--${flag}: ${d}`, f.word.at);
      ok = false;
    } else out[key] = f.value;
  }
  const r = ins.flags.get('retries');
  if (r) {
    if (!/^\d+$/.test(r.value)) {
      fail(`--retries: "${r.value}" is not a whole number of at least 0`, r.word.at);
      ok = false;
    } else out.retries = r.value;
  }
  return ok ? out : undefined;
}

// ENV and LABEL: `K=V K2="v 2"…`, or the old `K V` (the rest of the line is the value).
function nameValues(ins: Instr, escape: string, fail: Fail): Array<[string, string]> | undefined {
  const NAME = ins.name.toUpperCase();
  const words = quotedWords(ins.line.text, ins.argsAt, escape);
  if (!words.length) {
    fail(`${NAME} requires at least one argument`, ins.pos, `${NAME} KEY=VALUE`);
    return undefined;
  }
  if (!words[0]!.text.includes('=')) {
    const m = /^(\S+)[\t\v\f\r ]+([^]*)$/.exec(ins.args);
    if (!m) {
      fail(`${NAME} must have two arguments`, words[0]!.at, `${NAME} KEY=VALUE`);
      return undefined;
    }
    return [[m[1]!, m[2]!]];
  }
  const pairs: Array<[string, string]> = [];
  for (const w of words) {
    const eq = w.text.indexOf('=');
    if (eq < 0) {
      fail(`Syntax error - can't find = in "${w.text}". Must be of the form: name=value`, w.at, 'quote a value with spaces: KEY="a b"');
      return undefined;
    }
    if (eq === 0) {
      fail(`${NAME} names can not be blank`, w.at);
      return undefined;
    }
    pairs.push([w.text.slice(0, eq), w.text.slice(eq + 1)]);
  }
  return pairs;
}

// RUN with heredocs, as BuildKit runs them: `RUN <<EOF` alone runs the body as the script; otherwise each body
// and its terminator follow the command line, for the shell to read as its own heredocs (`cat <<EOF > file`).
function heredocRun(ins: Instr, fail: Fail): string | undefined {
  const docs = ins.line.heredocs!;
  const open = docs.find((d) => !d.terminated);
  if (open) {
    fail(`unterminated heredoc ${open.word}: no line ${open.name} after it`, open.at, `end the heredoc with a line that is only ${open.name}`);
    return undefined;
  }
  if (docs.length === 1 && ins.args === docs[0]!.word) {
    const d = docs[0]!;
    const body = d.chomp ? d.body.replace(/^\t+/gm, '') : d.body;
    if (body.startsWith('#!')) {
      fail(`a heredoc script with its own interpreter (${body.split('\n')[0]}) is not supported yet`, d.at, 'run the interpreter on it: RUN python3 <<EOF');
      return undefined;
    }
    return body;
  }
  return ins.args + docs.map((d) => `\n${d.body}${d.name}`).join('');
}
