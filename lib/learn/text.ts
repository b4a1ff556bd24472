// Every fixed sentence learn mode prints, in both languages, and the small text helpers it needs (terminal width
// of CJK text, word wrap). Titles, whys and glossary entries live with their blocks and in glossary.ts; this file
// holds only the frame around them.

import type { Lang, Text } from '../plan/types.ts';

export type { Lang, Text };

export const T = {
  keysLine: {
    en: '⏎ run · n skip · e explain · d diff · v values · s shell · j next section · c continue · q quit · h help (letters then ⏎)',
    zh: '⏎ 执行 · n 跳过 · e 解释 · d 变化 · v 完整值 · s shell · j 下一节 · c 不再询问 · q 退出 · h 帮助（字母后按 ⏎）',
  },
  promptKeys: {
    en: '⏎ run · n skip · e explain · d diff · s shell · j next section · h all keys',
    zh: '⏎ 执行 · n 跳过 · e 解释 · d 变化 · s shell · j 下一节 · h 全部按键',
  },
  foldKeys: {
    en: '⏎ run them all · o one by one · q quit · h help',
    zh: '⏎ 全部执行 · o 逐步执行 · q 退出 · h 帮助',
  },
  foldPrompt: (n: number): Text => ({ en: `run these ${n} steps?`, zh: `执行这 ${n} 步吗？` }),
  foldHeading: (n: number, parts: string): Text => ({
    en: `${n} steps that make the rest of the container (${parts}), the way glassbox always does: the lesson is elsewhere, so one ⏎ runs them all (o steps through them)`,
    zh: `${n} 步，按 glassbox 一贯的方式搭好容器的其余部分（${parts}）：这一课的重点不在这里，所以按一次 ⏎ 全部执行（o 逐步执行）`,
  }),
  section: (k: number, n: number): Text => ({ en: `section ${k}/${n}`, zh: `第 ${k}/${n} 节` }),
  stepOf: (k: number, n: number): Text => ({ en: `step ${k}/${n}`, zh: `第 ${k}/${n} 步` }),
  droppedLines: (n: number): Text => ({
    en: `(${n} line${n === 1 ? '' : 's'} typed while the step ran, ignored)`,
    zh: `（步骤执行期间输入的 ${n} 行已忽略）`,
  }),
  namesIntro: {
    en: 'Long values are named once; every command below writes them as "$NAME" (v at a prompt shows a step with them in full):',
    zh: '较长的值在这里命名一次；下面的命令都把它们写成 "$名字"（在提示处输入 v 可以看到完整的值）：',
  },
  fullValues: { en: 'with every value in full', zh: '所有值完整展开' },
  containerOutput: { en: "the container's output", zh: '容器的输出' },
  undoGone: { en: 'already gone', zh: '已经不在了' },
  undoShared: { en: 'still used by another container — left in place', zh: '还有别的容器在用——保留' },
  undoMayFail: (code: number, why: string): Text => ({ en: `exit ${code}, allowed: ${why}`, zh: `退出码 ${code}，允许失败：${why}` }),
  nothingChanged: (n: number, title: string): Text => ({
    en: `step ${n} (${title}) changed nothing that learn mode watches (its observe commands, and the files under the container's and the lesson's directories)`,
    zh: `第 ${n} 步（${title}）没有改变学习模式观察的任何东西（它的观察命令，以及容器和本课目录下的文件）`,
  }),
  filesChanged: { en: 'files', zh: '文件' },
  prompt: { en: 'run this step?', zh: '执行这一步吗？' },
  help: {
    en: [
      'Type a letter (or the word) and press Enter; Enter alone runs the step.',
      '⏎ or y      run the step shown above',
      'n           skip it (later steps that need it may fail: that is a lesson too)',
      'e           explain the command word by word: the program, each flag, each value',
      'd           show what the step before changed (the full diff of its observe commands and files),',
      '            and what this step will look at, as it is now',
      'v           show this step with every value in full instead of "$ID", "$RUN"…',
      's           open a shell in the most useful place at this step (a chroot, the namespaces, the container)',
      'j           run the rest of this section without asking, and stop at the next one',
      'c           continue: run every remaining step without asking',
      'q           quit: stop here and undo every step that ran, newest first',
      'h           this help',
    ].join('\n'),
    zh: [
      '输入一个字母（或整个单词）再按回车；只按回车就执行这一步。',
      '回车或 y    执行上面显示的这一步',
      'n           跳过它（依赖它的后续步骤可能失败：这本身也是一课）',
      'e           逐词解释这条命令：程序、每个选项、每个值',
      'd           显示上一步改变了什么（它的观察命令前后输出和文件的完整差异），',
      '            以及这一步将要观察的东西现在的样子',
      'v           显示这一步的完整值，而不是 "$ID"、"$RUN"……',
      's           在这一步最有用的地方打开一个 shell（chroot 里、命名空间里、容器里）',
      'j           不再询问地执行本节剩下的步骤，停在下一节开头',
      'c           继续：剩下的步骤全部执行，不再询问',
      'q           退出：停在这里，按从新到旧的顺序撤销所有已执行的步骤',
      'h           显示本帮助',
    ].join('\n'),
  },
  unknownKey: { en: 'not an answer learn mode knows: type h and Enter for help', zh: '学习模式不认识这个回答：输入 h 再按回车查看帮助' },
  why: { en: 'why', zh: '为什么' },
  touches: { en: 'touches', zh: '涉及' },
  /** The kernel objects a step's `touches` names. */
  touch: {
    mount: { en: 'mount', zh: '挂载' },
    namespace: { en: 'namespace', zh: '命名空间' },
    file: { en: 'file', zh: '文件' },
    process: { en: 'process', zh: '进程' },
    cgroup: { en: 'cgroup', zh: 'cgroup 控制组' },
    link: { en: 'network interface', zh: '网卡' },
    iptables: { en: 'iptables rules', zh: 'iptables 规则' },
  } as Record<string, Text>,
  undo: { en: 'undo', zh: '撤销' },
  output: { en: 'output', zh: '输出' },
  changed: { en: 'what changed', zh: '变化' },
  unchanged: { en: 'unchanged', zh: '没有变化' },
  nowLooks: { en: 'as it is now', zh: '现在的样子' },
  observeFailed: { en: 'exit', zh: '退出码' },
  noObserve: {
    en: 'This step has no observe commands; its output above is what there is to see.',
    zh: '这一步没有观察命令；上面的输出就是能看到的全部。',
  },
  noDiffYet: { en: 'No step with observe commands has run yet.', zh: '还没有执行过带观察命令的步骤。' },
  lastDiff: (n: number, title: string): Text => ({ en: `what step ${n} (${title}) changed`, zh: `第 ${n} 步（${title}）改变了什么` }),
  willLook: { en: 'what this step will look at, as it is now', zh: '这一步将要观察的东西，现在的样子' },
  notYet: { en: 'not available yet (needs a PID that does not exist yet)', zh: '暂时无法查看（需要的 PID 还不存在）' },
  moreLines: (n: number): Text => ({ en: `… ${n} more lines`, zh: `…… 还有 ${n} 行` }),
  moreChanges: (n: number): Text => ({ en: `… ${n} more changed lines (press d at the next prompt)`, zh: `…… 还有 ${n} 行变化（在下一个提示处按 d 查看）` }),
  ok: (code: number, ms: string): Text => ({ en: `exit ${code} · ${ms}`, zh: `退出码 ${code} · ${ms}` }),
  skipped: { en: 'skipped', zh: '已跳过' },
  cannotSkip: {
    en: 'this step cannot be skipped: the steps after it need it. Press q to stop and undo everything instead.',
    zh: '这一步不能跳过：后面的步骤需要它。如果想停下，请按 q，所有步骤都会被撤销。',
  },
  started: (pid1: number, pid: number): Text => ({
    en: `started: the container's PID 1 is host PID ${pid1} (its parent, unshare, is ${pid}); it waits at the start barrier`,
    zh: `已启动：容器的 1 号进程在宿主机上的 PID 是 ${pid1}（它的父进程 unshare 是 ${pid}）；它正停在启动栅栏处等待`,
  }),
  execStarted: (pid: number): Text => ({
    en: `started: host PID ${pid} waits at the barrier, still outside the container; once in its cgroups it enters the container's namespaces (nsenter)`,
    zh: `已启动：宿主机 PID ${pid} 停在栅栏处，还在容器外面；进入容器的控制组之后，它才进入容器的命名空间（nsenter）`,
  }),
  execReleaseNote: {
    en: 'After this step the command runs in the container; what it prints appears here.',
    zh: '这一步之后，命令在容器里运行；它的输出会显示在这里。',
  },
  execIntro: (name: string, command: string): Text => ({
    en: `One more process in the running container ${name}: ${command}. The container itself is left as it is; only what these steps make is undone.`,
    zh: `在运行中的容器 ${name} 里再运行一个进程：${command}。容器本身保持原样；只撤销这些步骤创建的东西。`,
  }),
  commandExited: (code: number): Text => ({ en: `The command exited with status ${code}.`, zh: `命令退出，退出码 ${code}。` }),
  releaseNote: {
    en: "After this step the container's command runs; what it prints appears here.",
    zh: '这一步之后，容器的命令开始运行；它的输出会显示在这里。',
  },
  running: { en: 'The container runs.', zh: '容器正在运行。' },
  containerExited: (code: number): Text => ({ en: `The container's main process exited with status ${code}.`, zh: `容器的主进程退出，退出码 ${code}。` }),
  explainHeading: { en: 'word by word', zh: '逐词解释' },
  explainUndo: { en: 'and its undo', zh: '以及它的撤销命令' },
  explainWrite: (path: string): Text => ({
    en: `glassbox opens ${path} for writing (creating or emptying it) and writes the value followed by a newline — exactly what the printf line does. It does it in its own process: a file write needs no program.`,
    zh: `glassbox 以写方式打开 ${path}（不存在就创建，存在就清空），写入这个值和一个换行符——和这行 printf 做的完全一样。它在自己的进程里完成：写文件不需要另起程序。`,
  }),
  explainEmptyWrite: (path: string): Text => ({
    en: `glassbox opens ${path} for writing and closes it again: the file exists and is empty afterwards (": > FILE" in sh). Opening a FIFO for writing is also what releases a process waiting to read it.`,
    zh: `glassbox 以写方式打开 ${path} 再关闭：之后这个文件存在并且为空（sh 里的 ": > FILE"）。以写方式打开一个 FIFO，也会放行正在等待读取它的进程。`,
  }),
  explainMkdir: {
    en: 'glassbox creates each directory and any missing parents (mkdir -p), in its own process.',
    zh: 'glassbox 在自己的进程里创建每个目录以及缺少的上级目录（mkdir -p）。',
  },
  explainRemove: {
    en: 'glassbox removes each file if it exists (rm -f), in its own process.',
    zh: 'glassbox 在自己的进程里删除每个文件（如果存在的话，rm -f）。',
  },
  xray: { en: 'system calls', zh: '系统调用' },
  xrayInProcess: {
    en: 'none to trace: glassbox does this itself (openat, write, mkdir, unlink), no program is started',
    zh: '没有可跟踪的：这一步由 glassbox 自己完成（openat、write、mkdir、unlink），不启动任何程序',
  },
  xrayNone: { en: '(none of the traced calls)', zh: '（没有被跟踪的调用）' },
  xrayMore: (n: number): Text => ({ en: `… ${n} more calls`, zh: `…… 还有 ${n} 个调用` }),
  cleanupHeading: { en: 'Cleanup: undoing every step that ran, newest first', zh: '清理：按从新到旧的顺序撤销所有执行过的步骤' },
  cleanupNone: { en: 'Nothing to undo.', zh: '没有需要撤销的东西。' },
  quitDone: {
    en: 'Stopped. Every step that ran has been undone.',
    zh: '已停止。所有执行过的步骤都已撤销。',
  },
  finishedLesson: { en: 'Lesson complete; everything it made has been undone.', zh: '本课完成；它创建的一切都已撤销。' },
  finishedRecipe: { en: 'Done; everything has been undone.', zh: '完成；一切都已撤销。' },
  finishedBuildStep: { en: "Done; the container's writable layer is now a layer of the image, and the container is undone.", zh: '完成；容器的可写层已成为镜像的一层，容器本身已撤销。' },
  packingLayer: { en: 'Packing its upper directory with tar into the next layer, before the undos remove it…', zh: '在撤销步骤删除它之前，用 tar 把它的 upper 目录打包成下一层……' },
  finishedService: (name: string): Text => ({ en: `Done; ${name} is started in the background, under its monitor (glassbox compose ps, logs).`, zh: `完成；${name} 已在后台启动，由它的监视脚本看管（glassbox compose ps、logs）。` }),
  finishedExec: { en: 'Done; what the exec made is undone, and the container still runs.', zh: '完成；exec 创建的东西已撤销，容器仍在运行。' },
  leftovers: (list: string): Text => ({ en: `still mounted after the cleanup: ${list}`, zh: `清理之后仍然挂载着：${list}` }),
  tryIt: { en: 'Try it yourself', zh: '自己动手试试' },
  stepsCount: (n: number): Text => ({ en: `${n} steps.`, zh: `共 ${n} 步。` }),
  fromNote: (n: number): Text => ({ en: `Steps before ${n} run without asking.`, zh: `第 ${n} 步之前的步骤直接执行，不再询问。` }),
  shellNothing: {
    en: 'There is nothing to enter yet: no namespace exists at this point. Press s again once the namespaces are made.',
    zh: '现在还没有可以进入的东西：此时还没有任何命名空间。等命名空间创建之后再按 s。',
  },
  shellHere: (dir: string): Text => ({
    en: `No namespace exists yet, so there is nothing to enter: here is a shell on the host in ${dir}, where the steps so far put their files (ls -la). Type exit to come back.`,
    zh: `现在还没有任何命名空间，没有可以进入的东西：这里是宿主机上的一个 shell，位于 ${dir}，到目前为止的步骤都把文件放在这里（ls -la）。输入 exit 回来。`,
  }),
  shellGone: { en: 'The container has ended; there is nothing left to enter.', zh: '容器已经结束，没有可以进入的东西了。' },
  shellInside: {
    en: "You are inside the container: its root, its processes (ps), its host name, its network. Type exit to come back.",
    zh: '你现在在容器里面：它的根、它的进程（ps）、它的主机名、它的网络。输入 exit 回来。',
  },
  shellBarrier: (rootfs: string): Text => ({
    en: `PID 1 exists but still waits at the start barrier, so its root is not switched yet: / is the host's file system, seen from inside the container's mount namespace (the container's root is mounted at ${rootfs}). The processes, host name and network are already the container's. Type exit to come back.`,
    zh: `1 号进程已经存在，但还停在启动栅栏处，所以它的根还没有切换：/ 仍是宿主机的文件系统，只是从容器的挂载命名空间里看过去（容器的根挂载在 ${rootfs}）。进程、主机名和网络已经是容器自己的了。输入 exit 回来。`,
  }),
  shellNamespaces: (list: string, rootfs?: string): Text => ({
    en:
      `You are in these namespaces, held by files: ${list}. No process of the container exists yet and its root is not switched: / is still the host's file system` +
      (rootfs ? ` (look at ${rootfs}: the container's mounts are there, visible only in this mount namespace)` : '') +
      '. Processes are still the host\'s: the PID namespace is made when PID 1 starts. Type exit to come back.',
    zh:
      `你现在位于这些由文件持有的命名空间里：${list}。容器还没有任何进程，根也没有切换：/ 仍是宿主机的文件系统` +
      (rootfs ? `（看看 ${rootfs}：容器的挂载都在那里，只在这个挂载命名空间里可见）` : '') +
      '。进程仍是宿主机的：PID 命名空间要到 1 号进程启动时才创建。输入 exit 回来。',
  }),
  shellBack: { en: 'back in learn mode', zh: '回到学习模式' },
  needTerminal: {
    en: 'learn mode asks before every step and needs a terminal (standard input and output)',
    zh: '学习模式在每一步之前都要询问，需要一个终端（标准输入和输出）',
  },
  needTerminalHint: { en: 'add --yes to run every step without asking', zh: '加上 --yes 可以不经询问执行所有步骤' },
  phase: {
    setup: { en: 'Setup', zh: '准备阶段' },
    start: { en: 'Start', zh: '启动阶段' },
    boot: { en: 'While PID 1 waits, and after', zh: '1 号进程等待期间及之后' },
  } satisfies Record<string, Text>,
  lessonLine: (n: number, year: string, title: string): Text => ({ en: `Lesson ${n} · ${year} · ${title}`, zh: `第 ${n} 课 · ${year} · ${title}` }),
  recordWritten: (file: string): Text => ({ en: `transcript written to ${file}`, zh: `记录已写入 ${file}` }),
  userCommand: { en: "the container's command", zh: '容器要运行的命令' },
  transcript: {
    head: (what: string, when: string): Text => ({
      en: `Transcript of \`glassbox learn ${what}\`, recorded ${when}. It is itself a runnable script: sudo sh FILE does again what the session did, then undoes it.`,
      zh: `\`glassbox learn ${what}\` 的记录，录于 ${when}。它本身就是一个可以运行的脚本：sudo sh FILE 会把这次学习做过的事重做一遍，然后全部撤销。`,
    }),
    skippedNote: {
      en: 'Steps skipped in the session are kept below as comments ("# skipped:"); steps the session never reached are marked "# not reached:".',
      zh: '学习中跳过的步骤以注释形式保留在下面（"# skipped:"）；学习没有走到的步骤标为 "# not reached:"。',
    },
    skipped: { en: 'skipped: this step was skipped in the learn session', zh: 'skipped：学习时跳过了这一步' },
    notReached: { en: 'not reached: the learn session stopped before this step', zh: 'not reached：学习在这一步之前就停止了' },
  },
};

/** Picks one language of a Text. */
export const pick = (t: Text, lang: Lang): string => t[lang];

const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/u;

// Width in terminal columns: CJK characters take two, the rest one (escape codes are not expected here).
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += WIDE.test(ch) ? 2 : 1;
  return w;
}

// Word-wraps one paragraph to `max` columns; CJK text may break between any two characters.
export function wrapText(text: string, max: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    const tokens = para.match(/\s+|[\u2E80-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF]|[^\s\u2E80-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF]+/gu) ?? [];
    let line = '';
    let gap = false;
    for (const tok of tokens) {
      if (/^\s/.test(tok)) {
        gap = true;
        continue;
      }
      const joined = line + (gap && line ? ' ' : '') + tok;
      if (!line || displayWidth(joined) <= max || /^[，。、；：！？）」』》,.;:!?)]$/u.test(tok)) line = joined;
      else {
        out.push(line);
        line = tok;
      }
      gap = false;
    }
    out.push(line);
  }
  return out;
}
