#!/bin/sh
# NAME
#	sanitize.sh - authmilter under AddressSanitizer or ThreadSanitizer
#	for a long run: no report, and resident memory flat
# SYNOPSIS
#	sh t/stress/sanitize.sh [-s address|thread|none] [-n MESSAGES] [-c CONNS]
# DESCRIPTION
#	Builds authmilter in build-stress-SAN/ with -fsanitize=SAN (address
#	adds undefined; none: the benchmark's -O2 build, for RSS alone),
#	starts it on the benchmark's corpus and DNS
#	(t/bench/common.sh), and sends it MESSAGES (default 1,000,000 for
#	address, 100,000 for thread) over CONNS connections (default 8),
#	inbound and outbound corpora alternating in runs of 20,000, with a
#	SIGHUP between runs (so configuration swaps happen while threads
#	run).  Samples authmilter's RSS after each run.  Prints messages,
#	errors, sanitizer reports, and RSS after the first run and at the
#	end.  Passes when no sanitizer report was written, milterload saw
#	no error, and RSS at the end is within a tenth of RSS half-way.
#	Under ThreadSanitizer, libmilter and OpenSSL's libcrypto are not
#	instrumented: t/stress/tsan.supp says which reports that causes
#	and suppresses them, and a report whose stack never reaches lib/
#	or milter/ is counted apart and does not fail the run.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
SAN=address N= CONNS=8
while getopts s:n:c: opt; do
	case $opt in
	s) SAN=$OPTARG ;;
	n) N=$OPTARG ;;
	c) CONNS=$OPTARG ;;
	*) echo "usage: sh t/stress/sanitize.sh [-s address|thread|none] [-n MESSAGES] [-c CONNS]" >&2
	   exit 64 ;;
	esac
done
case $SAN in
address) flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
	 N=${N:-1000000} ;;
thread)	 flags="-fsanitize=thread"; N=${N:-100000} ;;
none)	 flags=""; N=${N:-1000000} ;;
*)	 echo "sanitize.sh: -s address, thread or none" >&2; exit 64 ;;
esac
BUILD_DIR=$top/build-stress-$SAN
[ "$SAN" != none ] || BUILD_DIR=$top/build-bench
export BUILD_DIR
if [ ! -f "$BUILD_DIR/Makefile" ]; then
	sh "$top/t/install-deps.sh"
	(cd "$top" && { [ -x configure ] || autoreconf -fi; })
	mkdir -p "$BUILD_DIR"
	(cd "$BUILD_DIR" && "$top/configure" -q --disable-werror \
	    CC=clang CFLAGS="-g -O1 -fno-omit-frame-pointer $flags" \
	    LDFLAGS="$flags")
fi
. "$top/t/stress/common.sh"
stress_prepare
# milterload and the corpus tools need no sanitizer, but are built here
reports=$tmp/san
mkdir -p "$reports"
# a small quarantine, so that RSS shows the program's memory, not
# ASan's store of freed blocks (256 MB by default)
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:abort_on_error=0:quarantine_size_mb=16"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1"
export TSAN_OPTIONS="log_path=$reports/tsan:second_deadlock_stack=1:suppressions=$top/t/stress/tsan.supp"
start_milter authmilter
run=20000 sent=0 errs=0 k=0 rss_first= rss_half=
while [ "$sent" -lt "$N" ]; do
	n=$run
	[ $((N - sent)) -ge "$n" ] || n=$((N - sent))
	dir=$CORPUS/inbound
	[ $((k % 4)) -ne 3 ] || dir=$CORPUS/outbound
	"$ML" -q -d "$dir" -c "$CONNS" -n "$n" -w 0 -s "$MSOCK" \
	    > "$tmp/load.txt" 2>"$tmp/load.err" || true
	e=$(value "$tmp/load.txt" errors)
	errs=$((errs + ${e:-1}))
	sent=$((sent + n))
	k=$((k + 1))
	kill -HUP "$MPID" 2>/dev/null || break
	rss=$(rss_kb "$MPID")
	[ -n "$rss_first" ] || rss_first=$rss
	[ "$sent" -gt $((N / 2)) ] || rss_half=$rss
	echo "after $sent messages: RSS $rss kB, errors so far $errs" >&2
done
stop_milter "$MPID"
# ours FILE - does a TSan report have a frame of lib/ or milter/ in one
# of the two racing stacks (not only in where a thread was created)?
ours() {
	awk '/^WARNING:/ { stop = 0 }
	    /^  (Location is|Mutex M|Thread T)/ { stop = 1 }
	    !stop && /(lib|milter)\/[a-z_-]+\.c:[0-9]+/ { found = 1 }
	    END { exit !found }' "$1"
}
own=0 lib=0
for f in "$reports"/*; do
	[ -f "$f" ] || continue
	if [ "$SAN" = thread ] && ! ours "$f"; then
		lib=$((lib + 1))
	else
		own=$((own + 1))
		echo "--- sanitizer report $f:" >&2
		head -n 40 "$f" >&2
	fi
done
echo "sanitizer: $SAN"
echo "messages: $sent"
echo "errors: $errs"
echo "sanitizer reports: $own"
[ "$SAN" != thread ] || echo "reports inside libmilter only: $lib"
echo "RSS after the first $run: $rss_first kB, half-way: ${rss_half:-?} kB, at the end: ${rss:-?} kB"
[ "$own" -eq 0 ] || fail "$own sanitizer reports"
[ "$errs" -eq 0 ] || fail "$errs milterload errors"
# flat: the second half adds at most a tenth (a sanitizer's allocator
# keeps growing its caches for a while; the first half lets it settle)
if [ -n "${rss:-}" ] && [ -n "$rss_half" ] &&
    [ "$rss" -gt $((rss_half + rss_half / 10)) ]; then
	fail "RSS grew from $rss_half kB half-way to $rss kB"
fi
finish "sanitize-$SAN"
