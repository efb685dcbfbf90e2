#!/bin/sh
# Signed modules through kmod and a direct finit_module caller ($1/finit,
# built by the test; $1/hello.ko is hello as `make modules` built it,
# unsigned). The sample modules under kernel/ were signed by
# `make modules_install` with the Kbuild directory's key; here its
# scripts/sign-file signs more: with the ECDSA key, with a key made on
# the spot (a stranger), then a signed module is tampered with.
f=$1/finit
u=$1/hello.ko
d=/lib/modules/$(uname -r)
s=$d/kernel/hello.ko
k=$d/build
z=$(mktemp -d)
p=/sys/module/module/parameters/sig_enforce
taint() { echo "taint: [$(cat /sys/module/hello/taint)]"; }
$k/scripts/sign-file sha256 $k/certs/signing_key_ecdsa.pem $k/certs/signing_key_ecdsa.x509 $u $z/ecdsa.ko
$k/scripts/sign-file -k sha512 $k/certs/signing_key.pem $k/certs/signing_key.x509 $u $z/keyid.ko
openssl req -new -x509 -newkey rsa:2048 -nodes -batch -subj /CN=stranger \
	-keyout $z/stranger.pem -out $z/stranger.crt 2>/dev/null
$k/scripts/sign-file sha256 $z/stranger.pem $z/stranger.crt $u $z/stranger.ko
cp $s $z/tampered.ko
printf 'TAMPERED' | dd of=$z/tampered.ko bs=1 seek=600 conv=notrunc 2>/dev/null
xz -c $z/ecdsa.ko >$z/ecdsa.ko.xz
echo "-- modinfo"
modinfo -F sig_id hello
modinfo -F signer hello
modinfo -F sig_hashalgo hello
serial=$(openssl x509 -inform DER -in $k/certs/signing_key.x509 -noout -serial |
	sed 's/^serial=//; s/../&:/g; s/:$//')
[ "$(modinfo -F sig_key hello)" = "$serial" ] && echo "sig_key: the certificate's serial"
modinfo -F signer $z/ecdsa.ko
# (kmod 30's modinfo reads no signer named by key id: keyid.ko is only
# loaded below)
modinfo -F signer $u
echo "-- not enforced: $(cat $p)"
insmod $s; echo "insmod signed: exit $?"; taint; rmmod hello
insmod $u; echo "insmod unsigned: exit $?"; taint; rmmod hello
$f $z/stranger.ko 0; taint; rmmod hello
$f $z/tampered.ko 0
insmod -f $s; echo "insmod -f signed: exit $?"; taint; rmmod hello
echo "kernel taint E: $(( $(cat /proc/sys/kernel/tainted) >> 13 & 1 ))"
echo "-- enforced"
echo 1 >$p; echo "write 1: exit $?"
echo 0 >$p 2>/dev/null; echo "write 0: exit $?"
echo "sig_enforce: $(cat $p)"
insmod $u 2>/dev/null; echo "insmod unsigned: exit $?"
$f $u 0
$f $z/stranger.ko 0
$f $z/tampered.ko 0
$f $s 2
modprobe hello; echo "modprobe hello: exit $?"; taint; rmmod hello
$f $z/ecdsa.ko 0; taint; rmmod hello
$f $z/keyid.ko 0; taint; rmmod hello
$f $z/ecdsa.ko.xz 4; taint; rmmod hello
cat /proc/modules
rm -r $z
