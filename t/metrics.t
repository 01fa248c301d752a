#!/bin/sh
# metrics.t - MetricsListen (issue 11): the daemon serves Prometheus text
# at /metrics, read here by python3-prometheus-client's own parser; after
# known traffic over the milter protocol (Debian's miltertest) every
# counter equals what was sent: messages by direction and action, SPF,
# DKIM (by algorithm) and DMARC (result, policy, disposition) results, a
# local override, signatures made, the TLS version ({tls_version} at
# HELO, plaintext without it), the message latency histograms (one
# observation per message; none from end of headers for a message
# refused at MAIL FROM), DNS questions (equal to what the test DNS
# server received), reloads by outcome after SIGHUP, messages in flight
# (1 while a message waits, back to 0); no label carries a domain; other
# paths are 404, other methods 405, a malformed request 400; a bad
# MetricsListen is a config error with file:line; the Grafana dashboard
# in etc/ is JSON whose every authmilter_ metric is served.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"

command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed"
command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
"$PYTHON" -c 'import prometheus_client' 2>/dev/null ||
    skip_all "python3-prometheus-client not installed"

plan 69

AM="$BUILDDIR/milter/authmilter"

# ---- the world: keys, zones, table, config ----
mkdir -m 700 "$tmpdir/keys"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 \
    -out "$tmpdir/keys/rsa.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$tmpdir/keys/ed.pem" 2>/dev/null
chmod 600 "$tmpdir/keys/rsa.pem" "$tmpdir/keys/ed.pem"
{
	zone_txt rsa._domainkey.pass.example \
	    "v=DKIM1; k=rsa; p=$(dkim_pubkey "$tmpdir/keys/rsa.pem")"
	zone_txt ed._domainkey.pass.example \
	    "v=DKIM1; k=ed25519; p=$(dkim_pubkey "$tmpdir/keys/ed.pem")"
} > "$tmpdir/keys.yml"
start_dns "$SRCDIR/t/data/zones/metrics.yml" "$tmpdir/keys.yml" -- \
    --query-log "$tmpdir/queries.log" || exit 1
{
	printf 'pass.example  sign=rsa:%s,ed:%s\n' "$tmpdir/keys/rsa.pem" \
	    "$tmpdir/keys/ed.pem"
	echo "mon.example  dmarc=monitor"
	echo "spfrej.example  spf-fail=reject"
} > "$tmpdir/domains"

# ---- a bad MetricsListen is refused with file:line ----
for bad in "localhost:9125" "127.0.0.1" "127.0.0.1:0" "::1:9125" \
    "127.0.0.1:65536"; do
	printf 'MetricsListen %s\n' "$bad" > "$tmpdir/bad.conf"
	"$AM" -n -c "$tmpdir/bad.conf" > "$tmpdir/n.out" 2>&1
	st=$?
	out=$(cat "$tmpdir/n.out")
	like "$st:$out" "^78:.*bad.conf:1: MetricsListen: expected ADDR:PORT" \
	    "MetricsListen $bad: refused (exit 78, file:line)"
done
printf 'MetricsListen [::1]:9125\n' > "$tmpdir/v6.conf"
check "MetricsListen [::1]:9125 is a valid setting" \
    "$AM" -n -c "$tmpdir/v6.conf"

PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
write_config "$tmpdir/authmilter.conf" "Domains $tmpdir/domains" \
    "MetricsListen 127.0.0.1:$PORT"
start_authmilter "$tmpdir/authmilter.conf" || exit 1
i=0
until curl -sf -o /dev/null "$URL/metrics" || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

# scrape - GET /metrics into $tmpdir/page, flattened by the parser into
# $tmpdir/samples ("SAMPLE name{k=v,...} value", "TYPE family type")
scrape() {
	curl -sf "$URL/metrics" > "$tmpdir/page" &&
	    "$PYTHON" "$SRCDIR/t/lib/prom-samples.py" < "$tmpdir/page" \
	    > "$tmpdir/samples"
}

# metric NAME{LABELS} - a sample's value (labels sorted by name), or
# "absent"
metric() {
	v=$(grep -F "SAMPLE $1 " "$tmpdir/samples" | cut -d' ' -f3)
	echo "${v:-absent}"
}

# sum NAME - the sum of every sample of that name
sum() {
	grep -F "SAMPLE $1{" "$tmpdir/samples" |
	    awk '{ s += $3 } END { print s + 0 }'
}

