#!/bin/sh
# check-tls.t - authmilter-check's MX and TLS and MTA-STS checks against a
# loopback world (t/lib/tlsworld.sh): a real Postfix serving good,
# expired, misnamed, 1024-bit, soon-expiring and untrusted certificates
# by SNI, and none at all; odd SMTP servers; an HTTPS server with good
# and broken MTA-STS policies.  Each case asserts the finding, the JSON
# field and the exit status.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"
. "$SRCDIR/t/lib/tlsworld.sh"

start_dns "$SRCDIR/t/data/zones/check-tls.yml" || exit 1

# ---- the world ----
mkdir -p "$TLS_DIR"
tls_ca test && tls_ca other || { echo "Bail out! cannot make the test CAs"; exit 1; }
year="+1 year"
tls_cert test good mx.good.tls.example 2048 "-1 day" "$year"
tls_cert test default mx.tls.example 2048 "-1 day" "$year"
tls_cert test expired mx.expired.tls.example 2048 "-60 days" "-3 days"
tls_cert test wrongname other.tls.example 2048 "-1 day" "$year"
tls_cert test weak mx.weak.tls.example 1024 "-1 day" "$year"
tls_cert test soon mx.soon.tls.example 2048 "-1 day" "+10 days +1 hour"
tls_cert other untrusted mx.untrusted.tls.example 2048 "-1 day" "$year"
tls_cert test sts mta-sts.good.tls.example 2048 "-1 day" "$year" \
    mta-sts.good.tls.example mta-sts.expired.tls.example \
    mta-sts.redirect.tls.example mta-sts.html.tls.example \
    mta-sts.big.tls.example mta-sts.bigstream.tls.example \
    mta-sts.wild.tls.example mta-sts.testing.tls.example
tls_cert other stsother mta-sts.badcert.tls.example 2048 "-1 day" "$year"
[ -s "$TLS_DIR/stsother.pem" ] || { echo "Bail out! cannot make the test certificates"; exit 1; }

start_tls_postfix default mx.good.tls.example=good \
    mx.expired.tls.example=expired mx.wrongname.tls.example=wrongname \
    mx.weak.tls.example=weak mx.soon.tls.example=soon \
    mx.untrusted.tls.example=untrusted || { echo "Bail out! postfix"; exit 1; }
start_odd_smtp silent 127.0.0.4 || { echo "Bail out! silent server"; exit 1; }
start_odd_smtp longline 127.0.0.5 || { echo "Bail out! longline server"; exit 1; }

"$PYTHON" - "$TLS_DIR" > "$TLS_DIR/https.json" <<'EOT'
import json, sys
d = sys.argv[1]
sts = d + "/sts.pem"
def pol(mode, *mx):
    return "version: STSv1\r\nmode: %s\r\n%smax_age: 604800\r\n" % (
        mode, "".join("mx: %s\r\n" % m for m in mx))
hosts = {
    "mta-sts.good.tls.example": {"cert": sts,
        "body": pol("enforce", "mx.good.tls.example")},
    "mta-sts.expired.tls.example": {"cert": sts,
        "body": pol("enforce", "*.expired.tls.example")},
    "mta-sts.redirect.tls.example": {"cert": sts, "status": 301,
        "location": "https://mta-sts.good.tls.example/.well-known/mta-sts.txt"},
    "mta-sts.html.tls.example": {"cert": sts, "type": "text/html",
        "body": pol("enforce", "mx.good.tls.example")},
    "mta-sts.big.tls.example": {"cert": sts, "body": "x" * 1000,
        "repeat": 100},
    "mta-sts.bigstream.tls.example": {"cert": sts, "body": "x" * 1000,
        "repeat": 100, "length": False},
    "mta-sts.wild.tls.example": {"cert": sts,
        "body": pol("enforce", "*.wild.tls.example")},
    "mta-sts.testing.tls.example": {"cert": sts,
        "body": pol("testing", "mx.good.tls.example")},
    "mta-sts.badcert.tls.example": {"cert": d + "/stsother.pem",
        "body": pol("enforce", "mx.good.tls.example")},
}
json.dump(hosts, sys.stdout, indent=1)
EOT
start_sts_https "$TLS_DIR/https.json" || { echo "Bail out! https server"; exit 1; }
start_odd_smtp silent 127.0.0.6 "$TLS_HTTPS_PORT" || { echo "Bail out! silent https"; exit 1; }

