#!/bin/sh
# NAME
#	run.sh - the milter benchmark: authmilter beside the null milter,
#	OpenDKIM and OpenDMARC, on the same traffic, in one run
# SYNOPSIS
#	sh t/bench/run.sh [-n COUNT] [-r ROUNDS] [-o OUTDIR] [-q]
# DESCRIPTION
#	Installs what it needs (Debian's opendkim, opendmarc, unbound and
#	the build packages), builds authmilter and the benchmark tools in
#	build-bench/ (-O2, no sanitizers), makes a corpus with
#	t/bench/mkcorpus.py, serves its zones with t/dns/testdns.py behind
#	a caching unbound on 127.0.0.53 ("warm local DNS", shared by every
#	milter), and drives each milter with t/bench/milterload over a
#	unix socket:
#
#	    milterload's own accept-all milter (what the generator can push)
#	    nullmilter (libmilter, every event answered, no work)
#	    OpenDKIM verifying; OpenDMARC with its own SPF; both chained
#	    as Postfix runs them (OpenDKIM first, its A-R read by OpenDMARC)
#	    authmilter: SPF + every DKIM signature + DMARC + A-R
#	    OpenDKIM and authmilter signing the outbound corpus (RSA-2048),
#	    authmilter also dual (RSA-2048 + Ed25519)
#
#	For each: messages/s at 4 connections, milter CPU per 1,000
#	messages, p99 latency at 16 connections, peak RSS at 64
#	connections; then p50 over unix and TCP sockets at 1 connection,
#	and OpenSSL's own RSA/Ed25519 figures (openssl speed).  Each
#	measured run is preceded by a warm-up of the same milter process.
#	With ROUNDS > 1 every measurement is repeated, milters interleaved,
#	and the median kept.
#
#	Writes OUTDIR/results.md (a Markdown table with ratios against
#	OpenDKIM + OpenDMARC chained), OUTDIR/raw/ (every milterload report)
#	and prints the table.  OUTDIR defaults to build-bench/results.
#	COUNT (default 5000) is the number of measured messages of each
#	run.  -q: less output.
#
#	OpenDMARC reads /etc/resolv.conf (libresolv, libspf2): it runs in a
#	mount namespace of its own, where a private resolv.conf names the
#	benchmark's unbound; the machine's resolv.conf is not touched.
#	Nothing in the test suite runs this; nothing here asserts a time.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
COUNT=5000
ROUNDS=1
OUT=
QUIET=
while getopts n:r:o:q opt; do
	case $opt in
	n) COUNT=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	o) OUT=$OPTARG ;;
	q) QUIET=1 ;;
	*) echo "usage: sh t/bench/run.sh [-n COUNT] [-r ROUNDS] [-o OUTDIR] [-q]" >&2
	   exit 64 ;;
	esac
done
. "$top/t/bench/common.sh"
bench_prepare

# ---- measuring ----
# load LABEL CORPUSDIR CONNS COUNT PIDS SOCKET... - one milterload run,
# its report saved as raw/LABEL.txt
load() {
	label=$1 dir=$2 conns=$3 n=$4 pids=$5
	shift 5
	set -- $(for s in "$@"; do printf -- '-s %s ' "$s"; done)
	"$ML" -q -d "$dir" -c "$conns" -n "$n" -w "$((n / 5 + 200))" \
	    -P "$pids" "$@" > "$OUT/raw/$label.txt" 2>"$OUT/raw/$label.err" ||
	    die "milterload failed for $label: $(cat "$OUT/raw/$label.err")"
}

# value LABEL KEY - a key of a saved report
value() {
	sed -n "s/^$2=//p" "$OUT/raw/$1.txt"
}

# measure ROW CORPUS NAME... - start the milters NAME... (chained in
# order), run the three loads, stop them
measure() {
	row=$1 corpus=$2
	shift 2
	socks= pids=
	for name in "$@"; do
		start_milter "$name"
		socks="$socks $MSOCK"
		pids="${pids:+$pids,}$MPID"
	done
	say "$row: 4, 16, 64 connections"
	# shellcheck disable=SC2086
	load "$row.r$round.c4" "$corpus" 4 "$COUNT" "$pids" $socks
	# shellcheck disable=SC2086
	load "$row.r$round.c16" "$corpus" 16 "$COUNT" "$pids" $socks
	# shellcheck disable=SC2086
	load "$row.r$round.c64" "$corpus" 64 "$COUNT" "$pids" $socks
	for p in $(echo "$pids" | tr , ' '); do stop_milter "$p"; done
}