# ---- messages in flight ----
cat > "$tmpdir/wait.lua" <<LUA
conn = mt.connect("unix:$AM_SOCK", 40, 0.25)
if conn == nil then error("cannot connect") end
mt.conninfo(conn, "client.example", "192.0.2.1")
mt.helo(conn, "mail.pass.example")
mt.mailfrom(conn, "<waiting@pass.example>")
mt.sleep(6)
mt.disconnect(conn)
LUA
miltertest -s "$tmpdir/wait.lua" > "$tmpdir/wait.out" 2>&1 &
mt_pid=$!
at_exit "kill $mt_pid"
inflight=0 i=0
while [ $i -lt 50 ]; do
	scrape && inflight=$(metric "authmilter_messages_in_flight{}")
	[ "$inflight" = 1 ] && break
	sleep 0.1
	i=$((i + 1))
done
is "$inflight" 1 "a message between MAIL FROM and its end: 1 in flight"
wait $mt_pid
scrape
is "$(metric "authmilter_messages_in_flight{}")" 0 \
    "the client gone (message aborted): 0 in flight"
is "$(sum authmilter_messages_total)" 0 \
    "an aborted message is not counted as a message"

# ---- known traffic ----
# to_lua FILE: the message's headers and body as miltertest calls
cat > "$tmpdir/to_lua.py" <<'EOF'
import sys

def lua(s):
    out = '"'
    for ch in s:
        o = ord(ch)
        out += ch if 32 <= o < 127 and ch not in '"\\' else '\\%03d' % o
    return out + '"'

raw = open(sys.argv[1], 'rb').read().decode('latin-1').replace('\r\n', '\n')
head, _, body = raw.partition('\n\n')
fields = []
for line in head.split('\n'):
    if line[:1] in (' ', '\t') and fields:
        fields[-1] += '\n' + line
    else:
        fields.append(line)
for f in fields:
    name, _, value = f.partition(':')
    print('mt.header(conn, %s, %s)' % (lua(name), lua(value)))
print('mt.eoh(conn)')
print('mt.bodystring(conn, %s)' % lua(body.replace('\n', '\r\n')))
EOF

# message ID ADDR DOMAIN TLS REPLY [SIGN]: one message from <ID@DOMAIN>
# (From the same) by client ADDR, {tls_version} TLS ("-": none); REPLY
# is the reply to end of message, or "mailfrom" for a refusal of MAIL
# FROM; SIGN "sign" has it signed by pass.example's two keys first
message() {
	id=$1 addr=$2 domain=$3 tls=$4 reply=$5
	printf 'From: %s@%s\nTo: rcpt@example.net\nSubject: %s\nDate: Sat, 5 Dec 2026 12:00:00 +0000\nMessage-ID: <%s@%s>\n\nHello from %s.\n' \
	    "$id" "$domain" "$id" "$id" "$domain" "$id" > "$tmpdir/$id.eml"
	if [ "${6:-}" = sign ]; then
		"$BUILDDIR/t/dkim-sign" -d pass.example \
		    -k "rsa:$tmpdir/keys/rsa.pem" -k "ed:$tmpdir/keys/ed.pem" \
		    < "$tmpdir/$id.eml" > "$tmpdir/$id.signed" &&
		    mv "$tmpdir/$id.signed" "$tmpdir/$id.eml"
	fi
	{
		echo "conn = mt.connect(\"unix:$AM_SOCK\", 40, 0.25)"
		echo 'if conn == nil then error("cannot connect") end'
		echo "mt.conninfo(conn, \"client.example\", \"$addr\")"
		[ "$tls" = - ] || echo "mt.macro(conn, SMFIC_HELO, \"{tls_version}\", \"$tls\")"
		echo 'mt.helo(conn, "mail.pass.example")'
		echo "mt.mailfrom(conn, \"<$id@$domain>\")"
		if [ "$reply" = mailfrom ]; then
			echo 'if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("MAIL FROM not refused") end'
		else
			"$PYTHON" "$tmpdir/to_lua.py" "$tmpdir/$id.eml"
			echo 'if mt.eom(conn) ~= nil then error("eom") end'
			echo "local r = mt.getreply(conn)"
			echo "if r ~= $reply then error(\"reply \" .. tostring(r)) end"
		fi
		echo 'mt.disconnect(conn)'
	} > "$tmpdir/$id.lua"
	if miltertest -s "$tmpdir/$id.lua" > "$tmpdir/mt.out" 2>&1; then
		ok 0 "$id: answered $reply"
	else
		ok 1 "$id: answered $reply"
		sed 's/^/# /' "$tmpdir/mt.out"
	fi
}