# probe OUT DOMAIN [options]: the checks on DOMAIN, JSON into OUT; sets rc
probe() {
	_out=$1
	shift
	"$BUILDDIR/t/check-tls-probe" --nameserver "$DNS_SERVER" \
	    --smtp-port "$TLS_SMTP_PORT" --https-port "$TLS_HTTPS_PORT" \
	    --ca-file "$TLS_DIR/test.crt" --timeout 2 "$@" > "$tmpdir/$_out.json"
	rc=$?
}
# jget OUT PATH: a field of OUT's JSON (a.b[0].c), as JSON text
jget() {
	"$PYTHON" -c '
import json, re, sys
v = json.load(open(sys.argv[1]))
for part in re.findall(r"[^.\[\]]+|\[\d+\]", sys.argv[2]):
    if part.startswith("["):
        v = v[int(part[1:-1])] if isinstance(v, list) and int(part[1:-1]) < len(v) else None
    else:
        v = v.get(part) if isinstance(v, dict) else None
print(v if isinstance(v, str) else json.dumps(v))' "$tmpdir/$1.json" "$2"
}
# findings OUT PATH: "SEVERITY text" lines of the findings at PATH
findings() {
	"$PYTHON" -c '
import json, sys
v = json.load(open(sys.argv[1]))
for part in sys.argv[2].split(".") if sys.argv[2] else []:
    v = v[int(part)] if isinstance(v, list) else v.get(part, {})
for f in v.get("findings", []):
    print(f["severity"], f["text"])' "$tmpdir/$1.json" "$2"
}

# ---- MX and TLS ----
probe good good.tls.example --only mx
is "$rc" 0 "good MX: exit 0"
is "$(jget good 'mx[0].host')" mx.good.tls.example "good MX: mx[0].host"
is "$(jget good 'mx[0].starttls')" true "good MX: starttls true"
like "$(jget good 'mx[0].tls_version')" '^TLSv1\.[23]$' "good MX: tls_version reported"
like "$(jget good 'mx[0].cipher')" '^[A-Z0-9_-]+$' "good MX: cipher reported"
is "$(jget good 'mx[0].cert.verified')" true "good MX: cert.verified true against --ca-file"
is "$(jget good 'mx[0].cert.name_match')" true "good MX: cert.name_match true"
is "$(jget good 'mx[0].cert.key_type') $(jget good 'mx[0].cert.key_bits')" "RSA 2048" \
    "good MX: cert.key_type RSA, cert.key_bits 2048"
like "$(jget good 'mx[0].cert.days_left')" '^36[45]$' "good MX: cert.days_left about a year"
like "$(findings good 'mx.0')" '^OK .*a valid certificate' "good MX: one OK finding"

probe nosni good.tls.example --only mx --ca-file "$TLS_DIR/other.crt"
is "$rc" 1 "good MX checked against another CA: exit 1"
is "$(jget nosni 'mx[0].cert.verified')" false "... cert.verified false"

probe noca good.tls.example --only mx --ca-file "$tmpdir/no-such-ca.crt"
is "$rc" 3 "an unreadable --ca-file: exit 3 (could not check)"
like "$(findings noca '')" '^UNKNOWN .*cannot load the CA certificates' "... and says so"

probe expired expired.tls.example --only mx
is "$rc" 2 "expired certificate: exit 2"
like "$(jget expired 'mx[0].cert.days_left')" '^-[34]$' "expired: cert.days_left negative"
like "$(findings expired 'mx.0')" '^CRITICAL .*the certificate expired [34] day' \
    "expired: CRITICAL finding"
is "$(jget expired 'mx[0].cert.verified')" false "expired: cert.verified false"

probe wrongname wrongname.tls.example --only mx
is "$rc" 1 "wrong name: exit 1"
is "$(jget wrongname 'mx[0].cert.name_match')" false "wrong name: cert.name_match false"
is "$(jget wrongname 'mx[0].cert.verified')" true "wrong name: the chain itself verifies"
like "$(findings wrongname 'mx.0')" '^WARNING .*not valid for the name mx.wrongname.tls.example' \
    "wrong name: WARNING finding"

probe weak weak.tls.example --only mx
is "$rc" 1 "1024-bit key: exit 1"
is "$(jget weak 'mx[0].cert.key_bits')" 1024 "1024-bit key: cert.key_bits 1024"
like "$(findings weak 'mx.0')" '^WARNING .*RSA key has 1024 bits \(under 2048\)' \
    "1024-bit key: WARNING finding"

