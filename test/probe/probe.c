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
#include <sys/utsname.h>
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

static int usage(void) {
  fprintf(stderr, "usage: probe pid|ppid|hostname|ifaces|mountinfo|ps|root|cwd|env|id|segv|exit N|signal SIG|sleep N|write FILE|cat FILE\n");
  return 2;
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
  return usage();
}
