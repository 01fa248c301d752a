#!/bin/sh
# sendmail.t - end to end through a real Sendmail (Debian 12's 8.17, from
# t/install-deps.sh) on loopback, the cases t/postfix.t, t/dkim-postfix.t
# and t/dmarc-postfix.t run through Postfix: SPF pass, fail and a
# spf-fail=reject with its explanation; forged A-R headers removed;
# signing for the submission listener (Sendmail's {daemon_name} MSA)
# and for a client authenticated with SMTP AUTH, verified by dkimpy; the
# signed message verified as pass when it comes back in, a changed body
# failing; header fields as sent (SMFIP_HDR_LEADSPC); a DMARC reject
# with our 550 text; a DMARC quarantine kept in Sendmail's queue as a
# quarantined ("hf") file with the reason on its "q" line, then released
# and delivered as README.md says; several From addresses refused; the
# macros sent without any confMILTER_MACROS_* lines.  Sendmail's filter
# lines are README.md's, as written there.  Each case asserts the
# headers the next hop received (t/lib/smtp-sink.py) or the SMTP reply.
# The test runs in its own network, UTS and mount namespaces
# (t/lib/sendmail.sh), where the client addresses of the zones are on
# the loopback interface: Sendmail has no XCLIENT.  Skips when the
# Sendmail root is missing.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"
. "$SRCDIR/t/lib/sendmail.sh"

why=$(sendmail_missing) || skip_all "$why"
sendmail_namespace "$0" 192.0.2.1 198.51.100.7 || {
	echo "Bail out! cannot set up the test's namespaces (unshare --net --uts --mount needs root)"
	exit 1
}

plan 47

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
start_dns "$SRCDIR/t/data/zones/spf.yml" \
    "$SRCDIR/t/data/zones/dmarc-postfix.yml" "$tmpdir/keys.yml" || exit 1

{
	echo "reject.example.com   spf-fail=reject"
	echo "tlsreq.example       tls-min=TLSv1.2"
	printf 'example.org  sign=rsa:%s,ed:%s\n' "$tmpdir/keys/rsa.pem" \
	    "$tmpdir/keys/ed.pem"
} > "$tmpdir/domains"
AM_INET_PORT=$(free_port)
write_config "$tmpdir/authmilter.conf" "Domains $tmpdir/domains" \
    "SignDaemons MSA" "HoldQuarantinedMessages yes" \
    "RejectMultiValueFrom yes"
start_authmilter "$tmpdir/authmilter.conf" || exit 1
start_sink || exit 1
# STARTTLS on Sendmail's listeners: a self-signed certificate, the key
# readable by root alone.  Sendmail refuses a certificate under a
# world-writable directory (here /tmp) unless told to trust the sticky bit.
mkdir -m 700 "$tmpdir/smtls"
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=mx.example.net" \
    -days 2 -keyout "$tmpdir/smtls/key.pem" -out "$tmpdir/smtls/cert.pem" \
    2>/dev/null
chmod 600 "$tmpdir/smtls/key.pem"
start_sendmail "define(\`confSERVER_CERT', \`$tmpdir/smtls/cert.pem')dnl" \
    "define(\`confSERVER_KEY', \`$tmpdir/smtls/key.pem')dnl" \
    "define(\`confCACERT', \`$tmpdir/smtls/cert.pem')dnl" \
    "define(\`confCACERT_PATH', \`$tmpdir/smtls')dnl" \
    "define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl" || exit 1
like "$(sendmail_readme_lines | tr '\n' ' ')" \
    "^(define\(\`confMILTER_MACROS_[A-Z]+', [^)]*\)dnl ){4}INPUT_MAIL_FILTER\(\`authmilter', \`S=inet:$AM_INET_PORT@127.0.0.1, F=T, [^)]*\)dnl $" \
    "README.md's section has four confMILTER_MACROS_* lines and the INPUT_MAIL_FILTER line"
is "$(grep -c -e "^Xauthmilter, S=inet:$AM_INET_PORT@127.0.0.1, F=T, T=S:10s;R:10s;E:5m\$" \
    -e '^O Milter.macros.eom={msg_id}, i$' "$SM_DIR/sendmail.cf")" 2 \
    "Sendmail's .cf carries them"

