// Plan → an annotated POSIX sh script. The script is the plan in the form a person reads best: every step is a
// comment saying what it does and why, then the exact command glassbox itself runs for it (same argv, same
// quoting, see quote.ts). Three shapes:
//   plan  the steps that start the container, each with its undo shown as a comment;
//   up    what `glassbox run` does: the steps, then wait for the container's main process, then undo every step
//         in reverse order (also on Ctrl-C, kill, or a failed step) and exit with the container's status;
//   down  only the undos, in reverse order, each allowed to fail: safe after a partial start, and safe twice.
// Runtime values (the host PIDs of the main process and of PID 1) live in shell variables gb_pid and gb_pid1;
// the start step sets them with a small loop that is commented line by line, because learners read it.
// A plan with cgroups adds its teardown (kill what is left in the group) before the undos, and removes groups
// through gb_retry_busy, which tries again while the kernel says the group is busy.

import type { Lang, Phase, Plan, Step, Text } from '../plan/types.ts';
import { inProcessLine } from './inprocess.ts';
import { planNames, type ShortNames } from './names.ts';
import { nameDefinitions, renderArg, shellVar, shJoin, splitRefs } from './quote.ts';

/** plan: the steps of a run, to read or copy; exec: the same for one `glassbox exec`; up/down: runnable scripts. */
export type ScriptMode = 'plan' | 'exec' | 'up' | 'down';

export interface ScriptOptions {
  lang: Lang;
  mode: ScriptMode;
  glassboxVersion: string;
  /** Write every value in full instead of naming long ones once at the top (ID=…, RUN=…). */
  fullValues?: boolean;
}

/** Comment lines are wrapped to this many columns (a wide CJK character counts as two). */
const WIDTH = 100;
const RULE = `# ${'-'.repeat(WIDTH - 2)}`;

