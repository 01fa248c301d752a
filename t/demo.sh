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

echo "== starting the demo DNS server, authmilter and Postfix"
start_dns "$top/t/data/zones/spf.yml" || exit 1
write_config "$tmpdir/authmilter.conf"
start_authmilter "$tmpdir/authmilter.conf" || exit 1
start_postfix || exit 1
cat <<EOT
   DNS:        127.0.0.1:$DNS_PORT serving t/data/zones/spf.yml
               (example.org: "v=spf1 ip4:192.0.2.0/24 -all",
                soft.example.org: "... ~all")
   authmilter: $AM_SOCK, config $tmpdir/authmilter.conf
   Postfix:    127.0.0.1:$PF_INBOUND, smtpd_milters = unix:$AM_SOCK

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

echo "== authmilter's log, one line per message:"
grep 'action=' "$AM_LOG" | sed 's/^/   /'
echo
echo "== cleaning up (Postfix, authmilter and the DNS server are stopped)"
