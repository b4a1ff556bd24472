/* probe: a tiny static program the integration tests run INSIDE containers (and once on the host, where each
 * check must show the opposite, so a broken probe cannot pass). Each subcommand prints facts, one per line.
 *
 *   pid          getpid()                      ppid        getppid()
 *   hostname     uname().nodename              ifaces      network interfaces (if_nameindex), one per line
 *   mountinfo    /proc/self/mountinfo          ps          numeric entries of /proc (the visible processes)
 *   root         entries of / (sorted)         cwd         getcwd()
 *   env          the environment               id          "uid=U gid=G groups=A,B"
 *   exit N       exit with status N            signal SIG  raise SIG (name or number) at itself; if it is still
 *                                                          alive afterwards, print "survived SIGxxx" and exit 0
 *   segv         a real segmentation fault     sleep N     sleep N seconds (0 = forever)
 *   write FILE   create FILE and write "ok" to it; exit 1 with the error when that fails
 *   cat FILE     print FILE
 *   syscall NAME one system call seccomp may deny (keyctl, unshare, clone-newuser, clone3, mount): prints
 *                "NAME: ok" or "NAME: errno N", exit 0 either way
 *   escape NAME [ARG...]   one escape attempt (see escape() below): prints "ALLOWED: …" and exits 0 when the
 *                the kernel let it happen, "BLOCKED: …" and exits 1 when it refused, "ABSENT: …" and exits 3
 *                when this kernel lacks the thing probed; 2 is a probe error. Nothing is ever written to a
 *                host file: writes are proved by opening for writing, devices are opened read-only.
 *   escape listen NAME   listen on the abstract unix socket @NAME (the host side of `escape unix`)
 *   The three attacks of issue 12 (each never harms the host):
 *   escape hostexe SCRIPT   the CVE-2019-5736 pattern: writes SCRIPT = "#!/proc/self/exe -", then waits for a
 *                process whose argv is "/proc/self/exe - SCRIPT" (a host program that ran SCRIPT and was started
 *                again by the kernel as its interpreter), opens its /proc/PID/exe, kills it, and reopens that
 *                descriptor for WRITING through /proc/self/fd: ALLOWED when the open succeeds (nothing is written)
 *   escape tiocsti FD    pushes "#gb-injected" (a comment, no newline) into the terminal on FD with TIOCSTI
 *   escape killpg        ignores SIGTERM, then kill(0, SIGTERM): its whole process group; prints what it sent
 *                (the test decides from the fate of a host process in the caller's group)
 *   escape blockdev PATH opens a block device node read-only
 *   euid         "euid=N" (the setuid probe runs a setuid-root copy of the probe with this)
 *
 * Build: gcc -static -O2 -o probe test/probe/probe.c
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *what) {
  fprintf(stderr, "probe: %s: %s\n", what, strerror(errno));
  return 1;
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Prints the entries of a directory, sorted; only numeric ones when numeric is set. */
static int list_dir(const char *path, int numeric) {
  DIR *d = opendir(path);
  if (!d) return fail(path);
  char *names[4096];
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 4096) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (numeric && !isdigit((unsigned char)e->d_name[0])) continue;
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof names[0], cmpstr);
  for (size_t i = 0; i < n; i++) printf("%s\n", names[i]);
  return 0;
}