// Every fixed sentence of the script, in both languages.
const T = {
  container: (name: string, id: string): Text => ({
    en: `glassbox: container ${name} (id ${id})`,
    zh: `glassbox：容器 ${name}（ID ${id}）`,
  }),
  image: { en: 'image: ', zh: '镜像：' },
  command: { en: 'command: ', zh: '命令：' },
  rootless: (enter: string) => ({
    en: `rootless: every command below runs as root of a user namespace of your own, made by: ${enter} sh THIS-SCRIPT`,
    zh: `无 root 模式：下面每条命令都以你自己的用户命名空间里的 root 身份运行，这个命名空间由它创建：${enter} sh 本脚本`,
  }),
  generated: (version: string): Text => ({
    en:
      `Written by glassbox ${version} from the container's plan. Every step below is one plain command, the ` +
      'very command glassbox itself runs for it. Run this script as root with /bin/sh.',
    zh: `由 glassbox ${version} 根据容器的计划生成。下面每一步都是一条普通命令，和 glassbox 自己执行的完全相同。请以 root 身份用 /bin/sh 运行本脚本。`,
  }),
  mode: {
    plan: {
      en: 'This script runs the steps that start the container and leaves it running. The "# undo:" line under a step is the command that reverses it.',
      zh: '本脚本执行启动容器的各个步骤，并让容器保持运行。每一步下面的“# undo:”注释行是撤销这一步的命令。',
    },
    exec: {
      en: 'These steps run one more command in the running container, the way glassbox exec does: in its namespaces and cgroups, as its user, with its capabilities and seccomp filter. The "# undo:" line under a step is the command that reverses it.',
      zh: '这些步骤按 glassbox exec 的方式在运行中的容器里再运行一条命令：进入它的命名空间和控制组，以它的用户身份，带着它的能力和 seccomp 过滤器。每一步下面的“# undo:”注释行是撤销这一步的命令。',
    },
    up: {
      en: "This script starts the container, waits for its main process to end, then undoes every step in reverse order (also after Ctrl-C, a kill, or a failed step). It exits with the container's exit status.",
      zh: '本脚本启动容器，等待其主进程结束，然后按相反顺序撤销每一步（按下 Ctrl-C、被 kill 或某一步失败时也会撤销）。脚本的退出码就是容器的退出码。',
    },
    down: {
      en: "This script undoes the container's steps in reverse order. Every undo may fail (|| true): the object may never have been made, or may already be gone. So it is safe after a partial start, and safe to run twice.",
      zh: '本脚本按相反顺序撤销容器的各个步骤。每条撤销命令都允许失败（|| true）：对象可能从未创建，也可能已经不在了。因此在启动只完成一部分之后运行、或运行两次，都是安全的。',
    },
  } satisfies Record<ScriptMode, Text>,
  phase: {
    setup: {
      en: 'Setup: prepare everything the container needs before its first process starts.',
      zh: '准备阶段：在容器的第一个进程启动之前，准备好它需要的一切。',
    },
    start: {
      en: "Start: launch the container's main process and find its PID 1.",
      zh: '启动阶段：启动容器的主进程，并找到它的 PID 1。',
    },
    boot: {
      en: 'Boot: the settings that need the running PID 1, made while it waits to go on.',
      zh: '引导阶段：完成需要 PID 1 已经运行的设置，此时它在等待继续。',
    },
  } satisfies Record<Phase, Text>,
  runtimeVars: {
    en: 'Host PIDs known only while the container runs; the start step sets them (the cleanup may run before).',
    zh: '只有容器运行时才知道的宿主机 PID；由启动步骤设置（清理可能在那之前就运行）。',
  },
  downVars: {
    en: "Host PIDs known only while the container ran. Undos that need one fail harmlessly unless you set it in the environment (gb_pid1=1234 sh down.sh).",
    zh: '只有容器运行时才知道的宿主机 PID。需要它们的撤销命令会无害地失败，除非你在环境变量中给出（gb_pid1=1234 sh down.sh）。',
  },
  stepCounter: {
    en: 'The number of the last step begun: the cleanup undoes only steps up to it (as the undo journal does).',
    zh: '最近开始的步骤编号：清理只撤销到这一步为止（和撤销日志的做法一样）。',
  },
  cleanup: {
    en: 'Cleanup: undo the steps in reverse order. Each undo runs only if its step was begun.',
    zh: '清理：按相反顺序撤销各个步骤。只有已经开始的步骤才会被撤销。',
  },
  cleanupOnce: {
    en: 'Run only once: the traps and the end of this script all call it.',
    zh: '只运行一次：信号处理和脚本结尾都会调用它。',
  },
  cleanupGoOn: {
    en: 'Keep going when an undo fails, so that one problem does not leave everything else behind.',
    zh: '某条撤销命令失败时继续执行，免得一个问题把其余的东西都留下。',
  },
  trapSignals: {
    en: 'Ctrl-C or kill: clean up, then exit as a process killed by that signal would (128 + its number).',
    zh: 'Ctrl-C 或 kill：先清理，再像被该信号杀死的进程那样退出（128 + 信号编号）。',
  },
  trapExit: {
    en: 'A failed step (set -e) or any other exit: clean up as well.',
    zh: '某一步失败（set -e）或其他任何退出：同样清理。',
  },
  execWait: {
    en: 'The command runs. Wait for it (its chain dies with this script, the command itself would not), remove what the steps made, and exit with its status.',
    zh: '命令正在运行。等待它结束（这条链会随本脚本一起结束，命令本身不会），删除这些步骤创建的东西，再以它的退出码退出。',
  },
  waitHeading: {
    en: 'The container runs. Wait for its main process; its exit status becomes this script\'s.',
    zh: '容器正在运行。等待它的主进程；它的退出码就是本脚本的退出码。',
  },
  startedHook: {
    en: 'Tell whoever started this script that the container runs (compose script: the project\'s up.sh waits for this file before it starts the services that depend on this one).',
    zh: '告诉启动本脚本的一方容器已在运行（compose script：项目的 up.sh 等到这个文件出现，才启动依赖本服务的服务）。',
  },
  waitCleanup: {
    en: "Undo every step in reverse order, then pass the container's exit status on.",
    zh: '按相反顺序撤销每一步，然后把容器的退出码传出去。',
  },
  nothingToUndo: { en: 'Nothing to undo.', zh: '没有需要撤销的步骤。' },
  startStdin: {
    en: "Run it in the background with this script's standard input (sh alone would give it /dev/null), and keep its PID.",
    zh: '在后台运行它，并把本脚本的标准输入交给它（否则 sh 会给它 /dev/null），然后记下它的 PID。',
  },
  selfIntro: {
    en: 'Wait until the process itself sits at the barrier, blocked opening the FIFO: then its PID is the one to move into the cgroups.',
    zh: '等这个进程自己停在栅栏处（阻塞在打开 FIFO 上）：这时要移进控制组的就是它的 PID。',
  },
  selfUnder: {
    en: 'The process itself, or with -t its child under script (the terminal\'s wrapper).',
    zh: '就是这个进程本身；有 -t 时是 script（终端的包装程序）下面的子进程。',
  },
  selfDied: {
    en: 'glassbox: the command exited before it reached the barrier',
    zh: 'glassbox：命令在到达栅栏之前就退出了',
  },
  fdsNote: (fds: string): Text => ({
    en: `The process gets these host files, opened read-only, as descriptors 3, 4, …: ${fds}.`,
    zh: `这个进程以 3、4……号描述符得到这些以只读方式打开的主机文件：${fds}。`,
  }),
  loopIntro: {
    en: 'Find PID 1: the main process forks a child, PID 1 of the new PID namespace. Wait until it sits at the start barrier, blocked opening the FIFO, so its libraries are loaded before its root is switched.',
    zh: '找到 PID 1：主进程会 fork 出一个子进程，也就是新 PID 命名空间里的 1 号进程。要等它停在启动栅栏处（阻塞在打开 FIFO 上），这时它的共享库已经加载完毕，才能切换它的根。',
  },
  loopAlive: {
    en: 'Give up if the main process has ended (a zombie still answers kill -0 but its exe link leads nowhere).',
    zh: '如果主进程已经结束就放弃（僵尸进程仍会响应 kill -0，但它的 exe 链接已经指向不了任何文件）。',
  },
  loopDied: {
    en: 'glassbox: the container exited before its PID 1 started',
    zh: 'glassbox：容器在其 PID 1 启动之前就退出了',
  },
  loopChildren: {
    en: "The kernel lists a process's children in this file, on one line, separated by spaces; the shell's own read takes it (no process is started for it).",
    zh: '内核在这个文件里用一行列出一个进程的子进程，以空格分隔；由 shell 自带的 read 读取（不为此启动任何进程）。',
  },
  loopRead: {
    en: "The kernel lists a process's children in this file, on one line, separated by spaces; the shell's own read takes it, and each one's wchan (no process is started for them).",
    zh: '内核在这个文件里用一行列出一个进程的子进程，以空格分隔；由 shell 自带的 read 读取它和每个进程的 wchan（不为此启动任何进程）。',
  },
  loopExe: {
    en: 'A child that waits in the kernel for the other end of a FIFO (wchan "wait_for_partner") and runs another program than its parent (test -ef: its /proc/PID/exe is not the same file) is PID 1 at the barrier.',
    zh: '停在栅栏处的 PID 1 是这样的子进程：它在内核里等待 FIFO 的另一端（wchan 为 "wait_for_partner"），运行的程序又与父进程不同（test -ef：两者的 /proc/PID/exe 不是同一个文件）。',
  },
  loopSleep: {
    en: 'Not there yet: look again in 10 ms.',
    zh: '还没有：10 毫秒后再看。',
  },
  retryBusy: {
    en: 'Run a command again while it fails saying "busy", up to 50 times, 0.1 s apart: removing a cgroup works only once the kernel has let go of its last process. One rmdir removes the groups of every tree, so on a later try those an earlier one removed answer "No such file or directory": when every line says so, they are all gone.',
    zh: '命令失败并提示 "busy" 时重新运行，最多 50 次，每次间隔 0.1 秒：只有内核放开了最后一个进程之后，cgroup 才能删除。一条 rmdir 删除每棵树里的组，所以重试时，之前已经删掉的组会回答 "No such file or directory"：每一行都这样说时，它们就都已经不在了。',
  },
  teardown: {
    en: "Teardown: kill whatever is left in the container's cgroup, before its groups are removed.",
    zh: '拆除：在删除容器的控制组之前，杀死组里剩下的一切。',
  },
  teardownPlan: {
    en: "When the container ends, glassbox kills whatever is left in its cgroup before undoing the steps:",
    zh: '容器结束时，glassbox 在撤销各步骤之前，先杀死它的控制组里剩下的一切：',
  },
  existsOk: {
    en: 'Run a command that makes a shared object (a bridge, an iptables chain): when it fails because the object already exists, another container made it first, and that is fine.',
    zh: '运行一条创建共享对象（网桥、iptables 链）的命令：如果因为对象已经存在而失败，说明别的容器先建好了，这没有问题。',
  },
  existsOkNote: { en: '# (fine if it already exists: shared with other containers)', zh: '# （已经存在也没关系：与其他容器共用）' },
  names: {
    en: 'Long values, named once: every line below writes them as "$NAME".',
    zh: '较长的值在这里命名一次：下面每一行都把它们写成 "$名字"。',
  },
  sameWhy: { en: '(why: as for the step above)', zh: '（原因同上一步）' },
  retried: { en: ' (tried again while busy)', zh: '（busy 时重试）' },
};

// The one-line form of a step's command, as --verbose and learn mode print it (start steps end with &).
// With `names`, long values are written as their variables ("$RUN"/ns/net: see names.ts).
export function renderStepCommand(step: Step, names?: ShortNames): string {
  const arg = (a: string) => renderArg(a, shellVar, names);
  const join = (argv: string[]) => shJoin(argv, shellVar, names);
  switch (step.kind) {
    case 'run': {
      const out = step.stdout === undefined ? '' : ` > ${arg(step.stdout)}`;
      const cmd = join(argvOf(step)) + out;
      return step.stdin === undefined ? cmd : `printf '%s' ${arg(step.stdin)} | ${cmd}`;
    }
    case 'write':
    case 'mkdir':
    case 'remove':
      return inProcessLine(step, names);
    case 'start':
      return `${join(argvOf(step))} &`;
    case 'mount': {
      const m = step.mount!;
      return `# fstab entry: ${[m.source, m.target, m.type, m.options].join(' ')}`;
    }
  }
}

