// .dockerignore, as docker reads it (moby/patternmatcher and its ignorefile package): one Go filepath.Match
// pattern a line, with `**` for any number of directories, `!` for an exception, `#` comments, leading `/` and
// `./` cleaned away; the last pattern that matches a path (or one of its parent directories) decides. Written
// here rather than taken from npm: @balena/dockerignore follows the older docker rules, not patternmatcher's.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlassboxError, GlassboxErrors } from '../errors.ts';

export interface Matcher {
  /** Whether the context path (slash-separated, relative to the context: `src/a.go`) is left out. */
  ignored(relPath: string): boolean;
  /** True when some pattern is an exception (`!…`): a left-out directory must still be walked for them. */
  readonly hasExceptions: boolean;
  /** The patterns as cleaned, in order (for messages and the build cache key). */
  readonly patterns: string[];
}

type MatchType = 'exact' | 'prefix' | 'suffix' | 'regexp';

interface Pattern {
  cleaned: string;
  exclusion: boolean;
  type: MatchType;
  re?: RegExp;
}

/** Go's path.Clean: the shortest equivalent path (no `.`, `..` resolved where it can be, no trailing slash). */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else out.push(part);
  }
  const s = out.join('/');
  return rooted ? `/${s}` : s || '.';
}

// Go's filepath.Match syntax check: a bad `[…]` class or a trailing `\` is an error (ErrBadPattern).
function badPattern(p: string): boolean {
  const c = [...p];
  // getEsc: one (possibly escaped) character of a class; a class may not start with or hold a bare - or ].
  const esc = (i: number): number => {
    if (i >= c.length || c[i] === '-' || c[i] === ']') return -1;
    if (c[i] === '\\') i++;
    if (i >= c.length) return -1;
    i++;
    return i >= c.length ? -1 : i;
  };
  for (let i = 0; i < c.length; i++) {
    if (c[i] === '\\') {
      if (++i >= c.length) return true;
    } else if (c[i] === '[') {
      i++;
      if (c[i] === '^') i++;
      let n = 0;
      for (;;) {
        if (c[i] === ']' && n > 0) break;
        i = esc(i);
        if (i < 0) return true;
        if (c[i] === '-') {
          i = esc(i + 1);
          if (i < 0) return true;
        }
        n++;
      }
    }
  }
  return false;
}

const REGEX_SPECIAL = new Set([...'.+()|{}$']);