static int cat(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return fail(path);
  char buf[8192];
  ssize_t r;
  while ((r = read(fd, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)r, stdout);
  close(fd);
  return r < 0 ? fail(path) : 0;
}

static int parse_signal(const char *s) {
  static const struct { const char *name; int num; } sigs[] = {
    {"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT}, {"ABRT", SIGABRT}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"SEGV", SIGSEGV}, {"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},
  };
  if (!strncmp(s, "SIG", 3)) s += 3;
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    if (!strcmp(s, sigs[i].name)) return sigs[i].num;
  int n = atoi(s);
  return n > 0 && n < 65 ? n : -1;
}


/* --- escape probes ------------------------------------------------------------------------------------ */

static int allowed(const char *fmt, const char *a) {
  printf("ALLOWED: ");
  printf(fmt, a);
  printf("\n");
  return 0;
}
static int blocked(const char *what) {
  printf("BLOCKED: %s: %s\n", what, strerror(errno));
  return 1;
}
static int blocked_msg(const char *msg) {
  printf("BLOCKED: %s\n", msg);
  return 1;
}

/* Climbs out of a chroot the classic way: chroot into a subdirectory, walk up past the old root, chroot there. */
static int esc_chroot(const char *marker) {
  mkdir("/tmp", 01777);
  if (mkdir("/tmp/.gb-chroot", 0700) < 0 && errno != EEXIST) return blocked("mkdir");
  if (chroot("/tmp/.gb-chroot") < 0) return blocked("chroot");
  for (int i = 0; i < 64; i++) chdir("..");
  if (chroot(".") < 0) return blocked("chroot .");
  struct stat st;
  if (stat(marker, &st) == 0) return allowed("the host file %s is visible after the chroot escape", marker);
  return blocked_msg("the chroot trick leads back to the container's own root only");
}

static int esc_path(const char *path) {
  struct stat st;
  if (stat(path, &st) == 0) return allowed("%s leads to the host file", path);
  return blocked(path);
}

/* Mounts a file system of this type on a scratch directory (and takes it off again). */
static int esc_mount(const char *type) {
  mkdir("/tmp", 01777);
  mkdir("/tmp/.gb-mnt", 0700);
  const char *data = !strcmp(type, "cgroup") ? "pids" : NULL;
  if (mount(type, "/tmp/.gb-mnt", type, 0, data) < 0) return blocked("mount");
  umount2("/tmp/.gb-mnt", MNT_DETACH);
  return allowed("mounted a %s file system", type);
}

static int esc_openw(const char *path) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) {
    if (errno == ENOENT) {
      printf("ABSENT: %s: %s\n", path, strerror(errno));
      return 3;
    }
    return blocked(path);
  }
  close(fd);
  return allowed("%s is open for writing (nothing written)", path);
}

/* Mounts the v1 pids hierarchy and opens a file of it for writing: release_agent, or the container's pids.max. */
static int esc_cgroupw(const char *which) {
  mkdir("/tmp", 01777);
  mkdir("/tmp/.gb-cg", 0700);
  if (mount("cgroup", "/tmp/.gb-cg", "cgroup", 0, "pids") < 0) return blocked("mount -t cgroup -o pids");
  char path[4096] = "/tmp/.gb-cg/release_agent";
  if (!strcmp(which, "limit")) {
    FILE *f = fopen("/proc/self/cgroup", "r");
    char line[1024], group[1024] = "/";
    while (f && fgets(line, sizeof line, f))
      if (sscanf(line, "%*d:pids:%1023s", group) == 1) break;
    if (f) fclose(f);
    snprintf(path, sizeof path, "/tmp/.gb-cg%s/pids.max", group);
  }
  int fd = open(path, O_WRONLY);
  int e = errno;
  umount2("/tmp/.gb-cg", MNT_DETACH);
  errno = e;
  if (fd < 0) return blocked(path);
  close(fd);
  return allowed("%s is open for writing (nothing written)", path);
}

/* A masked file is the host's /dev/null; a real one is a regular file on procfs. */
static int esc_procread(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    if (errno == ENOENT) {
      printf("ABSENT: %s: %s\n", path, strerror(errno));
      return 3;
    }
    return blocked(path);
  }
  struct stat st;
  struct statfs sf;
  fstat(fd, &st);
  fstatfs(fd, &sf);
  char buf[64];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (S_ISCHR(st.st_mode)) {
    printf("BLOCKED: %s is masked by a character device %u:%u (read %zd bytes)\n", path, major(st.st_rdev), minor(st.st_rdev), n);
    return 1;
  }
  if (sf.f_type == 0x9fa0 && n >= 0) return allowed("%s is the kernel's own file", path);
  printf("BLOCKED: %s is not the kernel's file (read %zd)\n", path, n);
  return 1;
}

