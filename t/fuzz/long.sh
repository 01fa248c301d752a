#!/bin/sh
# NAME
#	long.sh - the long fuzzing run by hand: several targets at once,
#	each for its own time, then the corpora minimised
# SYNOPSIS
#	sh t/fuzz/long.sh [-j JOBS] [-u] [-o DIR] NAME:SECONDS...
# DESCRIPTION
#	Runs each target fuzz_NAME for SECONDS through t/fuzz/run.sh
#	(same build, same flags, starting from t/fuzz/corpus/NAME), JOBS
#	targets at a time (default 2; one a core is the right number).
#	When a target's time is up, its corpus (the seeds and what it
#	found) is minimised with libFuzzer's -merge=1, and a line of the
#	README's fuzzing table is printed for it: target, minutes asked,
#	CPU seconds the fuzzer used (user + system, by /usr/bin/time),
#	executions, coverage (edges / features), inputs in the minimised
#	corpus and crashes (a failed run that kept no input counts as one).
#	Everything goes into DIR (default /tmp/authmilter-fuzz-long):
#	NAME.out (what run.sh printed), NAME/NAME.log (libFuzzer's log),
#	NAME/cpu, NAME/crash-fuzz_NAME/ (crashing inputs), NAME/min/ (the minimised
#	corpus) and NAME.row (the table line).
#	-u replaces t/fuzz/corpus/NAME with the minimised corpus of each
#	target that did not crash.
#	Exit status is non-zero when a target crashed or did not build.
# EXAMPLE
#	sh t/fuzz/long.sh -u session:3600 dkim:1800 spf:1200
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
jobs=2
update=no
out=/tmp/authmilter-fuzz-long
single=""

usage() {
	echo "usage: long.sh [-j JOBS] [-u] [-o DIR] NAME:SECONDS..." >&2
	exit 2
}

while getopts j:uo:1: opt; do
	case $opt in
	1)	single=$OPTARG ;;	# internal: the pool runs one target
	j)	jobs=$OPTARG ;;
	u)	update=yes ;;
	o)	out=$OPTARG ;;
	*)	usage ;;
	esac
done
shift $((OPTIND - 1))
if [ -n "$single" ]; then
	set -- "$single"
fi
if [ $# -eq 0 ]; then
	usage
fi
for arg in "$@"; do
	name=${arg%%:*}
	secs=${arg#*:}
	if [ ! -f "$top/t/fuzz/fuzz_$name.c" ] || [ "$name" = "$arg" ]; then
		echo "long.sh: $arg: want NAME:SECONDS with t/fuzz/fuzz_NAME.c" >&2
		exit 2
	fi
	case $secs in
	''|*[!0-9]*)
		echo "long.sh: $arg: SECONDS is not a number" >&2
		exit 2 ;;
	esac
done
mkdir -p "$out"

# commas N - N with a comma every three digits, or ? when N is empty
commas() {
	if [ -z "$1" ]; then
		echo "?"
	else
		echo "$1" | sed -e ':a' \
		    -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'
	fi
}

# one NAME SECONDS - fuzz one target, minimise its corpus, write its row
one() {
	name=$1
	secs=$2
	work="$out/$name"
	bin="$work/fuzz_$name"
	rm -rf "$work" "$out/$name.row"
	crashes=0
	if ! FUZZ_ONLY="fuzz_$name" FUZZ_WORK="$work" \
	    FUZZ_WRAP="/usr/bin/time -o $work/cpu -f %U+%S" \
	    sh "$top/t/fuzz/run.sh" "$secs" >"$out/$name.out" 2>&1; then
		if [ ! -x "$bin" ]; then
			echo "| \`fuzz_$name\` | did not build | | | | | |" \
			    >"$out/$name.row"
			return 1
		fi
		# a failed run counts as one crash even with no input kept
		crashes=$(find "$work/crash-fuzz_$name" -type f | wc -l)
		[ "$crashes" -gt 0 ] || crashes=1
	fi
	log="$work/fuzz_$name.log"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -n 1)
	edges=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	features=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	cpu=$(tail -n 1 "$work/cpu" 2>/dev/null |
	    awk -F+ '{ printf "%d", $1 + $2 }' || :)
	mkdir -p "$work/min"
	# the fuzzing run's limits (t/fuzz/run.sh), so the merge keeps what
	# the run could reach
	"$bin" -merge=1 -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	    "$work/min" "$work/corpus-fuzz_$name" >"$work/merge.log" 2>&1 ||
	    echo "long.sh: $name: merge failed, see $work/merge.log" >&2
	kept=$(find "$work/min" -type f | wc -l)
	printf '| `fuzz_%s` | %d | %s | %s | %s / %s | %s | %s |\n' "$name" \
	    $((secs / 60)) "$(commas "$cpu")" "$(commas "$execs")" \
	    "$(commas "$edges")" "$(commas "$features")" "$(commas "$kept")" \
	    "$crashes" >"$out/$name.row"
	if [ "$crashes" -eq 0 ] && [ "$update" = yes ] && [ "$kept" -gt 0 ]
	then
		rm -rf "$top/t/fuzz/corpus/$name"
		cp -r "$work/min" "$top/t/fuzz/corpus/$name"
	fi
	[ "$crashes" -eq 0 ]
}

if [ -n "$single" ]; then
	one "${single%%:*}" "${single#*:}"
	exit
fi

# up to $jobs at once; xargs's status is non-zero when one of them failed
status=0
flags=""
[ "$update" = yes ] && flags=-u
printf '%s\n' "$@" | xargs -P "$jobs" -I ARG \
    sh "$0" $flags -o "$out" -1 ARG || status=1

echo "| target | minutes | CPU seconds | executions" \
    "| coverage (edges / features) | corpus kept | crashes |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for arg in "$@"; do
	cat "$out/${arg%%:*}.row" 2>/dev/null || :
done
exit "$status"
