#!/bin/sh
# modprobe as the very first command: the installed tree's indexes
# (make modules_install + depmod at build time) are already there.
set -e
modprobe consumer
lsmod
modprobe -r consumer
echo "left: $(grep -c . /proc/modules || true)"
