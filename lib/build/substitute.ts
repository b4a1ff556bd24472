// Docker's variable expansion in Dockerfile instructions, as BuildKit's shell lexer does it
// (frontend/dockerfile/shell/lex.go): `$VAR`, `${VAR}`, `${VAR:-word}` `${VAR-word}`, `${VAR:+word}` `${VAR+word}`,
// `${VAR:?msg}` `${VAR?msg}`, `${VAR#pat}` `${VAR##pat}` `${VAR%pat}` `${VAR%%pat}`, `${VAR/pat/repl}`
// `${VAR//pat/repl}`; single and double quotes are removed as a shell would, and the escape character (`\` or
// `` ` ``) escapes the next one. The builder calls this step by step with the ARG and ENV values in force.

import { GlassboxError, type SourcePos } from '../errors.ts';

/** The step kinds whose words the builder substitutes (docker: ADD ARG COPY ENV EXPOSE LABEL STOPSIGNAL USER
 * VOLUME WORKDIR, and FROM with the global ARGs). In COPY/ADD: sources, dest, --from, --chown, --chmod; in ENV,
 * LABEL and ARG: keys and values. Never RUN, CMD, ENTRYPOINT, SHELL or HEALTHCHECK: their shell text is the
 * shell's to expand, their JSON form is used as written. */
export const SUBSTITUTED_KINDS = ['add', 'arg', 'copy', 'env', 'expose', 'label', 'stopsignal', 'user', 'volume', 'workdir'] as const;
/** FROM's image and --platform are substituted too, with the global ARGs only (Stage.from, Stage.platform). */
export const SUBSTITUTED_IN_FROM = ['from', 'platform'] as const;

export interface SubstituteOptions {
  /** The file's escape character (BuildFile.escape); default `\`. */
  escape?: '\\' | '`';
  /** Where the word is (the step's pos): errors carry it. */
  pos?: SourcePos;
}

const EOF = '';

// A cursor over the word's characters (code points, as Go's scanner reads runes).
class Scanner {
  private i = 0;
  constructor(private readonly chars: string[]) {}
  // The next character, not consumed ('' at the end).
  peek(): string {
    return this.chars[this.i] ?? EOF;
  }
  // The next character, consumed.
  next(): string {
    return this.chars[this.i++] ?? EOF;
  }
}

