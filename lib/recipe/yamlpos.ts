// YAML with source positions. `yaml` keeps a range for every node; a LineCounter turns an offset into
// line:col. Validation errors found on the parsed value are mapped back to the node at the same path,
// so a message can say `recipes/x.yaml:7:5: volumes.0.target: …`.

import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, type Document, type Node } from 'yaml';
import { GlassboxError, GlassboxErrors, type SourcePos } from '../errors.ts';

export interface ParsedYaml {
  file: string;
  doc: Document;
  lines: LineCounter;
  value: unknown;
}

/** A recipe or block file is small; a bigger one is a mistake (or an attack on the parser): 256 KiB holds the
 * longest value glassbox accepts (128 KiB) twice over, and parses in well under a second. */
export const YAML_MAX_BYTES = 256 * 1024;
/** Nodes (scalars, lists, maps) in one file: a recipe has dozens. */
export const YAML_MAX_NODES = 20_000;
/** Aliases may repeat at most this many nodes in all: enough for any recipe, far too few for an alias bomb
 * (nine anchors of nine aliases each expand to 9^9 nodes from a few hundred bytes). */
export const YAML_MAX_ALIAS_NODES = 1000;

// Parses YAML text; syntax errors become GlassboxErrors with positions.
export function parseYaml(text: string, file: string): ParsedYaml {
  const lines = new LineCounter();
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  if (Buffer.byteLength(text, 'utf8') > YAML_MAX_BYTES) {
    throw new GlassboxError(`the file is larger than ${YAML_MAX_BYTES / 1024} KiB`, { pos: { file, line: 1, col: 1 }, hint: 'a recipe is a short file: is this the right one?' });
  }
  // logLevel error: the yaml library would otherwise print its warnings (a collection used as a key…) itself.
  // uniqueKeys false: the library compares each key with every earlier one (17,000 keys took 5 s); checkNodes
  // finds duplicates with a set instead.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  if (doc.errors.length) {
    // The first syntax error is the real one; the rest usually follow from it.
    throw new GlassboxErrors(
      doc.errors.slice(0, 1).map((e) => {
        const p = lines.linePos(e.pos[0]);
        return new GlassboxError(`YAML syntax error: ${e.message.split('\n')[0]}`, {
          pos: { file, line: p.line, col: p.col },
          hint: 'check indentation and quoting',
        });
      }),
    );
  }
  checkNodes(doc, at);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_NODES });
  } catch (e) {
    // checkAliases has found what toJS refuses; this is the last line of defence, at the first alias if any.
    let first: Node | undefined;
    walk(doc, (n) => (first ??= isAlias(n) ? n : undefined));
    throw new GlassboxError(`cannot read the YAML: ${(e as Error).message}`, { pos: at(first?.range?.[0] ?? 0), hint: 'write the values out instead of using anchors and aliases' });
  }
  return { file, doc, lines, value };
}

// Parses a stream of YAML documents (`---` between them, as Kubernetes manifests come): each one checked as
// parseYaml checks a file, all sharing one line counter so positions are the file's.
export function parseYamlDocuments(text: string, file: string): ParsedYaml[] {
  const lines = new LineCounter();
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  if (Buffer.byteLength(text, 'utf8') > YAML_MAX_BYTES) {
    throw new GlassboxError(`the file is larger than ${YAML_MAX_BYTES / 1024} KiB`, { pos: { file, line: 1, col: 1 }, hint: 'a manifest is a short file: is this the right one?' });
  }
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  const docs = Array.isArray(parsed) ? parsed : [];
  if (!Array.isArray(parsed)) throw new GlassboxError('YAML syntax error: the stream has no documents', { pos: at(0) });
  const out: ParsedYaml[] = [];
  for (const doc of docs) {
    const e = doc.errors[0];
    if (e) throw new GlassboxError(`YAML syntax error: ${e.message.split('\n')[0]}`, { pos: at(e.pos[0]), hint: 'check indentation and quoting' });
    checkNodes(doc, at);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_NODES });
    } catch (err) {
      throw new GlassboxError(`cannot read the YAML: ${(err as Error).message}`, { pos: at(doc.range[0]), hint: 'write the values out instead of using anchors and aliases' });
    }
    out.push({ file, doc, lines, value });
  }
  return out;
}

