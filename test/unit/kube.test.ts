// Kubernetes Pod manifests, pure: the strict schema's refusals at file:line:col (unknown fields, kinds, bad
// quantities), a Pod and a Deployment turned into run requests (the infra container with the pod's network, ports,
// hosts and DNS; the containers joining it with their limits, users, capabilities and volumes), what a pod cannot
// be refused at its field, quantities both ways, and generate → YAML → play giving back what the specs said: the
// requests pass through specFromFlags, the spec builder `run` uses. No root, no kernel.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { GlassboxError, GlassboxErrors } from '../../lib/errors.ts';
import { generatePod, renderPod } from '../../lib/kube/generate.ts';
import { parseManifest } from '../../lib/kube/load.ts';
import { KUBE_LABEL, podRun } from '../../lib/kube/pod-run.ts';
import { cpuCores, formatCpu, formatMemory, memoryBytes, sharesOf } from '../../lib/kube/quantity.ts';
import { specFromFlags } from '../../lib/recipe/flags.ts';

// The formatted messages of what a manifest's load (or its run requests) throws.
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof GlassboxErrors) return e.errors.map((x) => x.format());
    if (e instanceof GlassboxError) return [e.format()];
    throw e;
  }
  assert.fail('expected an error');
}

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  restartPolicy: OnFailure
  hostname: webhost
  hostAliases:
  - ip: 10.0.0.5
    hostnames: [db, db.local]
  dnsConfig:
    nameservers: [10.0.0.53]
  terminationGracePeriodSeconds: 3
  volumes:
  - name: data
    hostPath: {path: /srv/data, type: Directory}
  - name: scratch
    emptyDir: {}
  - name: fast
    emptyDir: {medium: Memory, sizeLimit: 16Mi}
  - name: store
    persistentVolumeClaim: {claimName: webstore}
  containers:
  - name: server
    image: glassbox/base
    command: [httpd]
    args: [-f, -p, "8080"]
    env:
    - {name: GREETING, value: hello}
    - {name: EMPTY}
    workingDir: /srv
    ports:
    - {containerPort: 8080, hostPort: 18080, hostIP: 127.0.0.1}
    - {containerPort: 53, hostPort: 10053, protocol: UDP}
    - {containerPort: 9090}
    resources:
      limits: {cpu: 500m, memory: 64Mi}
      requests: {cpu: 250m}
    securityContext:
      runAsUser: 1000
      runAsGroup: 1000
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {add: [CAP_NET_ADMIN], drop: [CHOWN]}
    volumeMounts:
    - {name: data, mountPath: /data, readOnly: true}
    - {name: scratch, mountPath: /scratch}
    - {name: fast, mountPath: /fast}
    - {name: store, mountPath: /store}
  - name: sidecar
    image: glassbox/base
    args: [sleep, "1000"]
    volumeMounts:
    - {name: scratch, mountPath: /shared}
