// Helpers for the image tests: podman with its own storage in the test's temp dir (never /var/lib/containers),
// skopeo, Debian's docker-registry on 127.0.0.1 with its own config and storage, and archives made by hand with
// tar and sha256 where a case needs one (an opaque directory, a multi-platform index).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { run, waitFor, type Result } from './helpers.ts';

// skopeo 1.9 keeps a blob-info cache in /var/lib/containers/cache for root and has no option to move it: when
// the directory was not there before these tests, it is removed after them (tests leave nothing behind).
const HAD_CONTAINERS_DIR = existsSync('/var/lib/containers');
export function removeSkopeoCache(): void {
  if (!HAD_CONTAINERS_DIR) rmSync('/var/lib/containers', { recursive: true, force: true });
}

export const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

// Runs a command and fails the test with its output when it fails.
export async function must(argv: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<Result> {
  const r = await run(argv, { ...opts, timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${argv.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r;
}

/** podman with storage, run root and temp files under dir. */
export function podman(dir: string): (args: string[]) => Promise<Result> {
  const conf = join(dir, 'containers.conf');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(conf, '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n');
  const base = ['podman', '--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--storage-driver', 'vfs', '--tmpdir', join(dir, 'tmp')];
  return (args) => must([...base, ...args], { env: { CONTAINERS_CONF: conf, TMPDIR: join(dir, 'tmp') } });
}

// A free TCP port on the loopback.
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

/** A docker-registry process serving dir/data on 127.0.0.1:port. */
export class Registry {
  readonly dir: string;
  port = 0;
  private child?: ChildProcess;
  log = '';

  constructor(dir: string) {
    this.dir = dir;
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  // Writes the config (htpasswd auth when given) and starts the registry; waits until /v2/ answers.
  async start(htpasswd?: string): Promise<void> {
    mkdirSync(join(this.dir, 'data'), { recursive: true });
    this.port = await freePort();
    const auth = htpasswd ? `auth:\n  htpasswd:\n    realm: glassbox-test\n    path: ${htpasswd}\n` : '';
    const conf = `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${join(this.dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${this.port}\n${auth}`;
    writeFileSync(join(this.dir, 'config.yml'), conf);
    this.child = spawn('docker-registry', ['serve', join(this.dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.log += d));
    this.child.stderr!.on('data', (d) => (this.log += d));
    let up = false;
    await waitFor(`docker-registry on ${this.host}`, () => {
      void fetch(`http://${this.host}/v2/`).then((r) => (up = r.status === 200 || r.status === 401), () => undefined);
      if (this.child!.exitCode !== null) throw new Error(`docker-registry exited:\n${this.log}`);
      return up;
    });
  }

  // Stops the registry and waits for it to be gone.
  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.on('close', r));
    c.kill('SIGTERM');
    await gone;
  }
}

export interface HandLayer {
  tar: Buffer;
  diffId: string;
}

// Packs a directory with GNU tar into a buffer (the layer of a hand-made image).
export async function tarDir(dir: string, out: string): Promise<HandLayer> {
  await must(['tar', '--create', `--file=${out}`, '--numeric-owner', `--directory=${dir}`, '.']);
  const tar = readFileSync(out);
  return { tar, diffId: sha(tar) };
}

// Writes an OCI image layout holding one index entry named `name`, pointing at an image index with one manifest
// per platform (or, with one platform, directly at the manifest). Layers are stored uncompressed.
export function writeOciLayout(dir: string, name: string, images: Array<{ platform: { os: string; architecture: string; variant?: string }; layers: HandLayer[]; config: Record<string, unknown> }>): void {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer | string) => {
    const d = sha(b);
    writeFileSync(join(blobs, d.slice(7)), b);
    return { digest: d, size: Buffer.byteLength(b) };
  };
  const manifests = images.map((img) => {
    for (const l of img.layers) put(l.tar);
    const config = put(JSON.stringify({ ...img.platform, config: img.config, rootfs: { type: 'layers', diff_ids: img.layers.map((l) => l.diffId) } }));
    const m = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: img.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.diffId, size: l.tar.length })),
    });
    return { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...put(m), platform: img.platform };
  });
  let top: Record<string, unknown> = manifests[0]!;
  if (images.length > 1) {
    const idx = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests });
    top = { mediaType: 'application/vnd.oci.image.index.v1+json', ...put(idx) };
  }
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': name } }] }));
}

// Writes a docker-archive directory by hand (manifest.json, config, layer tars); the caller tars it.
export function writeDockerArchiveDir(dir: string, tag: string, layers: Array<{ name: string; tar: Buffer; diffId?: string }>, config: Record<string, unknown> = {}): void {
  mkdirSync(dir, { recursive: true });
  for (const l of layers) {
    mkdirSync(join(dir, l.name, '..'), { recursive: true });
    writeFileSync(join(dir, l.name), l.tar);
  }
  const cfg = JSON.stringify({ architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId ?? sha(l.tar)) } });
  const cfgName = `${sha(cfg).slice(7)}.json`;
  writeFileSync(join(dir, cfgName), cfg);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ Config: cfgName, RepoTags: [tag], Layers: layers.map((l) => l.name) }]));
}

/**
 * podman that runs containers on this host, state under dir (GUIDE §7): default ulimits root can set here (no
 * CAP_SYS_RESOURCE), cgroupfs and file events (no systemd), and on a hybrid cgroup host a private mount namespace
 * without the cgroup2 mount (crun 1.8 refuses hybrid mode). A failing command is returned, not thrown.
 */
export function podmanRunner(dir: string): { run: (args: string[]) => Promise<Result>; reset: () => Promise<Result> } {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, ['[containers]', 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]', '[engine]', 'cgroup_manager = "cgroupfs"', 'events_logger = "file"', `tmp_dir = ${JSON.stringify(join(dir, 'tmp'))}`, ''].join('\n'));
  const hybrid = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === '/sys/fs/cgroup/unified');
  const wrap = hybrid ? ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'umount /sys/fs/cgroup/unified && exec "$@"', 'sh'] : [];
  const base = [...wrap, 'podman', '--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--storage-driver', 'vfs', '--tmpdir', join(dir, 'tmp')];
  const env = { CONTAINERS_CONF: conf, TMPDIR: join(dir, 'tmp') };
  const go = (args: string[]) => run([...base, ...args], { env, timeoutMs: 120_000 });
  return { run: go, reset: () => go(['system', 'reset', '--force']) };
}
