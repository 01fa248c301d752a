#!/bin/sh
# demo.sh - build authmilter and show it at work: a throwaway Postfix on
# loopback hands mail to authmilter, which checks SPF against its own DNS
# server serving a demo zone; the delivered headers and the log lines are
# printed, and everything is cleaned up at the end.
# Usage (as root, on Debian 12): sh t/demo.sh
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/t/install-deps.sh"
build=${BUILD_DIR:-$top/build}
cd "$top"
[ -x configure ] || autoreconf -fi >/dev/null 2>&1
mkdir -p "$build"
(cd "$build" && "$top/configure" -q && make -j"$(nproc)" >/dev/null)
set +e

AUTHMILTER_SRCDIR=$top AUTHMILTER_BUILDDIR=$build
export AUTHMILTER_SRCDIR AUTHMILTER_BUILDDIR
. "$top/t/lib/testenv.sh"
. "$top/t/lib/milter.sh"

echo "== making DKIM keys for example.org with authmilter-keygen"
mkdir -m 700 "$tmpdir/keys"
for t in rsa ed25519; do
	"$build/milter/authmilter-keygen" -d example.org -s "demo-$t" -t $t \
	    -D "$tmpdir/keys" > "$tmpdir/keygen.out" || exit 1
	sed -n 's/^\(v=DKIM1.*\)$/\1/p' "$tmpdir/keygen.out" > "$tmpdir/record"
	echo "   demo-$t._domainkey.example.org TXT \"$(cut -c1-60 "$tmpdir/record")...\""
	zone_txt "demo-$t._domainkey.example.org" "$(cat "$tmpdir/record")" \
	    >> "$tmpdir/keys.yml"
	grep "^example.org" "$tmpdir/keygen.out" |
	    sed 's/^example.org[[:space:]]*sign=//' >> "$tmpdir/signs"
done
printf 'example.org  sign=%s\n' "$(paste -sd, "$tmpdir/signs")" > "$tmpdir/domains"
echo

echo "== starting the demo DNS server, authmilter and Postfix"
start_dns "$top/t/data/zones/spf.yml" "$top/t/data/zones/dmarc-postfix.yml" \
    "$top/t/data/zones/demo.yml" "$tmpdir/keys.yml" || exit 1
write_config "$tmpdir/authmilter.conf" "Domains $tmpdir/domains" \
    "SignDaemons ORIGINATING" "DMARCReports yes" \
    "ReportStore sqlite:$tmpdir/reports.db" \
    "ReportSpool $tmpdir/report-spool.jsonl" \
    "ReportOrgName mx.example.net" "ReportEmail dmarc-reports@example.org"
start_authmilter "$tmpdir/authmilter.conf" || exit 1
start_postfix || exit 1
cat <<EOT
   DNS:        127.0.0.1:$DNS_PORT serving t/data/zones/spf.yml
               (example.org: "v=spf1 ip4:192.0.2.0/24 -all",
                soft.example.org: "... ~all")
   authmilter: $AM_SOCK, config $tmpdir/authmilter.conf
   Postfix:    127.0.0.1:$PF_INBOUND inbound, 127.0.0.1:$PF_SUBMIT submission
               (milter_macro_daemon_name=ORIGINATING: outbound, signed)
   table:      $(cat "$tmpdir/domains")

EOT

n=0
# demo CLIENT-ADDR HELO FROM TITLE: send one message, print what arrived
demo() {
	n=$((n + 1))
	echo "== $n. $4"
	echo "   client $1 says HELO $2, MAIL FROM:<$3>"
	swaks --server "127.0.0.1:$PF_INBOUND" --xclient "ADDR=$1 NAME=[UNAVAILABLE]" \
	    --helo "$2" --from "$3" --to rcpt@example.net \
	    --header "Subject: demo $n" > "$tmpdir/swaks.out" 2>&1
	if wait_delivered $n; then
		echo "   delivered with:"
		sed -n '/^Authentication-Results:/,/^[^ \t]/p' "$(delivered_files | tail -1)" |
		    sed '$d' | sed 's/^/     /'
	else
		echo "   not delivered:"
		sed 's/^/     /' "$tmpdir/swaks.out"
	fi
	echo
}

