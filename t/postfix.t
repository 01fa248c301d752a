#!/bin/sh
# postfix.t - end to end: a real Postfix on loopback hands mail to
# authmilter, which checks SPF against the test DNS server; the delivered
# messages carry exactly one Authentication-Results header from us that
# an independent RFC 8601 parser reads as expected.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"

plan 24

start_dns "$SRCDIR/t/data/zones/spf.yml" || exit 1
cat > "$tmpdir/domains" <<EOT
reject.example.com   spf-fail=reject
EOT
write_config "$tmpdir/authmilter.conf" "Domains $tmpdir/domains" \
    "SignDaemons ORIGINATING"
start_authmilter "$tmpdir/authmilter.conf" || exit 1
start_postfix || exit 1

count=0
# send PORT ADDR HELO FROM [swaks args...]: one message through XCLIENT,
# tagged with its number in an X-Test-Tag header
send() {
	port=$1 addr=$2 helo=$3 from=$4
	shift 4
	count=$((count + 1))
	swaks --server "127.0.0.1:$port" --xclient "ADDR=$addr NAME=[UNAVAILABLE]" \
	    --helo "$helo" --from "$from" --to rcpt@example.net \
	    --add-header "X-Test-Tag: $count" "$@" > "$tmpdir/swaks.out" 2>&1
}
# last_file: the delivered message of the last send
last_file() {
	message_file $count || sed 's/^/# /' "$tmpdir/swaks.out" >&2
}
# ar_of_last: our A-R of the last message sent, as the parser reads it
ar_of_last() {
	file=$(last_file) || { echo "not delivered"; return; }
	"$PYTHON" "$SRCDIR/t/lib/authres-dump.py" "$file" mx.example.net
}

send $PF_INBOUND 192.0.2.1 mail.example.org user@example.org
got=$(ar_of_last)
is "$got" "mx.example.net: spf=pass smtp.mailfrom=user@example.org; spf=pass smtp.helo=mail.example.org; dkim=none; dmarc=none header.from=example.org" \
    "SPF pass for MAIL FROM and HELO; no DKIM signature; no DMARC record"

send $PF_INBOUND 198.51.100.7 mail.example.org user@example.org
got=$(ar_of_last)
like "$got" "^mx.example.net: spf=fail smtp.mailfrom=user@example.org; spf=fail smtp.helo=mail.example.org; dkim=none; dmarc=none header.from=example.org$" \
    "SPF fail from a stranger is recorded, and delivered by default"

send $PF_INBOUND 198.51.100.7 stranger.example user@soft.example.org
got=$(ar_of_last)
like "$got" "spf=softfail smtp.mailfrom=user@soft.example.org; spf=none smtp.helo=stranger.example" \
    "SPF softfail; a HELO without SPF record is none"

send $PF_INBOUND 198.51.100.7 stranger.example user@neutral.example.org
like "$(ar_of_last)" "spf=neutral smtp.mailfrom=user@neutral.example.org" "SPF neutral"

send $PF_INBOUND 198.51.100.7 stranger.example user@none.example.org
like "$(ar_of_last)" "spf=none smtp.mailfrom=user@none.example.org" "SPF none"

send $PF_INBOUND 198.51.100.7 stranger.example user@perm.example.org
like "$(ar_of_last)" "spf=permerror smtp.mailfrom=user@perm.example.org" \
    "SPF permerror for a record with a bad CIDR"

send $PF_INBOUND 198.51.100.7 stranger.example user@temp.example.org
like "$(ar_of_last)" "spf=temperror smtp.mailfrom=user@temp.example.org" \
    "SPF temperror when the DNS server does not answer"

send $PF_INBOUND 192.0.2.1 mail.example.org "<>" --header "From: user@example.org"
like "$(ar_of_last)" "^mx.example.net: spf=pass smtp.mailfrom=postmaster@mail.example.org smtp.helo=mail.example.org; dkim=none; dmarc=none header.from=example.org$" \
    "a null sender is checked as postmaster@HELO, once"

send $PF_INBOUND 198.51.100.7 'x;dkim=pass' user@example.org
got=$(ar_of_last)
like "$got" 'smtp.helo="x;dkim=pass"' "a HELO with A-R syntax is quoted"
unlike "$got" "(: |; )dkim=pass" "a HELO cannot inject a dkim result"

send $PF_INBOUND 192.0.2.1 mail.example.org user@example.org \
    --add-header "Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=forged@example.org" \
    --add-header "Authentication-Results: other.example; spf=fail smtp.mailfrom=x@example.org" \
    --add-header "Authentication-Results: (sneaky) MX.EXAMPLE.NET; dkim=pass header.d=forged.example"
got=$(ar_of_last)
file=$(last_file)
is "$(grep -ci '^Authentication-Results: *\(([a-z]*)\)\? *mx.example.net' "$file")" 1 \
    "forged A-R headers with our authserv-id are removed, ours stays"
like "$got" "^mx.example.net: spf=pass smtp.mailfrom=user@example.org" "and ours is the one left"
is "$(grep -c '^Authentication-Results: other.example' "$file")" 1 \
    "an A-R header of another authserv-id is kept"
is "$(grep -n '^Authentication-Results:' "$file" | head -1 | grep -c mx.example.net)" 1 \
    "our A-R comes before the others"
unlike "$(cat "$file")" "forged" "no trace of the forged results"

send $PF_INBOUND 198.51.100.7 stranger.example user@reject.example.com
check "a table entry with spf-fail=reject refuses SPF fail" \
    grep -q "550 5.7.23" "$tmpdir/swaks.out"
check "the reply carries the domain's explanation" \
    grep -q "198.51.100.7 is not one of reject.example.com's mail servers" "$tmpdir/swaks.out"

send $PF_INBOUND 192.0.2.5 mail.example.org user@reject.example.com
like "$(ar_of_last)" "spf=pass smtp.mailfrom=user@reject.example.com" \
    "the same domain passes from its own network"

send $PF_SUBMIT 198.51.100.7 laptop.example user@example.org
file=$(last_file)
is "$(grep -ci '^Authentication-Results:' "$file")" 0 \
    "mail from a SignDaemons listener is outbound: no A-R"

send $PF_INBOUND 192.0.2.250 relay.example.net user@elsewhere.example
file=$(last_file)
is "$(grep -ci '^Authentication-Results:' "$file")" 0 \
    "mail from InternalHosts is outbound: no A-R"

check "every message got one log line" \
    test "$(grep -c 'action=' "$AM_LOG")" -eq $count
like "$(grep 'from=<user@example.org>' "$AM_LOG" | head -1)" \
    "^authmilter\[[0-9]*\]: info: [0-9A-F]*: client=unknown\[192.0.2.1\] direction=inbound from=<user@example.org> helo=mail.example.org tls=none spf=pass\(example.org\) spf-helo=pass\(mail.example.org\) dkim=none dmarc=none\(example.org,p=[a-z]*,dis=none\) action=accept" \
    "the log line names queue id, client, direction, results and action"
like "$(grep 'reject.example.com' "$AM_LOG" | grep 'action=reject' | head -1)" \
    "spf=fail\(reject.example.com\).* action=reject" "the reject is logged"
like "$(grep 'direction=outbound' "$AM_LOG" | head -1)" "direction=outbound\(daemon\)" \
    "the outbound reason is logged"
