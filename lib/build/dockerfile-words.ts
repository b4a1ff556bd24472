// The word-level rules of BuildKit's line parsers (frontend/dockerfile/parser/line_parsers.go and
// split_command.go): the instruction's name and its --flags, words with their quotes kept (ENV, LABEL, ARG),
// whitespace-separated words (FROM, EXPOSE, COPY), and the JSON array form. Every word keeps its offset in the
// logical line, for positioned errors.

export interface Word {
  text: string;
  /** Offset of the word's first character in the logical line. */
  at: number;
}

const WS = /[\t\v\f\r ]/;
const isSpace = (c: string) => /\s/u.test(c);

// `NAME rest`: the instruction's name (as written) and the offset of the rest.
export function splitCommand(text: string): { name: Word; restAt: number } {
  let i = 0;
  while (i < text.length && isSpace(text[i]!)) i++;
  const start = i;
  while (i < text.length && !WS.test(text[i]!)) i++;
  const name = { text: text.slice(start, i), at: start };
  while (i < text.length && WS.test(text[i]!)) i++;
  return { name, restAt: i };
}

// The leading `--flag[=value]` words (quotes removed, `\` escaping), and the offset where the arguments start.
// A lone `--` ends the flags.
export function extractFlags(text: string, from: number): { flags: Word[]; argsAt: number } {
  const flags: Word[] = [];
  let i = from;
  for (;;) {
    while (i < text.length && isSpace(text[i]!)) i++;
    if (i >= text.length) return { flags, argsAt: text.length };
    if (!(text[i] === '-' && text[i + 1] === '-')) return { flags, argsAt: i };
    const at = i;
    let word = '';
    let quote = '';
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (quote) {
        if (c === quote) quote = '';
        else if (c === '\\' && i + 1 < text.length) word += text[++i];
        else if (c !== '\\') word += c;
        continue;
      }
      if (isSpace(c)) break;
      if (c === '"' || c === "'") quote = c;
      else if (c === '\\') {
        if (i + 1 < text.length) word += text[++i];
      } else word += c;
    }
    if (word === '--') {
      while (i < text.length && isSpace(text[i]!)) i++;
      return { flags, argsAt: i };
    }
    flags.push({ text: word, at });
  }
}

// Whitespace-separated words (parseStringsWhitespaceDelimited).
export function fields(text: string, from: number): Word[] {
  const out: Word[] = [];
  const re = /[^\t\v\f\r ]+/g;
  re.lastIndex = from;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ text: m[0], at: m.index });
  return out;
}

// Words separated by unquoted whitespace, quotes and escapes kept as written (parseWords): ENV, LABEL, ARG.
export function quotedWords(text: string, from: number, escape: string): Word[] {
  const out: Word[] = [];
  const chars = [...text.slice(from)];
  // Offsets in UTF-16 units, as the rest of the positions are.
  const offs: number[] = [];
  let o = from;
  for (const c of chars) {
    offs.push(o);
    o += c.length;
  }
  let word = '';
  let at = -1;
  let blankOK = false;
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  const flush = () => {
    if (blankOK || word.length) out.push({ text: word, at });
    word = '';
    blankOK = false;
  };
  for (let p = 0; p <= chars.length; p++) {
    const ch = chars[p] ?? '';
    if (phase === 'spaces') {
      if (p === chars.length) break;
      if (isSpace(ch)) continue;
      phase = 'word';
      at = offs[p]!;
    }
    if (p === chars.length) {
      flush();
      break;
    }
    if (phase === 'word') {
      if (isSpace(ch)) {
        phase = 'spaces';
        flush();
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === escape) {
        if (p + 1 === chars.length) continue;
        word += ch + chars[++p]!;
        continue;
      }
      word += ch;
      continue;
    }
    // In quotes: the escape character escapes (keeping both) except in single quotes.
    if (ch === quote) phase = 'word';
    if (ch === escape && quote !== "'") {
      if (p + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      word += ch + chars[++p]!;
      continue;
    }
    word += ch;
  }
  return out;
}

/** What the JSON form gave: an array of strings, not JSON at all (use the other form), or JSON of other things. */
export type JsonForm = { kind: 'json'; items: string[] } | { kind: 'none' } | { kind: 'bad' };

// parseJSON: a JSON array of strings; anything that is not valid JSON is the shell form, as docker has it.
export function jsonForm(text: string): JsonForm {
  const t = text.trimStart();
  if (!t.startsWith('[')) return { kind: 'none' };
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return { kind: 'none' };
  }
  if (!Array.isArray(v)) return { kind: 'none' };
  if (!v.every((x) => typeof x === 'string')) return { kind: 'bad' };
  return { kind: 'json', items: v as string[] };
}
