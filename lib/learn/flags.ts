// What `glassbox learn` and `glassbox lessons` are asked: the global flags and the command's own. The CLI
// (lib/cli/learn-command.ts) parses them and lib/cli/learn.ts acts on them; both import the types from here, so
// the commander wiring stays free of learn mode's code (loaded only when `learn` runs).

/** The program's global flags that learn mode reads. */
export interface LearnGlobal {
  verbose?: boolean;
  lang: 'en' | 'zh';
}

/** The flags of `glassbox learn`. */
export interface LearnFlags {
  lang?: 'en' | 'zh';
  yes?: boolean;
  list?: boolean;
  from?: number;
  record?: string;
  format: 'text' | 'json';
  xray?: boolean;
  /** --exec NAME: step through an exec in this running container. */
  exec?: string;
}

/** What learn steps through: a lesson or a recipe file, or a command for a running container (--exec). */
export type LearnWhat = { target: string } | { exec: string; command: string[] };
