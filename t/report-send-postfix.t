#!/bin/sh
# report-send-postfix.t - issue 10, sending, end to end: the report mail
# that authmilter-report send hands over goes through a real Postfix
# into authmilter's own inbound check, and passes DKIM and DMARC there
# (From's domain example.org publishes p=reject and an SPF record that
# authorizes no one, so only the aligned DKIM signature can pass it); the
# external destination example.net is authorized by its _report._dmarc
# record.  The sendmail given is a script that submits with swaks from
# an outside address, as the report's receiver would get it.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"

command -v swaks >/dev/null 2>&1 || skip_all "swaks not installed"
command -v postfix >/dev/null 2>&1 || skip_all "postfix not installed"
ROWS=$BUILDDIR/t/report-rows
[ -x "$ROWS" ] || skip_all "t/report-rows not built"

plan 8

mkdir -m 700 "$tmpdir/keys"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$tmpdir/keys/rsa.pem" 2>/dev/null
chmod 600 "$tmpdir/keys/rsa.pem"
{
	zone_txt rsa._domainkey.example.org \
	    "v=DKIM1; k=rsa; p=$(dkim_pubkey "$tmpdir/keys/rsa.pem")"
	zone_txt example.org "v=spf1 -all"
	zone_txt _dmarc.example.org "v=DMARC1; p=reject"
	zone_txt _dmarc.rep.example "v=DMARC1; p=none; rua=mailto:dmarc@example.net"
	zone_txt rep.example._report._dmarc.example.net "v=DMARC1"
} > "$tmpdir/zones.yml"
start_dns "$tmpdir/zones.yml" || exit 1
printf 'example.org  sign=rsa:%s\n' "$tmpdir/keys/rsa.pem" > "$tmpdir/domains"

write_config "$tmpdir/authmilter.conf" "Domains $tmpdir/domains" \
    "ReportStore sqlite:$tmpdir/reports.db" \
    "ReportEmail dmarc-reports@example.org" "ReportOrgName Example Org" \
    "ReportSendmail $tmpdir/sendmail"
start_authmilter "$tmpdir/authmilter.conf" || exit 1
start_postfix || exit 1

# sendmail -i -f FROM -- RCPT: the message on stdin, submitted from outside
cat > "$tmpdir/sendmail" <<EOF
#!/bin/sh
cat > "$tmpdir/submitted.eml"
printf '%s\n' "\$@" > "$tmpdir/sendmail.args"
exec swaks --server 127.0.0.1:$PF_INBOUND \\
    --xclient "ADDR=198.51.100.7 NAME=[UNAVAILABLE]" --helo out.example.org \\
    --from "\$3" --to "\$5" --data "$tmpdir/submitted.eml" > "$tmpdir/swaks.out" 2>&1
EOF
chmod 755 "$tmpdir/sendmail"

Y1=$(( $(date -u +%s) / 86400 * 86400 - 86400 ))
printf 't\tpolicy_domain\theader_from\trua\n%s\trep.example\trep.example\tmailto:dmarc@example.net\n' \
    $((Y1 + 100)) | "$ROWS" "sqlite:$tmpdir/reports.db"

"$BUILDDIR/milter/authmilter-report" send -c "$tmpdir/authmilter.conf" \
    > "$tmpdir/send.log" 2>&1
ok $? "send: exit status 0" || diag "$(cat "$tmpdir/send.log" "$tmpdir/swaks.out")"
like "$(cat "$tmpdir/send.log")" "rep\.example: destination dmarc@example\.net: external, authorized by rep\.example\._report\._dmarc\.example\.net" \
    "the external destination is authorized by its record"
is "$(tr '\n' ' ' < "$tmpdir/sendmail.args")" \
    "-i -f dmarc-reports@example.org -- dmarc@example.net " \
    "sendmail -i -f ReportEmail -- the destination"
wait_delivered 1 || diag "$(cat "$tmpdir/swaks.out")"
m=$(delivered_files | tail -1)
like "$(grep '^Subject:' "$m")" "^Subject: Report Domain: rep\.example Submitter: example\.org Report-ID:" \
    "delivered: the report mail (ReportOrgName is no domain: Submitter is ReportEmail's)"
ar=$("$PYTHON" "$SRCDIR/t/lib/authres-dump.py" "$m" mx.example.net)
like "$ar" "dkim=pass header.d=example.org" "authmilter's inbound check: dkim=pass"
like "$ar" "dmarc=pass header.from=example.org" "authmilter's inbound check: dmarc=pass"
like "$ar" "spf=fail" "... though SPF fails: DKIM alone carries DMARC"
is "$("$PYTHON" "$SRCDIR/t/lib/dkimpy-verify.py" --words "$DNS_PORT" "$m")" pass \
    "dkimpy verifies the delivered mail"
