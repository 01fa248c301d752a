#!/bin/sh
# keygen.t - authmilter-keygen writes 0600 keys it never overwrites,
# refuses RSA under 1024 bits and warns at 1024, and prints a record
# that, published in the test DNS, verifies signatures made with the
# key (dkimpy, Mail::DKIM); lib/signkey refuses unsafe, garbage,
# missing, weak, encrypted and EC key files with a message naming them.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"

KEYGEN=$BUILDDIR/milter/authmilter-keygen
SIGN=$BUILDDIR/t/dkim-sign
[ -x "$KEYGEN" ] && [ -x "$SIGN" ] || skip_all "keygen or dkim-sign not built"
d=$tmpdir
mkdir "$d/keys"

# zone_strings OUTPUT - the quoted strings of the zone-file form, as YAML
zone_strings() {
	sed -n '/ IN TXT (/,/)$/p' "$1" | grep -o '"[^"]*"' | paste -sd, -
}
# panel OUTPUT - the one-line record
panel() { grep '^v=DKIM1;' "$1"; }

"$KEYGEN" -d example.com -s rsa1 -D "$d/keys" > "$d/rsa.out" 2> "$d/rsa.err"
ok $? "RSA key made"
key=$d/keys/example.com.rsa1.pem
is "$(stat -c %a "$key" 2>/dev/null)" "600" "RSA key file is DOMAIN.SELECTOR.pem, mode 0600"
is "$(openssl pkey -in "$key" -noout -text 2>/dev/null | head -1)" \
    "Private-Key: (2048 bit, 2 primes)" "RSA default is 2048 bits"
like "$(head -1 "$key")" "^-----BEGIN PRIVATE KEY-----" "PKCS#8 PEM"
is "$(cat "$d/rsa.err")" "" "nothing on stderr"
like "$(panel "$d/rsa.out")" "^v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+=*$" \
    "one-line record for a DNS panel"
is "$(panel "$d/rsa.out" | sed 's/.*p=//')" \
    "$(openssl pkey -in "$key" -pubout -outform DER | base64 -w0)" \
    "p= is the key's SubjectPublicKeyInfo (as openssl derives it)"
like "$(grep ' IN TXT (' "$d/rsa.out")" \
    '^rsa1\._domainkey\.example\.com\. IN TXT \( "v=DKIM1; k=rsa; "$' \
    "zone-file form names SELECTOR._domainkey.DOMAIN."
long=$(sed -n '/ IN TXT (/,/)$/p' "$d/rsa.out" | grep -o '"[^"]*"' |
    awk 'length($0) - 2 > 255')
is "$long" "" "zone-file strings are at most 255 bytes"
is "$(sed -n '/ IN TXT (/,/)$/p' "$d/rsa.out" | grep -o '"[^"]*"' |
    tr -d '"\n')" "$(panel "$d/rsa.out")" "zone strings join to the one-line record"
is "$(grep '^example\.com' "$d/rsa.out")" \
    "$(printf 'example.com\tsign=rsa1:%s' "$key")" \
    "table line with the absolute key path"

sum=$(cksum < "$key")
"$KEYGEN" -d example.com -s rsa1 -D "$d/keys" > /dev/null 2> "$d/again.err"
is "$?" 1 "existing key: exit 1"
like "$(cat "$d/again.err")" "example.com.rsa1.pem already exists; not overwriting" \
    "existing key: says so"
is "$(cksum < "$key")" "$sum" "existing key: left as it was"

"$KEYGEN" -d example.com -s weak -b 512 -D "$d/keys" > /dev/null 2> "$d/weak.err"
is "$?" 64 "-b 512: refused as a usage error (64)"
like "$(cat "$d/weak.err")" "under 1024 bits" "-b 512: says why"
check "-b 512: no file" test ! -e "$d/keys/example.com.weak.pem"
"$KEYGEN" -d example.com -s k1024 -b 1024 -D "$d/keys" > "$d/k1024.out" \
    2> "$d/k1024.err"
is "$?" 0 "-b 1024: made"
like "$(cat "$d/k1024.err")" "warning: 1024-bit RSA" "-b 1024: warns on stderr"

"$KEYGEN" -d example.com -s ed1 -t ed25519 -D "$d/keys" > "$d/ed.out"
ok $? "Ed25519 key made"
edkey=$d/keys/example.com.ed1.pem
is "$(stat -c %a "$edkey" 2>/dev/null)" "600" "Ed25519 key file mode 0600"
like "$(panel "$d/ed.out")" "^v=DKIM1; k=ed25519; p=" "k=ed25519 record"
is "$(panel "$d/ed.out" | sed 's/.*p=//' | base64 -d | wc -c)" 32 \
    "p= is the raw 32-byte public key (RFC 8463)"
