// The lengths the kernel accepts, checked when a spec is validated, so that a value too long for the kernel is a
// clear error at its field and never an ENAMETOOLONG or E2BIG halfway through a run. Linux's limits:
//   PATH_MAX       4096 bytes for a whole path, the terminating NUL included (so 4095 characters of UTF-8);
//   NAME_MAX       255 bytes for one component of a path;
//   MAX_ARG_STRLEN 131072 bytes (32 pages) for one argument or one environment string of execve;
//   ARG_MAX        all arguments and environment strings together: a quarter of the stack limit, 2 MiB with
//                  the usual 8 MiB; glassbox keeps half of it for the start chain's own arguments.
// And one that is not the kernel's: no string anywhere may hold a NUL byte, because C strings (argv, paths,
// environment) end at the first one.

import { Buffer } from 'node:buffer';

export const PATH_MAX = 4096;
export const NAME_MAX = 255;
export const ARG_STRLEN_MAX = 131072;
export const ARGS_TOTAL_MAX = 1024 * 1024;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

// What is wrong with a path's length, if anything.
export function pathLengthProblem(p: string): string | undefined {
  if (bytes(p) >= PATH_MAX) return `the path is ${bytes(p)} bytes long; the kernel's limit (PATH_MAX) is ${PATH_MAX - 1}`;
  const long = p.split('/').find((c) => bytes(c) > NAME_MAX);
  if (long !== undefined) return `a path component is ${bytes(long)} bytes long; the kernel's limit (NAME_MAX) is ${NAME_MAX}`;
  return undefined;
}

export interface StringProblem {
  path: (string | number)[];
  message: string;
  hint?: string;
}

// Finds every string (keys included) holding a NUL byte or longer than one execve string may be, in any value
// (walked without recursion, so a deeply nested value cannot exhaust the stack). Stops after `max` problems.
export function stringProblems(value: unknown, base: (string | number)[] = [], max = 20): StringProblem[] {
  const out: StringProblem[] = [];
  // Each value remembers its key and its parent's entry, so a path is only built for a problem (copying paths on
  // the way down would cost the square of the depth).
  interface At {
    key?: string | number;
    up?: At;
  }
  const pathOf = (at: At): (string | number)[] => {
    const keys: (string | number)[] = [];
    for (let a: At | undefined = at; a?.key !== undefined; a = a.up) keys.push(a.key);
    return [...base, ...keys.reverse()];
  };
  const check = (s: string, at: At, what: string) => {
    if (s.includes('\0')) out.push({ path: pathOf(at), message: `${what} contains a NUL byte`, hint: 'a C string ends at the first NUL, so no value may hold one' });
    else if (bytes(s) > ARG_STRLEN_MAX) out.push({ path: pathOf(at), message: `${what} is ${bytes(s)} bytes long; the longest value glassbox accepts is ${ARG_STRLEN_MAX} (the kernel's MAX_ARG_STRLEN)` });
  };
  const todo: Array<[unknown, At]> = [[value, {}]];
  while (todo.length && out.length < max) {
    const [v, at] = todo.pop()!;
    if (typeof v === 'string') check(v, at, 'the value');
    else if (Array.isArray(v)) v.forEach((x, i) => todo.push([x, { key: i, up: at }]));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const child = { key: k, up: at };
        check(k, child, `the key ${JSON.stringify(k.slice(0, 40))}`);
        todo.push([x, child]);
      }
    }
  }
  return out;
}

// The bytes execve needs for these strings (each with its NUL).
export const argBytes = (strings: string[]) => strings.reduce((n, s) => n + bytes(s) + 1, 0);
