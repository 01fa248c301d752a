#!/bin/sh
# bench.t - the benchmark's tools tell the truth: a corpus from
# t/bench/mkcorpus.py, replayed by t/bench/milterload over the milter
# protocol, gets from authmilter exactly the DMARC outcome the corpus
# declares for each message (MANIFEST), and milterload counts verdicts
# and edits as they happened: with one and with several messages a
# connection, over unix and TCP sockets, through a chain of milters,
# against its own accept-all milter and the libmilter null milter.
# Nothing here measures or asserts a time.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"

ML=$BUILDDIR/t/bench/milterload
NULL=$BUILDDIR/t/bench/nullmilter
[ -x "$ML" ] && [ -x "$NULL" ] || skip_all "t/bench tools not built"
"$PYTHON" -c 'import dkim' 2>/dev/null || skip_all "python3-dkim is not installed"

plan 25

C=$tmpdir/corpus
"$PYTHON" "$SRCDIR/t/bench/mkcorpus.py" "$C" --inbound 60 --outbound 12 \
    > "$tmpdir/mkcorpus.out" 2>&1
ok $? "mkcorpus.py makes a corpus of 60 inbound and 12 outbound messages"
is "$(ls "$C"/inbound/*.eml | wc -l) $(ls "$C"/outbound/*.eml | wc -l)" \
    "60 12" "one file a message"

start_dns "$C/zones.yml" || exit 1

# report FILE KEY - a key of a milterload report
report() {
	sed -n "s/^$2=//p" "$1"
}

# start_bg SOCK CMD... - run CMD in the background until SOCK (a path,
# or tcp:PORT) listens; BG_PID is its process
start_bg() {
	sock=$1
	shift
	"$@" > "$tmpdir/bg.log" 2>&1 &
	BG_PID=$!
	at_exit "kill $BG_PID 2>/dev/null"
	i=0
	while ! { [ -S "$sock" ] || ss -ltn 2>/dev/null | grep -q ":${sock#tcp:} "; }; do
		i=$((i + 1))
		[ $i -lt 100 ] || { diag "$(cat "$tmpdir/bg.log")"; return 1; }
		sleep 0.1
	done
}

# the generator's own milter and the null milter accept everything
start_bg "$tmpdir/ml.sock" "$ML" -S "unix:$tmpdir/ml.sock" || exit 1
"$ML" -q -d "$C/inbound" -c 4 -n 200 -m 3 -s "unix:$tmpdir/ml.sock" \
    > "$tmpdir/r1" 2>&1
is "$(report "$tmpdir/r1" messages)/$(report "$tmpdir/r1" verdict_accept)/$(report "$tmpdir/r1" errors)" \
    "200/200/0" "milterload -S accepts all 200 messages, 3 a connection"
kill "$BG_PID"
port=$("$PYTHON" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_bg "tcp:$port" "$NULL" -p "inet:$port@127.0.0.1" || exit 1
"$ML" -q -d "$C/inbound" -c 4 -n 120 -s "inet:$port@127.0.0.1" -P "$BG_PID" \
    > "$tmpdir/r2" 2>&1
is "$(report "$tmpdir/r2" verdict_accept)/$(report "$tmpdir/r2" edit_insheader)/$(report "$tmpdir/r2" errors)" \
    "120/0/0" "the null milter over TCP: 120 accepted, no edits"
like "$(report "$tmpdir/r2" milter_peak_rss_kb)" "^[1-9][0-9]*$" \
    "-P samples the milter's resident memory"
kill "$BG_PID"

# authmilter on the inbound corpus
SOCK=$tmpdir/am.sock
: > "$tmpdir/domains"
while read -r dom sel alg key; do
	echo "$dom $sel:$key"
done < "$C/outbound-keys.txt" | awk '
	{ if ($1 in k) k[$1] = k[$1] "," $2; else k[$1] = $2 }
	END { for (d in k) print d, "sign=" k[d] }' > "$tmpdir/domains"
cat > "$tmpdir/am.conf" <<EOF
Socket unix:$SOCK
AuthservID bench.test
Domains $tmpdir/domains
Nameservers 127.0.0.1:$DNS_PORT
DNSTimeout 2
InternalHosts 192.0.2.250
Syslog no
LogLevel info
UMask 000
EOF
"$BUILDDIR/milter/authmilter" -f -c "$tmpdir/am.conf" > "$tmpdir/am.log" 2>&1 &
AM_PID=$!
at_exit "kill $AM_PID 2>/dev/null"
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$SOCK" ] || { diag "$(cat "$tmpdir/am.log")"; echo "Bail out! authmilter did not start"; exit 1; }

# outcomes FILE - "NNNNN.eml OUTCOME" per message, from milterload -v:
# reject, or the dmarc= result of our Authentication-Results
outcomes() {
	awk '
	/ edit m1 insheader 0 Authentication-Results: / {
		r = "none"
		if (match($0, /dmarc=[a-z]+/)) r = substr($0, RSTART + 6, RLENGTH - 6)
		ar[$3] = r
	}
	/ verdict / { v[$3] = $5 }
	END { for (f in v) print f, (v[f] == "reject" ? "reject" : (f in ar ? ar[f] : "no-ar")) }
	' "$1" | sort
}
# expected - the same from MANIFEST
expected() {
	awk '{ sub("inbound/", "", $1)
		o = $4
		if (o == "fail-reject") o = "reject"
		else if (o ~ /^fail-/) o = "fail"
		print $1, o }' "$C/MANIFEST" | sort
}
expected > "$tmpdir/want"

"$ML" -v -d "$C/inbound" -c 4 -n 60 -s "unix:$SOCK" -P "$AM_PID" \
    > "$tmpdir/r3" 2> "$tmpdir/v3"
