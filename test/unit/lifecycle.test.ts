// Container state as ps, stop, rm and gc read it (lib/state/lifecycle.ts), against a temporary state root: how
// names and ID prefixes resolve, and how state.json, the monitor's exit file and `done` marker and the owner's
// liveness combine into one status. No root, no containers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlassboxError } from '../../lib/errors.ts';
import { selfOwner, type ContainerState } from '../../lib/state/containers.ts';
import { listViews, resolveContainer, viewOf } from '../../lib/state/lifecycle.ts';

const BOOT = 'boot-1';
const A = 'abc1' + '0'.repeat(60);
const B = 'abc2' + '0'.repeat(60);

function world() {
  const dir = mkdtempSync(join(tmpdir(), 'gb-life-'));
  const r = { root: join(dir, 'root'), run: join(dir, 'run') };
  mkdirSync(join(r.root, 'names'), { recursive: true });
  const add = (id: string, name: string, s: Partial<ContainerState> = {}) => {
    mkdirSync(join(r.root, 'containers', id), { recursive: true });
    symlinkSync(`../containers/${id}`, join(r.root, 'names', name));
    const state: ContainerState = { id, name, image: 'img', command: ['sleep', '1'], created: new Date().toISOString(), status: 'running', pid: 4242, detached: true, ...s };
    writeFileSync(join(r.root, 'containers', id, 'state.json'), JSON.stringify(state));
    return state;
  };
  return { dir, r, add, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('resolveContainer: full ID, name, unique prefix; ambiguous and unknown refs are clear errors', () => {
  const w = world();
  try {
    w.add(A, 'web');
    w.add(B, 'db');
    assert.equal(resolveContainer(w.r, A), A);
    assert.equal(resolveContainer(w.r, 'web'), A);
    assert.equal(resolveContainer(w.r, 'abc2'), B);
    assert.throws(() => resolveContainer(w.r, 'abc'), (e: unknown) => e instanceof GlassboxError && e.exitCode === 125 && /multiple IDs found with provided prefix: abc/.test(e.message));
    assert.throws(() => resolveContainer(w.r, 'nope'), /No such container: nope/);
    assert.throws(() => resolveContainer(w.r, 'ABC1'), /No such container/);
  } finally {
    w.done();
  }
});

test('viewOf: running while the owner lives; dead when it is gone or the boot changed; exited N from the exit file', () => {
  const w = world();
  try {
    const me = selfOwner(BOOT);
    const live = w.add(A, 'web', { owner: me, monitor: me });
    assert.equal(viewOf(w.r, live, BOOT).status, 'running');
    assert.equal(viewOf(w.r, live, 'boot-2').status, 'dead', 'after a reboot');
    const gone = w.add(B, 'db', { owner: { pid: 999_999_999, start: '1', boot: BOOT } });
    assert.equal(viewOf(w.r, gone, BOOT).status, 'dead');
    writeFileSync(join(w.r.root, 'containers', B, 'exit'), '3\n');
    const v = viewOf(w.r, gone, BOOT);
    assert.equal(v.status, 'removing', 'exit recorded, undos still running');
    assert.equal(v.exitCode, 3);
    assert.equal(v.pid, undefined);
    writeFileSync(join(w.r.root, 'containers', B, 'done'), '');
    assert.equal(viewOf(w.r, gone, BOOT).status, 'exited');
    assert.equal(viewOf(w.r, gone, BOOT).released, true);
    assert.deepEqual(listViews(w.r, BOOT).map((x) => x.name).sort(), ['db', 'web']);
  } finally {
    w.done();
  }
});

