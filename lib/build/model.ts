// What a build is, whichever syntax it came in: a Dockerfile (lib/build/dockerfile.ts) or a recipe's `build:`
// section (the same instructions as YAML) both become a BuildFile — stages of steps, each step one instruction
// with its words kept as written. Variables (`$VAR`, `${VAR:-default}`) are NOT substituted here: docker
// substitutes each instruction with the ARG and ENV values in force when the builder reaches it, so the builder
// does it (lib/build/substitute.ts), step by step. Pure types.

import type { SourcePos } from '../errors.ts';

/** `ARG NAME[=default]`. */
export interface ArgDecl {
  name: string;
  default?: string;
}

/** COPY and ADD: sources (relative to the context, or to a stage's root with --from) and a destination. */
export interface CopyStep {
  kind: 'copy' | 'add';
  sources: string[];
  dest: string;
  /** --from=STAGE|IMAGE (COPY only). */
  from?: string;
  /** --chown=USER[:GROUP] as written (names resolved in the image being built). */
  chown?: string;
  /** --chmod=OCTAL. */
  chmod?: string;
  /** --link, --parents, --exclude: refused by the parser (not supported yet), so never set. */
}

export type StepBody =
  /** RUN: `shell` is the shell form (run with the stage's SHELL, default ["/bin/sh", "-c"]); `exec` the JSON form. */
  | { kind: 'run'; shell?: string; exec?: string[] }
  | CopyStep
  /** ENV K=V … (the old `ENV K V` form becomes one pair). */
  | { kind: 'env'; pairs: Array<[string, string]> }
  | { kind: 'arg'; args: ArgDecl[] }
  | { kind: 'label'; pairs: Array<[string, string]> }
  | { kind: 'workdir'; path: string }
  | { kind: 'user'; user: string }
  /** CMD and ENTRYPOINT: the JSON form, or the shell form (wrapped in the stage's SHELL by the builder). */
  | { kind: 'cmd' | 'entrypoint'; shell?: string; exec?: string[] }
  | { kind: 'expose'; ports: string[] }
  | { kind: 'volume'; paths: string[] }
  | { kind: 'stopsignal'; signal: string }
  /** HEALTHCHECK NONE, or [--interval=… --timeout=… --start-period=… --start-interval=… --retries=N] CMD … */
  | { kind: 'healthcheck'; none?: boolean; test?: string[]; shell?: string; interval?: string; timeout?: string; startPeriod?: string; startInterval?: string; retries?: string }
  | { kind: 'shell'; exec: string[] };

/** One instruction: what it says, where it is, and its text as written (for history and CACHED lines). */
export type BuildStep = StepBody & {
  pos: SourcePos;
  /** The instruction as one line (continuations joined), like docker's history `created_by`. */
  text: string;
};

export interface Stage {
  /** 0-based, in file order. */
  index: number;
  /** `FROM … AS name` (lowercased, as docker compares them). */
  name?: string;
  /** The base as written: an image reference, `scratch`, or an earlier stage's name; may hold ARG variables. */
  from: string;
  /** --platform=… as written (only the host's platform can be built: the builder checks it). */
  platform?: string;
  pos: SourcePos;
  steps: BuildStep[];
}

export interface BuildFile {
  /** The file as the user named it (errors say `Dockerfile:LINE:COL`). */
  file: string;
  /** ARGs before the first FROM: usable in FROM lines, and in a stage after it declares them again. */
  globalArgs: ArgDecl[];
  stages: Stage[];
  /** `# escape=` directive: `\` (default) or `` ` ``. */
  escape: '\\' | '`';
}

/** Where a step of `glassbox build --plan` stands: its place in the build and the instruction as written. */
export interface PlannedHead {
  stage: number;
  stages: number;
  n: number;
  total: number;
  text: string;
}

/**
 * One instruction of `glassbox build --plan`, with what the build will do for it:
 *   from    the image the stage starts from (its ID), an earlier stage, or scratch
 *   cached  the layer cache holds the result: nothing runs, the state becomes that image
 *   config  only the image config changes (no container, no layer): the fields after the change
 *   run     a container (its whole plan, as `glassbox plan` prints one), then its writable layer packed and unpacked
 *   copy    COPY/ADD: the build-copy block, then the new layer packed and unpacked
 *   tag     the names the final image gets
 */
export type PlannedStep = PlannedHead &
  (
    | { kind: 'from'; image: string }
    | { kind: 'cached'; image: string }
    | { kind: 'config'; changed: Record<string, unknown> }
    | { kind: 'run'; plan: import('../plan/types.ts').Plan; layer: import('../plan/types.ts').Step[] }
    | { kind: 'copy'; lists: Array<{ file: string; members: string[] }>; steps: import('../plan/types.ts').Step[]; layer: import('../plan/types.ts').Step[] }
    | { kind: 'tag'; tags: string[] }
  );

/** `glassbox build --plan`: every instruction in build order; layers still to be made named by the step making them. */
export interface BuildPlan {
  steps: PlannedStep[];
  /** Directory names standing for layers earlier steps make (their DiffIDs are known only once they ran). */
  pending: Record<string, string>;
}