static int esc_mknod(const char *majmin) {
  unsigned ma, mi;
  if (sscanf(majmin, "%u:%u", &ma, &mi) != 2) return 2;
  unlink("/dev/.gb-blk");
  if (mknod("/dev/.gb-blk", S_IFBLK | 0600, makedev(ma, mi)) < 0) return blocked("mknod");
  int fd = open("/dev/.gb-blk", O_RDONLY);
  int e = errno;
  unlink("/dev/.gb-blk");
  errno = e;
  if (fd < 0) return blocked("open of the new block device");
  close(fd);
  return allowed("made block device %s and opened it (read-only)", majmin);
}

/* An image that is no module at all: EPERM means refused before the kernel looked at it. */
static int esc_module(void) {
  static const char junk[64] = "not a kernel module";
  if (syscall(SYS_init_module, junk, sizeof junk, "") == 0) return allowed("%s", "init_module succeeded");
  if (errno == EPERM) return blocked("init_module");
  printf("ALLOWED: init_module reached the kernel, which said: %s\n", strerror(errno));
  return 0;
}

static int esc_ptrace(const char *pid) {
  pid_t p = (pid_t)atoi(pid);
  if (ptrace(PTRACE_ATTACH, p, 0, 0) < 0) return blocked("ptrace(PTRACE_ATTACH)");
  waitpid(p, NULL, __WALL);
  ptrace(PTRACE_DETACH, p, 0, 0);
  return allowed("attached to process %s (and detached)", pid);
}

static int esc_kill(const char *pid) {
  if (kill((pid_t)atoi(pid), 0) < 0) return blocked("kill(PID, 0)");
  return allowed("process %s can be signalled", pid);
}

/* ip link add gbprobe0 type bridge, spoken in netlink. */
static int esc_iplink(void) {
  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (s < 0) return blocked("socket(AF_NETLINK)");
  struct {
    struct nlmsghdr h;
    struct ifinfomsg i;
    char attrs[256];
  } req;
  memset(&req, 0, sizeof req);
  req.h.nlmsg_type = RTM_NEWLINK;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof req.i);
  struct rtattr *a = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));
  a->rta_type = IFLA_IFNAME;
  a->rta_len = RTA_LENGTH(9);
  memcpy(RTA_DATA(a), "gbprobe0", 9);
  req.h.nlmsg_len = NLMSG_ALIGN(req.h.nlmsg_len) + RTA_ALIGN(a->rta_len);
  struct rtattr *li = (struct rtattr *)((char *)&req + req.h.nlmsg_len);
  li->rta_type = IFLA_LINKINFO;
  struct rtattr *kind = (struct rtattr *)RTA_DATA(li);
  kind->rta_type = IFLA_INFO_KIND;
  kind->rta_len = RTA_LENGTH(7);
  memcpy(RTA_DATA(kind), "bridge", 7);
  li->rta_len = RTA_LENGTH(RTA_ALIGN(kind->rta_len));
  req.h.nlmsg_len += RTA_ALIGN(li->rta_len);
  if (send(s, &req, req.h.nlmsg_len, 0) < 0) return blocked("send");
  char buf[4096];
  ssize_t n = recv(s, buf, sizeof buf, 0);
  close(s);
  if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) return blocked("recv");
  struct nlmsgerr *err = NLMSG_DATA((struct nlmsghdr *)buf);
  if (err->error == 0) return allowed("%s", "created the link gbprobe0 (type bridge) in this network namespace");
  errno = -err->error;
  return blocked("RTM_NEWLINK");
}

/* Connects to an abstract unix socket (those live in the network namespace, not in the file system). */
static int esc_unix(const char *name) {
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  size_t len = strlen(name);
  if (len + 1 > sizeof a.sun_path) return 2;
  memcpy(a.sun_path + 1, name, len);
  if (connect(s, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)) < 0) return blocked("connect to @name");
  close(s);
  return allowed("connected to the abstract socket @%s", name);
}

/* Every open descriptor above 2 that is a directory is climbed with ".." to look for a host file. */
static int esc_fds(const char *marker) {
  for (int fd = 3; fd < 1024; fd++) {
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) continue;
    if (fchdir(fd) < 0) continue;
    for (int i = 0; i < 64; i++) chdir("..");
    if (stat(marker + 1, &st) == 0) {
      printf("ALLOWED: descriptor %d leads to the host file %s\n", fd, marker);
      return 0;
    }
  }
  return blocked_msg("no open descriptor leads out of the container");
}

