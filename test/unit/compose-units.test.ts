// The small formats: durations, sizes, ports, short volumes, shell words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseBytes, parseDuration, parsePortShort, parseVolumeShort, splitShellWords } from '../../lib/compose/units.ts';

test('durations as Go parses them, and back', () => {
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('10'), 'invalid duration "10"');
  assert.equal(parseDuration('10 s'), 'invalid duration "10 s"');
  assert.equal(parseDuration('1x'), 'invalid duration "1x"');
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(500), '500ms');
  assert.equal(formatDuration(3_600_000), '1h0m0s');
  assert.equal(formatDuration(10_000), '10s');
});

test('byte sizes are binary, like docker', () => {
  assert.equal(parseBytes('512m'), 512 * 1024 ** 2);
  assert.equal(parseBytes('1g'), 1024 ** 3);
  assert.equal(parseBytes('1GB'), 1024 ** 3);
  assert.equal(parseBytes('64k'), 65536);
  assert.equal(parseBytes('100'), 100);
  assert.equal(parseBytes(2048), 2048);
  assert.equal(parseBytes('1.5g'), 1.5 * 1024 ** 3);
  assert.equal(parseBytes('lots'), 'invalid size "lots"');
});

test('short ports', () => {
  const p = (target: number, published?: string, extra: object = {}) => ({ mode: 'ingress', ...extra, target, ...(published ? { published } : {}), protocol: 'tcp', ...('protocol' in extra ? extra : {}) });
  assert.deepEqual(parsePortShort('80'), [p(80)]);
  assert.deepEqual(parsePortShort('8080:80'), [p(80, '8080')]);
  assert.deepEqual(parsePortShort('127.0.0.1:8080:80'), [p(80, '8080', { host_ip: '127.0.0.1' })]);
  assert.deepEqual(parsePortShort('127.0.0.1:8080:80/udp'), [{ mode: 'ingress', host_ip: '127.0.0.1', target: 80, published: '8080', protocol: 'udp' }]);
  assert.deepEqual(parsePortShort('127.0.0.1::80'), [p(80, undefined, { host_ip: '127.0.0.1' })]);
  assert.deepEqual(parsePortShort('[::1]:8080:80'), [p(80, '8080', { host_ip: '::1' })]);
  assert.deepEqual(parsePortShort('8000-8001:80-81'), [p(80, '8000'), p(81, '8001')]);
  assert.deepEqual(parsePortShort('3000-3001'), [p(3000), p(3001)]);
  assert.deepEqual(parsePortShort('9090-9091:8080'), [p(8080, '9090-9091')]);
  assert.equal(parsePortShort('8000-8002:80-81'), 'the published range 8000-8002 and the container range 80-81 differ in size in "8000-8002:80-81"');
  assert.equal(parsePortShort('80/icmp'), 'invalid port "80/icmp"');
  assert.equal(parsePortShort('0'), 'invalid container port range "0" in "0"');
  assert.equal(parsePortShort('http'), 'invalid port "http"');
});

test('short volumes', () => {
  assert.deepEqual(parseVolumeShort('/data'), { type: 'volume', target: '/data', read_only: false });
  assert.deepEqual(parseVolumeShort('db:/var/lib/db'), { type: 'volume', source: 'db', target: '/var/lib/db', read_only: false });
  assert.deepEqual(parseVolumeShort('./src:/src:ro'), { type: 'bind', source: './src', target: '/src', read_only: true, bind: { create_host_path: true } });
  assert.deepEqual(parseVolumeShort('/host:/c:rw,z'), { type: 'bind', source: '/host', target: '/c', read_only: false, bind: { create_host_path: true, selinux: 'z' } });
  assert.deepEqual(parseVolumeShort('~/x:/x:rshared'), { type: 'bind', source: '~/x', target: '/x', read_only: false, bind: { create_host_path: true, propagation: 'rshared' } });
  assert.deepEqual(parseVolumeShort('cache:/c:nocopy'), { type: 'volume', source: 'cache', target: '/c', read_only: false, volume: { nocopy: true } });
  assert.equal(parseVolumeShort('data'), 'invalid volume "data": the target must be an absolute path');
  assert.equal(parseVolumeShort('a:b'), 'invalid volume "a:b": the target must be an absolute path');
  assert.equal(parseVolumeShort('/a:/b:bogus'), 'invalid volume "/a:/b:bogus": unknown mode "bogus" (ro, rw, z, Z, nocopy or a propagation)');
});

test('command strings split into words without a shell', () => {
  assert.deepEqual(splitShellWords('redis-server --appendonly yes'), ['redis-server', '--appendonly', 'yes']);
  assert.deepEqual(splitShellWords(`sh -c "echo 'hi there'; exit 3"`), ['sh', '-c', "echo 'hi there'; exit 3"]);
  assert.deepEqual(splitShellWords(`echo a\\ b '' "\\$HOME"`), ['echo', 'a b', '', '$HOME']);
  assert.deepEqual(splitShellWords('  '), []);
  assert.equal(splitShellWords('echo "open'), 'unterminated " quote in "echo "open"');
});
