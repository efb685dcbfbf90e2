#!/bin/sh
# In-kernel decompression: a direct finit_module caller ($1/finit, built
# by the test) hands the kernel .ko.gz/.ko.xz/.ko.zst files with
# MODULE_INIT_COMPRESSED_FILE (4); then Debian's kmod 30 tools, which
# decompress xz and zstd themselves.
f=$1/finit
d=/lib/modules/$(uname -r)
z=$(mktemp -d)
echo "compression: $(cat /sys/module/compression)"
gzip -c $d/kernel/hello.ko >$z/hello.ko.gz
xz -c $d/kernel/hello.ko >$z/hello.ko.xz
zstd -q -c $d/kernel/hello.ko >$z/hello.ko.zst
xz -c $d/kernel/params.ko >$z/params.ko.xz
for m in $z/hello.ko.gz $z/hello.ko.xz $z/hello.ko.zst; do
	echo "-- ${m##*.}"
	$f $m 4
	cat /sys/module/hello/initstate
	$f $m 4
	rmmod hello; echo "rmmod: exit $?"
	$f $m 0
done
echo "-- arguments"
$f $z/params.ko.xz 4 count=5
cat /sys/module/params/parameters/count
rmmod params
echo "-- refused"
$f $d/kernel/hello.ko 4
head -c 300 $z/hello.ko.xz >$z/short.ko.xz
$f $z/short.ko.xz 4
head -c 100000000 /dev/zero | gzip -c >$z/bomb.ko.gz
$f $z/bomb.ko.gz 4
cat /proc/modules
echo "-- kmod 30"
insmod $z/hello.ko.xz; echo "insmod xz: exit $?"
rmmod hello
insmod $z/hello.ko.zst; echo "insmod zst: exit $?"
rmmod hello
modinfo -F name $z/hello.ko.xz
rm -r $z
