#!/bin/sh
# stat and ls of a module's /proc entries in the sandbox, and the owner
# proc_set_user gives one (procfiles owner=1000): that user may write it,
# others may not; after the unload the names are gone.
d=/lib/modules/$(uname -r)
u="setpriv --reuid=1000 --regid=1000 --clear-groups"
v="setpriv --reuid=1001 --regid=1001 --clear-groups"
insmod $d/kernel/procfiles.ko records=3 owner=1000
stat -c '%A %u %g %s %n' /proc/procfiles /proc/procfiles/buffer /proc/procfiles/records
ls -ln /proc/procfiles | busybox awk 'NR > 1 { print $1, $3, $4, $5, $9 }'
test -d /proc/procfiles && test -f /proc/procfiles/summary && echo "test -d, -f"
$u sh -c 'echo mine > /proc/procfiles/buffer'
$u cat /proc/procfiles/buffer
$v sh -c 'echo theirs > /proc/procfiles/buffer' 2>&1 | sed 's/^.*: //'
rmmod procfiles
stat /proc/procfiles 2>&1 | sed 's/^.*: //'