outcomes "$tmpdir/v3" > "$tmpdir/got3"
is "$(report "$tmpdir/r3" messages)/$(report "$tmpdir/r3" errors)" "60/0" \
    "authmilter: 60 messages, no protocol error"
check "every message gets the DMARC outcome MANIFEST declares" \
    cmp -s "$tmpdir/want" "$tmpdir/got3"
[ -s "$tmpdir/got3" ] && ! cmp -s "$tmpdir/want" "$tmpdir/got3" &&
    diag "$(diff "$tmpdir/want" "$tmpdir/got3" | head -20)"
n_reject=$(grep -c ' reject$' "$tmpdir/want")
is "$(report "$tmpdir/r3" verdict_reject)" "$n_reject" \
    "the reject count is the corpus's fail-reject count ($n_reject)"
is "$(report "$tmpdir/r3" verdict_accept)" "$((60 - n_reject))" \
    "the others are accepted"
n_ar=$(grep -c ' edit m1 insheader 0 Authentication-Results: ' "$tmpdir/v3")
is "$n_ar" "$((60 - n_reject))" "one A-R header for each accepted message"
n_tag=$(grep -c ' edit m1 insheader 0 X-Authmilter-Quarantine: ' "$tmpdir/v3")
is "$(report "$tmpdir/r3" edit_insheader)" "$((n_ar + n_tag))" \
    "the report counts every insertion (A-R and quarantine tags)"
check "each class is in the corpus" \
    test "$(cut -d' ' -f3 "$C/MANIFEST" | sort -u | wc -l)" -ge 8
check "the pass, fail and reject outcomes all occur" \
    sh -c "grep -q ' pass\$' '$tmpdir/want' && grep -q ' fail\$' '$tmpdir/want' && grep -q ' reject\$' '$tmpdir/want'"
like "$(report "$tmpdir/r3" milter_cpu_s)" "^[0-9]+\.[0-9]+$" \
    "-P measures the milter's CPU time"

# several messages a connection (they share the first one's client and
# HELO, so SPF, and with it DMARC, may come out otherwise)
"$ML" -v -d "$C/inbound" -c 3 -n 60 -m 7 -s "unix:$SOCK" > "$tmpdir/r4" 2> "$tmpdir/v4"
is "$(report "$tmpdir/r4" messages)/$(report "$tmpdir/r4" errors)" "60/0" \
    "7 messages a connection: 60 verdicts, no error"
is "$(grep -c ' insheader 0 Authentication-Results: ' "$tmpdir/v4")" \
    "$(($(report "$tmpdir/r4" verdict_accept) + $(report "$tmpdir/r4" verdict_continue)))" \
    "7 messages a connection: one A-R for each accepted message"

# a chain: authmilter, then the null milter; then milterload's own after
start_bg "$tmpdir/null.sock" "$NULL" -p "unix:$tmpdir/null.sock" || exit 1
"$ML" -v -d "$C/inbound" -c 2 -n 60 -s "unix:$SOCK" -s "unix:$tmpdir/null.sock" \
    > "$tmpdir/r5" 2> "$tmpdir/v5"
outcomes "$tmpdir/v5" > "$tmpdir/got5"
check "chained before the null milter: the same outcomes" cmp -s "$tmpdir/want" "$tmpdir/got5"
is "$(report "$tmpdir/r5" verdict_reject)" "$n_reject" "a reject by the first milter ends the chain"
"$ML" -v -d "$C/inbound" -c 2 -n 60 -s "unix:$tmpdir/null.sock" -s "unix:$SOCK" \
    > "$tmpdir/r6" 2> "$tmpdir/v6"
awk '{ sub(/ edit m2 /, " edit m1 "); print }' "$tmpdir/v6" > "$tmpdir/v6b"
outcomes "$tmpdir/v6b" > "$tmpdir/got6"
check "chained after the null milter: the same outcomes" cmp -s "$tmpdir/want" "$tmpdir/got6"

# outbound: signed once per key of the From domain
"$ML" -v -d "$C/outbound" -c 2 -n 12 -s "unix:$SOCK" > "$tmpdir/r7" 2> "$tmpdir/v7"
is "$(report "$tmpdir/r7" verdict_accept)/$(report "$tmpdir/r7" errors)" "12/0" \
    "12 outbound messages accepted"
keys_of() {
	grep -c "^$1 " "$C/outbound-keys.txt"
}
want=0
for f in "$C"/outbound/*.eml; do
	d=$(sed -n 's/^From:.*@\([A-Za-z0-9.-]*\).*/\1/p' "$f" | head -1)
	want=$((want + $(keys_of "$d")))
done
is "$(grep -c ' insheader 0 DKIM-Signature: ' "$tmpdir/v7")" "$want" \
    "one DKIM-Signature per key of the From domain ($want)"
is "$(grep -c ' insheader 0 Authentication-Results: ' "$tmpdir/v7")" 0 \
    "outbound mail gets no A-R"
check "milterload -N (TCP_NODELAY) is accepted" \
    sh -c "'$ML' -q -N -d '$C/outbound' -c 1 -n 2 -s 'unix:$SOCK' | grep -q '^errors=0'"

# a milter that goes away: errors are counted, the run ends
kill "$AM_PID"
sleep 0.5
"$ML" -q -d "$C/inbound" -c 2 -n 10 -t 2 -s "unix:$SOCK" > "$tmpdir/r8" 2>&1
st=$?
is "$st/$(report "$tmpdir/r8" errors)" "2/10" \
    "no milter: every message is an error, exit status 2"
is "$(report "$tmpdir/r8" messages)" 0 "and none is counted as done"
