/* glassbox-seccomp-load [OPTIONS] FILTER PROGRAM [ARG...]: installs a seccomp filter, then executes PROGRAM.
 *
 * FILTER is a text file of classic BPF instructions, one per line, as tcpdump -ddd prints them: four decimal
 * numbers "code jt jf k"; blank lines and everything after a '#' are ignored. "-" means no filter. glassbox writes
 * the file (its default filter is compiled in lib/security/seccomp.ts) and this program only loads it: it makes no
 * decision of its own. Without no_new_privs the kernel accepts a filter only from a process holding CAP_SYS_ADMIN,
 * so in the start chain this runs before setpriv drops the capabilities.
 *
 * OPTIONS serve `glassbox exec`, where nothing from the host can run after nsenter has entered the container's
 * mount namespace: glassbox hands this (static) program and the filter over as inherited descriptors, and nsenter
 * runs /proc/self/fd/3. Here it then does setpriv's part too, in this order:
 *   --bounding-set=-all,+chown,...  drop every other capability from the bounding set; clear the ambient set
 *   (the filter is loaded here when no_new_privs stays off: that needs CAP_SYS_ADMIN, still held)
 *   --groups=1,2 | --clear-groups, --regid=N, --reuid=N   the user (setgroups, setresgid, setresuid)
 *   (the inheritable set is emptied)
 *   --no-new-privs                   prctl(PR_SET_NO_NEW_PRIVS); the filter is loaded after it
 *   --close-fds                      close every descriptor above 2 before PROGRAM runs (the inherited ones)
 *   --setsid                         setsid(2): a new session and process group with no controlling terminal, so
 *                                    the command cannot reach the caller's terminal (TIOCSTI) or process group
 * One more option serves the start chain of `glassbox run`, where the loader is the last host program:
 *   --barrier=FIFO                   open FIFO for reading, which blocks until glassbox opens it for writing (the
 *                                    start barrier), then close it, so PROGRAM (PID 1) does not inherit it
 * For root, execve then gives PROGRAM exactly the bounding set as its permitted and effective capabilities.
 *
 * Build: gcc -static -O2 -o glassbox-seccomp-load lib/security/seccomp-load.c   (npm run build does it)
 * Exit: 125 when an option, the filter or a credential change fails, 126/127 when PROGRAM cannot be executed or
 * found.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_INSNS 4096

/* Reads FILTER's instructions; 0, or 125 after saying what is wrong. */
static int read_filter(const char *file, struct sock_filter *insns, unsigned short *count) {
  FILE *f = fopen(file, "re");
  if (!f) {
    fprintf(stderr, "glassbox-seccomp-load: %s: %s\n", file, strerror(errno));
    return 125;
  }
  unsigned short n = 0;
  char line[512];
  for (int lineno = 1; fgets(line, sizeof line, f); lineno++) {
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    unsigned code, jt, jf;
    unsigned long k;
    char extra;
    int got = sscanf(line, "%u %u %u %lu %c", &code, &jt, &jf, &k, &extra);
    if (got <= 0) continue; /* blank or comment-only */
    if (got != 4 || code > 0xffff || jt > 255 || jf > 255 || k > 0xffffffffUL || n == MAX_INSNS) {
      fprintf(stderr, "glassbox-seccomp-load: %s:%d: expected four numbers: code jt jf k\n", file, lineno);
      fclose(f);
      return 125;
    }
    insns[n++] = (struct sock_filter){(unsigned short)code, (unsigned char)jt, (unsigned char)jf, (unsigned)k};
  }
  fclose(f);
  if (n == 0) {
    fprintf(stderr, "glassbox-seccomp-load: %s: no instructions\n", file);
    return 125;
  }
  *count = n;
  return 0;
}

static const char *CAPS[] = {
    "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap",
    "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
    "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
    "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write", "audit_control", "setfcap",
    "mac_override", "mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf",
    "checkpoint_restore"};
#define NCAPS (int)(sizeof CAPS / sizeof CAPS[0])

