// The small planners the application layer asks instead of expanding blocks itself: the shell of learn mode's `s`
// key (lib/plan/shell.ts), a signal to PID 1 (lib/plan/signal.ts) and the removal of one network
// (lib/net/plan.ts). Each is checked against the exact commands the CLI and learn mode ran before they asked.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import { planNetworkRemoval } from '../../lib/net/plan.ts';
import { planShell } from '../../lib/plan/shell.ts';
import { planSignal } from '../../lib/plan/signal.ts';

const catalog = await loadCatalog();

test('planShell: the running container (through its mount of nsenter, or nsenter on PATH), the bound namespaces in their order, the directory', () => {
  const inside = planShell(catalog, { container: { pid1: 4242, nsenter: '/run/glassbox/c/bin/nsenter' } });
  assert.deepEqual(inside.step.argv, ['/run/glassbox/c/bin/nsenter', '--target=4242', '--all', '--root', '--wd', 'sh']);
  assert.equal(inside.cwd, undefined);
  assert.deepEqual(planShell(catalog, { container: { pid1: 7 } }).step.argv, ['nsenter', '--target=7', '--all', '--root', '--wd', 'sh']);
  const ns = planShell(catalog, { namespaces: [{ kind: 'uts', file: '/s/ns/uts' }, { kind: 'mount', file: '/s/ns/mount' }] });
  assert.deepEqual(ns.step.argv, ['nsenter', '--uts=/s/ns/uts', '--mount=/s/ns/mount', 'sh']);
  const here = planShell(catalog, { dir: '/var/lib/glassbox/containers/abc' });
  assert.deepEqual(here.step.argv, ['sh']);
  assert.equal(here.cwd, '/var/lib/glassbox/containers/abc');
  assert.match(here.step.title.en, /\/var\/lib\/glassbox\/containers\/abc/);
});

test('planSignal: kill -s NAME PID, with or without the SIG prefix', () => {
  assert.deepEqual(planSignal(catalog, 123, 'SIGTERM').argv, ['kill', '-s', 'TERM', '123']);
  assert.deepEqual(planSignal(catalog, 9, 'KILL').argv, ['kill', '-s', 'KILL', '9']);
  assert.equal(planSignal(catalog, 9, 'KILL').id, 'signal.send');
});

test("planNetworkRemoval: the net-gc block with the one network: its bridge, then each chain's jump and the chain", () => {
  const steps = planNetworkRemoval(catalog, { name: 'web', bridge: 'gb-0123abcd' });
  assert.deepEqual(steps.map((s) => s.id), ['network-rm.bridge-0', 'network-rm.unjump-nat-0', 'network-rm.chain-nat-0', 'network-rm.unjump-filter-0', 'network-rm.chain-filter-0']);
  assert.deepEqual(steps[0]!.argv, ['ip', 'link', 'del', 'gb-0123abcd']);
  assert.deepEqual(steps[1]!.argv!.slice(-4), ['--comment', 'glassbox:net:web', '-j', 'GLASSBOX-gb-0123abcd']);
  assert.equal(steps[2]!.stdin, '*nat\n-F GLASSBOX-gb-0123abcd\n-X GLASSBOX-gb-0123abcd\nCOMMIT\n');
});
