// Commander wiring of the image commands (lib/cli/images.ts holds them): image import, pull, push, login, logout,
// image inspect, rmi, tag, image prune, commit, export, save.

import { Option, type Command } from 'commander';
import type { Global } from './global.ts';
import type * as ImagesModule from './images.ts';
import type * as VerbsModule from './verbs.ts';

type Images = typeof ImagesModule;
type Runner = (fn: (v: typeof VerbsModule) => Promise<number>) => () => Promise<void>;

// `run` loads the verbs (lib/cli/verbs.ts) when a command runs; images.ts is loaded through them.
// Only the commands `want` names are added (the program, `image` when the image group is wanted).
export function registerImageCommands(program: Command, image: Command | undefined, want: (name: string) => boolean, global: () => Global, run: Runner): void {
  const top = (name: string) => (want(name) ? program.command(name) : undefined);
  const on = (fn: (c: Images) => Promise<number>) => run(async (v) => fn(await v.images()));
  image
    ?.command('import')
    .description('import an image: docker-archive (docker/podman save), OCI layout dir or oci-archive, or a root file system tar/dir')
    .argument('<file|dir>', 'the archive or directory')
    .argument('[name:tag]', 'tag for the image')
    .option('--platform <os/arch[/variant]>', 'which image of a multi-platform OCI index (default linux/amd64)')
    .option('-q, --quiet', 'print only the image ID')
    .action(async (input, tag, opts) => on((c) => c.cmdImageImport(input, tag, opts, global()))());
  const collectArg = (v: string, prev: string[] = []) => [...prev, v];
  top('build')
    ?.description('build an image from a Dockerfile: each RUN a container, each COPY a layer, every command visible')
    .argument('<context>', 'the directory COPY and ADD take files from')
    .option('-t, --tag <name[:tag]>', 'name the image (repeatable)', collectArg)
    .option('-f, --file <Dockerfile>', 'the Dockerfile (default CONTEXT/Dockerfile or CONTEXT/Containerfile; - reads standard input)')
    .option('--build-arg <NAME=VALUE>', 'set an ARG (repeatable; NAME alone takes it from the environment)', collectArg)
    .option('--target <stage>', 'stop after this stage (its name or number)')
    .option('--no-cache', 'run every step again, ignoring the layer cache')
    .option('-q, --quiet', 'print only the image ID')
    .addOption(new Option('--pull <policy>', 'pull FROM images: missing (default), never').choices(['missing', 'never']))
    .option('--plan', 'print every command the build runs (each RUN\'s container plan, each layer\'s tar), run none')
    .option('--brief', 'with --plan: one line per container step')
    .addOption(new Option('--format <format>', 'with --plan: sh (default) or json').choices(['sh', 'json']))
    .option('--learn', "learn mode: step through each RUN's container one plain command at a time, explained (Enter runs)")
    .option('-y, --yes', 'with --learn: run every step without asking')
    .action(async (context, opts) => run(async (v) => (await v.build()).cmdBuild(context, opts, global()))());
  top('pull')
    ?.description('pull an image from a registry (OCI distribution API): NAME[:TAG|@sha256:DIGEST], docker.io by default')
    .argument('<reference>', 'e.g. busybox, 127.0.0.1:5000/team/app:1')
    .option('--platform <os/arch[/variant]>', 'which image of a multi-platform index (default linux/amd64)')
    .option('--insecure', 'plain HTTP (registries on the loopback always are)')
    .option('-q, --quiet', 'no progress')
    .action(async (ref, opts) => on((c) => c.cmdPull(ref, opts, global()))());
  top('push')
    ?.description('push an image to a registry (OCI distribution API) under its name: [REGISTRY/]NAME[:TAG]')
    .argument('<reference>', 'a name the image has in the store, e.g. 127.0.0.1:5000/team/app:1 (glassbox tag it first)')
    .option('--insecure', 'plain HTTP (registries on the loopback always are)')
    .option('-q, --quiet', 'no progress; print NAME@DIGEST')
    .option('--chunk-size <size>', 'upload blobs larger than this in chunks of this size (default 16m)')
    .action(async (ref, opts) => on((c) => c.cmdPush(ref, opts, global()))());
  top('login')
    ?.description("store credentials for a registry (in the store's auth.json, mode 0600)")
    .argument('<registry>', 'host[:port]')
    .option('-u, --username <user>', 'user name')
    .option('--password-stdin', 'read the password from standard input')
    .option('--insecure', 'plain HTTP')
    .action(async (reg, opts) => on((c) => c.cmdLogin(reg, opts))());
  top('logout')
    ?.description("forget a registry's credentials")
    .argument('<registry>', 'host[:port]')
    .action(async (reg) => on((c) => c.cmdLogout(reg))());
  image
    ?.command('inspect')
    .description('print images as a JSON array: tags, digests, config (Env, Cmd, Entrypoint, ExposedPorts…), layers')
    .argument('<image...>', 'names, tags or IDs')
    .action(async (refs) => on((c) => c.cmdImageInspect(refs))());
  for (const [parent, name] of [[want('tag') ? program : undefined, 'tag'], [image, 'tag']] as const) {
    parent
      ?.command(name)
      .description('give an image another name: tag SOURCE TARGET')
      .argument('<source>', 'an image in the store')
      .argument('<target>', 'NAME[:TAG]')
      .action(async (s, t) => on((c) => c.cmdTag(s, t))());
  }
  for (const [parent, name] of [[want('rmi') ? program : undefined, 'rmi'], [image, 'rm']] as const) {
    parent
      ?.command(name)
      .description('remove images (untag; the image goes with its last tag); refused while a container uses it, unless -f')
      .option('-f, --force', 'remove even when containers use it or it has several tags')
      .argument('<image...>', 'names, tags or IDs')
      .action(async (refs, opts) => on((c) => c.cmdRmi(refs, opts))());
  }
  image
    ?.command('prune')
    .description('remove layers that no image lists and no container uses')
    .action(async () => on((c) => c.cmdImagePrune())());
  top('commit')
    ?.description("make an image from a container: its writable layer on top of its image's layers")
    .argument('<container>', 'name, ID or ID prefix')
    .argument('[name:tag]', 'tag for the new image')
    .option('-m, --message <text>', 'a note kept in the image record')
    .action(async (ref, tag, opts) => on((c) => c.cmdCommit(ref, tag, opts, global()))());
  top('export')
    ?.description("write a container's whole file system as one tar (flattened, like docker export)")
    .argument('<container>', 'name, ID or ID prefix')
    .option('-o, --output <file>', 'the tar file to write')
    .action(async (ref, opts) => on((c) => c.cmdExport(ref, opts, global()))());
  top('save')
    ?.description('write an image as an archive that podman, skopeo and docker load')
    .argument('<image>', 'name, tag or ID')
    .option('-o, --output <file>', 'the archive to write')
    .addOption(new Option('--format <format>', 'archive format').choices(['docker-archive', 'oci-archive']).default('docker-archive'))
    .action(async (ref, opts) => on((c) => c.cmdSave(ref, opts, global()))());
}
