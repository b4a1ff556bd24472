// The write side of the OCI distribution API (what `docker push` speaks), over RegistryClient.send():
//
//   HEAD /v2/NAME/blobs/DIGEST                              200: the repository has the blob already
//   POST /v2/NAME/blobs/uploads/?mount=DIGEST&from=OTHER    201: mounted from another repository of the registry;
//                                                           202: not mounted, an upload session started instead
//   POST /v2/NAME/blobs/uploads/                            202: an upload session; its URL is in Location
//   PUT  LOCATION?digest=DIGEST   (the whole blob)          201: monolithic upload, done
//   PATCH LOCATION  Content-Range: START-END (inclusive)    202: one chunk taken; the next Location is in the answer
//   PUT  LOCATION?digest=DIGEST   (empty body)              201: the chunked upload closed
//   PUT  /v2/NAME/manifests/TAG   Content-Type: the manifest's media type
// Location may be relative and may carry a query of its own (the registry's upload state), so it is resolved
// against the URL it came from and the digest is added to its query; every answer's Location replaces the last.

import { open } from 'node:fs/promises';
import { GlassboxError } from '../errors.ts';
import { MEDIA, type Descriptor } from './platform.ts';
import type { RegistryClient } from './registry.ts';

/** Blobs larger than this go up in chunks of this size (`glassbox push --chunk-size`). */
export const DEFAULT_CHUNK = 16 << 20;

const short = (d: string) => d.replace('sha256:', '').slice(0, 12);

// A Location header made absolute: resolved against the URL of the request that answered with it.
export function joinLocation(requestUrl: string, location: string): string {
  return new URL(location, requestUrl).toString();
}

// An upload URL with ?digest=… added to whatever query it already has.
export function withDigest(url: string, digest: string): string {
  const u = new URL(url);
  u.searchParams.set('digest', digest);
  return u.toString();
}

// The byte ranges of a chunked upload: [start, end] inclusive, as Content-Range wants them; none for 0 bytes.
export function chunkRanges(size: number, chunk: number): Array<[number, number]> {
  if (!(chunk > 0)) throw new GlassboxError(`chunk size ${chunk} must be positive`);
  const out: Array<[number, number]> = [];
  for (let start = 0; start < size; start += chunk) out.push([start, Math.min(size, start + chunk) - 1]);
  return out;
}

// The OCI image manifest for a config and its gzip layers (compact JSON: its bytes are what the digest names).
export function buildManifest(config: Descriptor, layers: Descriptor[]): string {
  const d = (x: Descriptor, mediaType: string) => ({ mediaType: x.mediaType ?? mediaType, digest: x.digest, size: x.size });
  return JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: d(config, MEDIA.ociConfig), layers: layers.map((l) => d(l, MEDIA.ociLayerGzip)) });
}

/** Where the bytes of a blob come from: a file or a buffer. */
export interface BlobSource {
  size: number;
  /** Bytes [start, end) of the blob. */
  read(start: number, end: number): Promise<Buffer>;
}

// A buffer as a blob source.
export function bufferSource(b: Buffer): BlobSource {
  return { size: b.length, read: async (s, e) => b.subarray(s, e) };
}

// A file as a blob source (read a range at a time, so a chunked upload holds one chunk in memory).
export function fileSource(file: string, size: number): BlobSource {
  return {
    size,
    async read(start, end) {
      const fh = await open(file, 'r');
      try {
        const buf = Buffer.alloc(end - start);
        let got = 0;
        while (got < buf.length) {
          const { bytesRead } = await fh.read(buf, got, buf.length - got, start + got);
          if (bytesRead === 0) throw new GlassboxError(`${file}: ended after ${start + got} of ${size} bytes`);
          got += bytesRead;
        }
        return buf;
      } finally {
        await fh.close();
      }
    },
  };
}

export interface UploadOptions {
  /** Blobs larger than this are sent in chunks of this size. */
  chunkSize?: number;
  onBytes?(sent: number, total: number): void;
}

