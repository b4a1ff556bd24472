// Unit tests of the reliability pieces that need no root: the failpoint syntax, the kernel-state probe's parsers
// and what it says is missing, claims that name their maker, and defensive reading of damaged state files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFailpoint } from '../../lib/exec/failpoint.ts';
import { baseJumps, hasRule, parseIpJson, sharedComplete, sharedMissing, type NetState } from '../../lib/net/probe.ts';
import { claimMaker, claimPort, claimOwner } from '../../lib/net/store.ts';
import { claimContainer, listIds, readState, selfOwner } from '../../lib/state/containers.ts';
import { readJournal } from '../../lib/state/journal.ts';
import { damagedView } from '../../lib/state/lifecycle.ts';

const ID = 'c0ffee'.repeat(10) + 'c0ff';

function tmpRoots() {
  const d = mkdtempSync(join(tmpdir(), 'gb-rel-unit-'));
  return { r: { root: join(d, 'root'), run: join(d, 'run') }, done: () => rmSync(d, { recursive: true, force: true }) };
}

test('failpoint: step:N:moment:SIGNAL and step:N:fail; anything else is no failpoint', () => {
  assert.deepEqual(parseFailpoint('step:12:during:SIGKILL'), { step: 12, moment: 'during', signal: 'SIGKILL' });
  assert.deepEqual(parseFailpoint('step:3:fail'), { step: 3, moment: 'fail' });
  for (const bad of [undefined, '', 'step:x:before:SIGKILL', 'step:1:sometime:SIGKILL', 'step:1:before:kill', 'step:1:before']) assert.equal(parseFailpoint(bad), undefined, String(bad));
});

const IP_JSON = JSON.stringify([
  { ifname: 'lo', flags: ['LOOPBACK', 'UP'], addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
  { ifname: 'gb0', flags: ['BROADCAST', 'UP'], linkinfo: { info_kind: 'bridge' }, addr_info: [{ family: 'inet', local: '172.29.0.1', prefixlen: 16 }, { family: 'inet6', local: 'fe80::1', prefixlen: 64 }] },
  { ifname: 'gb0123456789ab', master: 'gb0', flags: ['UP'], linkinfo: { info_kind: 'veth' }, addr_info: [] },
]);
const SAVE = `*nat
:PREROUTING ACCEPT [0:0]
:GLASSBOX-DNAT - [0:0]
:GLASSBOX-POSTROUTING - [0:0]
:GLASSBOX-gb0 - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment glassbox -j GLASSBOX-DNAT
-A POSTROUTING -m comment --comment glassbox -j GLASSBOX-POSTROUTING
-A GLASSBOX-POSTROUTING -m comment --comment "glassbox:net:bridge" -j GLASSBOX-gb0
COMMIT
*filter
:GLASSBOX-FORWARD - [0:0]
:GLASSBOX-gb0 - [0:0]
-A FORWARD -m comment --comment glassbox -j GLASSBOX-FORWARD
COMMIT
`;

test('probe: links, bridge ports and IPv4 addresses from ip -d -j addr show', () => {
  const links = parseIpJson(IP_JSON);
  assert.deepEqual(links.get('gb0'), { name: 'gb0', kind: 'bridge', up: true, addrs: ['172.29.0.1/16'] });
  assert.equal(links.get('gb0123456789ab')?.master, 'gb0');
  assert.equal(parseIpJson('not json').size, 0);
});

test('probe: what is missing is read from the kernel, not assumed (a lost jump, a gone bridge)', () => {
  const s: NetState = { links: parseIpJson(IP_JSON), rules: SAVE, rulesOk: true };
  const m = sharedMissing(s, { name: 'bridge', bridge: 'gb0', gatewayCidr: '172.29.0.1/16' });
  assert.equal(m.jumps.output, true, 'the OUTPUT jump is missing');
  assert.equal(m.jumps.prerouting, false);
  assert.equal(m.netFilterJump, true, 'GLASSBOX-FORWARD has no jump to GLASSBOX-gb0');
  assert.equal(m.netNatJump, false, 'the quoted comment still matches');
  assert.equal(m.bridge, false);
  assert.equal(sharedComplete(m), false);
  const gone = sharedMissing({ ...s, links: new Map() }, { name: 'bridge', bridge: 'gb0', gatewayCidr: '172.29.0.1/16' });
  assert.deepEqual([gone.bridge, gone.addr, gone.up], [true, true, true]);
  assert.ok(hasRule(SAVE, 'nat', 'GLASSBOX-POSTROUTING -m comment --comment glassbox:net:bridge -j GLASSBOX-gb0'));
  assert.deepEqual(baseJumps(SAVE).map((j) => j.table), ['nat', 'nat', 'filter']);
});

test('claims name their maker (PID, start time, boot ID) and are written whole', () => {
  const { r, done } = tmpRoots();
  try {
    const owner = selfOwner('boot-1');
    const { claim } = claimPort(r, { proto: 'tcp', port: 18900, id: ID, dry: false, owner });
    assert.equal(claimOwner(claim.file), ID);
    assert.deepEqual(claimMaker(claim.file), owner);
    assert.deepEqual(readdirSync(r.root).sort(), ['ports'], 'no temporary file is left beside the claims');
    assert.throws(() => claimPort(r, { proto: 'tcp', port: 18900, id: ID, dry: false, owner }), /already published/);
  } finally {
    done();
  }
});

test('damaged state: truncated, garbage, foreign or another container\'s state.json is no state; the journal likewise', () => {
  const { r, done } = tmpRoots();
  try {
    const dir = claimContainer(r, ID, 'hurt', { 'state.json': JSON.stringify({ id: ID, name: 'hurt', image: 'i', command: ['sh'], created: '2026-01-01T00:00:00Z', status: 'running' }) });
    assert.equal(readState(r, ID)?.name, 'hurt');
    assert.deepEqual(listIds(r), [ID], 'the directory appeared with its state, under its own name only');
    for (const text of ['{"id":', '\u0000garbage', JSON.stringify({ version: 9, id: ID, name: 'x', image: '', command: [], created: '', status: 'running' }), JSON.stringify({ id: 'other', name: 'x', image: '', command: [], created: '', status: 'running' })]) {
      writeFileSync(join(dir, 'state.json'), text);
      assert.equal(readState(r, ID), undefined, text);
    }
    const v = damagedView(r, ID);
    assert.deepEqual([v.status, v.name], ['damaged', 'hurt']);
    mkdirSync(join(dir, 'x'));
    for (const text of ['{', 'null', '{"version":2,"entries":[]}', '{"version":1,"entries":[{"undo":"rm -rf /"}]}']) {
      writeFileSync(join(dir, 'journal.json'), text);
      assert.equal(readJournal(join(dir, 'journal.json')), undefined, text);
    }
  } finally {
    done();
  }
});