/* Reads /proc/PID/cmdline into argv-like pieces; the count, or -1. */
static int cmdline(const char *pid, char *buf, size_t size, char **args, int max) {
  char path[300];
  snprintf(path, sizeof path, "/proc/%s/cmdline", pid);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  int c = 0;
  for (char *p = buf; p < buf + n && c < max; p += strlen(p) + 1) args[c++] = p;
  return c;
}

/* The CVE-2019-5736 pattern, up to the last step: could a host program that ran inside the container be written? */
static int esc_hostexe(const char *script) {
  int sfd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  if (sfd < 0) return fail(script);
  if (write(sfd, "#!/proc/self/exe -\n", 19) != 19 || close(sfd) < 0) return fail(script);
  chmod(script, 0755);
  printf("watching for a host program running %s\n", script);
  fflush(stdout);
  int exe = -1;
  char victim[300] = "";
  for (int round = 0; exe < 0 && round < 60000; round++) {
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) && exe < 0) {
      if (!isdigit((unsigned char)e->d_name[0]) || atoi(e->d_name) == getpid()) continue;
      char buf[4096], *args[8];
      int n = cmdline(e->d_name, buf, sizeof buf, args, 8);
      if (n < 3 || strcmp(args[0], "/proc/self/exe") || strcmp(args[1], "-") || strcmp(args[2], script)) continue;
      char path[300];
      snprintf(path, sizeof path, "/proc/%s/exe", e->d_name);
      exe = open(path, O_RDONLY | O_CLOEXEC);
      if (exe >= 0) snprintf(victim, sizeof victim, "%s", e->d_name);
    }
    if (d) closedir(d);
    if (exe < 0) usleep(500);
  }
  if (exe < 0) {
    fprintf(stderr, "probe: no host program ran %s\n", script);
    return 2;
  }
  struct stat st;
  fstat(exe, &st);
  /* It loops (it runs the script again and again): end it, and wait until it is gone. */
  pid_t p = (pid_t)atoi(victim);
  kill(p, SIGKILL);
  for (int i = 0; i < 100000; i++) {
    char path[64], state = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)p);
    FILE *f = fopen(path, "r");
    if (!f) break;
    int got = fscanf(f, "%*d (%*[^)]) %c", &state);
    fclose(f);
    if (got == 1 && (state == 'Z' || state == 'X')) break;
    usleep(200);
  }
  char self[64];
  snprintf(self, sizeof self, "/proc/self/fd/%d", exe);
  for (int i = 0;; i++) {
    int w = open(self, O_WRONLY);
    if (w >= 0) {
      close(w);
      printf("ALLOWED: the host program %u:%lu (%ld bytes), caught as /proc/%s/exe, reopened for writing through %s (nothing written)\n",
             (unsigned)st.st_dev, (unsigned long)st.st_ino, (long)st.st_size, victim, self);
      return 0;
    }
    /* Text file busy: some process still runs it (it is not gone yet): ask again. */
    if (errno != ETXTBSY || i > 5000) break;
    usleep(1000);
  }
  printf("BLOCKED: the host program %u:%lu, caught as /proc/%s/exe, cannot be reopened for writing: %s\n", (unsigned)st.st_dev, (unsigned long)st.st_ino, victim, strerror(errno));
  return 1;
}

/* Keystrokes pushed into a terminal's input with TIOCSTI (a comment, and no newline: nothing would run). */
static int esc_tiocsti(const char *fdarg) {
  int fd = atoi(fdarg);
  if (!isatty(fd)) {
    fprintf(stderr, "probe: descriptor %d is not a terminal\n", fd);
    return 2;
  }
  const char *text = "#gb-injected";
  for (const char *c = text; *c; c++) {
    if (ioctl(fd, TIOCSTI, c) < 0) {
      if (errno == EIO) {
        printf("ABSENT: TIOCSTI is off in this kernel (dev.tty.legacy_tiocsti=0): %s\n", strerror(errno));
        return 3;
      }
      return blocked("ioctl(TIOCSTI) on the terminal");
    }
  }
  printf("ALLOWED: pushed %zu characters into the terminal's input with TIOCSTI\n", strlen(text));
  return 0;
}