probe soon soon.tls.example --only mx
is "$rc" 1 "10 days left: exit 1 (WARNING under 21)"
is "$(jget soon 'mx[0].cert.days_left')" 10 "10 days left: cert.days_left 10"
like "$(findings soon 'mx.0')" '^WARNING .*expires in 10 day\(s\) \(under 21\)' \
    "10 days left: WARNING finding"
probe soon2 soon.tls.example --only mx --cert-days 30,14
is "$rc" 2 "10 days left with --cert-days 30,14: exit 2"
like "$(findings soon2 'mx.0')" '^CRITICAL .*expires in 10 day\(s\) \(under 14\)' \
    "--cert-days sets the CRITICAL threshold"

probe untrusted untrusted.tls.example --only mx
is "$rc" 1 "certificate from another CA: exit 1"
is "$(jget untrusted 'mx[0].cert.verified')" false "other CA: cert.verified false"
like "$(jget untrusted 'mx[0].cert.verify_error')" 'self-signed' "other CA: verify_error says why"

probe plain plain.tls.example --only mx
is "$rc" 2 "no STARTTLS: exit 2"
is "$(jget plain 'mx[0].starttls')" false "no STARTTLS: starttls false"
like "$(findings plain 'mx.0')" '^CRITICAL .*does not offer STARTTLS' "no STARTTLS: CRITICAL finding"

probe down down.tls.example --only mx
is "$rc" 2 "connection refused: exit 2"
is "$(jget down 'mx[0].starttls')" null "connection refused: starttls null"
like "$(findings down 'mx.0')" '^CRITICAL .*Connection refused' "connection refused: CRITICAL finding"

probe silent silent.tls.example --only mx --timeout 1
is "$rc" 2 "a server that never greets: exit 2, no hang"
like "$(findings silent 'mx.0')" '^CRITICAL .*no answer to the connection in time' \
    "a server that never greets: the timeout is the finding"

probe longline longline.tls.example --only mx
is "$rc" 2 "a 10,000-byte greeting line: exit 2"
like "$(findings longline 'mx.0')" 'longer than 512 bytes' "the line cap is the finding"

probe noaddr noaddr.tls.example --only mx
like "$(findings noaddr 'mx.0')" '^CRITICAL .*has no address' "an MX host without address: CRITICAL"

probe nomx nomx.tls.example --only mx
like "$(findings nomx '')" '^WARNING .*implicit MX' "no MX record: WARNING, the domain is the implicit MX"
is "$(jget nomx 'mx[0].host')" nomx.tls.example "no MX record: the domain itself is probed"

probe missing missing.tls.example --only mx
is "$rc" 2 "NXDOMAIN: exit 2"
is "$(jget missing 'mx')" "[]" "NXDOMAIN: mx is empty"

probe nullmx nullmx.tls.example --only mx
is "$rc" 0 "a null MX alone: exit 0"
like "$(findings nullmx '')" '^OK MX: nullmx.tls.example publishes a null MX: it accepts no mail' \
    "a null MX alone: an OK finding says the domain takes no mail"
is "$(jget nullmx 'mx')" "[]" "a null MX alone: no host probed"

probe badname badname.tls.example --only mx
is "$rc" 2 "an MX name with a space and an ESC byte: exit 2"
like "$(findings badname '')" '^CRITICAL MX: mx \?1\.tls\.example is not a host name' \
    "an MX name with a space and an ESC byte: CRITICAL, the name shown escaped"
is "$(jget badname 'mx[0].host')" mx.good.tls.example \
    "an MX name with a space and an ESC byte: only the good MX is probed"
is "$(jget badname 'mx[1]')" null \
    "an MX name with a space and an ESC byte: it is not in the JSON mx list"

probe badnull badnull.tls.example --only mx
is "$rc" 2 "a null MX beside another MX: exit 2"
like "$(findings badnull '')" '^CRITICAL MX: badnull.tls.example publishes a null MX' \
    "a null MX beside another MX: CRITICAL (RFC 7505 3)"
is "$(jget badnull 'mx[0].host')" mx.good.tls.example "... and the real MX is still probed"

probe many many.tls.example --only mx
like "$(findings many '')" '^WARNING MX: 17 MX hosts; only the first 16 by preference are checked' \
    "17 MX hosts: the probe cap (16) is a WARNING naming both numbers"
