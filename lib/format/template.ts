// docker's --format templates (`inspect -f '{{.State.Pid}}'`, `ps --format 'table {{.Names}}\t{{.Status}}'`):
// the part of Go's text/template that docker users write, evaluated over plain JSON values. No npm library is
// faithful enough: @ctrl/golang-template has no variables, pipelines, printf or json; the wasm build of Go's own
// engine (@evertdespiegeleer/go-template) is exact but has none of docker's functions (json, join, upper, …), turns
// every number into a float (`printf "%d"` prints `%!d(float64=42)`) and costs a 5 MiB module and ~70 ms. So this
// is a small evaluator for: text, `{{- -}}` trimming, comments, pipelines with `|`, fields `.A.B`, `$`, variables
// (`$x := …`, `range $i, $v := …`), `if`/`else if`/`else`, `range`/`else`, `with`, literals, parentheses, Go's
// built-ins (and or not len index eq ne lt le gt ge print printf println slice) and docker's (json join split
// lower upper title pad truncate). Values print as Go's %v does (`map[a:b]`, `[x y]`, `<no value>`).

export class TemplateError extends Error {}

type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipe: Pipe }
  | { t: 'if' | 'with'; pipe: Pipe; body: Node[]; else: Node[] }
  | { t: 'range'; pipe: Pipe; body: Node[]; else: Node[] };
interface Pipe {
  decl: string[];
  cmds: Arg[][];
}
type Arg =
  | { t: 'field'; base: 'dot' | string; path: string[] }
  | { t: 'lit'; v: unknown }
  | { t: 'ident'; name: string }
  | { t: 'sub'; pipe: Pipe; path: string[] };

// ---- lexing: text and actions ----
function splitActions(src: string): Array<{ text: string } | { action: string }> {
  const out: Array<{ text: string } | { action: string }> = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = src.slice(i, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      if (text) out.push({ text });
      break;
    }
    let start = open + 2;
    if (src.startsWith('- ', start) || /^-[\t\n\r]/.test(src.slice(start, start + 2))) (text = text.replace(/\s+$/, '')), (start += 1);
    if (text) out.push({ text });
    // Find the closing braces outside string literals.
    let j = start;
    let quote = '';
    for (; j < src.length; j++) {
      const c = src[j]!;
      if (quote) {
        if (c === '\\' && quote === '"') j++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === '`' || c === "'") quote = c;
      else if (src.startsWith('}}', j)) break;
    }
    if (j >= src.length) throw new TemplateError('unclosed action');
    let body = src.slice(start, j);
    trimNext = false;
    if (/[ \t\n\r]-$/.test(body)) (body = body.slice(0, -1)), (trimNext = true);
    out.push({ action: body.trim() });
    i = j + 2;
  }
  return out;
}