// Collects the words of a processed string (ProcessWords): unquoted spaces separate words.
class Words {
  word = '';
  words: string[] = [];
  inWord = false;
  // An unquoted character: whitespace ends the current word.
  addChar(ch: string): void {
    if (/\s/u.test(ch)) {
      if (this.inWord && this.word.length) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else this.addRaw(ch);
  }
  // Quoted or escaped text: part of the word whatever it holds.
  addRaw(s: string): void {
    this.word += s;
    this.inWord = true;
  }
  // A substituted value: split like unquoted text.
  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }
  // The words so far, the last one included.
  all(): string[] {
    if (this.word.length) {
      this.words.push(this.word);
      this.word = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class Lexer {
  private readonly s: Scanner;
  constructor(
    word: string,
    private readonly vars: Record<string, string>,
    private readonly esc: string,
  ) {
    this.s = new Scanner([...word]);
  }

  // Processes up to `stop` (or the end): the substituted text and its words.
  run(stop: string, rawEscapes: boolean): { text: string; words: string[] } {
    let text = '';
    const words = new Words();
    while (this.s.peek() !== EOF) {
      const ch = this.s.peek();
      if (stop !== EOF && ch === stop) {
        this.s.next();
        return { text, words: words.all() };
      }
      if (ch === '$' || ch === "'" || ch === '"') {
        const got = ch === '$' ? this.dollar() : ch === "'" ? this.single() : this.double();
        text += got;
        if (ch === '$') words.addString(got);
        else words.addRaw(got);
        continue;
      }
      let c = this.s.next();
      if (c === this.esc) {
        if (rawEscapes) {
          words.addRaw(c);
          text += c;
        }
        c = this.s.next();
        if (c === EOF) break;
        words.addRaw(c);
      } else words.addChar(c);
      text += c;
    }
    if (stop !== EOF) throw new Error(`unexpected end of statement while looking for matching ${stop}`);
    return { text, words: words.all() };
  }

  // '…': everything literal up to the next quote (which cannot be escaped).
  private single(): string {
    this.s.next();
    let out = '';
    for (;;) {
      const ch = this.s.next();
      if (ch === EOF) throw new Error('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return out;
      out += ch;
    }
  }

  // "…": literal except $ expansions; the escape character escapes only " $ and itself.
  private double(): string {
    this.s.next();
    let out = '';
    for (;;) {
      const p = this.s.peek();
      if (p === EOF) throw new Error('unexpected end of statement while looking for matching double-quote');
      if (p === '"') {
        this.s.next();
        return out;
      }
      if (p === '$') {
        out += this.dollar();
        continue;
      }
      let ch = this.s.next();
      if (ch === this.esc) {
        const n = this.s.peek();
        if (n === EOF) continue;
        if (n === '"' || n === '$' || n === this.esc) ch = this.s.next();
      }
      out += ch;
    }
  }

  // A variable's value, undefined when it is not set (an own key only: no prototype names).
  private lookup(name: string): string | undefined {
    return Object.prototype.hasOwnProperty.call(this.vars, name) ? this.vars[name] : undefined;
  }

  // A name: letters, digits, _; a leading digit run is a positional parameter; one special character is one too.
  private name(): string {
    let name = '';
    while (this.s.peek() !== EOF) {
      const ch = this.s.peek();
      if (!name && /\p{Nd}/u.test(ch)) {
        while (this.s.peek() !== EOF && /\p{Nd}/u.test(this.s.peek())) name += this.s.next();
        return name;
      }
      if (!name && '@*#?-$!0'.includes(ch)) return this.s.next();
      if (!/[\p{L}\p{Nd}_]/u.test(ch)) break;
      name += this.s.next();
    }
    return name;
  }

  // $NAME or ${NAME[modifier]}.
  private dollar(): string {
    this.s.next();
    if (this.s.peek() !== '{') {
      const name = this.name();
      if (!name) return '$';
      return this.lookup(name) ?? '';
    }
    this.s.next();
    const first = this.s.peek();
    if (first === EOF) throw new Error("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new Error('syntax error: bad substitution');
    const name = this.name();
    let ch = this.s.next();
    let chs = ch;
    const value = () => this.lookup(name);
    if (ch === '}') return value() ?? '';
    if (ch === EOF) throw new Error("syntax error: missing '}'");
    let nullIsUnset = false;
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.s.next();
      chs += ch;
    }
    if ('+-?#%'.includes(ch) && ch !== EOF) {
      const word = this.until('}', ch === '#' || ch === '%', "syntax error: missing '}'");
      const v = value();
      const unset = v === undefined || (nullIsUnset && v === '');
      switch (ch) {
        case '-':
          return unset ? word : v!;
        case '+':
          return unset ? '' : word;
        case '?':
          if (v === undefined) throw new Error(`${name}: ${word || 'is not allowed to be unset'}`);
          if (unset) throw new Error(`${name}: ${word || 'is not allowed to be empty'}`);
          return v;
        default: {
          const greedy = word.startsWith(ch);
          const pat = greedy ? word.slice(1) : word;
          return ch === '%' ? trimSuffix(pat, v ?? '', greedy) : trimPrefix(pat, v ?? '', greedy);
        }
      }
    }
    if (ch === '/' && !nullIsUnset) {
      const all = this.s.peek() === '/';
      if (all) this.s.next();
      const pattern = this.until('/', true, "syntax error: missing '/' in ${}");
      const repl = this.until('}', true, "syntax error: missing '}'");
      // Global for //, so replace() changes every match; otherwise only the first.
      const re = shellPatternToRegex(pattern, true, false, all);
      const v = value() ?? '';
      return v.replace(re, () => repl);
    }
    throw new Error(`unsupported modifier (${chs}) in substitution`);
  }

  // The text up to `stop` (consumed); at the end of the word, `missing` is the error.
  private until(stop: string, raw: boolean, missing: string): string {
    try {
      return this.run(stop, raw).text;
    } catch (e) {
      if (this.s.peek() === EOF) throw new Error(missing);
      throw e;
    }
  }
}

// A shell pattern (`*` any string, `?` one character, `\` escapes) as a regular expression.
function shellPatternToRegex(pattern: string, greedy: boolean, anchored: boolean, global = false): RegExp {
  const chars = [...pattern];
  let out = anchored ? '^' : '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') out += greedy ? '.*' : '.*?';
    else if (c === '?') out += '.';
    else if (c === '\\') {
      const n = chars[i + 1];
      if (n === '}' || n === '/') continue;
      if (n !== '*' && n !== '?' && n !== '\\') throw new Error(`invalid pattern (${pattern}) in substitution: invalid escape '\\${n ?? ''}'`);
      out += `\\${n}`;
      i++;
    } else out += /[[\]{}.+()|^$]/.test(c) ? `\\${c}` : c;
  }
  return new RegExp(out, global ? 'gu' : 'u');
}

// ${VAR#pat}: the value without its shortest (## longest) matching prefix.
function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = shellPatternToRegex(pattern, greedy, true).exec(value);
  return m ? value.slice(m[0].length) : value;
}

// ${VAR%pat}: the value without its shortest (%% longest) matching suffix, found on the reversed strings.
function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  const p = [...pattern];
  const rev: string[] = [];
  for (let i = 0; i < p.length; ) {
    if (p[i] === '\\' && i !== p.length - 1) {
      rev.unshift('\\', p[i + 1]!);
      i += 2;
    } else rev.unshift(p[i++]!);
  }
  const r = [...value].reverse().join('');
  return [...trimPrefix(rev.join(''), r, greedy)].reverse().join('');
}

// Runs the lexer, turning its errors into positioned user errors.
function lex(word: string, vars: Record<string, string>, opts: SubstituteOptions): { text: string; words: string[] } {
  try {
    return new Lexer(word, vars, opts.escape ?? '\\').run(EOF, false);
  } catch (e) {
    throw new GlassboxError(`failed to process "${word}": ${(e as Error).message}`, { pos: opts.pos, hint: 'check the ${…} syntax and the quotes' });
  }
}

/** One word with its variables substituted and its quotes removed (BuildKit's ProcessWord). */
export function substitute(word: string, vars: Record<string, string>, opts: SubstituteOptions = {}): string {
  return lex(word, vars, opts).text;
}

/** The same, split into words at unquoted whitespace after substitution (BuildKit's ProcessWords). */
export function splitWords(word: string, vars: Record<string, string>, opts: SubstituteOptions = {}): string[] {
  return lex(word, vars, opts).words;
}

/** A literal value written so that substitute() gives it back unchanged (for values that come from YAML):
 * quotes and the escape character are escaped; `$` is kept, so variables still expand. */
export function quoteLiteral(value: string, escape: '\\' | '`' = '\\'): string {
  let out = '';
  for (const ch of value) out += ch === '"' || ch === "'" || ch === escape ? escape + ch : ch;
  return out;
}
