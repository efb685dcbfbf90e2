#!/bin/sh
# A module's own /proc files read and written by busybox and coreutils,
# as root (and uid 1000: reads allowed by the mode, writes refused at
# open): the procfiles sample (buffer, seq_file,
# single_open) and forgetful (left behind, removed at unload).
d=/lib/modules/$(uname -r)
insmod $d/kernel/procfiles.ko records=100000
echo "written by echo" > /proc/procfiles/buffer
cat /proc/procfiles/buffer
cat /proc/procfiles/records | md5sum
busybox dd if=/proc/procfiles/records bs=7 2>/dev/null | md5sum
dd if=/proc/procfiles/records bs=65536 2>/dev/null | md5sum
tail -n 1 /proc/procfiles/records
wc -l < /proc/procfiles/records
cat /proc/procfiles/summary
busybox cat /proc/procfiles/records | busybox md5sum
u="setpriv --reuid=1000 --regid=1000 --clear-groups"
$u tail -n 1 /proc/procfiles/records
$u sh -c 'echo no > /proc/procfiles/buffer' 2>&1 | sed 's/^.*: //'
rmmod procfiles
cat /proc/procfiles/buffer 2>&1 | sed 's/^.*: //'
insmod $d/kernel/forgetful.ko
cat /proc/forgetful/note
rmmod forgetful
ls /proc/forgetful 2>&1 | sed 's/^.*: //'
