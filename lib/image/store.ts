// The local image store: content-addressed layers, image records and tags, all plain files under storeRoot.
//
//   <storeRoot>/layers/sha256/<hex>/      one extracted layer. <hex> is the sha256 of the layer's UNCOMPRESSED tar,
//                                         which OCI calls the DiffID (a registry's blob digest is of the gzip, so
//                                         it changes with the compressor; the DiffID only with the content). Two
//                                         images built on the same base share that directory: it is stored once.
//   <storeRoot>/images/sha256/<hex>.json  an image record { id, layers, config, created, source }. `layers` lists
//                                         DiffIDs bottom first, like the OCI config's rootfs.diff_ids. The id is the
//                                         sha256 of the canonical JSON of { layers, config }, so the same content
//                                         always gets the same id.
//   <storeRoot>/repositories.json         tags: { "name:tag": "sha256:<hex>" }.
//
// A container's root is an overlay mount of these layer dirs: `lowerdir=TOP:…:BOTTOM` (overlayfs wants the top
// layer FIRST, the reverse of diff_ids) plus a per-container upperdir. Mount options are split on `,` and lowerdir
// on `:`, and `\` escapes, so a store path holding one of these (or whitespace) could inject options: such a
// storeRoot is refused.
//
// Every file is written atomically (temp file in the same dir, fsync, rename) and everything that changes tags or
// records runs under one exclusive lock file, `<storeRoot>/.lock`, so two glassbox processes cannot lose each
// other's tags. A layer dir becomes visible only once complete: extract into `layers/tmp-<random>`, then
// commitLayer() renames it into place.

