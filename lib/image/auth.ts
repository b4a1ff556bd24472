// Registry credentials and settings, in the store's root.
//
//   <root>/auth.json        { "auths": { "REGISTRY": { "auth": base64("user:password") } } } — the same shape as
//                           docker's config.json and podman's auth.json; mode 0600, since base64 is not secrecy.
//   <root>/registries.json  { "insecure": ["host:port", …] } — registries spoken to over plain HTTP. Like docker,
//                           registries on the loopback (localhost, 127.0.0.0/8, [::1]) count as insecure anyway.

import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { GlassboxError } from '../errors.ts';
import { writeFileAtomic } from '../state/atomic.ts';
import type { Credentials } from './registry.ts';

interface AuthFile {
  auths: Record<string, { auth?: string }>;
}

const authPath = (root: string) => path.join(root, 'auth.json');

function readAuth(root: string): AuthFile {
  const f = authPath(root);
  if (!existsSync(f)) return { auths: {} };
  try {
    const j = JSON.parse(readFileSync(f, 'utf8')) as Partial<AuthFile>;
    return { auths: j.auths ?? {} };
  } catch (e) {
    throw new GlassboxError(`${f}: not valid JSON (${(e as Error).message})`, { hint: 'fix or remove the file, then log in again' });
  }
}

// Stores credentials for a registry (glassbox login), readable by root only.
export function saveCredentials(root: string, registry: string, c: Credentials): void {
  mkdirSync(root, { recursive: true });
  const a = readAuth(root);
  a.auths[registry] = { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') };
  writeFileAtomic(authPath(root), JSON.stringify(a, null, 2) + '\n'); // writeFileAtomic creates files 0600
  chmodSync(authPath(root), 0o600);
}

// Forgets a registry's credentials; false when there were none.
export function removeCredentials(root: string, registry: string): boolean {
  const a = readAuth(root);
  if (!a.auths[registry]) return false;
  delete a.auths[registry];
  writeFileAtomic(authPath(root), JSON.stringify(a, null, 2) + '\n');
  return true;
}

// The stored credentials for a registry, if any.
export function credentialsFor(root: string, registry: string): Credentials | undefined {
  const e = readAuth(root).auths[registry];
  if (!e?.auth) return undefined;
  const text = Buffer.from(e.auth, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? undefined : { username: text.slice(0, i), password: text.slice(i + 1) };
}

// True when a registry is spoken to over HTTP: asked for, listed in registries.json, or on the loopback.
export function isInsecure(root: string, registry: string, asked: boolean): boolean {
  if (asked) return true;
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1') return true;
  const f = path.join(root, 'registries.json');
  if (!existsSync(f)) return false;
  try {
    const j = JSON.parse(readFileSync(f, 'utf8')) as { insecure?: unknown };
    return Array.isArray(j.insecure) && j.insecure.includes(registry);
  } catch (e) {
    throw new GlassboxError(`${f}: not valid JSON (${(e as Error).message})`, { hint: 'expected {"insecure": ["host:port"]}' });
  }
}
