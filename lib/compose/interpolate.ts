// Interpolation as the compose specification defines it (12-interpolation.md, compose-go's template package):
// `$VAR` and `${VAR}`; `${VAR:-default}` (unset or empty) and `${VAR-default}` (unset); `${VAR:?err}` and
// `${VAR?err}` (an error naming err); `${VAR:+alt}` and `${VAR+alt}` (alt when set); `$$` for a literal `$`;
// defaults, errors and alternatives are interpolated in turn, so they nest (`${A:-${B:-x}}`). A `$` that starts
// no variable is kept as it is. Values only, never keys: a file is interpolated before it is merged with others.
// An unset variable without a default becomes "" with a warning, as docker compose does.

export type Lookup = (name: string) => string | undefined;

export class InterpolationError extends Error {
  constructor(
    message: string,
    readonly kind: 'required' | 'invalid',
  ) {
    super(message);
  }
}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;

// Interpolates one string; `missing` receives each variable used without a value or default.
export function interpolateString(text: string, lookup: Lookup, missing: (name: string) => void = () => {}): string {
  if (!text.includes('$')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      let depth = 1;
      let j = i + 2;
      for (; j < text.length; j++) {
        if (text[j] === '{') depth++;
        else if (text[j] === '}' && --depth === 0) break;
      }
      if (j >= text.length) throw new InterpolationError(`invalid interpolation format: "${text}"`, 'invalid');
      out += braced(text.slice(i + 2, j), text, lookup, missing);
      i = j + 1;
    } else {
      const m = NAME.exec(text.slice(i + 1));
      if (m) {
        const v = lookup(m[0]);
        if (v === undefined) missing(m[0]);
        out += v ?? '';
        i += 1 + m[0].length;
      } else {
        out += '$';
        i++;
      }
    }
  }
  return out;
}

const OPERATORS = [':-', '-', ':?', '?', ':+', '+'] as const;

// The inside of ${…}: NAME, or NAME followed by an operator and a word.
function braced(inner: string, whole: string, lookup: Lookup, missing: (name: string) => void): string {
  const m = NAME.exec(inner);
  if (!m) throw new InterpolationError(`invalid interpolation format: "${whole}"`, 'invalid');
  const name = m[0];
  const rest = inner.slice(name.length);
  const value = lookup(name);
  if (rest === '') {
    if (value === undefined) missing(name);
    return value ?? '';
  }
  const op = OPERATORS.find((o) => rest.startsWith(o));
  if (!op) throw new InterpolationError(`invalid interpolation format: "${whole}"`, 'invalid');
  const word = () => interpolateString(rest.slice(op.length), lookup, missing);
  const set = value !== undefined;
  const nonEmpty = set && value !== '';
  switch (op) {
    case ':-':
      return nonEmpty ? value! : word();
    case '-':
      return set ? value! : word();
    case ':+':
      return nonEmpty ? word() : (value ?? '');
    case '+':
      return set ? word() : '';
    case ':?':
    case '?': {
      if (op === ':?' ? nonEmpty : set) return value!;
      const reason = word();
      throw new InterpolationError(`required variable ${name} is missing a value${reason ? `: ${reason}` : ''}`, 'required');
    }
  }
}
