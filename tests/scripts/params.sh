#!/bin/sh
# Array and string parameters and custom ops (the paramarray sample) with
# kmod's insmod and modprobe, cat and echo on /sys/module/<m>/parameters.
d=/lib/modules/$(uname -r)
insmod $d/kernel/paramarray.ko values=5,6 names=ann,bob label=hello
p=/sys/module/paramarray/parameters
ls $p
cat $p/values $p/names $p/switch $p/label $p/watched
echo 7,8,9 > $p/values
cat $p/values
echo 31 > $p/watched
cat $p/watched
echo 1,2,3,4,5 > $p/values 2>/dev/null || echo "refused: too many"
echo toolong! > $p/label 2>/dev/null || echo "refused: too long"
cat $p/label
rmmod paramarray
(cd $d/kernel && insmod paramarray.ko values=1,2,3,4,5 2>&1)
(cd $d/kernel && insmod paramarray.ko label=eightchr 2>&1)
modprobe paramarray values=3 switch=y,n
cat $p/values $p/switch
modprobe -r paramarray
modinfo -F parmtype paramarray | sort
