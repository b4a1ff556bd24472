// Explains an argv word by word from the glossary, the way a person would read it: the program, each of its flags
// with its value, its plain words, and — for programs that run another program (nsenter, unshare, setpriv, env,
// flock, chroot) — the next program, one level deeper. Runs of options are read like getopt reads them.

import { basename } from 'node:path';
import type { Lang } from '../plan/types.ts';
import { renderArg } from '../render/quote.ts';
import { GLOSSARY, MOUNT_OPTIONS, type CommandInfo, type FlagInfo } from './glossary.ts';
import { T, wrapText } from './text.ts';

export interface ExplainRow {
  /** How many programs deep (nsenter … unshare … is depth 0 then 1). */
  depth: number;
  kind: 'command' | 'flag' | 'value' | 'operand' | 'assignment' | 'user';
  /** The word(s) as shell text. */
  word: string;
  text: string;
  /** The glossary has no entry for it (the coverage test fails on these). */
  unknown?: boolean;
}

export interface ExplainOptions {
  /** The container's own command: when the words from some point on are exactly this, they are not analysed. */
  userCommand?: string[];
  /** Renders a word for display (default: POSIX quoting, runtime values as "$gb_pid1"). */
  show?: (word: string) => string;
}

const ASSIGN = /^[A-Za-z_][A-Za-z0-9_]*=/;

