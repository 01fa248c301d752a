#!/bin/sh
# NAME
#	dnsfault.sh - a DNS fault storm under load: every message still gets
#	its verdict in time, no thread is stuck, memory stays bounded
# SYNOPSIS
#	sh t/stress/dnsfault.sh [-T SECONDS] [-c CONNS] [-p PERCENT]
#	    [-D DEADLINE_MS]
# DESCRIPTION
#	Copies the benchmark corpus's zones, and gives PERCENT (default 30)
#	of their names, chosen at random (seed 1), one fault each in turn:
#	no answer (TIMEOUT), SERVFAIL, TRUNCATE (TC=1 over UDP), GARBAGE
#	and OVERSIZE (62 KB of TXT over TCP).  t/dns/testdns.py serves that
#	directly to authmilter (no caching resolver between), with
#	DNSTimeout 1.  milterload drives authmilter at CONNS connections
#	(default 8) for SECONDS (default 120), sampling authmilter's RSS
#	every second.  Prints the messages, errors, verdicts, the slowest
#	message, the queries the DNS server saw, and RSS at the first
#	sample after 10 s and at the end.  Passes when milterload saw no
#	error (every message got a verdict), no message took longer than
#	DEADLINE_MS (default 30000: Postfix's milter_command_timeout), and
#	RSS at the end is within 20 MB of the sample after 10 s.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
SECS=120 CONNS=8 PCT=30 DEADLINE=30000
while getopts T:c:p:D: opt; do
	case $opt in
	T) SECS=$OPTARG ;;
	c) CONNS=$OPTARG ;;
	p) PCT=$OPTARG ;;
	D) DEADLINE=$OPTARG ;;
	*) echo "usage: sh t/stress/dnsfault.sh [-T SECONDS] [-c CONNS] [-p PERCENT] [-D DEADLINE_MS]" >&2
	   exit 64 ;;
	esac
done
. "$top/t/stress/common.sh"
stress_prepare

/usr/bin/python3 - "$CORPUS/zones.yml" "$tmp/faults.yml" "$PCT" <<'PY'
import random, sys, yaml
zones = yaml.safe_load(open(sys.argv[1]))
pct = int(sys.argv[3])
faults = ["TIMEOUT", "SERVFAIL", "TRUNCATE", "GARBAGE", "OVERSIZE"]
rnd = random.Random(1)
n = 0
for name in sorted(zones):
    if rnd.randrange(100) < pct:
        zones[name] = [faults[n % len(faults)]] + list(zones[name] or [])
        n += 1
yaml.safe_dump(zones, open(sys.argv[2], "w"))
print("faulty names: %d of %d" % (n, len(zones)))
PY
/usr/bin/python3 "$top/t/dns/testdns.py" --zones "$tmp/faults.yml" \
    --addr 127.0.0.1 --port-file "$tmp/fdns.port" \
    --query-log "$tmp/queries.log" >"$tmp/fdns.log" 2>&1 &
PIDS="$PIDS $!"
i=0
while [ ! -s "$tmp/fdns.port" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || die "testdns.py did not start"
	sleep 0.1
done
sed -e "s/^Nameservers .*/Nameservers 127.0.0.1:$(cat "$tmp/fdns.port")/" \
    -e "s/^LogLevel .*/LogLevel warning/" "$tmp/authmilter.conf" \
    > "$tmp/authmilter-fault.conf"
echo "DNSTimeout 1" >> "$tmp/authmilter-fault.conf"
start_milter authmilter-fault
load_for "$SECS" "$CONNS" "$tmp/load.txt" -t "$((DEADLINE / 1000 + 30))" &
LPID=$!
: > "$tmp/rss"
t=0
while kill -0 "$LPID" 2>/dev/null; do
	sleep 1
	t=$((t + 1))
	echo "$t $(rss_kb "$MPID")" >> "$tmp/rss"
done
wait "$LPID" || true
alive=yes
kill -0 "$MPID" 2>/dev/null || alive=no
rss0=$(awk '$1 == 10 { print $2 }' "$tmp/rss")
rss1=$(tail -n 1 "$tmp/rss" | awk '{ print $2 }')
msgs=$(value "$tmp/load.txt" messages)
errs=$(value "$tmp/load.txt" errors)
lmax=$(value "$tmp/load.txt" lat_max_ms)
echo "seconds: $SECS"
echo "connections: $CONNS"
echo "faulty share: $PCT%"
echo "messages: ${msgs:-0}"
echo "errors: ${errs:-?}"
for v in accept reject tempfail; do
	echo "verdict $v: $(value "$tmp/load.txt" "verdict_$v")"
done
echo "slowest message: ${lmax:-?} ms"
echo "DNS queries seen: $(wc -l < "$tmp/queries.log")"
echo "RSS after 10 s: ${rss0:-?} kB, at the end: ${rss1:-?} kB"
echo "authmilter alive: $alive"
[ "${msgs:-0}" -gt 0 ] || fail "no message went through: $(cat "$tmp/load.txt.err")"
[ "${errs:-1}" -eq 0 ] || fail "$errs messages without a verdict (milterload errors)"
awk -v m="${lmax:-999999}" -v d="$DEADLINE" 'BEGIN { exit !(m <= d) }' ||
    fail "a message took $lmax ms (deadline $DEADLINE ms)"
[ "$alive" = yes ] || fail "authmilter died"
if [ -n "$rss0" ] && [ -n "$rss1" ] && [ "$rss1" -gt $((rss0 + 20480)) ]; then
	fail "RSS grew from $rss0 to $rss1 kB"
fi
finish dnsfault