ROWS="milterload nullmilter opendkim opendmarc chained authmilter
opendkim-sign authmilter-sign authmilter-dual"
round=1
while [ $round -le "$ROUNDS" ]; do
	measure milterload "$CORPUS/inbound" milterload
	measure nullmilter "$CORPUS/inbound" nullmilter
	measure opendkim "$CORPUS/inbound" opendkim
	measure opendmarc "$CORPUS/inbound" opendmarc
	measure chained "$CORPUS/inbound" opendkim opendmarc
	measure authmilter "$CORPUS/inbound" authmilter
	measure opendkim-sign "$CORPUS/outbound" opendkim-sign
	measure authmilter-sign "$CORPUS/outbound" authmilter
	measure authmilter-dual "$CORPUS/outbound" authmilter-dual
	round=$((round + 1))
done

# ---- TCP against unix sockets, one connection ----
# socket_row NAME PORT - p50/p99 of one connection over TCP, then unix
socket_row() {
	conf=$tmp/$1.conf
	sed -i "s|^Socket .*|Socket inet:$2@127.0.0.1|" "$conf"
	start_milter "$1"
	load "$1.tcp" "$CORPUS/inbound" 1 400 "$MPID" "$MSOCK"
	stop_milter "$MPID"
	sed -i "s|^Socket .*|Socket unix:$tmp/sock/$1.sock|" "$conf"
	start_milter "$1"
	load "$1.unix" "$CORPUS/inbound" 1 400 "$MPID" "$MSOCK"
	stop_milter "$MPID"
}
say "TCP and unix sockets, 1 connection"
socket_row authmilter 18893
socket_row opendkim 18891

# ---- slow DNS: every answer 50 ms late, a cold cache ----
# Each of the first SLOW dual-signed messages goes to a fresh authmilter
# whose only DNS server answers every query 50 ms late: its latency
# against the number of queries it made shows what runs in parallel.
SLOW=10
say "DNS answers 50 ms late: $SLOW dual-signed messages, each with a cold cache"
/usr/bin/python3 "$top/t/dns/testdns.py" --zones "$CORPUS/zones.yml" \
    --addr 127.0.0.1 --delay-ms 50 --query-log "$tmp/slow.qlog" \
    --port-file "$tmp/slow.port" >"$tmp/slow.log" 2>&1 &
