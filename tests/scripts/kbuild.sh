#!/bin/sh
# A module tree with a Linux-style Makefile ($1, a copy of
# tests/kbuild/modules), built with a plain `make` inside the sandbox
# against /lib/modules/$(uname -r)/build, loaded, installed, modprobed.
set -e
cd "$1"
test -f "/lib/modules/$(uname -r)/build/Makefile"
make >make.log 2>&1 || { cat make.log; exit 1; }
insmod greet.ko
insmod user.ko
insmod sub/counter.ko start=3
lsmod
rmmod counter user greet
make install >install.log 2>&1 || { cat install.log; exit 1; }
ls "/lib/modules/$(uname -r)/extra"
modprobe user
lsmod
modprobe -r user
modinfo -F depends user
make ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu- clean all >rv.log 2>&1 || { cat rv.log; exit 1; }
od -An -j18 -N2 -tu2 user.ko | tr -d ' '
make clean >/dev/null
echo "left: $(grep -c . /proc/modules || true)"
