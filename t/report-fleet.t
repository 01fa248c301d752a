#!/bin/sh
# report-fleet.t - issue 10, end to end and as a fleet: messages go in
# through a real Postfix to an authmilter daemon (DMARCReports yes) that
# records into a real PostgreSQL; send --dry-run --day today builds the
# report, which xmllint's schema check and dmarc-cat accept and whose
# counts per source address are the messages sent (pass, fail, null
# sender).  A second daemon (its own socket and spool, same store; fed
# with miltertest) records more; after both drain at SIGTERM (0 dropped),
# two real send runs at once, each with its own sendmail, send exactly
# one mail per policy domain counting both daemons' messages, with the
# Subject's Report-ID the XML's report_id; a third run sends nothing.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"
. "$SRCDIR/t/lib/pg.sh"

command -v swaks >/dev/null 2>&1 || skip_all "swaks not installed"
command -v postfix >/dev/null 2>&1 || skip_all "postfix not installed"
command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed"
command -v xmllint >/dev/null 2>&1 || skip_all "xmllint not installed"
command -v dmarc-cat >/dev/null 2>&1 || skip_all "dmarc-cat not installed"
pg_missing && skip_all "postgresql not installed"
REPORT=$BUILDDIR/milter/authmilter-report
XSD=$SRCDIR/t/data/report/dmarc-2.0.xsd

# every message and report is of today (UTC): not within a minute of its end
left=$((86400 - $(date -u +%s) % 86400))
[ "$left" -gt 60 ] || sleep $((left + 1))

# ---- DNS: two policy domains asking for reports; the signing key ----
mkdir -m 700 "$tmpdir/keys"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$tmpdir/keys/rsa.pem" 2>/dev/null
chmod 600 "$tmpdir/keys/rsa.pem"
{
	zone_txt rsa._domainkey.mx.example.net \
	    "v=DKIM1; k=rsa; p=$(dkim_pubkey "$tmpdir/keys/rsa.pem")"
	zone_txt rep.example "v=spf1 ip4:192.0.2.0/24 -all"
	zone_txt _dmarc.rep.example "v=DMARC1; p=none; rua=mailto:dmarc@rep.example"
	zone_txt two.example "v=spf1 ip4:192.0.2.0/24 -all"
	zone_txt _dmarc.two.example "v=DMARC1; p=none; rua=mailto:agg@two.example"
	zone_txt client.example "v=spf1 ip4:192.0.2.0/24 -all"
} > "$tmpdir/zones.yml"
start_dns "$tmpdir/zones.yml" || exit 1
printf 'mx.example.net  sign=rsa:%s\n' "$tmpdir/keys/rsa.pem" > "$tmpdir/domains"

pg_start && pg_createdb reports || exit 1
STORE=$(pg_url reports)

# conf FILE N - daemon N's configuration: its own socket, spool and
# sendmail; everything else the same
conf() {
	AM_SOCK="$tmpdir/am$2.sock"
	write_config "$1" "DMARCReports yes" "ReportStore $STORE" \
	    "ReportSpool $tmpdir/spool$2.jsonl" \
	    "PidFile $tmpdir/am$2.pid" \
	    "ReportEmail reports@mx.example.net" "Domains $tmpdir/domains" \
	    "ReportSendmail $tmpdir/sendmail$2"
}
for n in 1 2; do
	conf "$tmpdir/am$n.conf" $n
	cat > "$tmpdir/sendmail$n" <<EOF
#!/bin/sh
{ printf 'ARGS %s\n' "\$*"; cat; printf '\n.END\n'; } >> "$tmpdir/sent$n"
EOF
	chmod 755 "$tmpdir/sendmail$n"
done

