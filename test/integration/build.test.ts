// glassbox build with real containers and layers: a two-stage Dockerfile whose final image holds a file made in the
// first stage (COPY --from), a second build that runs no container (every step CACHED, the same image), COPY
// --chown/--chmod checked inside the container, .dockerignore, ARG/ENV substitution with --build-arg, the config
// (CMD, ENTRYPOINT, USER, WORKDIR, ENV, LABEL, EXPOSE) and history, podman running `glassbox save`'s archive with
// the same output, and the hostile cases: a source outside the context, a symbolic link leaving it, an unknown
// instruction at its line, a failing RUN (the build stops, says which step, leaves no container behind).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { GLASSBOX, REPO, Sandbox, waitFor, type Result } from './helpers.ts';
import { Tmux } from './tmux.ts';

const sb = new Sandbox('build');
const T = { timeout: 180_000 };
const FIXTURES = join(REPO, 'test', 'fixtures', 'build-it');

before(() => sb.setup(), { timeout: 180_000 });
after(() => sb.cleanup(), { timeout: 180_000 });

// A temp copy of a fixture context.
function context(name: string): string {
  const dir = join(sb.dir, 'ctx', `${name}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(join(sb.dir, 'ctx'), { recursive: true });
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

async function ok(args: string[], opts: { cwd?: string } = {}): Promise<Result> {
  const r = await sb.gb(args, { timeoutMs: 170_000, ...opts });
  assert.equal(r.code, 0, `glassbox ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

type Inspect = { Config: { Cmd?: string[]; Entrypoint?: string[]; Env?: string[]; User?: string; WorkingDir?: string; Labels?: Record<string, string>; ExposedPorts?: Record<string, object> } };

// The image's record as the store keeps it.
async function imageRecord(ref: string): Promise<{ id: string; layers: string[]; config: Inspect['Config']; history?: Array<{ created_by: string; empty_layer?: boolean }> }> {
  const r = await ok(['image', 'inspect', ref]);
  const j = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
  const one = j[0]!;
  return { id: String(one.Id), layers: ((one.RootFS as { Layers: string[] }).Layers), config: one.Config as Inspect['Config'], history: one.History as never };
}

test('a two-stage build: the final image holds the file made in the first stage, its config and history; a second build is all CACHED', T, async () => {
  const ctx = context('multistage');
  const first = await ok(['build', '-t', 'gbtest/multi:1', ctx]);
  assert.match(first.stdout, /\[1\/2\] STEP 1\/\d+: FROM glassbox\/base AS maker/);
  assert.match(first.stdout, /Successfully tagged gbtest\/multi:1/);
  // Each RUN and COPY that ran ends with its time.
  assert.match(first.stdout, /STEP 4\/\d+: RUN tr a-z A-Z[^\n]*\n[^]*?--> \d+\.\d\d s\n/);
  const id = first.stdout.trim().split('\n').at(-1)!;
  assert.match(id, /^[0-9a-f]{64}$/);
  const run = await ok(['run', 'gbtest/multi:1']);
  assert.equal(run.stdout, 'HELLO FROM THE CONTEXT\nmade in stage one\n');
  // COPY --chown --chmod, and .dockerignore kept the key out.
  const owned = await ok(['run', 'gbtest/multi:1', 'stat', '-c', '%u:%g %a', '/final/owned.txt']);
  assert.equal(owned.stdout.trim(), '1000:1000 640');
  const docs = await ok(['run', 'gbtest/multi:1', 'ls', '/final/docs']);
  assert.equal(docs.stdout.trim(), 'README');
  const rec = await imageRecord('gbtest/multi:1');
  assert.deepEqual(rec.config.Cmd, ['cat', '/final/made.txt']);
  assert.equal(rec.config.Labels?.stage, 'final');
  assert.ok(rec.config.Env?.includes('GREETING=hello'));
  assert.ok(rec.config.ExposedPorts?.['8080/tcp']);
  // The second build changes nothing: no container runs, every RUN and COPY is CACHED, the same image comes out.
  const again = await ok(['build', '-t', 'gbtest/multi:1', ctx]);
  assert.equal(again.stdout.trim().split('\n').at(-1), id);
  assert.equal((again.stdout.match(/--> CACHED/g) ?? []).length, 5, again.stdout);
  assert.deepEqual(sb.containerIds(), [], 'a build leaves no container');
  // --no-cache runs every step again; --verbose traces every command it runs.
  const fresh = await ok(['--verbose', 'build', '--no-cache', '-t', 'gbtest/multi:2', ctx]);
  assert.doesNotMatch(fresh.stdout, /CACHED/);
  assert.match(fresh.stderr, /\] [^\n]*unshare --mount=/);
  assert.match(fresh.stderr, /\] tar --create /);
});