// The command that reverses a step, rendered like a run command; undefined when the step has none.
export function renderUndo(step: Step, names?: ShortNames): string | undefined {
  return step.undo ? shJoin(step.undo, shellVar, names) : undefined;
}

// The undo as a script runs it: through gb_retry_busy when the step asks to be retried while busy.
function scriptUndo(step: Step, names?: ShortNames): string | undefined {
  const undo = renderUndo(step, names);
  return undo !== undefined && step.undoRetry === 'while-busy' ? `gb_retry_busy ${undo}` : undo;
}

// gb_retry_busy, for scripts with undos that are retried while busy (the executor's runWhileBusy, in sh).
function retryFunction(plan: Plan, lang: Lang): string[] {
  if (!plan.steps.some((s) => s.undo && s.undoRetry === 'while-busy')) return [];
  return [
    '',
    ...comment(T.retryBusy[lang]),
    'gb_retry_busy() {',
    '  gb_try=1',
    '  while ! gb_err=$("$@" 2>&1); do',
    '    case $gb_err in *busy*) ;; *) gb_gone "$gb_err" || { printf \'%s\\n\' "$gb_err" >&2; return 1; }; return 0 ;; esac',
    '    if [ "$gb_try" -ge 50 ]; then printf \'%s\\n\' "$gb_err" >&2; return 1; fi',
    '    gb_try=$((gb_try + 1))',
    '    sleep 0.1',
    '  done',
    '}',
    'gb_gone() {',
    '  gb_rest=$1',
    "  gb_nl='",
    "'",
    '  while :; do',
    '    gb_line=${gb_rest%%"$gb_nl"*}',
    "    case $gb_line in *'No such file or directory'*) ;; *) return 1 ;; esac",
    '    [ "$gb_line" != "$gb_rest" ] || return 0',
    '    gb_rest=${gb_rest#*"$gb_nl"}',
    '  done',
    '}',
  ];
}

// gb_exists_ok, for scripts with steps that make shared objects (the executor's EXISTS check, in sh).
function existsOkFunction(plan: Plan, lang: Lang): string[] {
  if (!plan.steps.some((s) => s.existsOk)) return [];
  return [
    '',
    ...comment(T.existsOk[lang]),
    'gb_exists_ok() {',
    '  if ! gb_err=$("$@" 2>&1); then',
    '    case $gb_err in *"File exists"*|*"already exists"*|*"already assigned"*) ;; *) printf \'%s\\n\' "$gb_err" >&2; return 1 ;; esac',
    '  fi',
    '}',
  ];
}

// A step's command as a script runs it: through gb_exists_ok when the object it makes may already be there.
function scriptCommand(step: Step, names?: ShortNames): string {
  const cmd = renderStepCommand(step, names);
  if (!step.existsOk || step.kind !== 'run') return cmd;
  const plain = shJoin(argvOf(step), shellVar, names);
  return cmd.slice(0, cmd.length - plain.length) + 'gb_exists_ok ' + plain;
}

// For each teardown step, the number of the last plan step it depends on (through other teardown steps too):
// the step runs only when that one was begun.
function teardownGuards(plan: Plan): Array<{ step: Step; after: number }> {
  const index = new Map(plan.steps.map((s, i) => [s.id, i + 1]));
  const guards = new Map<string, number>();
  return (plan.teardown ?? []).map((step) => {
    const after = Math.max(0, ...step.needs.map((n) => index.get(n) ?? guards.get(n) ?? 0));
    guards.set(step.id, after);
    return { step, after };
  });
}

// Renders the whole plan as a runnable, annotated sh script in the chosen mode and language.
export function renderScript(plan: Plan, opts: ScriptOptions): string {
  const { lang, mode: asked } = opts;
  // An exec's steps are shown as a plan is; only the opening words differ.
  const mode = asked === 'exec' ? 'plan' : asked;
  const out: string[] = ['#!/bin/sh', ...header(plan, opts), 'set -eu'];
  const total = plan.steps.length;
  const vars = runtimeVars(plan);
  const names = opts.fullValues ? [] : planNames(plan);
  if (names.length) out.push('', ...comment(T.names[lang]), ...nameDefinitions(names));

  if (mode === 'down') {
    if (vars.length > 0) {
      out.push('', ...comment(T.downVars[lang]), ...vars.map((v) => `${shellVar(v)}=\${${shellVar(v)}:-}`));
    }
    out.push(...retryFunction(plan, lang));
    const teardown = plan.teardown ?? [];
    if (teardown.length) out.push('', RULE, ...comment(T.teardown[lang]), RULE);
    for (const t of teardown) out.push('', ...comment(t.title[lang]), `${renderStepCommand(t)} || true`);
    const undoable = plan.steps.map((s, i) => ({ s, n: i + 1 })).filter(({ s }) => s.undo);
    if (undoable.length === 0) out.push('', ...comment(T.nothingToUndo[lang]));
    for (const { s, n } of undoable.reverse()) {
      out.push('', ...comment(`undo [${n}/${total}] ${s.title[lang]}`), `${scriptUndo(s, names)} || true`);
    }
    return out.join('\n') + '\n';
  }

  if (mode === 'up') out.push(...cleanupPrelude(plan, vars, lang, names), ...existsOkFunction(plan, lang));

  let phase: Phase | undefined;
  plan.steps.forEach((step, i) => {
    if (step.phase !== phase) {
      phase = step.phase;
      out.push('', RULE, ...comment(T.phase[phase][lang]), RULE);
    }
    // A repeated step (one per namespace, per link…) explains itself once.
    const same = i > 0 && plan.steps[i - 1]!.why[lang] === step.why[lang];
    out.push('', ...comment(`[${i + 1}/${total}] ${step.title[lang]}`), ...(same ? comment(T.sameWhy[lang], '  ') : comment(step.why[lang], '  ')));
    if (mode === 'up' && step.undo) out.push(`gb_step=${i + 1}`);
    out.push(...(step.kind === 'start' ? startBlock(step, lang, names) : [mode === 'up' ? scriptCommand(step, names) : renderStepCommand(step, names)]));
    if (mode === 'plan' && step.existsOk) out.push(T.existsOkNote[lang]);
    const undo = renderUndo(step, names);
    // Undo lines are commands to copy: never wrapped.
    if (mode === 'plan' && undo !== undefined) out.push(`# undo: ${undo.replace(/\n/g, '\n# ')}${step.undoRetry === 'while-busy' ? T.retried[lang] : ''}`);
  });
  if (mode === 'plan' && plan.teardown?.length) {
    out.push('', RULE, ...comment(T.teardown[lang]), RULE, '', ...comment(T.teardownPlan[lang]));
    for (const t of plan.teardown) out.push(...comment(`${t.title[lang]}: ${renderStepCommand(t, names)}`, '  '));
  }

  if (asked === 'exec' && plan.steps.some((s) => s.kind === 'start')) {
    // Then what the exec made goes, newest first, as glassbox's undo does (the barrier FIFO, -t's wrapper).
    const undos = plan.steps.filter((st) => st.undo).reverse().map((st) => `${scriptUndo(st, names)} || true`);
    out.push('', RULE, ...comment(T.execWait[lang]), RULE, 'gb_status=0', 'wait "$gb_pid" || gb_status=$?', ...undos, 'exit "$gb_status"');
  }
  if (mode === 'up') {
    const started = plan.steps.some((s) => s.kind === 'start');
    out.push('', RULE, ...comment(T.waitHeading[lang]), RULE, 'gb_status=0');
    if (started) out.push(...comment(T.startedHook[lang]), '[ -z "${GB_STARTED:-}" ] || echo "$gb_pid1" > "$GB_STARTED"', `wait "$gb_pid" || gb_status=$?`);
    out.push(...comment(T.waitCleanup[lang]), 'gb_cleanup', 'exit "$gb_status"');
  }
  return out.join('\n') + '\n';
}