demo 192.0.2.1 mail.example.org user@example.org \
    "SPF pass: example.org's own server"
demo 198.51.100.7 stranger.example user@example.org \
    "SPF fail: a stranger using example.org"
demo 198.51.100.7 stranger.example user@soft.example.org \
    "SPF softfail: soft.example.org ends in ~all"

n=$((n + 1))
echo "== $n. DKIM signing: a user submits mail for example.org"
swaks --server "127.0.0.1:$PF_SUBMIT" --xclient "ADDR=198.51.100.7 NAME=[UNAVAILABLE]" \
    --helo laptop.example --from user@example.org --to rcpt@example.net \
    --header "Subject: demo $n" > "$tmpdir/swaks.out" 2>&1
if wait_delivered $n; then
	echo "   delivered with (signature values cut):"
	grep '^DKIM-Signature:' "$(delivered_files | tail -1)" | cut -c1-72 |
	    sed 's/^/     /; s/$/.../'
	sed -n '/^DKIM-Signature:/,$p' "$(delivered_files | tail -1)" > "$tmpdir/signed.eml"
fi
echo

n=$((n + 1))
echo "== $n. DKIM verification: the signed message arrives from example.org's server"
swaks --server "127.0.0.1:$PF_INBOUND" --xclient "ADDR=192.0.2.1 NAME=[UNAVAILABLE]" \
    --helo mail.example.org --from user@example.org --to rcpt@example.net \
    --data "$tmpdir/signed.eml" > "$tmpdir/swaks.out" 2>&1
if wait_delivered $n; then
	echo "   delivered with:"
	sed -n '/^Authentication-Results:/,/^[^ \t]/p' "$(delivered_files | tail -1)" |
	    sed '$d' | sed 's/^/     /'
fi
echo

n=$((n + 1))
echo "== $n. DMARC: a stranger spoofs dmarc-reject.example (\"v=DMARC1; p=reject\")"
echo "   client 198.51.100.7 sends MAIL FROM:<user@example.org>, From: ceo@dmarc-reject.example"
swaks --server "127.0.0.1:$PF_INBOUND" --xclient "ADDR=198.51.100.7 NAME=[UNAVAILABLE]" \
    --helo stranger.example --from user@example.org --to rcpt@example.net \
    --header "From: The CEO <ceo@dmarc-reject.example>" \
    --header "Subject: demo $n" > "$tmpdir/swaks.out" 2>&1
echo "   Postfix answers:"
grep '^<\*\* ' "$tmpdir/swaks.out" | sed 's/^<\*\* */     /'
# "why was this rejected?": the same message and envelope, offline
printf 'From: The CEO <ceo@dmarc-reject.example>\nTo: rcpt@example.net\nSubject: demo %s\n\nwhy was this rejected?\n' \
    "$n" > "$tmpdir/rejected.eml"
rc=0
"$build/milter/authmilter-check" --message "$tmpdir/rejected.eml" \
    -c "$tmpdir/authmilter.conf" --ip 198.51.100.7 --helo stranger.example \
    --mail-from user@example.org > "$tmpdir/check.out" || rc=$?
echo "   authmilter-check --message on it, same envelope (exit $rc):"
sed 's/^/     /' "$tmpdir/check.out"
echo

echo "== authmilter's log, one line per message:"
grep 'action=' "$AM_LOG" | sed 's/^/   /'
echo

# the writer thread commits rows in batches: wait until the inbound
# messages' rows are in the store before reporting on them
for i in $(seq 50); do
	[ "$(sqlite3 "$tmpdir/reports.db" 'SELECT COUNT(*) FROM dmarc_row' 2>/dev/null)" \
	    -ge 5 ] 2>/dev/null && break
	sleep 0.2
