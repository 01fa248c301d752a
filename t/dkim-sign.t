#!/bin/sh
# dkim-sign.t - signatures made by lib/dkim_sign (through t/dkim-sign)
# verify with two independent implementations, dkimpy and Mail::DKIM,
# fetching the keys from the test DNS server: RSA (PKCS#8 and PKCS#1
# keys), Ed25519 (RFC 8463) and dual-signed messages, every header/body
# canonicalization, on messages with folded and repeated headers,
# trailing blank lines, an empty body, no final CRLF, long lines and
# whitespace runs.  Oversigning is shown to stop an added From, and
# -x writes x=.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"

SIGN=$BUILDDIR/t/dkim-sign
[ -x "$SIGN" ] || skip_all "t/dkim-sign not built"
d=$tmpdir

# keys: RSA 2048 PKCS#8, RSA 1024 PKCS#1 ("BEGIN RSA PRIVATE KEY"), Ed25519
umask 077
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$d/rsa.pem" 2>/dev/null
openssl genrsa -traditional -out "$d/rsa1024.pem" 1024 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$d/ed.pem" 2>/dev/null
{
	zone_txt rsa._domainkey.example.com \
	    "v=DKIM1; k=rsa; p=$(dkim_pubkey "$d/rsa.pem")"
	zone_txt old._domainkey.example.com \
	    "v=DKIM1; k=rsa; p=$(dkim_pubkey "$d/rsa1024.pem")"
	zone_txt ed._domainkey.example.com \
	    "v=DKIM1; k=ed25519; p=$(dkim_pubkey "$d/ed.pem")"
} > "$d/keys.yml"
start_dns "$d/keys.yml" || exit 1


py() { "$PYTHON" "$SRCDIR/t/lib/dkimpy-verify.py" --words "$DNS_PORT" - < "$1"; }
pl() { perl "$SRCDIR/t/lib/maildkim-verify.pl" "$DNS_PORT" < "$1"; }

# test messages (LF; m-crlf is CRLF)
cat > "$d/m-folded" <<'EOF2'
From: Alice Example <alice@example.com>
To: bob@example.net,
	carol@example.net,
    dave@example.net
Subject:   Folded   and	 spaced	subject  
  continued   here   
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <folded@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hello   Bob,	tabs	 and   spaces   
  leading and trailing   

line after an empty line


EOF2
cat > "$d/m-repeated" <<'EOF2'
Received: from a by b; Mon, 1 Jan 2024 00:00:02 +0000
Received: from c by d; Mon, 1 Jan 2024 00:00:01 +0000
From: alice@example.com
To: one@example.net
Subject: first subject
To: two@example.net
Cc: three@example.net
Cc: four@example.net
Reply-To: r1@example.com
Reply-To: r2@example.com
Date: Mon, 1 Jan 2024 00:00:00 +0000

body
EOF2
printf 'From: alice@example.com\nTo: bob@example.net\nSubject: empty body\n\n' \
    > "$d/m-empty"
printf 'From: alice@example.com\nTo: bob@example.net\nSubject: no body\n' \
    > "$d/m-nobody"
printf 'From: alice@example.com\nSubject: no final CRLF\n\nlast line  \t' \
    > "$d/m-nofinal"
{
	printf 'From: alice@example.com\nSubject: long lines\n\n'
	i=0
	while [ $i -lt 300 ]; do printf 'word    \t  '; i=$((i + 1)); done
	printf '\n'
	i=0
	while [ $i -lt 5000 ]; do printf 'x'; i=$((i + 1)); done
	printf '\n'
} > "$d/m-long"
{
	printf 'From: alice@example.com\nSubject: trailing blank lines\n\n'
	printf 'text\n\n  \n\t\n\n\n\n'
} > "$d/m-trailing"
printf 'From: alice@example.com\r\nSubject: crlf\r\n  folded\r\n\r\nbody  \r\n\r\n\r\n' \
    > "$d/m-crlf"

