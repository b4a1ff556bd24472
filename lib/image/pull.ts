// glassbox pull: a registry image into the store.
//
// 1. The manifest for the tag (or digest). An index / manifest list is resolved to the manifest of the platform.
// 2. The image config (by digest; kept in <root>/blobs/sha256/ so the next pull need not fetch it again). Its
//    rootfs.diff_ids name the layers as the store names them.
// 3. Each layer whose DiffID the store lacks is downloaded into the scratch directory (three at a time), its
//    digest checked while it streams, then imported like any layer (importLayer checks the DiffID too).
// 4. The image record, the tag and the manifest's digest (repoDigests) are written.
// A second pull of the same image asks for the manifest and downloads nothing else.

import { lstat, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { GlassboxError } from '../errors.ts';
import { writeFileAtomic } from '../state/atomic.ts';
import { pool, sha256 } from './archive.ts';
import { credentialsFor, isInsecure } from './auth.ts';
import { parseImageConfig } from './imageconfig.ts';
import { importLayer, type LayerResult } from './layers.ts';
import { DEFAULT_PLATFORM, formatPlatform, isIndex, selectManifest, type Descriptor, type Platform } from './platform.ts';
import { familiarName, remoteReference, type RemoteReference } from './reference.ts';
import { RegistryClient } from './registry.ts';
import { addImage, layerDir, type ImageRecord } from './store.ts';
import type { StoreWork } from './work.ts';

export type LayerState = 'waiting' | 'exists' | 'downloading' | 'verifying' | 'extracting' | 'done';

export interface PullEvents {
  /** The layers of the chosen manifest, known once the config is read. */
  layers?(digests: string[]): void;
  layer?(digest: string, state: LayerState, bytes?: { got: number; total: number }): void;
  note?(text: string): void;
}

export interface PullOptions {
  platform?: Platform;
  insecure?: boolean;
  events?: PullEvents;
}

export interface PullResult {
  record: ImageRecord;
  ref: RemoteReference;
  digest: string;
  downloaded: number;
}

const short = (d: string) => d.replace('sha256:', '').slice(0, 12);

// The config blob, from the store's small-blob cache or from the registry (then cached).
async function configBlob(root: string, client: RegistryClient, digest: string): Promise<Buffer> {
  const file = path.join(root, 'blobs', 'sha256', digest.slice(7));
  const cached = await readFile(file).catch(() => undefined);
  if (cached && sha256(cached) === digest) return cached;
  const bytes = await client.blobBytes(digest);
  await mkdir(path.dirname(file), { recursive: true });
  writeFileAtomic(file, bytes.toString('utf8')); // a config is JSON text; a mismatch on the next read just fetches it again
  return bytes;
}

export async function pullImage(work: StoreWork, refText: string, opts: PullOptions = {}): Promise<PullResult> {
  const ref = remoteReference(refText);
  const root = work.root;
  const client = new RegistryClient(ref, { insecure: isInsecure(root, ref.registry, !!opts.insecure), credentials: credentialsFor(root, ref.registry) });
  const ev = opts.events ?? {};
  const top = await client.manifest(ref.reference);
  let manifest = top;
  let json = JSON.parse(String(top.bytes)) as { mediaType?: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  if (isIndex(top.mediaType, json)) {
    const want = opts.platform ?? DEFAULT_PLATFORM;
    const desc = selectManifest(json.manifests ?? [], want);
    ev.note?.(`${formatPlatform(want)}: manifest ${short(desc.digest)}`);
    manifest = await client.manifest(desc.digest);
    json = JSON.parse(String(manifest.bytes));
    if (isIndex(manifest.mediaType, json)) throw new GlassboxError('an index inside an index is not supported');
  }
  if (!json.config || !Array.isArray(json.layers)) throw new GlassboxError(`${ref.canonical}: the manifest has no config or layers`, { hint: 'not an image manifest' });
  const config = parseImageConfig(await configBlob(root, client, json.config.digest), ref.canonical);
  const layers = json.layers;
  if (config.diffIds.length !== layers.length) throw new GlassboxError(`${ref.canonical}: the config lists ${config.diffIds.length} layers, the manifest ${layers.length}`);
  ev.layers?.(layers.map((l) => l.digest));
  let downloaded = 0;
  const results = await pool(layers, 3, async (l, i): Promise<LayerResult> => {
    const diffId = config.diffIds[i]!;
    const have = await lstat(layerDir(root, diffId)).then(() => true, () => false);
    if (have) {
      ev.layer?.(l.digest, 'exists');
      return { diffId, digest: l.digest, size: l.size ?? 0, existed: true, compression: 'none' };
    }
    if (!/^sha256:[0-9a-f]{64}$/.test(l.digest)) throw new GlassboxError(`unsupported layer digest ${l.digest}`);
    const file = work.file(`blob-${l.digest.slice(7)}`);
    ev.layer?.(l.digest, 'downloading', { got: 0, total: l.size ?? 0 });
    downloaded += await client.download(l.digest, file, (got, total) => ev.layer?.(l.digest, 'downloading', { got, total: total || l.size || 0 }));
    ev.layer?.(l.digest, 'extracting');
    const r = await importLayer(work, { file, label: `layer ${short(l.digest)}`, expectDigest: l.digest, expectDiffId: diffId });
    ev.layer?.(l.digest, 'done');
    return r;
  });
  // Like docker, the digest the name resolved to (an index's, for a multi-platform image) and the manifest's.
  const repo = familiarName(`${ref.registry}/${ref.repository}`);
  const repoDigests = [...new Set([top.digest, manifest.digest])].map((d) => `${repo}@${d}`);
  const tags = ref.storeTag ? [ref.storeTag] : [];
  const record = await addImage(root, {
    layers: results.map((r) => r.diffId),
    config: config.config,
    source: ref.canonical,
    os: config.os,
    architecture: config.architecture,
    variant: config.variant,
    repoDigests,
    configDigest: json.config!.digest,
  }, tags);
  return { record, ref, digest: manifest.digest, downloaded };
}