/* kill(0, SIGTERM): every process of the caller's process group. The probe itself survives (it ignores SIGTERM). */
static int esc_killpg(void) {
  signal(SIGTERM, SIG_IGN);
  pid_t pg = getpgrp(), sid = getsid(0);
  if (kill(0, SIGTERM) < 0) return blocked("kill(0, SIGTERM)");
  printf("SENT: kill(0, SIGTERM) to process group %d, session %d (0: led from outside this PID namespace)\n", (int)pg, (int)sid);
  return 0;
}

static int esc_blockdev(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return blocked(path);
  struct stat st;
  fstat(fd, &st);
  close(fd);
  if (!S_ISBLK(st.st_mode)) return blocked_msg("not a block device");
  printf("ALLOWED: opened the block device %s (%u:%u) read-only\n", path, major(st.st_rdev), minor(st.st_rdev));
  return 0;
}

static int escape(int argc, char **argv) {
  const char *name = argv[0];
  const char *a = argc > 1 ? argv[1] : NULL;
  if (!strcmp(name, "chroot") && a) return esc_chroot(a);
  if (!strcmp(name, "path") && a) return esc_path(a);
  if (!strcmp(name, "mount") && a) return esc_mount(a);
  if (!strcmp(name, "openw") && a) return esc_openw(a);
  if (!strcmp(name, "cgroupw") && a) return esc_cgroupw(a);
  if (!strcmp(name, "procread") && a) return esc_procread(a);
  if (!strcmp(name, "mknod") && a) return esc_mknod(a);
  if (!strcmp(name, "module")) return esc_module();
  if (!strcmp(name, "ptrace") && a) return esc_ptrace(a);
  if (!strcmp(name, "kill") && a) return esc_kill(a);
  if (!strcmp(name, "iplink")) return esc_iplink();
  if (!strcmp(name, "unix") && a) return esc_unix(a);
  if (!strcmp(name, "fds") && a) return esc_fds(a);
  if (!strcmp(name, "hostexe") && a) return esc_hostexe(a);
  if (!strcmp(name, "tiocsti") && a) return esc_tiocsti(a);
  if (!strcmp(name, "killpg")) return esc_killpg();
  if (!strcmp(name, "blockdev") && a) return esc_blockdev(a);
  if (!strcmp(name, "listen") && a) { /* the host side of the unix probe: accept and close, forever */
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t len = strlen(a);
    if (len + 1 > sizeof addr.sun_path) return 2;
    memcpy(addr.sun_path + 1, a, len);
    if (bind(s, (struct sockaddr *)&addr, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)) < 0 || listen(s, 16) < 0) return fail("bind");
    printf("listening\n");
    for (;;) {
      int c = accept(s, NULL, NULL);
      if (c >= 0) close(c);
    }
  }
  fprintf(stderr, "probe: unknown escape %s\n", name);
  return 2;
}

static int usage(void) {
  fprintf(stderr, "usage: probe pid|ppid|hostname|ifaces|mountinfo|ps|root|cwd|env|id|segv|exit N|signal SIG|sleep N|write FILE|cat FILE|syscall NAME|alloc MIB|escape NAME [ARG]|euid\n");
  return 2;
}

