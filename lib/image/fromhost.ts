// glassbox's built-in base image, made on the spot from this machine (there may be no registry to pull from):
// a static busybox when Debian's busybox-static is installed, otherwise a handful of host programs with the
// shared libraries `ldd` lists — the root file system the containers-from-scratch article builds by hand. It is built by plain commands
// from the image-from-host block, packed as a tar to name the layer by its digest, and stored like any image.

import { createHash } from '../util/crypto.ts';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { expandBlock } from '../blocks/expand.ts';
import { loadCatalog } from '../blocks/catalog.ts';
import { GlassboxError } from '../errors.ts';
import { Executor } from '../exec/runner.ts';
import type { Plan } from '../plan/types.ts';
import { DEFAULT_PATH } from '../plan/prepare.ts';
import type { Owner } from '../state/containers.ts';
import type { Roots } from '../state/paths.ts';
import { hostImageFiles } from './hostfiles.ts';
import { addImage, commitLayer, makeLayerTmpDir, type ImageRecord } from './store.ts';

export const BASE_IMAGE = 'glassbox/base:latest';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false';
const GROUP = 'root:x:0:\ntty:x:5:\nnogroup:x:65534:';

// The plan that builds the base image in `dir`.
export async function planHostImage(dir: string, tarball: string, opts: { busybox?: boolean } = {}): Promise<Plan> {
  const files = await hostImageFiles(opts.busybox === false ? { busyboxPath: '' } : {});
  const steps = expandBlock(await loadCatalog(), {
    block: 'image-from-host',
    as: 'image',
    params: {
      dir,
      tarball,
      busybox: files.kind === 'busybox' ? files.busybox : undefined,
      programs: files.kind === 'host' ? files.files.filter((f) => !/\.so(\.|$)|\/ld-/.test(f)) : [],
      libs: files.kind === 'host' ? files.files.filter((f) => /\.so(\.|$)|\/ld-/.test(f)) : [],
      links: [
        { name: 'usr/bin', target: '../bin' },
        { name: 'usr/sbin', target: '../bin' },
        { name: 'sbin', target: 'bin' },
      ],
      passwd: PASSWD,
      group: GROUP,
    },
  });
  return {
    version: 1,
    info: { id: 'image-from-host', name: BASE_IMAGE, image: 'host', command: [], env: {}, paths: { state: dir, run: dir, nsDir: dir, rootfs: dir, upper: dir, work: dir } },
    steps,
  };
}

// Builds the base image and tags it; returns the stored record.
export async function buildHostImage(roots: Roots, owner: Owner, tag = BASE_IMAGE, opts: { busybox?: boolean } = {}): Promise<ImageRecord> {
  const dir = await makeLayerTmpDir(roots.root);
  const tarball = `${dir}.tar`;
  const plan = await planHostImage(dir, tarball, opts);
  const journal = `${dir}.journal.json`;
  const exec = new Executor(plan, { journal, owner, stdio: 'ignore', keepOnSuccess: true });
  try {
    await exec.run();
    const hex = await sha256File(tarball);
    await commitLayer(roots.root, dir, `sha256:${hex}`);
    const source = plan.steps.some((s) => s.id === 'image.busybox') ? 'host busybox' : 'host programs';
    return await addImage(roots.root, { layers: [`sha256:${hex}`], config: { Cmd: ['/bin/sh'], Env: [`PATH=${DEFAULT_PATH}`], WorkingDir: '/' }, source }, [tag]);
  } catch (e) {
    await exec.teardown();
    throw e instanceof GlassboxError ? e : new GlassboxError(`building the base image failed: ${(e as Error).message}`);
  } finally {
    await rm(tarball, { force: true });
    await rm(journal, { force: true });
  }
}

// Streams a file through SHA-256.
function sha256File(file: string): Promise<string> {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (d) => h.update(d)).on('end', () => res(h.digest('hex'))).on('error', rej);
  });
}
