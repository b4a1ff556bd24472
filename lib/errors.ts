// One error type for everything the user can fix. It carries the exit code (125 by docker's convention: the
// tool itself failed), an optional source position and a hint, so the CLI can print one clear line and no stack.

export interface SourcePos {
  file: string;
  line: number;
  col: number;
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
