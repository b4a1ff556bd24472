// The small value formats of a compose file, parsed the way docker compose (compose-go, go-units, Go's time
// package) parses them: durations (`1m30s`, `10s`, `500ms`), byte sizes (`512m`, `1g`, binary like docker),
// published ports (`8080:80`, `127.0.0.1:8080:80/udp`, ranges), short volume strings (`./data:/data:ro`) and
// the shell-word splitting of a `command: echo "a b"` string (compose splits it; it does not run a shell).
// Each parser returns the value or a string saying what is wrong: callers place the message in the file.

import type { ServicePort, ServiceVolume } from './model.ts';

/** Milliseconds in each unit Go's time.ParseDuration knows. */
const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

// A Go duration (`1h2m3.5s`, `500ms`, `0`) → milliseconds.
export function parseDuration(text: string): number | string {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    at = re.lastIndex;
  }
  if (at === 0 || at !== s.length) return `invalid duration "${text}"`;
  return total;
}

// Milliseconds → Go's spelling (what `docker compose config` prints): 90000 → 1m30s, 500 → 500ms.
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${+ms.toFixed(6)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = +((ms % 60_000) / 1000).toFixed(9);
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

// A byte size as docker reads it (go-units RAMInBytes): a number with an optional binary unit b, k, m, g, t, p
// (kb, KiB… too); 512m = 512 MiB. A plain number is bytes.
export function parseBytes(value: string | number): number | string {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : `invalid size ${value}`;
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(value.trim());
  if (!m) return `invalid size "${value}"`;
  const power = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.round(Number(m[1]) * 1024 ** power);
}

const PORT_RE = /^(?:(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):)?(?:(\d+(?:-\d+)?)?:)?(\d+(?:-\d+)?)(?:\/(tcp|udp|sctp))?$/;

const range = (r: string): [number, number] => {
  const [a, b] = r.split('-').map(Number) as [number, number?];
  return [a, b ?? a];
};

// A short port (`80`, `8080:80`, `127.0.0.1:8080:80/udp`, `127.0.0.1::80`, `8000-8001:80-81`) → long forms, one
// per container port, as compose-go expands them.
export function parsePortShort(text: string): ServicePort[] | string {
  const m = PORT_RE.exec(text.trim());
  if (!m) return `invalid port "${text}"`;
  const hostIp = m[1] ?? m[2];
  const published = m[3];
  const [t0, t1] = range(m[4]!);
  const protocol = (m[5] ?? 'tcp') as ServicePort['protocol'];
  if (t1 < t0 || t0 < 1 || t1 > 65535) return `invalid container port range "${m[4]}" in "${text}"`;
  const out: ServicePort[] = [];
  const base = (target: number, pub?: string): ServicePort => ({
    mode: 'ingress',
    ...(hostIp !== undefined ? { host_ip: hostIp } : {}),
    target,
    ...(pub !== undefined ? { published: pub } : {}),
    protocol,
  });
  if (published === undefined) {
    for (let p = t0; p <= t1; p++) out.push(base(p));
    return out;
  }
  const [p0, p1] = range(published);
  if (p1 < p0 || p0 < 0 || p1 > 65535) return `invalid published port range "${published}" in "${text}"`;
  if (t0 === t1) return [base(t0, published)];
  if (p1 - p0 !== t1 - t0) return `the published range ${published} and the container range ${m[4]} differ in size in "${text}"`;
  for (let i = 0; i <= t1 - t0; i++) out.push(base(t0 + i, String(p0 + i)));
  return out;
}

const PROPAGATION = ['shared', 'slave', 'private', 'rshared', 'rslave', 'rprivate'];

// A short volume (`/data`, `db:/var/lib/db`, `./src:/src:ro`, `~/x:/x:rw,z`) → the long form. A source that
// starts with `.`, `/` or `~` is a bind (resolved by the caller against the project directory), otherwise a
// named volume; no source is an anonymous volume.
export function parseVolumeShort(text: string): ServiceVolume | string {
  const parts = text.split(':');
  if (parts.some((p) => p === '') || parts.length > 3) return `invalid volume "${text}": expected [SOURCE:]TARGET[:MODE]`;
  let source: string | undefined;
  let target: string;
  let mode: string | undefined;
  if (parts.length === 1) target = parts[0]!;
  else if (parts.length === 2 && !parts[1]!.startsWith('/')) return `invalid volume "${text}": the target must be an absolute path`;
  else [source, target, mode] = parts as [string, string, string?];
  if (!target.startsWith('/')) return `invalid volume "${text}": the target must be an absolute path`;
  const bind = source !== undefined && /^[./~]/.test(source);
  const v: ServiceVolume = { type: source === undefined || !bind ? 'volume' : 'bind', ...(source !== undefined ? { source } : {}), target, read_only: false };
  for (const opt of mode ? mode.split(',') : []) {
    if (opt === 'ro') v.read_only = true;
    else if (opt === 'rw') v.read_only = false;
    else if (opt === 'z' || opt === 'Z') v.bind = { ...v.bind, selinux: opt };
    else if (PROPAGATION.includes(opt)) v.bind = { ...v.bind, propagation: opt };
    else if (opt === 'nocopy') v.volume = { ...v.volume, nocopy: true };
    else return `invalid volume "${text}": unknown mode "${opt}" (ro, rw, z, Z, nocopy or a propagation)`;
  }
  if (v.type === 'bind') v.bind = { create_host_path: true, ...v.bind };
  return v;
}

// Splits a command string into words as a POSIX shell would, without expanding anything (compose-go's
// shellwords): quotes group, a backslash escapes the next character outside single quotes.
export function splitShellWords(text: string): string[] | string {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) cur += text[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) return `unterminated ${quote} quote in "${text}"`;
  if (inWord) words.push(cur);
  return words;
}
