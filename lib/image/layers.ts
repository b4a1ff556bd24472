// One layer in, one layer out.
//
// importLayer: a layer blob (tar, tar+gzip or tar+zstd) becomes `layers/sha256/<DiffID>`. The blob is read once
// in Node (both digests and the listing: tarscan.ts), checked (layersafety.ts), and only then extracted by plain
// `tar` (the layer-unpack block) into a fresh `layers/tmp-*` directory, whose OCI whiteouts become overlayfs
// whiteouts; a rename publishes it. A layer already in the store is not extracted again.
//
// packLayer: a directory with overlayfs whiteouts (a container's upper dir, or a stored layer) becomes an OCI layer
// tar: the character devices 0/0 are left out and `.wh.NAME` files put in; an opaque directory (xattr
// trusted.overlay.opaque=y, found with getfattr) gets `.wh..wh..opq` (the layer-pack block).

import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { GlassboxError } from '../errors.ts';
import { checkLayer, ociMarkers } from './layersafety.ts';
import { commitLayer, layerDir } from './store.ts';
import { compressionOf, readHead, scanTarFile, sha256File, type ScanResult } from './tarscan.ts';
import type { StoreWork } from './work.ts';

export interface LayerSource {
  /** The blob on disk. */
  file: string;
  /** How to name it in messages: `layer 2/3 (sha256:abcd…)`. */
  label: string;
  /** The digest the manifest gives for the blob (compressed bytes). */
  expectDigest?: string;
  /** The DiffID the image config gives for it (uncompressed tar). */
  expectDiffId?: string;
}

export interface LayerResult {
  diffId: string;
  digest: string;
  size: number;
  /** True when the store had it already (nothing was extracted). */
  existed: boolean;
  compression: 'gzip' | 'zstd' | 'none';
}

const short = (d: string) => d.replace('sha256:', '').slice(0, 12);

// Refuses a blob whose bytes do not match the digest it was announced with.
function verify(what: string, label: string, want: string | undefined, got: string): void {
  if (want && want !== got) {
    throw new GlassboxError(`${label}: ${what} mismatch: expected ${want}, got ${got}`, { hint: 'the blob is corrupt or was tampered with; nothing was stored' });
  }
}

// Verifies, checks and extracts one layer blob into the store (or finds it there already).
export async function importLayer(work: StoreWork, src: LayerSource): Promise<LayerResult> {
  const head = await readHead(src.file);
  const compression = head.length >= 4 ? compressionOf(head) : 'none';
  let scan: ScanResult;
  let tarfile = src.file;
  if (compression === 'zstd') {
    const digest = await sha256File(src.file);
    verify('digest', src.label, src.expectDigest, digest);
    tarfile = work.fresh('zstd');
    await work.run([{ block: 'layer-zstd', as: 'zstd', params: { blob: src.file, plain: tarfile } }], `decompressing ${src.label}`);
    const plain = await scanTarFile(tarfile);
    scan = { ...plain, digest, compression: 'zstd' };
  } else {
    try {
      scan = await scanTarFile(src.file);
    } catch (e) {
      // A damaged blob: say so by its digest when one was announced (the clearer reason), else by its listing.
      if (src.expectDigest) verify('digest', src.label, src.expectDigest, await sha256File(src.file));
      throw e instanceof GlassboxError ? new GlassboxError(`${src.label}: ${e.message}`, { hint: e.hint }) : e;
    }
    verify('digest', src.label, src.expectDigest, scan.digest);
  }
  verify('DiffID (digest of the uncompressed layer)', src.label, src.expectDiffId, scan.diffId);
  const plan = (() => {
    try {
      return checkLayer(scan.entries);
    } catch (e) {
      if (e instanceof GlassboxError) throw new GlassboxError(`${src.label}: ${e.message}`, { hint: e.hint });
      throw e;
    }
  })();
  const result = { diffId: scan.diffId, digest: scan.digest, size: scan.size, compression: scan.compression };
  const target = layerDir(work.root, scan.diffId);
  if (await exists(target)) return { ...result, existed: true };
  const dir = await work.layerDir();
  try {
    await work.run(
      [{ block: 'layer-unpack', as: `layer-${short(scan.diffId)}`, params: { dir, tarfile, gzip: compression === 'gzip', whiteouts: plan.whiteouts, opaque: plan.opaque, parents: plan.parents } }],
      `extracting ${src.label}`,
      { journalFor: dir },
    );
    await commitLayer(work.root, dir, scan.diffId);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  if (tarfile !== src.file) await rm(tarfile, { force: true });
  return { ...result, existed: false };
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

// Finds overlayfs whiteouts (character devices 0/0) below dir, as relative paths.
export async function findWhiteoutDevices(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const d of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) await walk(r);
      else if (d.isCharacterDevice()) {
        const st = await lstat(path.join(dir, r));
        if (st.rdev === 0) out.push(r);
      }
    }
  };
  await walk('');
  return out.sort();
}

// getfattr --dump prints `# file: PATH` lines, with unusual bytes as octal escapes.
export function parseGetfattr(text: string, dir: string): string[] {
  const out: string[] = [];
  let file: string | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) file = line.slice(8).replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    else if (file !== undefined && /^trusted\.overlay\.opaque="y"$/.test(line)) {
      const rel = path.relative(dir, file);
      if (!rel.startsWith('..')) out.push(rel);
      file = undefined;
    }
  }
  return out.sort();
}

// Packs dir as an OCI layer tar at out (whiteouts and opaque directories in OCI form).
export async function packLayer(work: StoreWork, dir: string, out: string): Promise<void> {
  const devices = await findWhiteoutDevices(dir);
  const [found] = await work.run([{ block: 'layer-find-opaque', as: 'opaque', params: { dir } }], 'finding opaque directories');
  const opaque = parseGetfattr(found?.stdout ?? '', dir);
  const markers = ociMarkers(devices, opaque);
  for (const p of [...devices, ...markers]) {
    if (p.includes('\n')) throw new GlassboxError(`cannot pack ${JSON.stringify(p)}: a newline in a whiteout name`, { hint: 'rename that file' });
  }
  const markersDir = work.fresh('markers');
  await work.run(
    [
      {
        block: 'layer-pack',
        as: 'pack',
        params: {
          dir,
          out,
          exclude_file: work.fresh('exclude'),
          exclude_text: devices.map((d) => `./${d}`).join('\n'),
          markers_dir: markersDir,
          markers,
          marker_dirs: markers.length ? [...new Set(markers.map((m) => path.dirname(m)))] : [],
        },
      },
    ],
    `packing ${dir}`,
  );
  await rm(markersDir, { recursive: true, force: true });
}