static int fail(const char *what, const char *detail) {
  fprintf(stderr, "glassbox-seccomp-load: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  return 125;
}

/* "-all,+chown,+kill" → the capabilities to keep (only this form, the one glassbox writes). */
static int parse_bounding(const char *spec, int keep[64]) {
  if (strncmp(spec, "-all", 4) != 0) return -1;
  for (const char *p = spec + 4; *p;) {
    if (p[0] != ',' || p[1] != '+') return -1;
    p += 2;
    size_t len = strcspn(p, ",");
    int found = 0;
    for (int i = 0; i < NCAPS; i++)
      if (strlen(CAPS[i]) == len && strncmp(CAPS[i], p, len) == 0) keep[i] = found = 1;
    if (!found) return -1;
    p += len;
  }
  return 0;
}

static int parse_groups(const char *list, gid_t *out, int max) {
  int n = 0;
  for (const char *p = list; *p && n < max;) {
    char *end;
    unsigned long g = strtoul(p, &end, 10);
    if (end == p) return -1;
    out[n++] = (gid_t)g;
    p = *end == ',' ? end + 1 : end;
    if (*end && *end != ',') return -1;
  }
  return n;
}

static int load_filter(struct sock_fprog *prog) {
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0) != 0) return fail("installing the filter", strerror(errno));
  return 0;
}

int main(int argc, char **argv) {
  const char *bounding = NULL, *groups = NULL, *barrier = NULL;
  long uid = -1, gid = -1;
  int clear_groups = 0, nnp = 0, close_fds = 0, new_session = 0, argi = 1;
  for (; argi < argc && strncmp(argv[argi], "--", 2) == 0 && argv[argi][2]; argi++) {
    const char *a = argv[argi];
    if (strncmp(a, "--bounding-set=", 15) == 0) bounding = a + 15;
    else if (strncmp(a, "--groups=", 9) == 0) groups = a + 9;
    else if (strcmp(a, "--clear-groups") == 0) clear_groups = 1;
    else if (strncmp(a, "--reuid=", 8) == 0) uid = strtol(a + 8, NULL, 10);
    else if (strncmp(a, "--regid=", 8) == 0) gid = strtol(a + 8, NULL, 10);
    else if (strcmp(a, "--no-new-privs") == 0) nnp = 1;
    else if (strcmp(a, "--close-fds") == 0) close_fds = 1;
    else if (strcmp(a, "--setsid") == 0) new_session = 1;
    else if (strncmp(a, "--barrier=", 10) == 0) barrier = a + 10;
    else return fail("unknown option", a);
  }
  if (argc - argi < 2) {
    fprintf(stderr, "usage: glassbox-seccomp-load [OPTIONS] FILTER|- PROGRAM [ARG...]\n");
    return 125;
  }
  const char *filter_file = argv[argi];
  char **program = argv + argi + 1;
  static struct sock_filter insns[MAX_INSNS];
  struct sock_fprog prog = {0, insns};
  if (strcmp(filter_file, "-") != 0) {
    int rc = read_filter(filter_file, insns, &prog.len);
    if (rc) return rc;
  }
  int loaded = 0;
  if (new_session && setsid() < 0) return fail("setsid", strerror(errno));
  if (bounding) {
    int keep[64] = {0};
    if (parse_bounding(bounding, keep) != 0) return fail("bad --bounding-set", bounding);
    for (int c = 0; c < 64; c++)
      if (!keep[c] && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL) return fail("dropping a capability", strerror(errno));
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) return fail("clearing the ambient set", strerror(errno));
  }
  if (prog.len && !nnp) {
    if (load_filter(&prog)) return 125;
    loaded = 1;
  }
  if (groups || clear_groups) {
    gid_t list[256];
    int n = clear_groups ? 0 : parse_groups(groups, list, 256);
    if (n < 0) return fail("bad --groups", groups);
    if (setgroups((size_t)n, list) != 0) return fail("setgroups", strerror(errno));
  }
  if (gid >= 0 && setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) != 0) return fail("setresgid", strerror(errno));
  if (uid >= 0 && setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0) return fail("setresuid", strerror(errno));
  if (bounding) {
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) != 0) return fail("capget", strerror(errno));
    data[0].inheritable = data[1].inheritable = 0;
    if (syscall(SYS_capset, &hdr, data) != 0) return fail("emptying the inheritable set", strerror(errno));
  }
  if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail("no_new_privs", strerror(errno));
  if (prog.len && !loaded && load_filter(&prog)) return 125;
  if (close_fds) {
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
      for (int fd = 3; fd < 1024; fd++) close(fd);
  }
  if (barrier) {
    int fd = open(barrier, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(barrier, strerror(errno));
    close(fd);
  }
  execvp(program[0], program);
  int e = errno;
  fprintf(stderr, "glassbox-seccomp-load: %s: %s\n", program[0], strerror(e));
  return e == ENOENT ? 127 : 126;
}
