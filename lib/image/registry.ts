// A client for the OCI distribution API (what `docker pull` speaks), with Node's built-in fetch.
//
//   GET /v2/<repository>/manifests/<tag or digest>   Accept: the manifest kinds we understand
//   GET /v2/<repository>/blobs/<digest>              configs and layers (often a redirect to a CDN)
//
// A registry may answer 401 with a challenge in WWW-Authenticate:
//   Basic realm="…"                                       → send "Authorization: Basic base64(user:password)"
//   Bearer realm="https://auth…",service="…",scope="…"    → GET realm?service=…&scope=repository:NAME:pull (with
//                                                           the Basic credentials, if any) for a token, then send
//                                                           "Authorization: Bearer TOKEN"
// Every blob is hashed while it streams to disk and refused when the hash is not the digest it was asked by.
// Push (lib/image/upload.ts) sends its HEAD, POST, PATCH and PUT requests through send(); it asks the token
// service for the scopes it was given (repository:NAME:pull,push, and :pull on the repositories it mounts from).

import { createHash } from '../util/crypto.ts';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { GlassboxError } from '../errors.ts';
import { MEDIA } from './platform.ts';
import type { RemoteReference } from './reference.ts';

export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');

// Parses `Bearer realm="x",service="y", scope="a,b"` (quoted values may hold commas and escaped quotes).
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/gy;
  const rest = m[2]!;
  re.lastIndex = 0;
  let p: RegExpExecArray | null;
  while (re.lastIndex < rest.length && (p = re.exec(rest))) params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  return { scheme: m[1]!.toLowerCase(), params };
}

const short = (d: string) => d.replace('sha256:', '').slice(0, 12);

export interface Manifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export interface ClientOptions {
  /** Plain HTTP instead of HTTPS. */
  insecure: boolean;
  credentials?: Credentials;
  /** Token scopes to ask for (default: the challenge's scope, else repository:NAME:pull). */
  scopes?: string[];
}

export interface SendInit {
  headers?: Record<string, string>;
  /** Bytes to send; a Buffer, so the request can be sent again after a 401. */
  body?: Buffer;
}

export class RegistryClient {
  readonly base: string;
  private readonly ref: Pick<RemoteReference, 'endpoint' | 'repository' | 'registry'>;
  private readonly opts: ClientOptions;
  private authHeader?: string;

  constructor(ref: Pick<RemoteReference, 'endpoint' | 'repository' | 'registry'>, opts: ClientOptions) {
    this.ref = ref;
    this.opts = opts;
    this.base = `${opts.insecure ? 'http' : 'https'}://${ref.endpoint}/v2/`;
  }

  // One GET, with authentication done on the first 401 and the request tried again.
  async request(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.send('GET', this.base + path, { headers });
  }

  // Any request to the registry (a path below /v2/ or an absolute URL such as an upload Location), with
  // authentication done on the first 401 and the request sent again; 401 and 403 after that are errors.
  async send(method: string, pathOrUrl: string, init: SendInit = {}): Promise<Response> {
    const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : this.base + pathOrUrl;
    // Credentials go to the registry only, not to storage elsewhere that an upload Location may name.
    const ours = new URL(url).origin === new URL(this.base).origin;
    const go = () =>
      this.fetch(url, {
        method,
        headers: { ...init.headers, ...(this.authHeader && ours ? { authorization: this.authHeader } : {}) },
        ...(init.body !== undefined ? { body: init.body as unknown as BodyInit } : {}),
      });
    let res = await go();
    if (res.status === 401) {
      const challenge = parseChallenge(res.headers.get('www-authenticate') ?? '');
      await res.body?.cancel();
      await this.authenticate(challenge);
      res = await go();
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new GlassboxError(`${this.ref.registry}: access denied to ${this.ref.repository} (HTTP ${res.status})`, {
        hint: this.opts.credentials ? 'the credentials were refused (or lack this right): glassbox login again' : `log in first: glassbox login ${this.ref.registry} -u USER --password-stdin`,
      });
    }
    return res;
  }

