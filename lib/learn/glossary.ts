// The glossary behind learn mode's `e` key: every program glassbox's blocks run, each flag they pass, and the
// values that need a word of their own (mount options, file system types, propagation modes), in English and
// Chinese. test/unit/learn-glossary.test.ts walks every block of the catalog and every lesson and fails when a
// command or flag is missing here, so a new block cannot ship a command nobody explains.
//
// Flags are keyed as written: '--mount' (also matches --mount=FILE), '-o'. Short flags that are not listed as a
// whole ('-la') are read one letter at a time, as getopt does.

import type { Text } from '../plan/types.ts';

export interface FlagInfo {
  text: Text;
  /** none: a switch; required: takes a value (the next word, or after =); optional: a value only after =. */
  value?: 'none' | 'required' | 'optional';
  /** Explanations of particular values; with `closed`, any other value counts as unknown. */
  values?: Record<string, Text>;
  closed?: boolean;
  /** The value is a comma-separated list of mount options (each explained from MOUNT_OPTIONS). */
  mountOptions?: boolean;
  /** The words after the flag are a program and its arguments (find -exec). */
  runs?: boolean;
}

export interface CommandInfo {
  text: Text;
  flags?: Record<string, FlagInfo>;
  /** What the plain words mean, in order; the last description repeats. */
  operands?: Text[];
  /** After this many operands the next word is a program this one runs (nsenter 0, chroot 1, flock 1). */
  runs?: number;
  /** NAME=VALUE words before the program (env). */
  assignments?: boolean;
  /** busybox: the first word names the applet, which is then read with its own glossary entry. */
  multicall?: boolean;
  /** ip: the first plain word names an object with words of its own. */
  objects?: Record<string, CommandInfo>;
}

const t = (en: string, zh: string): Text => ({ en, zh });
const sw = (en: string, zh: string): FlagInfo => ({ text: t(en, zh), value: 'none' });
const val = (en: string, zh: string, extra: Partial<FlagInfo> = {}): FlagInfo => ({ text: t(en, zh), value: 'required', ...extra });
const opt = (en: string, zh: string): FlagInfo => ({ text: t(en, zh), value: 'optional' });

const SIGNALS: Record<string, Text> = {
  KILL: t('SIGKILL (9): the kernel ends the process at once; it cannot be caught or ignored', 'SIGKILL（9）：内核立即结束进程；它无法被捕获，也无法被忽略'),
  TERM: t('SIGTERM (15): a polite request to end, which a program may handle or ignore', 'SIGTERM（15）：礼貌地请求结束，程序可以处理它，也可以忽略它'),
  INT: t('SIGINT (2): what Ctrl-C sends', 'SIGINT（2）：按 Ctrl-C 时发送的信号'),
  HUP: t('SIGHUP (1): the terminal went away', 'SIGHUP（1）：终端断开了'),
};

/** Mount options (the words inside `mount -o …` and fstab's fourth field), keyed by the part before `=`. */
export const MOUNT_OPTIONS: Record<string, Text> = {
  bind: t('make an existing directory (or file) appear at a second place', '让一个已有的目录（或文件）出现在第二个位置'),
  rbind: t('bind, together with every mount below the source', 'bind，并且连同源目录下面的所有挂载一起'),
  private: t('propagation private: mounts made here are not copied to other namespaces, and theirs not here', '传播类型 private：这里的挂载不会复制到其它命名空间，其它命名空间的挂载也不会复制过来'),
  rprivate: t('private, for this mount and every mount below it', 'private，作用于这个挂载及其下面的所有挂载'),
  shared: t('propagation shared: mounts made here appear in every peer, and the other way round', '传播类型 shared：这里的挂载会出现在所有对等挂载中，反过来也一样'),
  slave: t('propagation slave: receives mounts from its master, sends none back', '传播类型 slave：接收来自主挂载的挂载，但不往回传'),
  ro: t('read-only: no write is allowed through this mount', '只读：不允许通过这个挂载写入'),
  rw: t('read-write', '可读可写'),
  remount: t('change the options of a mount that already exists instead of mounting again', '修改一个已经存在的挂载的选项，而不是重新挂载'),
  nosuid: t('ignore set-user-ID and set-group-ID bits of files here', '忽略这里文件的 set-user-ID 和 set-group-ID 位'),
  nodev: t('device files here cannot be opened as devices', '这里的设备文件不能作为设备打开'),
  noexec: t('programs here cannot be executed', '这里的程序不能被执行'),
  strictatime: t('update access times on every read (the traditional behaviour)', '每次读取都更新访问时间（传统行为）'),
  relatime: t('update access times only when they are older than the modification time', '只有当访问时间早于修改时间时才更新它'),
  mode: t('permissions of the root directory of the new file system', '新文件系统根目录的权限'),
  size: t('the most memory this tmpfs may use (k, m, g suffixes)', '这个 tmpfs 最多可以使用的内存（可带 k、m、g 后缀）'),
  newinstance: t('a devpts of its own, with its own pseudo-terminal numbers, instead of the host\'s', '一个独立的 devpts 实例，有自己的伪终端编号，而不是宿主机的'),
  ptmxmode: t('permissions of the pts/ptmx node of this devpts', '这个 devpts 里 pts/ptmx 节点的权限'),
  gid: t('group owning the new files (5 is the conventional tty group)', '新文件所属的组（5 是惯例中的 tty 组）'),
  uid: t('user owning the new files', '新文件所属的用户'),
  'X-mount.mkdir': t('a mount(8) option, not the kernel\'s: create the mount point first if it is missing', 'mount(8) 自己的选项，不交给内核：挂载点不存在时先创建它'),
  lowerdir: t('overlay: the read-only layers, separated by ":", the top one first', 'overlay：只读的各层，用 ":" 分隔，最上面的一层写在最前面'),
  upperdir: t('overlay: the writable layer that receives every change', 'overlay：接收所有修改的可写层'),
  workdir: t('overlay: an empty scratch directory on the same file system as upperdir, used to make changes atomic', 'overlay：与 upperdir 在同一文件系统上的空暂存目录，用来让修改成为原子操作'),
  defaults: t('the default options: rw, suid, dev, exec, auto, nouser, async', '默认选项：rw、suid、dev、exec、auto、nouser、async'),
};

const FS_TYPES: Record<string, Text> = {
  overlay: t('overlayfs: several directories stacked into one view', 'overlayfs：把多个目录叠成一个视图'),
  tmpfs: t('a file system in memory, gone when unmounted', '存在于内存中的文件系统，卸载后就消失'),
  proc: t('the kernel\'s process information, as files (ps reads it)', '以文件形式呈现的内核进程信息（ps 就读它）'),
  sysfs: t('the kernel\'s view of devices, drivers and network interfaces', '内核眼中的设备、驱动和网卡'),
  devpts: t('pseudo-terminals (/dev/pts/N)', '伪终端（/dev/pts/N）'),
  mqueue: t('POSIX message queues of the current IPC namespace', '当前 IPC 命名空间的 POSIX 消息队列'),
  cgroup: t('a cgroup v1 hierarchy', 'cgroup v1 层级'),
  cgroup2: t('the unified cgroup v2 hierarchy', '统一的 cgroup v2 层级'),
  none: t('no file system type: used with bind mounts', '没有文件系统类型：用于 bind mount'),
};

const NS_FILE = (kind: string, zh: string): FlagInfo =>
  opt(
    `join the ${kind} namespace held by this file (without a file: the --target process's)`,
    `进入这个文件持有的${zh}命名空间（不给文件时：进入 --target 进程的）`,
  );
const NS_NEW = (kind: string, zh: string): FlagInfo =>
  opt(
    `make a new ${kind} namespace; with =FILE, keep it alive after the process ends by bind-mounting it onto FILE`,
    `创建新的${zh}命名空间；带上 =FILE 时，把它 bind mount 到 FILE 上，进程结束后它依然存在`,
  );

