// Commander wiring of the image commands (lib/cli/images.ts holds them): image import, pull, login, logout,
// image inspect, rmi, tag, image prune, commit, export, save.

import { Option, type Command } from 'commander';
import type { Global } from './global.ts';

type Runner = (fn: () => Promise<number>) => () => Promise<void>;

export function registerImageCommands(program: Command, image: Command, global: () => Global, run: Runner): void {
  const cmds = async () => import('./images.ts');
  image
    .command('import')
    .description('import an image: docker-archive (docker/podman save), OCI layout dir or oci-archive, or a root file system tar/dir')
    .argument('<file|dir>', 'the archive or directory')
    .argument('[name:tag]', 'tag for the image')
    .option('--platform <os/arch[/variant]>', 'which image of a multi-platform OCI index (default linux/amd64)')
    .option('-q, --quiet', 'print only the image ID')
    .action(async (input, tag, opts) => run(async () => (await cmds()).cmdImageImport(input, tag, opts, global()))());
  program
    .command('pull')
    .description('pull an image from a registry (OCI distribution API): NAME[:TAG|@sha256:DIGEST], docker.io by default')
    .argument('<reference>', 'e.g. busybox, 127.0.0.1:5000/team/app:1')
    .option('--platform <os/arch[/variant]>', 'which image of a multi-platform index (default linux/amd64)')
    .option('--insecure', 'plain HTTP (registries on the loopback always are)')
    .option('-q, --quiet', 'no progress')
    .action(async (ref, opts) => run(async () => (await cmds()).cmdPull(ref, opts, global()))());
  program
    .command('login')
    .description("store credentials for a registry (in the store's auth.json, mode 0600)")
    .argument('<registry>', 'host[:port]')
    .option('-u, --username <user>', 'user name')
    .option('--password-stdin', 'read the password from standard input')
    .option('--insecure', 'plain HTTP')
    .action(async (reg, opts) => run(async () => (await cmds()).cmdLogin(reg, opts))());
  program
    .command('logout')
    .description("forget a registry's credentials")
    .argument('<registry>', 'host[:port]')
    .action(async (reg) => run(async () => (await cmds()).cmdLogout(reg))());
  image
    .command('inspect')
    .description('print images as a JSON array: tags, digests, config (Env, Cmd, Entrypoint, ExposedPorts…), layers')
    .argument('<image...>', 'names, tags or IDs')
    .action(async (refs) => run(async () => (await cmds()).cmdImageInspect(refs))());
  for (const [parent, name] of [[program, 'tag'], [image, 'tag']] as const) {
    parent
      .command(name)
      .description('give an image another name: tag SOURCE TARGET')
      .argument('<source>', 'an image in the store')
      .argument('<target>', 'NAME[:TAG]')
      .action(async (s, t) => run(async () => (await cmds()).cmdTag(s, t))());
  }
  for (const [parent, name] of [[program, 'rmi'], [image, 'rm']] as const) {
    parent
      .command(name)
      .description('remove images (untag; the image goes with its last tag); refused while a container uses it, unless -f')
      .option('-f, --force', 'remove even when containers use it or it has several tags')
      .argument('<image...>', 'names, tags or IDs')
      .action(async (refs, opts) => run(async () => (await cmds()).cmdRmi(refs, opts))());
  }
  image
    .command('prune')
    .description('remove layers that no image lists and no container uses')
    .action(async () => run(async () => (await cmds()).cmdImagePrune())());
  program
    .command('commit')
    .description("make an image from a container: its writable layer on top of its image's layers")
    .argument('<container>', 'name, ID or ID prefix')
    .argument('[name:tag]', 'tag for the new image')
    .option('-m, --message <text>', 'a note kept in the image record')
    .action(async (ref, tag, opts) => run(async () => (await cmds()).cmdCommit(ref, tag, opts, global()))());
  program
    .command('export')
    .description("write a container's whole file system as one tar (flattened, like docker export)")
    .argument('<container>', 'name, ID or ID prefix')
    .option('-o, --output <file>', 'the tar file to write')
    .action(async (ref, opts) => run(async () => (await cmds()).cmdExport(ref, opts, global()))());
  program
    .command('save')
    .description('write an image as an archive that podman, skopeo and docker load')
    .argument('<image>', 'name, tag or ID')
    .option('-o, --output <file>', 'the archive to write')
    .addOption(new Option('--format <format>', 'archive format').choices(['docker-archive', 'oci-archive']).default('docker-archive'))
    .action(async (ref, opts) => run(async () => (await cmds()).cmdSave(ref, opts, global()))());
}
