#!/bin/sh
# NAME
#	dkim-soak.sh - memory soak of the DKIM signer (not run by make check)
# SYNOPSIS
#	AUTHMILTER_BUILDDIR=/path/to/build t/bench/dkim-soak.sh [COUNT] [VGCOUNT]
# DESCRIPTION
#	Signs COUNT messages (default 10000) in one process with an RSA-2048
#	and an Ed25519 key (two signatures per message, a new signer each
#	time, keys loaded once), through t/dkim-sign -n, and prints VmRSS at
#	the start, the middle and the end: it must stay flat.  Then, when
#	valgrind is installed, signs VGCOUNT messages (default 300) under
#	valgrind --leak-check=full and prints its leak summary.  Between
#	the two it verifies COUNT dual-signed messages in one t/dkim-verify
#	process against the test DNS server and prints VmRSS likewise.
#	Exit status is non-zero when RSS grows by more than 1 MB from the
#	start to the end, or valgrind reports a definite leak or an error.
set -u
COUNT=${1:-10000}
VGCOUNT=${2:-300}
BUILDDIR=${AUTHMILTER_BUILDDIR:-$(pwd)}
SIGN=$BUILDDIR/t/dkim-sign
[ -x "$SIGN" ] || { echo "dkim-soak: $SIGN not built (make check)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dkim-soak.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
(
	umask 077
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$tmp/rsa.pem" 2>/dev/null
	openssl genpkey -algorithm ED25519 -out "$tmp/ed.pem" 2>/dev/null
)
{
	printf 'From: Soak <soak@example.com>\nTo: sink@example.net\n'
	printf 'Subject: soak test\n  folded\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n'
	printf 'Message-ID: <soak@example.com>\n\n'
	i=0
	while [ $i -lt 200 ]; do
		printf 'line %d   with  some	whitespace   \n' $i
		i=$((i + 1))
	done
	printf '\n\n\n'
} > "$tmp/msg"
status=0

out=$("$SIGN" -n "$COUNT" -d example.com -k rsa:"$tmp/rsa.pem" \
    -k ed:"$tmp/ed.pem" < "$tmp/msg" 2>&1 >/dev/null) || status=1
echo "$out"
start=$(echo "$out" | sed -n 's/.*start \([0-9]*\),.*/\1/p')
end=$(echo "$out" | sed -n 's/.*end \([0-9]*\).*/\1/p')
if [ -z "$start" ] || [ -z "$end" ] || [ $((end - start)) -gt 1024 ]; then
	echo "dkim-soak: RSS grew from ${start:-?} kB to ${end:-?} kB" >&2
	status=1
fi

# Verification: the same number of dual-signed messages through one
# verifier process, keys from the test DNS server (cache on, as in the
# daemon).
VERIFY=$BUILDDIR/t/dkim-verify
SRCDIR=${AUTHMILTER_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
"$SIGN" -d example.com -k rsa:"$tmp/rsa.pem" -k ed:"$tmp/ed.pem" \
    < "$tmp/msg" > "$tmp/signed" || status=1
rsapub=$(openssl pkey -in "$tmp/rsa.pem" -pubout -outform DER | base64 -w0)
edpub=$(openssl pkey -in "$tmp/ed.pem" -pubout -outform DER | tail -c 32 |
    base64 -w0)
{
	echo "rsa._domainkey.example.com:"
	printf '  - TXT: ["v=DKIM1; k=rsa; p=%s", "%s"]\n' \
	    "$(echo "$rsapub" | cut -c1-200)" "$(echo "$rsapub" | cut -c201-)"
	echo "ed._domainkey.example.com:"
	printf '  - TXT: "v=DKIM1; k=ed25519; p=%s"\n' "$edpub"
} > "$tmp/keys.yml"
/usr/bin/python3 "$SRCDIR/t/dns/testdns.py" --zones "$tmp/keys.yml" \
    --port 0 --port-file "$tmp/port" > /dev/null 2>&1 &
dns=$!
trap 'kill $dns 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
out=$("$VERIFY" -s "127.0.0.1:$(cat "$tmp/port")" -c 100 -n "$COUNT" \
    < "$tmp/signed" 2>"$tmp/verify.err")
echo "$out" | sed 's/^/verify: /'
cat "$tmp/verify.err"
[ "$(echo "$out" | grep -c '^pass ')" -eq 2 ] || {
	echo "dkim-soak: the two signatures did not verify" >&2
	status=1
}
start=$(sed -n 's/.*start \([0-9]*\),.*/\1/p' "$tmp/verify.err")
end=$(sed -n 's/.*end \([0-9]*\).*/\1/p' "$tmp/verify.err")
if [ -z "$start" ] || [ -z "$end" ] || [ $((end - start)) -gt 1024 ]; then
	echo "dkim-soak: verifier RSS grew from ${start:-?} kB to ${end:-?} kB" >&2
	status=1
fi

if command -v valgrind >/dev/null 2>&1; then
	valgrind --leak-check=full --errors-for-leak-kinds=definite \
	    --error-exitcode=99 --log-file="$tmp/vg" "$SIGN" -n "$VGCOUNT" \
	    -d example.com -k rsa:"$tmp/rsa.pem" -k ed:"$tmp/ed.pem" \
	    < "$tmp/msg" > /dev/null 2>&1
	vg=$?
	echo "valgrind, $VGCOUNT messages:"
	sed -n 's/^==[0-9]*== //p' "$tmp/vg" |
	    grep -E 'in use at exit|definitely|indirectly|possibly|still reachable|ERROR SUMMARY'
	[ $vg -eq 0 ] || status=1
fi
exit $status
