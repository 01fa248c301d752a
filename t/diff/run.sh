#!/bin/sh
# NAME
#	run.sh - differential test: our SPF and DKIM against libspf2 and
#	libopendkim on generated and mutated inputs
# SYNOPSIS
#	sh t/diff/run.sh [-n SPF_CASES] [-d DKIM_CASES] [-s SEED] [-j JOBS]
#	    [-k]
# DESCRIPTION
#	Generates SPF scenarios (t/diff/gen-spf.py) and signed, mutated
#	messages (t/diff/gen-dkim.py) from SEED (default 1), runs each case
#	through ours (build/t/spf-query, build/t/dkim-verify) and the
#	reference (libspf2's spfquery, libopendkim through
#	t/diff/odkim-verify.c), and prints the counts: cases, agreements and
#	disagreements per class of t/diff/DISAGREEMENTS.md
#	(t/diff/classify.py).  Exit status 1 when a disagreement is
#	unclassified, 77 when it cannot run (not root, no unshare, no
#	spfquery or libopendkim-dev).
#
#	-n SPF cases (default 1000); -d DKIM cases (default a quarter of
#	-n); -j cases run at a time (default 4); -k keeps the work
#	directory (cases, messages, zones, results.jsonl) and prints its
#	name.  The DNS server (t/dns/testdns.py, SPF scenarios served in
#	batches of 2000) and both sides run in a network and mount
#	namespace of their own: the server listens on 127.0.0.1:53 there,
#	and a private resolv.conf naming it is bound over /etc/resolv.conf
#	for the libraries, which use the system resolver.  The machine's
#	resolv.conf and port 53 are not touched.
#
#	AUTHMILTER_BUILDDIR (default build/ beside t/) is where the
#	programs are; they are made if missing.
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${AUTHMILTER_BUILDDIR:-$top/build}
PYTHON=/usr/bin/python3
N=1000
D=
SEED=1
JOBS=4
KEEP=
BATCH=2000
while getopts n:d:s:j:k opt; do
	case $opt in
	n) N=$OPTARG ;;
	d) D=$OPTARG ;;
	s) SEED=$OPTARG ;;
	j) JOBS=$OPTARG ;;
	k) KEEP=1 ;;
	*) echo "usage: run.sh [-n N] [-d N] [-s SEED] [-j JOBS] [-k]" >&2
	   exit 2 ;;
	esac
done
[ -n "$D" ] || D=$((N / 4))

cannot() {
	echo "run.sh: cannot run: $*" >&2
	exit 77
}
[ "$(id -u)" = 0 ] || cannot "not root (needs unshare -mn)"
command -v unshare >/dev/null 2>&1 || cannot "no unshare"
unshare -mn true 2>/dev/null || cannot "unshare -mn is not allowed here"
command -v ip >/dev/null 2>&1 || cannot "no ip (iproute2)"
[ -x /usr/bin/spfquery.libspf2 ] || cannot "no spfquery (apt-get install spfquery)"
[ -f /usr/include/opendkim/dkim.h ] ||
    cannot "no libopendkim-dev (apt-get install libopendkim-dev)"
if [ ! -x "$BUILD/t/spf-query" ] || [ ! -x "$BUILD/t/dkim-verify" ]; then
	make -C "$BUILD" t/spf-query t/dkim-verify >/dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/authmilter-diff.XXXXXX")
if [ -n "$KEEP" ]; then
	echo "run.sh: work directory $tmp" >&2
else
	trap 'rm -rf "$tmp"' EXIT
fi
trap 'exit 130' INT
trap 'exit 143' TERM
cc -O1 -o "$tmp/odkim-verify" "$top/t/diff/odkim-verify.c" \
    -I/usr/include/opendkim -lopendkim
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' \
    >"$tmp/resolv.conf"

# the cases, in batches of at most $BATCH SPF scenarios
b=0
first=0
while [ "$first" -lt "$N" ]; do
	n=$((N - first))
	[ "$n" -gt "$BATCH" ] && n=$BATCH
	"$PYTHON" "$top/t/diff/gen-spf.py" "$SEED" "$n" "$tmp/spf$b" "$first"
	first=$((first + n))
	b=$((b + 1))
done
if [ "$D" -gt 0 ]; then
	"$PYTHON" "$top/t/diff/gen-dkim.py" "$SEED" "$D" "$tmp/dkim"
fi

# inside the namespaces: one DNS server per batch, both sides against it
cat >"$tmp/inner.sh" <<'EOF'
set -e
ip link set lo up
mount --bind "$tmp/resolv.conf" /etc/resolv.conf
dns() {
	rm -f "$tmp/port"
	"$PYTHON" "$top/t/dns/testdns.py" --zones "$1" --addr 127.0.0.1 \
	    --port 53 --port-file "$tmp/port" >"$tmp/dns.log" 2>&1 &
	DNS_PID=$!
	i=0
	while [ ! -s "$tmp/port" ]; do
		if [ $i -ge 600 ] || ! kill -0 $DNS_PID 2>/dev/null; then
			cat "$tmp/dns.log" >&2
			echo "run.sh: the DNS server did not start" >&2
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}
for d in "$tmp"/spf*/; do
	[ -d "$d" ] || continue
	dns "$d/spf-zones.yml"
	"$PYTHON" "$top/t/diff/compare.py" spf "$d/spf-cases.jsonl" \
	    "$tmp/results.jsonl" -j "$JOBS"
	kill $DNS_PID
	wait $DNS_PID 2>/dev/null || true
done
if [ -d "$tmp/dkim" ]; then
	dns "$tmp/dkim/dkim-zones.yml"
	"$PYTHON" "$top/t/diff/compare.py" dkim "$tmp/dkim/dkim-cases.jsonl" \
	    "$tmp/results.jsonl" -j "$JOBS"
	kill $DNS_PID
	wait $DNS_PID 2>/dev/null || true
fi
EOF
: >"$tmp/results.jsonl"
tmp=$tmp top=$top PYTHON=$PYTHON JOBS=$JOBS ODKIM=$tmp/odkim-verify \
    AUTHMILTER_BUILDDIR=$BUILD DIFF_DNS=127.0.0.1:53 \
    unshare -mn sh "$tmp/inner.sh"
echo "differential test, seed $SEED:"
"$PYTHON" "$top/t/diff/classify.py" "$tmp/results.jsonl"
