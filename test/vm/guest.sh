#!/bin/sh
# Stage 2, PID 1 of the guest after switch_root, run by the host's /bin/sh from the checkout (over 9p, read-only,
# under a tmpfs overlay): make a pure cgroup v2 host, run the job, write its exit status to the shared result
# directory, power off. The job (/gb-share/job, written by the harness) is key=value lines: repo= the checkout,
# cwd= where to run, and one arg= line per argument of the command. The command's output goes to the serial
# console (the harness streams it) and to /gb-share/output.log.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
SHARE=/gb-share

finish() {
  sync
  echo "glassbox-vm: powering off"
  poweroff -f
  # poweroff -f does not return; if it ever does, make the kernel stop (qemu runs with -no-reboot).
  echo o >/proc/sysrq-trigger
}
die() {
  echo "glassbox-vm: stage 2: $*"
  finish
}

mount -t proc proc /proc || die "proc"
mount -t sysfs sysfs /sys || die "sysfs"
mount -t devtmpfs devtmpfs /dev || die "devtmpfs"
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
# A pure cgroup v2 host, mounted as systemd mounts it (nsdelegate: a cgroup namespace is a delegation boundary).
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || die "mounting cgroup2 on /sys/fs/cgroup failed"
hostname glassbox-v2
ip link set lo up
# Loop devices, as a host has them (tests use /dev/loop0 as a block device no container may open).
modprobe loop 2>/dev/null
# Swap on a compressed RAM disk, so memory.swap.max limits something real.
if modprobe zram 2>/dev/null && echo 512M >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null && swapon /dev/zram0; then
  swap="512 MiB of zram swap"
else
  swap="no swap"
fi
echo "glassbox-vm: stage 2: $(uname -r), cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.controllers), $swap, $(nproc) CPUs"

set --
cwd=/
while IFS= read -r line; do
  case $line in
    arg=*) set -- "$@" "${line#arg=}" ;;
    cwd=*) cwd=${line#cwd=} ;;
    env=*) export "${line#env=}" ;;
  esac
done <"$SHARE/job"
[ "$#" -gt 0 ] || die "the job names no command"
cd "$cwd" || die "cd $cwd"
export HOME=/root LANG=C.UTF-8 CI="${CI:-}"

echo "glassbox-vm: running: $*"
# The exit status travels through a file: a pipeline's status is its last command's (tee's) in POSIX sh.
{
  "$@" </dev/null
  echo $? >"$SHARE/status.tmp"
} 2>&1 | tee "$SHARE/output.log"
if [ -f "$SHARE/status.tmp" ]; then
  mv "$SHARE/status.tmp" "$SHARE/status"
  echo "glassbox-vm: the command exited $(cat "$SHARE/status")"
else
  echo "glassbox-vm: the command left no exit status"
fi
finish
