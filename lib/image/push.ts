// glassbox push NAME[:TAG]: an image of the store into a registry, as an OCI image manifest.
//
// 1. Each stored layer (an extracted directory) is packed again as a tar, like save does (packLayer: sorted
//    names, numeric owners, whiteouts in OCI form), and gzipped by Node's zlib; the tar's digest is the layer's
//    DiffID in the pushed config, the gzip's digest its blob digest. Both are remembered per stored layer in
//    <root>/blobs/pushed/<DiffID hex>.json with the repositories it went to, so a later push can ask the
//    registry about the blob (HEAD), or mount it from another repository, without packing anything.
// 2. Per blob (layers three at a time, then the config): HEAD (there already: skip); a cross-repository mount
//    from a repository of the same registry that holds it (pushed there before, or named in some image's
//    repoDigests); else an upload, monolithic or in chunks (lib/image/upload.ts).
// 3. The config (buildImageConfig, as save writes it) and the manifest; the manifest goes under the tag, and the
//    name@digest joins the image's repoDigests. The same image pushed twice gives the same manifest digest.

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { createHash } from '../util/crypto.ts';
import { GlassboxError } from '../errors.ts';
import { writeFileAtomic } from '../state/atomic.ts';
import { pool, sha256 } from './archive.ts';
import { credentialsFor, isInsecure } from './auth.ts';
import { buildImageConfig } from './imageconfig.ts';
import { packLayer } from './layers.ts';
import { MEDIA, type Descriptor } from './platform.ts';
import { familiarName, remoteReference, splitName, type RemoteReference } from './reference.ts';
import { RegistryClient } from './registry.ts';
import { addImage, layerDir, listImages, resolveImage, type ImageRecord } from './store.ts';
import { BlobUploader, buildManifest, bufferSource, fileSource, type BlobSource } from './upload.ts';
import type { StoreWork } from './work.ts';

export type PushState = 'waiting' | 'preparing' | 'exists' | 'mounted' | 'pushing' | 'done';

export interface PushEvents {
  /** The stored layers (DiffIDs), bottom first. */
  layers?(ids: string[]): void;
  layer?(id: string, state: PushState, detail?: { sent?: number; total?: number; from?: string }): void;
}

export interface PushOptions {
  insecure?: boolean;
  /** Blobs larger than this are uploaded in chunks of this size. */
  chunkSize?: number;
  events?: PushEvents;
}

export interface PushResult {
  ref: RemoteReference;
  record: ImageRecord;
  /** The manifest's digest and size. */
  digest: string;
  size: number;
  configDigest: string;
  /** Per layer, bottom first: what happened to its blob. */
  layers: Array<{ diffId: string; digest: string; outcome: 'exists' | 'mounted' | 'pushed' }>;
}

/** What a stored layer became when packed for a registry, and where it was pushed. */
interface PushedLayer {
  diffId: string;
  digest: string;
  size: number;
  mediaType: string;
  /** `registry/repository` names that received the blob. */
  repos: string[];
}

const cachePath = (root: string, storeDiffId: string) => path.join(root, 'blobs', 'pushed', `${storeDiffId.slice(7)}.json`);

// The remembered packing of a stored layer, if any (a damaged file counts as none).
async function readPushed(root: string, storeDiffId: string): Promise<PushedLayer | undefined> {
  try {
    const j = JSON.parse(await readFile(cachePath(root, storeDiffId), 'utf8')) as PushedLayer;
    return /^sha256:[0-9a-f]{64}$/.test(j.digest) && /^sha256:[0-9a-f]{64}$/.test(j.diffId) && Number.isInteger(j.size) ? { ...j, repos: Array.isArray(j.repos) ? j.repos : [] } : undefined;
  } catch {
    return undefined;
  }
}

async function writePushed(root: string, storeDiffId: string, p: PushedLayer): Promise<void> {
  await mkdir(path.dirname(cachePath(root, storeDiffId)), { recursive: true });
  writeFileAtomic(cachePath(root, storeDiffId), `${JSON.stringify(p)}\n`);
}

// Packs a stored layer as tar, then gzip: the tar's digest (DiffID), the gzip file, its digest and size.
export async function packForPush(work: StoreWork, storeDiffId: string): Promise<{ diffId: string; digest: string; size: number; file: string }> {
  const tar = work.fresh('push.tar');
  await packLayer(work, layerDir(work.root, storeDiffId), tar);
  const file = `${tar}.gz`;
  const plain = createHash('sha256');
  const packed = createHash('sha256');
  let size = 0;
  const tap = (h: ReturnType<typeof createHash>, count: boolean) =>
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        h.update(chunk);
        if (count) size += chunk.length;
        done(null, chunk);
      },
    });
  await pipeline(createReadStream(tar), tap(plain, false), createGzip({ level: 6 }), tap(packed, true), createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  await rm(tar, { force: true });
  return { diffId: `sha256:${plain.digest('hex')}`, digest: `sha256:${packed.digest('hex')}`, size, file };
}

// Repositories of the same registry (other than the target) that may hold blobs: from every image's repoDigests.
export function mountSources(records: ImageRecord[], registry: string, repository: string): string[] {
  const out = new Set<string>();
  for (const r of records) {
    for (const rd of r.repoDigests ?? []) {
      const name = rd.split('@')[0]!;
      const s = splitName(name);
      if (s.registry === registry && s.repository !== repository) out.add(s.repository);
    }
  }
  return [...out].sort();
}

