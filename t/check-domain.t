#!/bin/sh
# check-domain.t - authmilter-check DOMAIN... against t/dns/testdns.py
# serving t/data/zones/check.yml (and DKIM keys made here): a domain
# right in every way, and one domain wrong in each way the checks know
# (SPF: 11 lookups through nested includes, 3 void lookups, +all, ?all,
# no all, ptr, a record over 450 octets, two records, a syntax error,
# an include loop, an include without a record, a tree past the walk's
# cap, no record, a record on a name without mail; DKIM: 512- and
# 1024-bit keys, t=y, a revoked key, no key, a key that does not match
# the table's key file; DMARC: none, p=none, t=y, invalid, an inherited
# record, an unauthorized rua; TLS-RPT: none, a bad URI; DNS that does
# not answer; bad arguments).  Each case asserts the finding's text, the
# JSON field and the exit status.  The SPF lookup counts are compared
# with pyspf's (python3-spf), an independent counter; where the two
# differ the case says why.  --skip-tls: the network checks have their
# own test.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"

CHK=$BUILDDIR/milter/authmilter-check
[ -x "$CHK" ] || skip_all "authmilter-check not built"
command -v jq >/dev/null || skip_all "jq not installed"

# ---- DKIM keys and their records ----
mkdir "$tmpdir/keys"
for k in good:2048 k1024:1024 k512:512 wrong:2048; do
	openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${k#*:}" \
	    -out "$tmpdir/keys/${k%:*}.pem" 2>/dev/null ||
	    { echo "Bail out! openssl genpkey"; exit 1; }
done
openssl genpkey -algorithm ED25519 -out "$tmpdir/keys/ed.pem" 2>/dev/null
chmod 600 "$tmpdir"/keys/*.pem
GOOD=$(dkim_pubkey "$tmpdir/keys/good.pem")
{
	zone_txt s2048._domainkey.good.example "v=DKIM1; k=rsa; p=$GOOD"
	zone_txt k1024._domainkey.good.example \
	    "v=DKIM1; k=rsa; p=$(dkim_pubkey "$tmpdir/keys/k1024.pem")"
	zone_txt k512._domainkey.good.example \
	    "v=DKIM1; k=rsa; p=$(dkim_pubkey "$tmpdir/keys/k512.pem")"
	zone_txt ed._domainkey.good.example \
	    "v=DKIM1; k=ed25519; p=$(dkim_pubkey "$tmpdir/keys/ed.pem")"
	zone_txt ktest._domainkey.good.example "v=DKIM1; t=y; p=$GOOD"
	zone_txt krev._domainkey.good.example "v=DKIM1; k=rsa; p="
	zone_txt broken._domainkey.good.example "v=DKIM1; k=rsa; p=!!!"
} > "$tmpdir/keys.yml"

# hostile records, made here: control and 8-bit bytes in SPF, DKIM and
# DMARC text, an include chain 25 records deep, 64 TXT records
"$PYTHON" - "$tmpdir/hostile.yml" <<'EOF' || { echo "Bail out! zone"; exit 1; }
import sys, yaml
z = {
    "bytes.example": [{"MX": [10, "mx.reports.example"]},
                      {"TXT": "v=spf1 ip4:192.0.2.1 \x1b[31m\xff -all"}],
    "_dmarc.bytes.example": [{"TXT": "v=DMARC1; p=reject; rua=mailto:\x1b@x\xff"}],
    "sel._domainkey.bytes.example": [{"TXT": "v=DKIM1; k=\x1b\xff; p=AAAA"}],
    "tab._domainkey.bytes.example": [{"TXT": "v=DKIM1; k=x\t\ty; p=AAAA"}],
    "many.example": [{"TXT": "v=spf1 -all %d" % i} for i in range(64)],
    "nul.example": [{"TXT": "v=spf1 ip4:192.0.2.1 \x00 -all"}],
}
for i in range(1, 26):
    z["d%d.deep.example" % i] = [{"TXT": "v=spf1 include:d%d.deep.example -all"
                                  % (i + 1)}]
with open(sys.argv[1], "w") as fp:
    yaml.safe_dump(z, fp, allow_unicode=False)
EOF

start_dns "$SRCDIR/t/data/zones/check.yml" "$tmpdir/keys.yml" \
    "$tmpdir/hostile.yml"

# conf NAME TABLE-LINE [KEYWORD-LINE] - an authmilter.conf with a
# one-line table
conf() {
	printf '%s\n' "$2" > "$tmpdir/$1.domains"
	cat > "$tmpdir/$1.conf" <<EOF
Domains $tmpdir/$1.domains
Nameservers $DNS_SERVER
DNSTimeout 1
DNSTries 1
Syslog no
${3:-}
EOF
}
conf sign "good.example sign=s2048:$tmpdir/keys/good.pem"
# DKIMSign no: the config loads no key, authmilter-check reads the file
conf nosign "good.example sign=s2048:$tmpdir/keys/good.pem" "DKIMSign no"
conf gone "good.example sign=s2048:$tmpdir/keys/gone.pem" "DKIMSign no"
conf wrong "good.example sign=s2048:$tmpdir/keys/wrong.pem"
conf revoked "good.example sign=krev:$tmpdir/keys/good.pem"

# quiet ARGS... - fail when the run wrote to stderr (a sanitizer's report)
quiet() {
	if [ -s "$tmpdir/stderr" ]; then
		ok 1 "authmilter-check $*: nothing on stderr"
		diag "$(cat "$tmpdir/stderr")"
	fi
}

# run ARGS... - the text report in $out, the exit status in $rc
run() {
	out=$("$CHK" --skip-tls --nameserver "$DNS_SERVER" "$@" \
	    2>"$tmpdir/stderr")
	rc=$?
	quiet "$@"
}

# js ARGS... - the --json report in $js, the exit status in $rc
js() {
	js=$("$CHK" --skip-tls --json --nameserver "$DNS_SERVER" "$@" \
	    2>"$tmpdir/stderr")
	rc=$?
	quiet "$@"
}

# q FILTER - jq's answer on $js
q() {
	printf '%s\n' "$js" | jq -r "$1"
}

# pyspf DOMAIN - "LOOKUPS VOIDS" as pyspf counts them, evaluating the
# domain for a client it does not list (so that every term is looked
# at; strict=False lets pyspf go on past 10, up to its own 40)
pyspf() {
	"$PYTHON" - "$DNS_PORT" "$1" <<'EOF'
import sys
import dns.resolver
import spf
r = dns.resolver.Resolver(configure=False)
r.nameservers = ['127.0.0.1']
r.port = int(sys.argv[1])
dns.resolver.default_resolver = r
d = sys.argv[2]
q = spf.query('198.51.100.99', 'x@' + d, d, strict=False, timeout=5)
q.check()
print(q.lookups, q.void_lookups)
EOF
}

# ---- a domain right in every way ----
run good.example
is "$rc" 0 "good.example: exit 0"
like "$out" '^good\.example: OK$' "good.example: status OK in the title"
like "$out" 'OK +3 of 10 DNS lookups, 0 of 2 void lookups' \
    "good.example: 3 lookups, the finding"
like "$out" '\[ 1\] include:_spf\.good\.example' \
    "good.example: the tree shows the include as lookup 1"
like "$out" '\[ 3\] mx:good\.example' \
    "good.example: the include's mx is lookup 3, indented below it"
like "$out" 'rua: mailto:agg@reports\.example \(authorized\)' \
    "good.example: the external rua authorized (wildcard record)"
js good.example
is "$(q '[.domain, .status, .spf.lookups, .spf.void_lookups] | @tsv')" \
    "good.example	OK	3	0" "good.example: JSON domain, status, counts"
is "$(q '.spf.tree.terms[1].target.domain')" "_spf.good.example" \
    "good.example: JSON tree, the include's record"
is "$(q '[.dmarc.p, .dmarc.sp, .dmarc.np, .dmarc.org_domain] | @tsv')" \
    "reject	reject	reject	good.example" "good.example: JSON DMARC tags"
is "$(q '[.dmarc.rua[] | "\(.uri)=\(.authorized)"] | join(" ")')" \
    "mailto:dmarc@good.example=true mailto:agg@reports.example=true" \
    "good.example: JSON rua, both authorized"
is "$(q '.tls_rpt.rua | join(" ")')" "mailto:tls@reports.example" \
    "good.example: JSON tls_rpt.rua"
is "$(pyspf good.example)" "3 0" "good.example: pyspf counts 3 and 0 too"

# ---- SPF ----
run lookups.example
is "$rc" 2 "11 lookups: exit 2"
like "$out" 'CRITICAL +11 DNS lookups, over the limit of 10' \
    "11 lookups: CRITICAL finding"
like "$out" '\[11\] mx:lookups\.example' \
    "11 lookups: the tree shows which term is the 11th"
like "$out" 'l1\.lookups\.example +\(6 lookups, 0 void\)' \
    "11 lookups: the tree shows what the first include costs"
js lookups.example
is "$(q '.spf.lookups')" 11 "11 lookups: JSON spf.lookups"
is "$(q '.spf.tree.terms[0].target.terms[2].target.lookups')" 3 \
    "11 lookups: JSON tree, the nested include's own count"
is "$(pyspf lookups.example)" "11 0" "11 lookups: pyspf counts 11"

run ten.example
is "$rc" 0 "10 lookups: exit 0 (the limit is allowed)"
js ten.example
is "$(q '.spf.lookups')" 10 "10 lookups: JSON spf.lookups"
is "$(pyspf ten.example)" "10 0" "10 lookups: pyspf counts 10"

run redir.example
is "$rc" 0 "redirect=: exit 0 (its target ends with -all)"
like "$out" '\[ 1\] redirect=_spf\.good\.example' \
    "redirect=: the redirect is lookup 1 in the tree"
js redir.example
is "$(q '.spf.lookups')" 3 "redirect=: JSON spf.lookups 3"
is "$(pyspf redir.example)" "3 0" "redirect=: pyspf counts 3"

run voids.example
is "$rc" 2 "3 void lookups: exit 2"
like "$out" 'CRITICAL +3 void lookups, over the limit of 2' \
    "3 void lookups: CRITICAL finding"
like "$out" 'mx:nomx\.voids\.example +- void lookup: no MX record' \
    "3 void lookups: the tree marks the void term"
js voids.example
is "$(q '[.spf.lookups, .spf.void_lookups] | @tsv')" "4	3" \
    "3 void lookups: JSON spf.lookups 4, spf.void_lookups 3"
is "$(pyspf voids.example)" "4 3" "3 void lookups: pyspf counts 4 and 3"

run plusall.example
is "$rc" 2 "+all: exit 2"
like "$out" 'CRITICAL +the SPF record of plusall\.example has \+all' \
    "+all: CRITICAL finding"
js plusall.example
is "$(q '.spf.findings[] | select(.severity == "CRITICAL") | .text')" \
    "the SPF record of plusall.example has +all: every host on the Internet passes" \
    "+all: JSON spf.findings"

run qall.example
is "$rc" 1 "?all: exit 1"
like "$out" 'WARNING +the SPF record of qall\.example ends with \?all' \
    "?all: WARNING finding"

run noall.example
is "$rc" 1 "no all: exit 1"
like "$out" 'WARNING +the SPF record of noall\.example has no all mechanism' \
    "no all: WARNING finding"

run ptr.example
is "$rc" 1 "ptr: exit 1"
like "$out" 'WARNING +the SPF record of ptr\.example uses ptr' \
    "ptr: WARNING finding"
js ptr.example
is "$(q '[.spf.lookups, .spf.void_lookups] | @tsv')" "1	0" \
    "ptr: JSON counts 1 lookup, no void"
# pyspf looks up the PTR of its client address (none here: one void
# lookup); we do not, since the answer depends on the client
is "$(pyspf ptr.example)" "1 1" "ptr: pyspf counts 1, and a void PTR"

run long.example
is "$rc" 1 "512 octets: exit 1"
like "$out" 'WARNING +the SPF record of long\.example is 512 octets, over 450' \
    "512 octets: WARNING finding"

run two.example
is "$rc" 2 "two SPF records: exit 2"
like "$out" 'CRITICAL +two\.example has 2 SPF records' \
    "two SPF records: CRITICAL finding"
js two.example
like "$(q '.spf.findings[0].text')" '^two\.example has 2 SPF records' \
    "two SPF records: JSON spf.findings"

run syntax.example
is "$rc" 2 "syntax error: exit 2"
like "$out" 'CRITICAL +syntax error in the SPF record of syntax\.example: .*ip4:192\.0\.2\.300' \
    "syntax error: CRITICAL finding naming the term"

run loop.example
is "$rc" 2 "include loop: exit 2, and it ends"
like "$out" 'CRITICAL +include loop: loop\.example leads back to itself' \
    "include loop: CRITICAL finding"
js loop.example
is "$(q '.spf.tree.terms[0].target.terms[0].note')" \
    "loop: this record is already on the path, not followed" \
    "include loop: JSON tree note at the looping term"
# pyspf follows the loop until its recursion limit (20 levels)
is "$(pyspf loop.example)" "21 0" "include loop: pyspf counts 21"

run missinc.example
is "$rc" 2 "include without SPF: exit 2"
like "$out" 'CRITICAL +include:nospf\.missinc\.example names no SPF record' \
    "include without SPF: CRITICAL finding"
# pyspf counts the include's TXT query that found nothing as void; the
# RFC counts terms, and this one is a permerror either way
is "$(pyspf missinc.example)" "1 1" "include without SPF: pyspf 1, 1 void"

run wide.example
is "$rc" 2 "117 lookups: exit 2"
like "$out" 'CRITICAL +the walk stopped after 100 DNS lookups' \
    "117 lookups: the walk stops at its cap, CRITICAL"
js wide.example
is "$(q '[.spf.lookups, .spf.walk_stopped] | @tsv')" "100	true" \
    "117 lookups: JSON spf.lookups at the cap, walk_stopped"
# pyspf stops at its own cap, 4 times the limit
is "$(pyspf wide.example)" "41 0" "117 lookups: pyspf stops at 41"

run nospf.example
is "$rc" 1 "no SPF: exit 1"
like "$out" 'WARNING +nospf\.example has no SPF record' "no SPF: WARNING"
js nospf.example
is "$(q '.spf.record')" null "no SPF: JSON spf.record null"

run nomail.example
is "$rc" 1 "SPF on a name without mail: exit 1"
like "$out" 'WARNING +nomail\.example receives no mail .* but its SPF record authorizes senders' \
    "SPF on a name without mail: WARNING"
run nomailok.example
is "$rc" 0 "v=spf1 -all on a name without mail: exit 0"

# ---- DKIM ----
run --selector s2048 --selector ed good.example
is "$rc" 0 "2048-bit RSA and Ed25519 keys: exit 0"
like "$out" 'OK +RSA 2048-bit key published at s2048\._domainkey\.good\.example' \
    "2048-bit key: OK finding"
js --selector s2048 --selector ed good.example
is "$(q '[.dkim[] | "\(.selector) \(.key_type) \(.bits) \(.testing)"] | join(",")')" \
    "s2048 rsa 2048 false,ed ed25519 256 false" \
    "JSON dkim[].selector, key_type, bits, testing"

run --selector k1024 good.example
is "$rc" 1 "1024-bit key: exit 1"
like "$out" 'WARNING +1024-bit RSA key at k1024\._domainkey\.good\.example: under 2048 bits' \
    "1024-bit key: WARNING"
js --selector k1024 good.example
is "$(q '.dkim[0].bits')" 1024 "1024-bit key: JSON dkim[].bits"

run --selector k512 good.example
is "$rc" 2 "512-bit key: exit 2"
like "$out" 'CRITICAL +512-bit RSA key at k512\._domainkey\.good\.example: under 1024 bits' \
    "512-bit key: CRITICAL"

run --selector ktest good.example
is "$rc" 1 "t=y: exit 1"
like "$out" 'WARNING +the key at ktest\._domainkey\.good\.example has t=y' \
    "t=y: WARNING"
js --selector ktest good.example
is "$(q '.dkim[0].testing')" true "t=y: JSON dkim[].testing"

run --selector krev good.example
is "$rc" 1 "revoked key given by --selector: exit 1"
like "$out" 'WARNING +the key at krev\._domainkey\.good\.example is revoked' \
    "revoked key: WARNING"
js --selector krev good.example
is "$(q '.dkim[0].revoked')" true "revoked key: JSON dkim[].revoked"
run -c "$tmpdir/revoked.conf" good.example
is "$rc" 2 "revoked key the table signs with: exit 2"
like "$out" 'CRITICAL +the key at krev\._domainkey\.good\.example is revoked .* but the table still signs with it' \
    "revoked key the table signs with: CRITICAL"

run --selector nokey --selector broken good.example
is "$rc" 2 "no key, broken key: exit 2"
like "$out" 'CRITICAL +no DKIM key published at nokey\._domainkey\.good\.example' \
    "no key: CRITICAL"
like "$out" 'CRITICAL +the key record at broken\._domainkey\.good\.example is broken' \
    "broken key: CRITICAL"

run -c "$tmpdir/sign.conf" good.example
is "$rc" 0 "the table's selector and key file: exit 0"
like "$out" 'OK +the published key matches the private key in .*/keys/good\.pem' \
    "the table's key file matches the published key"
js -c "$tmpdir/sign.conf" good.example
is "$(q '[.dkim[0].selector, .dkim[0].key_match] | @tsv')" "s2048	true" \
    "JSON: the table's selector, key_match true"
run -c "$tmpdir/nosign.conf" good.example
is "$rc" 0 "DKIMSign no: the key file read by the check itself: exit 0"
like "$out" 'OK +the published key matches the private key in .*/keys/good\.pem' \
    "DKIMSign no: the key file matches"
run -c "$tmpdir/gone.conf" good.example
is "$rc" 3 "a key file that cannot be read: exit 3"
like "$out" 'UNKNOWN +cannot compare with the private key: .*gone\.pem' \
    "a key file that cannot be read: UNKNOWN, naming it"
run -c "$tmpdir/wrong.conf" good.example
is "$rc" 2 "a key file that does not match: exit 2"
like "$out" 'CRITICAL +the published key does not match the private key in .*/keys/wrong\.pem' \
    "a key file that does not match: CRITICAL"

# ---- DMARC ----
run nodmarc.example
is "$rc" 2 "no DMARC: exit 2"
like "$out" 'CRITICAL +no DMARC record for nodmarc\.example' "no DMARC: CRITICAL"
js nodmarc.example
is "$(q '.dmarc.record')" null "no DMARC: JSON dmarc.record null"

run pnone.example
is "$rc" 1 "p=none: exit 1"
like "$out" 'WARNING +policy none for pnone\.example: monitoring only' \
    "p=none: WARNING, monitoring only"
js pnone.example
is "$(q '.dmarc.p')" none "p=none: JSON dmarc.p"

run tdmarc.example
is "$rc" 1 "t=y: exit 1"
like "$out" 'WARNING +t=y: testing' "DMARC t=y: WARNING"

run baddmarc.example
is "$rc" 2 "invalid DMARC: exit 2"
like "$out" 'CRITICAL +the DMARC record of baddmarc\.example at _dmarc\.baddmarc\.example is invalid' \
    "invalid DMARC: CRITICAL"

run sub.good.example
is "$rc" 0 "a subdomain under good.example's record: exit 0"
like "$out" 'OK +sub\.good\.example has no record of its own: the record of good\.example applies' \
    "inherited DMARC record: said so"
js sub.good.example
is "$(q '[.dmarc.at, .dmarc.org_domain, .dmarc.sp] | @tsv')" \
    "good.example	good.example	reject" \
    "inherited DMARC record: JSON dmarc.at, org_domain, sp"

run unauth.example
is "$rc" 1 "unauthorized rua: exit 1"
like "$out" 'WARNING +rua destination x@noauth\.example is not authorized' \
    "unauthorized rua: WARNING"
like "$out" 'fix: have the destination publish TXT "v=DMARC1" at unauth\.example\._report\._dmarc\.noauth\.example' \
    "unauthorized rua: the fix names the record"
js unauth.example
is "$(q '[.dmarc.rua[] | "\(.uri)=\(.authorized)"] | join(" ")')" \
    "mailto:agg@reports.example=true mailto:x@noauth.example=false" \
    "unauthorized rua: JSON dmarc.rua[].authorized"

# ---- TLS-RPT ----
run notlsrpt.example
is "$rc" 1 "no TLS-RPT: exit 1"
like "$out" 'WARNING +no TLS-RPT record at _smtp\._tls\.notlsrpt\.example' \
    "no TLS-RPT: WARNING"
run badtlsrpt.example
is "$rc" 2 "TLS-RPT with a bad URI: exit 2"
like "$out" 'CRITICAL +rua URI ftp://reports\.example/tls is neither mailto: nor https:' \
    "TLS-RPT with a bad URI: CRITICAL"
js badtlsrpt.example
is "$(q '.tls_rpt.rua | length')" 0 "TLS-RPT with a bad URI: JSON rua empty"

# ---- hostile records: shown printable, never a crash or a hang ----
run --selector sel bytes.example
is "$rc" 2 "8-bit and control bytes: exit 2 (syntax error, bad key)"
unlike "$out" "$(printf '\033')" \
    "8-bit and control bytes: no escape reaches the terminal"
like "$out" 'invalid byte 0x1b' \
    "8-bit and control bytes: the SPF parser says which"
js --selector sel bytes.example
like "$(q '.dkim[0].findings[0].text')" 'is broken \(control character' \
    "8-bit and control bytes: the DKIM key record is broken, JSON says why"
js --selector tab bytes.example
like "$(q '.dkim[0].findings[0].text')" 'unknown type k=x\?\?y: ' \
    "a k= with tabs inside (FWS, RFC 6376 3.2): the finding shows them as ?"
is "$(q '.dkim[0].key_type')" "$(printf 'x\t\ty')" \
    "... the JSON key_type keeps the value whole"
run d1.deep.example
is "$rc" 2 "an include chain 25 deep: exit 2"
like "$out" 'CRITICAL +include d21\.deep\.example is nested more than 20 records deep' \
    "an include chain 25 deep: the walk stops at CHECK_SPF_MAX_DEPTH"
run many.example
is "$rc" 2 "64 SPF records: exit 2"
like "$out" 'CRITICAL +many\.example has 64 SPF records' \
    "64 SPF records: counted"

run nul.example
is "$rc" 2 "a NUL byte in the SPF record: exit 2"
like "$out" 'invalid byte 0x00' "a NUL byte in the SPF record: the parser says so"
js nul.example
is "$(q '.spf.record | explode | map(if . == 0 then 64 else . end) | implode')" \
    "v=spf1 ip4:192.0.2.1 @ -all" \
    "a NUL byte in the SPF record: JSON keeps the whole record, the NUL as \\u0000"

# ---- several domains: one JSON object a line, the worst exit ----
js good.example pnone.example lookups.example
is "$rc" 2 "three domains: the worst exit status"
is "$(q '"\(.domain) \(.status)"' | paste -sd, -)" \
    "good.example OK,pnone.example WARNING,lookups.example CRITICAL" \
    "three domains: one object a line, each with its status"

# ---- could not check: exit 3 ----
out=$("$CHK" --skip-tls -c "$tmpdir/sign.conf" timeout.example 2>&1)
is "$?" 3 "DNS that does not answer: exit 3"
like "$out" 'UNKNOWN +DNS did not answer for timeout\.example TXT' \
    "DNS that does not answer: UNKNOWN finding"
"$CHK" --skip-tls >/dev/null 2>&1
is "$?" 3 "no DOMAIN: exit 3"
out=$("$CHK" --skip-tls 'not a domain' 2>&1)
is "$?" 3 "a bad DOMAIN: exit 3"
like "$out" 'not a domain name' "a bad DOMAIN: said so"
"$CHK" --skip-tls --cert-days 7,21 good.example >/dev/null 2>&1
is "$?" 3 "--cert-days WARN below CRIT: exit 3"
"$CHK" --skip-tls --nameserver nowhere good.example >/dev/null 2>&1
is "$?" 3 "a bad --nameserver: exit 3"
printf 'NoSuchKeyword 1\n' > "$tmpdir/bad.conf"
out=$("$CHK" --skip-tls -c "$tmpdir/bad.conf" good.example 2>&1)
is "$?" 3 "a bad config: exit 3"
like "$out" 'bad\.conf:1' "a bad config: the error names file and line"

done_testing
