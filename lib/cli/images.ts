// The image commands: image import, pull, push, login/logout, image inspect, rmi, tag, image prune, commit, export,
// save. Each opens a scratch directory in the store (lib/image/work.ts), does its work there with plain commands
// from blocks, and closes it; a killed run is finished by `glassbox gc`.

import { GlassboxError } from '../errors.ts';
import { readHostFacts } from '../host/facts.ts';
import { importPath } from '../image/archive.ts';
import type { LayerResult, LayerSource } from '../image/layers.ts';
import { isInsecure, removeCredentials, saveCredentials } from '../image/auth.ts';
import { parsePlatform } from '../image/platform.ts';
import { pullImage, type PullEvents } from '../image/pull.ts';
import { pushImage, type PushEvents } from '../image/push.ts';
import { parseSize } from '../cgroup/units.ts';
import { familiarName, remoteReference } from '../image/reference.ts';
import { RegistryClient } from '../image/registry.ts';
import { StoreWork } from '../image/work.ts';
import { containersUsingLayers } from '../image/containerfs.ts';
import { commitContainer, exportContainer, saveImage, type SaveFormat } from '../image/outbound.ts';
import { listImages, pruneLayers, removeImage, resolveImage, tagImage } from '../image/store.ts';
import { resolveContainer } from '../state/lifecycle.ts';
import { selfOwner } from '../state/containers.ts';
import { roots } from '../state/paths.ts';
import { requireRoot } from '../host/privilege.ts';
import type { Global } from './global.ts';
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
  const p = layerProgress(stream, 'downloading');
  return {
    layers: (digests) => p.layers(digests),
    layer(digest, state, bytes) {
      const text = state === 'downloading' ? `downloading ${p.amount(bytes?.got, bytes?.total)}` : state === 'exists' ? 'already exists' : state === 'done' ? 'pull complete' : state;
      p.show(digest, state, text);
    },
    note: (text) => p.note(text),
    finish: () => p.finish(),
  };
}

// The same for push: preparing, pushing (with a bar), already exists, mounted from REPO, pushed.
export function pushProgress(stream: NodeJS.WriteStream): PushEvents & { finish(): void } {
  const p = layerProgress(stream, 'pushing');
  return {
    layers: (ids) => p.layers(ids),
    layer(id, state, d) {
      const text =
        state === 'pushing' ? `pushing ${p.amount(d?.sent, d?.total)}` : state === 'exists' ? 'layer already exists' : state === 'mounted' ? `mounted from ${d?.from}` : state === 'done' ? 'pushed' : state;
      p.show(id, state, text);
    },
    finish: () => p.finish(),
  };
}

// Lines per layer, redrawn in place on a terminal; `busy` is the state whose updates (bytes) come often.
function layerProgress(stream: NodeJS.WriteStream, busy: string) {
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
  // On a terminal, transfers get a bar: [=========>          ] 1.2 MB / 3.4 MB.
  const bar = (got: number, total: number) => {
    if (!tty || !total) return '';
    const width = 30;
    const full = Math.min(width, Math.floor((got / total) * width));
    return `[${'='.repeat(full)}${full < width ? '>' : ''}${' '.repeat(Math.max(0, width - full - 1))}] `;
  };
  return {
    amount: (got?: number, total?: number) => (got === undefined ? '' : `${bar(got, total ?? 0)}${mb(got)}${total ? ` / ${mb(total)}` : ''}`),
    layers(ids: string[]) {
      for (const d of ids) if (!lines.has(d)) (order.push(d), lines.set(d, 'waiting'));
      if (tty) draw(true);
    },
    show(id: string, state: string, text: string) {
      const before = lines.get(id);
      lines.set(id, text);
      if (tty) draw(state !== busy);
      else if (state !== busy || !before?.startsWith(busy)) stream.write(`${short(id)}: ${state === busy ? busy : text}\n`);
    },
    note(text: string) {
      stream.write(`${text}\n`);
      drawn = 0;
    },
    finish() {
      if (tty && order.length) draw(true);
    },
  };
}

