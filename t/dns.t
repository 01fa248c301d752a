#!/bin/sh
# dns.t - lib/dns against t/dns/testdns.py: classification, decoding,
# TCP fallback, bounds, server failover, cache and TTL; and testdns.py's
# own promises (pyspf zonedata semantics, faults, concurrency).
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"

Q=$BUILDDIR/t/dns-query
[ -x "$Q" ] || skip_all "t/dns-query not built"

# now_ms - wall clock in milliseconds
now_ms() {
	date +%s%3N
}

cat >"$tmpdir/zones.yml" <<'EOF'
a.test:
  - A: 192.0.2.1
  - A: 192.0.2.2
  - AAAA: "2001:db8::1"
  - MX: [10, MX1.Example.TEST.]
  - MX: [20, mx2.example.test]
  - TXT: ["v=spf1 ", "ip4:192.0.2.0/24", " -all"]
  - TXT: "second record"
1.2.0.192.in-addr.arpa:
  - PTR: Mail.A.Test.
spfonly.test:
  - SPF: v=spf1 -all
txtnone.test:
  - SPF: v=spf1 -all
  - TXT: NONE
odd.test:
  - TXT: "say \"hi\"\\ caf\xE9"
c1.test:
  - CNAME: c2.test
c2.test:
  - CNAME: a.test
loop.test:
  - CNAME: loop2.test
loop2.test:
  - CNAME: LOOP.test.
dangling.test:
  - CNAME: nowhere.test
ttl7.test:
  - TTL: 7
  - A: 192.0.2.7
timeout.test:
  - TIMEOUT
typetimeout.test:
  - TXT: v=spf1 -all
  - TIMEOUT
servfail.test:
  - SERVFAIL
refused.test:
  - REFUSED
garbage.test:
  - GARBAGE
trunc.test:
  - TRUNCATE
  - TXT: over tcp
big.test:
  - OVERSIZE
slow.test:
  - DELAY: 1500
  - A: 192.0.2.40
cached.test:
  - TXT: keep me
short.test:
  - TTL: 1
  - TXT: short lived
mid.test:
  - TXT: 0-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
  - TXT: 1-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
  - TXT: 2-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
  - TXT: 3-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
  - TXT: 4-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
  - TXT: 5-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
  - TXT: 6-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
  - TXT: 7-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
EOF

# two TXT RRsets of about 1000-byte records (sent over TCP): 12 KB is
# under DNS_KEEP_TXT_MAX (16384 bytes), 20 KB over it
s250=$(printf '%250s' '' | tr ' ' x)
for n in 12 20; do
	echo "txt${n}k.test:"
	i=0
	while [ $i -lt $n ]; do
		echo "  - TXT: [\"$i$s250\", \"$s250\", \"$s250\", \"$s250\"]"
		i=$((i + 1))
	done
done >>"$tmpdir/zones.yml"

# wildcards (RFC 4592), for t/report-send.t's *._report._dmarc names
cat >>"$tmpdir/zones.yml" <<'EOF'
"*.wild.test":
  - TXT: "v=DMARC1"
real.wild.test:
  - A: 192.0.2.9
EOF
start_dns "$tmpdir/zones.yml" -- --query-log "$tmpdir/qlog"
S=$DNS_SERVER

# q - run dns-query against the main server, quietly
q() {
	"$Q" -s "$S" "$@" 2>/dev/null
}

# records - the record lines of dns-query output, sorted
records() {
	printf '%s\n' "$1" | sed -n 's/^  //p' | sort | tr '\n' ';'
}

# ---- decoding and classification ----
out=$(q a.test A)
like "$out" '^a\.test A data ttl=300 count=2 ' "A: data, count and ttl"
is "$(records "$out")" "A 192.0.2.1;A 192.0.2.2;" "A: both addresses"

out=$(q a.test AAAA)
is "$(records "$out")" "AAAA 2001:db8::1;" "AAAA decoded"

out=$(q a.test MX)
is "$(records "$out")" "MX 10 mx1.example.test;MX 20 mx2.example.test;" \
    "MX: preference, exchange lowercase without the dot"

out=$(q 1.2.0.192.in-addr.arpa PTR)
is "$(records "$out")" "PTR mail.a.test;" "PTR decoded, lowercase"

out=$(q a.test TXT)
is "$(records "$out")" \
    'TXT "second record";TXT "v=spf1 ip4:192.0.2.0/24 -all";' \
    "TXT: character-strings joined without separator, one per record"

out=$(q odd.test TXT)
is "$(records "$out")" 'TXT "say \034hi\034\092 caf\195\169";' \
    "TXT: quotes, backslash and UTF-8 bytes kept as they are"