// Every path below a directory with its size, to show a plan wrote nothing.
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(p);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

test('build --plan: every command of the build (each RUN a container plan on layers still to be made, each layer tar), nothing run or written; after the build, CACHED', T, async () => {
  const ctx = context('multistage');
  // A marker of this test's own, so the layer cache holds none of these steps yet.
  writeFileSync(join(ctx, 'app.txt'), `planned ${Math.random()}\n`);
  const before = { root: listing(sb.root), containers: sb.containerIds() };
  const p = await ok(['build', '--plan', '-t', 'gbtest/planned', ctx]);
  assert.deepEqual(listing(sb.root), before.root, 'the plan wrote nothing to the store');
  assert.deepEqual(sb.containerIds(), before.containers, 'the plan ran no container');
  const text = p.stdout;
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) assert.match(text, new RegExp(`STEP ${n}/12: `), `STEP ${n}`);
  // The RUN is a container plan: its command, unshare, the overlay whose lowerdir starts with the COPY's layer.
  assert.match(text, /command: \/bin\/sh -c 'tr a-z A-Z < app\.txt > made\.txt/);
  assert.match(text, /unshare --mount=/);
  assert.match(text, /layers\/made-by-step-3/, 'the layer COPY app.txt makes is named by its step');
  // COPY: the member list, tar with the owner and mode asked for; then each new layer packed by tar.
  assert.match(text, /copy-0\.list: app\.txt/);
  assert.match(text, /tar --create [^\n]*--owner=1000 --group=1000 [^\n]*--mode=640/);
  assert.match(text, /tar --create --file=\S+ --sort=name --numeric-owner/);
  assert.match(text, /COPY --from=maker[\s\S]*mount --mkdir -t overlay -o ro,lowerdir=\S*made-by-step-4:\S*made-by-step-3/);
  assert.match(text, /Only the image config changes[^\n]*\n#   Labels: /);
  assert.match(text, /the image is named: gbtest\/planned/);
  assert.doesNotMatch(text, /CACHED/);
  // The plan as JSON, and in Chinese; --brief without --plan is refused.
  const j = JSON.parse((await ok(['build', '--plan', '--format', 'json', ctx])).stdout) as { steps: Array<{ kind: string; n: number; plan?: { steps: unknown[] } }> };
  assert.deepEqual(j.steps.map((x) => x.kind), ['from', 'config', 'copy', 'run', 'from', 'config', 'copy', 'copy', 'copy', 'config', 'config', 'config']);
  assert.ok(j.steps[3]!.plan!.steps.length > 10);
  assert.match((await ok(['--lang', 'zh', 'build', '--plan', ctx])).stdout, /什么都还没有运行/);
  const bad = await sb.gb(['build', '--brief', ctx]);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /--brief goes with --plan/);
  // Once built, the plan says what a second build does: nothing, every RUN and COPY from the cache.
  await ok(['build', '-t', 'gbtest/planned', ctx]);
  const again = (await ok(['build', '--plan', ctx])).stdout;
  assert.equal((again.match(/CACHED: the layer cache holds/g) ?? []).length, 5, again);
  assert.doesNotMatch(again, /unshare|tar --create/);
});

