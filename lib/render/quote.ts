// POSIX shell quoting, for everything glassbox shows or writes as shell text.
//
// Why single quotes: inside '…' a POSIX shell gives no character a special meaning — no $, no backquote, no
// backslash, no glob, no newline handling — until the next '. So any text is safe once each ' in it is written
// as '\'' (close the quote, an escaped quote, reopen). A word made only of characters no shell treats specially
// ([A-Za-z0-9_@%+=:,./-]) is left bare so that scripts stay easy to read. Two cases are quoted although every
// character is safe, because only the command position gives them a meaning: a first word containing `=`
// (FOO=bar would be an assignment) and a first word that is a reserved word (if, done, …).
//
// Runtime references: a step may need a value that exists only while the plan runs, such as the host PID of
// the container's PID 1. The planner writes it inside an argv element as RT_OPEN + name + RT_CLOSE (a NUL byte
// can never be part of a real argument, see lib/plan/types.ts). In shell text that part becomes a double-quoted
// variable, "$gb_pid1", which the script sets when the value becomes known; the literal parts around it keep
// their single quotes: /proc/"$gb_pid1"/root. Double quotes let the variable expand and keep it one field.

import { RT_CLOSE, RT_OPEN } from '../plan/types.ts';
import { findNames, type ShortNames } from './names.ts';

/** One piece of an argv element: literal text, or a reference to a runtime value. */
export type ArgPart = { text: string } | { ref: string };

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set([
  '!', '{', '}', 'case', 'do', 'done', 'elif', 'else', 'esac', 'fi', 'for', 'function', 'if', 'in', 'select',
  'then', 'until', 'while', '[[', ']]', 'time',
]);

/** The shell variable a runtime reference is stored in by glassbox scripts. */
export const shellVar = (name: string): string => `gb_${name}`;

// Quotes one literal word; bare only when no shell could read anything special into it.
export function shQuote(s: string): string {
  if (s.includes('\u0000')) throw new Error(`a shell word cannot contain a NUL byte: ${JSON.stringify(s)}`);
  return SAFE.test(s) ? s : singleQuote(s);
}

// Always quotes: every character inside '…' is literal, and ' itself is written as '\'' (close, \', reopen).
function singleQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

// Splits an argv element into literal text and runtime references, so renderers and the executor agree.
export function splitRefs(arg: string): ArgPart[] {
  const parts: ArgPart[] = [];
  let rest = arg;
  for (;;) {
    const open = rest.indexOf(RT_OPEN);
    if (open < 0) break;
    const close = rest.indexOf(RT_CLOSE, open + RT_OPEN.length);
    const name = close < 0 ? '' : rest.slice(open + RT_OPEN.length, close);
    if (!NAME.test(name)) throw new Error(`malformed runtime reference in argument ${JSON.stringify(arg)}`);
    if (open > 0) parts.push({ text: rest.slice(0, open) });
    parts.push({ ref: name });
    rest = rest.slice(close + RT_CLOSE.length);
  }
  if (rest !== '' || parts.length === 0) parts.push({ text: rest });
  return parts;
}

// Renders one argv element: literal parts quoted, runtime references as "$var" (vars maps a name to a variable);
// with `names`, each long value those name is written as its variable ("$RUN"/ns/net, see names.ts).
export function renderArg(arg: string, vars: (name: string) => string = shellVar, names?: ShortNames): string {
  return renderWord(arg, vars, false, names);
}

// Renders argv as one command line that a POSIX shell splits back into exactly the same argv.
export function shJoin(argv: string[], vars: (name: string) => string = shellVar, names?: ShortNames): string {
  return argv.map((arg, i) => renderWord(arg, vars, i === 0, names)).join(' ');
}

// `NAME=value` lines that define short names, each value written with the names before it.
export function nameDefinitions(names: ShortNames): string[] {
  return names.map((n, i) => {
    if (!NAME.test(n.name)) throw new Error(`not a shell variable name: ${JSON.stringify(n.name)}`);
    return `${n.name}=${n.value === '' ? "''" : renderWord(n.value, shellVar, false, names.slice(0, i))}`;
  });
}

// The shared worker; in command position a bare `A=B` would be an assignment and a bare `if` a keyword.
function renderWord(arg: string, vars: (name: string) => string, commandPosition: boolean, names?: ShortNames): string {
  if (commandPosition && RESERVED.has(arg)) return `'${arg}'`;
  const variable = (v: string) => {
    if (!NAME.test(v)) throw new Error(`not a shell variable name: ${JSON.stringify(v)}`);
    return `"$${v}"`;
  };
  const pieces = splitRefs(arg).flatMap((p) => ('text' in p ? findNames(p.text, names) : [{ name: vars(p.ref) }]));
  return pieces
    .map((p) => {
      if ('name' in p) return variable(p.name);
      const q = shQuote(p.text);
      return commandPosition && q === p.text && p.text.includes('=') ? singleQuote(p.text) : q;
    })
    .join('');
}
