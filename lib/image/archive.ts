// Image archives on disk, and how each becomes an image in the store.
//
//   docker-archive (`docker save`, `podman save`): a tar with manifest.json — [{Config, RepoTags, Layers}] — the
//       config file (named by its sha256) and one tar per layer, bottom first.
//   OCI image layout (a directory) or oci-archive (that directory as a tar): `oci-layout`, `index.json` and
//       `blobs/sha256/<hex>`. index.json points at manifests (or at a further index, one entry per platform); a
//       manifest points at the config and the layer blobs, every one by digest.
//   a plain root file system (`docker import`): a tar (maybe compressed) or a directory, which becomes one layer.
//
// Everything is read and verified before anything enters the store: digests of manifests, configs and layers,
// and the config's DiffIDs against the layers' uncompressed content. An archive is itself listed and checked like
// a layer before `tar` unpacks it into the store's scratch directory.

import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { createHash } from '../util/crypto.ts';
import path from 'node:path';
import { GlassboxError } from '../errors.ts';
import { parseImageConfig, type ParsedConfig } from './imageconfig.ts';
import { importLayer, packLayer, type LayerResult, type LayerSource } from './layers.ts';
import { checkLayer, memberPath } from './layersafety.ts';
import { DEFAULT_PLATFORM, isIndex, selectManifest, type Descriptor, type Platform } from './platform.ts';
import { parseReference } from './reference.ts';
import { addImage, type ImageRecord } from './store.ts';
import { compressionOf, readHead, scanTarFile } from './tarscan.ts';
import type { StoreWork } from './work.ts';

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const short = (d: string) => d.replace('sha256:', '').slice(0, 12);

/** An image read from an archive or a registry, not yet in the store. */
export interface ImageParts {
  config: ParsedConfig;
  layers: LayerSource[];
  tags: string[];
  source: string;
  repoDigests?: string[];
}

export type ArchiveKind = 'docker-archive' | 'oci-layout' | 'oci-archive' | 'rootfs-tar' | 'rootfs-dir';

export interface ImportOptions {
  platform?: Platform;
  /** Called as each layer is done. */
  onLayer?(r: LayerResult, src: LayerSource): void;
}

const corrupt = (where: string, what: string) => new GlassboxError(`${where}: ${what}`, { hint: 'the archive is damaged or not an image archive' });

export function sha256(b: Buffer | string): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

// Reads a JSON file of an unpacked archive.
async function readJson(file: string, where: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw corrupt(where, `${path.basename(file)} is missing`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw corrupt(where, `${path.basename(file)} is not JSON (${(e as Error).message})`);
  }
}

// A path named inside an archive's JSON, made safe: relative, no "..", and (after symlinks) still inside dir.
async function inside(dir: string, name: string, where: string): Promise<string> {
  let parts: string[];
  try {
    parts = memberPath(name);
  } catch (e) {
    throw corrupt(where, (e as Error).message);
  }
  const p = path.join(dir, ...parts);
  let real: string;
  try {
    real = await realpath(p);
  } catch {
    throw corrupt(where, `${name} is missing from the archive`);
  }
  const realDir = await realpath(dir);
  if (real !== realDir && !real.startsWith(realDir + '/')) throw corrupt(where, `${name} leads outside the archive`);
  return real;
}

// Reads a blob of an OCI layout and checks its digest.
async function readBlob(dir: string, digest: string, where: string): Promise<Buffer> {
  if (!DIGEST.test(digest)) throw corrupt(where, `unsupported digest ${JSON.stringify(digest)}`);
  const file = await inside(dir, `blobs/sha256/${digest.slice(7)}`, where);
  const b = await readFile(file);
  if (sha256(b) !== digest) throw new GlassboxError(`${where}: blob ${digest} does not match its digest (got ${sha256(b)})`, { hint: 'the archive is corrupt; nothing was stored' });
  return b;
}

