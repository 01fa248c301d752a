#!/bin/sh
# NAME
#	postfix.sh - what the milters cost a real Postfix: its intake with
#	no milter, with authmilter, and with OpenDKIM + OpenDMARC
# SYNOPSIS
#	sh t/bench/postfix.sh [-n COUNT] [-s SESSIONS] [-o OUTDIR]
# DESCRIPTION
#	Starts a throwaway Postfix on 127.0.0.1 that relays everything to
#	smtp-sink(1), and feeds it with smtp-source(1): SESSIONS (default
#	4) concurrent SMTP sessions, COUNT (default 3000) messages of about
#	6 KB, each signed by dkimpy with RSA-2048 for bench-relay.com, whose
#	SPF record passes 127.0.0.1 and whose DMARC policy is p=reject: the
#	whole inbound check runs and passes.  Measured three times in one
#	run, each after a warm-up: smtpd_milters empty, authmilter, and
#	OpenDKIM then OpenDMARC (the way admins chain them).  Prints the
#	messages/s smtp-source saw and the share of the no-milter figure
#	each keeps, and the milters' CPU per message; writes
#	OUTDIR/postfix.md (default build-bench/results).
#
#	The DNS, the milters and their configurations are those of
#	t/bench/run.sh (t/bench/common.sh).  Nothing here runs in the test
#	suite.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
COUNT=3000
SESSIONS=4
OUT=
while getopts n:s:o: opt; do
	case $opt in
	n) COUNT=$OPTARG ;;
	s) SESSIONS=$OPTARG ;;
	o) OUT=$OPTARG ;;
	*) echo "usage: sh t/bench/postfix.sh [-n COUNT] [-s SESSIONS] [-o OUTDIR]" >&2
	   exit 64 ;;
	esac
done
CORPUS=/nonexistent
. "$top/t/bench/common.sh"
. "$top/t/lib/postfix.sh"
bench_setup

# ---- the message and its domain ----
(umask 077; openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$tmp/relay.pem" 2>/dev/null)
pub=$(openssl pkey -in "$tmp/relay.pem" -pubout -outform DER | base64 -w0)
{
	echo "bench-relay.com:"
	echo "  - TXT: \"v=spf1 ip4:127.0.0.0/8 -all\""
	echo "  - A: 192.0.2.1"
	echo "_dmarc.bench-relay.com:"
	echo "  - TXT: \"v=DMARC1; p=reject\""
	printf 's1._domainkey.bench-relay.com:\n  - TXT: [%s]\n' \
	    "$(printf 'v=DKIM1; k=rsa; p=%s' "$pub" | fold -w 250 |
	    sed 's/.*/"&"/' | paste -sd, -)"
} > "$tmp/relay.yml"
/usr/bin/python3 - "$tmp/relay.pem" "$tmp/msg.eml" <<'EOF'
import sys, dkim
key = open(sys.argv[1], 'rb').read()
para = (b"The quarterly figures are attached below in plain text, as agreed "
        b"at the last meeting; please check the totals before Friday.\r\n")
body = b"".join(para for _ in range(40))
msg = (b"From: Reports <reports@bench-relay.com>\r\n"
       b"To: Team <team@example.net>\r\n"
       b"Subject: Quarterly figures\r\n"
       b"Date: Tue, 01 Dec 2026 08:00:00 +0000\r\n"
       b"Message-ID: <bench-1@bench-relay.com>\r\n"
       b"MIME-Version: 1.0\r\n"
       b"Content-Type: text/plain; charset=us-ascii\r\n"
       b"\r\n" + body)
sig = dkim.sign(msg, b"s1", b"bench-relay.com", key,
                include_headers=[b"from", b"to", b"subject", b"date",
                                 b"message-id", b"mime-version",
                                 b"content-type"])
open(sys.argv[2], "wb").write((sig + msg).replace(b"\r\n", b"\n"))
EOF
bench_dns "$tmp/relay.yml"
bench_configs