is "$("$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["mx"]))' "$tmpdir/many.json")" 16 \
    "17 MX hosts: 16 probed"
is "$(jget many 'mx[15].host')" mx16.many.tls.example "17 MX hosts: the 16 with the best preference"

# ---- MTA-STS ----
probe sts-good good.tls.example
is "$rc" 0 "good MX and MTA-STS policy: exit 0"
is "$(jget sts-good 'mta_sts.id')" 20261205T000000 "mta_sts.id"
is "$(jget sts-good 'mta_sts.mode')" enforce "mta_sts.mode"
is "$(jget sts-good 'mta_sts.max_age')" 604800 "mta_sts.max_age"
is "$(jget sts-good 'mta_sts.mx')" '["mx.good.tls.example"]' "mta_sts.mx"
is "$(jget sts-good 'mta_sts.uncovered_mx')" '[]' "mta_sts.uncovered_mx empty"

probe sts-expired expired.tls.example
is "$rc" 2 "enforce with an expired MX certificate: exit 2"
like "$(findings sts-expired 'mta_sts')" "^CRITICAL MTA-STS: mode enforce, but mx.expired.tls.example's certificate does not verify" \
    "enforce: an MX whose certificate fails is CRITICAL under MTA-STS too"

probe sts-redirect redirect.tls.example --only mta-sts
is "$rc" 2 "policy behind a redirect: exit 2"
is "$(jget sts-redirect 'mta_sts.http_status')" 301 "redirect: not followed (http_status 301)"
like "$(findings sts-redirect 'mta_sts')" '^CRITICAL .*answers 301, a redirect to https://mta-sts.good' \
    "redirect: CRITICAL finding names the target"
is "$(jget sts-redirect 'mta_sts.mode')" null "redirect: no policy read"

probe sts-html html.tls.example --only mta-sts
is "$rc" 2 "policy as text/html: exit 2"
like "$(findings sts-html 'mta_sts')" '^CRITICAL .*served as text/html, not text/plain' \
    "text/html: CRITICAL finding"

probe sts-big big.tls.example --only mta-sts
is "$rc" 2 "100 KB policy (Content-Length): exit 2"
like "$(findings sts-big 'mta_sts')" '^CRITICAL .*over 65536 bytes; the fetch was stopped' \
    "100 KB with Content-Length: the cap is the finding"
probe sts-bigstream bigstream.tls.example --only mta-sts
is "$rc" 2 "100 KB policy without Content-Length: exit 2"
like "$(findings sts-bigstream 'mta_sts')" '^CRITICAL .*over 65536 bytes; the fetch was stopped' \
    "100 KB streamed: the transfer is stopped at the cap"

probe sts-badcert badcert.tls.example --only mta-sts
is "$rc" 2 "policy host with an untrusted certificate: exit 2"
like "$(findings sts-badcert 'mta_sts')" '^CRITICAL .*failed: SSL certificate problem' \
    "untrusted policy host: CRITICAL finding"

probe sts-twotxt twotxt.tls.example --only mta-sts
is "$rc" 2 "two v=STSv1 records: exit 2"
like "$(findings sts-twotxt 'mta_sts')" '^CRITICAL .*has 2 v=STSv1 records' "two records: CRITICAL"

probe sts-noid noid.tls.example --only mta-sts
is "$rc" 2 "a record without id: exit 2"
is "$(jget sts-noid 'mta_sts.id')" null "no id: mta_sts.id null"

probe sts-wild wild.tls.example --only mta-sts
is "$rc" 2 "*.wild.tls.example against a two-label MX under enforce: exit 2"
is "$(jget sts-wild 'mta_sts.uncovered_mx')" '["mx.b.wild.tls.example"]' \
    "*.wild.tls.example covers mx.wild.tls.example but not mx.b.wild.tls.example"
like "$(findings sts-wild 'mta_sts')" '^CRITICAL .*MX mx.b.wild.tls.example is not covered' \
    "uncovered MX under enforce: CRITICAL"

probe sts-testing testing.tls.example --only mta-sts
is "$rc" 1 "uncovered MX under testing: exit 1"
is "$(jget sts-testing 'mta_sts.uncovered_mx')" '["mx.other.example"]' "testing: uncovered_mx"
like "$(findings sts-testing 'mta_sts')" '^WARNING .*MX mx.other.example is not covered' \
    "uncovered MX under testing: WARNING"

