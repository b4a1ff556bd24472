#!/bin/busybox sh
# Stage 1, the initramfs's /init (busybox sh): load the 9p and overlay modules, mount the host's / (read-only, over
# 9p) under a tmpfs overlay, mount the shared result directory, and switch_root into that overlay, where stage 2
# (test/vm/guest.sh of the checkout the harness runs from) takes over. Any failure powers the guest off at once:
# the harness sees no status file and reports that the guest did not boot.
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /host /rw /newroot /share
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys

die() {
  echo "glassbox-vm: stage 1: $*"
  poweroff -f
}

echo "glassbox-vm: stage 1: kernel $(uname -r), loading modules"
# modules.order lists the modules dependencies first (the harness resolved them from modules.dep).
while read -r m; do
  insmod "/modules/$m" || die "insmod $m failed"
done </modules.order

# 9p: msize raises the per-message size from 8 KiB (far fewer round trips); cache=loose lets the guest cache what it
# read (the host's / is exported read-only and the checkout does not change while the guest runs).
P9=trans=virtio,version=9p2000.L,msize=524288
mount -t 9p -o "$P9,ro,cache=loose" host /host || die "mounting the host's / over 9p failed"
mount -t 9p -o "$P9" share /share || die "mounting the result directory over 9p failed"
mount -t tmpfs -o mode=0755,size=1200m tmpfs /rw || die "tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot || die "overlay on the host's / failed"
mkdir -p /newroot/gb-share
mount --move /share /newroot/gb-share || die "moving the result directory"
[ -r /newroot/gb-share/job ] || die "no job file in the result directory"
REPO=$(sed -n 's/^repo=//p' /newroot/gb-share/job)
[ -r "/newroot$REPO/test/vm/guest.sh" ] || die "$REPO/test/vm/guest.sh is not visible in the guest"
umount /proc /sys
umount -l /dev
exec switch_root /newroot /bin/sh "$REPO/test/vm/guest.sh"