`;

test('a Pod becomes an infra container holding its network and containers joining it', () => {
  const [pod] = parseManifest(POD, 'pod.yaml');
  const run = podRun(pod!);
  assert.equal(run.pod, 'web');
  assert.equal(run.network, 'kube-web');
  assert.deepEqual(run.emptyDirs, ['web-scratch']);
  assert.deepEqual(run.claims, ['webstore']);
  const infra = run.infra!;
  assert.equal(infra.name, 'web-infra');
  assert.deepEqual(infra.command, ['sleep', 'infinity']);
  assert.equal(infra.flags.network, 'kube-web');
  assert.equal(infra.flags.init, true);
  assert.equal(infra.flags.hostname, 'webhost');
  // Only ports with a hostPort are published, on the infra container (the pod's network namespace).
  assert.deepEqual(infra.flags.publish, ['127.0.0.1:18080:8080/tcp', '10053:53/udp']);
  assert.deepEqual(infra.flags.addHost, ['db:10.0.0.5', 'db.local:10.0.0.5']);
  assert.deepEqual(infra.flags.dns, ['10.0.0.53']);
  assert.ok(infra.flags.label!.includes(`${KUBE_LABEL.pod}=web`) && infra.flags.label!.includes(`${KUBE_LABEL.infra}=true`));
  const [server, sidecar] = run.containers;
  assert.equal(server!.name, 'web-server');
  assert.deepEqual(server!.base.entrypoint, ['httpd']);
  assert.deepEqual(server!.command, ['-f', '-p', '8080']);
  const f = server!.flags;
  assert.equal(f.network, 'container:web-infra');
  assert.equal(f.hostname, 'webhost');
  assert.deepEqual(f.env, ['GREETING=hello', 'EMPTY=']);
  assert.equal(f.workdir, '/srv');
  assert.equal(f.memory, String(64 * 2 ** 20));
  assert.equal(f.cpus, '0.5');
  assert.equal(f.cpuShares, '256');
  assert.equal(f.user, '1000:1000');
  assert.equal(f.readOnly, true);
  assert.deepEqual(f.securityOpt, ['no-new-privileges=true']);
  assert.deepEqual(f.capAdd, ['NET_ADMIN']);
  assert.deepEqual(f.capDrop, ['CHOWN']);
  assert.equal(f.restart, 'on-failure');
  assert.equal(f.stopTimeout, '3');
  assert.deepEqual(f.mount, ['type=bind,source=/srv/data,target=/data,readonly', 'type=volume,source=web-scratch,target=/scratch', 'type=volume,source=webstore,target=/store']);
  assert.deepEqual(f.tmpfs, [`/fast:size=${16 * 2 ** 20}`]);
  assert.ok(f.label!.includes('app=web') && f.label!.includes(`${KUBE_LABEL.container}=server`));
  // args without command: the image's entrypoint stays, the args replace its Cmd.
  assert.equal(sidecar!.base.entrypoint, undefined);
  assert.deepEqual(sidecar!.command, ['sleep', '1000']);
  // The requests are ones `run` accepts.
  for (const m of [infra, ...run.containers]) specFromFlags(m.base, undefined, m.command, m.flags);
  const spec = specFromFlags(server!.base, undefined, server!.command, server!.flags);
  assert.equal(spec.resources?.memory, 64 * 2 ** 20);
  assert.equal(spec.network?.mode, 'container');
  assert.equal(spec.network?.target, 'web-infra');
});

test('a Deployment is played as its Pod template, named <deployment>-pod; two replicas are refused', () => {
  const dep = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, labels: {tier: back}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - {name: main, image: glassbox/base, args: ["true"]}
`;
  const [pod] = parseManifest(dep(1), 'dep.yaml');
  assert.equal(pod!.name, 'api-pod');
  assert.deepEqual(pod!.labels, { tier: 'back', app: 'api' });
  assert.equal(podRun(pod!).containers[0]!.name, 'api-pod-main');
  assert.deepEqual(problems(() => parseManifest(dep(2), 'dep.yaml')), ['dep.yaml:5:13: spec.replicas: glassbox runs one replica of a Deployment (as podman kube play does) (one of: 1)']);
});

