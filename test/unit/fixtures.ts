// A prepared container for planner tests, written out by hand (no image, no file read): the hello container with
// two image layers, a shell command and its own host name, under the given roots. Tests override what they vary
// (an `id` override also moves the paths).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PreparedContainer } from '../../lib/plan/planner.ts';
import { containerPaths } from '../../lib/state/paths.ts';

export const ID = '0123456789abcdef'.repeat(4);

// The hello container under `roots`, with `over` applied on top.
export function helloContainer(roots: { root: string; run: string }, over: Partial<PreparedContainer> = {}): PreparedContainer {
  const id = over.id ?? ID;
  return {
    id,
    name: 'hello',
    imageRef: 'glassbox/base:latest',
    lowerDirs: [`${roots.root}/layers/1111/diff`, `${roots.root}/layers/2222/diff`],
    overlay: true,
    root: 'pivot_root',
    readOnly: false,
    namespaces: ['mount', 'uts', 'ipc', 'pid', 'net'],
    hostname: 'glassbox',
    command: ['/bin/sh', '-c', 'echo hi'],
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOSTNAME: 'glassbox' },
    workdir: '/',
    makeWorkdir: false,
    makeProc: false,
    user: { uid: 0, gid: 0, groups: [] },
    volumes: [],
    paths: containerPaths(roots, id),
    ...over,
  };
}

// Writes each file (a path relative to `parent/name`, with its content) and returns that folder: a stand-in tree
// of /sys or /proc files for tests that read them.
export function writeTree(parent: string, name: string, files: Record<string, string>): string {
  const root = join(parent, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}