// The opening comment: which container, from which image, running what, and how the script came to be.
function header(plan: Plan, { lang, mode, glassboxVersion }: ScriptOptions): string[] {
  const { info } = plan;
  return [
    ...comment(T.container(info.name, info.id)[lang]),
    ...comment(`${T.image[lang]}${info.image}`, '  '),
    ...comment(`${T.command[lang]}${shJoin(info.command)}`, '  '),
    ...(info.rootless ? ['#', ...comment(T.rootless(shJoin(info.rootless.enter))[lang])] : []),
    '#',
    ...comment(T.generated(glassboxVersion)[lang]),
    '#',
    ...comment(T.mode[mode][lang]),
    '',
  ];
}

// In up mode: the runtime variables, the step counter, the gb_cleanup function and the traps that call it.
function cleanupPrelude(plan: Plan, vars: string[], lang: Lang, names: ShortNames): string[] {
  const out: string[] = [''];
  if (vars.length > 0) out.push(...comment(T.runtimeVars[lang]), ...vars.map((v) => `${shellVar(v)}=`));
  out.push(...comment(T.stepCounter[lang]), 'gb_step=0');
  out.push(...retryFunction(plan, lang));
  out.push('', ...comment(T.cleanup[lang]), 'gb_cleaned=', 'gb_cleanup() {');
  out.push(...comment(T.cleanupOnce[lang], '', '  '), '  [ -z "$gb_cleaned" ] || return 0', '  gb_cleaned=1');
  out.push(...comment(T.cleanupGoOn[lang], '', '  '), '  set +e');
  const guards = teardownGuards(plan);
  if (guards.length) out.push(...comment(T.teardown[lang], '', '  '));
  for (const { step, after } of guards) {
    out.push(...comment(step.title[lang], '', '  '), `  [ "$gb_step" -lt ${after} ] || ${renderStepCommand(step, names)}`);
  }
  const total = plan.steps.length;
  for (let i = plan.steps.length - 1; i >= 0; i--) {
    const step = plan.steps[i]!;
    const undo = scriptUndo(step, names);
    if (undo === undefined) continue;
    out.push(...comment(`[${i + 1}/${total}] ${step.title[lang]}`, '', '  '));
    out.push(`  [ "$gb_step" -lt ${i + 1} ] || ${undo}${step.undoMayFail ? ' || true' : ''}`);
  }
  out.push('}');
  out.push(...comment(T.trapSignals[lang]), `trap 'gb_cleanup; exit 130' INT`, `trap 'gb_cleanup; exit 143' TERM`);
  out.push(...comment(T.trapExit[lang]), `trap 'gb_cleanup' EXIT`);
  return out;
}

// A start step: launch the main process in the background, then wait (commented line by line) for its PID 1.
function startBlock(step: Step, lang: Lang, names?: ShortNames): string[] {
  const c = (t: Text, indent = '') => comment(t[lang], '', indent);
  // Descriptors 3, 4, … are the step's files (exec's loader and filter); standard input is kept aside above them.
  const fds = step.fds ?? [];
  const keep = fds.length ? 3 + fds.length : 3;
  const opened = fds.map((f, i) => ` ${3 + i}<${shJoin([f], shellVar, names)}`).join('');
  const start = [
    ...c(T.startStdin),
    ...(fds.length ? c(T.fdsNote(fds.join(', '))) : []),
    `exec ${keep}<&0`,
    `${shJoin(argvOf(step), shellVar, names)} <&${keep} ${keep}<&-${opened} &`,
    'gb_pid=$!',
    `exec ${keep}<&-`,
  ];
  // The same wait either way; what differs is where the process at the barrier is looked for.
  const self = step.waits === 'self';
  const look = self
    ? [
        ...c(T.selfUnder, '  '),
        ...c(T.loopRead, '  '),
        '  gb_children=; read -r gb_children 2>/dev/null < "/proc/$gb_pid/task/$gb_pid/children" || true',
        '  for gb_p in "$gb_pid" $gb_children; do',
        '    gb_wchan=; read -r gb_wchan 2>/dev/null < "/proc/$gb_p/wchan" || true',
        '    if [ "$gb_wchan" = wait_for_partner ]; then gb_pid1=$gb_p; break; fi',
        '  done',
      ]
    : [
        ...c(T.loopChildren, '  '),
        '  gb_children=; read -r gb_children 2>/dev/null < "/proc/$gb_pid/task/$gb_pid/children" || true',
        '  for gb_child in $gb_children; do',
        ...c(T.loopExe, '    '),
        '    gb_wchan=; read -r gb_wchan 2>/dev/null < "/proc/$gb_child/wchan" || true',
        '    if [ "$gb_wchan" = wait_for_partner ] && [ -e "/proc/$gb_child/exe" ] && ! [ "/proc/$gb_child/exe" -ef "/proc/$gb_pid/exe" ]; then gb_pid1=$gb_child; break; fi',
        '  done',
        ...c(T.loopSleep, '  '),
      ];
  return [
    ...start,
    ...c(self ? T.selfIntro : T.loopIntro),
    'gb_pid1=',
    'while [ -z "$gb_pid1" ]; do',
    ...c(T.loopAlive, '  '),
    '  if ! kill -0 "$gb_pid" 2>/dev/null || ! [ -e "/proc/$gb_pid/exe" ]; then',
    `    echo ${renderArg((self ? T.selfDied : T.loopDied)[lang])} >&2`,
    '    exit 125',
    '  fi',
    ...look,
    '  [ -n "$gb_pid1" ] || sleep 0.01',
    'done',
  ];
}

// The runtime values any step or undo refers to, plus the two a start step sets, in a stable order.
function runtimeVars(plan: Plan): string[] {
  const names = new Set<string>();
  for (const s of plan.steps) {
    if (s.kind === 'start') names.add('pid').add('pid1');
    const args = [...(s.argv ?? []), ...(s.undo ?? []), s.stdin ?? '', s.stdout ?? '', s.write?.path ?? '', s.write?.value ?? ''];
    for (const a of args) for (const p of splitRefs(a)) if ('ref' in p) names.add(p.ref);
  }
  return [...names].sort();
}

function argvOf(step: Step): string[] {
  if (!step.argv || step.argv.length === 0) throw new Error(`step ${step.id}: a ${step.kind} step needs an argv`);
  return step.argv;
}

