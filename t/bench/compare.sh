#!/bin/sh
# NAME
#	compare.sh - authmilter's inbound and outbound cost now against an
#	earlier commit, side by side in one run
# SYNOPSIS
#	sh t/bench/compare.sh [-n COUNT] [-r ROUNDS] [-c CONNS] [-e LINE]... REV
# DESCRIPTION
#	Builds the work tree (build-bench/, as t/bench/run.sh does) and
#	commit REV (in a temporary git worktree, -O2 -g), and drives each
#	authmilter in turn with t/bench/milterload over the benchmark's
#	corpus and DNS (t/bench/common.sh): the inbound corpus (SPF, every
#	DKIM signature, DMARC, A-R) and the outbound one (RSA-2048
#	signing), COUNT messages (default 5000) at CONNS connections
#	(default 4), each run after a warm-up of the same process.  The two
#	builds alternate, ROUNDS times (default 3), so that both see the
#	same machine; the median of each is kept.  Prints a Markdown table:
#	messages/s and milter CPU per 1,000 messages of each, and the ratio
#	of now to REV.  The configuration is the benchmark's, which both
#	builds must accept; -e adds a LINE to the work tree's
#	configuration only (-e "DMARCReports yes" with REV HEAD
#	measures what a feature costs), where "@TMP@" in LINE is the
#	run's scratch directory.  Nothing here asserts a time.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
COUNT=5000 ROUNDS=3 CONNS=4 EXTRA=
while getopts n:r:c:e: opt; do
	case $opt in
	n) COUNT=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	c) CONNS=$OPTARG ;;
	e) EXTRA="$EXTRA$OPTARG
" ;;
	*) echo "usage: sh t/bench/compare.sh [-n COUNT] [-r ROUNDS] [-c CONNS] [-e LINE]... REV" >&2
	   exit 64 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: sh t/bench/compare.sh [-n COUNT] [-r ROUNDS] [-c CONNS] [-e LINE]... REV" >&2; exit 64; }
REV=$1
QUIET=${QUIET-}
. "$top/t/bench/common.sh"
git -C "$top" rev-parse --verify -q "$REV^{commit}" >/dev/null ||
    die "no commit $REV"
bench_prepare

say "building $REV"
old=$tmp/old
git -C "$top" worktree add -q --detach "$old" "$REV"
# shellcheck disable=SC2064 # $old and $top now, not at exit
trap "git -C '$top' worktree remove --force '$old' 2>/dev/null; bench_cleanup" EXIT
(
	cd "$old" && autoreconf -fi >/dev/null 2>&1
	mkdir -p "$old/build" && cd "$old/build"
	"$old/configure" -q CFLAGS="-O2 -g" && make -s -j"$(nproc)" milter/authmilter >/dev/null
) || die "$REV does not build"

# run WHICH CORPUS LABEL - start one build's authmilter, warm it up,
# measure it, stop it; the report goes to $OUT/raw/compare.LABEL.txt
run() {
	bin=$BUILD/milter/authmilter conf=$tmp/authmilter.conf
	[ "$1" = now ] || bin=$old/build/milter/authmilter
	if [ "$1" = now ] && [ -n "$EXTRA" ]; then
		conf=$tmp/authmilter-now.conf
		{ cat "$tmp/authmilter.conf"; printf '%s' "$EXTRA" |
		    sed "s|@TMP@|$tmp|g"; } > "$conf"
	fi
	rm -f "$tmp/sock/authmilter.sock"
	"$bin" -f -c "$conf" 2>"$tmp/compare.log" &
	pid=$!
	PIDS="$PIDS $pid"
	i=0
	until [ -S "$tmp/sock/authmilter.sock" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || die "authmilter ($1) did not start: $(cat "$tmp/compare.log")"
		sleep 0.1
	done
	"$ML" -q -d "$2" -c "$CONNS" -n "$COUNT" -w "$((COUNT / 5 + 200))" \
	    -P "$pid" -s "unix:$tmp/sock/authmilter.sock" \
	    > "$OUT/raw/compare.$3.txt" 2>"$OUT/raw/compare.$3.err" ||
	    die "milterload failed for $3: $(cat "$OUT/raw/compare.$3.err")"
	stop_milter "$pid"
}

# median KEY LABEL - the median over the rounds of a report key
median() {
	for r in $(seq 1 "$ROUNDS"); do
		sed -n "s/^$1=//p" "$OUT/raw/compare.$2.r$r.txt"
	done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

r=1
while [ "$r" -le "$ROUNDS" ]; do
	for dir in inbound outbound; do
		for which in "$REV" now; do
			w=$which
			[ "$w" = now ] || w=rev
			say "round $r: $dir, $which"
			run "$which" "$CORPUS/$dir" "$dir.$w.r$r"
		done
	done
	r=$((r + 1))
done

mkdir -p "$OUT"
{
	echo "| authmilter, $COUNT messages at $CONNS connections, median of $ROUNDS | msgs/s | milter CPU per 1,000 msgs |"
	echo "| --- | --- | --- |"
	for dir in inbound outbound; do
		for w in rev now; do
			name="$REV"
			[ "$w" = rev ] || name="work tree"
			echo "| $dir, $name | $(median msgs_per_sec "$dir.$w") | $(median milter_cpu_ms_per_1000 "$dir.$w") ms |"
		done
		echo "| $dir, now / $REV | $(awk -v a="$(median msgs_per_sec "$dir.now")" -v b="$(median msgs_per_sec "$dir.rev")" 'BEGIN { printf "%.3f", a / b }') | $(awk -v a="$(median milter_cpu_ms_per_1000 "$dir.now")" -v b="$(median milter_cpu_ms_per_1000 "$dir.rev")" 'BEGIN { printf "%.3f", a / b }') |"
	done
} > "$OUT/compare.md"
cat "$OUT/compare.md"
