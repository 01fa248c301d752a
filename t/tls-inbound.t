#!/bin/sh
# tls-inbound.t - TLS on inbound mail through a real Postfix with STARTTLS
# (a test CA and certificates made by openssl here): authmilter records
# the MTA's TLS macros in the log line and as a comment in its A-R, and
# refuses mail that claims a tls=require (or tls-min=) domain of the table
# when it comes without TLS or below the minimum: the MAIL FROM domain at
# MAIL FROM, the From domain at end of message (its DMARC report row says
# why); other mail passes.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"

plan 25

# a CA, the server's certificate, and a client certificate it signs
tls=$tmpdir/tls
mkdir -p "$tls"
make_cert() {	# NAME CN: NAME.key and NAME.pem, signed by the CA
	openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$2" \
	    -keyout "$tls/$1.key" -out "$tls/$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$tls/$1.csr" -CA "$tls/ca.pem" \
	    -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
	    -out "$tls/$1.pem" 2>/dev/null
}
if ! openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=Test CA" \
    -days 2 -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null ||
    ! make_cert server mx.example.net || ! make_cert client "Client Cert"; then
	echo "Bail out! openssl could not make the test certificates"
	exit 1
fi
chmod 644 "$tls"/*

start_dns "$SRCDIR/t/data/zones/spf.yml" || exit 1
cat > "$tmpdir/domains" <<EOT
partner.example     tls=require
modern.example      tls-min=TLSv1.3
.bank.example       tls=require
EOT
DB=$tmpdir/reports.db
write_config "$tmpdir/authmilter.conf" "Domains $tmpdir/domains" \
    "DMARCReports yes" "ReportStore sqlite:$DB" "ReportSpool $tmpdir/spool.jsonl"
start_authmilter "$tmpdir/authmilter.conf" || exit 1

# STARTTLS on every listener; PF_TLS12 offers at most TLSv1.2
PF_TLS12=$(free_port)
PF_MAIN_EXTRA="smtpd_tls_security_level = may
smtpd_tls_cert_file = $tls/server.pem
smtpd_tls_key_file = $tls/server.key
smtpd_tls_CAfile = $tls/ca.pem
smtpd_tls_ask_ccert = yes
smtpd_tls_loglevel = 1"
PF_MASTER_EXTRA="127.0.0.1:$PF_TLS12 inet n - n - - smtpd -o smtpd_tls_protocols=<=TLSv1.2
tlsmgr    unix  - - n 1000? 1 tlsmgr"
start_postfix || exit 1

count=0
# send PORT FROM HEADER-FROM [swaks args...]: one message from 127.0.0.1,
# tagged with its number in an X-Test-Tag header
send() {
	port=$1 from=$2 hfrom=$3
	shift 3
	count=$((count + 1))
	swaks --server "127.0.0.1:$port" --helo client.example \
	    --from "$from" --to rcpt@example.net --header "From: $hfrom" \
	    --add-header "X-Test-Tag: $count" "$@" > "$tmpdir/swaks.out" 2>&1
}
# reply_to CMD: the server's reply to the last send's SMTP command
reply_to() {
	sed -n "/^ *[-~]> $1/,\$p" "$tmpdir/swaks.out" |
	    grep -E '^ *<[-~*]* *[0-9]{3} ' | head -1 |
	    sed -E 's/^ *<[-~*]* *//'
}
# delivered TAG: the message tagged TAG was delivered
delivered() {
	message_file "$1" > /dev/null
}
# log_of FROM: the log line of the last message with that envelope sender
log_of() {
	grep "from=<$1>" "$AM_LOG" | tail -1
}

# 1. over TLS: accepted, the facts recorded
send $PF_INBOUND user@partner.example boss@partner.example --tls
file=$(message_file $count) || sed 's/^/# /' "$tmpdir/swaks.out"
check "a tls=require domain over STARTTLS is delivered" test -n "$file"
ar=$(grep -A3 '^Authentication-Results: mx.example.net' "$file" | tr -d '\n')
like "$ar" "^Authentication-Results: mx.example.net \(tls=TLSv1\.3 cipher=TLS_AES_256_GCM_SHA384 bits=256\);" \
    "the A-R carries version, cipher and bits as a comment"
like "$("$PYTHON" "$SRCDIR/t/lib/authres-dump.py" "$file" mx.example.net)" \
    "^mx.example.net: spf=[a-z]+ smtp.mailfrom=user@partner.example" \
    "an independent RFC 8601 parser reads the header with the comment"
like "$(log_of user@partner.example)" \
    " helo=client.example tls=TLSv1\.3\(TLS_AES_256_GCM_SHA384,256\) .*action=accept$" \
    "the log line records the TLS version, cipher and bits"

# 2. the same in plaintext: refused at MAIL FROM with our text
send $PF_INBOUND user@partner.example boss@partner.example
like "$(reply_to 'MAIL FROM')" \
    "^550 5\.7\.0 mail with MAIL FROM domain partner\.example must come over TLS \(tls=require in the domain table\); this connection is plaintext" \
    "plaintext from a tls=require domain: 550 5.7.0 at MAIL FROM"
