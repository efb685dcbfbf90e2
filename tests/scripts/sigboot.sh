#!/bin/sh
# Booted with module.sig_enforce=1: unsigned hello ($1/hello.ko) is
# refused, the installed (signed) one loads.
echo "sig_enforce: $(cat /sys/module/module/parameters/sig_enforce)"
insmod $1/hello.ko 2>/dev/null; echo "insmod unsigned: exit $?"
modprobe hello; echo "modprobe hello: exit $?"
rmmod hello