// Tokens of one action.
function tokens(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === '`' || c === "'") {
      let j = i + 1;
      while (j < s.length && s[j] !== c) j += s[j] === '\\' && c !== '`' ? 2 : 1;
      if (j >= s.length) throw new TemplateError(`unterminated quoted string in "${s}"`);
      out.push(s.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (c === '(' || c === ')' || c === '|' || c === ',') {
      out.push(c);
      i++;
      continue;
    }
    if (s.startsWith(':=', i) || (c === '=' && s[i + 1] !== '=')) {
      out.push(c === ':' ? ':=' : '=');
      i += c === ':' ? 2 : 1;
      continue;
    }
    let j = i;
    while (j < s.length && !/[\s()|,]/.test(s[j]!) && !s.startsWith(':=', j)) j++;
    // `)` directly followed by .Field: the field chain stays a token of its own.
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

function parsePipe(toks: string[], pos: { i: number }, stop: string[] = []): Pipe {
  const decl: string[] = [];
  // `$x :=` or `$i, $v :=`
  const save = pos.i;
  const vars: string[] = [];
  while (toks[pos.i]?.startsWith('$') && toks[pos.i] !== '$') {
    vars.push(toks[pos.i]!);
    pos.i++;
    if (toks[pos.i] === ',') {
      pos.i++;
      continue;
    }
    break;
  }
  if (vars.length && (toks[pos.i] === ':=' || toks[pos.i] === '=')) {
    pos.i++;
    decl.push(...vars);
  } else pos.i = save;
  const cmds: Arg[][] = [];
  let cmd: Arg[] = [];
  while (pos.i < toks.length && !stop.includes(toks[pos.i]!)) {
    const tk = toks[pos.i]!;
    if (tk === '|') {
      if (!cmd.length) throw new TemplateError('missing command before "|"');
      cmds.push(cmd);
      cmd = [];
      pos.i++;
      continue;
    }
    cmd.push(parseArg(toks, pos));
  }
  if (cmd.length) cmds.push(cmd);
  if (!cmds.length) throw new TemplateError('missing value for command');
  return { decl, cmds };
}

const fieldPath = (s: string) => s.split('.').filter(Boolean);

function parseArg(toks: string[], pos: { i: number }): Arg {
  const tk = toks[pos.i++]!;
  if (tk === '(') {
    const pipe = parsePipe(toks, pos, [')']);
    if (toks[pos.i++] !== ')') throw new TemplateError('unclosed left paren');
    let path: string[] = [];
    if (toks[pos.i]?.startsWith('.') && toks[pos.i] !== '.') path = fieldPath(toks[pos.i++]!);
    return { t: 'sub', pipe, path };
  }
  if (tk === '.') return { t: 'field', base: 'dot', path: [] };
  if (tk.startsWith('.')) {
    if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(tk)) throw new TemplateError(`bad field "${tk}"`);
    return { t: 'field', base: 'dot', path: fieldPath(tk) };
  }
  if (tk.startsWith('$')) {
    const [v, ...rest] = tk.split('.');
    return { t: 'field', base: v!, path: rest };
  }
  if (tk.startsWith('"')) return { t: 'lit', v: JSON.parse(tk.replace(/\\'/g, "'")) };
  if (tk.startsWith('`')) return { t: 'lit', v: tk.slice(1, -1) };
  if (tk.startsWith("'")) return { t: 'lit', v: JSON.parse(`"${tk.slice(1, -1)}"`).codePointAt(0) };
  if (tk === 'true' || tk === 'false') return { t: 'lit', v: tk === 'true' };
  if (tk === 'nil') return { t: 'lit', v: null };
  if (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(tk) || /^0x[0-9a-fA-F]+$/.test(tk)) return { t: 'lit', v: Number(tk) };
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(tk)) return { t: 'ident', name: tk };
  throw new TemplateError(`unexpected "${tk}" in command`);
}

/** A parsed template, ready to be executed against many values. */
export interface Template {
  nodes: Node[];
}

// Parses a template; errors read like Go's ("template: …").
export function parseTemplate(src: string): Template {
  const parts = splitActions(src);
  let k = 0;
  // single: parse one node only (the `if` of an `else if`, which shares the outer block's {{end}}).
  const block = (ends: string[], single = false): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (k < parts.length) {
      const p = parts[k++]!;
      if ('text' in p) {
        nodes.push({ t: 'text', text: p.text });
        continue;
      }
      const a = p.action;
      if (a.startsWith('/*')) {
        if (!a.endsWith('*/')) throw new TemplateError('unclosed comment');
        continue;
      }
      const toks = tokens(a);
      const kw = toks[0];
      if (kw === 'end' || kw === 'else') {
        if (!ends.includes(kw)) throw new TemplateError(`unexpected {{${kw}}}`);
        if (kw === 'else' && toks.length > 1) {
          // `else if …` / `else with …`: an else branch holding one nested block that shares this end.
          k--;
          parts[k] = { action: toks.slice(1).join(' ') };
          return { nodes, end: 'else-chain' };
        }
        return { nodes, end: kw };
      }
      if (kw === 'if' || kw === 'with' || kw === 'range') {
        const pos = { i: 1 };
        const pipe = parsePipe(toks, pos);
        const body = block(['end', 'else']);
        let els: Node[] = [];
        if (body.end === 'else') {
          const e = block(['end']);
          if (e.end !== 'end') throw new TemplateError(`unexpected EOF`);
          els = e.nodes;
        } else if (body.end === 'else-chain') els = block([], true).nodes;
        else if (body.end !== 'end') throw new TemplateError(`unexpected EOF`);
        nodes.push({ t: kw, pipe, body: body.nodes, else: els });
        if (single) return { nodes, end: '' };
        continue;
      }
      if (kw === 'define' || kw === 'template' || kw === 'block' || kw === 'break' || kw === 'continue') throw new TemplateError(`{{${kw}}} is not supported by glassbox's templates`);
      const pos = { i: 0 };
      nodes.push({ t: 'action', pipe: parsePipe(toks, pos) });
    }
    if (ends.length || single) throw new TemplateError('unexpected EOF');
    return { nodes, end: '' };
  };
  const top = block([]);
  return { nodes: top.nodes };
}

// ---- values, as Go prints and judges them ----
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go's %v of a JSON value. */
export function goString(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goString(v[k])}`).join(' ')}]`;
  return String(v);
}

function truth(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

// Go's fmt verbs that docker templates use: %s %v %d %q %x %f %%, with a width.
function sprintf(format: string, args: unknown[]): string {
  let n = 0;
  return format.replace(/%([-0]?)(\d*)(?:\.(\d+))?([svdqxXf%t])/g, (_m, flag: string, width: string, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (n >= args.length) return `%!${verb}(MISSING)`;
    const a = args[n++];
    let s: string;
    if (verb === 'd') s = typeof a === 'number' ? String(Math.trunc(a)) : `%!d(${typeof a}=${goString(a)})`;
    else if (verb === 'q') s = JSON.stringify(goString(a));
    else if (verb === 'x' || verb === 'X') s = typeof a === 'number' ? a.toString(16) : Buffer.from(goString(a)).toString('hex');
    else if (verb === 'f') s = typeof a === 'number' ? a.toFixed(prec === undefined ? 6 : Number(prec)) : `%!f(${goString(a)})`;
    else s = goString(a);
    if (verb === 'X') s = s.toUpperCase();
    if (width) s = flag === '-' ? s.padEnd(Number(width)) : s.padStart(Number(width), flag === '0' ? '0' : ' ');
    return s;
  });
}

const cmp = (a: unknown, b: unknown) => {
  if (typeof a !== typeof b) throw new TemplateError(`incompatible types for comparison`);
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
};

// docker's json: encoding/json without HTML escaping, no trailing newline.
const goJson = (v: unknown) => JSON.stringify(v === undefined ? null : v);

const FUNCS: Record<string, (...a: unknown[]) => unknown> = {
  json: (v) => goJson(v),
  join: (list, sep) => (Array.isArray(list) ? list.map(goString).join(String(sep)) : goString(list)),
  split: (s, sep) => String(s).split(String(sep)),
  lower: (s) => goString(s).toLowerCase(),
  upper: (s) => goString(s).toUpperCase(),
  title: (s) => goString(s).replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, p: string, c: string) => p + c.toUpperCase()),
  pad: (s, l, r) => ' '.repeat(Number(l)) + goString(s) + ' '.repeat(Number(r)),
  truncate: (s, n) => [...goString(s)].slice(0, Number(n)).join(''),
  len: (v) => {
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (isMap(v)) return Object.keys(v).length;
    throw new TemplateError(`len of ${goString(v)}`);
  },
  index: (v, ...keys) => {
    let cur = v;
    for (const k of keys) {
      if (cur === null || cur === undefined) throw new TemplateError('index of untyped nil');
      if (Array.isArray(cur)) {
        if (typeof k !== 'number' || k < 0 || k >= cur.length) throw new TemplateError(`index out of range: ${goString(k)}`);
        cur = cur[k];
      } else if (isMap(cur)) cur = cur[String(k)];
      else throw new TemplateError(`can't index item of type ${typeof cur}`);
    }
    return cur;
  },
  slice: (v, a, b) => (typeof v === 'string' || Array.isArray(v) ? v.slice(Number(a ?? 0), b === undefined ? undefined : Number(b)) : v),
  not: (v) => !truth(v),
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => cmp(a, b) < 0,
  le: (a, b) => cmp(a, b) <= 0,
  gt: (a, b) => cmp(a, b) > 0,
  ge: (a, b) => cmp(a, b) >= 0,
  // Go's print: spaces between operands when neither is a string.
  print: (...a) => a.map((x, i) => (i > 0 && typeof x !== 'string' && typeof a[i - 1] !== 'string' ? ' ' : '') + goString(x)).join(''),
  println: (...a) => a.map(goString).join(' ') + '\n',
  printf: (f, ...a) => sprintf(String(f), a),
};

