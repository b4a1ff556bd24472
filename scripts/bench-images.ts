// Image benchmarks (run by `npm run bench -- --images`, or on its own with node --import tsx):
//   1. import: `glassbox image import` of a docker-archive directory (uncompressed layers) and of an OCI layout
//      (gzip layers), each into an empty store, against plain `tar -x` of the same layer files one after another
//      (with -z for gzip) — the floor any importer must pay. Target: glassbox ≥ 0.8× tar's speed.
//   2. pull: `glassbox pull` from Debian's docker-registry on 127.0.0.1 into an empty store, against
//      `skopeo copy docker://… dir:…` (which downloads and verifies the blobs but extracts nothing).
// Medians of 3 runs; both sides run in the same environment (NODE_EXTRA_CA_CERTS as inherited).

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const glassbox = join(repo, 'bin', 'glassbox');
const RUNS = 3;
const SOURCES = ['/usr/share/doc', '/usr/share/man', '/usr/share/locale'];

function sh(argv: string[], env: Record<string, string> = {}): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
}

// Median wall time in ms of fn over RUNS runs, each after prepare().
function time(prepare: () => void, fn: () => void): number {
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    prepare();
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!;
}

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

export async function benchImages(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-bench-img-'));
  try {
    // The layers: three real directory trees, packed with tar (uncompressed and gzip).
    const layers = SOURCES.map((src, i) => {
      const file = join(dir, `layer${i}.tar`);
      // Members named from / (usr/share/doc/…), as in an image, so relative links stay inside the layer's root.
      sh(['tar', '--create', `--file=${file}`, '--numeric-owner', '--directory=/', src.slice(1)]);
      sh(['gzip', '-k', '-1', file]);
      return { file, gz: `${file}.gz` };
    });
    const bytes = layers.map((l) => readFileSync(l.file));
    const archive = join(dir, 'docker-archive');
    mkdirSync(archive);
    const cfg = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: bytes.map((b) => sha(b)) } });
    writeFileSync(join(archive, 'c.json'), cfg);
    layers.forEach((l, i) => writeFileSync(join(archive, `l${i}.tar`), bytes[i]!));
    writeFileSync(join(archive, 'manifest.json'), JSON.stringify([{ Config: 'c.json', RepoTags: ['bench/img:1'], Layers: layers.map((_, i) => `l${i}.tar`) }]));
    const oci = join(dir, 'oci');
    sh(['tar', '--create', `--file=${join(dir, 'a.tar')}`, `--directory=${archive}`, '.']);
    sh(['skopeo', 'copy', '-q', '--dest-compress', `docker-archive:${join(dir, 'a.tar')}`, `oci:${oci}:img`]);
    const total = bytes.reduce((n, b) => n + b.length, 0);
    const store = join(dir, 'store');
    const env = { GLASSBOX_ROOT: store, GLASSBOX_RUN: join(dir, 'run') };
    const fresh = () => {
      rmSync(store, { recursive: true, force: true });
      rmSync(join(dir, 'x'), { recursive: true, force: true });
      mkdirSync(join(dir, 'x'));
    };
    const tarAll = (gz: boolean) => () => layers.forEach((l, i) => {
      mkdirSync(join(dir, 'x', String(i)));
      sh(['tar', '--extract', `--file=${gz ? l.gz : l.file}`, ...(gz ? ['--gzip'] : []), `--directory=${join(dir, 'x', String(i))}`, '--numeric-owner', '--same-owner', '--same-permissions']);
    });
    const rows: Array<[string, number, number]> = [];
    const plain = time(fresh, tarAll(false));
    const gbPlain = time(fresh, () => sh([process.execPath, glassbox, 'image', 'import', '-q', archive], env));
    rows.push(['import docker-archive (3 uncompressed layers)', plain, gbPlain]);
    const gz = time(fresh, tarAll(true));
    const gbGz = time(fresh, () => sh([process.execPath, glassbox, 'image', 'import', '-q', oci], env));
    rows.push(['import OCI layout (3 gzip layers)', gz, gbGz]);

    // Pull from a registry on the loopback.
    const port = await freePort();
    const reg = join(dir, 'registry');
    mkdirSync(reg);
    writeFileSync(join(reg, 'config.yml'), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(reg, 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
    const child = spawn('docker-registry', ['serve', join(reg, 'config.yml')], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100; i++) {
        const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok, () => false);
        if (ok) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      sh(['skopeo', 'copy', '-q', '--dest-tls-verify=false', `oci:${oci}:img`, `docker://127.0.0.1:${port}/bench/img:1`]);
      const skopeo = time(() => rmSync(join(dir, 'skopeo-dir'), { recursive: true, force: true }), () => sh(['skopeo', 'copy', '-q', '--src-tls-verify=false', `docker://127.0.0.1:${port}/bench/img:1`, `dir:${join(dir, 'skopeo-dir')}`]));
      const pull = time(fresh, () => sh([process.execPath, glassbox, 'pull', '-q', `127.0.0.1:${port}/bench/img:1`], env));
      rows.push(['pull from 127.0.0.1 (skopeo copy to dir: download only)', skopeo, pull]);
      const again = time(() => undefined, () => sh([process.execPath, glassbox, 'pull', '-q', `127.0.0.1:${port}/bench/img:1`], env));
      rows.push(['second pull, nothing to download (vs skopeo copy)', skopeo, again]);
    } finally {
      child.kill('SIGTERM');
    }
    console.log(`\nimages: ${SOURCES.join(', ')} as 3 layers, ${(total / 1048576).toFixed(0)} MiB uncompressed; median of ${RUNS} runs`);
    console.log(`${'case'.padEnd(58)} ${'reference ms'.padStart(12)} ${'glassbox ms'.padStart(12)} ${'speed'.padStart(7)}`);
    for (const [what, ref, gb] of rows) console.log(`${what.padEnd(58)} ${ref.toFixed(0).padStart(12)} ${gb.toFixed(0).padStart(12)} ${(ref / gb).toFixed(2).padStart(6)}×`);
  } finally {
    sh(['rm', '-rf', '--one-file-system', dir]);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchImages();