// run --pull: the pull verb's work and progress (on standard error), nothing on standard output.
export async function pullQuietly(refText: string): Promise<void> {
  const ref = remoteReference(refText);
  const progress = pullProgress(process.stderr);
  process.stderr.write(`pulling ${ref.canonical}\n`);
  const out = await withWork((w) => pullImage(w, refText, { events: progress }));
  progress.finish();
  process.stderr.write(`digest: ${out.digest}\n`);
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

// glassbox push [REGISTRY/]NAME[:TAG]: prints `TAG: digest: sha256:… size: N` like docker (-q: NAME@DIGEST).
export async function cmdPush(refText: string, opts: { insecure?: boolean; quiet?: boolean; chunkSize?: string }, g: Global): Promise<number> {
  requireRoot('glassbox push');
  enableTrace(g.verbose);
  const ref = remoteReference(refText);
  let chunkSize: number | undefined;
  if (opts.chunkSize !== undefined) {
    const p = parseSize(opts.chunkSize);
    if ('error' in p || p.value < 1) throw new GlassboxError(`--chunk-size: ${'error' in p ? p.error : 'must be at least 1 byte'}`, { hint: 'a size such as 5m or 65536' });
    chunkSize = p.value;
  }
  const progress = opts.quiet ? undefined : pushProgress(process.stderr);
  if (!opts.quiet) process.stderr.write(`pushing ${ref.canonical}\n`);
  const out = await withWork((w) => pushImage(w, refText, { insecure: opts.insecure, chunkSize, events: progress }));
  progress?.finish();
  const name = familiarName(`${out.ref.registry}/${out.ref.repository}`);
  process.stdout.write(opts.quiet ? `${name}@${out.digest}\n` : `${out.ref.tag}: digest: ${out.digest} size: ${out.size}\n`);
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

// The DiffIDs of the store's layers that some container of this root mounts (they stay, whatever rmi or prune say).
function layersInUse(root: string): Set<string> {
  const out = new Set<string>();
  for (const c of containersUsingLayers(roots())) {
    for (const d of c.lowerDirs) {
      const m = /\/layers\/sha256\/([0-9a-f]{64})$/.exec(d);
      if (m && d.startsWith(`${root}/`)) out.add(`sha256:${m[1]}`);
    }
  }
  return out;
}

// glassbox image inspect IMAGE…: a JSON array, docker's field names where they exist.
export async function cmdImageInspect(refs: string[]): Promise<number> {
  const root = roots().root;
  const list = await listImages(root);
  const out = [];
  for (const ref of refs) {
    const img = await resolveImage(root, ref);
    const r = img.record;
    out.push({
      Id: r.id,
      RepoTags: list.find((i) => i.record.id === r.id)?.tags ?? [],
      RepoDigests: r.repoDigests ?? [],
      Parent: r.parent ?? '',
      Created: r.created,
      Source: r.source ?? '',
      Os: r.os ?? 'linux',
      Architecture: r.architecture ?? '',
      ...(r.variant ? { Variant: r.variant } : {}),
      Config: r.config,
      RootFS: { Type: 'layers', Layers: r.layers },
      ...(r.history ? { History: r.history } : {}),
      LayerDirs: img.lowerDirs,
    });
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  return 0;
}

// glassbox tag SOURCE TARGET
export async function cmdTag(source: string, target: string): Promise<number> {
  requireRoot('glassbox tag');
  await tagImage(roots().root, source, target);
  return 0;
}

// glassbox rmi [-f] IMAGE…: untag, and delete the image when its last tag goes; refused while a container uses it.
export async function cmdRmi(refs: string[], opts: { force?: boolean }): Promise<number> {
  requireRoot('glassbox rmi');
  const r = roots();
  const keep = layersInUse(r.root);
  for (const ref of refs) {
    const img = await resolveImage(r.root, ref);
    const tags = (await listImages(r.root)).find((i) => i.record.id === img.id)?.tags ?? [];
    const byTag = tags.includes(img.ref);
    const wouldDelete = !byTag || tags.length <= 1;
    const users = containersUsingLayers(r).filter((c) => c.lowerDirs.join(':') === img.lowerDirs.join(':'));
    if (wouldDelete && users.length && !opts.force) {
      throw new GlassboxError(`image ${ref} is used by container ${users.map((u) => `${u.name} (${u.id.slice(0, 12)})`).join(', ')}`, { hint: 'remove the container first (glassbox rm), or force with rmi -f: its layers stay until it is removed' });
    }
    const res = await removeImage(r.root, ref, { force: opts.force, keepLayers: keep });
    for (const t of res.untagged) process.stdout.write(`Untagged: ${t}\n`);
    if (res.deleted) process.stdout.write(`Deleted: ${res.deleted}\n`);
  }
  return 0;
}

// glassbox image prune: layer dirs no image lists and no container mounts.
export async function cmdImagePrune(): Promise<number> {
  requireRoot('glassbox image prune');
  const r = roots();
  const removed = await pruneLayers(r.root, layersInUse(r.root));
  for (const l of removed) process.stdout.write(`deleted layer ${l}\n`);
  process.stdout.write(removed.length ? `${removed.length} layer${removed.length === 1 ? '' : 's'} removed\n` : 'no unused layers\n');
  return 0;
}

// glassbox commit CONTAINER [NAME[:TAG]]
export async function cmdCommit(ref: string, tag: string | undefined, opts: { message?: string }, g: Global): Promise<number> {
  requireRoot('glassbox commit');
  enableTrace(g.verbose);
  const r = roots();
  const id = resolveContainer(r, ref);
  const rec = await withWork((w) => commitContainer(w, r, id, tag, { comment: opts.message }));
  process.stdout.write(`${rec.id}\n`);
  return 0;
}

// glassbox export CONTAINER -o FILE
export async function cmdExport(ref: string, opts: { output?: string }, g: Global): Promise<number> {
  requireRoot('glassbox export');
  enableTrace(g.verbose);
  if (!opts.output) throw new GlassboxError('export needs -o FILE', { hint: 'glassbox export CONTAINER -o rootfs.tar' });
  const r = roots();
  const id = resolveContainer(r, ref);
  await withWork((w) => exportContainer(w, r, id, opts.output!));
  return 0;
}

// glassbox save IMAGE -o FILE [--format docker-archive|oci-archive]
export async function cmdSave(ref: string, opts: { output?: string; format?: string }, g: Global): Promise<number> {
  requireRoot('glassbox save');
  enableTrace(g.verbose);
  if (!opts.output) throw new GlassboxError('save needs -o FILE', { hint: 'glassbox save IMAGE -o image.tar' });
  const format = (opts.format ?? 'docker-archive') as SaveFormat;
  await withWork((w) => saveImage(w, ref, opts.output!, format));
  return 0;
}
