#!/bin/sh
# dmarc-postfix.t - DMARC end to end through a real Postfix: reject,
# quarantine held in Postfix's hold queue, none, sp and np for subdomains,
# strict alignment, a trusted forwarder, a monitored domain, multiple
# From, and pass by SPF alignment.  (Postfix repairs a malformed From
# before the milter sees it, so t/milter.t tests those over the protocol.)
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"

plan 21

start_dns "$SRCDIR/t/data/zones/spf.yml" \
    "$SRCDIR/t/data/zones/dmarc-postfix.yml" || exit 1
printf 'dmarc-monitor.example  dmarc=monitor\nnorejects.example  dmarc-reject=no\n' \
    > "$tmpdir/domains"
write_config "$tmpdir/authmilter.conf" "Domains $tmpdir/domains" \
    "HoldQuarantinedMessages yes" "RejectMultiValueFrom yes" \
    "TrustedForwarders 198.51.100.99, lists.example.net"
start_authmilter "$tmpdir/authmilter.conf" || exit 1
start_postfix || exit 1

count=0
# send ADDR ENVELOPE-FROM HEADER-FROM [swaks args...]: one message
send() {
	addr=$1 env=$2 from=$3
	shift 3
	count=$((count + 1))
	swaks --server "127.0.0.1:$PF_INBOUND" --xclient "ADDR=$addr NAME=[UNAVAILABLE]" \
	    --helo mail.example.org --from "$env" --to rcpt@example.net \
	    --header "From: $from" --add-header "X-Test-Tag: $count" "$@" \
	    > "$tmpdir/swaks.out" 2>&1
}
# ar: our A-R of the last message sent, as an independent parser reads it
ar() {
	file=$(message_file $count) || { echo "not delivered"; return; }
	"$PYTHON" "$SRCDIR/t/lib/authres-dump.py" "$file" mx.example.net
}
held() {
	find "$PF_DIR/queue/hold" -type f | wc -l
}

# an unaligned envelope: SPF passes for example.org, the author is elsewhere
send 192.0.2.1 user@example.org user@dmarc-reject.example
check "p=reject and no aligned identifier: 550 5.7.1" grep -q "550 5.7.1" "$tmpdir/swaks.out"
check "the reply names the domain" \
    grep -q "DMARC policy of dmarc-reject.example" "$tmpdir/swaks.out"
like "$(grep 'dmarc-reject.example' "$AM_LOG" | tail -1)" \
    "dmarc=fail\(dmarc-reject.example,p=reject,dis=reject\) action=reject" \
    "the reject is logged with the policy"

send 192.0.2.1 user@dmarc-reject.example user@dmarc-reject.example
like "$(ar)" "dmarc=pass header.from=dmarc-reject.example policy.dmarc=none" \
    "an SPF-aligned message passes p=reject"

send 192.0.2.1 user@example.org user@dmarc-quar.example
check "p=quarantine is held in Postfix's hold queue" sh -c \
    "i=0; while [ \$(find '$PF_DIR/queue/hold' -type f | wc -l) -lt 1 ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i+1)); done; [ \$(find '$PF_DIR/queue/hold' -type f | wc -l) -eq 1 ]"
like "$(grep 'dmarc-quar.example' "$AM_LOG" | tail -1)" "action=quarantine\(held\)" \
    "the hold is logged"

send 192.0.2.1 user@example.org user@dmarc-none.example
like "$(ar)" "dmarc=fail header.from=dmarc-none.example policy.dmarc=none" \
    "p=none: failure recorded, message delivered"

send 192.0.2.1 user@example.org user@sub.dmarc-org.example
check "an existing subdomain gets sp=reject" grep -q "550 5.7.1" "$tmpdir/swaks.out"
like "$(grep 'sub.dmarc-org.example' "$AM_LOG" | tail -1)" "p=reject,dis=reject" \
    "the subdomain policy is logged"

send 192.0.2.1 user@example.org user@nosuch.dmarc-org.example
like "$(grep 'nosuch.dmarc-org.example' "$AM_LOG" | tail -1)" \
    "dmarc=fail\(nosuch.dmarc-org.example,p=quarantine,dis=quarantine\).*action=quarantine\(held\)" \
    "a non-existent subdomain gets np=quarantine"
is "$(held)" 2 "and is held"

send 192.0.2.1 user@bounce.dmarc-strict.example user@dmarc-strict.example
check "aspf=s: an SPF pass for a subdomain does not align" \
    grep -q "550 5.7.1" "$tmpdir/swaks.out"

send 198.51.100.99 user@example.org user@dmarc-reject.example
got=$(ar)
like "$got" "dmarc=fail header.from=dmarc-reject.example policy.dmarc=none" \
    "a trusted forwarder's failure is delivered, recorded as fail"
like "$(grep -A3 'dmarc=fail' "$(message_file $count)" | tr -d '\n')" \
    "local policy: trusted forwarder" "with the reason in the A-R comment"

send 192.0.2.1 user@example.org user@dmarc-monitor.example
like "$(ar)" "dmarc=fail header.from=dmarc-monitor.example policy.dmarc=none" \
    "a dmarc=monitor domain is never acted on"

send 192.0.2.1 user@example.org user@dmarc-reject.example \
    --to postmaster@norejects.example
like "$(grep 'dmarc-reject.example' "$AM_LOG" | tail -1)" \
    "dis=quarantine,local=recipient domain dmarc-reject=no\).*action=quarantine\(held\)" \
    "a recipient domain with dmarc-reject=no gets a quarantine, not a reject"
is "$(held)" 3 "and the message is held"

send 192.0.2.1 user@dmarc-reject.example user@dmarc-reject.example \
    --add-header "From: other@dmarc-none.example"
check "two From headers with RejectMultiValueFrom: 550 5.7.1" \
    grep -q "550 5.7.1.*several From addresses" "$tmpdir/swaks.out"

send 192.0.2.1 user@dmarc-reject.example "a@dmarc-reject.example, b@dmarc-none.example"
check "two addresses in one From: refused too" \
    grep -q "550 5.7.1.*several From addresses" "$tmpdir/swaks.out"

send 192.0.2.1 user@dmarc-reject.example "undisclosed-recipients:;"
check "a From without an address is refused" \
    grep -q "550 5.7.1.*one From header with one address" "$tmpdir/swaks.out"

check "every message got one log line" \
    test "$(grep -c 'action=' "$AM_LOG")" -eq $count
