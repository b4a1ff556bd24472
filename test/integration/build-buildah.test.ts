// glassbox build against a reference builder: the same Dockerfiles built by buildah (Debian's package, private
// storage in the sandbox) and by glassbox give images whose containers show the same files (name, type, mode, owner,
// size, content) and whose configs match (Cmd, Entrypoint, Env, WorkingDir, User, Labels, ExposedPorts); their
// layers hold the same members and their history marks the same steps as empty. buildah gets the base image through
// `glassbox save`, and finds it under the Dockerfile's literal name `glassbox/base`. The differences that are
// buildah's own are asserted as such, each with its reason.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, Sandbox, run, type Result } from './helpers.ts';

const sb = new Sandbox('build-buildah');
const T = { timeout: 240_000 };
const FIXTURES = join(REPO, 'test', 'fixtures', 'build-it');
let store = '';

// Empty mount targets buildah 1.28's RUN leaves in the layer it commits (the base image lacks them; buildah makes
// them to bind its own /etc/hosts, /etc/hostname, /etc/resolv.conf and /run/.containerenv onto). docker keeps
// such targets out of the layer (its init layer), and so does glassbox.
const BUILDAH_RUN_TARGETS = ['etc/', 'etc/hostname', 'etc/hosts', 'etc/resolv.conf', 'run/'];

