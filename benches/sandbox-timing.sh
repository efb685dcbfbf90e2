#!/bin/sh
# Run by `cargo bench` inside the sandbox: times the real tools against the
# user-mode kernel: mean of 20 runs between two clock reads, microseconds.
t() {
	name=$1; shift
	s=$(date +%s%N)
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		"$@" >/dev/null 2>&1
	done
	e=$(date +%s%N)
	echo "$name $(( (e - s) / 20000 ))"
}
depmod -a
t "shell builtin (loop overhead)" true
t "/bin/true (exec; its opens go through seccomp)" /bin/true
t "cat a host file (exec + seccomp, no FUSE)" cat /etc/hostname
t "cat a rootfs file (FUSE)" cat /lib/modules/$(uname -r)/modules.dep
t "ls /sys/module (FUSE, no module loaded)" ls /sys/module
modprobe consumer
t "cat /sys/module/provider/refcnt (FUSE)" cat /sys/module/provider/refcnt
t "cat /proc/modules (seccomp open + FUSE)" cat /proc/modules
t "lsmod" lsmod
t "cat /proc/kallsyms" cat /proc/kallsyms
modprobe -r consumer
t "modprobe consumer + modprobe -r consumer (2 loads, 2 unloads)" sh -c 'modprobe consumer && modprobe -r consumer'
t "insmod + rmmod hello" sh -c "insmod /lib/modules/$(uname -r)/kernel/hello.ko && rmmod hello"
