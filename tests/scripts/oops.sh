# A module that faults: its caller dies (as on Linux, the shell says
# Killed), the kernel lives on tainted D, other modules are untouched, and
# the broken module goes with rmmod -f and loads again once fixed.
set -u
cd /lib/modules/$(uname -r)/kernel
insmod hello.ko
insmod oops.ko where=init
echo "insmod status $?"
lsmod | grep -E '^(oops|hello) '
echo "tainted $(cat /proc/sys/kernel/tainted)"
cat /sys/module/oops/initstate
rmmod oops 2>/dev/null
echo "rmmod status $?"
rmmod -f oops
echo "rmmod -f status $?"
insmod oops.ko && rmmod oops && echo "loaded and unloaded again"
rmmod hello
lsmod | grep -c '^hello ' || true
