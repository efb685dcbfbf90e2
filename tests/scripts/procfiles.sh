#!/bin/sh
# A module's own /proc files read and written by busybox and coreutils,
# as root: the procfiles sample (buffer, seq_file,
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
rmmod procfiles
cat /proc/procfiles/buffer 2>&1 | sed 's/^.*: //'
insmod $d/kernel/forgetful.ko
cat /proc/forgetful/note
rmmod forgetful
ls /proc/forgetful 2>&1 | sed 's/^.*: //'
