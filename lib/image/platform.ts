// Platforms and multi-platform images. One name (`busybox:latest`) can stand for builds for many machines: the
// registry then serves an *index* (OCI) or *manifest list* (docker) whose entries each name one manifest and the
// platform it was built for (os, architecture, optional variant such as arm/v7). A client picks the entry that
// matches the machine it will run on. glassbox picks linux/amd64 unless told otherwise (--platform).

import { GlassboxError } from '../errors.ts';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: Platform & { 'os.version'?: string };
  annotations?: Record<string, string>;
}

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

// `linux/arm64/v8` → { os, architecture, variant }; also accepts `arm64` alone (os linux).
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  const bad = () => new GlassboxError(`invalid platform "${s}"`, { hint: 'expected OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm/v7' });
  if (parts.some((p) => !/^[a-z0-9_.-]+$/.test(p)) || parts.length > 3) throw bad();
  if (parts.length === 1) return normalizePlatform({ os: 'linux', architecture: parts[0]! });
  return normalizePlatform({ os: parts[0]!, architecture: parts[1]!, ...(parts[2] ? { variant: parts[2] } : {}) });
}

// containerd's aliases: x86_64 is amd64, aarch64 is arm64 (whose default variant v8 is implied).
export function normalizePlatform(p: Platform): Platform {
  const arch = ({ x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm' } as Record<string, string>)[p.architecture] ?? p.architecture;
  let variant = p.variant;
  if (arch === 'arm64' && variant === 'v8') variant = undefined;
  if (p.architecture === 'armhf') variant ??= 'v7';
  if (p.architecture === 'armel') variant ??= 'v6';
  return { os: p.os, architecture: arch, ...(variant ? { variant } : {}) };
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

// Picks the index entry built for `want`. An entry without a platform, or marked unknown/unknown (an attestation),
// never matches. With no variant asked for, an entry of any variant matches (the first one listed wins).
export function selectManifest(manifests: Descriptor[], want: Platform): Descriptor {
  const w = normalizePlatform(want);
  const candidates = manifests.filter((m) => {
    if (!m.platform) return false;
    const p = normalizePlatform(m.platform);
    return p.os === w.os && p.architecture === w.architecture && (w.variant === undefined || p.variant === w.variant);
  });
  // An exact variant match (or none when none was asked) beats "any variant".
  const exact = candidates.find((m) => normalizePlatform(m.platform!).variant === w.variant);
  const hit = exact ?? candidates[0];
  if (!hit) {
    const have = manifests.filter((m) => m.platform && m.platform.os !== 'unknown').map((m) => formatPlatform(normalizePlatform(m.platform!)));
    throw new GlassboxError(`no image for ${formatPlatform(w)} in this multi-platform image`, {
      hint: have.length ? `it has: ${[...new Set(have)].join(', ')}; choose one with --platform` : 'the index lists no platforms',
    });
  }
  return hit;
}

// True when a media type (or a manifest's JSON shape) is an index / manifest list.
export function isIndex(mediaType: string | undefined, json: { manifests?: unknown; layers?: unknown }): boolean {
  if (mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList) return true;
  if (mediaType === MEDIA.ociManifest || mediaType === MEDIA.dockerManifest) return false;
  return Array.isArray(json.manifests) && !Array.isArray(json.layers);
}
