#!/bin/sh
# A module's debugfs files at /sys/kernel/debug with coreutils and
# busybox, as root, and refused to uid 1000 (the directory is 0700).
d=/lib/modules/$(uname -r)
u="setpriv --reuid=1000 --regid=1000 --clear-groups"
insmod $d/kernel/debugfsobj.ko
ls /sys/kernel/debug/debugfsobj
cat /sys/kernel/debug/debugfsobj/flag /sys/kernel/debug/debugfsobj/count
busybox head -c 64 /sys/kernel/debug/debugfsobj/mask
echo 0x20 > /sys/kernel/debug/debugfsobj/count
cat /sys/kernel/debug/debugfsobj/count
/bin/echo lots 2>&1 > /sys/kernel/debug/debugfsobj/count | sed 's/^.*: //'
cat /sys/kernel/debug/debugfsobj/blob | od -c | head -1
echo "via echo" > /sys/kernel/debug/debugfsobj/sub/echo
cat /sys/kernel/debug/debugfsobj/sub/echo
$u cat /sys/kernel/debug/debugfsobj/count 2>&1 | sed 's/^.*: //'
rmmod debugfsobj
ls /sys/kernel/debug
