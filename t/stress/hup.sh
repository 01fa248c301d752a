#!/bin/sh
# NAME
#	hup.sh - SIGHUP every half second under load, with a broken table
#	swapped in and out: nothing lost, nothing tempfailed
# SYNOPSIS
#	sh t/stress/hup.sh [-T SECONDS] [-c CONNS]
# DESCRIPTION
#	Starts authmilter on the benchmark's corpus and DNS
#	(t/bench/common.sh), drives it with milterload at CONNS connections
#	(default 4) for SECONDS (default 150), and meanwhile sends it SIGHUP
#	every 0.5 s; every other reload finds the table broken (a line with
#	an unknown option), which authmilter must refuse while it keeps the
#	old configuration.  Prints the messages, errors, tempfails,
#	reloads sent, refused and taken; passes when milterload saw no error and no
#	tempfail, every broken table was refused and authmilter still runs.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
SECS=150 CONNS=4
while getopts T:c: opt; do
	case $opt in
	T) SECS=$OPTARG ;;
	c) CONNS=$OPTARG ;;
	*) echo "usage: sh t/stress/hup.sh [-T SECONDS] [-c CONNS]" >&2; exit 64 ;;
	esac
done
. "$top/t/stress/common.sh"
stress_prepare

table=$(sed -n 's/^Domains *//p' "$tmp/authmilter.conf")
cp "$table" "$tmp/table.good"
{ cat "$tmp/table.good"; echo "broken.example nonsense=yes"; } > "$tmp/table.bad"
start_milter authmilter
load_for "$SECS" "$CONNS" "$tmp/load.txt" &
LPID=$!
sent=0
end=$(($(date +%s) + SECS))
while [ "$(date +%s)" -lt "$end" ] && kill -0 "$LPID" 2>/dev/null; do
	if [ $((sent % 2)) -eq 0 ]; then
		cp "$tmp/table.bad" "$table"
	else
		cp "$tmp/table.good" "$table"
	fi
	kill -HUP "$MPID"
	sent=$((sent + 1))
	sleep 0.5
done
cp "$tmp/table.good" "$table"
wait "$LPID" || true
alive=yes
kill -0 "$MPID" 2>/dev/null || alive=no
refused=$(grep -c 'reload of .* refused' "$tmp/authmilter.log" || true)
taken=$(grep -c 'configuration reloaded' "$tmp/authmilter.log" || true)
msgs=$(value "$tmp/load.txt" messages)
errs=$(value "$tmp/load.txt" errors)
temp=$(value "$tmp/load.txt" verdict_tempfail)
echo "seconds: $SECS"
echo "connections: $CONNS"
echo "messages: ${msgs:-0}"
echo "errors: ${errs:-?}"
echo "tempfails: ${temp:-?}"
echo "reloads sent: $sent"
echo "reloads refused (broken table): $refused"
echo "reloads taken: $taken"
echo "authmilter alive: $alive"
[ "${msgs:-0}" -gt 0 ] || fail "no message went through: $(cat "$tmp/load.txt.err")"
[ "${errs:-1}" -eq 0 ] || fail "$errs milterload errors"
[ "${temp:-1}" -eq 0 ] || fail "$temp tempfails"
[ "$alive" = yes ] || fail "authmilter died: $(tail -5 "$tmp/authmilter.log")"
[ "$refused" -ge $((sent / 2 - 1)) ] || fail "only $refused of $((sent / 2)) broken tables refused"
finish hup