out=$(q A.TeSt. A)
like "$out" ' data ' "names are case-insensitive, a final dot is fine"

out=$(q nx.test A)
like "$out" '^nx\.test A nxdomain ttl=300 count=0 ' \
    "NXDOMAIN, ttl from the SOA"

out=$(q a.test SOA)
like "$out" ' SOA nodata ttl=300 ' "NODATA for a type the name lacks"

out=$(q ttl7.test TXT)
like "$out" ' nodata ttl=7 ' "negative ttl = SOA minimum (TTL entry)"
out=$(q ttl7.test A)
like "$out" ' data ttl=7 ' "positive ttl from the records"

# ---- pyspf zonedata semantics of testdns.py ----
out=$(q spfonly.test TXT spfonly.test SPF)
is "$(records "$out")" 'SPF "v=spf1 -all";TXT "v=spf1 -all";' \
    "an SPF record is served as TXT too"
out=$(q txtnone.test TXT)
like "$out" ' TXT nodata ' "TXT: NONE suppresses the TXT copy of SPF"

# ---- wildcards: "*.wild.test" answers below wild.test ----
out=$(q any.wild.test TXT)
is "$(records "$out")" 'TXT "v=DMARC1";' "a wildcard answers for a name it covers"
like "$out" '^any\.wild\.test TXT data ' "... as the name asked"
like "$(q a.b.wild.test TXT)" ' TXT data ' \
    "a wildcard covers names several labels down"
like "$(q real.wild.test TXT)" ' TXT nodata ' \
    "a name that exists is not covered: NODATA"
like "$(q x.real.wild.test TXT)" ' TXT nxdomain ' \
    "below an existing name the wildcard does not apply (closest encloser)"
out=$(q typetimeout.test TXT typetimeout.test A)
like "$out" 'typetimeout\.test TXT data ' \
    "TIMEOUT after a record of the type: answered"
like "$out" 'typetimeout\.test A tempfail ' \
    "TIMEOUT before a record of the type: no answer"
out=$(q -t 200 error.nothere.test A)
like "$out" ' tempfail ' "names under error. that are not in the zones time out"

# ---- CNAMEs ----
out=$(q c1.test A)
like "$out" '^c1\.test A data ttl=300 count=2 ' "CNAME chain followed"
is "$(records "$out")" "A 192.0.2.1;A 192.0.2.2;" "CNAME chain: target data"
out=$(q c1.test CNAME)
is "$(records "$out")" "CNAME c2.test;" "CNAME asked for: not followed"
out=$(q loop.test A)
like "$out" ' nodata ' "CNAME loop: NODATA"
out=$(q dangling.test A)
like "$out" ' nodata ' "CNAME to a missing name: NODATA, not NXDOMAIN"