count=0
# send PORT ADDR HELO FROM [swaks args...]: one message from client ADDR,
# tagged with its number in an X-Test-Tag header
send() {
	port=$1 addr=$2 helo=$3 from=$4
	shift 4
	count=$((count + 1))
	swaks --server "127.0.0.1:$port" --local-interface "$addr" \
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
# queue_id: the queue id in Sendmail's reply to the last message
queue_id() {
	sed -n 's/^<-  250 2\.0\.0 \([^ ]*\) Message accepted.*/\1/p' "$tmpdir/swaks.out"
}

# --- SPF, and what authmilter learns of the connection ---
send $SM_INBOUND 192.0.2.1 mail.example.org user@example.org
is "$(ar_of_last)" "mx.example.net: spf=pass smtp.mailfrom=user@example.org; spf=pass smtp.helo=mail.example.org; dkim=none; dmarc=none header.from=example.org" \
    "SPF pass for MAIL FROM and HELO from the client's own address"
id=$(queue_id)
like "$(grep "from=<user@example.org>" "$AM_LOG" | head -1)" \
    "info: $id: client=unknown\[192.0.2.1\] direction=inbound from=<user@example.org> helo=mail.example.org tls=none spf=pass" \
    "the log line carries Sendmail's queue id ({i}) and the client address"

send $SM_INBOUND 198.51.100.7 mail.example.org user@example.org
like "$(ar_of_last)" "^mx.example.net: spf=fail smtp.mailfrom=user@example.org; spf=fail smtp.helo=mail.example.org; dkim=none; dmarc=none header.from=example.org$" \
    "SPF fail from a stranger is recorded, and delivered by default"

send $SM_INBOUND 198.51.100.7 stranger.example user@reject.example.com
check "a table entry with spf-fail=reject refuses SPF fail: 550 5.7.23" \
    grep -q "^<\*\* *550 5.7.23" "$tmpdir/swaks.out"
check "the reply carries the domain's explanation" \
    grep -q "198.51.100.7 is not one of reject.example.com's mail servers" "$tmpdir/swaks.out"

# --- TLS: Sendmail's {tls_version} macros, and tls-min= refusing plaintext ---
send $SM_INBOUND 192.0.2.1 mail.example.org user@tlsreq.example
check "plaintext MAIL FROM a tls-min= domain: refused with 550 5.7.0 before DATA" \
    grep -q "^<\*\* *550 5.7.0 .*tlsreq.example must come over TLS" "$tmpdir/swaks.out"
send $SM_INBOUND 192.0.2.1 mail.example.org user@tlsreq.example --tls
like "$(grep "from=<user@tlsreq.example>" "$AM_LOG" | tail -1)" \
    "direction=inbound from=<user@tlsreq.example> helo=mail.example.org tls=TLSv1\.[23]\(.*\) .*action=accept" \
    "the same over STARTTLS: accepted, Sendmail's TLS version in the log line"
like "$(head -c 4000 "$(last_file)" | grep '^Authentication-Results: mx.example.net')" \
    "^Authentication-Results: mx.example.net \(tls=TLSv1\.[23] cipher=" \
    "... and in our A-R's comment"

# --- forged A-R headers (smfi_chgheader by index) ---
send $SM_INBOUND 192.0.2.1 mail.example.org user@example.org \
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

# --- signing: the submission listener, and an authenticated client ---
body="Hello,

this message is signed twice.
"
send $SM_SUBMIT 198.51.100.7 laptop.example user@example.org \
    --header "Subject: dual signed" --body "$body"
signed=$(last_file)
is "$(grep -c '^DKIM-Signature:' "$signed")" 2 \
    "a message on the Name=MSA listener ({daemon_name} MSA) gets one signature per key"
got=$("$PYTHON" "$SRCDIR/t/lib/dkimpy-verify.py" "$DNS_PORT" "$signed")
like "$got" "^pass d=example.org s=rsa a=rsa-sha256$" "dkimpy verifies the RSA signature"
like "$got" "^pass d=example.org s=ed a=ed25519-sha256$" "dkimpy verifies the Ed25519 signature"
is "$(grep -c '^Authentication-Results:' "$signed")" 0 "outbound mail gets no A-R"
like "$(grep 'signed=' "$AM_LOG" | tail -1)" \
    "direction=outbound\(daemon\).* signed=2\(d=example.org\)" \
    "the log says the submission was outbound by its daemon name, signed twice"

send $SM_INBOUND 198.51.100.7 laptop.example user@example.org \
    --auth PLAIN --auth-user alice --auth-password secret
check "SMTP AUTH (Cyrus SASL, PLAIN) succeeds" grep -q "^<-  235 " "$tmpdir/swaks.out"
file=$(last_file)
like "$("$PYTHON" "$SRCDIR/t/lib/dkimpy-verify.py" --words "$DNS_PORT" "$file")" \
    "^pass pass$" "a message from an authenticated client ({auth_authen}) on the MTA listener is signed"
is "$(grep -c '^Authentication-Results:' "$file")" 0 "... and gets no A-R"
like "$(grep 'signed=' "$AM_LOG" | tail -1)" "direction=outbound\(auth\)" \
    "the log says it was outbound by authentication"

# --- DKIM verification: the signed message, received from outside ---
# (the sink's envelope lines and Sendmail's Received header dropped)
sed -n '/^DKIM-Signature:/,$p' "$signed" > "$tmpdir/resend.eml"
# inbound FILE: FILE sent from example.org's server
inbound() {
	count=$((count + 1))
	{
		echo "X-Test-Tag: $count"
		cat "$1"
	} > "$tmpdir/inbound.eml"
	swaks --server "127.0.0.1:$SM_INBOUND" --local-interface 192.0.2.1 \
	    --helo mail.example.org --from user@example.org --to rcpt@example.net \
	    --data "$tmpdir/inbound.eml" > "$tmpdir/swaks.out" 2>&1
}
inbound "$tmpdir/resend.eml"
got=$(ar_of_last)
like "$got" "dkim=pass header.d=example.org header.i=@example.org header.s=rsa header.a=rsa-sha256 header.b=" \
    "inbound: the RSA signature verifies as pass"
like "$got" "dkim=pass header.d=example.org header.i=@example.org header.s=ed header.a=ed25519-sha256 header.b=" \
    "inbound: the Ed25519 signature verifies as pass"
sed 's/signed twice/signed twice, and changed/' "$tmpdir/resend.eml" > "$tmpdir/changed.eml"
inbound "$tmpdir/changed.eml"
got=$(ar_of_last)
like "$got" "dkim=fail header.d=example.org header.i=@example.org header.s=rsa.*dkim=fail header.d=example.org header.i=@example.org header.s=ed" \
    "a changed body fails both signatures"

# header fields as sent: Sendmail offers SMFIP_HDR_LEADSPC too
"$PYTHON" - "$tmpdir/keys/rsa.pem" <<PY
import dkim
key = open('$tmpdir/keys/rsa.pem', 'rb').read()
msg = (b'From: user@example.org\r\nSubject:x\r\nTo:\tx <rcpt@example.net>\r\n'
       b'\r\nspacing\r\n')
sig = dkim.sign(msg, b'rsa', b'example.org', key,
                canonicalize=(b'simple', b'simple'),
                include_headers=[b'from', b'subject', b'to'])
open('$tmpdir/tight.eml', 'wb').write(sig + msg)
PY
inbound "$tmpdir/tight.eml"
like "$(ar_of_last)" "dkim=pass header.d=example.org" \
    "c=simple over 'Subject:x' and 'To:<TAB>x': pass"
sed 's/^Subject:x/Subject: x/' "$tmpdir/tight.eml" > "$tmpdir/respaced.eml"
inbound "$tmpdir/respaced.eml"
like "$(ar_of_last)" "dkim=fail header.d=example.org" \
    "c=simple, 'Subject:x' changed to 'Subject: x' after signing: fail"
is "$(grep -c '^Authentication-Results: mx\.example\.net;' "$(last_file)")" 1 \
    "our A-R is inserted with one space after the colon"

# --- DMARC ---
# dmarc FROM-HEADER [swaks args...]: example.org's server, SPF passing
# for example.org, the author elsewhere
dmarc() {
	author=$1
	shift
	send $SM_INBOUND 192.0.2.1 mail.example.org user@example.org \
	    --header "From: $author" "$@"
}
dmarc user@dmarc-reject.example
check "p=reject and no aligned identifier: 550 5.7.1" \
    grep -q "^<\*\* *550 5.7.1 message rejected by the DMARC policy of dmarc-reject.example" \
    "$tmpdir/swaks.out"
like "$(grep 'dmarc-reject.example' "$AM_LOG" | tail -1)" \
    "dmarc=fail\(dmarc-reject.example,p=reject,dis=reject\) action=reject" \
    "the reject is logged with the policy"

dmarc user@dmarc-quar.example
qtag=$count
check "p=quarantine: Sendmail accepts the message" \
    grep -q "^<-  250 2.0.0 .* Message accepted" "$tmpdir/swaks.out"
qid=$(queue_id)
is "$(sendmail_queue_files hf | sed 's|.*/||')" "hf$qid" \
    "it stays in Sendmail's queue, quarantined (the queue file is hf$qid, not qf$qid)"
is "$(grep '^q' "$SM_QUEUE/hf$qid" 2>/dev/null)" \
    "qDMARC policy of dmarc-quar.example: quarantine" \
    "the queue file's q line holds authmilter's reason"
like "$("$SM_BIN" -C "$SM_DIR/sendmail.cf" -bp -qQ 2>&1 | tr -s '\n\t' '  ')" \
    "$qid.*QUARANTINE: DMARC policy of dmarc-quar.example: quarantine" \
    "mailq -qQ lists it with the reason"
like "$(grep 'dmarc-quar.example' "$AM_LOG" | tail -1)" "action=quarantine\(held\)" \
    "the quarantine is logged"

dmarc user@dmarc-none.example
like "$(ar_of_last)" "dmarc=fail header.from=dmarc-none.example policy.dmarc=none" \
    "p=none: failure recorded, message delivered"

dmarc user@dmarc-reject.example --add-header "From: other@dmarc-none.example"
check "two From headers with RejectMultiValueFrom: 550 5.7.1" \
    grep -q "550 5.7.1.*several From addresses" "$tmpdir/swaks.out"
dmarc "a@dmarc-reject.example, b@dmarc-none.example"
check "two addresses in one From: refused too" \
    grep -q "550 5.7.1.*several From addresses" "$tmpdir/swaks.out"

# --- the quarantined message, released as README.md says ---
is "$(grep -l "^X-Test-Tag: $qtag\$" "$PF_MAIL"/* 2>/dev/null)" "" \
    "the quarantined message was not delivered while the others were"
"$SM_BIN" -C "$SM_DIR/sendmail.cf" -Q -qQ -qI"$qid" > "$tmpdir/release.out" 2>&1
is "$(sendmail_queue_files hf)" "" "sendmail -Q -qQ -qIQUEUEID releases it"
"$SM_BIN" -C "$SM_DIR/sendmail.cf" -qI"$qid" >> "$tmpdir/release.out" 2>&1
count_saved=$count
count=$qtag
like "$(ar_of_last)" "dmarc=fail header.from=dmarc-quar.example policy.dmarc=quarantine" \
    "sendmail -qIQUEUEID delivers it, with our A-R"
count=$count_saved

# --- the macros: authmilter's own request (smfi_setsymlist) suffices ---
restart_sendmail '/^O Milter\.macros\./d' || exit 1
send $SM_SUBMIT 198.51.100.7 laptop.example user@example.org
last_file > /dev/null
like "$(grep 'direction=outbound' "$AM_LOG" | tail -1)" \
    "^authmilter\[[0-9]+\]: info: $(queue_id): .* direction=outbound\(daemon\) .*signed=2" \
    "with no Milter.macros options Sendmail still sends {daemon_name} and i"
send $SM_INBOUND 198.51.100.7 laptop.example user@example.org \
    --auth PLAIN --auth-user alice --auth-password secret
last_file > /dev/null
like "$(grep 'direction=outbound' "$AM_LOG" | tail -1)" \
    "info: $(queue_id): .* direction=outbound\(auth\)" "... and {auth_authen}"

# --- the whole run ---
check "every message got one log line" \
    test "$(grep -c 'action=' "$AM_LOG")" -eq $count
# a delivered message's qf file goes once the sink's reply is read
i=0
while [ -n "$(sendmail_queue_files qf)" ] && [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
is "$(sendmail_queue_files qf)" "" "no other message is left in the queue"
