// Images and containers going out of (or back into) the store as tars:
//
//   commit  a container's writable layer (its overlay upper dir) → a new layer on top of its image's layers.
//   export  a container's whole file system, merged by overlayfs → one flat tar (like `docker export`).
//   save    an image → a docker-archive or an oci-archive that podman, skopeo and docker load.
//
// Stored layers are extracted directories, not the original tars, so save packs each layer again (whiteouts back
// in OCI form); the DiffIDs of a saved image are those of the new tars (the files are the same, the bytes of the
// tar headers may differ), and its config is written anew with them.

import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GlassboxError } from '../errors.ts';
import { isPrivateMountPoint } from '../host/facts.ts';
import type { Roots } from '../state/paths.ts';
import { pool, sha256 } from './archive.ts';
import { containerFs } from './containerfs.ts';
import { buildImageConfig } from './imageconfig.ts';
import { importLayer, packLayer } from './layers.ts';
import { MEDIA } from './platform.ts';
import { parseReference, tagKey } from './reference.ts';
import { addImage, layerDir, listImages, resolveImage, type ImageRecord } from './store.ts';
import { sha256File } from './tarscan.ts';
import type { StoreWork } from './work.ts';

const LAYER_PATH = /\/layers\/sha256\/([0-9a-f]{64})$/;

// The store's DiffID for a layer dir of this store, or undefined for any other directory (a rootdir).
function diffIdOfDir(root: string, dir: string): string | undefined {
  const m = LAYER_PATH.exec(dir);
  return m && layerDir(root, `sha256:${m[1]}`) === dir ? `sha256:${m[1]}` : undefined;
}

// glassbox commit CONTAINER NAME[:TAG]: the image's layers plus one made from the container's upper dir.
export async function commitContainer(work: StoreWork, r: Roots, id: string, tag: string | undefined, opts: { comment?: string } = {}): Promise<ImageRecord> {
  if (tag) parseReference(tag);
  const fs = containerFs(r, id);
  const bottomFirst = [...fs.lowerDirs].reverse();
  // Layers below: the store's own; a rootdir (run with rootdir:) is packed into a layer of its own first.
  const layers: string[] = [];
  for (const dir of bottomFirst) {
    const known = diffIdOfDir(work.root, dir);
    if (known) layers.push(known);
    else {
      const tar = work.fresh('rootdir.tar');
      await packLayer(work, dir, tar);
      layers.push((await importLayer(work, { file: tar, label: `root directory ${dir}` })).diffId);
    }
  }
  const tar = work.fresh('upper.tar');
  await packLayer(work, fs.upper, tar);
  const top = await importLayer(work, { file: tar, label: `the writable layer of ${fs.name}` });
  // The image it ran: the record whose layers are exactly those below (its config is kept).
  const parent = (await listImages(work.root)).find((i) => i.record.layers.join() === layers.join())?.record;
  return addImage(work.root, {
    layers: [...layers, top.diffId],
    config: parent?.config ?? {},
    source: `commit:${fs.name}${opts.comment ? ` (${opts.comment})` : ''}`,
    ...(parent ? { parent: parent.id, os: parent.os, architecture: parent.architecture, variant: parent.variant } : {}),
  }, tag ? [tag] : []);
}

// A path beside the destination, renamed onto it once complete (a reader never sees half a file).
function partial(out: string): string {
  return path.join(path.dirname(out), `.${path.basename(out)}.glassbox-${process.pid}-${Date.now().toString(36)}`);
}

// Refuses an output whose directory does not exist (before any work).
async function checkOutput(out: string): Promise<string> {
  const abs = path.resolve(out);
  const st = await stat(path.dirname(abs)).catch(() => undefined);
  if (!st?.isDirectory()) throw new GlassboxError(`cannot write ${out}: ${path.dirname(abs)} is not a directory`);
  if ((await stat(abs).catch(() => undefined))?.isDirectory()) throw new GlassboxError(`cannot write ${out}: it is a directory`, { hint: 'give a file name with -o' });
  return abs;
}

