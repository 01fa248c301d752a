#!/bin/sh
# NAME
#	run.sh - build the libFuzzer targets and fuzz each for a while
# SYNOPSIS
#	sh t/fuzz/run.sh [seconds]
# DESCRIPTION
#	Builds every t/fuzz/fuzz_NAME.c with clang
#	-fsanitize=fuzzer,address,undefined straight from the lib/ sources
#	it needs (listed in sources() below, with the libraries it links
#	as -l words; no configure, no make), then
#	runs each for its share of the given number of seconds (default 30,
#	split evenly, but at least 20 s a target), starting from the seeds
#	in t/fuzz/corpus/NAME/.  The seeds are copied to a scratch
#	corpus, so the tree is never written to.  Everything goes into
#	$FUZZ_WORK (default: a new temporary directory, removed afterwards
#	unless something crashed).  Exit status is non-zero when a target
#	crashed or did not build; the crashing inputs are kept and named.
#	FUZZ_ONLY="fuzz_NAME ..." limits the run to those targets.
#	FUZZ_WRAP is put before the fuzzer's command (t/fuzz/long.sh
#	measures its CPU time with /usr/bin/time that way).
#	Not part of make check; CI calls it briefly.
set -eu

secs=${1:-30}
top=$(cd "$(dirname "$0")/../.." && pwd)
CC=${CC_FUZZ:-clang}
work=${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/authmilter-fuzz.XXXXXX")}
mkdir -p "$work"
status=0

flags="-g -O1 -std=gnu11 -fno-omit-frame-pointer
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-Wall -Wextra -Werror -I$top/lib"

# fuzz NAME SOURCES... - build t/fuzz/NAME.c with SOURCES, then run it
fuzz() {
	name=$1
	shift
	echo "=== $name: building"
	srcs=""
	for s in "$@"; do
		case $s in
		-*)	srcs="$srcs $s" ;;
		*)	srcs="$srcs $top/$s" ;;
		esac
	done
	# shellcheck disable=SC2086
	if ! $CC $flags -o "$work/$name" "$top/t/fuzz/$name.c" $srcs; then
		echo "$name: build failed" >&2
		status=1
		return
	fi
	corpus="$work/corpus-$name"
	mkdir -p "$corpus" "$work/crash-$name"
	seeds="$top/t/fuzz/corpus/${name#fuzz_}"
	if [ -d "$seeds" ]; then
		cp "$seeds"/* "$corpus"/ 2>/dev/null || :
	fi
	echo "=== $name: fuzzing for ${each}s"
	if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ${FUZZ_WRAP:-} "$work/$name" -max_total_time="$each" -max_len=4096 -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$work/crash-$name/" "$corpus" \
	    >"$work/$name.log" 2>&1; then
		echo "$name: CRASH; inputs kept in $work/crash-$name/" >&2
		tail -n 60 "$work/$name.log" >&2
		status=1
		return
	fi
	grep -E '^stat::number_of_executed_units|^Done' "$work/$name.log" || :
	echo "$name: no crash in ${each}s"
}

# the pkg-config names of what lib/ as a whole links with (the store
# backends, the report queue's spool, and the report tool's modules:
# XML, gzip and zip, MIME)
libs_lib="libpq sqlite3 jansson libxml-2.0 zlib libarchive gmime-3.0 libcurl"

# sources NAME - the lib/ files target NAME links with
sources() {
	case $1 in
	fuzz_spf)	echo lib/spf.c lib/spf_macro.c lib/util.c lib/log.c \
			    t/fuzz/stub_dns.c ;;
	fuzz_address)	echo lib/address.c lib/util.c lib/log.c -lidn2 ;;
	fuzz_dkim)	echo lib/dkim_verify.c lib/dkim_key.c lib/dkim_canon.c \
			    lib/util.c lib/log.c -lcrypto -pthread ;;
	fuzz_session)	# every lib/ module but the DNS layer, which the
			# target stubs, and authmilter-check's modules
			for f in "$top"/lib/*.c; do
				case $f in
				*/dns.c|*/dns_batch.c|*/dns_cache.c) ;;
				*/check.c|*/check_*.c) ;;
				*) echo "lib/${f##*/}" ;;
				esac
			done
			# shellcheck disable=SC2046
			echo -lcrypto -lidn2 -pthread \
			    $(pkg-config --cflags --libs $libs_lib) ;;
	fuzz_report)	# the import path: unpack, both parsers, MIME
			# shellcheck disable=SC2046
			echo lib/report_unpack.c lib/report_parse.c \
			    lib/report_tlsrpt.c lib/report_mime.c lib/util.c \
			    lib/log.c $(pkg-config --cflags --libs \
			    libxml-2.0 zlib libarchive jansson gmime-3.0) ;;
	fuzz_check_sts)	# the MTA-STS policy parser and mx pattern rule
			# shellcheck disable=SC2046
			echo lib/check_mta_sts.c lib/check.c lib/check_tls.c \
			    lib/util.c lib/log.c t/fuzz/stub_dns.c -lssl -lcrypto \
			    $(pkg-config --cflags --libs jansson libcurl) ;;
	fuzz_check_dns)	# authmilter-check's SPF, DKIM, DMARC and TLS-RPT
			# checks on a zone from the input
			# shellcheck disable=SC2046
			echo lib/check.c lib/check_spf.c lib/check_dkim.c \
			    lib/check_dmarc.c lib/check_tlsrpt.c lib/spf.c \
			    lib/spf_macro.c lib/dmarc.c lib/report_dest.c \
			    lib/dkim_verify.c lib/dkim_key.c lib/dkim_canon.c \
			    lib/signkey.c lib/util.c lib/log.c t/fuzz/stub_dns.c \
			    -lcrypto -lidn2 -pthread \
			    $(pkg-config --cflags --libs jansson) ;;
	*)		echo "lib/${1#fuzz_}.c" lib/util.c lib/log.c \
			    t/fuzz/stub_dns.c ;;
	esac
}

targets=${FUZZ_ONLY:-$(cd "$top/t/fuzz" && ls fuzz_*.c | sed 's/\.c$//')}
ntargets=$(echo "$targets" | wc -w)
each=$((secs / ntargets))
if [ "$each" -lt 20 ]; then
	each=20
fi
for t in $targets; do
	# shellcheck disable=SC2046
	fuzz "$t" $(sources "$t")
done

if [ "$status" -eq 0 ] && [ -z "${FUZZ_WORK:-}" ]; then
	rm -rf "$work"
fi
exit "$status"