// Turns an unexpected answer into an error that names the step and what the registry said.
async function refused(res: Response, what: string, registry: string): Promise<GlassboxError> {
  const text = (await res.text().catch(() => '')).trim().slice(0, 300);
  let why = text;
  try {
    const j = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    if (j.errors?.length) why = j.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {}
  return new GlassboxError(`${registry}: ${what} answered HTTP ${res.status}${why ? ` (${why})` : ''}`);
}

export class BlobUploader {
  private readonly client: RegistryClient;
  private readonly repository: string;
  private readonly registry: string;

  constructor(client: RegistryClient, where: { registry: string; repository: string }) {
    this.client = client;
    this.repository = where.repository;
    this.registry = where.registry;
  }

  // True when the repository has the blob (HEAD answers 200).
  async exists(digest: string): Promise<boolean> {
    const res = await this.client.send('HEAD', `${this.repository}/blobs/${digest}`);
    await res.body?.cancel();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw new GlassboxError(`${this.registry}: HEAD of blob ${short(digest)} answered HTTP ${res.status}`);
  }

  // Starts an upload session, trying a mount from `from` first: 'mounted', or the session's URL.
  async start(mount?: { digest: string; from: string }): Promise<'mounted' | string> {
    const q = mount ? `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}` : '';
    const url = `${this.client.base}${this.repository}/blobs/uploads/${q}`;
    const res = await this.client.send('POST', url, { body: Buffer.alloc(0) });
    if (mount && res.status === 201) {
      await res.body?.cancel();
      return 'mounted';
    }
    if (res.status !== 202) throw await refused(res, 'starting an upload', this.registry);
    await res.body?.cancel();
    const loc = res.headers.get('location');
    if (!loc) throw new GlassboxError(`${this.registry}: the upload answer has no Location`);
    return joinLocation(url, loc);
  }

  // Sends a blob into a started session: one PUT, or PATCH chunks and a closing PUT when it is large.
  async upload(location: string, digest: string, src: BlobSource, opts: UploadOptions = {}): Promise<void> {
    const chunk = opts.chunkSize ?? DEFAULT_CHUNK;
    let url = location;
    if (src.size <= chunk) {
      const body = await src.read(0, src.size);
      const res = await this.client.send('PUT', withDigest(url, digest), { headers: { 'content-type': 'application/octet-stream' }, body });
      if (res.status !== 201) throw await refused(res, `uploading blob ${short(digest)}`, this.registry);
      await res.body?.cancel();
      opts.onBytes?.(src.size, src.size);
      return;
    }
    for (const [start, end] of chunkRanges(src.size, chunk)) {
      const body = await src.read(start, end + 1);
      const res = await this.client.send('PATCH', url, { headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${end}` }, body });
      if (res.status !== 202) throw await refused(res, `uploading bytes ${start}-${end} of blob ${short(digest)}`, this.registry);
      await res.body?.cancel();
      const loc = res.headers.get('location');
      if (loc) url = joinLocation(url, loc);
      opts.onBytes?.(end + 1, src.size);
    }
    const res = await this.client.send('PUT', withDigest(url, digest), { body: Buffer.alloc(0) });
    if (res.status !== 201) throw await refused(res, `closing the upload of blob ${short(digest)}`, this.registry);
    await res.body?.cancel();
  }

  // Puts a manifest under a tag; the registry's Docker-Content-Digest, when sent, must be the manifest's digest.
  async putManifest(tag: string, mediaType: string, bytes: Buffer, digest: string): Promise<void> {
    const res = await this.client.send('PUT', `${this.repository}/manifests/${tag}`, { headers: { 'content-type': mediaType }, body: bytes });
    if (res.status !== 201 && res.status !== 200) throw await refused(res, `putting the manifest for ${tag}`, this.registry);
    await res.body?.cancel();
    const announced = res.headers.get('docker-content-digest');
    if (announced && announced !== digest) throw new GlassboxError(`${this.registry}: the registry stored the manifest as ${announced}, not ${digest}`);
  }
}