/* One system call a seccomp filter may deny, with harmless arguments: prints "NAME: ok" or "NAME: errno N". */
static int try_syscall(const char *name) {
  long r;
  if (!strcmp(name, "keyctl")) r = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0);
  else if (!strcmp(name, "unshare")) r = syscall(SYS_unshare, CLONE_NEWUSER);
  else if (!strcmp(name, "mount")) r = syscall(SYS_mount, "none", "/", "tmpfs", MS_REMOUNT | MS_RDONLY, NULL);
  else if (!strcmp(name, "clone3")) r = syscall(SYS_clone3, NULL, 0);
  else if (!strcmp(name, "clone-newuser")) {
    r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (r == 0) _exit(0);
    if (r > 0) waitpid((pid_t)r, NULL, 0);
  } else return usage();
  if (r < 0) printf("%s: errno %d\n", name, errno);
  else printf("%s: ok\n", name);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  const char *cmd = argv[1];
  const char *arg = argc > 2 ? argv[2] : NULL;
  setvbuf(stdout, NULL, _IOLBF, 0);

  if (!strcmp(cmd, "pid")) return printf("%d\n", (int)getpid()) < 0;
  if (!strcmp(cmd, "ppid")) return printf("%d\n", (int)getppid()) < 0;
  if (!strcmp(cmd, "hostname")) {
    struct utsname u;
    if (uname(&u) < 0) return fail("uname");
    printf("%s\n", u.nodename);
    return 0;
  }
  if (!strcmp(cmd, "ifaces")) {
    struct if_nameindex *ifs = if_nameindex();
    if (!ifs) return fail("if_nameindex");
    for (struct if_nameindex *i = ifs; i->if_index; i++) printf("%s\n", i->if_name);
    if_freenameindex(ifs);
    return 0;
  }
  if (!strcmp(cmd, "mountinfo")) return cat("/proc/self/mountinfo");
  if (!strcmp(cmd, "ps")) return list_dir("/proc", 1);
  if (!strcmp(cmd, "root")) return list_dir("/", 0);
  if (!strcmp(cmd, "cwd")) {
    char buf[4096];
    if (!getcwd(buf, sizeof buf)) return fail("getcwd");
    printf("%s\n", buf);
    return 0;
  }
  if (!strcmp(cmd, "env")) {
    for (char **e = environ; *e; e++) printf("%s\n", *e);
    return 0;
  }
  if (!strcmp(cmd, "id")) {
    gid_t groups[256];
    int n = getgroups(256, groups);
    if (n < 0) return fail("getgroups");
    printf("uid=%d gid=%d groups=", (int)getuid(), (int)getgid());
    for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", (int)groups[i]);
    printf("\n");
    return 0;
  }
  if (!strcmp(cmd, "exit") && arg) return atoi(arg);
  if (!strcmp(cmd, "signal") && arg) {
    int sig = parse_signal(arg);
    if (sig < 0) return usage();
    fflush(stdout);
    if (kill(getpid(), sig) < 0) return fail("kill");
    /* A pending unblocked signal is delivered before kill() returns; give it a moment anyway. */
    usleep(100000);
    printf("survived SIG%s\n", sigabbrev_np(sig) ? sigabbrev_np(sig) : arg);
    return 0;
  }
  if (!strcmp(cmd, "segv")) {
    fflush(stdout);
    volatile int *p = NULL;
    *p = 1;
    return 0;
  }
  if (!strcmp(cmd, "sleep") && arg) {
    int s = atoi(arg);
    printf("sleeping\n");
    if (s <= 0)
      for (;;) pause();
    while (s > 0) s = (int)sleep((unsigned)s);
    return 0;
  }
  if (!strcmp(cmd, "write") && arg) {
    int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return fail(arg);
    if (write(fd, "ok\n", 3) != 3) return fail(arg);
    if (close(fd) < 0) return fail(arg);
    printf("wrote %s\n", arg);
    return 0;
  }
  if (!strcmp(cmd, "cat") && arg) return cat(arg);
  if (!strcmp(cmd, "syscall") && arg) return try_syscall(arg);
  if (!strcmp(cmd, "alloc") && arg) { /* touch MIB mebibytes, page by page, so they are charged to the cgroup */
    size_t mib = (size_t)atoi(arg), len = mib << 20;
    char *p = malloc(len);
    if (!p) return fail("malloc");
    for (size_t i = 0; i < len; i += 4096) p[i] = (char)(i >> 12 | 1);
    printf("allocated %zu MiB\n", mib);
    return 0;
  }
  if (!strcmp(cmd, "escape") && arg) return escape(argc - 2, argv + 2);
  if (!strcmp(cmd, "euid")) return printf("euid=%d\n", (int)geteuid()) < 0;
  return usage();
}
