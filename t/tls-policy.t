#!/bin/sh
# tls-policy.t - authmilter-check --postfix-tls-policy: the table's
# tls=require and tls-min= entries as a Postfix smtp_tls_policy_maps file
# (exact text, exit status, warnings for what Postfix cannot state), and
# that file, postmapped into a real Postfix relaying to partners on
# loopback, makes Postfix defer mail to a partner that offers no STARTTLS,
# or only a TLS version below tls-min=, instead of sending it in
# plaintext; mail to a partner that meets the policy, and to a domain
# without tls=, is delivered.
#
# Postfix looks the policy up by the next-hop domain, so the partners
# need names: the Postfix runs in its own mount namespace (unshare -m)
# with an /etc/hosts of ours bind-mounted, naming each partner's
# loopback address.  The machine's /etc/hosts is not touched.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"

CHECK=$BUILDDIR/milter/authmilter-check
unshare -m true 2>/dev/null ||
	skip_all "needs unshare -m (a mount namespace) for the partners' names"

plan 18

# ---- the file: text, exit status, warnings ----
cat > "$tmpdir/domains" <<EOT
plain.example      tls=require
old.example        tls-min=TLSv1.3
modern.example     tls-min=TLSv1.3
.bank.example      tls-min=TLSv1.2
mx.bank.example    spf=no
open.example       spf=no
EOT
printf 'Domains %s\nSyslog no\n' "$tmpdir/domains" > "$tmpdir/authmilter.conf"
"$CHECK" --postfix-tls-policy -c "$tmpdir/authmilter.conf" \
    > "$tmpdir/stdout" 2> "$tmpdir/stderr"
ok $? "exit 0 (OK) for a table Postfix can follow exactly"
is "$(grep -v '^#' "$tmpdir/stdout")" "plain.example	encrypt
old.example	encrypt protocols=>=TLSv1.3
modern.example	encrypt protocols=>=TLSv1.3
.bank.example	encrypt protocols=>=TLSv1.2
mx.bank.example	encrypt protocols=>=TLSv1.2" \
    "one 'encrypt' line per tls=require entry, protocols= from tls-min, inherited too"
check "nothing on standard error" test ! -s "$tmpdir/stderr"
"$CHECK" --postfix-tls-policy -c "$tmpdir/authmilter.conf" \
    -o "$tmpdir/tls_policy" > "$tmpdir/stdout2" 2>&1
check "-o FILE writes the file, the same text, nothing on stdout" \
    sh -c "cmp -s '$tmpdir/tls_policy' '$tmpdir/stdout' && test ! -s '$tmpdir/stdout2'"

cat > "$tmpdir/domains2" <<EOT
*                   tls=require
.corp.example       spf=no
legacy.corp.example tls=optional
.lab.example        tls=require
old.lab.example     tls=optional
EOT
printf 'Domains %s\nSyslog no\n' "$tmpdir/domains2" > "$tmpdir/authmilter2.conf"
"$CHECK" --postfix-tls-policy -c "$tmpdir/authmilter2.conf" \
    > "$tmpdir/stdout" 2> "$tmpdir/stderr"
is $? 1 "exit 1 (WARNING) when Postfix cannot state the table exactly"
like "$(cat "$tmpdir/stdout")" "^# \* tls=require .*smtp_tls_security_level = encrypt" \
    "'* tls=require' is a comment naming smtp_tls_security_level"
like "$(cat "$tmpdir/stdout")" "# old.lab.example tls=optional: Postfix applies .lab.example's encrypt to it" \
    "an optional entry under a required .parent is named, not weakened to 'may'"
like "$(cat "$tmpdir/stderr")" "old.lab.example has tls=optional under .lab.example tls=require" \
    "... and warned on stderr"
"$CHECK" --postfix-tls-policy -c "$tmpdir/nonexistent.conf" > /dev/null 2>&1
is $? 3 "exit 3 (UNKNOWN) for a configuration that cannot be read"