// Turns text into comment lines: every line break starts a new `#` line (so no text can escape the comment and
// run), and each paragraph is wrapped to WIDTH columns. `hang` indents the text after `# `.
export function commentLines(text: string, hang = '', indent = ''): string[] {
  return comment(text, hang, indent);
}

function comment(text: string, hang = '', indent = ''): string[] {
  const prefix = `${indent}# ${hang}`;
  const lines: string[] = [];
  for (const para of text.split(/\r\n|\r|\n/)) {
    const wrapped = wrap(para, WIDTH - width(prefix));
    lines.push(...(wrapped.length ? wrapped : ['']).map((l) => (l ? prefix + l : `${indent}#`)));
  }
  return lines;
}

const WIDE = '\\u1100-\\u115F\\u2E80-\\u303E\\u3041-\\u33FF\\u3400-\\u4DBF\\u4E00-\\u9FFF\\uA000-\\uA4CF\\uAC00-\\uD7A3\\uF900-\\uFAFF\\uFE30-\\uFE4F\\uFF00-\\uFF60\\uFFE0-\\uFFE6';
const WIDE_CHAR = new RegExp(`[${WIDE}]`, 'u');
/** Words, single wide characters (CJK text may break between any two), and runs of spaces. */
const TOKEN = new RegExp(`\\s+|[${WIDE}]|[^\\s${WIDE}]+`, 'gu');
/** Punctuation that must not begin a line (the character before it moves down with it). */
const NO_LINE_START = /^[，。、；：！？）」』》〉】,.;:!?)]/u;

// Display width in terminal columns: CJK characters take two.
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += WIDE_CHAR.test(ch) ? 2 : 1;
  return w;
}

// Greedy word wrap that also breaks CJK text between characters; a longer word stays whole on its own line.
function wrap(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  let space = false;
  for (const tok of text.match(TOKEN) ?? []) {
    if (/^\s/.test(tok)) {
      space = true;
      continue;
    }
    const joined = line + (space && line ? ' ' : '') + tok;
    const last = [...line].at(-1) ?? '';
    if (!line || width(joined) <= max) {
      line = joined;
    } else if (!NO_LINE_START.test(tok)) {
      lines.push(line);
      line = tok;
    } else if (!space && WIDE_CHAR.test(last) && line.length > last.length) {
      // Punctuation may not start a line: carry the character before it over as well.
      lines.push(line.slice(0, -last.length));
      line = last + tok;
    } else {
      line = joined;
    }
    space = false;
  }
  if (line) lines.push(line);
  return lines;
}

/** Files the monitor of a detached container reads and writes (all under the container's state directory). */
export interface MonitorFiles {
  /** The container's standard output and standard error, appended. */
  stdout: string;
  stderr: string;
  /** The FIFOs from the container to the awk that stamps each line with its time. */
  stdoutFifo: string;
  stderrFifo: string;
  /** The start chain's PID, for glassbox to find PID 1 under it. */
  chain: string;
  /** PID 1's host PID, written by glassbox once it is known (the teardown may need it). */
  pid1: string;
  /** The container's exit status, written atomically (temp file, then mv). */
  exit: string;
  /** Written last, once every undo has run: the container is stopped and its host objects are released. */
  done: string;
}

/** The log rotation steps of one stream (the monitor-logs block). */
export interface LogSteps {
  size: Step;
  stamp: Step;
  /** Run in this order by awk once the file reaches max-size. */
  rotate: Step[];
  maxSize: number;
  log: string;
}

/** What the monitor does besides waiting: restarts, health checks, log rotation (each absent when not asked). */
export interface MonitorDuties {
  restart?: { steps: Step[]; policy: NonNullable<NonNullable<Plan['info']['lifecycle']>['restart']> };
  health?: { steps: Step[]; check: Plan; health: NonNullable<Plan['info']['health']> };
  logs?: { stdout: LogSteps; stderr: LogSteps };
}

export interface MonitorOptions {
  lang: Lang;
  glassboxVersion: string;
  files: MonitorFiles;
  /** The expanded monitor block (expandMonitor in monitor-steps.ts): every command the script runs comes from it. */
  steps: Step[];
  /** --rm: remove the state directory too, and release the name (this link, when it still points here). */
  remove?: { nameLink: string; linkTarget: string };
  /** Restarts, health checks, log rotation (expandDuties in monitor-steps.ts). */
  duties?: MonitorDuties;
}

/** The monitor block's steps by name (monitorSteps in monitor-steps.ts); --rm has the name steps, else `done`. */
export interface MonitorSteps {
  fifosClear: Step;
  fifos: Step;
  stampStdout: Step;
  stampStderr: Step;
  chain: Step;
  chainPublish: Step;
  fifosRemove: Step;
  sigkillTail: Step;
  sigkillNoise: Step;
  exit: Step;
  exitPublish: Step;
  pid1: Step;
  nameCheck?: Step;
  nameRelease?: Step;
  done?: Step;
}

/** The instance name of the monitor block: its steps are monitor.<step id in the block>. */
export const MONITOR_AS = 'monitor';
const AS = MONITOR_AS;

// The expanded monitor steps by their name in the block (a clear error when the block lost one).
function monitorStepsOf(steps: Step[]): MonitorSteps {
  const get = (name: string): Step => {
    const s = steps.find((x) => x.id === `${AS}.${name}`);
    if (!s) throw new Error(`the monitor block has no step ${name}`);
    return s;
  };
  const has = (name: string) => steps.some((x) => x.id === `${AS}.${name}`);
  return {
    fifosClear: get('fifos-clear'), fifos: get('fifos'), stampStdout: get('stamp-stdout'), stampStderr: get('stamp-stderr'),
    chain: get('chain'), chainPublish: get('chain-publish'), fifosRemove: get('fifos-remove'),
    sigkillTail: get('sigkill-tail'), sigkillNoise: get('sigkill-noise'), exit: get('exit'), exitPublish: get('exit-publish'), pid1: get('pid1'),
    ...(has('name-check') ? { nameCheck: get('name-check'), nameRelease: get('name-release') } : { done: get('done') }),
  };
}

