#!/bin/sh
# A module's kobjects and attributes in /sys, as root and as uid 1000
# with coreutils and busybox: the sysfsobj sample (attributes, a named
# group, its own ktype, a kset), then with forget=1 (removed at unload).
d=/lib/modules/$(uname -r)
u="setpriv --reuid=1000 --regid=1000 --clear-groups"
insmod $d/kernel/sysfsobj.ko
ls /sys/kernel/sysfsobj
ls -l /sys/kernel/sysfsobj/value /sys/kernel/sysfsobj/poke | cut -d' ' -f1,3,4,5
cat /sys/kernel/sysfsobj/value
echo 42 > /sys/kernel/sysfsobj/value
busybox cat /sys/kernel/sysfsobj/value
/bin/echo many 2>&1 > /sys/kernel/sysfsobj/value | sed 's/^.*: //'
echo blue > /sys/kernel/sysfsobj/label
cat /sys/kernel/sysfsobj/label
cat /sys/kernel/sysfsobj/poke 2>&1 | sed 's/^.*: //'
ls /sys/kernel/sysfsobj/stats
cat /sys/kernel/sysfsobj/stats/*
cat /sys/kernel/sysfsobj/item0/id /sys/kernel/sysfsobj/item1/id
cat /sys/kernel/sysfsobj_set/member/x
$u cat /sys/kernel/sysfsobj/value
$u sh -c 'echo 1 > /sys/kernel/sysfsobj/value' 2>&1 | sed 's/^.*: //'
rmmod sysfsobj
ls /sys/kernel/sysfsobj 2>&1 | sed 's/^.*: //'
insmod $d/kernel/sysfsobj.ko forget=1
rmmod sysfsobj
ls /sys/kernel
