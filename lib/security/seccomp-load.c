/* glassbox-seccomp-load FILTER PROGRAM [ARG...]: installs a seccomp filter, then executes PROGRAM.
 *
 * FILTER is a text file of classic BPF instructions, one per line, as tcpdump -ddd prints them: four decimal
 * numbers "code jt jf k"; blank lines and everything after a '#' are ignored. glassbox writes the file (its
 * default filter is compiled in lib/security/seccomp.ts) and this program only loads it: it makes no decision of
 * its own. Without no_new_privs the kernel accepts a filter only from a process holding CAP_SYS_ADMIN, so in the
 * start chain this runs before setpriv drops the capabilities.
 *
 * Build: gcc -static -O2 -o glassbox-seccomp-load lib/security/seccomp-load.c   (npm run build does it)
 * Exit: 125 when the filter cannot be read or installed, 126/127 when PROGRAM cannot be executed or found.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define MAX_INSNS 4096

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: glassbox-seccomp-load FILTER PROGRAM [ARG...]\n");
    return 125;
  }
  FILE *f = fopen(argv[1], "re");
  if (!f) {
    fprintf(stderr, "glassbox-seccomp-load: %s: %s\n", argv[1], strerror(errno));
    return 125;
  }
  static struct sock_filter insns[MAX_INSNS];
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
      fprintf(stderr, "glassbox-seccomp-load: %s:%d: expected four numbers: code jt jf k\n", argv[1], lineno);
      return 125;
    }
    insns[n++] = (struct sock_filter){(unsigned short)code, (unsigned char)jt, (unsigned char)jf, (unsigned)k};
  }
  fclose(f);
  if (n == 0) {
    fprintf(stderr, "glassbox-seccomp-load: %s: no instructions\n", argv[1]);
    return 125;
  }
  struct sock_fprog prog = {n, insns};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
    fprintf(stderr, "glassbox-seccomp-load: installing the filter: %s\n", strerror(errno));
    return 125;
  }
  execvp(argv[2], argv + 2);
  int e = errno;
  fprintf(stderr, "glassbox-seccomp-load: %s: %s\n", argv[2], strerror(e));
  return e == ENOENT ? 127 : 126;
}
