#!/bin/sh
# tls-policy.t - authmilter-check --postfix-tls-policy: the table's
# tls=require and tls-min= entries as a Postfix smtp_tls_policy_maps file
# (exact text, exit status, warnings for what Postfix cannot state), and
# that file, postmapped into a real Postfix relaying to partners on
# loopback, makes Postfix defer mail to a partner that offers no STARTTLS,
# or only a TLS version below tls-min=, instead of sending it in
# plaintext; mail to a partner that meets the policy, and to a domain
# without tls=, is delivered.  A partner whose MTA-STS policy (served by
# t/lib/sts-https.py, records in t/data/zones/tls-policy.yml) is in
# enforce mode gets "secure match=" the MX hosts the policy covers:
# Postfix sends to it when the certificate names one of them, and defers
# when the certificate, though from a trusted CA, names another host.
#
# Postfix looks the policy up by the next-hop domain, so the partners
# need names: the Postfix runs in its own mount namespace (unshare -m)
# with an /etc/hosts of ours bind-mounted, naming each partner's
# loopback address.  The machine's /etc/hosts is not touched.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"
. "$SRCDIR/t/lib/tlsworld.sh"

CHECK=$BUILDDIR/milter/authmilter-check
unshare -m true 2>/dev/null ||
	skip_all "needs unshare -m (a mount namespace) for the partners' names"

plan 38

# ---- the partners' MTA-STS: DNS, a test CA, the policy server ----
start_dns "$SRCDIR/t/data/zones/tls-policy.yml" || exit 1
mkdir -p "$TLS_DIR"
tls_ca test || { echo "Bail out! cannot make the test CA"; exit 1; }
tls_cert test sts mta-sts.sts.example 2048 "-1 day" "+1 year" \
    mta-sts.sts.example mta-sts.good.example mta-sts.rogue.example \
    mta-sts.testing.example mta-sts.elsewhere.example mta-sts.many.example \
    mta-sts.noversion.example
tls_cert test mxgood mx.good.example 2048 "-1 day" "+1 year"
tls_cert test mxrogue mx.other.example 2048 "-1 day" "+1 year"
[ -s "$TLS_DIR/mxrogue.pem" ] || { echo "Bail out! cannot make the test certificates"; exit 1; }
"$PYTHON" - "$TLS_DIR" > "$TLS_DIR/https.json" <<'EOT'
import json, sys
sts = sys.argv[1] + "/sts.pem"
def pol(mode, *mx):
    return "version: STSv1\r\nmode: %s\r\n%smax_age: 604800\r\n" % (
        mode, "".join("mx: %s\r\n" % m for m in mx))
json.dump({
    "mta-sts.sts.example": {"cert": sts,
        "body": pol("enforce", "mx1.sts.example", "*.pool.sts.example")},
    "mta-sts.good.example": {"cert": sts,
        "body": pol("enforce", "mx.good.example")},
    "mta-sts.rogue.example": {"cert": sts,
        "body": pol("enforce", "mx.rogue.example")},
    "mta-sts.testing.example": {"cert": sts,
        "body": pol("testing", "mx.testing.example")},
    "mta-sts.elsewhere.example": {"cert": sts,
        "body": pol("enforce", "mx.other.example")},
    "mta-sts.many.example": {"cert": sts,
        "body": pol("enforce", "*.many.example")},
    "mta-sts.noversion.example": {"cert": sts,
        "body": "mode: enforce\r\nmx: mx.noversion.example\r\nmax_age: 604800\r\n"},
}, sys.stdout)
EOT
start_sts_https "$TLS_DIR/https.json" || { echo "Bail out! https server"; exit 1; }
NET="--nameserver $DNS_SERVER --ca-file $TLS_DIR/test.crt --https-port $TLS_HTTPS_PORT"