// A small context of this test's own: COPY a note, a RUN that prints and writes a file, CMD.
function learnContext(): string {
  const dir = join(sb.dir, 'ctx', `learn-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'note.txt'), `hello ${Math.random().toString(36).slice(2, 8)}\n`);
  writeFileSync(join(dir, 'Dockerfile'), 'FROM glassbox/base\nCOPY note.txt /note.txt\nRUN echo "learned $(cat /note.txt)" | tee /learned.txt\nCMD ["cat", "/learned.txt"]\n');
  return dir;
}

test('build --learn -y: each RUN a learn session (its commands, its output), COPY and the layer tar shown as they run; the image works, nothing left', T, async () => {
  const ctx = learnContext();
  const note = readFileSync(join(ctx, 'note.txt'), 'utf8').trim();
  const r = await ok(['build', '--learn', '-y', '-t', 'gbtest/learned', ctx]);
  const out = r.stdout;
  assert.match(out, /STEP 2\/4: COPY note\.txt \/note\.txt\n {2}\$ mkdir -p \S+\n {2}\$ tar --create [^\n]*--files-from=/, 'the COPY\'s commands, as they ran');
  assert.match(out, /── STEP 3\/4: RUN echo "learned \$\(cat \/note\.txt\)" \| tee \/learned\.txt — a container runs the command/);
  assert.match(out, /\$ cgexec -g [^\n]* unshare --mount=/, "the container's own commands, one by one");
  assert.match(out, new RegExp(`┃ learned ${note}`), "the RUN's output, inside its session");
  assert.match(out, /Packing its upper directory with tar into the next layer[^\n]*\n {2}\$ getfattr [^\n]*\/upper\n/);
  assert.match(out, /Done; the container's writable layer is now a layer of the image/);
  assert.match(out, /Successfully tagged gbtest\/learned/);
  assert.equal((await ok(['run', 'gbtest/learned'])).stdout, `learned ${note}\n`);
  assert.deepEqual(sb.containerIds(), [], 'learn left no container');
  assert.deepEqual(sb.sandboxMounts(), []);
  // Without a terminal and without -y, learn mode refuses before anything runs.
  const refused = await sb.gb(['build', '--learn', '--no-cache', ctx]);
  assert.equal(refused.code, 125, refused.stderr);
  assert.match(refused.stderr, /terminal/);
});

test('build --learn in a terminal: Enter runs a step of the RUN\'s container, q quits — the build is cancelled (130), nothing left', T, async () => {
  const ctx = learnContext();
  const t = new Tmux('build-learn');
  const layersBefore = readdirSync(join(sb.root, 'layers', 'sha256')).sort();
  try {
    t.start([process.execPath, GLASSBOX, 'build', '--learn', '-t', 'gbtest/quit', ctx], sb.env);
    await t.until('the first prompt', (x) => /run this step\?/.test(x), 120_000);
    t.keys('Enter');
    await t.until('the second prompt', (x) => (x.match(/run this step\?/g) ?? []).length >= 2, 60_000);
    t.keys('q');
    t.keys('Enter');
    const s = await t.until('the end', (x) => /\[exited \d+\]/.test(x), 120_000);
    assert.match(s, /\[exited 130\]/, s.split('\n').slice(-30).join('\n'));
    assert.match(s, /build cancelled/);
  } finally {
    await t.stop();
  }
  assert.deepEqual(sb.containerIds(), [], 'the quit RUN left no container');
  assert.deepEqual(sb.sandboxMounts(), []);
  assert.deepEqual(readdirSync(join(sb.root, 'layers')).filter((e) => e.startsWith('tmp-')), [], 'no scratch left');
  // The COPY's layer was made before the quit (a cache entry, as docker keeps it); the RUN made none.
  assert.equal(readdirSync(join(sb.root, 'layers', 'sha256')).length - layersBefore.length, 1);
  assert.equal((await sb.gb(['image', 'inspect', 'gbtest/quit'])).code, 125, 'no image was tagged');
});

test('ARG and ENV substitution with --build-arg; USER, WORKDIR, ENTRYPOINT and CMD in the config', T, async () => {
  const ctx = context('args');
  await ok(['build', '-t', 'gbtest/args', '--build-arg', 'GREETING=hello', ctx]);
  const run = await ok(['run', 'gbtest/args']);
  assert.equal(run.stdout, 'hello-world from builder\n');
  const rec = await imageRecord('gbtest/args');
  assert.deepEqual(rec.config.Entrypoint, ['cat']);
  assert.deepEqual(rec.config.Cmd, ['/msg']);
  assert.equal(rec.config.User, '1000:1000');
  assert.equal(rec.config.WorkingDir, '/tmp');
  assert.ok(rec.config.Env?.includes('MSG=hello-world'), String(rec.config.Env));
  assert.ok(!rec.config.Env?.some((e) => e.startsWith('GREETING=')), 'an ARG is not in the image');
  const who = await ok(['run', '--entrypoint', 'id', 'gbtest/args', '-u']);
  assert.equal(who.stdout.trim(), '1000');
});

test('podman loads glassbox save and runs it with the same output as glassbox run', T, async (t) => {
  const ctx = context('multistage');
  await ok(['build', '-q', '-t', 'gbtest/podman:1', ctx]);
  const tar = join(sb.dir, 'multi.tar');
  await ok(['save', 'gbtest/podman:1', '-o', tar]);
  const store = mkdtempSync(join(sb.dir, 'podman-'));
  // podman configured for this host as the bench does (GUIDE §7): root here lacks CAP_SYS_RESOURCE for podman's
  // default nofile limit, there is no systemd, and its runtime files stay in the sandbox.
  mkdirSync(join(store, 'tmp'));
  const conf = join(store, 'containers.conf');
  writeFileSync(conf, ['[containers]', 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]', '[engine]', 'cgroup_manager = "cgroupfs"', 'events_logger = "file"', `tmp_dir = ${JSON.stringify(join(store, 'tmp'))}`, ''].join('\n'));
  // crun 1.8 refuses a hybrid cgroup host (GUIDE §7): there podman runs in a private mount namespace without the
  // cgroup2 mount, as the bench runs it.
  const hybrid = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === '/sys/fs/cgroup/unified');
  const wrap = hybrid ? ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'umount /sys/fs/cgroup/unified && exec "$@"', 'sh'] : [];
  const podman = (...args: string[]) => spawnSync(wrap[0] ?? 'podman', [...wrap.slice(1), ...(wrap.length ? ['podman'] : []), '--root', join(store, 'root'), '--runroot', join(store, 'run'), '--storage-driver', 'vfs', ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, CONTAINERS_CONF: conf } });
  t.after(() => podman('system', 'reset', '--force'));
  const load = podman('load', '-i', tar);
  assert.equal(load.status, 0, load.stderr);
  const out = podman('run', '--rm', '--network', 'none', 'gbtest/podman:1');
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stdout, (await ok(['run', 'gbtest/podman:1'])).stdout);
});

test('hostile builds: outside the context, a link leaving it, an unknown instruction, a failing RUN — each refused, nothing left', T, async () => {
  const ctx = context('hostile');
  const refused = async (file: string, re: RegExp) => {
    const r = await sb.gb(['build', '-f', join(ctx, file), ctx], { timeoutMs: 120_000 });
    assert.equal(r.code, 125, `${file}: ${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, re);
    return r;
  };
  await refused('Dockerfile.outside', /Dockerfile\.outside:2:\d+: .*outside the build context/);
  symlinkSync('/etc', join(ctx, 'escape'));
  await refused('Dockerfile.link', /Dockerfile\.link:2:\d+: .*leaves the build context through a symbolic link/);
  await refused('Dockerfile.unknown', /Dockerfile\.unknown:2:1: .*unknown instruction.*RUNN/i);
  const failed = await refused('Dockerfile.fails', /Dockerfile\.fails:3:1: RUN .*exit code 3/);
  assert.match(failed.stderr, /this-step-fails/);
  assert.doesNotMatch(failed.stdout, /STEP 4\/4/);
  assert.deepEqual(sb.containerIds(), [], 'the failed RUN left no container');
  assert.deepEqual(readdirSync(sb.run).filter((e) => /^[0-9a-f]{64}$/.test(e)), []);
  assert.deepEqual(sb.sandboxMounts(), []);
});