# ---- Postfix follows it ----
# partners: plain (no STARTTLS), old (STARTTLS, at most TLSv1.2), modern
# (TLSv1.3); open.example is the plain partner too, without tls=
SINK_PORT=$(free_port)
start_sink() {	# NAME ADDR [options]
	name=$1 addr=$2
	shift 2
	"$PYTHON" "$SRCDIR/t/lib/smtp-tls-sink.py" "$addr" "$SINK_PORT" \
	    "$tmpdir/sink-$name.log" "$@" 2>> "$tmpdir/sink-$name.err" &
	at_exit "kill $!"
	i=0
	while ! grep -q listening "$tmpdir/sink-$name.log" 2>/dev/null &&
	    [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=partner.example" \
    -days 2 -keyout "$tmpdir/sink.key" -out "$tmpdir/sink.pem" 2>/dev/null
start_sink plain 127.0.0.2
start_sink old 127.0.0.3 --cert "$tmpdir/sink.pem" --key "$tmpdir/sink.key" --tls-max TLSv1.2
start_sink modern 127.0.0.4 --cert "$tmpdir/sink.pem" --key "$tmpdir/sink.key"
cat > "$tmpdir/hosts" <<EOT
127.0.0.1 localhost
127.0.0.2 plain.example open.example
127.0.0.3 old.example
127.0.0.4 modern.example
EOT
# with_hosts CMD...: run CMD in a mount namespace that sees our hosts file
with_hosts() {
	unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' \
	    "$tmpdir/hosts" "$@"
}

PF_START_WRAP=with_hosts
PF_MAIN_EXTRA="smtpd_milters =
smtp_dns_support_level = disabled
smtp_tcp_port = $SINK_PORT
smtp_tls_security_level = may
smtp_tls_policy_maps = hash:$tmpdir/tls_policy
smtp_tls_loglevel = 1"
PF_MASTER_EXTRA="tlsmgr    unix  - - n 1000? 1 tlsmgr"
start_postfix || exit 1
# the map is first opened by the smtp client, at the first delivery
postmap -c "$PF_DIR/etc" "hash:$tmpdir/tls_policy" 2> "$tmpdir/postmap.err"
ok $? "postmap reads the file" || sed "s/^/# /" "$tmpdir/postmap.err"

for d in plain old modern open; do
	swaks --server "127.0.0.1:$PF_INBOUND" --helo client.example \
	    --from sender@example.net --to "user@$d.example" \
	    > "$tmpdir/swaks-$d.out" 2>&1 ||
		sed 's/^/# /' "$tmpdir/swaks-$d.out"
done
# wait until each of the four has been delivered or deferred
i=0
while [ "$(grep -cE 'status=(sent|deferred)' "$PF_DIR/maillog" 2>/dev/null)" -lt 4 ] &&
    [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
status_of() {	# DOMAIN: the smtp delivery log line for user@DOMAIN
	grep "to=<user@$1>" "$PF_DIR/maillog" | grep 'status=' | tail -1
}
like "$(status_of plain.example)" \
    "status=deferred \(TLS is required, but was not offered by host plain.example\[127.0.0.2\]\)" \
    "no STARTTLS at a tls=require partner: Postfix defers, TLS required"
like "$(status_of old.example)" "status=deferred \(Cannot start TLS: handshake failure\)" \
    "a partner offering at most TLSv1.2 under tls-min=TLSv1.3: deferred"
like "$(status_of modern.example)" "status=sent" \
    "a partner offering TLSv1.3 under tls-min=TLSv1.3: sent"
like "$(status_of open.example)" "status=sent" \
    "a domain without tls= (level may) is sent in plaintext to the same plain partner"
is "$(grep -c delivered "$tmpdir/sink-plain.log")" 1 \
    "the plain partner got one message (open.example's), none in plaintext for plain.example"
check "the old partner got nothing" sh -c "! grep -q delivered '$tmpdir/sink-old.log'"
is "$(grep delivered "$tmpdir/sink-modern.log")" "delivered tls=TLSv1.3" \
    "the modern partner got its message over TLSv1.3"
like "$(postqueue -c "$PF_DIR/etc" -p 2>&1 | tr '\n' ' ')" \
    "TLS is required, but was not offered.*user@plain.example" \
    "the deferred message waits in the queue, with the reason"
