// Image references: the `NAME[:TAG][@DIGEST]` strings people type after `glassbox run`.
//
// The grammar is docker's (distribution/reference):
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [ domain "/" ] component ( "/" component )*
//   component  := [a-z0-9]+ ( separator [a-z0-9]+ )*      separator := "." | "_" | "__" | "-"+
//   domain     := host [ ":" port ]                        (the first part, when it holds "." or ":" or is "localhost")
//   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//   digest     := "sha256:" 64 lowercase hex digits
// A missing tag means `latest` (unless a digest pins the image). Names are normalised like docker's: a name
// without a registry host is on Docker Hub (`busybox` is `docker.io/library/busybox`, fetched from
// registry-1.docker.io), and the store keeps the short, "familiar" form (`busybox:latest`), so both spellings find
// the same image.

import { GlassboxError } from '../errors.ts';

export interface ImageReference {
  /** Repository name, registry host included when given: `busybox`, `reg.local:5000/a/b`. */
  name: string;
  /** `latest` when none was given; '' when only a digest was given (`name@sha256:…`). */
  tag: string;
  /** `sha256:<64 hex>` when the reference pins one. */
  digest?: string;
  /** How to show it: `name:tag`, `name@digest` or `name:tag@digest`. */
  display: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_PART = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const MAX_NAME = 255;

const HINT = 'expected NAME[:TAG][@sha256:DIGEST], e.g. busybox, glassbox/base:1 or reg.local:5000/team/app:v2; names are lowercase';

// Splits and checks a reference so the store can look it up by its canonical `name:tag`.
export function parseReference(s: string): ImageReference {
  const bad = (why: string): GlassboxError => new GlassboxError(`invalid image reference "${s}": ${why}`, { hint: HINT });
  if (s === '') throw bad('it is empty');

  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(`digest "${digest}" is not sha256: followed by 64 lowercase hex digits`);
  }

  // A tag is whatever follows the last ':' that comes after the last '/' (a ':' before it is a registry port).
  let tag = '';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`tag "${tag}" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  }

  const name = rest;
  checkName(name, bad);
  if (!digest && tag === '') tag = 'latest';
  const display = `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return digest ? { name, tag, digest, display } : { name, tag, display };
}

// Checks the repository part: optional registry host first, then lowercase path components.
function checkName(name: string, bad: (why: string) => GlassboxError): void {
  if (name === '') throw bad('the name is empty');
  if (name.length > MAX_NAME) throw bad(`the name is longer than ${MAX_NAME} characters`);
  if (/^[0-9a-f]{64}$/.test(name)) throw bad('a 64-digit hex string is an image ID, not a name');
  const parts = name.split('/');
  if (parts.length > 1 && isDomain(parts[0]!)) {
    const [host, port, extra] = parts[0]!.split(':');
    if (extra !== undefined || !host!.split('.').every((p) => DOMAIN_PART.test(p))) throw bad(`registry host "${parts[0]}" is not a valid host name`);
    if (port !== undefined && !/^[0-9]{1,5}$/.test(port)) throw bad(`registry port "${port}" is not a number`);
    parts.shift();
  }
  for (const c of parts) {
    if (!COMPONENT.test(c)) {
      const why = c !== c.toLowerCase() ? 'must be lowercase' : 'must be letters and digits joined by ".", "_", "__" or "-"';
      throw bad(`name component "${c}" ${why}`);
    }
  }
}

// docker's rule: the first part names a registry when it could not be a plain repository component.
function isDomain(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
}

// The key under which repositories.json records a tag: `name:tag`, with the name in its familiar form.
export function tagKey(ref: ImageReference): string {
  return `${familiarName(ref.name)}:${ref.tag}`;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';

// docker.io/library/busybox → busybox; docker.io/team/app → team/app; other registries stay as they are.
export function familiarName(name: string): string {
  const { registry, repository } = splitName(name);
  if (registry !== DOCKER_HUB) return name;
  return repository.startsWith('library/') && repository.split('/').length === 2 ? repository.slice('library/'.length) : repository;
}

// Splits a valid name into its registry (docker.io when none is given) and repository path.
export function splitName(name: string): { registry: string; repository: string } {
  const parts = name.split('/');
  let registry = DOCKER_HUB;
  if (parts.length > 1 && isDomain(parts[0]!)) registry = parts.shift()!;
  if (registry === 'index.docker.io' || registry === DOCKER_HUB_ENDPOINT) registry = DOCKER_HUB;
  let repository = parts.join('/');
  if (registry === DOCKER_HUB && parts.length === 1) repository = `library/${repository}`;
  return { registry, repository };
}

export interface RemoteReference {
  /** The registry as named (`docker.io`, `127.0.0.1:5000`). */
  registry: string;
  /** host[:port] to connect to (`registry-1.docker.io` for Docker Hub). */
  endpoint: string;
  /** Repository path on that registry (`library/busybox`). */
  repository: string;
  /** Tag or digest to ask the registry for. */
  reference: string;
  tag: string;
  digest?: string;
  /** Canonical full name: `docker.io/library/busybox:latest`. */
  canonical: string;
  /** The name:tag the store records: `busybox:latest`. */
  storeTag?: string;
}

// Normalises what the user typed after `glassbox pull` the way docker does.
export function remoteReference(s: string): RemoteReference {
  const ref = parseReference(s);
  const { registry, repository } = splitName(ref.name);
  const endpoint = registry === DOCKER_HUB ? DOCKER_HUB_ENDPOINT : registry;
  const full = `${registry}/${repository}`;
  return {
    registry,
    endpoint,
    repository,
    reference: ref.digest ?? ref.tag,
    tag: ref.tag,
    ...(ref.digest ? { digest: ref.digest } : {}),
    canonical: `${full}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`,
    ...(ref.tag ? { storeTag: `${familiarName(full)}:${ref.tag}` } : {}),
  };
}