// Compiles one cleaned pattern as patternmatcher does (its exact/prefix/suffix shortcuts included: they decide
// some cases differently from the regular expression, and docker uses them).
function compile(cleaned: string, exclusion: boolean): Pattern {
  const c = [...cleaned];
  let re = '^';
  let type: MatchType = 'exact';
  for (let i = 0; i < c.length; i++) {
    const ch = c[i]!;
    if (ch === '*') {
      if (c[i + 1] === '*') {
        const first = i === 0;
        i++;
        if (c[i + 1] === '/') i++;
        if (i + 1 >= c.length) {
          if (type === 'exact') type = 'prefix';
          else {
            re += '.*';
            type = 'regexp';
          }
        } else {
          re += '(.*/)?';
          type = 'regexp';
        }
        if (first) type = 'suffix';
      } else {
        re += '[^/]*';
        type = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      type = 'regexp';
    } else if (REGEX_SPECIAL.has(ch)) re += `\\${ch}`;
    else if (ch === '\\') {
      if (i + 1 < c.length) {
        const n = c[++i]!;
        re += /[\p{L}\p{N}]/u.test(n) ? n : `\\${n}`;
        type = 'regexp';
      } else re += '\\\\';
    } else if (ch === '[' || ch === ']') {
      re += ch;
      type = 'regexp';
    } else re += ch;
  }
  return { cleaned, exclusion, type, ...(type === 'regexp' ? { re: new RegExp(`${re}$`, 'u') } : {}) };
}

// One pattern against one path.
function matches(p: Pattern, path: string): boolean {
  switch (p.type) {
    case 'exact':
      return path === p.cleaned;
    case 'prefix':
      return path.startsWith(p.cleaned.slice(0, -2));
    case 'suffix': {
      const suffix = p.cleaned.slice(2);
      return path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
    }
    default:
      return p.re!.test(path);
  }
}

/** A matcher for patterns as patternmatcher.New takes them; a malformed pattern throws its message. */
export function newMatcher(patterns: string[]): Matcher {
  const list: Pattern[] = [];
  for (let p of patterns) {
    p = p.trim();
    if (!p) continue;
    p = cleanPath(p);
    let exclusion = false;
    if (p[0] === '!') {
      if (p.length === 1) throw new Error('illegal exclusion pattern: "!"');
      exclusion = true;
      p = p.slice(1);
    }
    if (badPattern(p)) throw new Error(`syntax error in pattern: ${p}`);
    list.push(compile(p, exclusion));
  }
  return {
    hasExceptions: list.some((p) => p.exclusion),
    patterns: list.map((p) => (p.exclusion ? `!${p.cleaned}` : p.cleaned)),
    // MatchesOrParentMatches: the path, or failing that one of its parent directories.
    ignored(relPath: string): boolean {
      const file = cleanPath(relPath);
      if (file === '.') return false;
      const slash = file.lastIndexOf('/');
      const parent = slash < 0 ? '.' : file.slice(0, slash) || '/';
      const dirs = parent.split('/');
      let matched = false;
      for (const p of list) {
        if (p.exclusion !== matched) continue;
        let m = matches(p, file);
        if (!m && parent !== '.') {
          for (let i = 0; i < dirs.length && !m; i++) m = matches(p, dirs.slice(0, i + 1).join('/'));
        }
        if (m) matched = !p.exclusion;
      }
      return matched;
    },
  };
}

/** The lines of a .dockerignore file as patterns (ignorefile.ReadAll): comments and blanks dropped, each
 * pattern cleaned and made relative to the context (`/a` and `./a` are `a`). */
export function readIgnoreLines(text: string): Array<{ pattern: string; line: number }> {
  const out: Array<{ pattern: string; line: number }> = [];
  text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .forEach((raw, i) => {
      let p = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (p.startsWith('#')) return;
      p = p.trim();
      if (!p) return;
      const invert = p[0] === '!';
      if (invert) p = p.slice(1).trim();
      if (p) {
        p = cleanPath(p);
        if (p.length > 1 && p[0] === '/') p = p.slice(1);
      }
      out.push({ pattern: invert ? `!${p}` : p, line: i + 1 });
    });
  return out;
}

/** The matcher of a build context: `<dockerfile>.dockerignore` next to the Dockerfile if there is one (BuildKit
 * prefers it), else the context's .dockerignore, else one that ignores nothing. Errors are at FILE:LINE:1. */
export function loadDockerignore(contextDir: string, dockerfile?: string): Matcher {
  const candidates = [...(dockerfile ? [`${dockerfile}.dockerignore`] : []), join(contextDir, '.dockerignore')];
  for (const file of candidates) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new GlassboxError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`, { hint: 'check its permissions' });
    }
    return parseDockerignore(text, file);
  }
  return newMatcher([]);
}

/** The same from a file's text. */
export function parseDockerignore(text: string, file: string): Matcher {
  const lines = readIgnoreLines(text);
  const errors: GlassboxError[] = [];
  for (const l of lines) {
    try {
      newMatcher([l.pattern]);
    } catch (e) {
      errors.push(new GlassboxError((e as Error).message, { pos: { file, line: l.line, col: 1 }, hint: 'a pattern is a Go filepath.Match pattern: check its [ ] and \\' }));
    }
  }
  if (errors.length) throw new GlassboxErrors(errors);
  return newMatcher(lines.map((l) => l.pattern));
}
