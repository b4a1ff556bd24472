// YAML with source positions. `yaml` keeps a range for every node; a LineCounter turns an offset into
// line:col. Validation errors found on the parsed value are mapped back to the node at the same path,
// so a message can say `recipes/x.yaml:7:5: volumes.0.target: …`.

import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { GlassboxError, GlassboxErrors, type SourcePos } from '../errors.ts';

export interface ParsedYaml {
  file: string;
  doc: Document;
  lines: LineCounter;
  value: unknown;
}

// Parses YAML text; syntax errors become GlassboxErrors with positions.
export function parseYaml(text: string, file: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
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
  return { file, doc, lines, value: doc.toJS() };
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
