// Commander wiring of the image commands (lib/cli/images.ts holds them): image import, pull, login, logout,
// image inspect, rmi, tag, image prune, commit, export, save.

import { Option, type Command } from 'commander';
import type { Global } from './container.ts';

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
}
