// The first pass over a Dockerfile, as BuildKit's parser makes it (frontend/dockerfile/parser/parser.go): parser
// directives at the top, comments, blank lines, and instructions continued over several lines with the escape
// character (comments and blank lines inside a continuation are skipped). Each logical line keeps a map back to
// the physical lines, so an error anywhere in it can say FILE:LINE:COL.

import { GlassboxError, type SourcePos } from '../errors.ts';

/** One instruction's text, continuations joined, and where each piece of it came from. */
export interface LogicalLine {
  text: string;
  /** Pieces of `text`: from offset `at` on, the characters come from `line` starting at column `col`. */
  pieces: Array<{ at: number; line: number; col: number }>;
  file: string;
  /** RUN, COPY and ADD: the heredocs (`<<EOF` … `EOF`) the line opens, their bodies read raw from the lines after it. */
  heredocs?: Heredoc[];
}

export interface Heredoc {
  /** The terminator, quotes removed. */
  name: string;
  /** The word as written (`<<-"EOF"`) and its offset in the logical line. */
  word: string;
  at: number;
  /** `<<-`: leading tabs are stripped from the body and the terminator line. */
  chomp: boolean;
  /** The terminator was quoted: no expansion in the body. */
  quoted: boolean;
  /** The body, each line ending in a newline, as written (tabs not yet stripped). */
  body: string;
  /** False when the file ended before the terminator. */
  terminated: boolean;
}

export interface Lines {
  escape: '\\' | '`';
  lines: LogicalLine[];
  errors: GlassboxError[];
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
/** Directives BuildKit knows: `syntax` (a frontend image: glassbox has one frontend, so it has no effect) and
 * `check` (lint settings: no effect on what is built) are accepted and ignored; `escape` sets the escape character. */
const DIRECTIVES = new Set(['escape', 'syntax', 'check']);

// The position of offset `off` in a logical line.
export function posIn(l: LogicalLine, off: number): SourcePos {
  let p = l.pieces[0]!;
  for (const q of l.pieces) if (q.at <= off) p = q;
  return { file: l.file, line: p.line, col: p.col + Math.max(0, off - p.at) };
}

// Splits the text into logical lines (the escape directive read on the way).
export function splitLines(text: string, file: string): Lines {
  const phys = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (text.endsWith('\n')) phys.pop();
  if (phys.length) phys[0] = phys[0]!.replace(/^\uFEFF/, '');
  let escape: '\\' | '`' = '\\';
  let directivesDone = false;
  const seen = new Set<string>();
  const errors: GlassboxError[] = [];
  const lines: LogicalLine[] = [];
  const continues = (s: string) => new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`).exec(s);
  const isComment = (s: string) => s.trimStart().startsWith('#');

  for (let i = 0; i < phys.length; i++) {
    const raw = phys[i]!;
    const trimmed = raw.trimStart();
    const lead = raw.length - trimmed.length;
    if (!directivesDone) {
      const m = DIRECTIVE.exec(trimmed);
      const key = m?.[1]!.toLowerCase();
      if (!m || !DIRECTIVES.has(key!)) directivesDone = true;
      else if (seen.has(key!)) errors.push(new GlassboxError(`only one ${key} parser directive can be used`, { pos: { file, line: i + 1, col: lead + 1 }, hint: 'remove the second one' }));
      else {
        seen.add(key!);
        if (key === 'escape') {
          if (m[2] === '\\' || m[2] === '`') escape = m[2];
          else errors.push(new GlassboxError(`invalid escape token '${m[2]}' does not match \` or \\`, { pos: { file, line: i + 1, col: lead + 1 }, hint: 'write # escape=\\ or # escape=`' }));
        }
      }
    }
    if (isComment(raw) || trimmed === '') continue;
    const line: LogicalLine = { text: '', pieces: [], file };
    let piece = trimmed;
    let col = lead + 1;
    let lineNo = i + 1;
    for (;;) {
      const c = continues(piece);
      line.pieces.push({ at: line.text.length, line: lineNo, col });
      line.text += c ? piece.slice(0, c.index) : piece;
      if (!c) break;
      // The next physical line that is neither a comment nor blank continues this one (as it is, not trimmed).
      let next = i + 1;
      while (next < phys.length && (isComment(phys[next]!) || phys[next]!.trim() === '')) next++;
      i = next;
      if (next >= phys.length) break;
      piece = phys[next]!;
      col = 1;
      lineNo = next + 1;
    }
    // A line that was only an escape character (and spaces) says nothing.
    if (line.text.trim() === '') continue;
    // Heredocs: their bodies follow the instruction line, raw (a # line there is not a comment).
    if (/^\s*(run|copy|add)\s/i.test(line.text)) {
      const docs = heredocWords(line.text, escape);
      for (const d of docs) {
        let body = '';
        let terminated = false;
        while (i + 1 < phys.length) {
          const l = phys[++i]!;
          if ((d.chomp ? l.replace(/^\t+/, '') : l) === d.name) {
            terminated = true;
            break;
          }
          body += `${l}\n`;
        }
        (line.heredocs ??= []).push({ ...d, body, terminated });
      }
    }
    lines.push(line);
  }
  return { escape, lines, errors };
}

// The heredoc words of an instruction line (BuildKit: a word, quotes kept, that is `<<[-]NAME`; `<<<` is a
// here-string, and `<<` inside quotes is text).
export function heredocWords(text: string, escape: string): Array<Omit<Heredoc, 'body' | 'terminated'>> {
  const out: Array<Omit<Heredoc, 'body' | 'terminated'>> = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    const at = i;
    let quote = '';
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (quote) {
        if (c === quote) quote = '';
        else if (c === escape && quote === '"') i++;
      } else if (/\s/.test(c)) break;
      else if (c === '"' || c === "'") quote = c;
      else if (c === escape) i++;
    }
    const word = text.slice(at, i);
    const m = /^<<(-?)([^<]+)$/.exec(word);
    if (!m) continue;
    const name = m[2]!.replace(/["']/g, '');
    if (name) out.push({ name, word, at, chomp: m[1] === '-', quoted: /["']/.test(m[2]!) });
  }
  return out;
}
