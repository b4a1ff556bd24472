// A scratch directory inside the image store for one import, pull, commit or save: `<root>/layers/tmp-<random>`.
// Downloads, unpacked archives and packed tars live there until the operation ends; nothing in it is ever part of
// the store proper (layers become visible only by a rename to layers/sha256/<DiffID>, images only when their
// record is written). Its removal is journaled first (`tmp-<random>.journal.json`, with the owner process), so
// when glassbox is killed, `glassbox gc` (collectBuilds) removes it once that process is gone.
//
// The plain commands an operation needs come from blocks and run through the executor, each group with its own
// journal beside the scratch directory, so their undos are found by gc too.

import { randomBytes } from '../util/crypto.ts';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { expandBlock, type Instance } from '../blocks/expand.ts';
import { loadCatalog } from '../blocks/catalog.ts';
import { GlassboxError } from '../errors.ts';
import { Executor, type StepResult } from '../exec/runner.ts';
import type { Plan } from '../plan/types.ts';
import type { Owner } from '../state/containers.ts';
import { writeJournal } from '../state/journal.ts';

export class StoreWork {
  readonly root: string;
  readonly dir: string;
  readonly owner: Owner;
  private n = 0;

  private constructor(root: string, dir: string, owner: Owner) {
    this.root = root;
    this.dir = dir;
    this.owner = owner;
  }

  // Makes the scratch directory and journals its removal.
  static async open(storeRoot: string, owner: Owner): Promise<StoreWork> {
    const layers = path.join(storeRoot, 'layers');
    await mkdir(layers, { recursive: true });
    const dir = await mkdtemp(path.join(layers, 'tmp-'));
    // mkdtemp made the directory (a unique name); the scratch block's step says what it is and how it is undone.
    const [made] = expandBlock(await loadCatalog(), { block: 'scratch', as: 'scratch', params: { dir } });
    if (!made?.undo) throw new GlassboxError('the scratch block has no undo');
    writeJournal(`${dir}.journal.json`, { version: 1, container: path.basename(dir), owner, entries: [{ step: made.id, undo: made.undo, mayFail: !!made.undoMayFail }] });
    return new StoreWork(storeRoot, dir, owner);
  }

  /** A path inside the scratch directory. */
  file(...names: string[]): string {
    return path.join(this.dir, ...names);
  }

  /** A fresh unique name inside the scratch directory. */
  fresh(prefix: string): string {
    return path.join(this.dir, `${prefix}-${randomBytes(4).toString('hex')}`);
  }

  // Runs block instances as one plan through the executor (journal first; undone on failure; on success kept,
  // unless `undo` asks for the undos to run anyway, as for a temporary mount).
  async run(instances: Instance[], label: string, opts: { journalFor?: string; undo?: boolean } = {}): Promise<StepResult[]> {
    const catalog = await loadCatalog();
    const steps = instances.flatMap((i) => expandBlock(catalog, i));
    const plan: Plan = {
      version: 1,
      info: { id: label, name: label, image: '', command: [], env: {}, paths: { state: this.dir, run: this.dir, nsDir: this.dir, rootfs: this.dir, upper: this.dir, work: this.dir } },
      steps,
    };
    const journal = opts.journalFor ? `${opts.journalFor}.journal.json` : `${this.dir}.${++this.n}.journal.json`;
    let results: StepResult[] = [];
    const exec = new Executor(plan, { journal, owner: this.owner, stdio: 'ignore', keepOnSuccess: !opts.undo });
    try {
      const out = await exec.run();
      results = out.results;
      if (out.undoFailures.length) throw new GlassboxError(`${label}: cleanup failed: ${out.undoFailures.map((f) => `${f.argv.join(' ')}: ${f.stderr.trim()}`).join('; ')}`);
    } catch (e) {
      throw e instanceof GlassboxError ? e : new GlassboxError(`${label}: ${(e as Error).message}`);
    } finally {
      await rm(journal, { force: true });
    }
    return results;
  }

  // A new empty directory beside the scratch one, for a layer that will be renamed to its DiffID.
  async layerDir(): Promise<string> {
    const dir = await mkdtemp(path.join(this.root, 'layers', 'tmp-'));
    await chmod(dir, 0o755);
    return dir;
  }

  // Removes the scratch directory and its journal.
  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await rm(`${this.dir}.journal.json`, { force: true });
  }
}
