// The image commands: image import, pull, login/logout, image inspect, rmi, tag, image prune, commit, export,
// save. Each opens a scratch directory in the store (lib/image/work.ts), does its work there with plain commands
// from blocks, and closes it; a killed run is finished by `glassbox gc`.

import { GlassboxError } from '../errors.ts';
import { readHostFacts } from '../host/facts.ts';
import { importPath } from '../image/archive.ts';
import type { LayerResult, LayerSource } from '../image/layers.ts';
import { isInsecure, removeCredentials, saveCredentials } from '../image/auth.ts';
import { parsePlatform } from '../image/platform.ts';
import { pullImage, type PullEvents } from '../image/pull.ts';
import { remoteReference } from '../image/reference.ts';
import { RegistryClient } from '../image/registry.ts';
import { StoreWork } from '../image/work.ts';
import { selfOwner } from '../state/containers.ts';
import { roots } from '../state/paths.ts';
import { requireRoot, type Global } from './container.ts';
import { enableTrace } from './output.ts';

const short = (d: string) => d.replace('sha256:', '').slice(0, 12);

// Runs fn with a scratch directory that is removed afterwards, whatever happens.
export async function withWork<T>(fn: (w: StoreWork) => Promise<T>): Promise<T> {
  const facts = await readHostFacts();
  const work = await StoreWork.open(roots().root, selfOwner(facts.bootId));
  const stop = () => {
    // Ctrl-C: the executor of the current step undoes it; the scratch directory goes in finally (or by gc).
  };
  process.on('SIGINT', stop);
  try {
    return await fn(work);
  } finally {
    process.off('SIGINT', stop);
    await work.close();
  }
}

// One line per layer: `sha256:abcd…: extracted` or `already exists`.
export function layerLine(r: LayerResult, src: LayerSource): string {
  return `${src.label}: ${r.existed ? 'already exists' : `extracted (${short(r.diffId)})`}`;
}

// glassbox image import FILE|DIR [NAME[:TAG]]
export async function cmdImageImport(input: string, tag: string | undefined, opts: { platform?: string; quiet?: boolean }, g: Global): Promise<number> {
  requireRoot('glassbox image import');
  enableTrace(g.verbose);
  const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
  const out = await withWork((w) =>
    importPath(w, input, tag, {
      platform,
      onLayer: (r, src) => {
        if (!opts.quiet) process.stderr.write(`${layerLine(r, src)}\n`);
      },
    }),
  );
  for (const img of out.images) process.stdout.write(`${img.id}\n`);
  return 0;
}

export function notImplemented(what: string): never {
  throw new GlassboxError(`${what} is not available`);
}

// Shows each layer's progress: on a terminal, one line per layer redrawn in place; otherwise a plain line when a
// layer changes state (downloading, extracting, done).
export function pullProgress(stream: NodeJS.WriteStream): PullEvents & { finish(): void } {
  const tty = !!stream.isTTY;
  const order: string[] = [];
  const lines = new Map<string, string>();
  let drawn = 0;
  let last = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    let out = drawn ? `\x1b[${drawn}A` : '';
    for (const d of order) out += `\x1b[2K${short(d)}: ${lines.get(d)}\n`;
    drawn = order.length;
    stream.write(out);
  };
  const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
  return {
    layers(digests) {
      for (const d of digests) if (!lines.has(d)) (order.push(d), lines.set(d, 'waiting'));
      if (tty) draw(true);
    },
    layer(digest, state, bytes) {
      const text =
        state === 'downloading' ? `downloading ${bytes ? `${mb(bytes.got)}${bytes.total ? ` / ${mb(bytes.total)}` : ''}` : ''}` : state === 'exists' ? 'already exists' : state === 'done' ? 'pull complete' : state;
      const before = lines.get(digest);
      lines.set(digest, text);
      if (tty) draw(state !== 'downloading');
      else if (state !== 'downloading' || !before?.startsWith('downloading')) stream.write(`${short(digest)}: ${state === 'downloading' ? 'downloading' : text}\n`);
    },
    note(text) {
      stream.write(`${text}\n`);
      drawn = 0;
    },
    finish() {
      if (tty && order.length) draw(true);
    },
  };
}

// glassbox pull [REGISTRY/]NAME[:TAG|@DIGEST]
export async function cmdPull(refText: string, opts: { platform?: string; insecure?: boolean; quiet?: boolean }, g: Global): Promise<number> {
  requireRoot('glassbox pull');
  enableTrace(g.verbose);
  const ref = remoteReference(refText);
  const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
  const progress = opts.quiet ? undefined : pullProgress(process.stderr);
  if (!opts.quiet) process.stderr.write(`pulling ${ref.canonical}\n`);
  const out = await withWork((w) => pullImage(w, refText, { platform, insecure: opts.insecure, events: progress }));
  progress?.finish();
  if (!opts.quiet) {
    process.stderr.write(`digest: ${out.digest}\n`);
    process.stderr.write(`${out.downloaded ? `downloaded ${(out.downloaded / 1048576).toFixed(1)} MB` : 'nothing downloaded: every layer was in the store'}\n`);
  }
  process.stdout.write(`${ref.storeTag ?? out.record.id}\n`);
  return 0;
}

// Reads all of standard input (for --password-stdin).
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// glassbox login REGISTRY -u USER --password-stdin
export async function cmdLogin(registry: string, opts: { username?: string; passwordStdin?: boolean; insecure?: boolean }): Promise<number> {
  requireRoot('glassbox login');
  if (!opts.username) throw new GlassboxError('login needs a user name', { hint: 'glassbox login REGISTRY -u USER --password-stdin' });
  if (!opts.passwordStdin) throw new GlassboxError('give the password on standard input with --password-stdin', { hint: 'a password on the command line would show in ps and shell history' });
  const password = (await readStdin()).replace(/\r?\n$/, '');
  if (!password) throw new GlassboxError('the password on standard input is empty');
  const { registry: reg, endpoint } = remoteReference(`${registry.replace(/^https?:\/\//, '').replace(/\/+$/, '')}/x`);
  const r = roots().root;
  const client = new RegistryClient({ registry: reg, endpoint, repository: '' }, { insecure: isInsecure(r, reg, !!opts.insecure), credentials: { username: opts.username, password } });
  await client.ping();
  saveCredentials(r, reg, { username: opts.username, password });
  process.stdout.write('Login Succeeded\n');
  return 0;
}

// glassbox logout REGISTRY
export async function cmdLogout(registry: string): Promise<number> {
  requireRoot('glassbox logout');
  const { registry: reg } = remoteReference(`${registry.replace(/^https?:\/\//, '').replace(/\/+$/, '')}/x`);
  if (!removeCredentials(roots().root, reg)) throw new GlassboxError(`not logged in to ${reg}`);
  process.stdout.write(`Removed login credentials for ${reg}\n`);
  return 0;
}