# stop PID - SIGTERM, and wait for the daemon to exit
stop() {
	kill "$1"
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# rows_reach N - wait until the store holds N history rows; print them
rows_reach() {
	i=0
	while [ "$(pg_psql reports 'SELECT COUNT(*) FROM dmarc_row' 2>/dev/null)" != "$1" ] &&
	    [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	pg_psql reports 'SELECT COUNT(*) FROM dmarc_row'
}

# counts XMLGZ DOMAIN - "ip=count" per record of the report, sorted,
# and the envelope_from of each, as the XML says
counts() {
	gzip -dc "$1" | "$PYTHON" -c '
import sys, xml.etree.ElementTree as ET
ns = {"d": "urn:ietf:params:xml:ns:dmarc-2.0"}
r = ET.parse(sys.stdin).getroot()
out = []
for rec in r.findall("d:record", ns):
    ip = rec.findtext("d:row/d:source_ip", "", ns)
    n = rec.findtext("d:row/d:count", "", ns)
    ef = rec.findtext("d:identifiers/d:envelope_from", "-", ns)
    out.append("%s=%s<%s>" % (ip, n, ef))
print(" ".join(sorted(out)))
print("id=%s" % r.findtext("d:report_metadata/d:report_id", "", ns))'
}

# ---- 1. end to end: Postfix -> daemon 1 -> PostgreSQL -> dry run ----
AM_SOCK="$tmpdir/am1.sock"
start_authmilter "$tmpdir/am1.conf" || exit 1
PID1=$AM_PID
LOG1=$AM_LOG
start_postfix || exit 1

# mail ADDR ENVELOPE-FROM HEADER-FROM TAG - one message through Postfix
n_sent=0
mail() {
	if swaks --server "127.0.0.1:$PF_INBOUND" \
	    --xclient "ADDR=$1 NAME=[UNAVAILABLE]" --helo client.example \
	    --from "$2" --to sink@example.net --header "From: $3" \
	    --header "X-Test-Tag: $4" --body hello > "$tmpdir/swaks.out" 2>&1
	then
		n_sent=$((n_sent + 1))
	else
		sed 's/^/# /' "$tmpdir/swaks.out" >&2
	fi
}
mail 192.0.2.5 a@rep.example a@rep.example pass
mail 198.51.100.7 x@attacker.example ceo@rep.example fail
mail 192.0.2.5 "<>" a@rep.example null
mail 192.0.2.6 b@two.example b@two.example two
is "$n_sent" 4 "Postfix took the four messages"
wait_delivered 4
is "$(delivered_files | wc -l)" 4 "all four delivered"
is "$(rows_reach 4)" 4 "daemon 1: four rows in PostgreSQL"

TODAY=$(date -u +%Y-%m-%d)
BEGIN=$(date -u -d "$TODAY" +%s)
mkdir "$tmpdir/dry"
"$REPORT" send -c "$tmpdir/am1.conf" --dry-run "$tmpdir/dry" --day "$TODAY" \
    > "$tmpdir/dry.log" 2>&1
ok $? "send --dry-run --day today: exit 0" || diag "$(cat "$tmpdir/dry.log")"
gz=$(ls "$tmpdir"/dry/*'!rep.example!'"$BEGIN"'!'*.xml.gz 2>/dev/null)
ok "$([ -n "$gz" ] && [ -f "$gz" ]; echo $?)" \
    "dry run: rep.example's report under its RFC 9990 name" ||
    diag "$(ls "$tmpdir/dry") $(cat "$tmpdir/dry.log")"
gzip -dc "$gz" > "$tmpdir/dry.xml"
xmllint --noout --schema "$XSD" "$tmpdir/dry.xml" > "$tmpdir/xmllint.out" 2>&1
ok $? "dry run: xmllint --schema dmarc-2.0.xsd accepts it" ||
    diag "$(cat "$tmpdir/xmllint.out")"
is "$(dmarc-cat -N "$gz" 2>&1 | awk '/^IP / { rows = 1; next }
    rows && NF >= 2 { m += $2 } END { print m + 0 }')" 3 \
    "dry run: dmarc-cat reads three messages"
is "$(counts "$gz" | head -1)" \
    "192.0.2.5=1<> 192.0.2.5=1<rep.example> 198.51.100.7=1<attacker.example>" \
    "dry run: per source address, pass, null sender (empty envelope_from) and fail sum to 3"

# ---- 2. a fleet: daemon 2, same store, fed by miltertest ----
AM_SOCK="$tmpdir/am2.sock"
LOG2="$tmpdir/am2.log"
"$BUILDDIR/milter/authmilter" -f -c "$tmpdir/am2.conf" >> "$LOG2" 2>&1 &
PID2=$!
at_exit "kill $PID2 2>/dev/null"
i=0
while [ ! -S "$AM_SOCK" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done

# mt ADDR MAILFROM FROM - one message to daemon 2, accepted
n_mt=0
mt() {
	cat > "$tmpdir/script.lua" <<LUA
conn = mt.connect("unix:$tmpdir/am2.sock", 40, 0.25)
if conn == nil then error("cannot connect") end
mt.conninfo(conn, "client.example", "$1")
mt.helo(conn, "client.example")
mt.mailfrom(conn, "$2")
mt.header(conn, "From", "$3")
mt.eoh(conn)
mt.bodystring(conn, "hello\\r\\n")
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_ACCEPT then error("not accepted") end
mt.disconnect(conn)
LUA
	if miltertest -s "$tmpdir/script.lua" > "$tmpdir/mt.out" 2>&1; then
		n_mt=$((n_mt + 1))
	else
		sed 's/^/# /' "$tmpdir/mt.out" >&2
	fi
}
mt 192.0.2.7 '<c@rep.example>' c@rep.example
mt 198.51.100.8 '<y@attacker.example>' ceo@rep.example
mt 192.0.2.6 '<b@two.example>' b@two.example
is "$n_mt" 3 "daemon 2 accepted its three messages" ||
    diag "$(cat "$LOG2")"
is "$(rows_reach 7)" 7 "both daemons' rows in PostgreSQL: seven"
stop "$PID1"
stop "$PID2"
like "$(grep 'history rows:' "$LOG1" | tail -1)" "4 recorded, 4 written.* 0 dropped" \
    "daemon 1 at SIGTERM: 4 written, 0 dropped"
like "$(grep 'history rows:' "$LOG2" | tail -1)" "3 recorded, 3 written.* 0 dropped" \
    "daemon 2 at SIGTERM: 3 written, 0 dropped"

"$REPORT" send -c "$tmpdir/am1.conf" --day "$TODAY" > "$tmpdir/send1.log" 2>&1 &
s1=$!
"$REPORT" send -c "$tmpdir/am2.conf" --day "$TODAY" > "$tmpdir/send2.log" 2>&1 &
s2=$!
wait $s1
r1=$?
wait $s2
r2=$?
is "$r1 $r2" "0 0" "two send runs at once: both exit 0" ||
    diag "$(cat "$tmpdir/send1.log" "$tmpdir/send2.log")"
cat "$tmpdir/sent1" "$tmpdir/sent2" 2>/dev/null > "$tmpdir/sent"
is "$(grep -c '^ARGS ' "$tmpdir/sent")" 2 "two mails in all across both runs"
is "$(grep -c '^Subject: Report Domain: rep\.example ' "$tmpdir/sent")" 1 \
    "one mail for rep.example"
is "$(grep -c '^Subject: Report Domain: two\.example ' "$tmpdir/sent")" 1 \
    "one mail for two.example"

# report_of DOMAIN GZ - of the mail sent about DOMAIN: the report
# written to GZ, the Subject's Report-ID printed
report_of() {
	"$PYTHON" - "$tmpdir/sent" "$1" "$2" <<'EOF'
import email, email.policy, sys
for chunk in open(sys.argv[1], 'rb').read().split(b'\n.END\n'):
    if chunk.startswith(b'ARGS '):
        chunk = chunk.split(b'\n', 1)[1]
    m = email.message_from_bytes(chunk, policy=email.policy.default)
    s = str(m['Subject'] or '')
    if 'Report Domain: %s ' % sys.argv[2] not in s:
        continue
    print(s.split('Report-ID: ')[1].strip())
    for part in m.walk():
        if part.get_content_type() == 'application/gzip':
            open(sys.argv[3], 'wb').write(part.get_payload(decode=True))
EOF
}
sid=$(report_of rep.example "$tmpdir/rep.xml.gz")
report_of two.example "$tmpdir/two.xml.gz" >/dev/null
c=$(counts "$tmpdir/rep.xml.gz" 2>/dev/null)
is "$(echo "$c" | head -1)" \
    "192.0.2.5=1<> 192.0.2.5=1<rep.example> 192.0.2.7=1<rep.example> 198.51.100.7=1<attacker.example> 198.51.100.8=1<attacker.example>" \
    "the report counts both daemons' five rep.example messages"
like "$sid" '^[0-9a-f]{32}$' "the Subject carries a report ID"
is "$(echo "$c" | sed -n 's/^id=//p')" "$sid" \
    "the Subject's Report-ID is the XML's report_id"
is "$(counts "$tmpdir/two.xml.gz" 2>/dev/null | head -1)" \
    "192.0.2.6=2<two.example>" \
    "two.example's report: one message of each daemon, one record"

"$REPORT" send -c "$tmpdir/am2.conf" --day "$TODAY" > "$tmpdir/send3.log" 2>&1
ok $? "a third run: exit 0" || diag "$(cat "$tmpdir/send3.log")"
cat "$tmpdir/sent1" "$tmpdir/sent2" 2>/dev/null > "$tmpdir/sent"
is "$(grep -c '^ARGS ' "$tmpdir/sent")" 2 "a third run sends nothing"

done_testing
