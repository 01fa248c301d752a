#!/bin/sh
# NAME
#	memory.sh - authmilter's memory over a long run, and for one huge
#	message
# SYNOPSIS
#	sh t/bench/memory.sh [-n MESSAGES] [-s STEP] [-o OUTDIR]
# DESCRIPTION
#	With the DNS, corpus and configuration of t/bench/run.sh
#	(t/bench/common.sh), runs one authmilter on the inbound corpus for
#	MESSAGES messages (default 1,000,000) at 8 connections, in steps of
#	STEP (default 100,000), and prints its VmRSS after each step; the
#	last line compares the end with the first step.  Then it sends a
#	fresh authmilter ten ordinary messages and one of 50 MB (a signed
#	message with a 50 MB base64 body, made here with dkimpy), and prints
#	VmHWM before and after: the 50 MB message must cost no more than a
#	few hundred KB, since the body is streamed, never kept.
#	Writes OUTDIR/memory.md (default build-bench/results).  Not run by
#	the test suite.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
TOTAL=1000000
STEP=100000
OUT=
while getopts n:s:o: opt; do
	case $opt in
	n) TOTAL=$OPTARG ;;
	s) STEP=$OPTARG ;;
	o) OUT=$OPTARG ;;
	*) echo "usage: sh t/bench/memory.sh [-n MESSAGES] [-s STEP] [-o OUTDIR]" >&2
	   exit 64 ;;
	esac
done
. "$top/t/bench/common.sh"
bench_prepare

# rss PID - VmRSS in kB
rss() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }
# hwm PID - VmHWM in kB
hwm() { sed -n 's/^VmHWM:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }

mkdir -p "$OUT"
: > "$tmp/steps"
start_milter authmilter
done_n=0
while [ "$done_n" -lt "$TOTAL" ]; do
	"$ML" -q -d "$CORPUS/inbound" -c 8 -n "$STEP" -s "$MSOCK" > "$tmp/step.r"
	errs=$(sed -n 's/^errors=//p' "$tmp/step.r")
	done_n=$((done_n + STEP))
	echo "$done_n $(rss "$MPID") $errs" >> "$tmp/steps"
	say "$done_n messages: VmRSS $(rss "$MPID") kB, $errs errors"
done
stop_milter "$MPID"

# ---- one 50 MB message ----
big=$tmp/big
mkdir -p "$big/one" "$big/ten"
f=$(awk '$3 == "signed-pass" { print $1; exit }' "$CORPUS/MANIFEST")
head -1 "$CORPUS/$f" > "$big/one/00001.eml"
key=$(ls "$CORPUS"/keys/*.pem | head -1)
dom=$(basename "$key" | sed 's/\.[^.]*\.pem$//')
sel=$(basename "$key" .pem | sed "s/^$dom\.//")
/usr/bin/python3 - "$key" "$dom" "$sel" >> "$big/one/00001.eml" <<'EOF'
import base64, os, random, sys, dkim
key, dom, sel = open(sys.argv[1], 'rb').read(), sys.argv[2].encode(), sys.argv[3].encode()
rng = random.Random(1)
raw = bytes(rng.getrandbits(8) for _ in range(1 << 16)) * (38 * 16)
b64 = base64.encodebytes(raw).replace(b"\n", b"\r\n")
head = (b"From: Big Sender <files@" + dom + b">\r\nTo: someone@example.net\r\n"
        b"Subject: the archive\r\nDate: Tue, 01 Dec 2026 08:00:00 +0000\r\n"
        b"Message-ID: <big-1@" + dom + b">\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n")
msg = head + b64
sig = dkim.sign(msg, sel, dom, key, include_headers=[b"from", b"to", b"subject", b"date"])
sys.stdout.buffer.write(sig + msg)
EOF
for i in 01 02 03 04 05 06 07 08 09 10; do
	ln -s "$CORPUS/inbound/000$i.eml" "$big/ten/000$i.eml"
done
start_milter authmilter
"$ML" -q -d "$big/ten" -c 1 -n 10 -s "$MSOCK" > /dev/null
before=$(hwm "$MPID")
"$ML" -q -v -d "$big/one" -c 1 -n 1 -s "$MSOCK" > "$tmp/big.r" 2> "$tmp/big.v"
after=$(hwm "$MPID")
bigsize=$(wc -c < "$big/one/00001.eml")
dkim=$(grep -o 'dkim=[a-z]*' "$tmp/big.v" | head -1)
stop_milter "$MPID"

{
	first=$(head -1 "$tmp/steps" | cut -d' ' -f2)
	last=$(tail -1 "$tmp/steps" | cut -d' ' -f2)
	echo "| messages | authmilter VmRSS | errors |"
	echo "| --- | --- | --- |"
	while read -r n r e; do
		printf '| %s | %s kB | %s |\n' "$n" "$r" "$e"
	done < "$tmp/steps"
	echo
	awk -v a="$first" -v b="$last" -v n="$TOTAL" -v s="$STEP" 'BEGIN {
		printf "From %d to %d messages, resident memory changed by %+.1f%%.\n", s, n, 100 * (b - a) / a }'
	echo
	echo "One message of $((bigsize / 1048576)) MB ($dkim): VmHWM $before kB before, $after kB after (+$((after - before)) kB)."
} > "$OUT/memory.md"
cat "$OUT/memory.md"
