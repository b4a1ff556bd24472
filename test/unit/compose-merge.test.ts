// The merge rules of several compose files (13-merge.md), on the canonical forms; and the JSON Schema file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { appendUnique, mergeFiles, mergeService, type Tags } from '../../lib/compose/merge.ts';
import type { FileModel, PartialService } from '../../lib/compose/normalise.ts';
import { composeJsonSchema } from '../../scripts/compose-schema.ts';

const file = (services: Record<string, PartialService | null>, extra: Partial<FileModel> = {}): FileModel => ({ file: 'f', services, networks: {}, volumes: {}, extensions: {}, ...extra });
const port = (published: string, target: number, host_ip?: string) => ({ mode: 'ingress' as const, ...(host_ip ? { host_ip } : {}), target, published, protocol: 'tcp' as const });
const dep = (condition: 'service_started' | 'service_healthy', required = true) => ({ condition, restart: false, required });

test('scalars: the later file wins; unset keys keep the earlier value', () => {
  assert.deepEqual(mergeService({ image: 'a', user: 'u' }, { image: 'b' }), { image: 'b', user: 'u' });
  assert.deepEqual(mergeService(null, { image: 'b' }), { image: 'b' });
  assert.deepEqual(mergeService({ image: 'a' }, null), { image: 'a' });
});

test('command and entrypoint are replaced, never appended', () => {
  assert.deepEqual(mergeService({ command: ['echo', 'foo'], entrypoint: ['/a'] }, { command: ['echo', 'bar'] }), { command: ['echo', 'bar'], entrypoint: ['/a'] });
  assert.deepEqual(mergeService({ command: ['x', 'y', 'z'] }, { command: ['q'] }).command, ['q']);
});

test('environment, labels, sysctls, ulimits: merged by key', () => {
  const m = mergeService(
    { environment: { A: '1', B: '2' }, labels: { l: '1' }, sysctls: { 'net.a': '1' }, ulimits: { nofile: { soft: 1, hard: 2 } } },
    { environment: { B: 'two', C: null }, labels: { m: '2' }, sysctls: { 'net.a': '9' }, ulimits: { nproc: { soft: 3, hard: 3 } } },
  );
  assert.deepEqual(m.environment, { A: '1', B: 'two', C: null });
  assert.deepEqual(m.labels, { l: '1', m: '2' });
  assert.deepEqual(m.sysctls, { 'net.a': '9' });
  assert.deepEqual(m.ulimits, { nofile: { soft: 1, hard: 2 }, nproc: { soft: 3, hard: 3 } });
});

test('ports: appended, unique by host ip, published, target and protocol', () => {
  const m = mergeService({ ports: [port('8080', 80), port('443', 443)] }, { ports: [port('8080', 80), port('8080', 80, '127.0.0.1'), port('9229', 9229)] });
  assert.deepEqual(m.ports, [port('8080', 80), port('443', 443), port('8080', 80, '127.0.0.1'), port('9229', 9229)]);
});

test('volumes: unique by target (the later file replaces the entry in place)', () => {
  const v = (source: string, target: string) => ({ type: 'volume' as const, source, target, read_only: false });
  const m = mergeService({ volumes: [v('foo', '/work'), v('logs', '/logs')] }, { volumes: [v('bar', '/work'), v('more', '/more')] });
  assert.deepEqual(m.volumes, [v('bar', '/work'), v('logs', '/logs'), v('more', '/more')]);
});

test('expose, dns, cap_add, extra_hosts, profiles: appended once each; env_file by path', () => {
  const m = mergeService(
    { expose: ['80'], dns: ['1.1.1.1'], cap_add: ['NET_ADMIN'], extra_hosts: ['a:1.2.3.4'], profiles: ['dev'], env_file: [{ path: '/a', required: true }] },
    { expose: ['80', '81'], dns: ['8.8.8.8', '1.1.1.1'], cap_add: ['NET_ADMIN', 'SYS_TIME'], extra_hosts: ['a:1.2.3.4', 'b:5.6.7.8'], profiles: ['dev', 'test'], env_file: [{ path: '/a', required: false }, { path: '/b', required: true }] },
  );
  assert.deepEqual(m.expose, ['80', '81']);
  assert.deepEqual(m.dns, ['1.1.1.1', '8.8.8.8']);
  assert.deepEqual(m.cap_add, ['NET_ADMIN', 'SYS_TIME']);
  assert.deepEqual(m.extra_hosts, ['a:1.2.3.4', 'b:5.6.7.8']);
  assert.deepEqual(m.profiles, ['dev', 'test']);
  assert.deepEqual(m.env_file, [{ path: '/a', required: false }, { path: '/b', required: true }]);
});