// Visits every node in document order without recursion (a deeply nested document cannot exhaust the stack);
// `exit` is called after a collection's children.
function walk(doc: Document, enter: (n: Node) => void, exit?: (n: Node) => void): void {
  const todo: Array<[Node, boolean]> = doc.contents ? [[doc.contents as Node, false]] : [];
  while (todo.length) {
    const [n, done] = todo.pop()!;
    if (done) {
      exit?.(n);
      continue;
    }
    enter(n);
    if (!isCollection(n)) continue;
    todo.push([n, true]);
    const kids: Node[] = [];
    for (const it of n.items) {
      if (isPair(it)) for (const x of [it.key, it.value]) x && typeof x === 'object' && kids.push(x as Node);
      else if (it) kids.push(it as Node);
    }
    for (let i = kids.length - 1; i >= 0; i--) todo.push([kids[i]!, false]);
  }
}

// Resolves every alias the way YAML does (the nearest anchor of that name before it) and counts the nodes the
// aliases repeat: an unknown anchor, an alias inside its own anchor, or more than YAML_MAX_ALIAS_NODES repeated
// nodes is an error at the alias; more than YAML_MAX_NODES nodes in all is an error at the one too many, and a
// key that a map already has is an error at the second one.
function checkNodes(doc: Document, at: (offset: number) => SourcePos): void {
  const anchors = new Map<string, Node>();
  const size = new Map<Node, number>();
  let repeated = 0;
  let nodes = 0;
  const bad = (n: Node, message: string, hint: string) => {
    throw new GlassboxError(message, { pos: at(n.range?.[0] ?? 0), hint });
  };
  walk(
    doc,
    (n) => {
      if (++nodes > YAML_MAX_NODES) bad(n, `the file has more than ${YAML_MAX_NODES} values`, 'a recipe is a short file: is this the right one?');
      if (isAlias(n)) {
        const target = anchors.get(n.source);
        if (!target) bad(n, `unknown alias *${n.source}`, `define the anchor &${n.source} before the alias`);
        const s = size.get(target!);
        if (s === undefined) bad(n, `alias *${n.source} is inside the node it repeats`, 'an alias cannot refer to its own parent');
        repeated += s!;
        if (repeated > YAML_MAX_ALIAS_NODES) bad(n, `aliases repeat more than ${YAML_MAX_ALIAS_NODES} nodes`, 'write the values out: nested aliases are how an alias bomb grows');
        size.set(n, s!);
        return;
      }
      const anchor = (n as { anchor?: string }).anchor;
      if (anchor) anchors.set(anchor, n);
      if (isMap(n)) {
        const keys = new Set<unknown>();
        for (const { key } of n.items) {
          if (!isScalar(key)) continue;
          const k = `${typeof key.value}:${String(key.value)}`;
          if (keys.has(k)) bad(key, 'YAML syntax error: Map keys must be unique', 'check indentation and quoting');
          keys.add(k);
        }
      }
      if (!isCollection(n)) size.set(n, 1);
    },
    (n) => {
      let s = 1;
      for (const it of (n as { items: unknown[] }).items) {
        for (const x of isPair(it) ? [it.key, it.value] : [it]) if (x && typeof x === 'object') s += size.get(x as Node) ?? 1;
      }
      size.set(n, s);
    },
  );
}

// Finds the position of the node at `path` (or of its nearest existing parent); for a missing or unknown map key
// it points at the key itself.
export function positionOf(y: ParsedYaml, path: (string | number)[], key?: string): SourcePos {
  let node: unknown = y.doc.contents;
  let best: unknown = node;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === seg);
      if (!pair) break;
      best = pair.key;
      node = pair.value;
      if (node) best = node;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (!node) break;
      best = node;
    } else break;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === key);
    if (pair?.key) best = pair.key;
  }
  const range = (best as { range?: [number, number, number] } | null)?.range;
  const p = y.lines.linePos(range ? range[0] : 0);
  return { file: y.file, line: p.line, col: p.col };
}

// Renders a path like volumes.0.target for messages.
export function fieldPath(path: (string | number | symbol)[]): string {
  return path.map(String).join('.');
}
