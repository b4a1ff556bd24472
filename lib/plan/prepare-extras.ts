// The host-dependent checks of --device and --sysctl (lib/recipe/run-extras.ts parsed them): a device path must
// be a device node of this host (its type and numbers are read here, for mknod and the device group), and a
// net.* sysctl needs a network namespace of the container's own. The errors are docker's.

import { statSync } from 'node:fs';
import { GlassboxError } from '../errors.ts';
import type { ContainerSpec } from '../recipe/model.ts';
import { placeOf } from '../recipe/origins.ts';
import { DEFAULT_SHM_SIZE, prlimitOption, sysctlNamespace } from '../recipe/run-extras.ts';
import type { PreparedContainer, PreparedDevice } from './planner.ts';

// Linux's dev_t split (glibc's gnu_dev_major/minor), for numbers that fit a double.
export function devNumbers(rdev: number): { major: number; minor: number } {
  const hi = Math.floor(rdev / 2 ** 32);
  const lo = rdev >>> 0;
  return { major: ((lo >>> 8) & 0xfff) | (hi & ~0xfff), minor: (lo & 0xff) | ((lo >>> 12) & 0xfff00) };
}

export function prepareDevice(host: string, path: string, permissions: string): PreparedDevice {
  const why = (reason: string) => `error gathering device information while adding custom device "${host}": ${reason}`;
  let st;
  try {
    st = statSync(host);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new GlassboxError(why(code === 'ENOENT' ? 'no such file or directory' : String(code)), { hint: 'give the path of a device node of this host, like /dev/fuse' });
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) throw new GlassboxError(why('not a device node'), { hint: 'give the path of a device node of this host, like /dev/fuse' });
  if (!path.startsWith('/dev/') || path === '/dev/') throw new GlassboxError(`device path ${path} is outside /dev`, { hint: "glassbox makes device nodes only in the container's /dev (the root is mounted nodev)" });
  return { host, path, type: st.isCharacterDevice() ? 'c' : 'b', ...devNumbers(st.rdev), mode: (st.mode & 0o7777).toString(8).padStart(4, '0'), permissions };
}

export function prepareExtras(spec: ContainerSpec, netMode: string): Pick<PreparedContainer, 'ulimits' | 'devices' | 'sysctls' | 'shmSize'> {
  const out: Pick<PreparedContainer, 'ulimits' | 'devices' | 'sysctls' | 'shmSize'> = {};
  if (spec.ulimits?.length) out.ulimits = spec.ulimits.map(prlimitOption);
  if (spec.devices?.length) {
    out.devices = spec.devices.map((d, i) => {
      try {
        return prepareDevice(d.host, d.container, d.permissions);
      } catch (e) {
        throw e instanceof GlassboxError ? new GlassboxError(e.message, { ...placeOf(spec, ['devices', i]), hint: e.hint }) : e;
      }
    });
  }
  const sysctls = Object.entries(spec.sysctls ?? {});
  if (sysctls.length) {
    out.sysctls = sysctls.map(([key, value]) => {
      const ns = sysctlNamespace(key)!;
      const at = placeOf(spec, ['sysctls', key]);
      if (ns === 'net' && (netMode === 'host' || netMode === 'container' || !spec.namespaces.includes('net'))) {
        throw new GlassboxError(`sysctl "${key}" not allowed in host network namespace`, { ...at, hint: netMode === 'container' ? "the network namespace is another container's: set it there" : 'net.* needs a network namespace of its own (drop --network host)' });
      }
      if (ns === 'ipc' && !spec.namespaces.includes('ipc')) throw new GlassboxError(`sysctl "${key}" is not allowed in host IPC namespace`, { ...at, hint: 'give the container an ipc namespace' });
      return { key, value, ns };
    });
  }
  if (spec.shmSize !== undefined && spec.shmSize !== DEFAULT_SHM_SIZE) out.shmSize = spec.shmSize;
  return out;
}
