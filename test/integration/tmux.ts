// A real terminal for tests: a tmux server on a socket of its own, driven with send-keys and read with
// capture-pane.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { shJoin } from '../../lib/render/quote.ts';
import { REPO, waitFor } from './helpers.ts';

/** One tmux server per test, on its own socket: a real terminal for learn mode, run -it and exec -it. */
export class Tmux {
  private static sockets: string[] = [];
  readonly socket: string;

  constructor(name: string) {
    this.socket = `gb-test-${process.pid}-${name}`;
    Tmux.sockets.push(this.socket);
  }

  private tmux(...args: string[]) {
    return spawnSync('tmux', ['-u', '-L', this.socket, ...args], { encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8' } });
  }

  // Starts the command in a 200x50 terminal; "[exited N]" is printed when it ends.
  start(argv: string[], env: Record<string, string>): void {
    const vars = Object.entries({ ...env, TERM: 'xterm' }).map(([k, v]) => `${k}=${v}`);
    const cmd = `cd ${shJoin([REPO])} && env ${shJoin(vars)} ${shJoin(argv)}; echo "[exited $?]"; sleep 3600`;
    const r = this.tmux('new-session', '-d', '-x', '200', '-y', '50', '-s', 'main', cmd);
    assert.equal(r.status, 0, `tmux: ${r.stderr}`);
  }

  resize(cols: number, rows: number): void {
    this.tmux('resize-window', '-t', 'main', '-x', String(cols), '-y', String(rows));
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'main', ...keys);
  }

  // Types text and presses Enter (text is sent literally).
  line(text: string): void {
    this.tmux('send-keys', '-t', 'main', '-l', text);
    this.tmux('send-keys', '-t', 'main', 'Enter');
  }

  /** Everything the terminal showed, wrapped lines joined. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-t', 'main', '-S', '-20000').stdout;
  }

  async until(what: string, test: (s: string) => boolean, timeoutMs = 60_000): Promise<string> {
    try {
      return await waitFor(what, () => {
        const s = this.screen();
        return test(s) ? s : undefined;
      }, timeoutMs);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- screen\n${this.screen().split('\n').slice(-60).join('\n')}`);
    }
  }

  // Ends the terminal, and waits until no process of it is left (they would count as leaks).
  async stop(): Promise<void> {
    this.tmux('kill-server');
    await waitFor('the tmux server to exit', () => spawnSync('pgrep', ['-f', '--', `-L ${this.socket} `]).status !== 0, 10_000);
  }

  static killAll(): void {
    for (const s of Tmux.sockets) spawnSync('tmux', ['-L', s, 'kill-server']);
  }
}
