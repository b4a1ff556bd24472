// The image configuration: the JSON file (OCI "image config", docker's "container.image.v1") that says how to run
// the image (Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts…) and which layers make its root file system
// (rootfs.diff_ids: the sha256 of each UNCOMPRESSED layer tar, bottom first). Manifests point at it by digest.

import { GlassboxError } from '../errors.ts';
import { readImageHealthcheck } from '../health/model.ts';
import type { ImageConfig, ImageRecord } from './store.ts';

export interface ParsedConfig {
  config: ImageConfig;
  diffIds: string[];
  os?: string;
  architecture?: string;
  variant?: string;
  created?: string;
  author?: string;
  history?: unknown[];
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

// Reads the fields glassbox uses out of a config; refuses one that is not an image config.
export function parseImageConfig(bytes: Buffer | string, where: string): ParsedConfig {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(String(bytes)) as Record<string, unknown>;
  } catch (e) {
    throw new GlassboxError(`${where}: the image config is not JSON (${(e as Error).message})`, { hint: 'the archive is damaged' });
  }
  const rootfs = j.rootfs as { type?: string; diff_ids?: unknown } | undefined;
  const diffIds = strings(rootfs?.diff_ids);
  if (!rootfs || rootfs.type !== 'layers' || !diffIds || !diffIds.every((d) => DIGEST.test(d))) {
    throw new GlassboxError(`${where}: the image config has no valid rootfs.diff_ids`, { hint: 'only sha256 layer digests are supported' });
  }
  const c = (j.config ?? {}) as Record<string, unknown>;
  const config: ImageConfig = {};
  if (strings(c.Env)) config.Env = strings(c.Env);
  if (strings(c.Cmd)) config.Cmd = strings(c.Cmd);
  if (strings(c.Entrypoint)) config.Entrypoint = strings(c.Entrypoint);
  if (str(c.WorkingDir)) config.WorkingDir = str(c.WorkingDir);
  if (str(c.User)) config.User = str(c.User);
  if (c.ExposedPorts && typeof c.ExposedPorts === 'object') config.ExposedPorts = Object.fromEntries(Object.keys(c.ExposedPorts).sort().map((k) => [k, {}]));
  if (c.Volumes && typeof c.Volumes === 'object') config.Volumes = Object.fromEntries(Object.keys(c.Volumes).sort().map((k) => [k, {}]));
  if (c.Labels && typeof c.Labels === 'object') {
    const labels = Object.entries(c.Labels as Record<string, unknown>).filter(([, v]) => typeof v === 'string') as [string, string][];
    if (labels.length) config.Labels = Object.fromEntries(labels);
  }
  const health = readImageHealthcheck(c.Healthcheck);
  if (health) config.Healthcheck = health;
  if (str(c.StopSignal)) config.StopSignal = str(c.StopSignal);
  return {
    config,
    diffIds,
    os: str(j.os),
    architecture: str(j.architecture),
    variant: str(j.variant),
    created: str(j.created),
    author: str(j.author),
    history: Array.isArray(j.history) ? j.history : undefined,
  };
}

// Writes an OCI image config for a stored image (save, and registries' view of it).
export function buildImageConfig(record: ImageRecord, diffIds: string[]): string {
  const c = record.config;
  const config: Record<string, unknown> = {};
  for (const k of ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'WorkingDir', 'Labels', 'Volumes', 'Healthcheck', 'StopSignal'] as const) if (c[k] !== undefined) config[k] = c[k];
  const j = {
    created: record.created,
    architecture: record.architecture ?? 'amd64',
    os: record.os ?? 'linux',
    ...(record.variant ? { variant: record.variant } : {}),
    config,
    rootfs: { type: 'layers', diff_ids: diffIds },
    // A built image's own history when it matches the layers (one non-empty entry per layer), else one per layer.
    history:
      record.history && record.history.filter((h) => !h.empty_layer).length === diffIds.length
        ? record.history
        : diffIds.map(() => ({ created: record.created, created_by: `glassbox (${record.source ?? 'image'})` })),
  };
  return JSON.stringify(j);
}
