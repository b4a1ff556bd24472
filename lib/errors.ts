// One error type for everything the user can fix. It carries the exit code (125 by docker's convention: the
// tool itself failed), an optional source position and a hint, so the CLI can print one clear line and no stack.

export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** Where a problem is in the input: a recipe's file:line:col, or (from the command line) the flag's name. */
export interface Place {
  pos?: SourcePos;
  field?: string;
}

export class GlassboxError extends Error {
  readonly hint?: string;
  readonly pos?: SourcePos;
  readonly field?: string;
  readonly exitCode: number;
  /** Extra lines shown under the message (a failing command's stderr, for instance). */
  readonly detail?: string;

  constructor(message: string, opts: { hint?: string; pos?: SourcePos; field?: string; exitCode?: number; detail?: string } = {}) {
    super(message);
    this.name = 'GlassboxError';
    this.hint = opts.hint;
    this.pos = opts.pos;
    this.field = opts.field;
    this.exitCode = opts.exitCode ?? 125;
    this.detail = opts.detail;
  }

  /** `FILE:LINE:COL: field.path: what is wrong (hint)` — the shape editors and people both read. */
  format(): string {
    const where = this.pos ? `${this.pos.file}:${this.pos.line}:${this.pos.col}: ` : '';
    const field = this.field ? `${this.field}: ` : '';
    const hint = this.hint ? ` (${this.hint})` : '';
    return `${where}${field}${this.message}${hint}`;
  }
}

/** Several problems found in one input, reported together. */
export class GlassboxErrors extends GlassboxError {
  readonly errors: GlassboxError[];
  constructor(errors: GlassboxError[]) {
    super(errors.map((e) => e.format()).join('\n'));
    this.errors = errors;
  }
  override format(): string {
    return this.errors.map((e) => e.format()).join('\n');
  }
}

// Runs fn on each item and gathers every input error they raise, so one run reports all of them (one as itself,
// several as GlassboxErrors); any other exception passes through at once.
export function collectErrors<T, R>(items: Iterable<T>, fn: (item: T) => R): R[] {
  const errors: GlassboxError[] = [];
  const out: R[] = [];
  for (const item of items) {
    try {
      out.push(fn(item));
    } catch (e) {
      if (e instanceof GlassboxErrors) errors.push(...e.errors);
      else if (e instanceof GlassboxError) errors.push(e);
      else throw e;
    }
  }
  if (errors.length) throw errors.length === 1 ? errors[0]! : new GlassboxErrors(errors);
  return out;
}

// The system errors a bad path value causes (the input's fault, unlike ENOSPC, EACCES or EIO: the host's state).
const PATH_ERRORS = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP', 'EISDIR', 'EINVAL']);

// A check made after validation (image lookup, users, volume sources, addresses) finds an error without a place:
// give it the place of the input it is about. An error that has a position keeps it; a system error of a bad path
// (ENOENT, ENAMETOOLONG… from reading the image or the host) becomes a user error at that place, with no stack.
export function withPlace(e: unknown, place: Place): GlassboxError {
  if (e instanceof GlassboxErrors) return new GlassboxErrors(e.errors.map((one) => withPlace(one, place)));
  if (e instanceof GlassboxError) {
    if (e.pos) return e;
    return new GlassboxError(e.message, { hint: e.hint, pos: place.pos, field: place.field ?? e.field, exitCode: e.exitCode, detail: e.detail });
  }
  const sys = e as NodeJS.ErrnoException;
  if (sys && typeof sys.code === 'string' && typeof sys.syscall === 'string' && PATH_ERRORS.has(sys.code)) {
    return new GlassboxError(`${sys.syscall}${sys.path ? ` ${sys.path}` : ''}: ${sys.code}`, { ...place, hint: 'the value cannot be used as a path here' });
  }
  throw e;
}

// Runs a check and places whatever user error it throws (see withPlace); the place may depend on the error.
export async function placed<T>(place: Place | ((e: unknown) => Place), check: () => T | Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (e) {
    throw withPlace(e, typeof place === 'function' ? place(e) : place);
  }
}