STRANGER=198.51.100.7
message pass 192.0.2.1 pass.example TLSv1.3 SMFIR_ACCEPT sign
message rejected $STRANGER reject.example - SMFIR_REPLYCODE
message quarantined $STRANGER quar.example TLSv1.2 SMFIR_ACCEPT
message monitored $STRANGER mon.example - SMFIR_ACCEPT
message nodmarc 192.0.2.1 nodmarc.example TLSv1.3 SMFIR_ACCEPT
message spfrefused $STRANGER spfrej.example - mailfrom
message outbound 192.0.2.250 pass.example - SMFIR_ACCEPT

scrape
ok $? "the page parses with prometheus_client's parser"

m=authmilter_messages_total
is "$(metric "$m{action=accept,direction=inbound}")" 3 \
    "messages: 3 inbound accepted"
is "$(metric "$m{action=reject,direction=inbound}")" 2 \
    "messages: 2 inbound rejected (DMARC, and SPF at MAIL FROM)"
is "$(metric "$m{action=quarantine_tagged,direction=inbound}")" 1 \
    "messages: 1 inbound quarantined with the tag header"
is "$(metric "$m{action=accept,direction=outbound}")" 1 \
    "messages: 1 outbound accepted"
is "$(sum $m)" 7 "messages: 7 in all, no other series counted"

m=authmilter_spf_results_total
is "$(metric "$m{identity=mailfrom,result=pass}")" 2 "SPF MAIL FROM: 2 pass"
is "$(metric "$m{identity=mailfrom,result=fail}")" 4 "SPF MAIL FROM: 4 fail"
is "$(metric "$m{identity=helo,result=pass}")" 2 "SPF HELO: 2 pass"
is "$(metric "$m{identity=helo,result=fail}")" 4 "SPF HELO: 4 fail"
is "$(sum $m)" 12 "SPF: nothing else counted"

m=authmilter_dkim_results_total
is "$(metric "$m{algorithm=rsa-sha256,result=pass}")" 1 \
    "DKIM: the RSA signature passed"
is "$(metric "$m{algorithm=ed25519-sha256,result=pass}")" 1 \
    "DKIM: the Ed25519 signature passed"
is "$(metric "$m{algorithm=none,result=none}")" 4 \
    "DKIM: 4 inbound messages verified had no signature"
is "$(sum $m)" 6 "DKIM: nothing else counted"

m=authmilter_dmarc_results_total
is "$(metric "$m{disposition=none,policy=reject,result=pass}")" 1 \
    "DMARC: pass under p=reject"
is "$(metric "$m{disposition=reject,policy=reject,result=fail}")" 1 \
    "DMARC: fail under p=reject, rejected"
is "$(metric "$m{disposition=quarantine,policy=quarantine,result=fail}")" 1 \
    "DMARC: fail under p=quarantine, quarantined"
is "$(metric "$m{disposition=none,policy=reject,result=fail}")" 1 \
    "DMARC: fail under p=reject, not enforced (dmarc=monitor)"
is "$(metric "$m{disposition=none,policy=unset,result=none}")" 1 \
    "DMARC: none without a record"
is "$(sum $m)" 5 "DMARC: nothing else counted"
is "$(metric "authmilter_local_overrides_total{override=monitor}")" 1 \
    "local overrides: the dmarc=monitor one"
is "$(sum authmilter_local_overrides_total)" 1 "local overrides: only it"

is "$(metric "authmilter_signatures_total{algorithm=rsa-sha256}")" 1 \
    "signatures made: 1 RSA"
is "$(metric "authmilter_signatures_total{algorithm=ed25519-sha256}")" 1 \
    "signatures made: 1 Ed25519"

m=authmilter_inbound_tls_messages_total
is "$(metric "$m{version=TLSv1.3}")" 2 "TLS: 2 inbound over TLSv1.3"
is "$(metric "$m{version=TLSv1.2}")" 1 "TLS: 1 inbound over TLSv1.2"
is "$(metric "$m{version=plaintext}")" 3 "TLS: 3 inbound in plaintext"
is "$(sum $m)" 6 "TLS: one per inbound message"

m=authmilter_message_connect_to_verdict_seconds
is "$(metric "${m}_count{direction=inbound}")" 6 \
    "latency from connect: one per inbound message"
is "$(metric "${m}_count{direction=outbound}")" 1 \
    "latency from connect: one per outbound message"
is "$(metric "${m}_bucket{direction=inbound,le=+Inf}")" 6 \
    "latency from connect: the +Inf bucket holds them all"
