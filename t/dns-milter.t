#!/bin/sh
# dns-milter.t - the DNS layer as the daemon uses it, over the milter
# protocol (miltertest): the DNS cache survives a SIGHUP reload when the
# DNS settings are unchanged, and is rebuilt when they change; a message
# whose lookups would wait longer than DNSMessageTimeout gets its verdict
# with temperror for what was not answered in time.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"

command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed"

# msg_script: one message from example.org's server; accepted
cat > "$tmpdir/msg.lua" <<'LUA'
conn = mt.connect(sock, 40, 0.25)
if conn == nil then error("cannot connect") end
mt.conninfo(conn, "mail.example.org", "192.0.2.1")
mt.helo(conn, "mail.example.org")
if mt.mailfrom(conn, "<user@example.org>") ~= nil then error("mailfrom") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("MAIL FROM not continued") end
mt.header(conn, "From", "user@example.org")
mt.eoh(conn)
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_ACCEPT then error("not accepted") end
mt.disconnect(conn)
LUA

# send NAME: run the message, ok if accepted
send() {
	if miltertest -D sock="unix:$AM_SOCK" -s "$tmpdir/msg.lua" \
	    > "$tmpdir/mt.out" 2>&1; then
		ok 0 "$1"
	else
		ok 1 "$1"
		sed 's/^/# /' "$tmpdir/mt.out"
	fi
}

# asked: how often the server was asked example.org's TXT (its SPF)
asked() {
	grep -c '^example\.org TXT ' "$tmpdir/qlog"
}

# reloaded N: wait until the log says "configuration reloaded" N times
reloaded() {
	i=0
	while [ "$(grep -c 'configuration reloaded' "$AM_LOG")" -lt "$1" ] &&
	    [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(grep -c 'configuration reloaded' "$AM_LOG")" -ge "$1" ]
}

start_dns "$SRCDIR/t/data/zones/spf.yml" \
    "$SRCDIR/t/data/zones/dmarc-postfix.yml" -- \
    --query-log "$tmpdir/qlog" || exit 1
write_config "$tmpdir/authmilter.conf"
start_authmilter "$tmpdir/authmilter.conf" || exit 1

send "a message from example.org is accepted"
is "$(asked)" 1 "... its SPF record was asked once"
send "the same message again"
is "$(asked)" 1 "... answered from the cache"

kill -HUP "$AM_PID"
check "a reload with the same settings" reloaded 1
like "$(cat "$AM_LOG")" "DNS cache is kept" "... logs that the cache is kept"
send "the message after the reload"
is "$(asked)" 1 "... still answered from the cache: no new query"

write_config "$tmpdir/authmilter.conf" "DNSCacheBytes 32M"
kill -HUP "$AM_PID"
check "a reload with another DNSCacheBytes" reloaded 2
send "the message after that reload"
is "$(asked)" 2 "... asked again: a new cache"

sed 's/^DNSTimeout .*/DNSTimeout 2/' "$tmpdir/authmilter.conf" \
    > "$tmpdir/new.conf"
mv "$tmpdir/new.conf" "$tmpdir/authmilter.conf"
kill -HUP "$AM_PID"
check "a reload with another DNSTimeout only" reloaded 3
send "the message after it"
is "$(asked)" 2 "... the cache is kept: DNSTimeout does not change answers"

# ---- DNSMessageTimeout: the DNS time of one message ----
cat > "$tmpdir/slow.yml" <<'YML'
late.example:
  - TXT: "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc.late.example:
  - DELAY: 3000
  - TXT: "v=DMARC1; p=reject"
slow.example:
  - DELAY: 1200
  - TXT: "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc.slow.example:
  - DELAY: 1200
  - TXT: "v=DMARC1; p=reject"
spender.example:
  - DELAY: 2500
  - TXT: "v=spf1 ip4:192.0.2.0/24 -all"
victim.example:
  - TXT: "v=spf1 -all"
_dmarc.victim.example:
  - DELAY: 100
  - TXT: "v=DMARC1; p=reject"
fast.example:
  - TXT: "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc.fast.example:
  - TXT: "v=DMARC1; p=reject"
YML
kill "$AM_PID"
wait "$AM_PID" 2>/dev/null
start_dns "$tmpdir/slow.yml" || exit 1
write_config "$tmpdir/budget.conf" "DNSMessageTimeout 2"
sed 's/^DNSTimeout .*/DNSTimeout 5/' "$tmpdir/budget.conf" > "$tmpdir/b.conf"
start_authmilter "$tmpdir/b.conf" || exit 1

# from DOMAIN [MAILDOMAIN] [REPLY]: one message from DOMAIN's server (MAIL
# FROM in MAILDOMAIN, default DOMAIN) with From DOMAIN, answered with
# REPLY (default SMFIR_ACCEPT); prints authmilter's log line for it
from() {
	cat > "$tmpdir/from.lua" <<LUA
conn = mt.connect(sock, 40, 0.25)
if conn == nil then error("cannot connect") end
mt.conninfo(conn, "mail.$1", "192.0.2.1")
mt.helo(conn, "mail.$1")
mt.mailfrom(conn, "<user@${2:-$1}>")
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("MAIL FROM not continued") end
mt.header(conn, "From", "user@$1")
mt.eoh(conn)
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= ${3:-SMFIR_ACCEPT} then error("not ${3:-SMFIR_ACCEPT}") end
mt.disconnect(conn)
LUA
	if ! miltertest -D sock="unix:$AM_SOCK" -s "$tmpdir/from.lua" \
	    > "$tmpdir/mt.out" 2>&1; then
		sed 's/^/# /' "$tmpdir/mt.out" >&2
		echo "miltertest failed"
	fi
	grep "from=<user@${2:-$1}>" "$AM_LOG" | tail -1
}

out=$(from late.example late.example SMFIR_REPLYCODE)
like "$out" "spf=pass" "a DMARC record later than DNSMessageTimeout: SPF passes"
like "$out" "dmarc=temperror" "... DMARC is temperror (the record is not waited for)"
like "$out" "action=tempfail" "... and the message tempfailed although TemporaryFailures is no: the DNS time ran out"
unlike "$out" "miltertest failed" "... with a 451 reply"
out=$(from slow.example slow.example SMFIR_REPLYCODE)
like "$out" "spf=pass" "SPF and DMARC each within DNSTimeout, not together: SPF passes"
like "$out" "dmarc=temperror" "... DMARC is temperror: the message's DNS time is spent"
like "$out" "action=tempfail" "... and the message tempfailed"
out=$(from victim.example spender.example SMFIR_REPLYCODE)
like "$out" "dmarc=temperror" "a sender spending the DNS time on its own slow SPF zone: DMARC of the From domain is temperror"
like "$out" "action=tempfail" "... and the spoof is tempfailed, not delivered"
unlike "$out" "miltertest failed" "... with a 451 reply"
out=$(from fast.example)
like "$out" "dmarc=pass" "the next message has its own DNS time: DMARC passes"

done_testing