is "$(panel "$d/ed.out" | sed 's/.*p=//')" \
    "$(openssl pkey -in "$edkey" -pubout -outform DER | tail -c 32 | base64 -w0)" \
    "p= is the key's public key"

"$KEYGEN" -d example.com > /dev/null 2>&1
is "$?" 64 "no selector: 64"
"$KEYGEN" -d example.com -s x -t dsa > /dev/null 2>&1
is "$?" 64 "-t dsa: 64"
"$KEYGEN" -d example.com -s x -t ed25519 -b 2048 > /dev/null 2>&1
is "$?" 64 "-b with ed25519: 64"
"$KEYGEN" -d 'a/../b' -s x > /dev/null 2>&1
is "$?" 64 "a domain with a slash: 64"
"$KEYGEN" -d example.com -s x -D "$d/nonexistent" > /dev/null 2>&1
is "$?" 1 "missing directory: 1"

# publish what keygen printed; sign with the keys; verify
{
	for k in rsa k1024 ed; do
		sel=$(grep ' IN TXT (' "$d/$k.out" | cut -d. -f1)
		echo "$sel._domainkey.example.com:"
		echo "  - TXT: [$(zone_strings "$d/$k.out")]"
	done
} > "$d/zone.yml"
start_dns "$d/zone.yml" || exit 1
printf 'From: a@example.com\nTo: b@example.net\nSubject: keygen\n\nHello.\n' \
    > "$d/msg"
"$SIGN" -d example.com -k rsa1:"$key" -k k1024:"$d/keys/example.com.k1024.pem" \
    -k ed1:"$edkey" < "$d/msg" > "$d/signed"
ok $? "dkim-sign loads the keygen keys (RequireSafeKeys on)"
is "$("$PYTHON" "$SRCDIR/t/lib/dkimpy-verify.py" --words "$DNS_PORT" - < "$d/signed")" "pass pass pass" \
    "dkimpy verifies RSA-2048, RSA-1024 and Ed25519 with the printed records"
like "$(perl "$SRCDIR/t/lib/maildkim-verify.pl" "$DNS_PORT" < "$d/signed")" "^pass pass " \
    "Mail::DKIM verifies both RSA keys with the printed records"

# signkey refusals, through dkim-sign
refuse() {	# refuse NAME FILE REGEX
	_out=$("$SIGN" -d example.com -k s:"$2" 2>&1 >/dev/null < "$d/msg")
	_st=$?
	is "$_st" 1 "$1: refused"
	like "$_out" "$3" "$1: message names the file and the problem"
}
cp "$key" "$d/k644.pem"
chmod 644 "$d/k644.pem"
refuse "mode 0644" "$d/k644.pem" \
    "^dkim-sign: $d/k644.pem: key file is readable by group or others \(mode 0644\); chmod 600 it or set RequireSafeKeys no$"
cp "$key" "$d/k620.pem"
chmod 620 "$d/k620.pem"
refuse "mode 0620" "$d/k620.pem" "$d/k620.pem: key file is writable by group or others \(mode 0620\)"
if [ "$(id -u)" = 0 ]; then
	cp "$key" "$d/knobody.pem"
	chown 65534 "$d/knobody.pem"
	refuse "owned by another user" "$d/knobody.pem" \
	    "$d/knobody.pem: key file is owned by uid 65534"
fi
printf 'this is not a key\n' > "$d/garbage.pem"
chmod 600 "$d/garbage.pem"
refuse "garbage" "$d/garbage.pem" "$d/garbage.pem: not a PEM private key"
printf -- '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' \
    > "$d/broken.pem"
chmod 600 "$d/broken.pem"
refuse "broken PEM" "$d/broken.pem" "$d/broken.pem: cannot parse the PEM private key"
: > "$d/empty.pem"
chmod 600 "$d/empty.pem"
refuse "empty file" "$d/empty.pem" "$d/empty.pem: key file is empty"
refuse "missing file" "$d/missing.pem" \
    "$d/missing.pem: cannot open key file: No such file or directory"
refuse "a directory" "$d/keys" "$d/keys: key file is not a regular file"
(umask 077; openssl genrsa -out "$d/k512.pem" 512 2>/dev/null)
refuse "RSA-512" "$d/k512.pem" "$d/k512.pem: RSA key of 512 bits is too weak"
(umask 077; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$d/ec.pem" 2>/dev/null)
refuse "EC key" "$d/ec.pem" "$d/ec.pem: unsupported key type"
(umask 077; openssl genpkey -algorithm ED25519 -aes256 -pass pass:secret \
    -out "$d/enc.pem" 2>/dev/null)
refuse "encrypted key (never prompts)" "$d/enc.pem" \
    "$d/enc.pem: key is protected by a passphrase"
done_testing