test('several documents, podman\'s own fields (annotations, creationTimestamp, CAP_ names) are read', () => {
  const text = `# Created with podman-4.3.1
---
apiVersion: v1
kind: Pod
metadata:
  annotations:
    io.podman.annotations.init/web: "TRUE"
    io.kubernetes.cri-o.TTY/web: "false"
  creationTimestamp: "2026-12-04T20:06:42Z"
  labels: {app: web-pod}
  name: web-pod
spec:
  automountServiceAccountToken: false
  enableServiceLinks: false
  containers:
  - name: web
    image: localhost/kubetest:1
    command: [sh, -c, echo hi]
    stdin: false
    tty: false
    securityContext:
      capabilities: {add: [CAP_NET_ADMIN], drop: [CAP_CHOWN]}
  volumes: []
status: {}
---
apiVersion: v1
kind: Pod
metadata: {name: second}
spec:
  containers: [{name: c, image: glassbox/base}]
`;
  const pods = parseManifest(text, 'podman.yaml');
  assert.deepEqual(pods.map((p) => p.name), ['web-pod', 'second']);
  const web = podRun(pods[0]!).containers[0]!;
  assert.equal(web.flags.init, true);
  assert.deepEqual(web.flags.capAdd, ['NET_ADMIN']);
  assert.deepEqual(web.flags.capDrop, ['CHOWN']);
  assert.deepEqual(web.base.entrypoint, ['sh', '-c', 'echo hi']);
  assert.deepEqual(web.command, []);
});

test('unsupported fields and kinds are errors at file:line:col naming the field, all of them at once', () => {
  const text = `apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  initContainers: []
  containers:
  - name: a
    image: glassbox/base
    livenessProbe: {exec: {command: ["true"]}}
    env:
    - name: X
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    stdin: true
---
apiVersion: v1
kind: Service
metadata: {name: s}
`;
  assert.deepEqual(problems(() => parseManifest(text, 'bad.yaml')), [
    'bad.yaml:5:3: spec.initContainers: unknown key "initContainers" in the Pod (did you mean "containers"?)',
    'bad.yaml:9:5: spec.containers.0.livenessProbe: unknown key "livenessProbe" in the Pod (known keys: name, image, command, args, env, workingDir, ports, volumeMounts, resources, securityContext, imagePullPolicy, stdin, tty)',
    'bad.yaml:12:7: spec.containers.0.env.0.valueFrom: unknown key "valueFrom" in the Pod (known keys: name, value)',
    "bad.yaml:13:12: spec.containers.0.stdin: a pod's containers run detached here: stdin: true is not supported (one of: false)",
    'bad.yaml:16:7: kind: kind Service is not supported (glassbox kube play runs Pods and Deployments)',
  ]);
  assert.match(problems(() => podRun(parseManifest('apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - {name: a, image: i}\n  - {name: a, image: i}\n', 'two.yaml')[0]!))[0]!, /^two\.yaml:7:12: spec\.containers\.1\.name: two containers are named a/);
});

test('meaning the schema cannot see is refused at its field: quantities, volumes, users, shared tmpfs', () => {
  const pod = (containers: string, volumes = '') => parseManifest(`apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n${containers}${volumes}`, 'p.yaml')[0]!;
  assert.deepEqual(problems(() => podRun(pod('  - name: a\n    image: i\n    resources: {limits: {memory: 64m, cpu: lots}, requests: {memory: 1Gi}}\n'))), [
    'p.yaml:8:34: spec.containers.0.resources.limits.memory: memory 64m is less than one byte',
    'p.yaml:8:44: spec.containers.0.resources.limits.cpu: "lots" is not a Kubernetes quantity (like 500m, 1.5, 64Mi or 1G)',
    'p.yaml:8:70: spec.containers.0.resources.requests.memory: a memory request (a reservation) is not supported (give a limit instead: resources.limits.memory)',
  ]);
  assert.deepEqual(problems(() => podRun(pod('  - name: a\n    image: i\n    volumeMounts: [{name: nope, mountPath: /x}]\n    securityContext: {runAsGroup: 5}\n'))), [
    'p.yaml:8:27: spec.containers.0.volumeMounts.0.name: no volume named nope (declare it under spec.volumes)',
    'p.yaml:9:35: spec.containers.0.securityContext.runAsGroup: runAsGroup without runAsUser is not supported (give runAsUser too (glassbox takes --user UID:GID))',
  ]);
  const shared = '  - {name: a, image: i, volumeMounts: [{name: m, mountPath: /m}]}\n  - {name: b, image: i, volumeMounts: [{name: m, mountPath: /m}]}\n';
  assert.match(problems(() => podRun(pod(shared, '  volumes:\n  - {name: m, emptyDir: {medium: Memory}}\n')))[0]!, /^p\.yaml:9:34: spec\.volumes\.0\.emptyDir\.medium: volume m: a Memory emptyDir is a tmpfs of one container here, and 2 containers mount it/);
  assert.match(problems(() => podRun(pod('  - {name: a, image: i}\n', '  volumes:\n  - {name: m, hostPath: {path: /x}, emptyDir: {}}\n')))[0]!, /give exactly one of hostPath, emptyDir, persistentVolumeClaim/);
});

