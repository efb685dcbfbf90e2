#!/usr/bin/env bash
# Seeds the fuzz corpora from the real sample modules (built by cargo):
# load: [args_len=0][image]; params: an argument string and sysfs values
# separated by 0xff bytes.
set -euo pipefail
cd "$(dirname "$0")"
(cd .. && cargo build -q -p starry-sample-modules)
mkdir -p corpus/load corpus/params corpus/finit corpus/decompress
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
printf 'count=3 whom="a b" verbose\3777\377Y\377xyz\3774096' > corpus/params/seed
ls corpus/load | wc -l | xargs echo "load seeds:"
