#!/usr/bin/env bash
# Seeds the fuzz corpora from the real sample modules (built by cargo):
# load: [args_len=0][image]; params: an argument string and sysfs values
# separated by 0xff bytes.
set -euo pipefail
cd "$(dirname "$0")"
(cd .. && cargo build -q -p starry-sample-modules)
mkdir -p corpus/load corpus/params corpus/finit corpus/decompress corpus/signature corpus/x509
for ko in $(find ../target/debug/build -path '*starry-sample-modules-*/out/*.ko'); do
	case "$ko" in
	*/riscv64/*) name="rv_$(basename "$ko" .ko)" ;; # refused here: another machine
	*) name="$(basename "$ko" .ko)" ;;
	esac
	(printf '\000'; cat "$ko") > "corpus/load/$name"
	(printf '\000\000'; cat "$ko") > "corpus/finit/$name"
	# Compressed: the decoders' corpus, and finit with MODULE_INIT_COMPRESSED_FILE.
	for z in "gzip -c" "xz -c" "zstd -q -c"; do
		ext=${z%% *}
		$z "$ko" > "corpus/decompress/$name.$ext"
		(printf '\004\000'; cat "corpus/decompress/$name.$ext") > "corpus/finit/$name.$ext"
	done
done
# Signatures: a small file signed by the Kbuild directory's sign-file with
# each key and digest (the message and trailer are what is fuzzed), and
# the certificates themselves. The keys are those of the fuzz build (its
# own target directory, its own generated keys), so the target is built
# first.
cargo fuzz build -O signature
kbuild=$(ls -d target/*/release/build/starry-sample-modules-*/out/kbuild | head -n 1)
out=$(dirname "$kbuild")
head -c 200 /dev/urandom > corpus/signature/unsigned
for key in "$kbuild/certs/signing_key" "$kbuild/certs/signing_key_ecdsa" "$out/untrusted/signing_key"; do
	name="$(basename "$(dirname "$key")")-$(basename "$key")"
	for hash in sha256 sha384 sha512; do
		for k in "" -k; do
			"$kbuild/scripts/sign-file" $k $hash "$key.pem" "$key.x509" \
				corpus/signature/unsigned "corpus/signature/$name$k.$hash"
		done
	done
	cp "$key.x509" "corpus/x509/$name.der"
done
printf 'count=3 whom="a b" verbose\3777\377Y\377xyz\3774096' > corpus/params/seed
ls corpus/load | wc -l | xargs echo "load seeds:"