// Decides what a path holds.
export async function detectKind(input: string): Promise<{ kind: ArchiveKind; names?: string[] }> {
  const st = await stat(input).catch(() => undefined);
  if (!st) throw new GlassboxError(`${input}: no such file or directory`, { hint: 'give an image archive (docker save, OCI), an OCI layout directory, or a root file system tar/directory' });
  if (st.isDirectory()) {
    if (await lstat(path.join(input, 'oci-layout')).then(() => true, () => false)) return { kind: 'oci-layout' };
    if (await lstat(path.join(input, 'manifest.json')).then(() => true, () => false)) return { kind: 'docker-archive' };
    return { kind: 'rootfs-dir' };
  }
  if (!st.isFile()) throw new GlassboxError(`${input} is not a file or a directory`);
  const head = await readHead(input, 8);
  if (head.length >= 4 && compressionOf(head) === 'zstd') return { kind: 'rootfs-tar' };
  const scan = await scanTarFile(input).catch((e: unknown) => {
    throw new GlassboxError(`${input}: not a tar archive (${(e as Error).message})`, { hint: 'give an image archive or a root file system tar' });
  });
  const names = scan.entries.map((e) => memberPathSafe(e.name));
  if (names.includes('manifest.json')) return { kind: 'docker-archive', names };
  if (names.includes('oci-layout')) return { kind: 'oci-archive', names };
  return { kind: 'rootfs-tar' };
}

function memberPathSafe(name: string): string {
  try {
    return memberPath(name).join('/');
  } catch {
    return name;
  }
}

// Unpacks an archive tar into the scratch directory, after listing and checking it.
async function unpackArchive(work: StoreWork, file: string): Promise<string> {
  const scan = await scanTarFile(file);
  checkLayer(scan.entries);
  const dir = work.fresh('archive');
  await work.run([{ block: 'archive-unpack', as: 'archive', params: { archive: file, dir } }], 'unpacking the archive');
  return dir;
}

// docker-archive: every image in manifest.json.
export async function readDockerArchive(dir: string, where: string): Promise<ImageParts[]> {
  const manifest = await readJson(path.join(dir, 'manifest.json'), where);
  if (!Array.isArray(manifest) || manifest.length === 0) throw corrupt(where, 'manifest.json is not a list of images');
  const out: ImageParts[] = [];
  for (const m of manifest as Array<{ Config?: unknown; RepoTags?: unknown; Layers?: unknown }>) {
    if (typeof m.Config !== 'string' || !Array.isArray(m.Layers) || !m.Layers.every((l) => typeof l === 'string')) throw corrupt(where, 'manifest.json entry without Config or Layers');
    const configFile = await inside(dir, m.Config, where);
    const bytes = await readFile(configFile);
    // docker names the config file by its digest: check it when it is named so.
    const named = /(?:^|\/)(?:sha256[:/])?([0-9a-f]{64})(?:\.json)?$/.exec(m.Config);
    if (named && sha256(bytes) !== `sha256:${named[1]}`) throw new GlassboxError(`${where}: the image config ${m.Config} does not match its digest`, { hint: 'the archive is corrupt; nothing was stored' });
    const config = parseImageConfig(bytes, where);
    if (config.diffIds.length !== m.Layers.length) throw corrupt(where, `the config lists ${config.diffIds.length} layers, manifest.json ${m.Layers.length}`);
    const layers: LayerSource[] = [];
    for (const [i, l] of (m.Layers as string[]).entries()) {
      layers.push({ file: await inside(dir, l, where), label: `layer ${i + 1}/${m.Layers.length} (${short(config.diffIds[i]!)})`, expectDiffId: config.diffIds[i] });
    }
    const tags = Array.isArray(m.RepoTags) ? (m.RepoTags as unknown[]).filter((t): t is string => typeof t === 'string') : [];
    out.push({ config, layers, tags, source: `docker-archive:${where}` });
  }
  return out;
}

// Follows an index to the manifest for the platform (or the one manifest there is).
async function pickManifest(dir: string, index: { manifests?: Descriptor[] }, where: string, platform: Platform, refName?: string): Promise<{ desc: Descriptor; name?: string }> {
  let list = index.manifests ?? [];
  if (list.length === 0) throw corrupt(where, 'index.json lists no manifests');
  if (refName) {
    const named = list.filter((d) => d.annotations?.['org.opencontainers.image.ref.name'] === refName || d.annotations?.['io.containerd.image.name'] === refName);
    if (named.length) list = named;
  }
  let desc = list.length === 1 || !list.some((d) => d.platform) ? list[0]! : selectManifest(list, platform);
  const name = desc.annotations?.['io.containerd.image.name'];
  for (let depth = 0; depth < 4; depth++) {
    const bytes = await readBlob(dir, desc.digest, where);
    const j = JSON.parse(String(bytes)) as { mediaType?: string; manifests?: Descriptor[]; layers?: unknown };
    if (!isIndex(desc.mediaType ?? j.mediaType, j)) return { desc, name };
    desc = selectManifest(j.manifests ?? [], platform);
  }
  throw corrupt(where, 'indexes nested too deeply');
}