  // fetch with errors turned into one clear line.
  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, redirect: 'follow' });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      throw new GlassboxError(`cannot reach ${url}: ${why}`, {
        hint: /EPROTO|SSL|wrong version/i.test(String(cause?.message ?? why)) && !this.opts.insecure ? 'the registry may speak plain HTTP: use --insecure' : 'check the registry address and that it runs',
      });
    }
  }

  // Answers a 401's challenge: remembers the Authorization header to send from now on.
  private async authenticate(c: Challenge | undefined): Promise<void> {
    const creds = this.opts.credentials;
    const basic = creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : undefined;
    if (!c) throw new GlassboxError(`${this.ref.registry}: the registry wants authentication but sent no usable WWW-Authenticate challenge`);
    if (c.scheme === 'basic') {
      if (!basic) throw new GlassboxError(`${this.ref.registry}: authentication required`, { hint: `glassbox login ${this.ref.registry} -u USER --password-stdin` });
      this.authHeader = basic;
      return;
    }
    if (c.scheme !== 'bearer' || !c.params.realm) throw new GlassboxError(`${this.ref.registry}: unsupported authentication scheme "${c.scheme}"`);
    const realm = new URL(c.params.realm);
    if (c.params.service) realm.searchParams.set('service', c.params.service);
    const scopes = this.opts.scopes ?? [c.params.scope ?? `repository:${this.ref.repository}:pull`];
    for (const s of scopes) realm.searchParams.append('scope', s);
    const res = await this.fetch(realm.toString(), { headers: basic ? { authorization: basic } : {} });
    if (!res.ok) {
      await res.body?.cancel();
      throw new GlassboxError(`${this.ref.registry}: the token service at ${realm.origin} refused (HTTP ${res.status})`, { hint: creds ? 'check the user name and password' : 'this image may need a login' });
    }
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new GlassboxError(`${this.ref.registry}: the token service sent no token`);
    this.authHeader = `Bearer ${token}`;
  }

  // Checks that the registry answers and accepts the credentials (for login): GET /v2/.
  async ping(): Promise<void> {
    const res = await this.request('');
    await res.body?.cancel();
    if (!res.ok) throw new GlassboxError(`${this.ref.registry}: GET /v2/ answered HTTP ${res.status}`, { hint: 'is this a container registry?' });
  }

  // Fetches a manifest or index by tag or digest; a digest reference (and Docker-Content-Digest) are verified.
  async manifest(reference: string): Promise<Manifest> {
    const res = await this.request(`${this.ref.repository}/manifests/${reference}`, { accept: MANIFEST_ACCEPT });
    if (res.status === 404) {
      await res.body?.cancel();
      throw new GlassboxError(`${this.ref.registry}/${this.ref.repository}:${reference}: manifest unknown`, { hint: 'check the name and tag' });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new GlassboxError(`${this.ref.registry}: fetching the manifest answered HTTP ${res.status}`);
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > 4 << 20) throw new GlassboxError(`${this.ref.registry}: the manifest is larger than 4 MiB`);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new GlassboxError(`manifest ${reference} does not match its digest (got ${digest})`, { hint: 'the registry sent something else; nothing was stored' });
    }
    const announced = res.headers.get('docker-content-digest');
    if (announced && announced.startsWith('sha256:') && announced !== digest) {
      throw new GlassboxError(`the manifest does not match the digest the registry announced (${announced}, got ${digest})`, { hint: 'nothing was stored' });
    }
    let mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    try {
      const j = JSON.parse(String(bytes)) as { mediaType?: string; schemaVersion?: number };
      if (j.schemaVersion === 1) throw new GlassboxError(`${this.ref.registry}/${this.ref.repository}: docker image manifest schema 1 is not supported`, { hint: 'push the image again with a current client' });
      if (j.mediaType) mediaType = j.mediaType;
    } catch (e) {
      if (e instanceof GlassboxError) throw e;
      throw new GlassboxError(`${this.ref.registry}: the manifest is not JSON`);
    }
    return { bytes, mediaType, digest };
  }

  // Fetches a small blob (a config) into memory, verified.
  async blobBytes(digest: string): Promise<Buffer> {
    const res = await this.blobResponse(digest);
    const bytes = Buffer.from(await res.arrayBuffer());
    const got = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (got !== digest) throw new GlassboxError(`blob ${digest} does not match its digest (got ${got})`, { hint: 'the registry sent corrupt data; nothing was stored' });
    return bytes;
  }

  private async blobResponse(digest: string): Promise<Response> {
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new GlassboxError(`unsupported digest ${digest}`, { hint: 'only sha256 is supported' });
    const res = await this.request(`${this.ref.repository}/blobs/${digest}`);
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new GlassboxError(`${this.ref.registry}: blob ${short(digest)} answered HTTP ${res.status}`);
    }
    return res;
  }

  // Streams a blob to a file, hashing it on the way; a mismatch removes the file and fails.
  async download(digest: string, file: string, onBytes?: (got: number, total: number) => void): Promise<number> {
    const res = await this.blobResponse(digest);
    const total = Number(res.headers.get('content-length') ?? 0);
    const hash = createHash('sha256');
    const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
    let got = 0;
    try {
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        hash.update(value);
        got += value.length;
        if (!out.write(value)) await new Promise<void>((r) => out.once('drain', () => r()));
        onBytes?.(got, total);
      }
      await new Promise<void>((res2, rej) => out.end((e?: Error | null) => (e ? rej(e) : res2())));
    } catch (e) {
      out.destroy();
      await rm(file, { force: true });
      throw e instanceof GlassboxError ? e : new GlassboxError(`downloading ${short(digest)} failed: ${(e as Error).message}`);
    }
    const hex = `sha256:${hash.digest('hex')}`;
    if (hex !== digest) {
      await rm(file, { force: true });
      throw new GlassboxError(`blob ${digest} does not match its digest (got ${hex})`, { hint: 'the registry sent corrupt data; nothing was stored' });
    }
    return got;
  }
}