probe sts-nohost nopolicyhost.tls.example --only mta-sts
like "$(findings sts-nohost 'mta_sts')" '^CRITICAL .*mta-sts.nopolicyhost.tls.example has no address' \
    "policy host without address: CRITICAL, and curl is not asked to resolve it"

probe sts-slow slow.tls.example --only mta-sts --timeout 1
is "$rc" 2 "a policy host that never answers: exit 2, no hang"
like "$(findings sts-slow 'mta_sts')" '^CRITICAL .*fetching https://mta-sts.slow.tls.example:[0-9]+/.well-known/mta-sts.txt failed: .*[Tt]ime' \
    "... the timeout is the finding"

probe sts-noca good.tls.example --only mta-sts --ca-file "$tmpdir/no-such-ca.crt"
is "$rc" 3 "MTA-STS with an unreadable --ca-file: exit 3"
like "$(findings sts-noca mta_sts)" "^UNKNOWN .*cannot read the CA certificates" "... and says so"

probe sts-none plain.tls.example --only mta-sts
is "$rc" 0 "no MTA-STS record: exit 0 (it is optional)"
like "$(findings sts-none 'mta_sts')" '^OK .*no v=STSv1 record' "no record: an OK finding says so"

# ---- through authmilter-check itself ----
# cli OUT DOMAIN [options]: authmilter-check --json on DOMAIN; sets rc
cli() {
	_out=$1
	shift
	"$BUILDDIR/milter/authmilter-check" --json --nameserver "$DNS_SERVER" \
	    --smtp-port "$TLS_SMTP_PORT" --https-port "$TLS_HTTPS_PORT" \
	    --ca-file "$TLS_DIR/test.crt" --timeout 2 "$@" > "$tmpdir/$_out.json" \
	    2> "$tmpdir/$_out.err"
	rc=$?
}
cli c-good good.tls.example
is "$rc" 0 "authmilter-check: a healthy domain exits 0" ||
    diag "$(cat "$tmpdir/c-good.json" "$tmpdir/c-good.err")"
is "$(jget c-good 'mx[0].cert.verified') $(jget c-good 'mx[0].cert.name_match') $(jget c-good 'mx[0].cert.key_bits')" \
    "true true 2048" "authmilter-check: mx[].cert in its --json"
is "$(jget c-good 'mta_sts.mode') $(jget c-good 'mta_sts.uncovered_mx')" "enforce []" \
    "authmilter-check: mta_sts in its --json"
cli c-soon soon.tls.example
is "$rc" 1 "authmilter-check: a certificate with 10 days left exits 1"
is "$(jget c-soon 'mx[0].cert.days_left')" 10 "... days_left 10"
cli c-plain plain.tls.example
is "$rc" 2 "authmilter-check: an MX without STARTTLS exits 2"
is "$(jget c-plain 'mx[0].starttls')" false "... starttls false"
cli c-expired expired.tls.example
is "$rc" 2 "authmilter-check: an expired certificate under MTA-STS enforce exits 2"
like "$(findings c-expired 'mta_sts')" "^CRITICAL MTA-STS: mode enforce, but mx.expired.tls.example" \
    "... and MTA-STS says senders will not deliver"
cli c-wild wild.tls.example
is "$rc" 2 "authmilter-check: *.wild.tls.example leaving mx.b.wild.tls.example uncovered exits 2"
is "$(jget c-wild 'mta_sts.uncovered_mx')" '["mx.b.wild.tls.example"]' "... uncovered_mx"
out=$("$BUILDDIR/milter/authmilter-check" --nameserver "$DNS_SERVER" \
    --smtp-port "$TLS_SMTP_PORT" --https-port "$TLS_HTTPS_PORT" \
    --ca-file "$TLS_DIR/test.crt" plain.tls.example 2>&1)
like "$(printf '%s\n' "$out" | sed -n '/^MX and TLS/,/^$/p' | tr '\n' ' ')" \
    'mx.plain.tls.example .*CRITICAL.*does not offer STARTTLS' \
    "authmilter-check's readable report: the MX finding under MX and TLS"
cli c-skip plain.tls.example --skip-tls
is "$rc" 0 "authmilter-check --skip-tls: no MX probe, no MTA-STS fetch"
is "$(jget c-skip 'mx')" null "... and no mx key"
cli c-badport plain.tls.example --smtp-port 0
is "$rc" 3 "authmilter-check --smtp-port 0: bad arguments exit 3"
done_testing
