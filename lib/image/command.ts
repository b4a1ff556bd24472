// Finds the container's command the way execvp(3) will inside the container: a name with a slash is used as is,
// a bare name is searched along the container's PATH. Done before PID 1 is released, so a missing command gives
// docker's 127 and a command that cannot run gives 126, with a clear message instead of a cryptic one.

import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { GlassboxError } from '../errors.ts';
import { resolveInRoot } from './rootpath.ts';

// Returns undefined when the command can be run, or the error to report (exit 127 or 126).
export async function resolveCommandInRoot(root: string, cmd: string, path: string): Promise<GlassboxError | undefined> {
  const candidates = cmd.includes('/') ? [cmd.startsWith('/') ? cmd : `/${cmd}`] : path.split(':').filter(Boolean).map((d) => `${d.replace(/\/$/, '')}/${cmd}`);
  let found: string | undefined;
  for (const c of candidates) {
    const host = await resolveInRoot(root, c, { followLast: true }).catch(() => undefined);
    if (!host) continue;
    const st = await stat(host).catch(() => undefined);
    if (!st) continue;
    if (st.isFile()) {
      const ok = await access(host, constants.X_OK).then(() => true, () => false);
      if (ok) return undefined;
    }
    found ??= c;
  }
  if (found) {
    return new GlassboxError(`exec: "${cmd}": permission denied`, { exitCode: 126, hint: `${found} is not an executable file` });
  }
  return new GlassboxError(`exec: "${cmd}": ${cmd.includes('/') ? 'no such file or directory' : 'executable file not found in $PATH'}`, {
    exitCode: 127,
    hint: cmd.includes('/') ? 'check the path inside the image' : `PATH is ${path}`,
  });
}
