// glassbox bundle: what `glassbox run` would do, written as an OCI runtime bundle for runc, crun or containerd.
// The container is planned exactly as run plans it (planFor: the same spec, image, users, security and limits);
// lib/oci/config.ts turns that into config.json, and the bundle block writes the directory through the executor:
//
//   DIR/rootfs       a flat copy of the image's layers, merged by a read-only overlay in a private mount
//                    namespace (the bundle owns it: a runtime may write to it, glassbox's layers stay untouched)
//   DIR/config.json  the runtime's instructions
//
// Every step's undo is journaled first: a bundle that fails half-way (or is interrupted) is removed again, and
// `glassbox gc` finishes that when glassbox itself was killed. Nothing is claimed (no address, no port, no
// volume): networking beyond a namespace of its own is the runtime caller's (see lib/oci/config.ts).

import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadCatalog } from '../blocks/catalog.ts';
import { GlassboxError } from '../errors.ts';
import { isPrivateMountPoint } from '../host/facts.ts';
import { expandBlock, type Instance } from '../blocks/expand.ts';
import { StoreWork } from '../image/work.ts';
import { ociConfig, renderOciConfig, type OciConfig } from '../oci/config.ts';
import type { RunFlags } from '../recipe/flags.ts';
import type { ContainerSpec } from '../recipe/model.ts';
import { placeOf } from '../recipe/origins.ts';
import { OVERLAY_UNSAFE } from '../recipe/validate.ts';
import { selfOwner } from '../state/containers.ts';
import type { Progress } from './base-image.ts';
import { planFor } from './plan.ts';

export interface BundleOptions {
  progress?: Progress;
  pull?: (ref: string, missing: boolean) => Promise<void>;
}

export interface Bundle {
  dir: string;
  config: OciConfig;
  id: string;
  name: string;
}

// The output directory: absent (made, in an existing parent) or empty; anything else is refused before any work.
function checkOutput(out: string | undefined): { dir: string; make: boolean } {
  if (!out) throw new GlassboxError('glassbox bundle needs -o DIR', { field: '--output', hint: 'glassbox bundle IMAGE|RECIPE [COMMAND…] -o DIR' });
  const dir = path.resolve(out);
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw new GlassboxError(`cannot write the bundle to ${out}: it exists and is not a directory`, { field: '--output', hint: 'give a new directory, or an empty one' });
  if (st && readdirSync(dir).length) throw new GlassboxError(`cannot write the bundle to ${out}: the directory is not empty`, { field: '--output', hint: 'give a new directory, or an empty one (a bundle is never written over another)' });
  if (!st && !statSync(path.dirname(dir), { throwIfNoEntry: false })?.isDirectory()) throw new GlassboxError(`cannot write the bundle to ${out}: ${path.dirname(dir)} is not a directory`, { field: '--output' });
  if (OVERLAY_UNSAFE.test(dir)) throw new GlassboxError(`the bundle path ${dir} contains "," ":" "\\" or white space`, { field: '--output', hint: 'these would change the overlay mount options' });
  return { dir, make: !st };
}

// What glassbox's monitor does for a detached container (restart, health checks, the stop signal and grace
// period, log rotation) and --cidfile are not the runtime's: a bundle cannot carry them, so asking is refused,
// at the flag or the recipe's line. (An image's own HEALTHCHECK or STOPSIGNAL is not asked for, and stays out.)
function refuseMonitorDuties(spec: ContainerSpec, flags: RunFlags): void {
  const duty = (asked: boolean, path: string, what: string) => {
    if (asked) throw new GlassboxError(`glassbox bundle: ${what} is the work of glassbox's monitor, which a bundle does not have`, { ...placeOf(spec, [path]), hint: "the runtime's caller (containerd, podman, systemd) restarts, checks and stops it; drop it for the bundle" });
  };
  duty(!!spec.restart && spec.restart.name !== 'no', 'restart', 'a restart policy');
  duty(!!spec.healthcheck && spec.healthcheck.test?.[0] !== 'NONE', 'healthcheck', 'a health check');
  duty(spec.stopSignal !== undefined || spec.stopTimeout !== undefined, spec.stopSignal !== undefined ? 'stop_signal' : 'stop_grace_period', 'the stop signal and grace period');
  duty(!!spec.logOpts && Object.keys(spec.logOpts).length > 0, 'logging', 'log rotation');
  if (flags.cidfile !== undefined) throw new GlassboxError('glassbox bundle: --cidfile names a container glassbox runs; a bundle is run by another runtime, under the ID it is given', { field: '--cidfile', hint: 'drop --cidfile' });
}

// Plans the container as run would and writes its bundle; returns where, and the config written.
export async function writeBundle(target: string, command: string[], flags: RunFlags, out: string | undefined, opts: BundleOptions = {}): Promise<Bundle> {
  const { dir, make } = checkOutput(out);
  const { plan, prepared: c, roots: r, facts, spec, ctx } = await planFor(target, command, flags, { buildBase: true, dryNetwork: true, ...(opts.progress ? { progress: opts.progress } : {}), ...(opts.pull ? { pull: opts.pull } : {}) });
  refuseMonitorDuties(spec, flags);
  const catalog = await loadCatalog();
  const config = ociConfig(catalog, c, plan, ctx, { ...(spec.ulimits ? { ulimits: spec.ulimits } : {}) });
  const rootfs = path.join(dir, 'rootfs');
  const inRoot = (p: string) => p.slice(c.paths.rootfs.length);
  // --network host: the host's names and name servers, in the bundle's own /etc files (net-files does so for run).
  const files = c.network?.mode === 'host' && c.network.files
    ? (['hosts', 'resolv', 'hostname'] as const).flatMap((k) => {
        const t = c.etc?.[k];
        const value = { hosts: c.network!.files!.hostsBase, resolv: c.network!.files!.resolv, hostname: c.network!.files!.hostname }[k];
        return t ? [{ path: inRoot(t.target), value }] : [];
      })
    : [];
  const work = await StoreWork.open(r.root, selfOwner(facts.bootId));
  try {
    // The namespace file must live on a private mount: the run root, made one first when it is not yet.
    const instances: Instance[] = [];
    const runroot: Instance = { block: 'runroot', as: 'runroot', params: { run_root: r.run, make_private: true, make_barrier: false, tmp_name: 'bundle' } };
    if (!isPrivateMountPoint(r.run)) instances.push(runroot);
    const after = instances.length ? expandBlock(catalog, runroot).map((s) => s.id) : [];
    instances.push({
      after,
      block: 'bundle',
      as: 'bundle',
      params: {
        dir,
        make_dir: make,
        rootfs,
        ns_file: path.join(r.run, `bundle-${path.basename(work.dir)}`),
        empty: work.file('empty'),
        mnt: work.file('merged'),
        lower: c.lowerDirs.join(':'),
        dirs: [...(c.makeWorkdir ? [c.workdir] : []), ...(c.makeProc ? ['/proc'] : [])],
        files,
        config_file: path.join(dir, 'config.json'),
        config: renderOciConfig(config),
      },
    });
    await work.run(instances, `writing the bundle ${dir}`);
  } finally {
    await work.close();
  }
  return { dir, config, id: c.id, name: c.name };
}