# ---- Postfix relaying to smtp-sink ----
free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
SINK=$(free_port)
SMTPD=$(free_port)
smtp-sink -u nobody "127.0.0.1:$SINK" 256 >"$tmp/sink.log" 2>&1 &
PIDS="$PIDS $!"
PF=$tmp/postfix
mkdir -p "$PF/etc" "$PF/queue" "$PF/data"
chown postfix "$PF/data"
cat > "$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.net
mydestination =
relay_domains = example.net
relayhost = [127.0.0.1]:$SINK
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 192.0.2.250/32
smtpd_relay_restrictions = reject_unauth_destination
smtp_tls_security_level = none
smtpd_tls_security_level = none
maillog_file = $PF/maillog
maillog_file_prefixes = $tmp
milter_default_action = tempfail
milter_protocol = 6
smtpd_milters =
biff = no
default_process_limit = 100
EOF
{
	echo "127.0.0.1:$SMTPD inet n - n - - smtpd"
	postfix_services
} > "$PF/etc/master.cf"
postfix -c "$PF/etc" start >/dev/null 2>&1 || die "postfix did not start: $(cat "$PF/maillog" 2>/dev/null)"
# shellcheck disable=SC2016 # $PF expanded by the trap's shell
PIDS="$PIDS $(cat "$PF/queue/pid/master.pid" | tr -d ' ')"
i=0
until ss -ltn | grep -q "127.0.0.1:$SMTPD "; do
	i=$((i + 1)); [ $i -lt 100 ] || die "postfix does not listen"
	sleep 0.1
done

# drain - wait until the queue is empty
drain() {
	i=0
	while [ -n "$(find "$PF/queue/active" "$PF/queue/incoming" \
	    "$PF/queue/deferred" -type f 2>/dev/null | head -1)" ]; do
		i=$((i + 1)); [ $i -lt 600 ] || die "the queue does not drain"
		sleep 0.1
	done
}

# cpu_ticks PID... - utime + stime of the processes, in clock ticks
cpu_ticks() {
	t=0
	for p in "$@"; do
		v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)
		t=$((t + v))
	done
	echo "$t"
}

# intake NAME MILTERS... - msgs/s with smtpd_milters set to MILTERS
intake() {
	name=$1
	shift
	socks= pids=
	for m in "$@"; do
		start_milter "$m"
		socks="$socks $MSOCK"
		pids="$pids $MPID"
	done
	postconf -c "$PF/etc" -e "smtpd_milters = $(echo "$socks" | sed 's/^ //')"
	postfix -c "$PF/etc" reload >/dev/null 2>&1
	sleep 1
	smtp-source -s "$SESSIONS" -m 300 -f reports@bench-relay.com \
	    -t team@example.net -F "$tmp/msg.eml" "127.0.0.1:$SMTPD" ||
	    die "smtp-source failed ($name warm-up)"
	drain
	# shellcheck disable=SC2086
	c0=$(cpu_ticks $pids)
	t0=$(date +%s.%N)
	smtp-source -s "$SESSIONS" -m "$COUNT" -f reports@bench-relay.com \
	    -t team@example.net -F "$tmp/msg.eml" "127.0.0.1:$SMTPD" ||
	    die "smtp-source failed ($name)"
	t1=$(date +%s.%N)
	# shellcheck disable=SC2086
	c1=$(cpu_ticks $pids)
	drain
	rate=$(awk -v n="$COUNT" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
	cpu=$(awk -v n="$COUNT" -v d="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" \
	    'BEGIN { printf "%.2f", d / hz / n * 1000 }')
	echo "$name $rate $cpu" >> "$tmp/intake"
	say "$name: $rate msgs/s, milter CPU $cpu ms a message"
	for p in $pids; do stop_milter "$p"; done
	postconf -c "$PF/etc" -e "smtpd_milters ="
}

: > "$tmp/intake"
intake none
intake authmilter authmilter
intake chained opendkim opendmarc
rejected=$(grep -c "milter-reject" "$PF/maillog" || true)
delivered=$(grep -c "status=sent" "$PF/maillog" || true)
postfix -c "$PF/etc" stop >/dev/null 2>&1 || true

mkdir -p "$OUT"
base=$(awk '$1 == "none" { print $2 }' "$tmp/intake")
{
	echo "| Postfix 3.7, $SESSIONS sessions, smtpd_milters = | msgs/s | share of no milter | milter CPU a message |"
	echo "| --- | --- | --- | --- |"
	while read -r name rate cpu; do
		case $name in
		none) what="(none)" ;;
		authmilter) what="**authmilter** (SPF + DKIM + DMARC)" ;;
		chained) what="OpenDKIM, OpenDMARC" ;;
		esac
		awk -v w="$what" -v r="$rate" -v b="$base" -v c="$cpu" 'BEGIN {
			printf "| %s | %d | %.0f%% | %s ms |\n", w, r, 100 * r / b, c }'
	done < "$tmp/intake"
	echo
	echo "$delivered messages relayed to smtp-sink, $rejected refused by a milter (expected: none)."
} > "$OUT/postfix.md"
cat "$OUT/postfix.md"
