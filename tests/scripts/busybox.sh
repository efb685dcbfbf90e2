#!/bin/sh
# busybox's module applets against the user-mode kernel, unchanged.
# busybox modprobe reads the text modules.dep and /proc/modules.
r=$(uname -r)
d=/lib/modules/$r
bb=busybox
echo "-- depmod"
$bb depmod 2>&1; echo "exit $?"
grep -E '^kernel/(provider|consumer)\.ko:' $d/modules.dep | sort
echo "-- modprobe consumer"
$bb modprobe consumer 2>&1; echo "exit $?"
$bb lsmod
cat /proc/modules | cut -d' ' -f1,3,4,5
echo "-- already loaded"
$bb modprobe consumer 2>&1; echo "exit $?"
$bb insmod $d/kernel/provider.ko 2>&1; echo "exit $?"
echo "-- in use"
$bb rmmod provider 2>&1; echo "exit $?"
echo "-- modprobe -r"
$bb modprobe -r consumer 2>&1; echo "exit $?"
$bb lsmod
echo "-- options from /etc/modprobe.d"
echo "options params count=6" > /etc/modprobe.d/bb.conf
$bb modprobe params 2>&1; echo "exit $?"
cat /sys/module/params/parameters/count
rm /etc/modprobe.d/bb.conf
$bb rmmod params 2>&1; echo "exit $?"
echo "-- insmod with parameters, sysfs"
$bb insmod $d/kernel/params.ko count=7 2>&1; echo "exit $?"
cat /sys/module/params/parameters/count
echo 9 > /sys/module/params/parameters/count
cat /sys/module/params/parameters/count
$bb rmmod params 2>&1; echo "exit $?"
$bb rmmod params 2>&1; echo "exit $?"
echo "-- modinfo"
$bb modinfo -F license params 2>&1
$bb modinfo -F depends consumer 2>&1
$bb lsmod
