// The values of lesson 8's registry and the lessons that run glassbox itself as one of their commands. A registry
// is a web server (Debian's docker-registry, the reference implementation of the OCI distribution API) that
// listens on one TCP port: the lesson starts its own on 127.0.0.1, so the port must be one nobody listens on. It
// is chosen here from the host's listening sockets, like lesson 6's published port, and handed to the blocks as
// {{registry.port}} and {{registry.host}}; nothing is claimed here — the lesson's steps start the registry, and
// their undo stops it. {{glassbox}} is this very program's launcher (bin/glassbox), so a lesson can show the same
// work done by `glassbox pull`, `push` or `build`, and its transcript can run them again from sh.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { defaultBlocksDir } from '../blocks/catalog.ts';
import { claimPort } from '../net/store.ts';
import type { Roots } from '../state/paths.ts';

// {{registry.port}} and {{registry.host}}: a loopback port no one listens on, for a lesson run with this ID.
export function lessonRegistryVars(r: Roots, id: string): Record<string, string> {
  const port = claimPort(r, { proto: 'tcp', id, dry: true }).port;
  return { 'registry.port': String(port), 'registry.host': `127.0.0.1:${port}` };
}

// {{glassbox}}: the launcher next to the blocks (REPO/bin/glassbox), an absolute path a transcript can run; the
// program running now when the blocks live elsewhere (GLASSBOX_BLOCKS).
export function glassboxLauncher(): string {
  const beside = join(dirname(dirname(defaultBlocksDir())), 'bin', 'glassbox');
  return existsSync(beside) || !process.argv[1] ? beside : resolve(process.argv[1]);
}
