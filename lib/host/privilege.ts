// What this process may do on the host. Making a container changes the kernel's global state (mounts, namespaces,
// cgroups, interfaces), which only root may do: the verbs that change anything check it first, before any file
// or object is made, so a refusal leaves nothing behind.

import { GlassboxError } from '../errors.ts';

// Refuses to go on without root, before anything is changed.
export function requireRoot(what: string): void {
  if (process.geteuid?.() !== 0) throw new GlassboxError(`${what} needs root`, { hint: `run it with sudo` });
}
