#!/bin/sh
# `starry-kmod run --modules DIR`: DIR holds tests/kbuild/modules built on
# the host through the Kbuild directory; its modules are in the tree under
# extra/, indexed by depmod, so modprobe finds them by name.
set -e
modprobe user
lsmod
modprobe counter start=5
cat /sys/module/counter/parameters/start
modprobe -r user counter
cd "/lib/modules/$(uname -r)/extra"
find . -name '*.ko' | sort
modinfo -F depends user
echo "left: $(grep -c . /proc/modules || true)"
