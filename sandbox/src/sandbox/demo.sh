#!/bin/sh
# The bundled demo: Debian's kmod tools (or busybox's) against the
# user-mode kernel, unchanged. Run by `cargo run --release` with no argument.
set -e
r=$(uname -r)
echo "== depmod -a (writes /lib/modules/$r/modules.dep* into the kernel's rootfs)"
depmod -a
cat "/lib/modules/$r/modules.dep"
echo "== modprobe consumer (loads provider first)"
modprobe -v consumer
lsmod
echo "== /sys/module/provider"
echo "refcnt: $(cat /sys/module/provider/refcnt)  holders: $(ls /sys/module/provider/holders)"
echo "== rmmod provider (in use)"
rmmod provider 2>&1 || echo "(refused, exit $?)"
echo "== modprobe -r consumer (unloads both)"
modprobe -r -v consumer
echo "== insmod params.ko count=7, then a write through sysfs"
insmod "/lib/modules/$r/kernel/params.ko" count=7
cat /sys/module/params/parameters/count
echo 9 > /sys/module/params/parameters/count
cat /sys/module/params/parameters/count
grep '\[params\]' /proc/kallsyms | head -3
rmmod params
left=$(grep -c . /proc/modules || true)
echo "== modules left: $left"
modinfo -F parm params || modinfo params
lsmod
