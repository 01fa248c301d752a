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
    "$tmpdir/keys.yml" || exit 1
write_config "$tmpdir/authmilter.conf" "Domains $tmpdir/domains" \
    "SignDaemons ORIGINATING"
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
echo

echo "== authmilter's log, one line per message:"
grep 'action=' "$AM_LOG" | sed 's/^/   /'
echo
echo "== cleaning up (Postfix, authmilter and the DNS server are stopped)"
