#!/bin/sh
# report-record.t - issue 10, recording: with DMARCReports yes every
# inbound message evaluated for DMARC leaves one history row in the
# store, with the policy as published, the results and the override
# reasons; outbound mail leaves none; rows survive SIGTERM (the queue is
# drained), a store that is down (spooled, then replayed, no message
# delayed) and a SIGHUP that names another store.  The dropped-rows
# counter is zero in every case.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"
. "$SRCDIR/t/lib/pg.sh"

command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 not installed"

start_dns "$SRCDIR/t/data/zones/report-record.yml" || exit 1

# send ID ADDR MAILFROM FROM REPLY: one message, whose end-of-message
# reply must be REPLY (SMFIR_ACCEPT, SMFIR_REPLYCODE); prints "ok" if
# it is
send() {
	cat > "$tmpdir/script.lua" <<LUA
conn = mt.connect("unix:$AM_SOCK", 40, 0.25)
if conn == nil then error("cannot connect") end
mt.conninfo(conn, "client.example", "$2")
mt.helo(conn, "client.example")
mt.mailfrom(conn, "$3")
mt.header(conn, "From", "$4")
mt.header(conn, "Subject", "$1")
mt.eoh(conn)
mt.bodystring(conn, "hello\\r\\n")
if mt.eom(conn) ~= nil then error("eom") end
local r = mt.getreply(conn)
if r ~= $5 then error("reply " .. tostring(r) .. ", not $5") end
mt.disconnect(conn)
LUA
	if miltertest -s "$tmpdir/script.lua" > "$tmpdir/mt.out" 2>&1; then
		echo ok
	else
		sed "s/^/# /" "$tmpdir/mt.out" >&2
		echo failed
	fi
}