interface Scope {
  dot: unknown;
  vars: Map<string, unknown>;
}

function field(v: unknown, path: string[]): unknown {
  let cur = v;
  for (const p of path) {
    if (cur === undefined || cur === null) throw new TemplateError(`nil pointer evaluating .${p}`);
    if (!isMap(cur)) throw new TemplateError(`can't evaluate field ${p} in type ${Array.isArray(cur) ? 'slice' : typeof cur}`);
    cur = cur[p];
  }
  return cur;
}

function evalArg(a: Arg, s: Scope, final: unknown[] = []): unknown {
  if (a.t === 'lit') return a.v;
  if (a.t === 'sub') return field(evalPipe(a.pipe, s), a.path);
  if (a.t === 'field') {
    const base = a.base === 'dot' ? s.dot : s.vars.has(a.base) ? s.vars.get(a.base) : undefined;
    if (a.base !== 'dot' && !s.vars.has(a.base)) throw new TemplateError(`undefined variable "${a.base}"`);
    return field(base, a.path);
  }
  const fn = FUNCS[a.name];
  if (!fn) throw new TemplateError(`function "${a.name}" not defined`);
  return fn(...final);
}

function evalCmd(cmd: Arg[], s: Scope, piped: unknown[]): unknown {
  const [head, ...rest] = cmd;
  if (head!.t === 'ident') {
    const name = head!.name;
    // and/or stop at the first operand that decides.
    if (name === 'and' || name === 'or') {
      const ops = [...rest.map((r) => () => evalArg(r, s)), ...piped.map((p) => () => p)];
      let last: unknown;
      for (const op of ops) {
        last = op();
        if (name === 'and' ? !truth(last) : truth(last)) return last;
      }
      return last;
    }
    return evalArg(head!, s, [...rest.map((r) => evalArg(r, s)), ...piped]);
  }
  if (rest.length || piped.length) throw new TemplateError(`can't give argument to non-function`);
  return evalArg(head!, s);
}

