/* glassbox-device-filter GROUP RULE...: attaches a device allow-list to a cgroup v2 group, as an eBPF program.
 *
 * cgroup v1 had a devices controller (devices.allow, devices.deny). cgroup v2 has none: the kernel instead asks a
 * BPF program of type BPF_PROG_TYPE_CGROUP_DEVICE, attached to the group, whenever a process in it (or below it)
 * makes a device node (mknod) or opens one for reading or writing; the program returns 1 to allow, 0 to refuse
 * (EPERM). runc and crun compile their allow-list into such a program; this is the same idea in ~100 lines.
 *
 * Each RULE is one devices.allow line, the same lines glassbox writes on v1 (lib/security/paths.ts):
 *   TYPE MAJOR:MINOR ACCESS    TYPE c, b or a (any); MAJOR, MINOR a number or *; ACCESS letters of r w m
 * Everything not allowed by some rule is refused. The program reads its context, struct bpf_cgroup_dev_ctx
 * { u32 access_type; u32 major; u32 minor; } where access_type is (ACCESS << 16) | TYPE, and checks the rules in
 * order. It is attached with BPF_F_ALLOW_MULTI, so programs of parent groups still apply; the attachment holds
 * the program after this process exits, and the kernel drops it when the group is removed.
 *
 * Build: gcc -static -O2 -o glassbox-device-filter lib/cgroup/device-filter.c   (npm run build does it)
 * Exit: 0 attached; 2 a rule is malformed; 1 the kernel refused (the message says which call).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_INSNS 1024

static struct bpf_insn prog[MAX_INSNS];
static int n;

static void emit(__u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm) {
  if (n < MAX_INSNS) prog[n++] = (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
  else n++;
}

/* Parses "c 1:3 rwm" into type (0 any), major/minor (-1 any) and access bits; 0 on success. */
static int parse_rule(const char *s, int *type, long *major, long *minor, int *access) {
  char t, maj[16], min[16], acc[8];
  if (sscanf(s, "%c %15[0-9*]:%15[0-9*] %7s", &t, maj, min, acc) != 4) return -1;
  *type = t == 'a' ? 0 : t == 'c' ? BPF_DEVCG_DEV_CHAR : t == 'b' ? BPF_DEVCG_DEV_BLOCK : -1;
  if (*type < 0) return -1;
  *major = strcmp(maj, "*") ? strtol(maj, NULL, 10) : -1;
  *minor = strcmp(min, "*") ? strtol(min, NULL, 10) : -1;
  *access = 0;
  for (const char *a = acc; *a; a++) {
    if (*a == 'r') *access |= BPF_DEVCG_ACC_READ;
    else if (*a == 'w') *access |= BPF_DEVCG_ACC_WRITE;
    else if (*a == 'm') *access |= BPF_DEVCG_ACC_MKNOD;
    else return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: glassbox-device-filter GROUP 'TYPE MAJOR:MINOR ACCESS'...\n");
    return 2;
  }
  /* r2 = device type, r3 = requested access, r4 = major, r5 = minor (r1 holds the context until then). */
  emit(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0);
  emit(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
  emit(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
  emit(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
  emit(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 4, 0);
  emit(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 8, 0);
  for (int i = 2; i < argc; i++) {
    int type, access;
    long major, minor;
    if (parse_rule(argv[i], &type, &major, &minor, &access)) {
      fprintf(stderr, "glassbox-device-filter: malformed rule \"%s\" (want TYPE MAJOR:MINOR ACCESS, like \"c 1:3 rwm\")\n", argv[i]);
      return 2;
    }
    /* One block per rule; every test that fails jumps past the block's end, to the next rule. */
    int len = (type ? 1 : 0) + (access != 7 ? 3 : 0) + (major >= 0 ? 1 : 0) + (minor >= 0 ? 1 : 0) + 2;
    int at = 0; /* instructions of this block emitted so far */
#define SKIP (len - at - 1)
    if (type) emit(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, SKIP, type), at++;
    if (access != 7) { /* refused when the request has any bit outside ACCESS */
      emit(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0), at++;
      emit(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, ~access & 7), at++;
      emit(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_1, 0, SKIP, 0), at++;
    }
    if (major >= 0) emit(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, SKIP, (__s32)major), at++;
    if (minor >= 0) emit(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, SKIP, (__s32)minor), at++;
    emit(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
    emit(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
#undef SKIP
  }
  emit(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0); /* no rule matched: refuse */
  emit(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  if (n > MAX_INSNS) {
    fprintf(stderr, "glassbox-device-filter: too many rules\n");
    return 2;
  }

  static char log[65536];
  union bpf_attr load;
  memset(&load, 0, sizeof load);
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = (__u64)(unsigned long)prog;
  load.insn_cnt = (__u32)n;
  load.license = (__u64)(unsigned long)"GPL";
  load.log_buf = (__u64)(unsigned long)log;
  load.log_size = sizeof log;
  load.log_level = 1;
  int pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
  if (pfd < 0) {
    fprintf(stderr, "glassbox-device-filter: bpf(BPF_PROG_LOAD): %s\n%s", strerror(errno), log);
    return 1;
  }
  int cfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cfd < 0) {
    fprintf(stderr, "glassbox-device-filter: %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  union bpf_attr attach;
  memset(&attach, 0, sizeof attach);
  attach.target_fd = (__u32)cfd;
  attach.attach_bpf_fd = (__u32)pfd;
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach) < 0) {
    fprintf(stderr, "glassbox-device-filter: bpf(BPF_PROG_ATTACH) to %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  return 0;
}