check "... before the body: no DATA was sent" \
    sh -c "! grep -q '^ *-> DATA' '$tmpdir/swaks.out'"
like "$(log_of user@partner.example)" \
    "tls=none tls-required=partner\.example action=reject$" \
    "the refusal is logged with the domain that required TLS"

# 3. From: the partner, MAIL FROM another domain: refused at end of message
send $PF_INBOUND user@elsewhere.example boss@partner.example
like "$(reply_to '\.')" \
    "^550 5\.7\.0 mail with From domain partner\.example must come over TLS" \
    "plaintext with a tls=require From domain: 550 5.7.0 at end of message"
like "$(log_of user@elsewhere.example)" \
    "tls=none tls-required=partner\.example .*action=reject$" \
    "... and logged"

# 4. another domain in plaintext: accepted, plaintext recorded
send $PF_INBOUND user@elsewhere.example someone@elsewhere.example
file=$(message_file $count) || sed 's/^/# /' "$tmpdir/swaks.out"
check "plaintext mail of a domain without tls= is delivered" test -n "$file"
check "... its A-R has no TLS comment" \
    grep -q '^Authentication-Results: mx.example.net;' "$file"
like "$(log_of user@elsewhere.example)" " helo=client.example tls=none .*action=accept$" \
    "... its log line says tls=none"

# 5. tls-min: TLSv1.2 below tls-min=TLSv1.3 refused, TLSv1.3 accepted
send $PF_TLS12 user@modern.example x@modern.example --tls
like "$(reply_to 'MAIL FROM')" \
    "^550 5\.7\.0 mail with MAIL FROM domain modern\.example must come over TLSv1\.3 or later \(tls-min=TLSv1\.3 in the domain table\); this connection uses TLSv1\.2" \
    "TLSv1.2 (the listener's limit) below tls-min=TLSv1.3: refused at MAIL FROM"
like "$(log_of user@modern.example)" \
    "tls=TLSv1\.2\([^,]*,[0-9]+\) tls-required=modern\.example\(TLSv1\.3\) action=reject$" \
    "... logged with the version that came and the one required"
send $PF_TLS12 user@elsewhere.example x@modern.example --tls
like "$(reply_to '\.')" "^550 5\.7\.0 mail with From domain modern\.example must come over TLSv1\.3 or later" \
    "... and as From domain, at end of message"
send $PF_INBOUND user@modern.example x@modern.example --tls
check "TLSv1.3 meets tls-min=TLSv1.3: delivered" delivered $count

# 6. a subdomain pattern follows the table's rules
send $PF_INBOUND user@mx.bank.example x@mx.bank.example
like "$(reply_to 'MAIL FROM')" "^550 5\.7\.0 mail with MAIL FROM domain mx\.bank\.example must come over TLS" \
    ".bank.example tls=require covers mx.bank.example"
send $PF_INBOUND user@bank.example x@bank.example
check "... but not bank.example itself" delivered $count

# 7. a client certificate: its names in the log line, not in the A-R
send $PF_INBOUND user@partner.example boss@partner.example --tls \
    --tls-cert "$tls/client.pem" --tls-key "$tls/client.key"
file=$(message_file $count) || sed 's/^/# /' "$tmpdir/swaks.out"
check "a client with a certificate is delivered" test -n "$file"
like "$(log_of user@partner.example)" \
    "tls=TLSv1\.3\(TLS_AES_256_GCM_SHA384,256\) tls-subject=\[Client Cert\] tls-issuer=\[Test CA\]" \
    "the log line names the client certificate's subject and issuer"
unlike "$(grep -A3 '^Authentication-Results:' "$file")" "Client Cert|Test CA" \
    "the A-R does not carry the certificate's names"

# 8. STARTTLS, then MAIL FROM without a new EHLO: still seen as TLS
"$PYTHON" - "$PF_INBOUND" > "$tmpdir/noehlo.out" 2>&1 <<'EOT'
import smtplib, ssl, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))
s.ehlo('client.example')
s.starttls(context=ssl._create_unverified_context())
print(s.mail('noehlo@partner.example'))
print(s.rcpt('rcpt@example.net'))
print(s.data(b'From: boss@partner.example\r\nX-Test-Tag: noehlo\r\n\r\nhi\r\n'))
s.quit()
EOT
check "MAIL FROM right after STARTTLS (no new EHLO) is delivered" \
    delivered noehlo
like "$(log_of noehlo@partner.example)" "tls=TLSv1\.3\(.*action=accept$" \
    "... and recorded as TLS: the macros are read at MAIL FROM too"

check "every message got one log line" \
    test "$(grep -c 'action=' "$AM_LOG")" -eq $((count + 1))

# the DMARC history row of the message refused for its From domain
kill "$AM_PID"
i=0
while kill -0 "$AM_PID" 2>/dev/null && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
is "$(sqlite3 -separator '|' "$DB" "SELECT disposition, reasons FROM dmarc_row WHERE header_from = 'partner.example' AND envelope_from = 'elsewhere.example'")" \
    "reject|local_policy TLS required by the domain table" \
    "the report row of the From-refused message: reject, local_policy reason"