msgs="m-folded m-repeated m-empty m-nobody m-nofinal m-long m-trailing m-crlf"
canons="relaxed/relaxed simple/simple relaxed/simple simple/relaxed"

# the first RSA run tells whether Mail::DKIM here knows ed25519
"$SIGN" -d example.com -k ed:"$d/ed.pem" < "$d/m-folded" > "$d/ed-only"
mdkim_ed=$(pl "$d/ed-only")
diag "Mail::DKIM $(perl -MMail::DKIM -e 'print $Mail::DKIM::VERSION') on an ed25519-sha256 signature: $mdkim_ed ($(DETAIL=1 pl "$d/ed-only" 2>&1 >/dev/null))"
case $mdkim_ed in
pass) ed_want=pass ;;
*) ed_want='(invalid|none|neutral)' ;;	# unsupported algorithm, skipped
esac

for m in $msgs; do
	for c in $canons; do
		out=$d/$m.$(echo "$c" | tr / -).signed
		if ! "$SIGN" -d example.com -k rsa:"$d/rsa.pem" \
		    -k ed:"$d/ed.pem" -c "$c" < "$d/$m" > "$out"; then
			ok 1 "$m $c: dkim-sign"
			continue
		fi
		# the MTA ends the last line on the wire (SMTP's CRLF before
		# "."), as the signer assumed (RFC 6376 3.4.3, 3.4.4); the
		# verifiers differ on a file without it (dkimpy adds no CRLF
		# in relaxed, Mail::DKIM none in simple)
		[ "$m" = m-nofinal ] && printf '\r\n' >> "$out"
		is "$(py "$out")" "pass pass" \
		    "$m $c: dkimpy verifies RSA and Ed25519 signatures"
		like "$(pl "$out")" "^pass $ed_want\$" \
		    "$m $c: Mail::DKIM verifies the RSA signature"
	done
done

# the signed message keeps the original after the new headers
out=$d/m-folded.relaxed-relaxed.signed
is "$(sed 1,/^DKIM-Signature/d "$out" | sed '/^[ 	]/d' | tr -d '\r' |
    head -n "$(wc -l < "$d/m-folded")" | wc -l)" \
    "$(grep -cv '^[ 	]' "$d/m-folded")" "original message follows the signatures" ||:

# one RSA PKCS#1 key (1024 bits, the RFC 8301 minimum)
"$SIGN" -d example.com -k old:"$d/rsa1024.pem" < "$d/m-repeated" > "$d/old"
is "$(py "$d/old")" "pass" "PKCS#1 RSA-1024 key: dkimpy verifies"
is "$(pl "$d/old")" "pass" "PKCS#1 RSA-1024 key: Mail::DKIM verifies"

# Ed25519 alone
is "$(py "$d/ed-only")" "pass" "Ed25519 only: dkimpy verifies"
like "$(grep -A1 '^DKIM-Signature' "$d/ed-only" | tr -d '\r\n')" \
    "a=ed25519-sha256;" "Ed25519 only: a=ed25519-sha256"

# a body changed after signing fails (the verifiers are not vacuous)
sed 's/^line after/LINE AFTER/' "$d/m-folded.relaxed-relaxed.signed" \
    > "$d/tampered"
is "$(py "$d/tampered")" "fail fail" "changed body: dkimpy fails both"
like "$(pl "$d/tampered")" "^fail " "changed body: Mail::DKIM fails RSA"

# repeated headers: h= lists each occurrence, From twice (oversigned)
sig=$(sed -n '1,/^[^ 	]/p' "$d/m-repeated.relaxed-relaxed.signed" |
    tr -d '\r\n\t ')
like "$sig" "h=from:from:to:to:subject:cc:cc:reply-to:reply-to:date;" \
    "h=: repeated headers each listed, From oversigned, Received not"

