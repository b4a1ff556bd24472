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
}