done
n=$((n + 1))
echo "== $n. DMARC reports: what authmilter would send for today's traffic"
echo "   (DMARCReports yes: each verdict above was recorded in $tmpdir/reports.db;"
echo "    example.org publishes \"v=DMARC1; p=none; rua=mailto:dmarc@example.org\")"
mkdir "$tmpdir/outbox"
"$build/milter/authmilter-report" send -c "$tmpdir/authmilter.conf" \
    --day "$(date -u +%F)" --dry-run "$tmpdir/outbox" 2>&1 | sed 's/^/   /'
for f in "$tmpdir"/outbox/*.eml; do
	[ -f "$f" ] || continue
	echo "   the mail ($(basename "$f")), its headers:"
	sed -n '/^Subject:\|^From:\|^To:\|^DKIM-Signature:/p' "$f" | cut -c1-76 |
	    sed 's/^/     /'
done
for f in "$tmpdir"/outbox/*.xml.gz; do
	[ -f "$f" ] || continue
	echo "   the report ($(basename "$f")):"
	gzip -dc "$f" | xmllint --format - | sed 's/^/     /'
done
echo

n=$((n + 1))
echo "== $n. DMARC reports: reading what a big receiver says about example.org"
begin=$(( $(date -u +%s) / 86400 * 86400 - 86400 ))
cat > "$tmpdir/sample-report.xml" <<EOX
<?xml version="1.0" encoding="UTF-8"?>
<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">
 <report_metadata><org_name>big-receiver.example</org_name>
  <email>noreply-dmarc@big-receiver.example</email>
  <report_id>demo$begin</report_id>
  <date_range><begin>$begin</begin><end>$((begin + 86399))</end></date_range>
 </report_metadata>
 <policy_published><domain>example.org</domain><p>none</p><adkim>r</adkim>
  <aspf>r</aspf><testing>n</testing><discovery_method>treewalk</discovery_method>
 </policy_published>
 <record><row><source_ip>192.0.2.1</source_ip><count>1200</count>
  <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
  <identifiers><envelope_from>example.org</envelope_from><header_from>example.org</header_from></identifiers>
  <auth_results><dkim><domain>example.org</domain><selector>demo-rsa</selector><result>pass</result></dkim>
  <spf><domain>example.org</domain><scope>mfrom</scope><result>pass</result></spf></auth_results></record>
 <record><row><source_ip>203.0.113.5</source_ip><count>340</count>
  <policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
  <identifiers><envelope_from>bounces.newsletter.example</envelope_from><header_from>example.org</header_from></identifiers>
  <auth_results><dkim><domain>newsletter.example</domain><selector>nl1</selector><result>pass</result></dkim>
  <spf><domain>bounces.newsletter.example</domain><scope>mfrom</scope><result>pass</result></spf></auth_results></record>
 <record><row><source_ip>198.51.100.7</source_ip><count>25</count>
  <policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
  <identifiers><envelope_from>example.org</envelope_from><header_from>example.org</header_from></identifiers>
  <auth_results><spf><domain>example.org</domain><scope>mfrom</scope><result>fail</result></spf></auth_results></record>
</feedback>
EOX
gzip "$tmpdir/sample-report.xml"
echo "   authmilter-report import sample-report.xml.gz"
"$build/milter/authmilter-report" import -c "$tmpdir/authmilter.conf" \
    "$tmpdir/sample-report.xml.gz" 2>&1 | sed 's/^/     /'
echo "   authmilter-report summary example.org"
"$build/milter/authmilter-report" summary -c "$tmpdir/authmilter.conf" \
    example.org 2>&1 | sed 's/^/     /'
echo

n=$((n + 1))
echo "== $n. authmilter-check example.org: is the domain ready for p=reject?"
echo "   (DNS checks only: --skip-tls, the demo has no MX host to connect to)"
rc=0
"$build/milter/authmilter-check" -c "$tmpdir/authmilter.conf" --skip-tls \
    example.org > "$tmpdir/check-domain.out" 2>&1 || rc=$?
sed 's/^/   /' "$tmpdir/check-domain.out"
echo "   (exit $rc: 0 OK, 1 WARNING, 2 CRITICAL, 3 could not check)"
echo
echo "== cleaning up (Postfix, authmilter and the DNS server are stopped)"
