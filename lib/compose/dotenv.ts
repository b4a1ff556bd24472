// `.env` files as docker compose reads them (compose-go's dotenv): `KEY=VALUE` lines, `export KEY=VALUE`,
// `#` comments (a ` #` after an unquoted value too), 'single quotes' taken literally, "double quotes" with \n, \t,
// \\ and \" escapes; unquoted and double-quoted values may use ${VAR} from the variables above them or the
// environment. A line `KEY` alone takes KEY from the environment, if it is set there.

import { interpolateString, type Lookup } from './interpolate.ts';

export interface DotenvProblem {
  line: number;
  message: string;
}

// Parses the text of an env file; `lookup` gives the environment for ${VAR} inside values.
export function parseDotenv(text: string, lookup: Lookup = () => undefined): { values: Record<string, string>; problems: DotenvProblem[] } {
  const values: Record<string, string> = {};
  const problems: DotenvProblem[] = [];
  const get = (k: string) => values[k] ?? lookup(k);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    line = line.replace(/^export\s+/, '');
    const m = /^([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:[=:]\s*(.*))?$/s.exec(line);
    if (!m) {
      problems.push({ line: i + 1, message: `expected KEY=VALUE, got "${lines[i]}"` });
      continue;
    }
    const key = m[1]!;
    let raw = m[2];
    if (raw === undefined) {
      const v = lookup(key);
      if (v !== undefined) values[key] = v;
      continue;
    }
    const q = raw[0];
    if (q === "'" || q === '"') {
      // A quoted value may span lines: gather until the closing quote.
      let body = raw.slice(1);
      while (!new RegExp(`(^|[^\\\\])${q}`).test(body) && i + 1 < lines.length) body += `\n${lines[++i]}`;
      const end = q === "'" ? body.indexOf("'") : body.search(/(?<!\\)"/);
      if (end < 0) {
        problems.push({ line: i + 1, message: `unterminated ${q} quote in the value of ${key}` });
        continue;
      }
      body = body.slice(0, end);
      if (q === "'") values[key] = body;
      else {
        // \$ is a literal dollar: kept as $$ through interpolation, which turns it back into $.
        const unescaped = body.replace(/\\([nrt"\\$])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t', $: '$$' })[c] ?? c);
        values[key] = interpolateString(unescaped, get);
      }
      continue;
    }
    raw = raw.replace(/\s+#.*$/, '').trim();
    values[key] = interpolateString(raw, get);
  }
  return { values, problems };
}
