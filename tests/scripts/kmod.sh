#!/bin/sh
# Debian's kmod tools (depmod, modprobe, insmod, rmmod, lsmod, modinfo)
# against the user-mode kernel, unchanged. Kernel messages go to stderr;
# tool messages are folded into stdout with 2>&1 where they matter.
r=$(uname -r)
d=/lib/modules/$r
echo "-- depmod"
depmod -a 2>&1; echo "exit $?"
grep -E '^kernel/(provider|consumer|consumer_rust|hello)\.ko:' $d/modules.dep | sort
grep -E 'provider_(add|secret)' $d/modules.symbols | sort
grep 'starry' $d/modules.alias
echo "-- dry run and dependencies"
modprobe -n -v consumer 2>&1
modprobe --show-depends consumer_rust 2>&1
cat /proc/modules
echo "-- modprobe consumer"
modprobe consumer 2>&1; echo "exit $?"
lsmod
echo "refcnt $(cat /sys/module/provider/refcnt), holders: $(ls /sys/module/provider/holders)"
echo "-- already loaded"
modprobe consumer 2>&1; echo "exit $?"
modprobe --first-time consumer 2>&1; echo "exit $?"
insmod $d/kernel/provider.ko 2>&1; echo "exit $?"
echo "-- in use"
rmmod provider 2>&1; echo "exit $?"
modprobe -r provider 2>&1; echo "exit $?"
echo "-- modprobe -r"
modprobe -r -v consumer 2>&1; echo "exit $?"
lsmod
echo "-- modprobe.d: options, alias, blacklist"
cat > /etc/modprobe.d/starry.conf <<'CONF'
options params count=5 whom=conf
alias greeter hello
blacklist hello
CONF
modprobe params 2>&1; echo "exit $?"
cat /sys/module/params/parameters/count /sys/module/params/parameters/whom
modprobe greeter 2>&1; echo "greeter: exit $?, hello loaded: $(test -e /sys/module/hello && echo yes || echo no)"
modprobe starry-greeter 2>&1; echo "starry-greeter: exit $?, hello loaded: $(test -e /sys/module/hello && echo yes || echo no)"
modprobe -b hello 2>&1; echo "-b hello: exit $?, hello loaded: $(test -e /sys/module/hello && echo yes || echo no)"
modprobe hello 2>&1; echo "hello: exit $?, hello loaded: $(cat /sys/module/hello/initstate)"
modprobe -r hello params 2>&1; echo "exit $?"
rm /etc/modprobe.d/starry.conf
echo "-- refused modules"
modprobe proprietary 2>&1; echo "exit $?"
modprobe initfail 2>&1; echo "exit $?"
modprobe -r provider 2>&1; echo "exit $?"
modprobe nosuchmodule 2>&1; echo "exit $?"
rmmod nosuchmodule 2>&1; echo "exit $?"
echo "-- insmod with parameters, sysfs"
insmod $d/kernel/params.ko count=7 'whom="two words"' 2>&1; echo "exit $?"
cat /sys/module/params/parameters/count /sys/module/params/parameters/whom
echo 9 > /sys/module/params/parameters/count
cat /sys/module/params/parameters/count
(echo nine > /sys/module/params/parameters/count) 2>/dev/null || echo "nine refused"
(echo Y > /sys/module/params/parameters/verbose) 2>/dev/null || echo "verbose is read-only"
cat /sys/module/params/initstate /sys/module/params/refcnt /sys/module/params/version
ls /sys/module/params/parameters
grep -c '\[params\]$' /proc/kallsyms >/dev/null && echo "params symbols in kallsyms"
rmmod params 2>&1; echo "exit $?"
test -e /sys/module/params || echo "params gone from sysfs"
echo "-- modinfo"
# (signed by modules_install: the key id and signature bytes differ per
# build, signed.sh checks them)
modinfo $d/kernel/params.ko | grep -v -e '^sig_key:' -e '^signature:' -e "^$(printf '\t')"
modinfo -F depends consumer
modinfo -F parm hello_rust
lsmod