test('quantities: Kubernetes units both ways', () => {
  assert.equal(memoryBytes('64Mi'), 67108864);
  assert.equal(memoryBytes('1G'), 1e9);
  assert.equal(memoryBytes('129e6'), 129e6);
  assert.equal(memoryBytes(1024), 1024);
  assert.equal(cpuCores('500m'), 0.5);
  assert.equal(cpuCores('1.5'), 1.5);
  assert.equal(cpuCores(2), 2);
  assert.equal(formatMemory(67108864), '64Mi');
  assert.equal(formatMemory(1536 * 2 ** 20), '1536Mi');
  assert.equal(formatMemory(1000), '1000');
  assert.equal(formatCpu(0.5), '500m');
  assert.equal(formatCpu(2), '2');
  assert.equal(sharesOf(0.25), 256);
  assert.equal(sharesOf(0.001), 2);
});

test('generate writes the specs as a Pod, and playing that Pod asks for the same container', () => {
  const spec = specFromFlags(undefined, 'glassbox/base', ['sh', '-c', 'echo hi'], {
    name: 'web', hostname: 'webhost', env: ['GREETING=hi'], workdir: '/tmp', publish: ['127.0.0.1:18080:80'], memory: '64m', cpus: '0.5',
    capAdd: ['NET_ADMIN'], capDrop: ['CHOWN'], user: '1000:1000', volume: ['/srv/data:/data:ro', 'cache:/cache', '/anon'], tmpfs: ['/run:size=8m'],
    restart: 'always', addHost: ['db:10.0.0.5'], dns: ['10.0.0.53'], init: true, readOnly: true, label: ['owner=me'],
  });
  const obj = generatePod({ pod: 'web-pod', members: [{ name: 'web', spec }] });
  const text = renderPod(obj, 'container web', '0.0.0');
  assert.match(text, /^# Generated by glassbox 0\.0\.0 from container web\./);
  const back = parse(text) as { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> & { containers: Array<Record<string, unknown>> } };
  assert.deepEqual(back.metadata.annotations, { 'io.podman.annotations.init/web': 'TRUE', owner: 'me' });
  assert.equal(back.spec.restartPolicy, 'Always');
  assert.equal(back.spec.hostname, 'webhost');
  assert.deepEqual(back.spec.hostAliases, [{ ip: '10.0.0.5', hostnames: ['db'] }]);
  assert.deepEqual(back.spec.dnsConfig, { nameservers: ['10.0.0.53'] });
  const c = back.spec.containers[0]!;
  assert.equal(c.image, 'glassbox/base');
  assert.equal(c.command, undefined);
  assert.deepEqual(c.args, ['sh', '-c', 'echo hi']);
  assert.deepEqual(c.ports, [{ containerPort: 80, hostPort: 18080, hostIP: '127.0.0.1' }]);
  assert.deepEqual(c.resources, { limits: { cpu: '500m', memory: '64Mi' } });
  assert.deepEqual(c.securityContext, { capabilities: { add: ['NET_ADMIN'], drop: ['CHOWN'] }, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsUser: 1000, runAsGroup: 1000 });
  assert.deepEqual(back.spec.volumes, [
    { name: 'srv-data-host', hostPath: { path: '/srv/data' } },
    { name: 'cache-pvc', persistentVolumeClaim: { claimName: 'cache' } },
    { name: 'web-anon', emptyDir: {} },
    { name: 'web-run-tmpfs', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
  ]);
  // Played back: the same container, joined to its pod's infra container.
  const run = podRun(parseManifest(text, 'web.yaml')[0]!);
  const again = specFromFlags(run.containers[0]!.base, undefined, run.containers[0]!.command, run.containers[0]!.flags);
  assert.deepEqual(again.command, spec.command);
  assert.deepEqual(again.env, spec.env);
  assert.equal(again.workdir, spec.workdir);
  assert.equal(again.user, spec.user);
  assert.equal(again.hostname, spec.hostname);
  assert.equal(again.init, true);
  assert.equal(again.readOnly, true);
  assert.deepEqual(again.resources, spec.resources);
  assert.deepEqual(again.security?.capAdd, spec.security?.capAdd);
  assert.deepEqual(again.restart, spec.restart);
  assert.deepEqual(run.infra!.flags.publish, ['127.0.0.1:18080:80/tcp']);
  assert.deepEqual(run.infra!.flags.addHost, ['db:10.0.0.5']);
  assert.deepEqual(again.volumes.map((v) => [v.type, v.target]), [['bind', '/data'], ['volume', '/cache'], ['volume', '/anon'], ['tmpfs', '/run']]);
});

test('generate refuses what a Pod cannot say, naming the field; the containers of a pod must agree on pod fields', () => {
  const spec = specFromFlags(undefined, 'glassbox/base', [], { healthCmd: 'true', stopSignal: 'SIGINT', ulimit: ['nofile=10:10'], publish: ['80'], user: 'nobody' });
  assert.deepEqual(problems(() => generatePod({ pod: 'p', members: [{ name: 'c', spec }] })), [
    'ports: container c: a port published on a host port chosen at run time (-p CONTAINER) has no hostPort to write (publish it on a fixed host port: -p HOST:CONTAINER)',
    'user: container c: the user "nobody" is a name; a pod gives numeric IDs (give --user UID[:GID])',
    'healthcheck: container c: a health check has no Pod field glassbox writes (drop healthcheck to generate a pod)',
    'stop_signal: container c: a stop signal has no Pod field glassbox writes (drop stop_signal to generate a pod)',
    'ulimits: container c: ulimits has no Pod field glassbox writes (drop ulimits to generate a pod)',
  ]);
  const a = specFromFlags(undefined, 'i', [], { restart: 'always' });
  const b = specFromFlags(undefined, 'i', [], {});
  assert.deepEqual(problems(() => generatePod({ pod: 'p', members: [{ name: 'a', spec: a }, { name: 'b', spec: b }] })), ['restart: p: the containers disagree ("Always" vs "Never"); a pod has one (make them the same, or generate one pod per container)']);
});

test('a compose project is generated as one pod: a container per service in start order, service names on localhost', async () => {
  const { generateSource } = await import('../../lib/kube/sources.ts');
  const dir = new URL('../fixtures/kube-it/project/', import.meta.url).pathname;
  const src = await generateSource(dir);
  assert.equal(src.what, 'compose project project');
  const pod = generatePod(src.input) as { metadata: { name: string; annotations?: unknown }; spec: { containers: Array<{ name: string; env: unknown; args: string[] }>; hostAliases: unknown } };
  assert.equal(pod.metadata.name, 'project');
  assert.equal(pod.metadata.annotations, undefined, "compose's own labels are not the user's");
  assert.deepEqual(pod.spec.containers.map((c) => c.name), ['web', 'client']);
  assert.deepEqual(pod.spec.containers[1]!.env, [{ name: 'ROLE', value: 'client' }]);
  assert.match(pod.spec.containers[1]!.args[2]!, /echo role=\$ROLE/);
  assert.deepEqual(pod.spec.hostAliases, [{ ip: '127.0.0.1', hostnames: ['web', 'client'] }]);
});