const M = {
  intro: {
    en:
      'The monitor of a detached container (glassbox run -d). It is the parent of the container\'s start chain and the only thing that stays besides the container: it starts the chain with its output appended to the log files, waits for it, records the exit status, then kills what is left in the container\'s cgroup and runs every undo in reverse order, like down.sh. glassbox switches the root and opens the start barrier while this script waits.',
    zh: '后台容器（glassbox run -d）的监视脚本。它是容器启动链的父进程，也是容器之外唯一留下的东西：它启动启动链，把输出追加到日志文件，等待它结束，记下退出码，然后杀死容器控制组里剩下的一切，并像 down.sh 一样按相反顺序执行每条撤销命令。在它等待的同时，glassbox 切换根并打开启动栅栏。',
  },
  start: {
    en: "Start the container's first process in the background: no terminal, its output into the FIFOs; tell glassbox its PID.",
    zh: '在后台启动容器的第一个进程：没有终端，输出写进这两个 FIFO；把它的 PID 告诉 glassbox。',
  },
  wait: { en: 'Wait for it; its exit status is the container\'s.', zh: '等待它结束；它的退出码就是容器的退出码。' },
  keepVolumes: {
    en: 'The anonymous volumes stay until glassbox rm -v (without --rm, docker keeps them too).',
    zh: '匿名卷保留到 glassbox rm -v 为止（没有 --rm 时 docker 也保留它们）。',
  },
  restartVars: (name: string, max: number): Text => ({
    en: `Restart policy ${name}${max ? ` (at most ${max} restarts)` : ''}: the monitor starts the container again itself, in the same namespaces, cgroups and files. The restart count, the back-off in ms (docker's: 100 ms, doubled each time, reset after 10 s up), the runs so far, and the uptime at the last start.`,
    zh: `重启策略 ${name}${max ? `（最多重启 ${max} 次）` : ''}：由监视脚本自己再次启动容器，使用同样的命名空间、控制组和文件。下面是重启次数、退避时间（毫秒；docker 的规则：100 毫秒，每次加倍，运行满 10 秒后重置）、已运行的次数，以及上次启动时的开机时长。`,
  }),
  wake: {
    en: 'glassbox stop sends SIGUSR1 to cut a back-off short; the trap only notes it (a trapped signal is not passed on to the container: its PID 1 gets default handling).',
    zh: 'glassbox stop 发送 SIGUSR1 来打断退避等待；trap 只是记下它（被 trap 的信号不会影响容器：它的 PID 1 得到默认的处理方式）。',
  },
  killTree: {
    en: 'A process and everything under it, children first (their PIDs are listed by the kernel, read with the shell\'s own read).',
    zh: '一个进程以及它下面的一切，先杀子进程（内核列出它们的 PID，用 shell 自带的 read 读取）。',
  },
  loop: {
    en: 'Each turn of this loop is one run of the container: the first one glassbox boots, the next ones this script.',
    zh: '这个循环每转一圈就是容器的一次运行：第一次由 glassbox 引导，以后由本脚本引导。',
  },
  reboot: {
    en: 'A restart: glassbox is not here, so this script does its boot steps (the same commands, in the same order).',
    zh: '重启：glassbox 不在，所以由本脚本执行它的引导步骤（同样的命令，同样的顺序）。',
  },
  bootAgain: {
    en: 'The plan\'s boot steps, while PID 1 waits at the barrier; if one fails, the chain is killed and the policy decides again.',
    zh: '计划中的引导步骤，此时 PID 1 在栅栏处等待；其中一步失败时杀死启动链，由策略重新决定。',
  },
  waitUsr1: {
    en: 'Wait for it; its exit status is the container\'s. A trapped SIGUSR1 ends wait early, so wait again while the chain lives.',
    zh: '等待它结束；它的退出码就是容器的退出码。被 trap 的 SIGUSR1 会让 wait 提前返回，所以只要启动链还活着就再等。',
  },
  healthEnd: {
    en: 'The container ended: its health checks end too.',
    zh: '容器结束了：它的健康检查也结束。',
  },
  teardownNow: {
    en: "Kill what is left in the container's cgroup now, so the next run starts alone.",
    zh: '现在就杀死容器控制组里剩下的一切，让下一次运行单独开始。',
  },
  policy: (name: string): Text => ({
    en: name === 'on-failure' ? 'on-failure: only a non-zero exit status is restarted, within the count.' : `${name}: any end is restarted.`,
    zh: name === 'on-failure' ? 'on-failure：只有非零退出码才重启，并且不超过次数。' : `${name}：任何结束都会重启。`,
  }),
  backoffReset: {
    en: 'A run of 10 s or more resets the back-off to 100 ms (the integer seconds of /proc/uptime, read without a process).',
    zh: '运行满 10 秒就把退避重置为 100 毫秒（取 /proc/uptime 的整数秒，不启动进程）。',
  },
  health: {
    en: 'The health check, in the background beside the container: every interval, the same steps glassbox exec runs (a barrier, a chain into the container\'s namespaces, its cgroups joined before it goes on), allowed the timeout; its status and last five results in plain files.',
    zh: '健康检查，在容器旁边后台运行：每个间隔执行一次和 glassbox exec 相同的步骤（栅栏、进入容器命名空间的命令链、放行之前加入它的控制组），限定超时；状态和最近五个结果保存在普通文件里。',
  },
  healthRule: (retries: number, startSecs: number): Text => ({
    en: `A success makes it healthy; ${retries} failures in a row make it unhealthy; failures in the first ${startSecs} s (the start period) do not count while it is still starting.`,
    zh: `一次成功就是 healthy；连续失败 ${retries} 次就是 unhealthy；还在 starting 时，头 ${startSecs} 秒（启动期）内的失败不计数。`,
  }),
  keep: {
    en: 'The state directory (logs, exit status, the writable layer) stays until glassbox rm.',
    zh: '状态目录（日志、退出码、可写层）保留到 glassbox rm 为止。',
  },
};