# ---- the file: text, exit status, warnings ----
cat > "$tmpdir/domains" <<EOT
plain.example      tls=require
old.example        tls-min=TLSv1.3
modern.example     tls-min=TLSv1.3
.bank.example      tls-min=TLSv1.2
mx.bank.example    spf=no
open.example       spf=no
good.example       tls-min=TLSv1.2
rogue.example      tls=require
EOT
printf 'Domains %s\nSyslog no\n' "$tmpdir/domains" > "$tmpdir/authmilter.conf"
# shellcheck disable=SC2086 # $NET is split on purpose
"$CHECK" --postfix-tls-policy -c "$tmpdir/authmilter.conf" $NET \
    > "$tmpdir/stdout" 2> "$tmpdir/stderr"
ok $? "exit 0 (OK) for a table Postfix can follow exactly"
is "$(grep -v '^#' "$tmpdir/stdout")" "plain.example	encrypt
old.example	encrypt protocols=>=TLSv1.3
modern.example	encrypt protocols=>=TLSv1.3
.bank.example	encrypt protocols=>=TLSv1.2
mx.bank.example	encrypt protocols=>=TLSv1.2
good.example	secure match=mx.good.example servername=hostname protocols=>=TLSv1.2
rogue.example	secure match=mx.rogue.example servername=hostname" \
    "one line per tls=require entry: encrypt, or secure match= the MX an enforce MTA-STS policy covers"
like "$(cat "$tmpdir/stdout")" "# good.example: MTA-STS policy id 7, mode enforce, max_age 604800" \
    "the secure line's comment names the policy id, mode and max_age"
check "nothing on standard error" test ! -s "$tmpdir/stderr"
# shellcheck disable=SC2086
"$CHECK" --postfix-tls-policy -c "$tmpdir/authmilter.conf" $NET \
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

# --no-mta-sts: no network, every entry encrypt
"$CHECK" --postfix-tls-policy -c "$tmpdir/authmilter.conf" --no-mta-sts \
    > "$tmpdir/stdout" 2> "$tmpdir/stderr"
ok $? "--no-mta-sts: exit 0"
like "$(grep -v '^#' "$tmpdir/stdout" | tail -2 | tr '\n' ' ')" \
    "^good.example	encrypt protocols=>=TLSv1.2 rogue.example	encrypt \$" \
    "--no-mta-sts: enforce partners written as encrypt, MTA-STS not asked"

# ---- MTA-STS cases: the wildcard rule, testing, nothing covered, no policy ----
cat > "$tmpdir/domains3" <<EOT
sts.example        tls=require
testing.example    tls=require
elsewhere.example  tls-min=TLSv1.3
nohost.example     tls=require
.pool.example      tls=require
many.example       tls=require
noversion.example  tls=require
EOT
printf 'Domains %s\nSyslog no\n' "$tmpdir/domains3" > "$tmpdir/authmilter3.conf"
# shellcheck disable=SC2086
"$CHECK" --postfix-tls-policy -c "$tmpdir/authmilter3.conf" $NET \
    > "$tmpdir/stdout" 2> "$tmpdir/stderr"
is $? 2 "exit 2 (CRITICAL) when an enforce policy covers none of the MX hosts"
is "$(grep -v '^#' "$tmpdir/stdout")" "sts.example	secure match=mx1.sts.example:a.pool.sts.example servername=hostname
testing.example	encrypt
elsewhere.example	encrypt protocols=>=TLSv1.3
nohost.example	encrypt
.pool.example	encrypt
many.example	secure match=$(seq -f 'mx%02g.many.example' -s : 1 17) servername=hostname
noversion.example	encrypt" \
    "*.pool covers one label only; testing, nothing covered, no policy and an invalid one stay encrypt; all 17 MX named"
like "$(cat "$tmpdir/stdout")" "# sts.example: MX b.c.pool.sts.example is not covered by the policy" \
    "the MX '*.pool.sts.example' does not cover (two labels) is named in a comment"
like "$(cat "$tmpdir/stderr")" "sts.example: MX b.c.pool.sts.example is not covered by its MTA-STS policy" \
    "... and on stderr"
like "$(cat "$tmpdir/stdout")" "# testing.example: MTA-STS policy id 2 in mode testing: not enforced, written as encrypt" \
    "mode testing: encrypt, with a comment"
