#!/bin/sh
# dkim-postfix.t - DKIM end to end through a real Postfix: a message
# submitted on the ORIGINATING listener comes out signed with an RSA and
# an Ed25519 key (verified by dkimpy against the test DNS); the same
# message received on the inbound listener verifies as pass in our A-R;
# a changed body fails.  Header fields are seen as sent (authmilter takes
# SMFIP_HDR_LEADSPC, which Postfix offers): a c=simple signature over
# "Subject:x" and "To:<TAB>x" passes, one whose spacing changed after
# signing fails, and our own c=simple signature over such fields verifies
# with dkimpy; inserted fields have one space after the colon.  A message
# past DKIM_MAX_HEADERS fields gets dkim=permerror inbound and is not
# signed outbound.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"

plan 23

mkdir -m 700 "$tmpdir/keys"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$tmpdir/keys/rsa.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$tmpdir/keys/ed.pem" 2>/dev/null
chmod 600 "$tmpdir/keys/rsa.pem" "$tmpdir/keys/ed.pem"
{
	zone_txt rsa._domainkey.example.org \
	    "v=DKIM1; k=rsa; p=$(dkim_pubkey "$tmpdir/keys/rsa.pem")"
	zone_txt ed._domainkey.example.org \
	    "v=DKIM1; k=ed25519; p=$(dkim_pubkey "$tmpdir/keys/ed.pem")"
} > "$tmpdir/keys.yml"
start_dns "$SRCDIR/t/data/zones/spf.yml" "$tmpdir/keys.yml" || exit 1

printf 'example.org  sign=rsa:%s,ed:%s\n' "$tmpdir/keys/rsa.pem" \
    "$tmpdir/keys/ed.pem" > "$tmpdir/domains"
write_config "$tmpdir/authmilter.conf" "Domains $tmpdir/domains" \
    "SignDaemons ORIGINATING"
start_authmilter "$tmpdir/authmilter.conf" || exit 1
start_postfix || exit 1

body="Hello,

this message is signed twice.
"
swaks --server "127.0.0.1:$PF_SUBMIT" --xclient "ADDR=198.51.100.7 NAME=[UNAVAILABLE]" \
    --helo laptop.example --from user@example.org --to rcpt@example.net \
    --header "Subject: dual signed" --body "$body" > "$tmpdir/swaks.out" 2>&1
wait_delivered 1 || diag "$(cat "$tmpdir/swaks.out")"
signed=$(delivered_files | tail -1)
is "$(grep -c '^DKIM-Signature:' "$signed")" 2 \
    "a submitted message gets one signature per key"
got=$("$PYTHON" "$SRCDIR/t/lib/dkimpy-verify.py" "$DNS_PORT" "$signed")
like "$got" "^pass d=example.org s=rsa a=rsa-sha256$" "dkimpy verifies the RSA signature"
like "$got" "^pass d=example.org s=ed a=ed25519-sha256$" "dkimpy verifies the Ed25519 signature"
is "$(grep -c '^Authentication-Results:' "$signed")" 0 "outbound mail gets no A-R"
like "$(grep 'signed=' "$AM_LOG")" "direction=outbound\(daemon\).* signed=2\(d=example.org\)" \
    "the log says the message was signed twice"

# the signed message, received from outside
sed -n '/^DKIM-Signature:/,$p' "$signed" > "$tmpdir/resend.eml"
swaks --server "127.0.0.1:$PF_INBOUND" --xclient "ADDR=192.0.2.1 NAME=[UNAVAILABLE]" \
    --helo mail.example.org --from user@example.org --to rcpt@example.net \
    --data "$tmpdir/resend.eml" > "$tmpdir/swaks.out" 2>&1
wait_delivered 2 || diag "$(cat "$tmpdir/swaks.out")"
got=$("$PYTHON" "$SRCDIR/t/lib/authres-dump.py" "$(delivered_files | tail -1)" mx.example.net)
like "$got" "dkim=pass header.d=example.org header.i=@example.org header.s=rsa header.a=rsa-sha256 header.b=" \
    "inbound: the RSA signature verifies as pass"
like "$got" "dkim=pass header.d=example.org header.i=@example.org header.s=ed header.a=ed25519-sha256 header.b=" \
    "inbound: the Ed25519 signature verifies as pass"
like "$got" "spf=pass smtp.mailfrom=user@example.org" "and SPF still runs beside DKIM"

sed 's/signed twice/signed twice, and changed/' "$tmpdir/resend.eml" > "$tmpdir/changed.eml"
swaks --server "127.0.0.1:$PF_INBOUND" --xclient "ADDR=192.0.2.1 NAME=[UNAVAILABLE]" \
    --helo mail.example.org --from user@example.org --to rcpt@example.net \
    --data "$tmpdir/changed.eml" > "$tmpdir/swaks.out" 2>&1
wait_delivered 3 || diag "$(cat "$tmpdir/swaks.out")"
got=$("$PYTHON" "$SRCDIR/t/lib/authres-dump.py" "$(delivered_files | tail -1)" mx.example.net)
like "$got" "dkim=fail header.d=example.org header.i=@example.org header.s=rsa" \
    "a changed body fails the RSA signature"
like "$got" "dkim=fail header.d=example.org header.i=@example.org header.s=ed" \
    "a changed body fails the Ed25519 signature"

# --- header fields as sent (SMFIP_HDR_LEADSPC) ---
is "$(grep -c '^Authentication-Results: mx\.example\.net;' "$(delivered_files | tail -1)")" 1 \
    "our A-R is inserted with one space after the colon"