// The monitor of a detached container as a POSIX sh script: start the chain, wait, record the exit status, tear
// down and undo (the down script's commands, unconditionally: by the time it runs, every setup step ran). Every
// command is a step (the monitor block's, the plan's start, teardown and undos); this function writes only the
// shell around them: redirections, `&`, the variables, `wait`, `if` and `|| true`.
export function renderMonitor(plan: Plan, opts: MonitorOptions): string {
  const { lang, files } = opts;
  const start = plan.steps.find((s) => s.kind === 'start');
  if (!start) throw new Error('a monitor needs a plan with a start step');
  const m = monitorStepsOf(opts.steps);
  const q = renderArg;
  const cmd = (s: Step) => renderStepCommand(s);
  const info = plan.info;
  const d = opts.duties ?? {};
  const rs = d.restart ? dutySteps(d.restart.steps, 'restart') : undefined;
  const out: string[] = [
    '#!/bin/sh',
    ...comment(T.container(info.name, info.id)[lang]),
    ...comment(`${T.image[lang]}${info.image}`, '  '),
    ...comment(`${T.command[lang]}${shJoin(info.command)}`, '  '),
    '#',
    ...comment(T.generated(opts.glassboxVersion)[lang]),
    '#',
    ...comment(M.intro[lang]),
    '',
  ];
  out.push('set -u', 'gb_pid=', 'gb_pid1=');
  if (d.restart) {
    out.push('', ...comment(M.restartVars(d.restart.policy.name, d.restart.policy.maxRetries)[lang]), 'gb_restarts=0', 'gb_delay=100', 'gb_run=0', 'gb_up0=0');
    out.push(...comment(M.wake[lang]), "trap 'gb_wake=1' USR1");
  }
  out.push(...retryFunction(plan, lang));
  if (d.health || d.restart) out.push(...killTree(d, lang));
  out.push('', ...comment(m.stampStdout.why[lang]), cmd(m.fifosClear), cmd(m.fifos));
  const indent = d.restart ? '  ' : '';
  const body: string[] = [];
  if (d.logs) {
    body.push(...comment(d.logs.stdout.stamp.why[lang]));
    for (const [ls, fifo, v] of [[d.logs.stdout, files.stdoutFifo, 'gb_out'], [d.logs.stderr, files.stderrFifo, 'gb_err']] as const) {
      const rotate = ls.rotate.map((r) => `${renderStepCommand(r)} 2>/dev/null`).join('; ');
      body.push(`gb_size=$(${cmd(ls.size)} <${q(ls.log)} 2>/dev/null) || gb_size=0`);
      body.push(`gb_log=${q(ls.log)} gb_max=${ls.maxSize} gb_size=$gb_size gb_rotate=${q(rotate)} ${cmd(ls.stamp)} <${q(fifo)} &`, `${v}=$!`);
    }
  } else {
    body.push(`${cmd(m.stampStdout)} <${q(files.stdoutFifo)} >>${q(files.stdout)} &`, 'gb_out=$!');
    body.push(`${cmd(m.stampStderr)} <${q(files.stderrFifo)} >>${q(files.stderr)} &`, 'gb_err=$!');
  }
  body.push('', ...comment(M.start[lang]), `${shJoin(argvOf(start))} </dev/null >${q(files.stdoutFifo)} 2>${q(files.stderrFifo)} &`, 'gb_pid=$!', cmd(m.chain), cmd(m.chainPublish));
  if (d.restart && rs) body.push(...restartBoot(plan, rs, lang));
  if (d.health) body.push(...healthLoop(d.health, lang));
  if (d.restart) {
    body.push('', ...comment(M.waitUsr1[lang]), 'while :; do', '  gb_status=0', '  wait "$gb_pid" || gb_status=$?', '  if [ "$gb_status" -gt 128 ] && kill -0 "$gb_pid" 2>/dev/null; then continue; fi', '  break', 'done');
  } else body.push('', ...comment(M.wait[lang]), 'gb_status=0', 'wait "$gb_pid" || gb_status=$?');
  if (d.health) body.push(...comment(M.healthEnd[lang]), 'gb_kill_tree "$gb_hpid"');
  body.push('wait "$gb_out" "$gb_err"');
  if (!d.restart) body.push(cmd(m.fifosRemove));
  body.push(...comment(m.sigkillNoise.why[lang]));
  body.push(`if [ "$gb_status" -eq 1 ] && ${cmd(m.sigkillTail)} 2>/dev/null | ${cmd(m.sigkillNoise)}; then gb_status=137; fi`);
  if (d.restart && rs) body.push(...comment(m.pid1.why[lang]), `gb_pid1=$(${cmd(m.pid1)} 2>/dev/null) || gb_pid1=`, ...restartDecision(plan, d.restart.policy, rs, lang));
  if (d.restart) {
    out.push('', ...comment(M.loop[lang]), 'while :; do', ...body.map((l) => (l ? indent + l : l)), 'done', cmd(m.fifosRemove));
  } else out.push(...body);
  out.push(...comment(m.exit.why[lang]), cmd(m.exit), cmd(m.exitPublish));
  out.push(...comment(m.pid1.why[lang]), `gb_pid1=$(${cmd(m.pid1)} 2>/dev/null) || gb_pid1=`);
  const teardown = plan.teardown ?? [];
  if (teardown.length) out.push('', ...comment(T.teardown[lang]));
  for (const t of teardown) out.push(...comment(t.title[lang]), `${renderStepCommand(t)} || true`);
  const total = plan.steps.length;
  const state = plan.info.paths.state;
  for (let i = plan.steps.length - 1; i >= 0; i--) {
    const s = plan.steps[i]!;
    if (!s.undo) continue;
    let undo = s.undo;
    // Anonymous volumes go with the container (--rm), or later with rm -v.
    if (!opts.remove && s.role === 'anon-volumes') {
      out.push('', ...comment(M.keepVolumes[lang]));
      continue;
    }
    if (!opts.remove && undo.includes(state)) {
      undo = undo.filter((a) => a !== state);
      out.push('', ...comment(M.keep[lang]));
    }
    const line = s.undoRetry ? `gb_retry_busy ${shJoin(undo)}` : shJoin(undo);
    out.push('', ...comment(`undo [${i + 1}/${total}] ${s.title[lang]}`), `${line} || true`);
  }
  if (opts.remove) {
    if (!m.nameCheck || !m.nameRelease) throw new Error('--rm: the monitor steps were expanded without the name link');
    out.push('', ...comment(m.nameRelease.why[lang]), `if [ "$(${cmd(m.nameCheck)})" = ${q(opts.remove.linkTarget)} ]; then ${cmd(m.nameRelease)}; fi`);
  } else {
    if (!m.done) throw new Error('the monitor steps were expanded with a name link, but the container is kept');
    out.push('', ...comment(m.done.why[lang]), cmd(m.done));
  }
  out.push('exit "$gb_status"');
  return out.join('\n') + '\n';
}

// A duty block's expanded steps by their name in the block.
function dutySteps(steps: Step[], as: string): (name: string) => Step {
  return (name) => {
    const s = steps.find((x) => x.id === `${as}.${name}`);
    if (!s) throw new Error(`the ${as} block has no step ${name}`);
    return s;
  };
}

// gb_kill_tree PID: a process and everything under it (children first), with the kill step of a duty block.
function killTree(d: MonitorDuties, lang: Lang): string[] {
  const kill = d.health ? dutySteps(d.health.steps, 'health')('kill') : undefined;
  const line = kill ? renderStepCommand(kill) : `kill -s KILL "$gb_victims"`;
  return [
    '',
    ...comment(M.killTree[lang]),
    'gb_kill_tree() {',
    '  gb_kids=; read -r gb_kids 2>/dev/null < "/proc/$1/task/$1/children" || true',
    '  for gb_k in $gb_kids; do gb_kill_tree "$gb_k"; done',
    `  gb_victims=$1; ${line} 2>/dev/null || true`,
    '}',
  ];
}

// After the first run (glassbox booted that one): find the new PID 1 at its barrier and run the plan's boot steps
// again, as glassbox did, then name it in the pid1 file.
function restartBoot(plan: Plan, rs: (n: string) => Step, lang: Lang): string[] {
  const c = (t: Text, indent = '') => comment(t[lang], '', indent);
  const boot = plan.steps.filter((s) => s.phase === 'boot');
  const out = [
    '',
    ...c(M.reboot),
    'if [ "$gb_run" -gt 0 ]; then',
    ...c(T.loopIntro, '  '),
    '  gb_pid1=',
    '  while [ -z "$gb_pid1" ] && kill -0 "$gb_pid" 2>/dev/null && [ -e "/proc/$gb_pid/exe" ]; do',
    '    gb_children=; read -r gb_children 2>/dev/null < "/proc/$gb_pid/task/$gb_pid/children" || true',
    '    for gb_child in $gb_children; do',
    '      gb_wchan=; read -r gb_wchan 2>/dev/null < "/proc/$gb_child/wchan" || true',
    '      if [ "$gb_wchan" = wait_for_partner ] && [ -e "/proc/$gb_child/exe" ] && ! [ "/proc/$gb_child/exe" -ef "/proc/$gb_pid/exe" ]; then gb_pid1=$gb_child; break; fi',
    '    done',
    '    [ -n "$gb_pid1" ] || sleep 0.01',
    '  done',
    ...c(M.bootAgain, '  '),
    '  gb_boot=',
    `  if [ -n "$gb_pid1" ] && ! ${renderStepCommand(rs('stopped-check'))}; then gb_boot=1; fi`,
  ];
  for (const s of boot) out.push(...c(s.title, '  '), `  [ -z "$gb_boot" ] || ${renderStepCommand(s)} || gb_boot=`);
  out.push(`  if [ -n "$gb_boot" ]; then ${renderStepCommand(rs('pid1-write'))}; ${renderStepCommand(rs('pid1-publish'))}; else ${renderStepCommand(rs('abort'))} 2>/dev/null; fi`);
  out.push('fi', 'read -r gb_up0 _ < /proc/uptime');
  return out;
}