# stop_authmilter - SIGTERM, and wait for the daemon to exit
stop_authmilter() {
	kill "$AM_PID"
	i=0
	while kill -0 "$AM_PID" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# q DB SQL - one sqlite3 query
q() {
	sqlite3 -separator '|' "$1" "$2"
}

STRANGER=198.51.100.7
DB="$tmpdir/reports.db"
write_config "$tmpdir/a.conf" "DMARCReports yes" "ReportStore sqlite:$DB" \
    "ReportSpool $tmpdir/spool.jsonl" "TrustedForwarders 203.0.113.9"
start_authmilter "$tmpdir/a.conf" || exit 1

is "$(send pass 192.0.2.5 '<a@rep.example>' 'A <a@rep.example>' SMFIR_ACCEPT)" ok \
    "aligned SPF pass: accepted"
is "$(send spoof $STRANGER '<x@attacker.example>' 'ceo@victim.example' SMFIR_REPLYCODE)" ok \
    "spoof of p=reject: refused"
is "$(send testing $STRANGER '<x@attacker.example>' 'x@test.example' SMFIR_ACCEPT)" ok \
    "spoof of p=reject; t=y: accepted (quarantine)"
is "$(send nopolicy $STRANGER '<x@attacker.example>' 'x@nopolicy.example' SMFIR_ACCEPT)" ok \
    "no DMARC record: accepted"
is "$(send null 192.0.2.5 '<>' 'a@rep.example' SMFIR_ACCEPT)" ok \
    "null sender: accepted"
is "$(send forwarded 203.0.113.9 '<x@attacker.example>' 'ceo@victim.example' SMFIR_ACCEPT)" ok \
    "a trusted forwarder: accepted"
is "$(send outbound 192.0.2.250 '<a@rep.example>' 'a@rep.example' SMFIR_ACCEPT)" ok \
    "outbound: accepted"
stop_authmilter
like "$(grep 'history rows:' "$AM_LOG" | tail -1)" \
    "6 recorded, 6 written, 0 spooled.* 0 dropped" \
    "at SIGTERM the queue is drained: 6 rows written, 0 dropped"

is "$(q "$DB" 'SELECT COUNT(*) FROM dmarc_row')" 6 \
    "six rows: one per inbound message, none for outbound"
is "$(q "$DB" "SELECT source_ip, header_from, envelope_from, policy_domain, p, sp, adkim, testing, rua, dmarc, disposition, spf_eval, dkim_eval, spf_domain, spf_result, reasons FROM dmarc_row WHERE source_ip = '192.0.2.5' AND envelope_from <> ''")" \
    "192.0.2.5|rep.example|rep.example|rep.example|quarantine|none|s|n|mailto:dmarc@rep.example|pass|pass|pass|fail|rep.example|pass|" \
    "the DMARC pass: the record as published and the results"
is "$(q "$DB" "SELECT policy_domain, p, dmarc, disposition, spf_eval, spf_result, reasons, reporter FROM dmarc_row WHERE header_from = 'victim.example' AND source_ip = '$STRANGER'")" \
    "victim.example|reject|fail|reject|fail|none||mx.example.net" \
    "the refused spoof: disposition reject"
is "$(q "$DB" "SELECT testing, dmarc, disposition, reasons FROM dmarc_row WHERE header_from = 'test.example'")" \
    "y|fail|quarantine|policy_test_mode t=y" \
    "t=y: the policy lowered, reason policy_test_mode"
is "$(q "$DB" "SELECT policy_domain, p, dmarc, disposition FROM dmarc_row WHERE header_from = 'nopolicy.example'")" \
    "||none|none" "no record: a row with no policy domain"
is "$(q "$DB" "SELECT envelope_from, spf_domain, spf_result FROM dmarc_row WHERE envelope_from = ''")" \
    "|client.example|pass" "null sender: empty envelope_from, SPF of the HELO"
is "$(q "$DB" "SELECT dmarc, disposition, reasons FROM dmarc_row WHERE source_ip = '203.0.113.9'")" \
    "fail|none|trusted_forwarder TrustedForwarders" \
    "a trusted forwarder: disposition none, reason trusted_forwarder"

# ---- the store is down: no message waits, rows are spooled, replayed ----
DOWN="$tmpdir/later"
write_config "$tmpdir/b.conf" "DMARCReports yes" \
    "ReportStore sqlite:$DOWN/reports.db" "ReportSpool $tmpdir/spool-b.jsonl"
start_authmilter "$tmpdir/b.conf" || exit 1
n=0
for i in 1 2 3 4 5; do
	[ "$(send down$i 192.0.2.5 '<a@rep.example>' 'a@rep.example' \
	    SMFIR_ACCEPT)" = ok ] && n=$((n + 1))
done
is "$n" 5 "store down: all five messages accepted"
stop_authmilter
is "$(wc -l < "$tmpdir/spool-b.jsonl")" 5 "store down: five rows in the spool"
like "$(grep 'history rows:' "$AM_LOG" | tail -1)" \
    "5 recorded, 0 written, 5 spooled.* 0 dropped" "store down: 0 dropped"
mkdir "$DOWN"
start_authmilter "$tmpdir/b.conf" || exit 1
i=0
until grep -q '5 spooled history rows replayed' "$AM_LOG" || [ $i -ge 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
stop_authmilter
is "$(q "$DOWN/reports.db" "SELECT COUNT(*) FROM dmarc_row WHERE header_from = 'rep.example'")" \
    5 "store back: the five spooled rows are replayed into it"

# ---- SIGHUP to another store: the rows that follow go there ----
DB2="$tmpdir/second.db"
start_authmilter "$tmpdir/a.conf" || exit 1
send hup1 192.0.2.5 '<a@rep.example>' 'a@rep.example' SMFIR_ACCEPT >/dev/null
write_config "$tmpdir/a.conf" "DMARCReports yes" "ReportStore sqlite:$DB2" \
    "ReportSpool $tmpdir/spool.jsonl" "TrustedForwarders 203.0.113.9"
kill -HUP "$AM_PID"
i=0
until grep -q 'configuration reloaded' "$AM_LOG" || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
# the writer takes up the new store once the rows before are written
i=0
until grep -q "history rows now go to sqlite:$DB2" "$AM_LOG" || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
send hup2 192.0.2.5 '<a@rep.example>' 'a@rep.example' SMFIR_ACCEPT >/dev/null
stop_authmilter
is "$(( $(q "$DB" 'SELECT COUNT(*) FROM dmarc_row') + $(q "$DB2" 'SELECT COUNT(*) FROM dmarc_row') ))" \
    8 "across a reload: both rows are stored"
is "$(q "$DB2" 'SELECT COUNT(*) FROM dmarc_row')" 1 \
    "after the reload the row goes to the new store"
like "$(grep 'history rows:' "$AM_LOG" | tail -1)" "0 dropped" \
    "across a reload: 0 dropped"

# ---- a real PostgreSQL as the store ----
if pg_missing; then
	ok 0 "PostgreSQL store # SKIP postgresql not installed"
elif pg_start && pg_createdb reports; then
	write_config "$tmpdir/pg.conf" "DMARCReports yes" \
	    "ReportStore $(pg_url reports)" "ReportSpool $tmpdir/spool-pg.jsonl"
	start_authmilter "$tmpdir/pg.conf" || exit 1
	send pgpass 192.0.2.5 '<a@rep.example>' 'a@rep.example' SMFIR_ACCEPT >/dev/null
	send pgspoof $STRANGER '<x@attacker.example>' 'ceo@victim.example' \
	    SMFIR_REPLYCODE >/dev/null
	stop_authmilter
	like "$(grep 'history rows:' "$AM_LOG" | tail -1)" \
	    "2 recorded, 2 written, 0 spooled.* 0 dropped" \
	    "PostgreSQL: both rows written, none spooled"
	is "$(pg_psql reports "SELECT header_from, dmarc, disposition FROM dmarc_row ORDER BY header_from")" \
	    "rep.example|pass|pass
victim.example|fail|reject" "PostgreSQL: the rows as recorded"
	is "$(pg_psql reports "SELECT COUNT(*) FROM dmarc_row WHERE reporter = 'mx.example.net' AND source_ip = '$STRANGER'")" \
	    1 "PostgreSQL: reporter and source address"
else
	ok 1 "PostgreSQL started"
fi

done_testing