# sign_simple IN OUT: sign IN with c=simple/simple by dkimpy (rsa key)
sign_simple() {
	"$PYTHON" - "$tmpdir/keys/rsa.pem" "$1" "$2" <<'PY'
import sys
import dkim
key = open(sys.argv[1], 'rb').read()
msg = open(sys.argv[2], 'rb').read().replace(b'\n', b'\r\n')
sig = dkim.sign(msg, b'rsa', b'example.org', key,
                canonicalize=(b'simple', b'simple'),
                include_headers=[b'from', b'subject', b'to'])
open(sys.argv[3], 'wb').write(sig + msg)
PY
}

# inbound NAME FILE: send FILE to the inbound listener; print its A-R
inbound() {
	n=$(($(delivered_files | wc -l) + 1))
	swaks --server "127.0.0.1:$PF_INBOUND" --xclient "ADDR=192.0.2.1 NAME=[UNAVAILABLE]" \
	    --helo mail.example.org --from user@example.org --to rcpt@example.net \
	    --data "$2" > "$tmpdir/swaks.out" 2>&1
	wait_delivered $n || diag "$1: $(cat "$tmpdir/swaks.out")"
	"$PYTHON" "$SRCDIR/t/lib/authres-dump.py" "$(delivered_files | tail -1)" mx.example.net
}

printf 'From: user@example.org\nSubject:x\nTo:\tx <rcpt@example.net>\n\nspacing\n' \
    > "$tmpdir/tight.eml"
sign_simple "$tmpdir/tight.eml" "$tmpdir/tight-signed.eml"
like "$(inbound tight "$tmpdir/tight-signed.eml")" "dkim=pass header.d=example.org" \
    "c=simple over 'Subject:x' and 'To:<TAB>x': pass"

printf 'From: user@example.org\nSubject: x\nTo: x <rcpt@example.net>\n\nspacing\n' \
    > "$tmpdir/spaced.eml"
sign_simple "$tmpdir/spaced.eml" "$tmpdir/spaced-signed.eml"
like "$(inbound spaced "$tmpdir/spaced-signed.eml")" "dkim=pass header.d=example.org" \
    "c=simple over 'Subject: x': pass"
sed 's/^Subject: x/Subject:x/' "$tmpdir/spaced-signed.eml" > "$tmpdir/respaced.eml"
like "$(inbound respaced "$tmpdir/respaced.eml")" "dkim=fail header.d=example.org" \
    "c=simple, 'Subject: x' changed to 'Subject:x' after signing: fail"
sed 's/^To: x/To:\tx/' "$tmpdir/spaced-signed.eml" > "$tmpdir/retabbed.eml"
like "$(inbound retabbed "$tmpdir/retabbed.eml")" "dkim=fail header.d=example.org" \
    "c=simple, the space after 'To:' changed to a TAB after signing: fail"

# our own c=simple signature over such fields (configuration reloaded)
write_config "$tmpdir/authmilter.conf" "Domains $tmpdir/domains" \
    "SignDaemons ORIGINATING" "Canonicalization simple/simple"
kill -HUP "$AM_PID"
i=0
while [ "$(grep -c 'configuration reloaded' "$AM_LOG")" -lt 1 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
n=$(($(delivered_files | wc -l) + 1))
swaks --server "127.0.0.1:$PF_SUBMIT" --xclient "ADDR=198.51.100.7 NAME=[UNAVAILABLE]" \
    --helo laptop.example --from user@example.org --to rcpt@example.net \
    --data "$tmpdir/tight.eml" > "$tmpdir/swaks.out" 2>&1
wait_delivered $n || diag "$(cat "$tmpdir/swaks.out")"
signed=$(delivered_files | tail -1)
is "$(grep -c '^Subject:x' "$signed")" 1 "the submitted 'Subject:x' is delivered as it was"
is "$(grep -c '^DKIM-Signature: v=1; a=' "$signed")" 2 \
    "our DKIM-Signature fields have one space after the colon"
got=$("$PYTHON" "$SRCDIR/t/lib/dkimpy-verify.py" "$DNS_PORT" "$signed")
like "$got" "^pass d=example.org s=rsa a=rsa-sha256$" \
    "dkimpy verifies our c=simple RSA signature over 'Subject:x' and 'To:<TAB>x'"
like "$got" "^pass d=example.org s=ed a=ed25519-sha256$" \
    "dkimpy verifies our c=simple Ed25519 signature too"

# --- header limits (DKIM_MAX_HEADERS) ---
"$PYTHON" - "$tmpdir/spaced-signed.eml" "$tmpdir/many.eml" <<'PY'
import sys
m = open(sys.argv[1], 'rb').read()
head, body = m.split(b'\r\n\r\n', 1)
fill = b''.join(b'X-Filler-%d: x\r\n' % i for i in range(1001))
open(sys.argv[2], 'wb').write(head + b'\r\n' + fill + b'\r\n' + body)
PY
got=$(inbound many "$tmpdir/many.eml")
like "$got" "dkim=permerror" "a signed message with 1,001 more header fields: dkim=permerror"
unlike "$got" "dkim=pass" "... and no pass"
n=$(($(delivered_files | wc -l) + 1))
sed -n '/^From:/,$p' "$tmpdir/many.eml" > "$tmpdir/many-out.eml"
swaks --server "127.0.0.1:$PF_SUBMIT" --xclient "ADDR=198.51.100.7 NAME=[UNAVAILABLE]" \
    --helo laptop.example --from user@example.org --to rcpt@example.net \
    --data "$tmpdir/many-out.eml" > "$tmpdir/swaks.out" 2>&1
wait_delivered $n || diag "$(cat "$tmpdir/swaks.out")"
is "$(grep -c '^DKIM-Signature:' "$(delivered_files | tail -1)")" 0 \
    "a submitted message with 1,001 header fields is not signed"
like "$(grep 'direction=outbound' "$AM_LOG" | tail -1)" "signed=no\(header over the limits\)" \
    "... and the log says why"