// glassbox export CONTAINER -o FILE: the merged root, from a read-only overlay in a private mount namespace.
export async function exportContainer(work: StoreWork, r: Roots, id: string, out: string): Promise<void> {
  const abs = await checkOutput(out);
  const fs = containerFs(r, id);
  const lower = [fs.upper, ...fs.lowerDirs];
  for (const d of lower) if (/[,:\\\s]/.test(d)) throw new GlassboxError(`layer path ${d} contains "," ":" "\\" or white space`);
  const tmp = partial(abs);
  const nsFile = path.join(r.run, `export-${path.basename(work.dir)}`);
  const instances = [];
  if (!isPrivateMountPoint(r.run)) {
    await mkdir(r.run, { recursive: true });
    instances.push({ block: 'runroot', as: 'runroot', params: { run_root: r.run, make_private: true, make_barrier: false, tmp_name: 'export' } });
  }
  instances.push({ block: 'container-export', as: 'export', params: { ns_file: nsFile, mnt: work.file('merged'), lower: lower.join(':'), out: tmp } });
  try {
    await work.run(instances, `exporting ${fs.name}`, { undo: true });
    await rename(tmp, abs);
  } finally {
    await rm(tmp, { force: true });
  }
}

export type SaveFormat = 'docker-archive' | 'oci-archive';

interface PackedLayer {
  file: string;
  diffId: string;
  size: number;
}

// glassbox save IMAGE -o FILE: the image's layers packed again, a config and manifest written, one tar.
export async function saveImage(work: StoreWork, refs: string, out: string, format: SaveFormat): Promise<ImageRecord> {
  const abs = await checkOutput(out);
  const img = await resolveImage(work.root, refs);
  const rec = img.record;
  const staging = work.fresh('save');
  await mkdir(staging);
  const packed = await pool(rec.layers, 4, async (l): Promise<PackedLayer> => {
    const file = work.fresh('layer.tar');
    await packLayer(work, layerDir(work.root, l), file);
    const diffId = await sha256File(file);
    return { file, diffId, size: (await stat(file)).size };
  });
  const configText = buildImageConfig(rec, packed.map((p) => p.diffId));
  const configDigest = sha256(configText);
  const hex = (d: string) => d.slice(7);
  // The name to record: the one asked for when it is a tag, else the image's first tag.
  let name: string | undefined;
  try {
    const p = parseReference(refs);
    if (!p.digest && img.ref === p.display) name = tagKey(p);
  } catch {}
  name ??= (await listImages(work.root)).find((i) => i.record.id === rec.id)?.tags[0];
  let members: string[];
  if (format === 'docker-archive') {
    for (const p of packed) await rename(p.file, path.join(staging, `${hex(p.diffId)}.tar`)).catch((e) => (isExists(e) ? rm(p.file) : Promise.reject(e)));
    await writeFile(path.join(staging, `${hex(configDigest)}.json`), configText);
    const manifest = [{ Config: `${hex(configDigest)}.json`, RepoTags: name ? [dockerName(name)] : [], Layers: packed.map((p) => `${hex(p.diffId)}.tar`) }];
    await writeFile(path.join(staging, 'manifest.json'), JSON.stringify(manifest));
    members = ['manifest.json', `${hex(configDigest)}.json`, ...new Set(packed.map((p) => `${hex(p.diffId)}.tar`))];
  } else {
    const blobs = path.join(staging, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    for (const p of packed) await rename(p.file, path.join(blobs, hex(p.diffId))).catch((e) => (isExists(e) ? rm(p.file) : Promise.reject(e)));
    await writeFile(path.join(blobs, hex(configDigest)), configText);
    const manifestText = JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: Buffer.byteLength(configText) },
      layers: packed.map((p) => ({ mediaType: MEDIA.ociLayer, digest: p.diffId, size: p.size })),
    });
    const manifestDigest = sha256(manifestText);
    await writeFile(path.join(blobs, hex(manifestDigest)), manifestText);
    const annotations = name ? { 'org.opencontainers.image.ref.name': dockerName(name), 'io.containerd.image.name': dockerName(name) } : undefined;
    const index = { schemaVersion: 2, manifests: [{ mediaType: MEDIA.ociManifest, digest: manifestDigest, size: Buffer.byteLength(manifestText), ...(annotations ? { annotations } : {}) }] };
    await writeFile(path.join(staging, 'index.json'), JSON.stringify(index));
    await writeFile(path.join(staging, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    members = ['oci-layout', 'index.json', 'blobs'];
  }
  const tmp = partial(abs);
  try {
    await work.run([{ block: 'archive-pack', as: 'save', params: { dir: staging, out: tmp, members } }], `saving ${refs}`);
    await rename(tmp, abs);
  } finally {
    await rm(tmp, { force: true });
  }
  return rec;
}

const isExists = (e: unknown) => (e as NodeJS.ErrnoException).code === 'EEXIST';

// docker and podman want a fully qualified name in archives they load: `busybox:1` → `docker.io/library/busybox:1`
// would be docker's reading; podman reads a name without a registry as localhost/NAME. glassbox writes names as
// the store has them (a local image has no registry), which both accept.
function dockerName(name: string): string {
  return name;
}
