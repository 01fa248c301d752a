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

cp "$TLS_PF_DIR/maillog" /tmp/pf.log; for d in good expired wrongname weak soon untrusted plain down silent longline noaddr nomx missing; do
	probe $d $d.tls.example --only mx
	echo "== $d rc=$rc"; cat "$tmpdir/$d.json"
done
for d in good expired redirect html big bigstream badcert twotxt noid wild testing nopolicyhost plain; do
	probe sts-$d $d.tls.example --only mta-sts
	echo "== sts $d rc=$rc"; cat "$tmpdir/sts-$d.json"
done