test('a recipe with a build: section: glassbox build -f recipe.yaml tags its image:, and run recipe.yaml runs it', T, async () => {
  const ctx = context('recipe');
  const b = await ok(['build', '-f', join(ctx, 'recipe.yaml'), ctx]);
  assert.match(b.stdout, /STEP 4\/5: RUN echo "built by the \$WHO" > \/notes\/built-by/);
  assert.match(b.stdout, /Successfully tagged gbtest\/recipe:1/);
  const run = await ok(['run', join(ctx, 'recipe.yaml')]);
  assert.equal(run.stdout, 'a note from the context\nbuilt by the recipe\n');
});

test('a build killed with SIGKILL during a RUN: gc finishes it (no container, mount or scratch left); SIGINT undoes it at once', T, async () => {
  const ctx = context('slow');
  for (const sig of ['SIGKILL', 'SIGINT'] as const) {
    const bg = sb.gbStart(['build', '-t', 'gbtest/slow', ctx]);
    try {
      await bg.running();
      await waitFor('the RUN to print', () => bg.stdout.includes('started'), 20_000);
      bg.child.kill(sig);
      const r = await bg.done;
      assert.notEqual(r.code, 0);
    } finally {
      bg.stop();
    }
    if (sig === 'SIGKILL') {
      const gc = await ok(['gc']);
      void gc;
    }
    assert.deepEqual(sb.containerIds(), [], `${sig}: no container state left`);
    assert.deepEqual(readdirSync(sb.run).filter((e) => /^[0-9a-f]{64}$/.test(e)), [], `${sig}: no run directory left`);
    assert.deepEqual(sb.sandboxMounts(), [], `${sig}: no mount left`);
    assert.deepEqual(readdirSync(join(sb.root, 'layers')).filter((e) => e.startsWith('tmp-')), [], `${sig}: no half-written layer left`);
  }
});