export async function pushImage(work: StoreWork, refText: string, opts: PushOptions = {}): Promise<PushResult> {
  const ref = remoteReference(refText);
  if (ref.digest) throw new GlassboxError(`cannot push a digest reference: ${refText}`, { hint: 'push NAME[:TAG]; the registry names the manifest by its digest' });
  const root = work.root;
  const img = await resolveImage(root, ref.storeTag!).catch((e: unknown) => {
    if (e instanceof GlassboxError && /^image not found/.test(e.message)) {
      throw new GlassboxError(`image not found: ${ref.storeTag}`, { hint: `push sends an image by its name: tag it first, e.g. glassbox tag IMAGE ${ref.storeTag}` });
    }
    throw e;
  });
  const rec = img.record;
  const target = `${ref.registry}/${ref.repository}`;
  const ev = opts.events ?? {};
  const storeLayers = [...new Set(rec.layers)];
  const remembered = new Map<string, PushedLayer>();
  for (const l of storeLayers) {
    const p = await readPushed(root, l);
    if (p) remembered.set(l, p);
  }
  // Mount candidates: where these layers went before, then repositories named in repoDigests (this image's first).
  const others = (await listImages(root)).map((i) => i.record).filter((r) => r.id !== rec.id);
  const fromRepoDigests = [...mountSources([rec], ref.registry, ref.repository), ...mountSources(others, ref.registry, ref.repository)];
  const fromPushed = (l: string) => (remembered.get(l)?.repos ?? []).map(splitName).filter((s) => s.registry === ref.registry && s.repository !== ref.repository).map((s) => s.repository);
  const sourcesOf = (l?: string) => [...new Set([...(l ? fromPushed(l) : []), ...fromRepoDigests])];
  const allSources = [...new Set([...storeLayers.flatMap(fromPushed), ...fromRepoDigests])].slice(0, 8);
  const client = new RegistryClient(ref, {
    insecure: isInsecure(root, ref.registry, !!opts.insecure),
    credentials: credentialsFor(root, ref.registry),
    scopes: [`repository:${ref.repository}:pull,push`, ...allSources.map((s) => `repository:${s}:pull`)],
  });
  const up = new BlobUploader(client, ref);

  // One blob into the repository: 'exists', 'mounted' or 'pushed'. `session`: an upload already started (a mount
  // that did not happen starts one), so HEAD and the mount are not asked again.
  const sendBlob = async (digest: string, source: () => Promise<BlobSource>, from: string[], id?: string, session?: string): Promise<'exists' | 'mounted' | 'pushed'> => {
    let url = session;
    if (!url) {
      if (await up.exists(digest)) return 'exists';
      const started = await up.start(from[0] ? { digest, from: from[0] } : undefined);
      if (started === 'mounted') {
        if (id) ev.layer?.(id, 'mounted', { from: `${ref.registry}/${from[0]}` });
        return 'mounted';
      }
      url = started;
    }
    const src = await source();
    if (id) ev.layer?.(id, 'pushing', { sent: 0, total: src.size });
    await up.upload(url, digest, src, { chunkSize: opts.chunkSize, onBytes: (sent, total) => id && ev.layer?.(id, 'pushing', { sent, total }) });
    return 'pushed';
  };

  ev.layers?.(storeLayers);
  const done = await pool(storeLayers, 3, async (l) => {
    ev.layer?.(l, 'preparing');
    let known = remembered.get(l);
    let outcome: 'exists' | 'mounted' | 'pushed' | undefined;
    let session: string | undefined;
    let file: string | undefined;
    // A layer packed before: its blob may be in the registry already, or mountable, so nothing needs packing.
    if (known) {
      if (await up.exists(known.digest)) outcome = 'exists';
      else {
        const from = sourcesOf(l)[0];
        const started = await up.start(from ? { digest: known.digest, from } : undefined);
        if (started === 'mounted') {
          outcome = 'mounted';
          ev.layer?.(l, 'mounted', { from: `${ref.registry}/${from}` });
        } else session = started;
      }
    }
    if (!outcome) {
      const p = await packForPush(work, l);
      file = p.file;
      const same = known?.digest === p.digest;
      known = { diffId: p.diffId, digest: p.digest, size: p.size, mediaType: MEDIA.ociLayerGzip, repos: same ? known!.repos : [] };
      // The session started above serves whatever digest the packing gave; a different one is asked about first.
      if (session && !same && (await up.exists(p.digest))) outcome = 'exists';
      else outcome = await sendBlob(p.digest, async () => fileSource(p.file, p.size), sourcesOf(l), l, session);
    }
    const pushed = { ...known!, repos: [...new Set([...known!.repos, target])].sort() };
    await writePushed(root, l, pushed);
    if (file) await rm(file, { force: true });
    if (outcome !== 'mounted') ev.layer?.(l, outcome === 'exists' ? 'exists' : 'done');
    return { store: l, pushed, outcome };
  });
  const byStore = new Map(done.map((d) => [d.store, d]));
  const layers = rec.layers.map((l) => byStore.get(l)!);

  const configText = buildImageConfig(rec, layers.map((l) => l.pushed.diffId));
  const configBytes = Buffer.from(configText);
  const configDigest = sha256(configBytes);
  await sendBlob(configDigest, async () => bufferSource(configBytes), sourcesOf());

  const manifest = Buffer.from(
    buildManifest(
      { mediaType: MEDIA.ociConfig, digest: configDigest, size: configBytes.length },
      layers.map((l): Descriptor => ({ mediaType: l.pushed.mediaType, digest: l.pushed.digest, size: l.pushed.size })),
    ),
  );
  const digest = sha256(manifest);
  await up.putManifest(ref.tag, MEDIA.ociManifest, manifest, digest);
  const record = await addImage(root, { layers: rec.layers, config: rec.config, repoDigests: [`${familiarName(target)}@${digest}`] }, []);
  return {
    ref,
    record,
    digest,
    size: manifest.length,
    configDigest,
    layers: layers.map((l) => ({ diffId: l.pushed.diffId, digest: l.pushed.digest, outcome: l.outcome })),
  };
}