// Whether the policy starts the container again: not after stop/kill/rm -f (their marker), on-failure only after a
// non-zero status and within its count; then the back-off (interruptible by stop's SIGUSR1), counted and visible.
function restartDecision(plan: Plan, policy: { name: string; maxRetries: number }, rs: (n: string) => Step, lang: Lang): string[] {
  const c = (t: Text) => comment(t[lang]);
  const cmd = (s: Step) => renderStepCommand(s);
  const wants =
    policy.name === 'on-failure'
      ? `[ "$gb_status" -ne 0 ]${policy.maxRetries > 0 ? ` && [ "$gb_restarts" -lt ${policy.maxRetries} ]` : ''}`
      : 'true';
  const out = ['', ...c(M.teardownNow)];
  for (const t of plan.teardown ?? []) out.push(`${renderStepCommand(t)} || true`);
  out.push(cmd(rs('pid1-clear')));
  out.push(...comment(rs('stopped-check').why[lang]), `if ${cmd(rs('stopped-check'))}; then break; fi`);
  out.push(...c(M.policy(policy.name)), `if ! { ${wants}; }; then break; fi`);
  out.push(...c(M.backoffReset), 'read -r gb_up1 _ < /proc/uptime', 'if [ $(( ${gb_up1%.*} - ${gb_up0%.*} )) -ge 10 ]; then gb_delay=100; fi');
  out.push(`gb_delay_s=$((gb_delay / 1000)).$(printf '%03d' $((gb_delay % 1000)))`);
  out.push(...comment(rs('backoff-write').why[lang]), cmd(rs('backoff-write')), cmd(rs('backoff-publish')));
  out.push(...comment(rs('sleep').why[lang]), `${cmd(rs('sleep'))} &`, 'gb_sleep=$!', 'gb_wake=', 'wait "$gb_sleep" || true', 'if [ -n "$gb_wake" ]; then gb_kill_tree "$gb_sleep"; fi');
  out.push(`if ${cmd(rs('stopped-check'))}; then ${cmd(rs('backoff-clear'))}; break; fi`);
  out.push('gb_delay=$((gb_delay * 2))', 'if [ "$gb_delay" -gt 60000 ]; then gb_delay=60000; fi');
  out.push('gb_restarts=$((gb_restarts + 1))', ...comment(rs('count').why[lang]), cmd(rs('count')), cmd(rs('count-publish')));
  out.push(...comment(rs('barrier').why[lang]), `if ! ${cmd(rs('barrier'))}; then ${cmd(rs('backoff-clear'))}; break; fi`, cmd(rs('backoff-clear')), 'gb_run=$((gb_run + 1))');
  return out;
}

// The health check loop, in the background beside PID 1: every interval, the exec plan of the check (its barrier,
// its chain in the container's namespaces, its cgroup joins) with a timeout; the state in plain files.
function healthLoop(h: NonNullable<MonitorDuties['health']>, lang: Lang): string[] {
  const c = (t: Text, indent = '') => comment(t[lang], '', indent);
  const hs = dutySteps(h.steps, 'health');
  const cmd = (s: Step) => renderStepCommand(s);
  const dir = renderArg(hs('dir').argv!.at(-1)!);
  const output = renderArg(hs('record').argv!.at(-1)!);
  const { retries, startPeriodMs } = h.health;
  const check: string[] = [];
  for (const s of h.check.steps) {
    if (s.kind === 'start') check.push(...startBlock(s, lang));
    else check.push(renderStepCommand(s));
  }
  const undos = h.check.steps.filter((s) => s.undo).reverse().map((s) => `${shJoin(s.undo!)} || true`);
  // Still starting, within the start period (whole seconds of /proc/uptime since PID 1 was found).
  const starting = `[ "$gb_state" = starting ] && [ $(( \${gb_now%.*} - \${gb_t0%.*} )) -lt ${Math.ceil(startPeriodMs / 1000)} ]`;
  // Without a start period the start interval never applies (docker's rule), so it is not rendered at all.
  const wait = startPeriodMs > 0
    ? [...c(hs('start-interval').why, '    '), '    read -r gb_now _ < /proc/uptime', `    if ${starting}; then ${cmd(hs('start-interval'))}; else ${cmd(hs('interval'))}; fi`]
    : [`    ${cmd(hs('interval'))}`];
  const inner = [
    ...check,
    ...c(hs('watchdog').why),
    `( ${cmd(hs('watchdog'))}; gb_kill_tree "$gb_pid" ) &`,
    'gb_dog=$!',
    'gb_code=0',
    'wait "$gb_pid" || gb_code=$?',
    'gb_kill_tree "$gb_dog"',
    ...undos,
    'exit "$gb_code"',
  ];
  return [
    '',
    ...c(M.health),
    '(',
    `  ${cmd(hs('dir'))}`,
    `  gb_health='starting 0'; ${cmd(hs('status'))}; ${cmd(hs('status-publish'))}`,
    ...c(hs('pid1').why, '  '),
    '  gb_ctr=',
    `  while [ -z "$gb_ctr" ]; do gb_ctr=$(${cmd(hs('pid1'))} 2>/dev/null) || gb_ctr=; [ -n "$gb_ctr" ] || sleep 0.1; done`,
    '  read -r gb_t0 _ < /proc/uptime',
    '  gb_state=starting; gb_streak=0; gb_seq=0',
    '  while :; do',
    ...wait,
    `    gb_t1=$(${cmd(hs('clock'))})`,
    '    gb_code=0',
    '    (',
    ...inner.map((l) => (l ? `      ${l}` : l)),
    `    ) </dev/null >${output} 2>&1 || gb_code=$?`,
    `    gb_t2=$(${cmd(hs('clock'))})`,
    ...c(hs('record').why, '    '),
    `    gb_seq=$((gb_seq + 1)); gb_entry=${dir}/$gb_seq; gb_old=${dir}/$((gb_seq - 5))`,
    `    { printf '%s %s %s\\n' "$gb_t1" "$gb_t2" "$gb_code"; ${cmd(hs('record'))}; } > "$gb_entry"`,
    `    ${cmd(hs('forget'))}`,
    ...c(M.healthRule(retries, startPeriodMs / 1000), '    '),
    '    if [ "$gb_code" -eq 0 ]; then gb_state=healthy; gb_streak=0',
    '    else',
    '      read -r gb_now _ < /proc/uptime',
    `      if ${starting}; then :`,
    `      else gb_streak=$((gb_streak + 1)); if [ "$gb_streak" -ge ${retries} ]; then gb_state=unhealthy; fi; fi`,
    '    fi',
    `    gb_health="$gb_state $gb_streak"; ${cmd(hs('status'))}; ${cmd(hs('status-publish'))}`,
    '  done',
    ') &',
    'gb_hpid=$!',
  ];
}