// Explains a whole command line.
export function explainArgv(argv: string[], lang: Lang, opts: ExplainOptions = {}): ExplainRow[] {
  const rows: ExplainRow[] = [];
  const show = opts.show ?? ((w: string) => renderArg(w));
  let i = 0;

  const isUser = () => {
    const u = opts.userCommand;
    return !!u && u.length > 0 && argv.length - i === u.length && u.every((w, k) => argv[i + k] === w);
  };

  // Reads one program and its words starting at argv[i]; returns when the argv ends.
  const command = (depth: number): void => {
    if (i >= argv.length) return;
    if (isUser()) {
      rows.push({ depth, kind: 'user', word: argv.slice(i).map(show).join(' '), text: T.userCommand[lang] });
      i = argv.length;
      return;
    }
    const word = argv[i]!;
    const info: CommandInfo | undefined = GLOSSARY[basename(word)];
    if (!info) {
      rows.push({ depth, kind: 'command', word: show(word), text: '?', unknown: true });
      i++;
      while (i < argv.length) rows.push({ depth, kind: 'operand', word: show(argv[i++]!), text: '' });
      return;
    }
    rows.push({ depth, kind: 'command', word: show(word), text: info.text[lang] });
    i++;
    words(info, depth);
  };

  // The flags and plain words of one program.
  const words = (info: CommandInfo, depth: number): void => {
    let operands = 0;
    let optionsEnded = false;
    while (i < argv.length) {
      const a = argv[i]!;
      if (!optionsEnded && a === '--') {
        rows.push({ depth, kind: 'flag', word: '--', text: info.flags?.['--']?.text[lang] ?? (lang === 'zh' ? '选项到此为止' : 'end of options') });
        i++;
        optionsEnded = true;
        if (info.runs !== undefined && operands >= info.runs) return command(depth + 1);
        continue;
      }
      if (!optionsEnded && a.length > 1 && a.startsWith('-')) {
        flag(info, depth);
        continue;
      }
      if (info.multicall && operands === 0 && GLOSSARY[a]) return command(depth + 1);
      if (info.objects && operands === 0 && info.objects[a]) {
        const obj = info.objects[a]!;
        rows.push({ depth: depth + 1, kind: 'command', word: show(a), text: obj.text[lang] });
        i++;
        return words(obj, depth + 1);
      }
      if (info.assignments && ASSIGN.test(a)) {
        rows.push({ depth, kind: 'assignment', word: show(a), text: lang === 'zh' ? '设置一个环境变量' : 'set an environment variable' });
        i++;
        continue;
      }
      if (info.runs !== undefined && operands >= info.runs) return command(depth + 1);
      const list = info.operands ?? [];
      const desc = list[Math.min(operands, list.length - 1)];
      rows.push({ depth, kind: 'operand', word: show(a), text: desc ? desc[lang] : '', unknown: !desc && !info.objects ? true : undefined });
      i++;
      operands++;
    }
  };

  // One option word (and its value when it takes one), at argv[i].
  const flag = (info: CommandInfo, depth: number): void => {
    const a = argv[i]!;
    const flags = info.flags ?? {};
    if (a.startsWith('--') || flags[a.split('=')[0]!]) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      const f = flags[name];
      if (!f) {
        rows.push({ depth, kind: 'flag', word: show(a), text: '?', unknown: true });
        i++;
        return;
      }
      if (f.runs) {
        rows.push({ depth, kind: 'flag', word: show(a), text: f.text[lang] });
        i++;
        return command(depth + 1);
      }
      if (eq > 0) {
        pushFlag(f, show(a), a.slice(eq + 1), depth);
        i++;
      } else if (f.value === 'required' && i + 1 < argv.length) {
        const v = argv[i + 1]!;
        pushFlag(f, `${show(a)} ${show(v)}`, v, depth);
        i += 2;
      } else {
        pushFlag(f, show(a), undefined, depth);
        i++;
      }
      return;
    }
    // Clustered short options, getopt style: -la is -l -a; a letter that takes a value takes the rest, or the next word.
    const letters = a.slice(1);
    for (let k = 0; k < letters.length; k++) {
      const f = flags[`-${letters[k]}`];
      if (!f) {
        rows.push({ depth, kind: 'flag', word: `-${letters[k]}`, text: '?', unknown: true });
        continue;
      }
      if (f.value === 'required') {
        const rest = letters.slice(k + 1);
        if (rest) pushFlag(f, `-${letters[k]}${show(rest)}`, rest, depth);
        else if (i + 1 < argv.length) {
          pushFlag(f, `-${letters[k]} ${show(argv[i + 1]!)}`, argv[i + 1]!, depth);
          i++;
        } else pushFlag(f, `-${letters[k]}`, undefined, depth);
        break;
      }
      pushFlag(f, `-${letters[k]}`, undefined, depth);
    }
    i++;
  };

  const pushFlag = (f: FlagInfo, word: string, value: string | undefined, depth: number): void => {
    rows.push({ depth, kind: 'flag', word, text: f.text[lang] });
    if (value === undefined) return;
    if (f.mountOptions) {
      for (const o of value.split(',').filter(Boolean)) {
        const key = o.split('=')[0]!;
        const d = MOUNT_OPTIONS[key];
        rows.push({ depth: depth + 1, kind: 'value', word: show(o), text: d ? d[lang] : '?', unknown: d ? undefined : true });
      }
    } else if (f.values) {
      const d = f.values[value];
      if (d) rows.push({ depth: depth + 1, kind: 'value', word: show(value), text: d[lang] });
      else if (f.closed) rows.push({ depth: depth + 1, kind: 'value', word: show(value), text: '?', unknown: true });
    }
  };

  command(0);
  return rows;
}

// Lays the rows out as indented text: the word, then its explanation wrapped in a second column.
export function formatExplain(rows: ExplainRow[], width = 100): string[] {
  const COL = 44;
  const out: string[] = [];
  for (const r of rows) {
    const depth = r.depth + (r.kind === 'command' || r.kind === 'user' ? 0 : 1) + (r.kind === 'value' ? 1 : 0);
    const indent = '  '.repeat(depth);
    const word = r.word.length > COL - 2 - indent.length ? r.word.slice(0, Math.max(8, COL - 3 - indent.length)) + '…' : r.word;
    const left = `${indent}${word}`;
    const lines = wrapText(r.text || '', Math.max(30, width - COL));
    out.push(`${left.padEnd(COL)}${lines[0] ?? ''}`.trimEnd());
    for (const l of lines.slice(1)) out.push(`${' '.repeat(COL)}${l}`);
  }
  return out;
}