test('depends_on and networks merge by name; a dependency entry merges its fields', () => {
  const m = mergeService(
    { depends_on: { db: dep('service_started'), cache: dep('service_started') }, networks: { front: null, back: { aliases: ['x'] } } },
    { depends_on: { db: dep('service_healthy', false) }, networks: { back: null, admin: { aliases: ['adm'] } } },
  );
  assert.deepEqual(m.depends_on, { db: dep('service_healthy', false), cache: dep('service_started') });
  assert.deepEqual(m.networks, { front: null, back: { aliases: ['x'] }, admin: { aliases: ['adm'] } }, 'a null entry changes nothing');
});

test('healthcheck merges field by field, but its test is replaced', () => {
  const m = mergeService({ healthcheck: { test: ['CMD', 'a', 'b'], interval: 1000, retries: 3 } }, { healthcheck: { test: ['CMD-SHELL', 'c'], retries: 5 } });
  assert.deepEqual(m.healthcheck, { test: ['CMD-SHELL', 'c'], interval: 1000, retries: 5 });
  assert.deepEqual(mergeService({ limits: { memory: 1, cpus: 1 } }, { limits: { cpus: 2 } }).limits, { memory: 1, cpus: 2 });
});

test('!reset removes a value, !override replaces it without merging; files, networks, volumes, extensions', () => {
  const a = file({ web: { image: 'a', ports: [port('80', 80)], environment: { FOO: 'x', KEEP: 'y' }, dns: ['1.1.1.1'] } }, { networks: { n: { driver: 'bridge' } }, extensions: { 'x-a': 1 } });
  const b = file({ web: { ports: [], environment: { FOO: null }, dns: ['9.9.9.9'] }, other: { image: 'o' } }, { networks: { n: { internal: true } }, volumes: { v: {} }, extensions: { 'x-b': 2 }, name: 'p' });
  const tags: Tags = new Map([
    ['services.web.ports', 'reset'],
    ['services.web.environment.FOO', 'reset'],
    ['services.web.dns', 'override'],
  ]);
  const m = mergeFiles([{ model: a, tags: new Map() }, { model: b, tags }]);
  assert.deepEqual(m.services.web, { image: 'a', environment: { KEEP: 'y' }, dns: ['9.9.9.9'] });
  assert.deepEqual(Object.keys(m.services), ['web', 'other']);
  assert.deepEqual(m.networks, { n: { driver: 'bridge', internal: true } });
  assert.deepEqual(m.volumes, { v: {} });
  assert.deepEqual(m.extensions, { 'x-a': 1, 'x-b': 2 });
  assert.equal(m.name, 'p');
});

test('appendUnique keeps the first position of a key and the last value', () => {
  assert.deepEqual(appendUnique([1, 2, 3], [3, 4, 1]), [1, 2, 3, 4]);
  assert.deepEqual(appendUnique([{ k: 'a', v: 1 }], [{ k: 'a', v: 2 }], (x) => x.k), [{ k: 'a', v: 2 }]);
});

test('schemas/compose.schema.json is current (node --import tsx scripts/compose-schema.ts)', () => {
  const text = readFileSync(new URL('../../schemas/compose.schema.json', import.meta.url), 'utf8');
  assert.equal(text, composeJsonSchema());
  const schema = JSON.parse(text);
  const service = schema.properties.services.anyOf[0].additionalProperties.anyOf[0];
  assert.ok(service.properties.depends_on && service.properties.healthcheck && service.properties.deploy);
  assert.equal(service.additionalProperties, false);
  assert.deepEqual(service.patternProperties, { '^x-': {} });
});
