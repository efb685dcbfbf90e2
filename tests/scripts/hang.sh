# A module whose init does not return: only its caller waits. Other
# programs, file reads and module syscalls go on, and the hung-task
# watchdog reports the waiting insmod after the timeout.
set -u
cd /lib/modules/$(uname -r)/kernel
echo 1 > /proc/sys/kernel/hung_task_timeout_secs
insmod hang.ko hold=1 &
while [ "$(cat /sys/module/hang/initstate 2>/dev/null)" != coming ]; do sleep 0.1; done
echo "hang is $(cat /sys/module/hang/initstate)"
insmod hello.ko && echo "hello loaded meanwhile"
lsmod | grep -E '^(hang|hello) ' | sed 's/ .*//'
sleep 2
echo 1 > /sys/module/hang/parameters/release
wait
echo "hang is $(cat /sys/module/hang/initstate)"
rmmod hang hello && echo "both unloaded"
