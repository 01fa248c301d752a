# NAME
#	common.sh - what the stress runs in t/stress/ share
# SYNOPSIS
#	top=...; . "$top/t/stress/common.sh"
#	stress_prepare		t/bench/common.sh's bench_prepare: packages,
#				build (BUILD_DIR, default build-bench),
#				corpus, its DNS behind unbound, configs
#	load_for SECS CONNS OUT	milterload against $MSOCK for SECS seconds
#	report OUT		print milterload's messages and errors
#	rss_kb PID		resident memory of a process, in KB
# DESCRIPTION
#	Every stress run starts the milters, DNS and load generators it
#	needs on loopback or unix sockets, prints its figures as
#	"name: value" lines and a last line "stress NAME: PASS" or
#	"stress NAME: FAIL (why)", and exits 0 or 1.  Every process it
#	started is killed at exit (t/bench/common.sh's cleanup).

. "$top/t/bench/common.sh"

FAILS=

# fail WHY - note a failed expectation
fail() {
	echo "stress: FAIL: $*" >&2
	FAILS="$FAILS; $*"
}

# finish NAME - the verdict line, and the exit status
finish() {
	if [ -z "$FAILS" ]; then
		echo "stress $1: PASS"
		exit 0
	fi
	echo "stress $1: FAIL (${FAILS#; })"
	exit 1
}

# stress_prepare - everything t/bench/run.sh prepares
stress_prepare() {
	QUIET=${QUIET-1}
	bench_prepare
}

# load_for SECS CONNS OUT [MILTERLOAD ARGS] - one timed milterload run
load_for() {
	secs=$1 conns=$2 out=$3
	shift 3
	"$ML" -q -d "$CORPUS/inbound" -c "$conns" -T "$secs" -n 1000000000 -w 0 \
	    -s "$MSOCK" "$@" > "$out" 2>"$out.err" || true
}

# value FILE KEY - a key of a milterload report
value() {
	sed -n "s/^$2=//p" "$1"
}

# rss_kb PID - VmRSS of a process in KB
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}
