#!/bin/sh
# Run by `cargo bench` inside the sandbox: times the real tools against the
# user-mode kernel, median of 7 runs each, in microseconds.
t() {
	name=$1; shift
	runs=""
	for i in 1 2 3 4 5 6 7; do
		s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
		runs="$runs $(( (e - s) / 1000 ))"
	done
	echo "$name $(echo $runs | tr ' ' '\n' | sort -n | sed -n 4p)"
}
depmod -a
t "true (process spawn)" true
t "cat a rootfs file (FUSE)" cat /lib/modules/$(uname -r)/modules.dep
t "cat /sys/module (FUSE, empty)" ls /sys/module
modprobe consumer
t "cat /sys/module/provider/refcnt (FUSE)" cat /sys/module/provider/refcnt
t "cat /proc/modules (seccomp open + FUSE)" cat /proc/modules
t "lsmod" lsmod
t "cat /proc/kallsyms" cat /proc/kallsyms
modprobe -r consumer
t "modprobe consumer + modprobe -r consumer (2 loads, 2 unloads)" sh -c 'modprobe consumer && modprobe -r consumer'
t "insmod + rmmod hello" sh -c "insmod /lib/modules/$(uname -r)/kernel/hello.ko && rmmod hello"