m=authmilter_message_eoh_to_verdict_seconds
is "$(metric "${m}_count{direction=inbound}")" 5 \
    "latency from end of headers: not for the one refused at MAIL FROM"
is "$(metric "${m}_count{direction=outbound}")" 1 \
    "latency from end of headers: the outbound one"
is "$(grep -c '^TYPE authmilter_message_.*_to_verdict_seconds histogram$' \
    "$tmpdir/samples")" 2 "both latencies are histograms"

queries=$(sum authmilter_dns_queries_total)
is "$queries" "$(wc -l < "$tmpdir/queries.log" | tr -d ' ')" \
    "DNS: questions sent = queries the DNS server received"
is "$(metric "authmilter_dns_query_duration_seconds_count{}")" "$queries" \
    "DNS latency: one observation per question sent"
like "$(metric "authmilter_dns_queries_total{outcome=nxdomain}")" "^[1-9]" \
    "DNS: some questions ended in nxdomain (_dmarc of nodmarc.example)"
like "$(metric "authmilter_dns_cache_hits_total{}")" "^[1-9]" \
    "DNS cache: hits (the HELO name asked again)"
misses=$(metric "authmilter_dns_cache_misses_total{}")
check "DNS cache: a miss for every question sent ($misses >= $queries)" \
    test "$misses" -ge "$queries"
is "$(metric "authmilter_build_info{version=$("$AM" -V | cut -d' ' -f2)}")" 1 \
    "build info: the version of authmilter -V"
is "$(grep -c 'example' "$tmpdir/samples")" 0 \
    "no label carries a domain"

# ---- reloads ----
# hup WORD: SIGHUP, then wait for the log line with WORD
hup() {
	before=$(grep -c "$1" "$AM_LOG")
	kill -HUP "$AM_PID"
	i=0
	while [ "$(grep -c "$1" "$AM_LOG")" -le "$before" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
hup "configuration reloaded"
cp "$tmpdir/authmilter.conf" "$tmpdir/good.conf"
echo "DNSTimeout never" >> "$tmpdir/authmilter.conf"
hup "reload of"
cp "$tmpdir/good.conf" "$tmpdir/authmilter.conf"
echo "MetricsListen 127.0.0.1:1" > "$tmpdir/moved.conf"
grep -v '^MetricsListen' "$tmpdir/good.conf" >> "$tmpdir/moved.conf"
cp "$tmpdir/moved.conf" "$tmpdir/authmilter.conf"
hup "MetricsListen changes take effect only at restart"
scrape
ok $? "after the reloads, still served where it was"
is "$(metric "authmilter_config_reloads_total{outcome=success}")" 2 \
    "reloads: 2 taken"
is "$(metric "authmilter_config_reloads_total{outcome=failure}")" 1 \
    "reloads: 1 refused"
like "$(grep 'MetricsListen' "$AM_LOG")" "take effect only at restart" \
    "a changed MetricsListen is logged as taking effect at restart"

# ---- other requests ----
is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/")" 404 "GET /: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/metrics/x")" 404 \
    "GET /metrics/x: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "$URL/metrics")" \
    405 "POST /metrics: 405"
bad=$("$PYTHON" -c "import socket
s = socket.create_connection(('127.0.0.1', $PORT), 5)
s.sendall(b'GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n')
print(s.recv(64).decode('latin-1').split('\r\n')[0])")
like "$bad" "^HTTP/1.1 400" "a malformed header line: 400"
check "still serving after the bad requests" curl -sf -o /dev/null \
    "$URL/metrics"

# ---- the Grafana dashboard ----
dash="$SRCDIR/etc/grafana-authmilter.json"
check "etc/grafana-authmilter.json is well-formed JSON" \
    "$PYTHON" -c "import json, sys; json.load(open(sys.argv[1]))" "$dash"
missing=$("$PYTHON" - "$dash" "$tmpdir/samples" <<'EOF'
import json, re, sys
served = set()
for line in open(sys.argv[2]):
    if line.startswith('SAMPLE '):
        served.add(line.split()[1].split('{')[0])
exprs = []
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == 'expr' and isinstance(v, str):
                exprs.append(v)
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(json.load(open(sys.argv[1])))
names = set(re.findall(r'authmilter_[a-z0-9_]+', ' '.join(exprs)))
print(len(exprs) if exprs else 'no-queries', ' '.join(sorted(names - served)))
EOF
)
like "$missing" "^[1-9][0-9]* $" \
    "every metric the dashboard queries is served (missing: ${missing#* })"

kill "$AM_PID"
