// glassbox kube with real containers and real podman: a Pod that `glassbox kube generate` wrote from a container is
// run by `podman kube play` (the image loaded into podman from `glassbox save`, podman's state in this file's temp
// dir) and prints what the container prints under glassbox; a Pod that `podman kube generate` wrote from a podman
// container is run by `glassbox kube play` with the same environment, command, published port and limits; a compose
// project generated as one pod whose services reach each other by name; `kube play --plan` runs nothing; a bad
// manifest is refused at its line with nothing made; and `kube down` leaves nothing (twice: the second does nothing).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, Sandbox } from './helpers.ts';
import { freePort, podmanRunner, removeSkopeoCache } from './image-helpers.ts';

const sb = new Sandbox('kube');
const T = { timeout: 240_000 };
let pm: ReturnType<typeof podmanRunner>;

before(async () => {
  await sb.setup();
  pm = podmanRunner(join(sb.dir, 'podman'));
}, { timeout: 180_000 });
after(async () => {
  await pm?.reset();
  removeSkopeoCache();
  await sb.cleanup();
}, { timeout: 180_000 });

async function ok(args: string[], opts: { cwd?: string } = {}): Promise<string> {
  const r = await sb.gb(args, { timeoutMs: 120_000, ...opts });
  assert.equal(r.code, 0, `glassbox ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
async function pmOk(args: string[]): Promise<string> {
  const r = await pm.run(args);
  assert.equal(r.code, 0, `podman ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const networkRecords = () => {
  try {
    return readdirSync(join(sb.root, 'networks'));
  } catch {
    return [];
  }
};
const volumes = () => {
  try {
    return readdirSync(join(sb.root, 'volumes')).filter((v) => !v.startsWith('.'));
  } catch {
    return [];
  }
};
// Polls an async check until it holds (helpers' waitFor takes a synchronous one).
async function until(what: string, fn: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// A container's output once it has ended.
async function endedLogs(name: string): Promise<string> {
  await until(`${name} to end`, async () => (JSON.parse(await ok(['inspect', name])) as Array<{ State: { Status: string } }>)[0]!.State.Status === 'exited', 30_000);
  return ok(['logs', name]);
}

// What the test container prints: its environment, identity, directory, host name, a file of its bind mount, its
// memory and CPU limits as the cgroup files say, and its capability bounding set.
const REPORT = 'echo "greeting=$GREETING other=$OTHER"; id -u; id -g; pwd; hostname; cat /data/file; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d" " -f1 /sys/fs/cgroup/cpu.max; grep CapBnd /proc/self/status';

test('a Pod from kube generate CONTAINER runs under podman kube play and prints what the container prints under glassbox', T, async () => {
  const data = join(sb.dir, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'file'), 'from-the-host\n');
  const flags = ['--hostname', 'reporter', '-e', 'GREETING=hi', '-e', 'OTHER=two words', '-w', '/tmp', '-u', '1000:1000', '--memory', '64m', '--cpus', '0.5', '--cap-drop', 'CHOWN', '--cap-add', 'NET_ADMIN', '-v', `${data}:/data:ro`];
  const mine = await ok(['run', '--rm', ...flags, 'glassbox/base', 'sh', '-c', REPORT]);
  assert.match(mine, /^greeting=hi other=two words\n1000\n1000\n\/tmp\nreporter\nfrom-the-host\n67108864\n50000\nCapBnd:/);
  await ok(['create', '--name', 'reporter', ...flags, 'glassbox/base', 'sh', '-c', REPORT]);
  const yaml = join(sb.dir, 'reporter.yaml');
  await ok(['kube', 'generate', 'reporter', '-f', yaml]);
  await ok(['rm', 'reporter']);
  // podman has the image glassbox saved, and makes its infra image from catatonit (no registry needed).
  const tar = join(sb.dir, 'base.tar');
  await ok(['save', 'glassbox/base', '-o', tar]);
  await pmOk(['load', '-i', tar]);
  await pmOk(['kube', 'play', '--network', 'none', yaml]);
  await until('podman\'s container to end', async () => /Exited/.test(await pmOk(['ps', '-a', '--filter', 'name=reporter-pod-reporter', '--format', '{{.Status}}'])), 30_000);
  const theirs = await pmOk(['logs', 'reporter-pod-reporter']);
  assert.equal(theirs, mine);
  await pmOk(['kube', 'down', yaml]);
  // And glassbox plays its own manifest the same way.
  await ok(['kube', 'play', yaml]);
  assert.equal(await endedLogs('reporter-pod-reporter'), mine);
  await ok(['kube', 'down', yaml]);
  assert.deepEqual(sb.containerIds(), []);
});

test('a Pod from podman kube generate runs under glassbox kube play with the same env, command, port and limits', T, async () => {
  const port = await freePort();
  const www = join(sb.dir, 'www');
  mkdirSync(www);
  writeFileSync(join(www, 'index.html'), 'served-by-the-pod\n');
  await ok(['tag', 'glassbox/base', 'localhost/kubetest:1']);
  await pmOk(['tag', 'localhost/glassbox/base:latest', 'localhost/kubetest:1']);
  const cmd = 'echo "greeting=$GREETING other=$OTHER"; cat /sys/fs/cgroup/memory/memory.limit_in_bytes; cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us; exec httpd -f -p 8080 -h /www';
  await pmOk(['create', '--name', 'server', '-e', 'GREETING=hello', '-e', 'OTHER=x', '-p', `127.0.0.1:${port}:8080`, '--memory', '96m', '--cpus', '0.25', '-v', `${www}:/www:ro`, 'localhost/kubetest:1', 'sh', '-c', cmd]);
  const yaml = (await pmOk(['kube', 'generate', 'server'])).replace(/^/, '');
  await pmOk(['rm', 'server']);
  const file = join(sb.dir, 'server.yaml');
  writeFileSync(file, yaml);
  const plan = await ok(['kube', 'play', '--plan', file]);
  assert.match(plan, /Pod server-pod: the infra container server-pod-infra/);
  assert.match(plan, /Pod server-pod: container server \(server-pod-server\)/);
  assert.deepEqual(sb.containerIds(), [], 'the plan runs nothing');
  const out = await ok(['kube', 'play', file]);
  assert.match(out, /^Pod:\nserver-pod\nContainers:\nserver-pod-server\n/);
  const inspect = JSON.parse(await ok(['inspect', 'server-pod-server'])) as Array<{ Config: { Env: string[]; Cmd: string[] }; HostConfig: { Memory: number; NanoCpus: number } }>;
  const c = inspect[0]!;
  assert.ok(c.Config.Env.includes('GREETING=hello') && c.Config.Env.includes('OTHER=x'), String(c.Config.Env));
  assert.deepEqual(c.Config.Cmd, ['sh', '-c', cmd]);
  await until('the pod to serve', async () => {
    try {
      return (await (await fetch(`http://127.0.0.1:${port}/`)).text()) === 'served-by-the-pod\n';
    } catch {
      return false;
    }
  }, 30_000);
  assert.equal(await ok(['logs', 'server-pod-server']), `greeting=hello other=x\n${96 * 2 ** 20}\n25000\n`);
  // The port is the infra container's: the pod's network namespace is where it is published.
  assert.match(await ok(['port', 'server-pod-infra']), new RegExp(`8080/tcp -> 127\\.0\\.0\\.1:${port}`));
  // Played twice: refused while the pod is there, and nothing else is made.
  const again = await sb.gb(['kube', 'play', file]);
  assert.equal(again.code, 125);
  assert.match(again.stderr, /pod server-pod exists already .*kube down/);
  const down = await sb.gb(['kube', 'down', file]);
  assert.equal(down.code, 0, down.stderr);
  // The pod's containers first, the infra container (the network namespace they share) last, then the network.
  const removed = down.stderr.split('\n').filter((l) => l.endsWith('  Removed'));
  assert.deepEqual(removed, [' Container server-pod-server  Removed', ' Container server-pod-infra  Removed', ' Network kube-server-pod  Removed']);
  assert.deepEqual(sb.containerIds(), []);
  assert.ok(!networkRecords().includes('kube-server-pod'));
  const twice = await sb.gb(['kube', 'down', file]);
  assert.equal(twice.code, 0);
  assert.equal(twice.stdout + twice.stderr, '');
});

test('a compose project as one pod: its services share localhost and find each other by name; emptyDir and recipe pods', T, async () => {
  const dir = join(sb.dir, 'shop');
  cpSync(join(REPO, 'test', 'fixtures', 'kube-it', 'project'), dir, { recursive: true });
  const yaml = join(sb.dir, 'shop.yaml');
  await ok(['kube', 'generate', dir, '-f', yaml]);
  await ok(['kube', 'play', yaml]);
  await until('the client to reach web', async () => (await sb.gb(['exec', 'shop-client', 'cat', '/tmp/got'])).stdout === 'hello-from-web\n', 30_000);
  assert.equal(await ok(['logs', 'shop-client']), 'role=client\n');
  await ok(['kube', 'down', yaml]);
  // An emptyDir is a volume of the pod, shared by its containers, and goes with it.
  const pod = join(sb.dir, 'shared.yaml');
  writeFileSync(pod, `apiVersion: v1
kind: Pod
metadata: {name: shared}
spec:
  restartPolicy: Never
  volumes: [{name: scratch, emptyDir: {}}]
  containers:
  - {name: writer, image: glassbox/base, command: [sh, -c, "echo written > /s/note; exec sleep 1000"], volumeMounts: [{name: scratch, mountPath: /s}]}
  - {name: reader, image: glassbox/base, command: [sh, -c, "sleep 1; cat /r/note"], volumeMounts: [{name: scratch, mountPath: /r, readOnly: true}]}
`);
  await ok(['kube', 'play', pod]);
  assert.ok(volumes().includes('shared-scratch'));
  assert.equal(await endedLogs('shared-reader'), 'written\n');
  await ok(['kube', 'down', pod]);
  assert.ok(!volumes().includes('shared-scratch'));
  // A recipe file as a pod.
  const recipe = join(sb.dir, 'hello.yaml');
  writeFileSync(recipe, 'image: glassbox/base\ncommand: [echo, hello-recipe]\nenv: {A: b}\n');
  const text = await ok(['kube', 'generate', recipe]);
  assert.match(text, /name: hello\n/);
  assert.match(text, /args:\n\s+- echo\n\s+- hello-recipe\n/);
  assert.deepEqual(sb.containerIds(), []);
});

test('a bad manifest is refused at its line, exit 125, nothing made; kube down leaves nothing on the host', T, async () => {
  const bad = join(sb.dir, 'bad.yaml');
  writeFileSync(bad, 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n  - name: a\n    image: glassbox/base\n    livenessProbe: {exec: {command: ["true"]}}\n    resources: {limits: {memory: 64m}}\n');
  const r = await sb.gb(['kube', 'play', bad]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /bad\.yaml:8:5: spec\.containers\.0\.livenessProbe: unknown key "livenessProbe"/);
  assert.deepEqual(sb.containerIds(), []);
  assert.ok(!networkRecords().includes('kube-bad'));
  // A pod whose second container cannot start is taken down again: nothing of it stays.
  const half = join(sb.dir, 'half.yaml');
  writeFileSync(half, 'apiVersion: v1\nkind: Pod\nmetadata: {name: half}\nspec:\n  containers:\n  - {name: ok, image: glassbox/base, args: [sleep, "1000"]}\n  - {name: missing, image: no/such-image, imagePullPolicy: Never}\n');
  const h = await sb.gb(['kube', 'play', half]);
  assert.equal(h.code, 125, h.stderr);
  assert.match(h.stderr, /half\.yaml:7:28: image: image not found: no\/such-image/);
  assert.deepEqual(h.stderr.split('\n').filter((l) => l.endsWith('  Removed')), [' Container half-ok  Removed', ' Container half-infra  Removed', ' Network kube-half  Removed']);
  assert.deepEqual(sb.containerIds(), []);
  assert.ok(!networkRecords().includes('kube-half'));
  const gc = await sb.gb(['gc']);
  assert.equal(gc.code, 0, gc.stderr);
  sb.assertNoLeaks();
});
