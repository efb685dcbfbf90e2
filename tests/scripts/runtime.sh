#!/bin/sh
# The module runtime as a user sees it in the sandbox: exact counters from
# kthreads, a ticking timer, work and a kthread counted in parameters, a
# /proc read that sleeps until a write (while other file access goes on),
# an O_NONBLOCK read, a sleeping read ended by SIGTERM and by the reader's
# death, kfifos, and a careless module's leftovers stopped at unload.
d=/lib/modules/$(uname -r)
p=/sys/module
insmod $d/kernel/counters.ko threads=4 iters=10000
cat /proc/counters
rmmod counters

insmod $d/kernel/ticker.ko period_ms=10
sleep 0.5
for c in timer_ticks works delayed system_works kthread_loops; do
	n=$(cat $p/ticker/parameters/$c)
	[ "$n" -ge 10 ] && echo "$c ticking" || echo "$c only $n"
done
rmmod ticker
echo "ticker unloaded"

insmod $d/kernel/waitq.ko
cat /proc/waitq > /tmp/waitq.out &
reader=$!
sleep 0.3
echo "sleepers $(cat $p/waitq/parameters/sleepers)"
cat /proc/counters 2>&1 | sed 's/^.*: //'
ls $p/waitq/parameters | wc -l
echo "a message" > /proc/waitq
wait $reader
cat /tmp/waitq.out
dd if=/proc/waitq iflag=nonblock 2>&1 | grep -o 'Resource temporarily unavailable'
cat /proc/waitq &
reader=$!
sleep 0.3
kill -TERM $reader
wait $reader
echo "reader ended: $?"
sleep 0.1
echo "sleepers $(cat $p/waitq/parameters/sleepers)"
rmmod waitq

insmod $d/kernel/fifo.ko
printf 'abc' > /proc/fifo/bytes
printf 'def' > /proc/fifo/bytes
cat /proc/fifo/bytes; echo
echo one > /proc/fifo/records
echo two > /proc/fifo/records
dd if=/proc/fifo/records bs=64 count=1 2>/dev/null
dd if=/proc/fifo/records bs=64 count=1 2>/dev/null
rmmod fifo

insmod $d/kernel/careless.ko
sleep 0.2
rmmod careless
echo "careless unloaded"
lsmod | wc -l
