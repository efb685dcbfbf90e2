#!/bin/sh
# An unprivileged user (uid 1000, no capabilities) in the sandbox: the
# module syscalls give EPERM, 0400 files are closed, addresses are zeros.
d=/lib/modules/$(uname -r)
u="setpriv --reuid=1000 --regid=1000 --clear-groups"
$u insmod $d/kernel/hello.ko 2>&1; echo "exit $?"
insmod $d/kernel/hello.ko; echo "root: exit $?"
$u rmmod hello 2>&1 | grep -v 'libkmod-module.c'
$u cat /sys/module/hello/sections/.exit.text 2>&1; echo "exit $?"
$u cat /sys/module/hello/refcnt /sys/module/hello/initstate
$u grep 'hello_exit' /proc/kallsyms
$u cat /proc/modules | cut -d' ' -f1,3-
grep 'hello_exit' /proc/kallsyms | grep -c '^0000000000000000 ' 
cat /sys/module/hello/sections/.exit.text | grep -c '^0x0000000000000000$'
rmmod hello; echo "root: exit $?"
