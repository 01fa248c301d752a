#!/bin/sh
# dkim-postfix.t - DKIM end to end through a real Postfix: a message
# submitted on the ORIGINATING listener comes out signed with an RSA and
# an Ed25519 key (verified by dkimpy against the test DNS); the same
# message received on the inbound listener verifies as pass in our A-R;
# a changed body fails.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"

plan 10

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