import { createHash, randomBytes } from '../util/crypto.ts';
import { chmod, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { GlassboxError } from '../errors.ts';
import { familiarName, parseReference, tagKey } from './reference.ts';

export interface ImageConfig {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, object>;
  Labels?: Record<string, string>;
  /** The image's VOLUMEs (container paths): each gets an anonymous volume unless the run mounts something there. */
  Volumes?: Record<string, object>;
  /** docker's HEALTHCHECK (durations in nanoseconds); Test ["NONE"] turns an inherited one off. */
  Healthcheck?: import('../health/model.ts').ImageHealthcheck;
  /** docker's STOPSIGNAL, like SIGTERM. */
  StopSignal?: string;
}

export interface ImageRecord {
  id: string;
  /** DiffIDs, bottom layer first (OCI rootfs.diff_ids order). */
  layers: string[];
  config: ImageConfig;
  created: string;
  /** Where it came from: `from-host`, `docker-archive:x.tar`, a registry reference… */
  source?: string;
  /** Platform, from the image's config (absent for images glassbox built: the host's). */
  os?: string;
  architecture?: string;
  variant?: string;
  /** `name@sha256:…` of the registry manifest it was pulled from. */
  repoDigests?: string[];
  /** For commit: the image the container ran. */
  parent?: string;
  /** OCI config history, one entry per step (empty_layer for the steps that made no layer): glassbox build's. */
  history?: HistoryEntry[];
  /** Pulled: the registry's config digest, whose blob the pull cached (blobs/sha256/HEX); removed with the image. */
  configDigest?: string;
}

/** Fields of a record kept as they are, outside the id (which covers layers and config only). */
export type ImageMeta = Pick<ImageRecord, 'source' | 'os' | 'architecture' | 'variant' | 'repoDigests' | 'parent' | 'history' | 'configDigest'>;

/** One entry of an OCI image config's history. */
export interface HistoryEntry {
  created: string;
  created_by: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ResolvedImage {
  id: string;
  /** The name to show: the tag asked for, else a tag of the image, else its id. */
  ref: string;
  record: ImageRecord;
  /** Absolute layer dirs, TOP layer first, as overlayfs lowerdir wants them. */
  lowerDirs: string[];
}

export interface ImageListEntry {
  record: ImageRecord;
  /** `name:tag` keys pointing at it, sorted; empty for an untagged image. */
  tags: string[];
}

export interface RemoveResult {
  untagged: string[];
  /** The image id, when its record was deleted. */
  deleted?: string;
  /** DiffIDs whose layer dirs were deleted. */
  deletedLayers: string[];
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

// ---- paths ---------------------------------------------------------------------------------------------------

// Refuses a store whose paths would break `-o lowerdir=…` (option injection) before anything is written there.
function checkedRoot(storeRoot: string): string {
  const root = path.resolve(storeRoot);
  if (/[,:\\\s]/.test(root)) {
    throw new GlassboxError(`image store path "${root}" contains ",", ":", "\\" or whitespace, which overlay mount options cannot hold`, {
      hint: 'set GLASSBOX_ROOT to a plain path such as /var/lib/glassbox',
    });
  }
  return root;
}

// Splits `sha256:<hex>` into its hex, refusing anything else (it becomes a file name).
function hexOf(digest: string): string {
  if (!DIGEST.test(digest)) throw new GlassboxError(`"${digest}" is not a sha256 digest`, { hint: 'expected sha256: followed by 64 lowercase hex digits' });
  return digest.slice('sha256:'.length);
}

// Where a layer with this DiffID lives (whether or not it is there yet).
export function layerDir(storeRoot: string, diffId: string): string {
  return path.join(checkedRoot(storeRoot), 'layers', 'sha256', hexOf(diffId));
}

function recordPath(root: string, id: string): string {
  return path.join(root, 'images', 'sha256', `${hexOf(id)}.json`);
}

function reposPath(root: string): string {
  return path.join(root, 'repositories.json');
}

// ---- small file helpers --------------------------------------------------------------------------------------

// temp → fsync → rename, so a reader sees the old file or the new one, never half of one.
async function writeAtomic(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.tmp-${path.basename(file)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  const d = await open(dir, 'r'); // make the rename itself durable
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

// Reads JSON, or undefined when the file does not exist.
async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (e) {
    if (isCode(e, 'ENOENT')) return undefined;
    throw e;
  }
}

function isCode(e: unknown, ...codes: string[]): boolean {
  return typeof e === 'object' && e !== null && codes.includes((e as NodeJS.ErrnoException).code ?? '');
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (e) {
    if (isCode(e, 'ENOENT', 'ENOTDIR')) return false;
    throw e;
  }
}

// JSON with keys sorted at every level and no spaces: equal content gives equal bytes, hence an equal id.
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

// ---- the lock ------------------------------------------------------------------------------------------------

// Runs fn while holding <root>/.lock (created with O_EXCL); a lock older than 30 s is a crashed writer's.
async function withLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(root, { recursive: true });
  const lock = path.join(root, '.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fh = await open(lock, 'wx', 0o644);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (e) {
      if (!isCode(e, 'EEXIST')) throw e;
    }
    const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > LOCK_STALE_MS) {
      await unlink(lock).catch(() => undefined); // whoever loses this race just retries
      continue;
    }
    if (Date.now() > deadline) {
      throw new GlassboxError(`image store is locked: ${lock}`, { hint: 'another glassbox is changing images; if none is running, remove that file' });
    }
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

// ---- tags and records ----------------------------------------------------------------------------------------

type Repositories = Record<string, string>;

async function readRepos(root: string): Promise<Repositories> {
  return (await readJson<Repositories>(reposPath(root))) ?? {};
}

async function writeRepos(root: string, repos: Repositories): Promise<void> {
  const sorted = Object.fromEntries(Object.entries(repos).sort(([a], [b]) => (a < b ? -1 : 1)));
  await writeAtomic(reposPath(root), `${JSON.stringify(sorted, null, 2)}\n`);
}

async function readRecord(root: string, id: string): Promise<ImageRecord | undefined> {
  return readJson<ImageRecord>(recordPath(root, id));
}

async function allRecords(root: string): Promise<ImageRecord[]> {
  const dir = path.join(root, 'images', 'sha256');
  const names = await readdir(dir).catch((e) => (isCode(e, 'ENOENT') ? [] : Promise.reject(e)));
  const out: ImageRecord[] = [];
  for (const n of names) {
    if (!/^[0-9a-f]{64}\.json$/.test(n)) continue; // skips .tmp-* files of a writer in progress
    const r = await readJson<ImageRecord>(path.join(dir, n));
    if (r) out.push(r);
  }
  return out;
}

// Turns user tags into `name:tag` keys, refusing digests (a tag cannot pin content).
function tagKeys(tags: string[]): string[] {
  return tags.map((t) => {
    const ref = parseReference(t);
    if (ref.digest) throw new GlassboxError(`cannot tag with a digest: ${t}`, { hint: 'use NAME[:TAG]' });
    return tagKey(ref);
  });
}

// ---- layers --------------------------------------------------------------------------------------------------

// Makes an empty `<storeRoot>/layers/tmp-<random>` dir to extract a layer into (same filesystem as its target).
// mkdtemp makes it 0700, and the directory is the layer's root: a layer whose tar has no `./` entry (docker's and
// buildah's have none; image from-host builds into it) would keep 0700, which save and push then write as the
// image's `/`, so another runtime's non-root user could not exec anything. 0755 is what docker gives `/`.
export async function makeLayerTmpDir(storeRoot: string): Promise<string> {
  const layers = path.join(checkedRoot(storeRoot), 'layers');
  await mkdir(layers, { recursive: true });
  const dir = await mkdtemp(path.join(layers, 'tmp-'));
  await chmod(dir, 0o755);
  return dir;
}

// Publishes a fully extracted layer under its DiffID by one rename; an existing copy wins and tmp is dropped.
export async function commitLayer(storeRoot: string, tmpDir: string, diffId: string): Promise<string> {
  const root = checkedRoot(storeRoot);
  const target = layerDir(root, diffId);
  const tmp = path.resolve(tmpDir);
  if (path.dirname(tmp) !== path.join(root, 'layers') || !path.basename(tmp).startsWith('tmp-')) {
    throw new GlassboxError(`layer temp dir must be ${path.join(root, 'layers')}/tmp-*, not ${tmp}`, { hint: 'create it with makeLayerTmpDir()' });
  }
  await mkdir(path.dirname(target), { recursive: true });
  if (await exists(target)) {
    await rm(tmp, { recursive: true, force: true });
    return target;
  }
  try {
    await rename(tmp, target);
  } catch (e) {
    if (!isCode(e, 'ENOTEMPTY', 'EEXIST')) throw e; // someone else committed the same layer meanwhile
    await rm(tmp, { recursive: true, force: true });
  }
  return target;
}

// ---- images --------------------------------------------------------------------------------------------------

// Records an image made of already committed layers and points the given tags at it.
export async function addImage(
  storeRoot: string,
  image: { layers: string[]; config: ImageConfig } & ImageMeta,
  tags: string[],
): Promise<ImageRecord> {
  const root = checkedRoot(storeRoot);
  const keys = tagKeys(tags);
  const layers = [...image.layers];
  layers.forEach(hexOf);
  const id = sha256(canonicalJson({ layers, config: image.config }));
  return withLock(root, async () => {
    for (const l of layers) {
      if (!(await exists(layerDir(root, l)))) {
        throw new GlassboxError(`layer ${l} is not in the image store`, { hint: 'commit every layer with commitLayer() before addImage() (or it was removed meanwhile: import again)' });
      }
    }
    let record = await readRecord(root, id); // same content → same id: keep the first record (and its date)
    const { layers: _l, config: _c, ...meta } = image;
    if (!record) {
      record = { id, layers, config: image.config, created: new Date().toISOString(), ...dropUndefined(meta) };
      await writeAtomic(recordPath(root, id), `${JSON.stringify(record, null, 2)}\n`);
    } else if (meta.repoDigests?.some((d) => !record!.repoDigests?.includes(d)) || (meta.configDigest && !record.configDigest)) {
      if (meta.repoDigests) record.repoDigests = [...new Set([...(record.repoDigests ?? []), ...meta.repoDigests])].sort();
      if (meta.configDigest) record.configDigest ??= meta.configDigest;
      await writeAtomic(recordPath(root, id), `${JSON.stringify(record, null, 2)}\n`);
    }
    if (keys.length > 0) {
      const repos = await readRepos(root);
      for (const k of keys) repos[k] = id;
      await writeRepos(root, repos);
    }
    return record;
  });
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// Finds the image id a user string means: a tag, `sha256:<prefix>`, or a bare hex prefix of at least 4 digits.
// Like docker, a string that is both a valid name and hex (`abcd`) is tried as a tag first.
async function lookup(root: string, refText: string): Promise<{ id: string; shown?: string } | undefined> {
  const byId = async (hex: string) => matchPrefix(hex, await recordIds(root), refText);
  if (refText.startsWith('sha256:')) {
    const hex = refText.slice('sha256:'.length);
    if (!/^[0-9a-f]{1,64}$/.test(hex)) throw new GlassboxError(`invalid image id "${refText}"`, { hint: 'expected sha256: followed by hex digits' });
    return byId(hex);
  }
  const looksLikeId = /^[0-9a-f]{4,64}$/.test(refText);
  let ref;
  try {
    ref = parseReference(refText);
  } catch (e) {
    if (looksLikeId) return byId(refText);
    throw e;
  }
  const repos = await readRepos(root);
  if (ref.digest) {
    // glassbox has no registry digests: `name@sha256:X` means the image with id X that carries some `name:` tag.
    // A pulled image also answers to the registry manifest's digest it came from (its repoDigests).
    const fam = familiarName(ref.name);
    const pulled = (await allRecords(root)).find((r) => r.repoDigests?.includes(`${fam}@${ref.digest}`));
    if (pulled) return { id: pulled.id, shown: ref.display };
    const tagged = Object.entries(repos).some(([k, id]) => id === ref.digest && k.startsWith(`${fam}:`));
    return tagged ? { id: ref.digest, shown: ref.display } : undefined;
  }
  const id = repos[tagKey(ref)];
  if (id) return { id, shown: ref.display };
  return looksLikeId ? byId(refText) : undefined;
}

async function recordIds(root: string): Promise<string[]> {
  return (await allRecords(root)).map((r) => r.id);
}

// One id starting with hex, undefined for none, an error when several do.
function matchPrefix(hex: string, ids: string[], asked: string): { id: string } | undefined {
  const hits = ids.filter((id) => id.startsWith(`sha256:${hex}`));
  if (hits.length > 1) {
    throw new GlassboxError(`image id prefix "${asked}" is ambiguous: ${hits.map((h) => h.slice(7, 19)).join(', ')}`, { hint: 'give more digits' });
  }
  return hits[0] ? { id: hits[0] } : undefined;
}

// Turns what the user typed into an image with its layer dirs ready for an overlay mount.
export async function resolveImage(storeRoot: string, ref: string): Promise<ResolvedImage> {
  const root = checkedRoot(storeRoot);
  const found = await lookup(root, ref);
  if (!found) throw await notFound(root, ref);
  const record = await readRecord(root, found.id);
  if (!record) {
    throw new GlassboxError(`image ${ref} points at ${found.id}, whose record is missing from ${path.join(root, 'images')}`, {
      hint: `the store is damaged: remove the tag with "glassbox image rm ${ref}" and import the image again`,
    });
  }
  const repos = await readRepos(root);
  const shown = found.shown ?? Object.keys(repos).filter((k) => repos[k] === record.id).sort()[0] ?? record.id;
  const lowerDirs = [...record.layers].reverse().map((l) => layerDir(root, l));
  return { id: record.id, ref: shown, record, lowerDirs };
}

// Builds "image not found" with the most useful hint we can give.
async function notFound(root: string, ref: string): Promise<GlassboxError> {
  let name = ref;
  try {
    name = parseReference(ref).name;
  } catch {
    /* keep the raw text */
  }
  if (name === 'glassbox/base') {
    return new GlassboxError(`image not found: ${ref}`, { hint: 'run "glassbox image from-host" to make the built-in base image' });
  }
  const tags = Object.keys(await readRepos(root));
  const wanted = ref.includes(':') ? ref : `${ref}:latest`;
  const close = tags
    .map((t) => ({ t, d: t.startsWith(`${name}:`) ? 0 : editDistance(t, wanted) }))
    .filter(({ t, d }) => d <= Math.max(2, Math.floor(t.length / 3)))
    .sort((a, b) => a.d - b.d || (a.t < b.t ? -1 : 1))
    .slice(0, 3)
    .map(({ t }) => t);
  const hint = close.length > 0
    ? `did you mean ${close.join(', ')}?`
    : tags.length > 0
      ? 'see "glassbox image ls" for the images in the store'
      : 'the image store is empty: run "glassbox image from-host" or import an image';
  return new GlassboxError(`image not found: ${ref}`, { hint });
}

// Levenshtein distance, for "did you mean".
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

// Every image record with its tags, newest first (untagged images included).
export async function listImages(storeRoot: string): Promise<ImageListEntry[]> {
  const root = checkedRoot(storeRoot);
  const repos = await readRepos(root);
  const records = await allRecords(root);
  return records
    .map((record) => ({ record, tags: Object.keys(repos).filter((k) => repos[k] === record.id).sort() }))
    .sort((a, b) => (a.record.created < b.record.created ? 1 : a.record.created > b.record.created ? -1 : a.record.id < b.record.id ? -1 : 1));
}

// Points one more tag at an existing image (`glassbox image tag SOURCE TARGET`).
export async function tagImage(storeRoot: string, source: string, target: string): Promise<ImageRecord> {
  const root = checkedRoot(storeRoot);
  const [key] = tagKeys([target]);
  return withLock(root, async () => {
    const img = await resolveImage(root, source);
    const repos = await readRepos(root);
    repos[key!] = img.id;
    await writeRepos(root, repos);
    return img.record;
  });
}

// Untags (by tag) or removes (by id) an image; the record and its layers go when nothing refers to them any more.
export async function removeImage(storeRoot: string, ref: string, opts: { force?: boolean; keepLayers?: Set<string> } = {}): Promise<RemoveResult> {
  const root = checkedRoot(storeRoot);
  return withLock(root, async () => {
    const found = await lookup(root, ref);
    if (!found) throw await notFound(root, ref);
    const repos = await readRepos(root);
    const tagsOfImage = Object.keys(repos).filter((k) => repos[k] === found.id).sort();
    let untagged: string[];
    if (found.shown && !found.shown.includes('@')) {
      untagged = [tagKey(parseReference(ref))]; // removing by tag removes just that tag
    } else {
      if (tagsOfImage.length > 1 && !opts.force) {
        throw new GlassboxError(`image ${found.id.slice(7, 19)} is tagged ${tagsOfImage.join(', ')}`, { hint: 'remove the tags one by one, or force' });
      }
      untagged = tagsOfImage;
    }
    for (const k of untagged) delete repos[k];
    await writeRepos(root, repos);

    const result: RemoveResult = { untagged, deletedLayers: [] };
    if (Object.values(repos).includes(found.id)) return result;

    const record = await readRecord(root, found.id);
    await rm(recordPath(root, found.id), { force: true });
    result.deleted = found.id;
    if (!record) return result;
    const others = await allRecords(root);
    // The config blob the pull cached goes with the last image made from it.
    if (record.configDigest && /^sha256:[0-9a-f]{64}$/.test(record.configDigest) && !others.some((r) => r.configDigest === record.configDigest)) {
      await rm(path.join(root, 'blobs', 'sha256', record.configDigest.slice(7)), { force: true });
    }
    const stillUsed = new Set([...others.flatMap((r) => r.layers), ...(opts.keepLayers ?? [])]);
    for (const l of new Set(record.layers)) {
      if (stillUsed.has(l)) continue;
      await rm(layerDir(root, l), { recursive: true, force: true });
      result.deletedLayers.push(l);
    }
    return result;
  });
}

// Removes layer dirs no image record lists and no container uses (`glassbox image prune`); returns their DiffIDs.
export async function pruneLayers(storeRoot: string, keep: Set<string> = new Set()): Promise<string[]> {
  const root = checkedRoot(storeRoot);
  return withLock(root, async () => {
    const used = new Set([...(await allRecords(root)).flatMap((r) => r.layers), ...keep]);
    const dir = path.join(root, 'layers', 'sha256');
    const names = await readdir(dir).catch((e) => (isCode(e, 'ENOENT') ? [] : Promise.reject(e)));
    const removed: string[] = [];
    for (const n of names.filter((x) => /^[0-9a-f]{64}$/.test(x)).sort()) {
      if (used.has(`sha256:${n}`)) continue;
      await rm(path.join(dir, n), { recursive: true, force: true });
      removed.push(`sha256:${n}`);
    }
    return removed;
  });
}