// OCI image layout: the manifest chosen, its config and layer blobs (digests checked as they are read).
export async function readOciLayout(dir: string, where: string, platform: Platform = DEFAULT_PLATFORM): Promise<ImageParts> {
  const layout = (await readJson(path.join(dir, 'oci-layout'), where)) as { imageLayoutVersion?: string };
  if (!layout?.imageLayoutVersion) throw corrupt(where, 'oci-layout has no imageLayoutVersion');
  const index = (await readJson(path.join(dir, 'index.json'), where)) as { manifests?: Descriptor[] };
  const { desc, name } = await pickManifest(dir, index, where, platform);
  const manifest = JSON.parse(String(await readBlob(dir, desc.digest, where))) as { config?: Descriptor; layers?: Descriptor[] };
  if (!manifest.config || !Array.isArray(manifest.layers)) throw corrupt(where, `manifest ${desc.digest} has no config or layers`);
  const config = parseImageConfig(await readBlob(dir, manifest.config.digest, where), where);
  if (config.diffIds.length !== manifest.layers.length) throw corrupt(where, `the config lists ${config.diffIds.length} layers, the manifest ${manifest.layers.length}`);
  const layers: LayerSource[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    if (!DIGEST.test(l.digest)) throw corrupt(where, `unsupported layer digest ${l.digest}`);
    layers.push({ file: await inside(dir, `blobs/sha256/${l.digest.slice(7)}`, where), label: `layer ${i + 1}/${manifest.layers.length} (${short(l.digest)})`, expectDigest: l.digest, expectDiffId: config.diffIds[i] });
  }
  const tags: string[] = [];
  if (name) {
    try {
      parseReference(name);
      tags.push(name);
    } catch {}
  }
  return { config, layers, tags, source: `oci:${where}` };
}

// Imports layers (up to four at once) and records the image with its tags.
export async function storeImage(work: StoreWork, parts: ImageParts, extraTags: string[], opts: ImportOptions = {}): Promise<ImageRecord> {
  const results = await pool(parts.layers, 4, async (src) => {
    const r = await importLayer(work, src);
    opts.onLayer?.(r, src);
    return r;
  });
  const diffIds = results.map((r) => r.diffId);
  const c = parts.config;
  return addImage(work.root, { layers: diffIds, config: c.config, source: parts.source, os: c.os, architecture: c.architecture, variant: c.variant, repoDigests: parts.repoDigests }, [...new Set([...parts.tags, ...extraTags])]);
}

// Runs fn over items, at most n at a time, keeping the order of results; the first failure wins.
export async function pool<T, R>(items: T[], n: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  if (failed !== undefined) throw failed;
  return out;
}

// `glassbox image import`: whatever input is, into the store. Returns the records made (a docker-archive may hold
// several images) and the kind of input.
export async function importPath(work: StoreWork, input: string, tag: string | undefined, opts: ImportOptions = {}): Promise<{ kind: ArchiveKind; images: ImageRecord[] }> {
  const abs = path.resolve(input);
  const where = input;
  const { kind } = await detectKind(abs);
  const extra = tag ? [tag] : [];
  if (tag) parseReference(tag); // a bad NAME[:TAG] fails before any work
  if (kind === 'rootfs-tar' || kind === 'rootfs-dir') {
    let file = abs;
    if (kind === 'rootfs-dir') {
      file = work.fresh('rootfs.tar');
      await packLayer(work, abs, file);
    }
    const r = await importLayer(work, { file, label: kind === 'rootfs-dir' ? `directory ${where}` : `root file system ${where}` });
    opts.onLayer?.(r, { file, label: where });
    const rec = await addImage(work.root, { layers: [r.diffId], config: {}, source: `${kind === 'rootfs-dir' ? 'dir' : 'tar'}:${where}`, os: 'linux', architecture: hostArch() }, extra);
    return { kind, images: [rec] };
  }
  const dir = kind === 'docker-archive' || kind === 'oci-layout' ? abs : abs;
  const unpacked = (await stat(abs)).isDirectory() ? dir : await unpackArchive(work, abs);
  if (kind === 'docker-archive') {
    const all = await readDockerArchive(unpacked, where);
    const images: ImageRecord[] = [];
    for (const [i, parts] of all.entries()) images.push(await storeImage(work, parts, i === 0 ? extra : [], opts));
    return { kind, images };
  }
  const parts = await readOciLayout(unpacked, where, opts.platform);
  return { kind, images: [await storeImage(work, parts, extra, opts)] };
}

// The host's architecture in OCI's words.
export function hostArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[process.arch] ?? process.arch;
}