function evalPipe(p: Pipe, s: Scope): unknown {
  let v: unknown;
  p.cmds.forEach((cmd, i) => (v = evalCmd(cmd, s, i === 0 ? [] : [v])));
  if (p.decl.length === 1) s.vars.set(p.decl[0]!, v);
  return v;
}

function exec(nodes: Node[], s: Scope, out: string[]): void {
  for (const n of nodes) {
    if (n.t === 'text') out.push(n.text);
    else if (n.t === 'action') {
      const v = evalPipe(n.pipe, s);
      if (!n.pipe.decl.length) out.push(goString(v));
    } else if (n.t === 'if' || n.t === 'with') {
      const inner: Scope = { dot: s.dot, vars: new Map(s.vars) };
      const v = evalPipe(n.pipe, inner);
      if (truth(v)) exec(n.body, n.t === 'with' ? { ...inner, dot: v } : inner, out);
      else exec(n.else, { dot: s.dot, vars: new Map(s.vars) }, out);
    } else {
      const v = evalPipe({ ...n.pipe, decl: [] }, s);
      const entries: Array<[unknown, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : isMap(v) ? Object.keys(v).sort().map((k) => [k, v[k]]) : v === undefined || v === null ? [] : typeof v === 'number' ? Array.from({ length: v }, (_, i) => [i, i]) : (() => { throw new TemplateError(`range can't iterate over ${goString(v)}`); })();
      if (!entries.length) exec(n.else, s, out);
      for (const [k, x] of entries) {
        const vars = new Map(s.vars);
        if (n.pipe.decl.length === 1) vars.set(n.pipe.decl[0]!, x);
        if (n.pipe.decl.length === 2) vars.set(n.pipe.decl[0]!, k).set(n.pipe.decl[1]!, x);
        exec(n.body, { dot: x, vars }, out);
      }
    }
  }
}

// Executes a parsed template against one value.
export function executeTemplate(t: Template, data: unknown): string {
  const out: string[] = [];
  exec(t.nodes, { dot: data, vars: new Map([['$', data]]) }, out);
  return out.join('');
}

// Parses and runs in one go.
export function renderTemplate(src: string, data: unknown): string {
  return executeTemplate(parseTemplate(src), data);
}