before(async () => {
  await sb.setup();
  store = mkdtempSync(join(sb.dir, 'buildah-'));
  mkdirSync(join(store, 'tmp'));
  // As podman runs here (GUIDE §7): root lacks CAP_SYS_RESOURCE for the default nofile limit, there is no systemd,
  // and the runtime's files stay in the sandbox. No registry is searched: short names resolve in the local store.
  writeFileSync(join(store, 'containers.conf'), ['[containers]', 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]', '[engine]', 'cgroup_manager = "cgroupfs"', 'events_logger = "file"', `tmp_dir = ${JSON.stringify(join(store, 'tmp'))}`, ''].join('\n'));
  writeFileSync(join(store, 'registries.conf'), ['unqualified-search-registries = []', 'short-name-mode = "permissive"', ''].join('\n'));
  // The base image, as glassbox has it: buildah stores the archive's glassbox/base:latest as
  // localhost/glassbox/base:latest, and a short name FROM glassbox/base finds it there.
  const tar = join(sb.dir, 'base.tar');
  await ok(['save', 'glassbox/base', '-o', tar]);
  await buildahOk(['pull', '--quiet', `docker-archive:${tar}`]);
}, { timeout: 240_000 });

after(async () => {
  // buildah's containers and images first (its vfs layers are plain directories), then anything it left mounted
  // under the sandbox is unmounted by sb.cleanup before the directory goes.
  if (store) {
    await buildah(['rm', '--all']);
    await buildah(['rmi', '--all', '--force']);
  }
  await sb.cleanup();
}, { timeout: 180_000 });

async function ok(args: string[], opts: { cwd?: string } = {}): Promise<Result> {
  const r = await sb.gb(args, { timeoutMs: 170_000, ...opts });
  assert.equal(r.code, 0, `glassbox ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

// buildah with the sandbox's storage. crun 1.8 refuses a hybrid cgroup host (GUIDE §7): there buildah runs in a
// private mount namespace without the cgroup2 mount, as podman does in build.test.ts.
function buildah(args: string[]): Promise<Result> {
  const hybrid = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === '/sys/fs/cgroup/unified');
  const wrap = hybrid ? ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'umount /sys/fs/cgroup/unified && exec "$@"', 'sh'] : [];
  const argv = [...wrap, 'buildah', '--root', join(store, 'root'), '--runroot', join(store, 'run'), '--storage-driver', 'vfs', ...args];
  const env = { CONTAINERS_CONF: join(store, 'containers.conf'), CONTAINERS_REGISTRIES_CONF: join(store, 'registries.conf'), TMPDIR: join(store, 'tmp') };
  return run(argv, { env, timeoutMs: 170_000 });
}

async function buildahOk(args: string[]): Promise<Result> {
  const r = await buildah(args);
  assert.equal(r.code, 0, `buildah ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

// A temp copy of a fixture context.
function context(name: string): string {
  const dir = join(sb.dir, 'ctx', `${name}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(join(sb.dir, 'ctx'), { recursive: true });
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

// The same image built both ways: buildah as docker builds (a layer per COPY and RUN, --layers), without its
// io.buildah.version label and without network (no CNI bridge on the host).
async function buildBoth(fixture: string, tag: string, extra: string[] = []): Promise<void> {
  const ctx = context(fixture);
  await ok(['build', '-q', '-t', `gbtest/${tag}`, ...extra, ctx]);
  await buildahOk(['bud', '--pull-never', '--layers', '--identity-label=false', '--network', 'none', '-q', '-t', `bhtest/${tag}`, ...extra, ctx]);
}

// What a container sees under DIR: the root directory's mode and owner (a 0700 `/` in an image glassbox saves
// keeps the image's non-root user from exec'ing anything under buildah or docker), every entry with its type, mode
// and owner (and size for files), then every regular file's content. A directory's size is the file system's, not
// the image's, so it is left out.
const listing = (dir: string) =>
  `stat -c '/ %a %u:%g' /; find ${dir} | sort | while read -r f; do if [ -f "$f" ]; then stat -c '%n %F %a %u:%g %s' "$f"; else stat -c '%n %F %a %u:%g' "$f"; fi; done; ` +
  `find ${dir} -type f | sort | while read -r f; do echo "--- $f"; cat "$f"; done`;

// The listing in a glassbox container and in a buildah working container of the other image (each as the image's
// user; the entrypoint is set aside, as buildah run does).
async function filesBoth(tag: string, dir: string): Promise<{ gb: string; bh: string }> {
  const gb = (await ok(['run', '--network', 'none', '--entrypoint', 'sh', `gbtest/${tag}`, '-c', listing(dir)])).stdout;
  const ctr = (await buildahOk(['from', '--pull-never', '--network', 'none', `bhtest/${tag}`])).stdout.trim();
  try {
    const bh = (await buildahOk(['run', '--network', 'none', ctr, '--', 'sh', '-c', listing(dir)])).stdout;
    return { gb, bh };
  } finally {
    await buildah(['rm', ctr]);
  }
}

type Config = { Cmd?: string[] | null; Entrypoint?: string[] | null; Env?: string[] | null; WorkingDir?: string; User?: string; Labels?: Record<string, string> | null; ExposedPorts?: Record<string, object> | null };
const FIELDS = ['Cmd', 'Entrypoint', 'Env', 'WorkingDir', 'User', 'Labels', 'ExposedPorts'] as const;

// The config fields compared, absent, null and '' alike (buildah writes null where glassbox leaves a field out).
function fields(c: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of FIELDS) {
    const v = c[k];
    if (v !== undefined && v !== null && v !== '') out[k] = v;
  }
  return out;
}

// Both images' configs and their history's empty_layer marks.
async function configsBoth(tag: string): Promise<{ gb: Record<string, unknown>; bh: Record<string, unknown>; gbEmpty: boolean[]; bhEmpty: boolean[] }> {
  const g = (JSON.parse((await ok(['image', 'inspect', `gbtest/${tag}`])).stdout) as Array<{ Config: Config; History: Array<{ empty_layer?: boolean }> }>)[0]!;
  const b = JSON.parse((await buildahOk(['inspect', '--type', 'image', `bhtest/${tag}`])).stdout) as { OCIv1: { config: Config; history: Array<{ empty_layer?: boolean }> } };
  return { gb: fields(g.Config), bh: fields(b.OCIv1.config), gbEmpty: g.History.map((h) => !!h.empty_layer), bhEmpty: b.OCIv1.history.map((h) => !!h.empty_layer) };
}

// Each layer above the base as `mode owner size name` lines (tar's verbose listing without the time). glassbox's
// layers name members ./x and carry the root directory `./` itself; docker's and buildah's say x and leave the root
// out: the same files, so both are written docker's way here.
async function layersOf(archive: string): Promise<string[][]> {
  const dir = mkdtempSync(join(sb.dir, 'layers-'));
  const x = await run(['tar', '-C', dir, '-xf', archive]);
  assert.equal(x.code, 0, x.stderr);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{ Layers: string[] }>;
  const out: string[][] = [];
  for (const layer of manifest[0]!.Layers.slice(1)) {
    const t = await run(['tar', '--numeric-owner', '-tvf', join(dir, layer)]);
    assert.equal(t.code, 0, t.stderr);
    const members = t.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(/\s+/))
      .map(([mode, owner, size, , , ...name]) => ({ mode, owner, size, name: name.join(' ').replace(/^\.\//, '') }))
      .filter((m) => m.name !== '' && m.name !== '.')
      .map((m) => `${m.mode} ${m.owner} ${m.size} ${m.name}`)
      .sort();
    out.push(members);
  }
  return out;
}

// Both images' layers above the base, from glassbox save and buildah push to a docker archive.
async function layersBoth(tag: string): Promise<{ gb: string[][]; bh: string[][] }> {
  const gbTar = join(sb.dir, `gb-${tag}.tar`);
  const bhTar = join(sb.dir, `bh-${tag}.tar`);
  await ok(['save', `gbtest/${tag}`, '-o', gbTar]);
  await buildahOk(['push', '--quiet', `bhtest/${tag}`, `docker-archive:${bhTar}:bhtest/${tag}:latest`]);
  return { gb: await layersOf(gbTar), bh: await layersOf(bhTar) };
}

test('the two-stage Dockerfile: buildah and glassbox give the same files under /final, the same config and layers', T, async () => {
  await buildBoth('multistage', 'multi');
  // (a) The files, as each image's container shows them: made.txt from the first stage, owned.txt with --chown
  // --chmod, docs/ without the .dockerignored key.
  const files = await filesBoth('multi', '/final');
  assert.equal(files.gb, files.bh);
  assert.match(files.gb, /^\/final\/owned\.txt regular file 640 1000:1000 6$/m);
  assert.match(files.gb, /^--- \/final\/made\.txt\nHELLO FROM THE CONTEXT\nmade in stage one$/m);
  assert.doesNotMatch(files.gb, /secret/);
  // (b) The config, field by field.
  const c = await configsBoth('multi');
  assert.deepEqual(c.gb, c.bh);
  assert.deepEqual(c.gb.Labels, { 'org.opencontainers.image.title': 'glassbox build test', stage: 'final' });
  assert.deepEqual(c.gb.ExposedPorts, { '8080/tcp': {} });
  // The history: the base's entry, then LABEL (empty), three COPY layers, ENV, EXPOSE, CMD (empty). Its created_by
  // texts differ by design: buildah writes docker's classic `/bin/sh -c #(nop) COPY file:<digest> in …`, glassbox
  // the instruction as written (as BuildKit does).
  assert.deepEqual(c.gbEmpty, c.bhEmpty);
  // (c) The layers: one per COPY, the same members with the same modes, owners and sizes.
  const l = await layersBoth('multi');
  assert.equal(l.gb.length, 3);
  assert.deepEqual(l.gb, l.bh);
});

test('ARG, ENV, RUN, USER, WORKDIR, ENTRYPOINT and CMD: the same config and the same RUN output with buildah and glassbox', T, async () => {
  await buildBoth('args', 'args', ['--build-arg', 'GREETING=hello']);
  const files = await filesBoth('args', '/msg');
  assert.equal(files.gb, files.bh);
  assert.match(files.gb, /^--- \/msg\nhello-world from builder$/m);
  assert.match(files.gb, /^\/ 755 0:0$/m);
  const c = await configsBoth('args');
  assert.deepEqual(c.gb, c.bh);
  assert.equal(c.gb.User, '1000:1000');
  assert.deepEqual(c.gb.Entrypoint, ['cat']);
  assert.equal(c.gb.WorkingDir, '/tmp');
  assert.deepEqual(c.gbEmpty, c.bhEmpty);
  // The RUN layer holds /msg in both; buildah's also holds the empty mount targets it made for the run (see
  // BUILDAH_RUN_TARGETS), which docker and glassbox keep out of the layer.
  const l = await layersBoth('args');
  assert.equal(l.gb.length, 1);
  assert.deepEqual(l.gb[0], ['-rw-r--r-- 0/0 25 msg']);
  const extra = l.bh[0]!.filter((m) => !l.gb[0]!.includes(m));
  assert.deepEqual(extra.filter((m) => !BUILDAH_RUN_TARGETS.includes(m.split(' ').slice(3).join(' '))), [], `buildah's RUN layer: ${l.bh[0]!.join('\n')}`);
  assert.deepEqual(l.bh[0]!.filter((m) => !extra.includes(m)), l.gb[0]);
});

test('no leak: buildah and glassbox builds leave no container, mount or network object behind', T, () => {
  assert.deepEqual(sb.containerIds(), []);
  assert.deepEqual(sb.sandboxMounts(), []);
  sb.assertNoLeaks();
});