# ---- names that cannot be asked: NXDOMAIN without a query ----
: >"$tmpdir/qlog"
l64=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
out=$(q "$l64.test" A)
like "$out" ' nxdomain ttl=0 count=0 size=[0-9]+ bad-name$' "a 64-byte label: NXDOMAIN"
out=$(q "a..test" A)
like "$out" ' nxdomain ttl=0 ' "an empty label: NXDOMAIN"
l63=${l64#a}
long=$l63.$l63.$l63.$l63.test
out=$(q "$long" A)
like "$out" ' nxdomain ttl=0 ' "a name over 253 characters: NXDOMAIN"
is "$(wc -l <"$tmpdir/qlog" | tr -d ' ')" 0 "... and none was asked"
out=$(q "$l63.test" A)
like "$out" ' nxdomain ttl=300 ' "a 63-byte label is asked"

# ---- failures ----
t0=$(now_ms)
out=$(q -t 300 -r 2 timeout.test A)
t1=$(now_ms)
like "$out" ' tempfail ttl=0 count=0 size=[0-9]+$' "timeout: TEMPFAIL"
ok $(( (t1 - t0) >= 550 && (t1 - t0) < 3000 ? 0 : 1 )) \
    "timeout: two tries of 300 ms ($((t1 - t0)) ms)"

t0=$(now_ms)
out=$(q -t 2000 servfail.test A)
t1=$(now_ms)
like "$out" ' tempfail ' "SERVFAIL: TEMPFAIL"
ok $(( (t1 - t0) < 1500 ? 0 : 1 )) "SERVFAIL: no waiting for the timeout"
out=$(q -t 2000 refused.test TXT)
like "$out" ' tempfail ' "REFUSED: TEMPFAIL"
out=$(q -t 200 garbage.test A garbage.test TXT garbage.test MX)
is "$(printf '%s\n' "$out" | grep -c ' tempfail ')" 3 "garbage: TEMPFAIL"

# ---- TCP ----
: >"$tmpdir/qlog"
out=$(q trunc.test TXT)
is "$(records "$out")" 'TXT "over tcp";' "TC=1 over UDP: asked again over TCP"
is "$(tr '\n' ';' <"$tmpdir/qlog")" "trunc.test TXT udp;trunc.test TXT tcp;" \
    "... the server saw UDP then TCP"
: >"$tmpdir/qlog"
out=$(q mid.test TXT)
like "$out" '^mid\.test TXT data ttl=300 count=8 size=[0-9]+$' \
    "a 1 KB answer"
is "$(tr '\n' ';' <"$tmpdir/qlog")" "mid.test TXT udp;" \
    "... fits our EDNS0 UDP size: no TCP needed"
out=$(q big.test TXT)
like "$out" '^big\.test TXT data ttl=300 count=320 size=[0-9]+$' \
    "a 60 KB answer over TCP: every one of its 320 TXT records decoded"
size=$(printf '%s\n' "$out" | sed -n '1s/.*size=//p')
ok $(( size > 320 * 180 && size < 320 * 180 * 2 ? 0 : 1 )) \
    "... the decoded records are kept, with little overhead ($size bytes)"

# ---- delays and concurrency ----
out=$(q -t 100 slow.test A)
like "$out" ' tempfail ' "an answer later than the timeout: TEMPFAIL"
out=$(q -t 2000 slow.test A)
like "$out" ' data ' "an answer within the timeout: DATA"
q -t 3000 slow.test A >"$tmpdir/slow.out" &
slowpid=$!
sleep 0.1
out=$(q -t 3000 a.test A)
pending=0
kill -0 $slowpid 2>/dev/null && pending=1
wait $slowpid
like "$out" ' data ' "a query while a slow one is pending"
ok $(( pending ? 0 : 1 )) "... is not held up by it: answered while the slow one (1.5 s) still waits"
like "$(cat "$tmpdir/slow.out")" ' data ' "... and the slow one completes"

# ---- more than one server ----
start_dns "$tmpdir/zones.yml"
dead=$DNS_SERVER
kill "$DNS_PID"
wait "$DNS_PID" 2>/dev/null
out=$("$Q" -t 1000 -s "$dead" -s "$S" a.test A 2>/dev/null)
like "$out" ' data ' "first server dead (port unreachable): the second answers"

"$PYTHON" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(60)
' "$tmpdir/hole.port" &
holepid=$!
at_exit "kill $holepid"
i=0
while [ ! -s "$tmpdir/hole.port" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
hole=127.0.0.1:$(cat "$tmpdir/hole.port")
t0=$(now_ms)
out=$("$Q" -t 300 -s "$hole" -s "$S" a.test A 2>/dev/null)
t1=$(now_ms)
like "$out" ' data ' "first server silent: the second answers"
ok $(( (t1 - t0) >= 280 ? 0 : 1 )) "... after the first one's timeout ($((t1 - t0)) ms)"
out=$("$Q" -t 200 -r 2 -s "$hole" -s "$dead" a.test A 2>/dev/null)
like "$out" ' tempfail ' "no server answers: TEMPFAIL"

# ---- the cache ----
start_dns "$tmpdir/zones.yml" -- --query-log "$tmpdir/qlog2"
out=$("$Q" -c 100 -s "$DNS_SERVER" cached.test TXT nx.test A \
    cached.test TXT nx.test A "+kill $DNS_PID; sleep 0.2" \
    CACHED.test. TXT nx.test A cached.test A 2>/dev/null)
is "$(printf '%s\n' "$out" | grep -c '^cached\.test TXT data ')" 2 \
    "cache: data before and after the server is gone"
like "$(printf '%s\n' "$out" | sed -n '$p')" 'cached\.test A tempfail' \
    "... a key not cached fails then (the server is gone)"
is "$(printf '%s\n' "$out" | grep -c ' nxdomain ttl=300')" 3 \
    "cache: NXDOMAIN cached too"
is "$(sort "$tmpdir/qlog2" | tr '\n' ';')" \
    "cached.test TXT udp;nx.test A udp;" \
    "cache: one query per key reached the server"

: >"$tmpdir/qlog"
out=$(q -c 100 txt12k.test TXT txt12k.test TXT txt20k.test TXT \
    txt20k.test TXT)
is "$(printf '%s\n' "$out" | grep -c ' TXT data ttl=300 count=.. ')" 4 \
    "12 KB and 20 KB TXT answers: data"
is "$(grep -c '^txt12k\.test TXT tcp' "$tmpdir/qlog")" 1 \
    "a 12 KB TXT answer is cached (one query for two lookups)"
is "$(grep -c '^txt20k\.test TXT tcp' "$tmpdir/qlog")" 2 \
    "a 20 KB TXT answer, over DNS_KEEP_TXT_MAX, is not cached"

start_dns "$tmpdir/zones.yml"
out=$("$Q" -c 100 -s "$DNS_SERVER" short.test TXT "+kill $DNS_PID; sleep 2" \
    short.test TXT 2>/dev/null)
like "$out" '^short\.test TXT data ttl=1 ' "TTL 1: data"
like "$(printf '%s\n' "$out" | sed -n '$p')" '^short\.test TXT tempfail' \
    "TTL 1: expired after 2 s, asked again (server gone: TEMPFAIL)"

# ---- failures cached (RFC 9520), identical queries shared ----
: >"$tmpdir/qlog"
out=$(q -c 100 servfail.test A servfail.test A servfail.test A)
is "$(printf '%s\n' "$out" | grep -c ' tempfail ')" 3 "SERVFAIL x3: TEMPFAIL"
is "$(grep -c '^servfail\.test A' "$tmpdir/qlog")" 1 \
    "... one query: the failure is cached"
: >"$tmpdir/qlog"
out=$(q -c 100 -t 200 timeout.test TXT timeout.test TXT timeout.test TXT)
is "$(printf '%s\n' "$out" | grep -c ' tempfail ')" 3 "timeout x3: TEMPFAIL"
is "$(grep -c '^timeout\.test TXT' "$tmpdir/qlog")" 1 \
    "... one query: the timeout is cached"
: >"$tmpdir/qlog"
out=$(q -c 100 -F 1 servfail.test A "+sleep 1.5" servfail.test A)
is "$(grep -c '^servfail\.test A' "$tmpdir/qlog")" 2 \
    "a failure is asked again once its TTL (-F 1) is over"
: >"$tmpdir/qlog"
out=$(q -c 0 servfail.test A servfail.test A)
is "$(grep -c '^servfail\.test A' "$tmpdir/qlog")" 2 \
    "no cache (-c 0): no failure cached either"
: >"$tmpdir/qlog"
out=$(q -c 100 -t 3000 -j 8 slow.test TXT)
is "$(printf '%s\n' "$out" | grep -c '^slow\.test TXT nodata ')" 8 \
    "8 threads ask one slow name at once: all answered"
is "$(grep -c '^slow\.test TXT' "$tmpdir/qlog")" 1 \
    "... with one query (single-flight)"
: >"$tmpdir/qlog"
out=$(q -c 0 -t 3000 -j 8 error.slowfail.test A)
is "$(printf '%s\n' "$out" | grep -c ' tempfail ')" 8 \
    "8 threads, no cache, a name that times out: all TEMPFAIL"
is "$(grep -c '^error\.slowfail\.test A' "$tmpdir/qlog")" 1 \
    "... with one query, even without a cache"

out=$("$Q" -c 0 -s "$S" cached.test TXT "+true" cached.test TXT 2>/dev/null)
is "$(printf '%s\n' "$out" | grep -c ' data ')" 2 "no cache (-c 0) works"

# ---- testdns.py robustness and the RFC 7208 suite's zones ----
"$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for junk in (b"", b"\x01", b"\x12\x34" + b"\xff" * 30, b"\x00" * 12,
             b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c"):
    s.sendto(junk, ("127.0.0.1", int(sys.argv[1])))
' "${S#127.0.0.1:}"
out=$(q a.test A)
like "$out" ' data ' "testdns.py survives malformed queries"

suite=/usr/share/doc/python3-spf/rfc7208-tests.yml.gz
if [ -r "$suite" ]; then
	start_dns "$suite" -- --doc 1
	out=$("$Q" -t 300 -s "$DNS_SERVER" txtonly.example.net TXT \
	    spfonly.example.net TXT spftimeout.example.net TXT \
	    txttimeout.example.net TXT both.example.net SPF 2>/dev/null)
	like "$out" 'txtonly\.example\.net TXT data' "suite zones: TXT"
	like "$out" 'spfonly\.example\.net TXT nodata' "suite zones: TXT NONE"
	like "$out" 'spftimeout\.example\.net TXT data' \
	    "suite zones: TXT before TIMEOUT"
	like "$out" 'txttimeout\.example\.net TXT tempfail' \
	    "suite zones: TIMEOUT"
	like "$out" 'both\.example\.net SPF data' "suite zones: SPF type"
else
	for i in 1 2 3 4 5; do
		ok 0 "# SKIP $suite not installed"
	done
fi

done_testing
