#!/bin/sh
# dkim-dns.t - libopendkim finds DKIM keys through lib/dkim_dns.c and our
# DNS layer, against the test DNS server; "no key" and "DNS timeout" stay
# apart (permanent and temporary).
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$tmpdir/key.pem" 2>/dev/null
pub=$(openssl pkey -in "$tmpdir/key.pem" -pubout -outform DER | base64 -w0)
# a TXT record longer than 255 bytes is published as several strings
{
	echo "sel._domainkey.example.org:"
	printf '  - TXT: ["v=DKIM1; k=rsa; p=%s", "%s"]\n' \
	    "$(echo "$pub" | cut -c1-200)" "$(echo "$pub" | cut -c201-)"
	echo "temp._domainkey.example.org:"
	echo "  - TIMEOUT"
} > "$tmpdir/dkim.yml"
start_dns "$tmpdir/dkim.yml" || exit 1
"$BUILDDIR/t/dkim-dns-check" "127.0.0.1:$DNS_PORT" "$tmpdir/key.pem"
exit $?