# oversigning: a From added above the signed one breaks the signature;
# without oversigning (-O none) the same forgery still verifies
addfrom() {
	awk 'BEGIN { done = 0 }
	    !done && /^From:/ { print "From: mallory@evil.example\r"; done = 1 }
	    { print }' "$1"
}
"$SIGN" -d example.com -k rsa:"$d/rsa.pem" -k ed:"$d/ed.pem" \
    < "$d/m-repeated" > "$d/over"
addfrom "$d/over" > "$d/over-forged"
is "$(py "$d/over")" "pass pass" "oversigned: verifies before"
is "$(py "$d/over-forged")" "fail fail" \
    "oversigned: an added From breaks both signatures (dkimpy)"
like "$(pl "$d/over-forged")" "^fail " \
    "oversigned: an added From breaks the RSA signature (Mail::DKIM)"
"$SIGN" -d example.com -k rsa:"$d/rsa.pem" -O none < "$d/m-repeated" \
    > "$d/notover"
addfrom "$d/notover" > "$d/notover-forged"
like "$(tr -d '\r\n\t ' < "$d/notover")" "h=from:to:" \
    "-O none: From listed once"
# (dkimpy always adds one "from" to h= when verifying, so Mail::DKIM it is)
is "$(pl "$d/notover-forged")" "pass" \
    "not oversigned: the added From goes unnoticed (why we oversign)"

# x=: t= + ttl, and the signature still verifies
"$SIGN" -d example.com -k rsa:"$d/rsa.pem" -x 3600 < "$d/m-empty" > "$d/ttl"
tags=$(sed -n '1,/^[^ 	]/p' "$d/ttl" | tr -d '\r\n\t ')
t=$(echo "$tags" | sed -n 's/.*;t=\([0-9]*\);.*/\1/p')
x=$(echo "$tags" | sed -n 's/.*;x=\([0-9]*\);.*/\1/p')
is "$x" "$((t + 3600))" "-x 3600: x= is t= + 3600"
is "$(py "$d/ttl")" "pass" "-x 3600: dkimpy verifies"
is "$(pl "$d/ttl")" "pass" "-x 3600: Mail::DKIM verifies"
unlike "$(tr -d '\r\n\t ' < "$d/m-folded.relaxed-relaxed.signed")" \
    ';(x|l|i)=' "without -x: no x=, and never l= or i="

# every header line of the signature is at most 78 columns
long=$(awk '/^DKIM-Signature/ { s = 1 } s && !/^(DKIM-Signature|[ \t])/ { s = 0 }
    s { sub(/\r$/, ""); gsub(/\t/, " "); if (length($0) > 78) print }' \
    "$d/m-folded.relaxed-relaxed.signed")
is "$long" "" "signature lines fit 78 columns"

# body chunking: the same message fed 1 byte and 4096 bytes at a time
"$SIGN" -d example.com -k ed:"$d/ed.pem" -t 1700000000 -s 1 \
    < "$d/m-long" > "$d/c1"
"$SIGN" -d example.com -k ed:"$d/ed.pem" -t 1700000000 -s 4096 \
    < "$d/m-long" > "$d/c4096"
check "chunk size does not change the signature" cmp -s "$d/c1" "$d/c4096"

# keys that are refused
chmod 644 "$d/rsa.pem"
err=$("$SIGN" -d example.com -k rsa:"$d/rsa.pem" < "$d/m-empty" 2>&1 >/dev/null)
like "$err" "$d/rsa.pem: key file is readable by group or others \(mode 0644\)" \
    "RequireSafeKeys: a 0644 key is refused, naming the file"
is "$(cd "$d" && "$SIGN" -u -d example.com -k rsa:rsa.pem < m-empty |
    "$PYTHON" "$SRCDIR/t/lib/dkimpy-verify.py" --words "$DNS_PORT" -)" "pass" "-u: the same key loads without it"
done_testing