export const GLOSSARY: Record<string, CommandInfo> = {
  mount: {
    text: t('attach a file system to the directory tree (mount(2))', '把一个文件系统挂到目录树上（mount(2)）'),
    flags: {
      '-t': val('the file system type', '文件系统类型', { values: FS_TYPES, closed: true }),
      '--types': val('the file system type', '文件系统类型', { values: FS_TYPES, closed: true }),
      '-o': val('mount options, comma separated:', '挂载选项，用逗号分隔：', { mountOptions: true }),
      '--options': val('mount options, comma separated:', '挂载选项，用逗号分隔：', { mountOptions: true }),
      '--mkdir': sw('create the mount point if it does not exist', '挂载点不存在时创建它'),
      '--all': sw('mount every line of an fstab file, in order', '按顺序挂载 fstab 文件里的每一行'),
      '-a': sw('mount every line of an fstab file, in order', '按顺序挂载 fstab 文件里的每一行'),
      '--fstab': val('read this file instead of /etc/fstab', '读这个文件，而不是 /etc/fstab'),
      '--bind': sw('bind mount: the same directory at a second place', 'bind mount：同一个目录出现在第二个位置'),
      '--rbind': sw('bind mount with every mount below it', '连同其下所有挂载一起 bind mount'),
      '--make-private': sw('make the mount private: nothing propagates in or out', '把挂载设为 private：什么都不会传播进来或出去'),
      '--make-rprivate': sw('make the mount and all below it private', '把这个挂载及其下面的所有挂载设为 private'),
    },
    operands: [t('the source: a device, a directory, or a name for file systems that have no device', '来源：设备、目录，或者（对没有设备的文件系统）一个名字'), t('the mount point: where it appears', '挂载点：它出现在哪里')],
  },
  umount: {
    text: t('detach a mounted file system (umount(2)); for a namespace file, drop the namespace it holds', '卸下一个已挂载的文件系统（umount(2)）；对命名空间文件而言，就是释放它持有的命名空间'),
    flags: {
      '--lazy': sw('detach now and clean up once nothing uses it any more', '立即分离，等没有人再使用时再清理'),
      '-l': sw('detach now and clean up once nothing uses it any more', '立即分离，等没有人再使用时再清理'),
      '--recursive': sw('also unmount everything below', '同时卸载下面的所有挂载'),
      '-R': sw('also unmount everything below', '同时卸载下面的所有挂载'),
    },
    operands: [t('a mount point, or a file a namespace is bound to', '挂载点，或者绑定了命名空间的文件')],
  },
  unshare: {
    text: t('run a program in new namespaces (unshare(2))', '在新的命名空间里运行程序（unshare(2)）'),
    runs: 0,
    flags: {
      '--mount': NS_NEW('mount', '挂载'),
      '-m': NS_NEW('mount', '挂载'),
      '--uts': NS_NEW('UTS (host name)', 'UTS（主机名）'),
      '-u': NS_NEW('UTS (host name)', 'UTS（主机名）'),
      '--ipc': NS_NEW('IPC', 'IPC'),
      '-i': NS_NEW('IPC', 'IPC'),
      '--net': NS_NEW('network', '网络'),
      '-n': NS_NEW('network', '网络'),
      '--pid': NS_NEW('PID', 'PID'),
      '-p': NS_NEW('PID', 'PID'),
      '--cgroup': NS_NEW('cgroup', 'cgroup'),
      '-C': NS_NEW('cgroup', 'cgroup'),
      '--user': NS_NEW('user', '用户'),
      '-U': NS_NEW('user', '用户'),
      '--fork': sw('fork and run the program as a child: the first process of a new PID namespace must be a new process', 'fork 出子进程来运行程序：新 PID 命名空间里的第一个进程必须是一个新进程'),
      '-f': sw('fork and run the program as a child: the first process of a new PID namespace must be a new process', 'fork 出子进程来运行程序：新 PID 命名空间里的第一个进程必须是一个新进程'),
      '--kill-child': opt('when unshare dies, the kernel sends the child this signal (SIGKILL by default)', 'unshare 死掉时，内核向子进程发送这个信号（默认 SIGKILL）'),
      '--mount-proc': opt('mount a fresh /proc (at this directory) that shows only the new PID namespace; implies a new mount namespace', '挂载一个新的 /proc（挂在这个目录），只显示新 PID 命名空间里的进程；隐含创建新的挂载命名空间'),
      '--propagation': val('set the propagation of every mount in the new mount namespace', '设置新挂载命名空间里所有挂载的传播类型', {
        values: {
          private: t('private: nothing propagates in or out (the default)', 'private：什么都不传播进来，也不传播出去（默认）'),
          slave: t('slave: host mounts still arrive, ours do not leave', 'slave：宿主机的挂载仍会传进来，我们的不会传出去'),
          shared: t('shared: mounts propagate both ways', 'shared：挂载双向传播'),
          unchanged: t('unchanged: leave propagation as it is', 'unchanged：保持原来的传播类型'),
        },
        closed: true,
      }),
      '--root': val('chroot into this directory before running the program', '运行程序之前 chroot 到这个目录'),
      '--wd': val('change into this working directory before running the program', '运行程序之前进入这个工作目录'),
      '--map-root-user': sw('in the new user namespace, map your own user ID to root (0)', '在新的用户命名空间里，把你自己的用户 ID 映射为 root（0）'),
      '-r': sw('in the new user namespace, map your own user ID to root (0)', '在新的用户命名空间里，把你自己的用户 ID 映射为 root（0）'),
      '--': sw('end of unshare\'s options: what follows is the program', 'unshare 的选项到此为止：后面是要运行的程序'),
    },
  },
  nsenter: {
    text: t('run a program inside existing namespaces (setns(2))', '在已经存在的命名空间里运行程序（setns(2)）'),
    runs: 0,
    flags: {
      '--preserve-credentials': sw('keep the user and group IDs and the groups (no setuid(0), no setgroups) when joining a user namespace', '进入用户命名空间时保留用户 ID、组 ID 和附加组（不调用 setuid(0)，也不调用 setgroups）'),
      '--target': val('take the namespaces (and root and working directory) from this process', '从这个进程那里取得命名空间（以及根目录和工作目录）'),
      '-t': val('take the namespaces (and root and working directory) from this process', '从这个进程那里取得命名空间（以及根目录和工作目录）'),
      '--mount': NS_FILE('mount', '挂载'),
      '-m': NS_FILE('mount', '挂载'),
      '--uts': NS_FILE('UTS (host name)', 'UTS（主机名）'),
      '-u': NS_FILE('UTS (host name)', 'UTS（主机名）'),
      '--ipc': NS_FILE('IPC', 'IPC'),
      '-i': NS_FILE('IPC', 'IPC'),
      '--net': NS_FILE('network', '网络'),
      '-n': NS_FILE('network', '网络'),
      '--pid': NS_FILE('PID', 'PID'),
      '-p': NS_FILE('PID', 'PID'),
      '--cgroup': NS_FILE('cgroup', 'cgroup'),
      '-C': NS_FILE('cgroup', 'cgroup'),
      '--user': NS_FILE('user', '用户'),
      '-U': NS_FILE('user', '用户'),
      '--all': sw('join every namespace of the --target process', '进入 --target 进程的所有命名空间'),
      '-a': sw('join every namespace of the --target process', '进入 --target 进程的所有命名空间'),
      '--root': opt(
        "set the root directory: the --target process's, or the given one. It chroots WITHOUT changing the working directory — which may then lie outside the new root (the hole the classic chroot escape climbs through)",
        '设置根目录：--target 进程的，或者给定的目录。它 chroot 时不改变工作目录——于是工作目录可能留在新根的外面（经典的 chroot 逃逸正是从这个洞爬出去的）',
      ),
      '-r': opt('set the root directory (see --root)', '设置根目录（见 --root）'),
      '--wd': opt("set the working directory: the --target process's, or the given one", '设置工作目录：--target 进程的，或者给定的目录'),
      '-w': opt("set the working directory: the --target process's, or the given one", '设置工作目录：--target 进程的，或者给定的目录'),
      '--setuid': val('run the program as this user ID (inside the joined namespaces)', '以这个用户 ID 运行程序（在进入的命名空间里）'),
      '-S': val('run the program as this user ID (inside the joined namespaces)', '以这个用户 ID 运行程序（在进入的命名空间里）'),
      '--setgid': val('run the program with this group ID', '以这个组 ID 运行程序'),
      '-G': val('run the program with this group ID', '以这个组 ID 运行程序'),
      '--': sw("end of nsenter's options: what follows is the program", 'nsenter 的选项到此为止：后面是要运行的程序'),
    },
  },
  setpriv: {
    text: t('run a program with changed privileges: user, groups, capabilities, signals', '以修改过的权限运行程序：用户、组、能力（capabilities）、信号'),
    runs: 0,
    flags: {
      '--pdeathsig': val('the signal the kernel sends this process when its parent dies', '父进程死亡时，内核发给这个进程的信号', { values: SIGNALS, closed: true }),
      '--reuid': val('set the real and effective user ID', '设置真实和有效用户 ID'),
      '--regid': val('set the real and effective group ID', '设置真实和有效组 ID'),
      '--groups': val('set the supplementary groups to these', '把附加组设为这些'),
      '--clear-groups': sw('drop every supplementary group', '清除所有附加组'),
      '--keep-groups': sw('keep the supplementary groups as they are (rootless: setgroups is not allowed in the user namespace)', '保留现有的附加组（无 root 模式：用户命名空间里不允许 setgroups）'),
      '--init-groups': sw('set the supplementary groups from /etc/group', '根据 /etc/group 设置附加组'),
      '--no-new-privs': sw('no later exec can gain privileges (set-user-ID bits and file capabilities stop working)', '之后的任何 exec 都不能获得权限（set-user-ID 位和文件能力失效）'),
      '--bounding-set': val('limit the capabilities this process and its children can ever have', '限制这个进程及其子进程能够拥有的能力上限'),
      '--inh-caps': val('set the inheritable capabilities', '设置可继承能力'),
      '--ambient-caps': val('set the ambient capabilities', '设置环境能力（ambient）'),
      '--': sw("end of setpriv's options: what follows is the program", 'setpriv 的选项到此为止：后面是要运行的程序'),
    },
  },
  'glassbox-device-filter': {
    text: t(
      "glassbox's own tiny static program for cgroup v2: compile a device allow-list (lines like \"c 1:3 rwm\") into an eBPF program and attach it to a group; the kernel then asks it before any process there makes or opens a device node",
      'glassbox 自己的小型静态程序，用于 cgroup v2：把设备允许列表（形如 "c 1:3 rwm" 的行）编译成 eBPF 程序并挂到一个组上；之后组里的进程创建或打开设备节点之前，内核都会先问它',
    ),
    operands: [
      t('the group (a directory of the cgroup2 tree) the program is attached to', '挂载程序的组（cgroup2 树里的一个目录）'),
      t('one allow rule: c, b or a (any); MAJOR:MINOR (* for any); r, w, m (read, write, mknod)', '一条允许规则：c、b 或 a（任意）；主:次设备号（* 表示任意）；r、w、m（读、写、创建节点）'),
    ],
  },
  'glassbox-seccomp-load': {
    text: t(
      "glassbox's own tiny static program: install a seccomp filter (classic BPF read from a text file), then run the program; the kernel checks every system call of it and of its children against the filter",
      'glassbox 自己的小型静态程序：装上一个 seccomp 过滤器（从文本文件读入的经典 BPF），然后运行程序；内核用这个过滤器检查它和它的子进程发起的每个系统调用',
    ),
    runs: 1,
    flags: {
      '--bounding-set': val('exec: keep only these capabilities (-all,+chown,…), and clear the ambient set', 'exec 时：只保留这些能力（-all,+chown,…），并清空 ambient 能力集'),
      '--regid': val('exec: become this group', 'exec 时：切换到这个组'),
      '--reuid': val('exec: become this user (after the groups)', 'exec 时：切换到这个用户（在设置组之后）'),
      '--groups': val('exec: these supplementary groups', 'exec 时：使用这些附加组'),
      '--clear-groups': sw('exec: no supplementary groups', 'exec 时：不要附加组'),
      '--no-new-privs': sw('no later exec can gain privileges', '之后的任何 exec 都不能获得权限'),
      '--close-fds': sw('close every inherited descriptor above 2 before the program runs', '在程序运行之前关闭所有继承来的、编号大于 2 的描述符'),
      '--setsid': sw('exec: a new session and process group with no controlling terminal (as setsid does)', 'exec 时：新的会话和进程组，没有控制终端（和 setsid 一样）'),
      '--barrier': val('wait at the start barrier: opening this FIFO blocks until glassbox opens its other end; it is closed before the program runs', '在启动栅栏处等待：打开这个 FIFO 会一直阻塞，直到 glassbox 打开它的另一端；程序运行之前把它关掉'),
    },
    operands: [t('the filter file: one BPF instruction per line, "code jt jf k", comments after #; - for none', '过滤器文件：每行一条 BPF 指令，"code jt jf k"，# 后面是注释；- 表示不装过滤器')],
  },
  env: {
    text: t('run a program with a changed environment', '以修改过的环境变量运行程序'),
    runs: 0,
    assignments: true,
    flags: {
      '-i': sw('start from an empty environment: only the NAME=VALUE words that follow', '从空环境开始：只有后面那些 NAME=VALUE'),
      '--ignore-environment': sw('start from an empty environment', '从空环境开始'),
      '-u': val('remove this variable', '删除这个变量'),
    },
  },
  flock: {
    text: t('hold a lock on a file, then run a program; glassbox uses it to wait at the start barrier', '在文件上加锁，然后运行程序；glassbox 用它在启动栅栏处等待'),
    runs: 1,
    flags: {
      '--no-fork': sw("do not fork: become the program itself (so the container's PID 1 stays PID 1)", '不 fork：自己变成那个程序（这样容器的 1 号进程始终是 1 号进程）'),
      '-F': sw('do not fork: become the program itself', '不 fork：自己变成那个程序'),
      '-x': sw('exclusive lock', '排他锁'),
      '-s': sw('shared lock', '共享锁'),
      '-n': sw('fail instead of waiting', '拿不到锁就失败，而不是等待'),
    },
    operands: [t('the file to open and lock: opening the barrier FIFO blocks until glassbox opens its other end', '要打开并加锁的文件：打开栅栏 FIFO 会一直阻塞，直到 glassbox 打开它的另一端')],
  },
  cgexec: {
    text: t('move itself into control groups, then run a program there (libcgroup)', '先把自己移进控制组，再在那里运行程序（libcgroup）'),
    runs: 0,
    flags: {
      '-g': val('CONTROLLERS:PATH: the controllers, and the group\'s path inside each of their trees', 'CONTROLLERS:PATH：控制器，以及组在每棵控制器树里的路径'),
      '--sticky': sw('keep the cgroup rules daemon from moving the children', '不让 cgroup 规则守护进程移动子进程'),
    },
  },
  cgset: {
    text: t('set a control group\'s parameters: write each NAME=VALUE to the group\'s file NAME (libcgroup)', '设置控制组的参数：把每个 NAME=VALUE 写进组里名为 NAME 的文件（libcgroup）'),
    flags: { '-r': val('NAME=VALUE: the control file and the value to write to it', 'NAME=VALUE：控制文件，以及要写进去的值') },
    operands: [t('the group\'s path inside its tree, like glassbox/ID', '组在它那棵树里的路径，比如 glassbox/ID')],
  },
  taskset: {
    text: t('run a program on the given CPUs only (its CPU affinity, inherited by its children)', '只在指定的 CPU 上运行程序（CPU 亲和性，子进程会继承）'),
    runs: 0,
    flags: { '-c': val('the CPUs as a list, like 0 or 0-3,6', 'CPU 列表，比如 0 或 0-3,6') },
  },
  setsid: {
    text: t('run a program as the leader of a new session (a group of processes sharing one controlling terminal)', '让程序作为一个新会话的首进程运行（会话是一组共用同一个控制终端的进程）'),
    runs: 0,
    flags: {
      '--ctty': sw('make standard input, a terminal, the controlling terminal of the new session: Ctrl-C on it signals this session\'s foreground job', '把标准输入（一个终端）设为新会话的控制终端：在它上面按 Ctrl-C，会向这个会话的前台作业发信号'),
      '-c': sw('same as --ctty', '同 --ctty'),
      '-w': sw('wait for the program and return its exit status', '等待程序结束，并返回它的退出码'),
    },
  },
  script: {
    text: t('run $SHELL on a new pseudo-terminal and copy everything between it and this terminal', '在一个新的伪终端上运行 $SHELL，并在它和当前终端之间来回复制所有内容'),
    flags: {
      '--quiet': sw('print no start and end messages', '不打印开始和结束的提示'),
      '-q': sw('print no start and end messages', '不打印开始和结束的提示'),
      '--return': sw("exit with the child's exit status", '以子进程的退出码退出'),
      '-e': sw("exit with the child's exit status", '以子进程的退出码退出'),
    },
    operands: [t('where to keep a typescript of the session: /dev/null keeps nothing', '会话记录保存到哪里：/dev/null 表示什么都不保存')],
  },
  chroot: {
    text: t('run a program with another directory as its root "/" (chroot(2), then chdir("/"))', '以另一个目录作为根 "/" 来运行程序（chroot(2)，然后 chdir("/")）'),
    runs: 1,
    operands: [t('the new root directory', '新的根目录')],
  },
  pivot_root: {
    text: t(
      'make a new root for the whole mount namespace and move the old root under it (pivot_root(2)); every process rooted at the old root moves too',
      '为整个挂载命名空间换上新的根，并把旧根移到新根下面（pivot_root(2)）；以旧根为根的所有进程也随之移动',
    ),
    operands: [t('the new root (a mount point)', '新的根（必须是挂载点）'), t('where the old root goes; the same directory stacks it on top', '旧根放到哪里；给同一个目录时，旧根就叠在新根上面')],
  },
  mkdir: {
    text: t('create directories', '创建目录'),
    flags: { '-p': sw('create missing parents too, and do not complain if it exists', '同时创建缺少的上级目录，目录已存在也不报错'), '-m': val('permissions of the new directory', '新目录的权限') },
    operands: [t('a directory to create', '要创建的目录')],
  },
  mkfifo: {
    text: t('create a named pipe (FIFO): opening it for reading blocks until someone opens it for writing', '创建命名管道（FIFO）：以读方式打开会一直阻塞，直到有人以写方式打开它'),
    flags: { '-m': val('its permissions', '它的权限') },
    operands: [t('the path of the FIFO', 'FIFO 的路径')],
  },
  cp: {
    text: t('copy files', '复制文件'),
    flags: {
      '-a': sw('archive: keep everything — device nodes stay device nodes, links stay links, with modes and owners', '归档模式：原样保留——设备节点还是设备节点，链接还是链接，权限和属主都不变'),
      '-L': sw('follow symbolic links: copy the file a link points to', '跟随符号链接：复制链接指向的文件'),
      '--parents': sw('recreate each source\'s full path below the destination', '在目标目录下重建每个源文件的完整路径'),
      '-r': sw('copy directories recursively', '递归复制目录'),
      '-p': sw('keep modes, owners and times', '保留权限、属主和时间'),
      '-n': sw('no clobber: never overwrite a file that is already there', '不覆盖：已经存在的文件不动'),
      '--no-clobber': sw('never overwrite a file that is already there (the long form of -n)', '已经存在的文件不动（-n 的长写法）'),
      '-t': val('the destination directory (given first, so the sources can follow)', '目标目录（放在前面，后面就可以跟源文件）'),
      '--one-file-system': sw('stay on the source\'s file system: a mount below it is not copied', '只复制源所在的文件系统：它下面挂载的东西不复制'),
    },
    operands: [t('a source', '源'), t('… and the last word is the destination', '……最后一个词是目标')],
  },
  mv: {
    text: t('move or rename (rename(2): atomic within one file system)', '移动或改名（rename(2)：在同一文件系统内是原子的）'),
    flags: { '-f': sw('replace the destination without asking', '不询问，直接替换目标'), '-T': sw('the destination is the new name itself, never a directory to move into', '目标就是新名字本身，而不是要移进去的目录') },
    operands: [t('the source', '源'), t('the destination', '目标')],
  },
  ln: {
    text: t('make a link', '创建链接'),
    flags: { '-s': sw('a symbolic link: a small file holding a path', '符号链接：一个保存路径的小文件'), '-f': sw('replace an existing file', '替换已存在的文件') },
    operands: [t('what the link points to', '链接指向的目标'), t('the link to create', '要创建的链接')],
  },
  rm: {
    text: t('remove files', '删除文件'),
    flags: {
      '-r': sw('remove directories and their contents', '删除目录及其内容'),
      '-f': sw('ignore missing files, never ask', '忽略不存在的文件，从不询问'),
      '--one-file-system': sw('never descend into another file system (a mount that is still there stays untouched)', '绝不进入另一个文件系统（仍然挂载着的东西不会被碰）'),
    },
    operands: [t('a file or directory to remove', '要删除的文件或目录')],
  },
  chmod: {
    text: t('change permissions', '修改权限'),
    operands: [t('the mode: 1777 is everyone may write, only owners may delete (sticky bit)', '权限：1777 表示人人可写、只有属主能删除（粘滞位）'), t('a file', '文件')],
  },
  tar: {
    text: t('pack files into a tar archive', '把文件打包成 tar 归档'),
    flags: {
      '--sort': val('the order of entries (name: the same files always give the same archive)', '条目的顺序（name：同样的文件总是得到同样的归档）'),
      '--mtime': val('the time stamp stored for every entry', '为每个条目记录的时间戳'),
      '--owner': val('the owner stored for every entry', '为每个条目记录的属主'),
      '--group': val('the group stored for every entry', '为每个条目记录的组'),
      '--numeric-owner': sw('store numbers, not names', '记录数字，而不是名字'),
      '-C': val('change into this directory first', '先进入这个目录'),
      '-c': sw('create an archive', '创建归档'),
      '-x': sw('extract an archive', '解开归档'),
      '-f': val('the archive file', '归档文件'),
      '--create': sw('create an archive', '创建归档'),
      '--extract': sw('extract an archive', '解开归档'),
      '--file': val('the archive file', '归档文件'),
      '--directory': val('change into this directory first (later members are read from there)', '先进入这个目录（之后的条目从那里读取）'),
      '--gzip': sw('the archive is gzip-compressed', '归档是 gzip 压缩的'),
      '--same-owner': sw('give extracted files the owners stored in the archive', '让解出的文件使用归档里记录的属主'),
      '--same-permissions': sw('keep the stored modes exactly (setuid bits too)', '原样保留记录的权限（包括 setuid 位）'),
      '--unlink-first': sw('remove a file before extracting over it (never write through a link that is there)', '解出前先删除已有的文件（绝不穿过那里的链接写入）'),
      '--no-same-owner': sw('extracted files belong to the user running tar', '解出的文件属于运行 tar 的用户'),
      '--no-same-permissions': sw('apply the umask to stored modes', '对记录的权限应用 umask'),
      '--xattrs': sw('store or restore extended attributes', '保存或恢复扩展属性'),
      '--xattrs-include': val('only extended attributes matching this pattern', '只处理匹配这个模式的扩展属性'),
      '--exclude': val('leave out members matching this pattern', '排除匹配这个模式的条目'),
      '--exclude-from': val('leave out the members listed in this file', '排除这个文件里列出的条目'),
      '--anchored': sw('exclusion patterns match from the start of a name', '排除模式从名字开头开始匹配'),
      '--no-wildcards': sw('exclusion patterns are plain names, not wildcards', '排除模式是普通名字，不是通配符'),
      '--pax-option': val('pax header options (delete=atime,delete=ctime: store no access or change times)', 'pax 头选项（delete=atime,delete=ctime：不记录访问和变更时间）'),
      '--mode': val('the mode stored for every entry (COPY --chmod)', '为每个条目记录的权限（COPY --chmod）'),
      '--transform': val('rename members with a sed expression (s,^old$,new,: a file copied under another name)', '用 sed 表达式给条目改名（s,^old$,new,：以另一个名字复制的文件）'),
      '--no-recursion': sw('take each listed directory alone, not what is inside it', '只取列出的目录本身，不包括其中的内容'),
      '--null': sw('the names in the list end with NUL bytes (any character may be in a name)', '名单里的名字以 NUL 字节结尾（名字里可以有任何字符）'),
      '--files-from': val('read the members to pack from this file', '从这个文件读取要打包的条目'),
      '--list': sw('list the members of an archive', '列出归档里的条目'),
      '--verbose': sw('with --list: mode, owner, size and time of each member, like ls -l', '配合 --list：像 ls -l 那样显示每个条目的权限、属主、大小和时间'),
    },
    operands: [t('what to pack', '要打包的东西')],
  },
  prlimit: {
    text: t('set resource limits (setrlimit) and run a program with them', '设置资源限制（setrlimit），并带着这些限制运行程序'),
    runs: 0,
    flags: {
      '--core': val('SOFT:HARD: largest core dump file', 'SOFT:HARD：最大的 core dump 文件'),
      '--cpu': val('SOFT:HARD: CPU time, in seconds', 'SOFT:HARD：CPU 时间（秒）'),
      '--data': val('SOFT:HARD: largest data segment', 'SOFT:HARD：最大的数据段'),
      '--fsize': val('SOFT:HARD: largest file it may write', 'SOFT:HARD：能写的最大文件'),
      '--locks': val('SOFT:HARD: most file locks', 'SOFT:HARD：最多的文件锁'),
      '--memlock': val('SOFT:HARD: most locked-in memory', 'SOFT:HARD：最多的锁定内存'),
      '--msgqueue': val('SOFT:HARD: most bytes in POSIX message queues', 'SOFT:HARD：POSIX 消息队列里最多的字节数'),
      '--nice': val('SOFT:HARD: highest nice priority it may raise to', 'SOFT:HARD：能提高到的最高 nice 优先级'),
      '--nofile': val('SOFT:HARD: most open files (ulimit -n)', 'SOFT:HARD：最多打开的文件数（ulimit -n）'),
      '--nproc': val('SOFT:HARD: most processes of the user', 'SOFT:HARD：该用户最多的进程数'),
      '--rss': val('SOFT:HARD: largest resident set', 'SOFT:HARD：最大的常驻内存'),
      '--rtprio': val('SOFT:HARD: highest real-time priority', 'SOFT:HARD：最高的实时优先级'),
      '--rttime': val('SOFT:HARD: CPU time of a real-time task, in µs', 'SOFT:HARD：实时任务的 CPU 时间（微秒）'),
      '--sigpending': val('SOFT:HARD: most pending signals', 'SOFT:HARD：最多的待处理信号'),
      '--stack': val('SOFT:HARD: largest stack', 'SOFT:HARD：最大的栈'),
    },
  },
  mknod: {
    text: t('make a device node, a FIFO or a special file', '创建设备节点、FIFO 或特殊文件'),
    flags: { '--mode': val('the permissions of the new node', '新节点的权限') },
    operands: [t('the path', '路径'), t('c: a character device', 'c：字符设备'), t('major device number (0/0 is overlayfs\'s whiteout)', '主设备号（0/0 是 overlayfs 的 whiteout）'), t('minor device number', '次设备号')],
  },
  setfattr: {
    text: t('set an extended attribute of a file', '设置文件的扩展属性'),
    flags: { '--name': val('the attribute (trusted.* needs root)', '属性名（trusted.* 需要 root）'), '--value': val('its value', '它的值') },
    operands: [t('the file', '文件')],
  },
  getfattr: {
    text: t('print extended attributes of files', '打印文件的扩展属性'),
    flags: {
      '--recursive': sw('walk directories', '遍历目录'),
      '--physical': sw('do not follow symbolic links', '不跟随符号链接'),
      '--absolute-names': sw('print full paths', '打印完整路径'),
      '--dump': sw('print the values too', '同时打印属性值'),
      '--match': val('only attributes whose names match this regular expression', '只处理名字匹配这个正则表达式的属性'),
      '--name': val('print this attribute', '打印这个属性'),
    },
    operands: [t('files or directories', '文件或目录')],
  },
  zstd: {
    text: t('compress or decompress with Zstandard', '用 Zstandard 压缩或解压'),
    flags: {
      '--decompress': sw('decompress', '解压'),
      '--quiet': sw('no progress output', '不输出进度'),
      '--force': sw('overwrite the output file', '覆盖输出文件'),
      '-o': val('the output file', '输出文件'),
    },
    operands: [t('the input file', '输入文件')],
  },
  hostname: {
    text: t('show or set the host name of the current UTS namespace (sethostname(2))', '显示或设置当前 UTS 命名空间的主机名（sethostname(2)）'),
    operands: [t('the new host name (without it: print the current one)', '新的主机名（不给就打印当前的）')],
  },
  ls: {
    text: t('list a directory', '列出目录内容'),
    flags: {
      '-l': sw('long form: type and permissions, links, owner, size, time', '长格式：类型和权限、链接数、属主、大小、时间'),
      '-a': sw('include names starting with a dot', '包括以点开头的名字'),
      '-R': sw('list subdirectories too', '同时列出子目录'),
      '-d': sw('the directory itself, not its contents', '目录本身，而不是它的内容'),
      '-1': sw('one name per line', '每行一个名字'),
      '-i': sw('show inode numbers', '显示 inode 编号'),
    },
    operands: [t('what to list', '要列出的东西')],
  },
  findmnt: {
    text: t('show mounts as a tree (from /proc/self/mountinfo)', '以树的形式显示挂载（来自 /proc/self/mountinfo）'),
    flags: {
      '-o': val('the columns to show', '要显示的列'),
      '--output': val('the columns to show', '要显示的列'),
      '-R': sw('everything mounted below the target too', '同时显示挂载在目标下面的一切'),
      '--submounts': sw('everything mounted below the target too', '同时显示挂载在目标下面的一切'),
      '--task': val("read this process's mount table (its mount namespace)", '读这个进程的挂载表（它的挂载命名空间）'),
      '-N': val("read this process's mount table (its mount namespace)", '读这个进程的挂载表（它的挂载命名空间）'),
      '-n': sw('no header line', '不显示标题行'),
      '-t': val('only file systems of these types (comma-separated)', '只显示这些类型的文件系统（用逗号分隔）'),
      '--types': val('only file systems of these types (comma-separated)', '只显示这些类型的文件系统（用逗号分隔）'),
    },
    operands: [t('a mount point to show', '要显示的挂载点')],
  },
  ps: {
    text: t('list processes (read from /proc)', '列出进程（从 /proc 读取）'),
    flags: {
      '-o': val('the columns to show', '要显示的列'),
      '--ppid': val('only the children of this PID', '只显示这个 PID 的子进程'),
      '-e': sw('every process', '所有进程'),
      '-A': sw('every process', '所有进程'),
      '-p': val('only this PID', '只显示这个 PID'),
      '--pid': val('only this PID', '只显示这个 PID'),
    },
    operands: [t("ps's options (docker top passes them on; -ef: every process, full format)", 'ps 的选项（docker top 原样传下去；-ef：所有进程，完整格式）')],
  },
  true: { text: t('do nothing, successfully', '什么也不做，并且成功退出') },
  false: { text: t('do nothing, unsuccessfully', '什么也不做，并且失败退出') },
  cat: { text: t('print files', '打印文件内容'), operands: [t('a file to print', '要打印的文件')] },
  head: {
    text: t('print the first lines of files; given several, each under a "==> NAME <==" line', '打印文件的开头几行；给出多个文件时，每个文件打印在一行 "==> 文件名 <==" 的下面'),
    flags: { '-n': val('how many lines of each file', '每个文件打印多少行'), '-c': val('how many bytes', '打印多少字节') },
    operands: [t('a file to print', '要打印的文件')],
  },
  wc: {
    text: t('count the lines, words or bytes of its input', '统计输入的行数、单词数或字节数'),
    flags: { '-c': sw('count bytes', '统计字节数') },
  },
  date: {
    text: t('print the date and time', '打印日期和时间'),
    flags: { '-u': sw('in UTC', '使用 UTC 时间') },
    operands: [t('+FORMAT: how to print it (%N: nanoseconds)', '+格式：怎样打印（%N：纳秒）')],
  },
  test: {
    text: t('check a condition; the exit status is the answer (0: true)', '检查一个条件；退出码就是答案（0 表示真）'),
    flags: { '-e': val('the file exists', '文件存在') },
    operands: [t('! negates the test after it', '! 把后面的条件取反')],
  },
  tail: {
    text: t('print the last lines of a file', '打印文件的最后几行'),
    flags: { '-n': val('how many lines', '打印多少行') },
    operands: [t('a file to print', '要打印的文件')],
  },
  grep: {
    text: t('find the lines of its input that match a pattern', '在输入中查找匹配某个模式的行'),
    flags: { '-q': sw('quiet: print nothing, only succeed when a line matches', '安静：什么也不打印，只在有一行匹配时成功'), '-E': sw('extended regular expressions: ( | ) without backslashes', '扩展正则表达式：( | ) 不用反斜杠') },
    operands: [t('the pattern (a regular expression)', '模式（正则表达式）'), t('a file to search', '要查找的文件')],
  },
  awk: {
    text: t('run a small program on every line of its input', '对输入的每一行运行一个小程序'),
    flags: { '-W': val('an option of mawk; interactive: read each line as it comes, write without buffering', 'mawk 的选项；interactive：每来一行就读一行，写出时不缓冲') },
    operands: [t('the program', '程序')],
  },
  timeout: {
    text: t('run a program, and stop it (SIGTERM) if it runs longer than the time given', '运行一个程序，如果它运行得比给定的时间长，就停止它（SIGTERM）'),
    runs: 1,
    operands: [t('the time limit, in seconds', '时间上限，单位是秒')],
  },
  echo: { text: t('print its words', '打印它的参数'), operands: [t('a word to print', '要打印的词')] },
  printf: { text: t('print formatted text', '按格式打印文本'), operands: [t('the format', '格式'), t('a value', '值')] },
  readlink: {
    text: t('print where a symbolic link points; /proc/PID/ns/KIND shows "KIND:[inode]", the namespace\'s identity', '打印符号链接指向哪里；/proc/PID/ns/KIND 显示 "KIND:[inode]"，也就是命名空间的身份'),
    flags: { '-f': sw('follow every link to the end', '一路跟随所有链接') },
    operands: [t('a symbolic link', '符号链接')],
  },
  id: { text: t('print the user and group IDs of the process', '打印进程的用户 ID 和组 ID') },
  sleep: { text: t('wait; as PID 1 it keeps the container alive', '等待；作为 1 号进程时，它让容器一直活着'), operands: [t('how long, in seconds', '多长时间，单位是秒')] },
  kill: {
    text: t('send a signal to a process', '向进程发送信号'),
    flags: {
      '-KILL': sw(SIGNALS.KILL!.en, SIGNALS.KILL!.zh),
      '-9': sw(SIGNALS.KILL!.en, SIGNALS.KILL!.zh),
      '-TERM': sw(SIGNALS.TERM!.en, SIGNALS.TERM!.zh),
      '-s': val('the signal to send', '要发送的信号', { values: SIGNALS }),
    },
    operands: [t('the PID (as the sender sees it: here the host\'s number)', 'PID（按发送者看到的编号：这里是宿主机上的编号）')],
  },
  ldd: {
    text: t('list the shared libraries a program needs, and the loader that maps them', '列出程序需要的共享库，以及负责加载它们的加载器'),
    operands: [t('a program', '程序')],
  },
  ipcmk: {
    text: t('create a System V IPC object', '创建一个 System V IPC 对象'),
    flags: { '--queue': sw('a message queue', '一个消息队列'), '-Q': sw('a message queue', '一个消息队列') },
  },
  ipcs: {
    text: t('list the System V IPC objects of the current IPC namespace', '列出当前 IPC 命名空间的 System V IPC 对象'),
    flags: { '-q': sw('message queues', '消息队列'), '--queues': sw('message queues', '消息队列') },
  },
  find: {
    text: t('walk a directory tree', '遍历目录树'),
    flags: {
      '-type': val('only this kind of entry (f file, d directory, c character device)', '只要这一类条目（f 文件，d 目录，c 字符设备）'),
      '-maxdepth': val('go at most this deep', '最多进入这么多层'),
      '-name': val('only names matching this pattern', '只要名字匹配这个模式的'),
      '-ls': sw('print each entry in ls -l form', '以 ls -l 的形式打印每个条目'),
      '-printf': val('print each entry in this format (%P: the path below the starting point)', '按这个格式打印每个条目（%P：相对于起点的路径）'),
      '-xdev': sw('stay on this file system: do not descend into other mounts', '只在这个文件系统里走：不进入其它挂载'),
      '-path': val('only paths matching this pattern', '只要路径匹配这个模式的'),
      '-prune': sw('do not descend into the entry just matched (and do not act on it)', '不进入刚匹配到的条目（也不处理它）'),
      '-o': sw('or: the test on the left, or else the one on the right', '或：左边的条件，否则右边的条件'),
      '-exec': {
        text: t('run a program for the entries found: {} is replaced by the entry; the command ends at ";" (once per entry) or "+" (once, with all of them)', '对找到的条目运行一个程序：{} 会被替换成条目；命令以 ";"（每个条目一次）或 "+"（一次，带上全部条目）结束'),
        value: 'none',
        runs: true,
      },
    },
    operands: [t('where to start', '从哪里开始')],
  },
  stat: {
    text: t('show what the kernel knows about a file', '显示内核知道的关于一个文件的信息'),
    flags: { '-c': val('the format: %F type, %t,%T device major,minor (hex), %n name', '格式：%F 类型，%t,%T 主、次设备号（十六进制），%n 名字') },
    operands: [t('a file', '文件')],
  },
  touch: { text: t('create an empty file (or update its times)', '创建空文件（或更新它的时间）'), operands: [t('a file', '文件')] },
  rmdir: { text: t('remove empty directories (for a cgroup: remove the group)', '删除空目录（对 cgroup 而言：删除这个组）'), operands: [t('a directory', '目录')] },
  tee: { text: t('copy standard input to files', '把标准输入复制到文件'), flags: { '-a': sw('append instead of overwriting', '追加，而不是覆盖') }, operands: [t('a file', '文件')] },
  xargs: {
    text: t('run a program with words read from a file (or standard input) added to its arguments', '运行一个程序，把从文件（或标准输入）读到的词追加到它的参数后面'),
    runs: 0,
    flags: {
      '--no-run-if-empty': sw('run nothing when there are no words', '没有读到任何词时什么也不运行'),
      '-r': sw('run nothing when there are no words', '没有读到任何词时什么也不运行'),
      '--arg-file': val('read the words from this file (for a cgroup: the PIDs in it, one per line)', '从这个文件读取这些词（对 cgroup 而言：其中的 PID，每行一个）'),
      '-a': val('read the words from this file', '从这个文件读取这些词'),
      '-I': val('run the program once per line, with this string replaced by the line', '每读一行运行一次程序，把这个字符串替换成那一行'),
      '--delimiter': val('each word ends at this character (\\n: one word a line, spaces kept)', '每个词在这个字符处结束（\\n：每行一个词，保留空格）'),
    },
  },
  sysctl: {
    text: t('read or set kernel parameters (/proc/sys)', '读取或设置内核参数（/proc/sys）'),
    flags: { '-w': sw('write the setting', '写入设置'), '-n': sw('print only the value', '只打印值'), '-q': sw('quiet', '安静模式') },
    operands: [t('name=value: the parameter and its new value', 'name=value：参数名和它的新值')],
  },
  sh: {
    text: t('the POSIX shell', 'POSIX 标准的 shell（命令解释器）'),
    flags: { '-c': val('run this text as a script', '把这段文本当作脚本运行'), '-e': sw('stop at the first failing command', '遇到第一条失败的命令就停止'), '-u': sw('using an unset variable is an error', '使用未设置的变量是错误') },
    operands: [t('$0 and arguments of the script', '脚本的 $0 和参数')],
  },
  strace: {
    text: t('trace the system calls of a program (learn --xray)', '跟踪程序的系统调用（learn --xray）'),
    runs: 0,
    flags: {
      '-f': sw('follow forks: trace the children too', '跟随 fork：子进程也一起跟踪'),
      '-q': sw('fewer messages about attaching', '少打印关于附加进程的消息'),
      '-e': val('which calls (trace=…) or signals (signal=…) to show', '显示哪些调用（trace=…）或信号（signal=…）'),
      '-o': val('write the trace to this file', '把跟踪结果写到这个文件'),
      '-s': val('show at most this many characters of each string', '每个字符串最多显示这么多字符'),
    },
  },
  busybox: {
    text: t('one static program that acts as some three hundred: its first word names which', '一个静态链接的程序，能扮演大约三百个命令：第一个词决定扮演哪个'),
    multicall: true,
    flags: {
      '--install': sw('create a link for every applet', '为每个命令创建一个链接'),
      '-s': sw('symbolic links, not hard links', '用符号链接，而不是硬链接'),
    },
    operands: [t('where the links go', '链接放在哪里')],
  },
  wget: {
    text: t('fetch a URL over HTTP (busybox\'s small wget)', '通过 HTTP 取回一个 URL（busybox 里的小 wget）'),
    flags: {
      '-q': sw('quiet: no progress messages', '安静：不打印进度信息'),
      '-O': val('write the page to this file (- is standard output)', '把网页写到这个文件（- 表示标准输出）'),
    },
    operands: [t('the URL', '要取回的网址（URL）')],
  },
  bridge: {
    text: t('show and change Linux bridges: their ports, forwarding database and VLANs (iproute2)', '显示和修改 Linux 网桥：它们的端口、转发表和 VLAN（iproute2）'),
    objects: {
      link: { text: t('the ports of the bridges (the interfaces plugged into them), with their state', '网桥的端口（插在网桥上的接口）及其状态'), operands: [t('what to do (show, set) and its words', '做什么（show、set）以及它的参数')] },
    },
  },
  ip: {
    text: t('show and change network interfaces, addresses and routes (iproute2, over netlink)', '显示和修改网卡、地址和路由（iproute2，经由 netlink）'),
    flags: {
      '-br': sw('brief: one line per interface', '简洁模式：每个网卡一行'),
      '-brief': sw('brief: one line per interface', '简洁模式：每个网卡一行'),
      '-o': sw('one line per record', '每条记录一行'),
      '-n': val('run in the network namespace of this name (/run/netns)', '在这个名字的网络命名空间里运行（/run/netns）'),
      '-batch': val('read commands from this file, one per line', '从这个文件读取命令，每行一条'),
      '-d': sw('details', '详细信息'),
    },
    objects: {
      link: { text: t('network interfaces', '网卡'), operands: [t('what to do (show, set, add, del) and its words: dev NAME, up, down, netns NS…', '做什么（show、set、add、del）以及它的参数：dev NAME、up、down、netns NS……')] },
      address: { text: t('IP addresses of the interfaces', '网卡的 IP 地址'), operands: [t('what to do (show, add, del) and its words', '做什么（show、add、del）以及它的参数')] },
      addr: { text: t('IP addresses of the interfaces', '网卡的 IP 地址'), operands: [t('what to do (show, add, del) and its words', '做什么（show、add、del）以及它的参数')] },
      route: { text: t('the routing table', '路由表'), operands: [t('what to do (show, add, del) and its words', '做什么（show、add、del）以及它的参数')] },
      netns: { text: t('named network namespaces (/run/netns)', '有名字的网络命名空间（/run/netns）'), operands: [t('what to do (list, add, del, exec) and its words', '做什么（list、add、del、exec）以及它的参数')] },
    },
  },
  iptables: {
    text: t('the kernel\'s packet filter and NAT rules (netfilter)', '内核的包过滤和 NAT 规则（netfilter）'),
    flags: {
      '-w': sw('wait for the lock instead of failing', '等待锁，而不是失败'),
      '-t': val('the table (filter, nat…)', '表（filter、nat……）'),
      '-A': val('append a rule to this chain', '在这个链的末尾追加规则'),
      '-I': val('insert a rule at the top of this chain', '在这个链的开头插入规则'),
      '-D': val('delete this rule from the chain', '从链里删除这条规则'),
      '-N': val('create a chain', '创建一个链'),
      '-X': val('delete a chain', '删除一个链'),
      '-F': val('flush a chain', '清空一个链'),
      '-j': val('what to do with a matching packet (ACCEPT, DNAT, MASQUERADE, a chain…)', '对匹配的包做什么（ACCEPT、DNAT、MASQUERADE、一个链……）'),
      '-m': val('load a match module', '加载匹配模块'),
      '--comment': val('a comment stored with the rule (glassbox tags its rules with it)', '随规则保存的注释（glassbox 用它标记自己的规则）'),
      '-p': val('protocol', '协议'),
      '--dport': val('destination port', '目的端口'),
      '-s': val('source address', '源地址'),
      '-d': val('destination address', '目的地址'),
      '-i': val('incoming interface', '入接口'),
      '-o': val('outgoing interface', '出接口'),
      '--to-destination': val('the new destination address:port', '新的目的地址:端口'),
      '-S': sw('print the rules (of one chain, when named) as iptables commands', '把规则（指定链时只打印这个链）打印成 iptables 命令'),
      '-L': sw('list the rules (of one chain, when named) as a table, chain by chain', '以表格形式逐链列出规则（指定链时只列这个链）'),
      '-n': sw('numbers: print addresses and ports as numbers, without looking names up', '数字形式：地址和端口直接打印成数字，不去查名字'),
      '-v': sw('verbose: also the packets and bytes each rule matched, and the interfaces', '详细：还显示每条规则匹配的包数和字节数，以及接口'),
    },
    operands: [t('a chain', '一个链')],
  },
  'iptables-restore': {
    text: t('apply rules written in iptables-save form (from a file or standard input) as one transaction per table', '应用以 iptables-save 格式写成的规则（来自文件或标准输入），每个表作为一个事务'),
    flags: {
      '-w': sw('wait for the xtables lock instead of failing', '等待 xtables 锁，而不是失败'),
      '--noflush': sw('keep the rules that are there: only add or delete what the input says', '保留已有的规则：只增删输入里写的那些'),
    },
    operands: [t('the file holding the rules (standard input when absent)', '存放规则的文件（省略时读标准输入）')],
  },
  curl: {
    text: t('talk HTTP: send a request to a URL and save or print the answer', '说 HTTP：向一个 URL 发出请求，保存或打印回答'),
    flags: {
      '--silent': sw('no progress meter', '不显示进度条'),
      '--show-error': sw('still print an error when it fails', '失败时仍然打印错误'),
      '--fail': sw('an HTTP error (4xx, 5xx) is a failure: exit 22 instead of saving the error page', 'HTTP 错误（4xx、5xx）算作失败：以 22 退出，而不是保存错误页'),
      '--retry': val('try again this many times when the request fails for a transient reason', '请求因临时原因失败时，重试这么多次'),
      '--retry-connrefused': sw('a refused connection counts as transient too (the server is still starting)', '连接被拒绝也算临时原因（服务器还在启动）'),
      '--retry-delay': val('seconds to wait between tries', '两次尝试之间等待的秒数'),
      '--header': val('add this request header (Accept: which kinds of answer the client understands)', '加上这个请求头（Accept：客户端认得哪几种回答）'),
      '--dump-header': val('write the answer\'s headers to this file (- is standard output)', '把回答的头部写进这个文件（- 表示标准输出）'),
      '--output': val('save the answer\'s body in this file', '把回答的正文保存到这个文件'),
      '--location': sw('follow redirects (a registry may send blobs from elsewhere)', '跟随重定向（镜像仓库可能让你到别处取 blob）'),
    },
    operands: [t('a URL', '一个网址（URL）')],
  },
  jq: {
    text: t('read JSON and print what the filter picks out of it', '读取 JSON，打印过滤表达式从中挑出的东西'),
    flags: {
      '--raw-output': sw('print strings bare, without JSON quotes', '直接打印字符串，不带 JSON 引号'),
      '-r': sw('raw: strings without their quotes', '原样：字符串不带引号'),
      '-c': sw('compact: each value on one line', '紧凑：每个值占一行'),
      '--arg': { text: t('NAME VALUE: the string VALUE as $NAME in the filter', 'NAME VALUE：在过滤表达式里以 $NAME 使用字符串 VALUE'), value: 'none' },
      '--argjson': { text: t('NAME JSON: the JSON value as $NAME in the filter', 'NAME JSON：在过滤表达式里以 $NAME 使用这个 JSON 值'), value: 'none' },
      '--rawfile': { text: t('NAME FILE: the text of FILE as $NAME in the filter', 'NAME FILE：在过滤表达式里以 $NAME 使用 FILE 的文本'), value: 'none' },
      '--exit-status': sw('exit 1 when the last output is false or null', '最后的输出为 false 或 null 时以 1 退出'),
    },
    operands: [t('the filter (. is the whole input), then the JSON files', '过滤表达式（. 表示整个输入），然后是 JSON 文件')],
  },
  sha256sum: {
    text: t('print the SHA-256 digest of files, or check digests listed in a file', '打印文件的 SHA-256 摘要，或者核对一个文件里列出的摘要'),
    flags: { '--check': sw('read "DIGEST  FILE" lines and say OK or FAILED for each', '读取 "摘要  文件" 这样的行，逐个说 OK 或 FAILED') },
    operands: [t('a file', '文件')],
  },
  gzip: {
    text: t('compress or decompress gzip files', '压缩或解压 gzip 文件'),
    flags: { '--decompress': sw('decompress', '解压'), '--stdout': sw('write the result to standard output, keep the file', '把结果写到标准输出，保留原文件') },
    operands: [t('a file', '文件')],
  },
  sed: {
    text: t('edit a stream of lines with commands (s|OLD|NEW|: replace)', '用命令编辑一行行的文本流（s|旧|新|：替换）'),
    flags: { '-n': sw('print only what a command prints (the p flag)', '只打印命令要打印的（p 标志）'), '-e': val('one editing command', '一条编辑命令') },
    operands: [t('a file to read', '要读取的文件')],
  },
  diff: {
    text: t('compare two files line by line; silent and exit 0 when they are equal', '逐行比较两个文件；相同时什么也不打印，以 0 退出'),
    operands: [t('a file', '文件')],
  },
  'start-stop-daemon': {
    text: t('start a program in the background with a PID file, or stop the one a PID file names (dpkg)', '带着 PID 文件在后台启动一个程序，或者停掉 PID 文件指出的那个程序（dpkg）'),
    flags: {
      '--start': sw('start the program', '启动程序'),
      '--stop': sw('stop the program the PID file names', '停掉 PID 文件指出的程序'),
      '--background': sw('detach it from this terminal and do not wait for it', '让它脱离这个终端，不等它结束'),
      '--make-pidfile': sw('write the PID file (for programs that do not write one)', '写出 PID 文件（给不自己写的程序用）'),
      '--pidfile': val('the file holding the PID', '存放 PID 的文件'),
      '--remove-pidfile': sw('remove the PID file once the process is gone', '进程结束后删除 PID 文件'),
      '--output': val('send its standard output and error to this file', '把它的标准输出和标准错误写进这个文件'),
      '--exec': val('the program to run (and to match when stopping)', '要运行的程序（停止时也用它来匹配）'),
      '--retry': val('SIGNAL/SECONDS/…: the signals to send and how long to wait after each', '信号/秒数/……：依次发送的信号，以及每次之后等多久'),
    },
    operands: [t('after --: the program\'s arguments', '-- 之后：程序的参数')],
  },
  glassbox: {
    text: t('this program: the same work as the steps around it, done by glassbox itself', '就是这个程序：做和周围这些步骤同样的事，只是由 glassbox 自己来做'),
    flags: { '--quiet': sw('no progress: print only the result (an ID, NAME@DIGEST)', '不显示进度：只打印结果（ID、NAME@DIGEST）') },
    objects: {
      build: { text: t('build an image from a Dockerfile', '根据 Dockerfile 构建镜像'), flags: { '-t': val('the image\'s name', '镜像的名字'), '-f': val('the Dockerfile', 'Dockerfile 文件'), '--quiet': sw('print only the image ID', '只打印镜像 ID') }, operands: [t('the build context', '构建上下文')] },
      push: { text: t('push an image to the registry its name names', '把镜像推送到它的名字所指的镜像仓库'), flags: { '--quiet': sw('print only NAME@DIGEST', '只打印 NAME@DIGEST') }, operands: [t('the image', '镜像')] },
      pull: { text: t('pull an image from a registry', '从镜像仓库拉取镜像'), flags: { '--insecure': sw('plain HTTP', '用普通的 HTTP') }, operands: [t('the image', '镜像')] },
      save: { text: t('write an image as a docker-archive tar', '把镜像写成 docker-archive 格式的 tar 包'), flags: { '-o': val('the archive to write', '要写出的归档') }, operands: [t('the image', '镜像')] },
      rmi: { text: t('remove an image, and the layers no other image uses', '删除一个镜像，以及没有别的镜像使用的层'), operands: [t('the image', '镜像')] },
      run: { text: t('run a container from an image', '用一个镜像运行一个容器'), flags: { '--rm': sw('remove the container when it ends', '容器结束时删除它'), '--network': val('the network (none: only lo)', '网络（none：只有 lo）') }, operands: [t('the image', '镜像')] },
      bundle: { text: t('write an OCI runtime bundle (rootfs and config.json) of the container glassbox run would make', '写出一个 OCI 运行时 bundle（rootfs 和 config.json），描述 glassbox run 会创建的那个容器'), flags: { '--hostname': val('the container\'s host name', '容器的主机名'), '-o': val('the bundle directory to write (new or empty)', '要写出的 bundle 目录（新的或空的）') }, operands: [t('the image, then the command', '镜像，然后是命令')] },
      image: { text: t('image commands: inspect prints images as JSON, import reads an archive', '镜像命令：inspect 以 JSON 打印镜像，import 读入一个归档'), operands: [t('the subcommand (inspect, import), then images or an archive and a name', '子命令（inspect、import），然后是镜像，或者一个归档和一个名字')] },
      compose: {
        text: t('run a compose project: every service a container', '运行一个 compose 项目：每个服务一个容器'),
        flags: {
          '-f': val('the compose file (its directory is the project directory)', 'compose 文件（它所在的目录就是项目目录）'),
          '--file': val('the compose file', 'compose 文件'),
          '-p': val('the project\'s name, which labels every container and network it makes', '项目名，项目创建的每个容器和网络都标着它'),
          '--project-name': val('the project\'s name', '项目名'),
        },
        objects: {
          config: { text: t('print the project as compose reads it, every short form written out; runs nothing', '打印 compose 读到的项目，所有简写都展开；什么也不运行') },
          up: {
            text: t('create and start services (their dependencies first, waiting for their conditions)', '创建并启动服务（先启动它们依赖的服务，并等待依赖条件满足）'),
            flags: { '-d': sw('detached: start them in the background and return', '分离：在后台启动它们，然后返回'), '--detach': sw('start them in the background', '在后台启动它们'), '--wait': sw('return once they run (healthy, when they have a health check)', '等它们运行起来（有健康检查时等到健康）再返回') },
            operands: [t('a service to start (none: all of them)', '要启动的服务（不写：全部）')],
          },
          ps: { text: t('list the project\'s containers, with their health', '列出项目的容器及其健康状态'), flags: { '-a': sw('stopped ones too', '包括已停止的'), '--all': sw('stopped ones too', '包括已停止的') }, operands: [t('a service', '服务')] },
          exec: { text: t('run a command in a service\'s running container (glassbox exec)', '在服务正在运行的容器里运行一条命令（glassbox exec）'), runs: 1, operands: [t('the service', '服务')] },
          rm: {
            text: t('remove services\' containers', '删除服务的容器'),
            flags: { '--stop': sw('stop running ones first', '先停止正在运行的'), '-s': sw('stop running ones first', '先停止正在运行的'), '--force': sw('do not ask', '不询问'), '-f': sw('do not ask', '不询问') },
            operands: [t('a service', '服务')],
          },
          down: { text: t('stop and remove the project\'s containers, then its networks', '停止并删除项目的容器，然后删除它的网络'), flags: { '-v': sw('the named volumes too', '连同有名字的卷') } },
        },
      },
      network: {
        text: t('manage networks: bridges with a subnet, NAT and published ports', '管理网络：带子网、NAT 和端口发布的网桥'),
        objects: { ls: { text: t('list the networks', '列出网络') } },
      },
    },
  },
  sort: {
    text: t('sort lines; glassbox uses it to merge /etc/hosts files', '对行排序；glassbox 用它合并 /etc/hosts 文件'),
    flags: {
      '-u': sw('drop repeated lines', '去掉重复的行'),
      '-o': val('write the result into this file (into the existing file: a bind mount of it sees the change)', '把结果写进这个文件（写入已有的文件：它的 bind mount 能看到变化）'),
    },
    operands: [t('a file to read', '要读取的文件')],
  },
  // Lesson 10: the OCI runtime's command line, as containerd's shim and podman's conmon call it.
  runc: {
    text: t('the OCI runtime that Docker gave away in 2015: makes a container from a bundle (config.json and a rootfs)', 'Docker 在 2015 年捐出的 OCI 运行时：从一个 bundle（config.json 加 rootfs）创建容器'),
    flags: { '--root': val('the directory where runc keeps the state of its containers (default /run/runc)', 'runc 保存它的容器状态的目录（默认 /run/runc）') },
    objects: {
      spec: { text: t('write an example config.json', '写出一个示例 config.json'), flags: { '--bundle': val('the bundle directory to write it into', '写到哪个 bundle 目录里'), '-b': val('the bundle directory', 'bundle 目录') } },
      create: {
        text: t('create the container and stop before its process: runc init waits on exec.fifo', '创建容器，停在它的进程之前：runc init 在 exec.fifo 上等待'),
        flags: {
          '--bundle': val('the bundle: the directory holding config.json', 'bundle：放着 config.json 的目录'),
          '-b': val('the bundle directory', 'bundle 目录'),
          '--pid-file': val('write the PID of the container\'s first process to this file', '把容器第一个进程的 PID 写进这个文件'),
          '--console-socket': val('a Unix socket that receives the pseudo-terminal\'s master (with terminal: true)', '接收伪终端主设备的 Unix 套接字（terminal: true 时）'),
        },
        operands: [t('the container\'s ID', '容器的 ID')],
      },
      start: { text: t('open exec.fifo: the waiting runc init executes the process of config.json', '打开 exec.fifo：等待中的 runc init 执行 config.json 里的进程'), operands: [t('the container\'s ID', '容器的 ID')] },
      state: { text: t('print the container\'s state as JSON: status, pid, bundle', '以 JSON 打印容器的状态：status、pid、bundle'), operands: [t('the container\'s ID', '容器的 ID')] },
      ps: { text: t('list the processes in the container\'s cgroup', '列出容器控制组里的进程'), operands: [t('the container\'s ID', '容器的 ID')] },
      list: { text: t('list the containers in the --root directory', '列出 --root 目录里的容器') },
      exec: { text: t('run one more process in the container: its namespaces, root, cgroups and capabilities', '在容器里再运行一个进程：用它的命名空间、根、控制组和能力'), runs: 1, operands: [t('the container\'s ID', '容器的 ID')] },
      kill: { text: t('send a signal to the container\'s first process', '给容器的第一个进程发一个信号'), operands: [t('the container\'s ID', '容器的 ID'), t('the signal (default TERM)', '信号（默认 TERM）')] },
      delete: {
        text: t('remove a stopped container: its cgroups and its state', '删除一个已停止的容器：它的控制组和它的状态'),
        flags: { '--force': sw('kill it first if it still runs; no error when it does not exist', '如果还在运行就先杀掉它；它不存在时也不报错'), '-f': sw('kill it first if it still runs', '如果还在运行就先杀掉它') },
        operands: [t('the container\'s ID', '容器的 ID')],
      },
    },
  },
};