like "$(cat "$tmpdir/stderr")" "elsewhere.example: its MTA-STS policy \(enforce\) covers none of its MX hosts" \
    "an enforce policy covering no MX: CRITICAL on stderr, the entry kept at encrypt"
like "$(cat "$tmpdir/stdout")" "# nohost.example: .*mta-sts.nohost.example has no address" \
    "a record whose policy host has no address: the reason as a comment"
like "$(cat "$tmpdir/stderr")" "nohost.example: MTA-STS not usable, written as encrypt" \
    "... and a warning on stderr"
like "$(cat "$tmpdir/stdout")" "# noversion.example: MTA-STS: the policy has no \"version: STSv1\"" \
    "mode enforce without version: not a valid policy, encrypt with the reason"
check "the DNS and HTTPS lookups asked for sts.example's policy" \
    grep -q "mta-sts.sts.example" "$TLS_DIR/https.log"

# a name server that does not answer: every domain kept at encrypt, WARNING
"$CHECK" --postfix-tls-policy -c "$tmpdir/authmilter.conf" \
    --nameserver "127.0.0.1:$(free_port)" --timeout 2 \
    > "$tmpdir/stdout" 2> "$tmpdir/stderr"
is $? 1 "DNS down: exit 1 (WARNING), the file still written"
like "$(grep -v '^#' "$tmpdir/stdout" | tail -1)" "^rogue.example	encrypt\$" \
    "DNS down: an MTA-STS partner kept at encrypt, never dropped"

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
start_sink good 127.0.0.5 --cert "$TLS_DIR/mxgood.crt" --key "$TLS_DIR/mxgood.key"
start_sink rogue 127.0.0.6 --cert "$TLS_DIR/mxrogue.crt" --key "$TLS_DIR/mxrogue.key"
cat > "$tmpdir/hosts" <<EOT
127.0.0.1 localhost
127.0.0.2 plain.example open.example
127.0.0.3 old.example
127.0.0.4 modern.example
127.0.0.5 good.example
127.0.0.6 rogue.example
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
smtp_tls_CAfile = $TLS_DIR/test.crt
smtp_tls_loglevel = 1"
PF_MASTER_EXTRA="tlsmgr    unix  - - n 1000? 1 tlsmgr"
start_postfix || exit 1
# the map is first opened by the smtp client, at the first delivery
postmap -c "$PF_DIR/etc" "hash:$tmpdir/tls_policy" 2> "$tmpdir/postmap.err"
ok $? "postmap reads the file" || sed "s/^/# /" "$tmpdir/postmap.err"

for d in plain old modern open good rogue; do
	swaks --server "127.0.0.1:$PF_INBOUND" --helo client.example \
	    --from sender@example.net --to "user@$d.example" \
	    > "$tmpdir/swaks-$d.out" 2>&1 ||
		sed 's/^/# /' "$tmpdir/swaks-$d.out"
done
# wait until each of the six has been delivered or deferred
i=0
while [ "$(grep -cE 'status=(sent|deferred)' "$PF_DIR/maillog" 2>/dev/null)" -lt 6 ] &&
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
like "$(status_of good.example)" "status=sent" \
    "secure match=: a certificate from a trusted CA naming the covered MX: sent"
like "$(status_of rogue.example)" "status=deferred \(Server certificate not verified\)" \
    "secure match=: a trusted certificate naming another host: deferred"
like "$(grep 'TLS connection established to good.example' "$PF_DIR/maillog")" \
    "Verified TLS connection established to good.example" \
    "... over a connection Postfix verified (secure), not merely encrypted"
is "$(grep delivered "$tmpdir/sink-good.log")" "delivered tls=TLSv1.3" \
    "the covered MX got its message over TLS"
check "the MX with the wrong name got nothing" sh -c "! grep -q delivered '$tmpdir/sink-rogue.log'"
like "$(postqueue -c "$PF_DIR/etc" -p 2>&1 | tr '\n' ' ')" \
    "TLS is required, but was not offered.*user@plain.example" \
    "the deferred message waits in the queue, with the reason"