PIDS="$PIDS $!"
i=0
while [ ! -s "$tmp/slow.port" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || die "slow testdns.py did not start"
	sleep 0.1
done
sed -e "s|^Nameservers .*|Nameservers 127.0.0.1:$(cat "$tmp/slow.port")|" \
    -e "s|^Socket .*|Socket unix:$tmp/sock/authmilter-slow.sock|" \
    "$tmp/authmilter.conf" > "$tmp/authmilter-slow.conf"
: > "$tmp/slow.qlog"
: > "$OUT/raw/slowdns.txt"
awk '$3 == "dual-signed" { print $1 }' "$CORPUS/MANIFEST" | head -"$SLOW" |
while read -r f; do
	rm -rf "$tmp/slowc"
	mkdir -p "$tmp/slowc"
	ln -s "$CORPUS/$f" "$tmp/slowc/"
	start_milter authmilter-slow
	q0=$(wc -l < "$tmp/slow.qlog")
	"$ML" -q -d "$tmp/slowc" -c 1 -n 1 -s "$MSOCK" > "$tmp/slow.r"
	q1=$(wc -l < "$tmp/slow.qlog")
	stop_milter "$MPID"
	echo "$f $((q1 - q0)) $(sed -n 's/^lat_max_ms=//p' "$tmp/slow.r")" \
	    >> "$OUT/raw/slowdns.txt"
done

# ---- the table ----
# median ROW CONNS KEY - the median over rounds of KEY
median() {
	r=1
	while [ $r -le "$ROUNDS" ]; do
		value "$1.r$r.c$2" "$3"
		r=$((r + 1))
	done | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

{
	echo "| milter | msgs/s (4 conns) | milter CPU per 1,000 msgs | p99 at 16 conns | peak RSS at 64 conns |"
	echo "| --- | --- | --- | --- | --- |"
	for row in $ROWS; do
		case $row in
		milterload) what="milterload's own accept-all milter" ;;
		nullmilter) what="null milter (libmilter), every event answered" ;;
		opendkim) what="OpenDKIM, verify" ;;
		opendmarc) what="OpenDMARC (with its SPF)" ;;
		chained) what="OpenDKIM + OpenDMARC chained" ;;
		authmilter) what="**authmilter: SPF + DKIM + DMARC + A-R**" ;;
		opendkim-sign) what="OpenDKIM, sign RSA-2048" ;;
		authmilter-sign) what="**authmilter, sign RSA-2048**" ;;
		authmilter-dual) what="**authmilter, sign RSA-2048 + Ed25519**" ;;
		esac
		printf '| %s | %.0f | %.2f s | %.1f ms | %.1f MB |\n' "$what" \
		    "$(median "$row" 4 msgs_per_sec)" \
		    "$(median "$row" 4 milter_cpu_ms_per_1000 | awk '{ print $1 / 1000 }')" \
		    "$(median "$row" 16 lat_p99_ms)" \
		    "$(median "$row" 64 milter_peak_rss_kb | awk '{ print $1 / 1024 }')"
	done
	echo
	echo "Verdicts and edits of the 4-connection runs (the same corpus for each):"
	echo
	echo "| milter | accept | reject | tempfail | headers added | errors |"
	echo "| --- | --- | --- | --- | --- | --- |"
	for row in $ROWS; do
		f=$row.r1.c4
		printf '| %s | %s | %s | %s | %s | %s |\n' "$row" \
		    "$(($(value "$f" verdict_accept) + $(value "$f" verdict_continue)))" \
		    "$(value "$f" verdict_reject)" "$(value "$f" verdict_tempfail)" \
		    "$(($(value "$f" edit_addheader) + $(value "$f" edit_insheader)))" \
		    "$(value "$f" errors)"
	done
	echo
	rate_a=$(median authmilter 4 msgs_per_sec)
	rate_c=$(median chained 4 msgs_per_sec)
	cpu_a=$(median authmilter 4 milter_cpu_ms_per_1000)
	cpu_c=$(median chained 4 milter_cpu_ms_per_1000)
	awk -v ra="$rate_a" -v rc="$rate_c" -v ca="$cpu_a" -v cc="$cpu_c" 'BEGIN {
		printf "authmilter against OpenDKIM + OpenDMARC chained: %.1fx the messages/s, %.2fx the CPU per message.\n", ra / rc, ca / cc }'
	for row in nullmilter authmilter chained; do
		awk -v r="$row" -v l="$(median "$row" 4 load_cpu_s)" \
		    -v n="$(median "$row" 4 messages)" 'BEGIN {
			printf "milterload itself, driving %s: %.0f ms CPU per 1,000 messages.\n", r, 1e6 * l / n }'
	done
	rs=$(median authmilter-sign 4 milter_cpu_ms_per_1000)
	os=$(median opendkim-sign 4 milter_cpu_ms_per_1000)
	awk -v a="$rs" -v o="$os" 'BEGIN {
		printf "Signing RSA-2048: authmilter %.0f us CPU a message, OpenDKIM %.0f us.\n", a, o }'
	echo
	echo "| 1 connection, p50 / p99 | unix socket | TCP (inet:PORT@127.0.0.1) |"
	echo "| --- | --- | --- |"
	for m in authmilter opendkim; do
		printf '| %s | %.2f / %.2f ms | %.2f / %.2f ms |\n' "$m" \
		    "$(value "$m.unix" lat_p50_ms)" "$(value "$m.unix" lat_p99_ms)" \
		    "$(value "$m.tcp" lat_p50_ms)" "$(value "$m.tcp" lat_p99_ms)"
	done
	echo
	sort -k3 -n "$OUT/raw/slowdns.txt" | awk '
		{ q[NR] = $2; l[NR] = $3 }
		END { m = int((NR + 1) / 2)
		printf "DNS answering 50 ms late, cache cold: a dual-signed message makes %d queries (%d ms one after another) and takes %.0f ms (median of %d; SPF is sequential by RFC 7208, the DKIM keys and the DMARC record are asked at once).\n", q[m], q[m] * 50, l[m], NR }'
	echo
	echo "OpenSSL on this machine (openssl speed, 1 core):"
	openssl speed -seconds 2 rsa2048 ed25519 2>/dev/null | awk '
		/^rsa 2048/ { printf "- RSA-2048: sign %.0f us, verify %.1f us\n", 1e6 / $(NF - 1), 1e6 / $NF }
		/Ed25519/ { printf "- Ed25519: sign %.0f us, verify %.0f us\n", 1e6 / $(NF - 1), 1e6 / $NF }'
	printf -- '- SHA-256: %s\n' "$(openssl speed -seconds 1 -bytes 16384 sha256 2>/dev/null |
	    awk '/^sha256/ { printf "%.2f GB/s", $NF * 1000 / 1e9 }')"
	echo
	echo "Machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(uname -sr); $COUNT messages a run, $ROUNDS round(s), $(date -u +%Y-%m-%d)."
} > "$OUT/results.md"
cat "$OUT/results.md"
