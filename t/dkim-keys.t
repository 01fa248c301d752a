#!/bin/sh
# dkim-keys.t - lib/dkim_verify looks its keys up itself, through lib/dns,
# against the test DNS server: all keys of a message are asked at end of
# headers at once (behind a slow server all three queries of a message
# come before the first answer; without the prefetch, one after the
# other); a timeout, SERVFAIL or garbage answer is temperror, NXDOMAIN
# and NODATA permerror, no DNS client temperror; a key split into several
# strings verifies; of several TXT records the first that is a key
# counts; the key forms (SubjectPublicKeyInfo, bare PKCS#1, raw and SPKI
# Ed25519) verify and a key of the wrong type does not; key s= and t=s.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"

fx=$tmpdir/fx
mkdir -p "$fx"
if ! "$PYTHON" - "$fx" >"$tmpdir/fx.log" 2>&1 <<'PY'
import base64, subprocess, sys
import dkim, nacl.signing

fx = sys.argv[1]
subprocess.run(['openssl', 'genrsa', '-traditional', '-out', fx + '/r.pem',
                '2048'], check=True, stderr=subprocess.DEVNULL)
rsa = open(fx + '/r.pem', 'rb').read()
def der(*args):
    return base64.b64encode(subprocess.run(
        ['openssl', 'rsa', '-in', fx + '/r.pem'] + list(args) +
        ['-outform', 'DER'], check=True, capture_output=True,
        stdin=subprocess.DEVNULL).stdout).decode()
spki, pkcs1 = der('-pubout'), der('-RSAPublicKey_out')
sk = nacl.signing.SigningKey.generate()
edk = base64.b64encode(bytes(sk))
raw = bytes(sk.verify_key)
edraw = base64.b64encode(raw).decode()
# SubjectPublicKeyInfo of an Ed25519 key (RFC 8410): fixed prefix, key
edspki = base64.b64encode(bytes.fromhex('302a300506032b6570032100') +
                          raw).decode()

def strings(rec):
    return '[' + ', '.join('"%s"' % rec[i:i + 200]
                           for i in range(0, len(rec), 200)) + ']'

zone = {
    'split': ['v=DKIM1; k=rsa; p=' + spki],
    'multi': ['v=spf1 -all', 'hello world', 'v=DKIM1; p=%%%%',
              'v=DKIM2; p=' + spki, 'v=DKIM1; k=rsa; p=' + spki],
    'pkcs1': ['v=DKIM1; k=rsa; p=' + pkcs1],
    'edraw': ['v=DKIM1; k=ed25519; p=' + edraw],
    'edspki': ['v=DKIM1; k=ed25519; p=' + edspki],
    'rsaed': ['v=DKIM1; k=rsa; p=' + edspki],
    'badkey': ['v=DKIM1; p=%%%%'],
    'notkey': ['v=spf1 -all'],
    'svc': ['v=DKIM1; s=other; p=' + spki],
    'svcok': ['v=DKIM1; s=other:email; p=' + spki],
    'strict': ['v=DKIM1; t=s; p=' + spki],
    'd1': ['v=DKIM1; p=' + spki], 'd2': ['v=DKIM1; p=' + spki],
    'd3': ['v=DKIM1; p=' + spki],
}
with open(fx + '/zone.yml', 'w') as z:
    for sel, recs in sorted(zone.items()):
        z.write('%s._domainkey.example.org:\n' % sel)
        for r in recs:
            z.write('  - TXT: %s\n' % strings(r))
    z.write('nodata._domainkey.example.org:\n  - A: 192.0.2.1\n')
    z.write('slow._domainkey.example.org:\n  - TIMEOUT\n')
    z.write('servfail._domainkey.example.org:\n  - SERVFAIL\n')
    z.write('garbage._domainkey.example.org:\n  - GARBAGE\n')

base = (b'From: Alice <alice@example.org>\r\nTo: bob@example.net\r\n'
        b'Subject: keys\r\nDate: Sun, 22 Nov 2026 12:00:00 +0000\r\n\r\n'
        b'Hello,\r\n\r\nthis is signed.\r\n')
def sign(m, sel, key=rsa, alg=b'rsa-sha256', **kw):
    return dkim.sign(m, sel, b'example.org', key, signature_algorithm=alg,
                     **kw) + m
for sel in ['split', 'multi', 'pkcs1', 'rsaed', 'badkey', 'notkey', 'svc',
            'svcok', 'strict', 'nodata', 'slow', 'servfail', 'garbage',
            'missing']:
    open('%s/%s.msg' % (fx, sel), 'wb').write(sign(base, sel.encode()))
for sel in ['edraw', 'edspki']:
    open('%s/%s.msg' % (fx, sel), 'wb').write(
        sign(base, sel.encode(), edk, b'ed25519-sha256'))
open(fx + '/strict-sub.msg', 'wb').write(
    sign(base, b'strict', identity=b'@mail.example.org'))
open(fx + '/strict-d.msg', 'wb').write(
    sign(base, b'strict', identity=b'alice@example.org'))
open(fx + '/three.msg', 'wb').write(sign(sign(sign(base, b'd3'), b'd2'),
                                         b'd1'))
PY
then
	diag "$(cat "$tmpdir/fx.log")"
	echo "Bail out! cannot make the fixtures"
	exit 1
fi
start_dns "$fx/zone.yml" || exit 1
V=$BUILDDIR/t/dkim-verify

# v FILE [options] - the result line(s) of a message, without b=
v() {
	_f=$1
	shift
	"$V" -s "$DNS_SERVER" "$@" < "$fx/$_f" | sed 's/ b=[^ ]*//'
}

# ---- keys found and read ----
like "$(v split.msg)" '^pass .* s=split .*\(2048-bit key\)$' \
    'a key record in two TXT strings (over 255 bytes) is joined: pass'
like "$(v multi.msg)" '^pass .* s=multi ' \
    'five TXT records (SPF, text, bad key, v=DKIM2, key): the key is used'
like "$(v pkcs1.msg)" '^pass .* s=pkcs1 .*\(2048-bit key\)$' \
    'an RSA key as a bare PKCS#1 RSAPublicKey: pass'
like "$(v edraw.msg)" '^pass .* s=edraw .*\(ed25519 key\)$' \
    'an Ed25519 key as its raw 32 bytes (RFC 8463): pass'
like "$(v edspki.msg)" '^pass .* s=edspki .*\(ed25519 key\)$' \
    'an Ed25519 key as a SubjectPublicKeyInfo: pass'
like "$(v rsaed.msg)" '^permerror .*\(key p= is not an RSA key\)$' \
    'k=rsa with an Ed25519 key in p=: permerror'
like "$(v badkey.msg)" \
    '^permerror .*\(bad key record at badkey\._domainkey\.example\.org: p= is not base64\)$' \
    'the only record is a broken key record: permerror, saying why'
like "$(v notkey.msg)" \
    '^permerror .*\(no key published at notkey\._domainkey\.example\.org\)$' \
    'the only TXT record is not a key record: permerror, no key'
like "$(v svc.msg)" '^permerror .*\(key s= does not allow email\)$' \
    'key s=other: permerror'
like "$(v svcok.msg)" '^pass .* s=svcok ' 'key s=other:email: pass'
like "$(v strict-sub.msg)" \
    '^permerror .* i=@mail\.example\.org .*\(key t=s: the i= domain is not d=\)$' \
    'key t=s, i= in a subdomain of d=: permerror'
like "$(v strict-d.msg)" '^pass .* i=alice@example\.org s=strict ' \
    'key t=s, i= in d= itself: pass'

# ---- DNS outcomes ----
like "$(v missing.msg)" \
    '^permerror .*\(no key published at missing\._domainkey\.example\.org\)$' \
    'NXDOMAIN: permerror'
like "$(v nodata.msg)" \
    '^permerror .*\(no key published at nodata\._domainkey\.example\.org\)$' \
    'NODATA (the name has only an A record): permerror'
for f in slow servfail garbage; do
	like "$(v $f.msg -t 300 -r 1)" \
	    "^temperror .*\\(key lookup failed \\(DNS\\): $f\\._domainkey\\.example\\.org\\)\$" \
	    "$f: temperror"
done
like "$(v split.msg -N)" '^temperror .*\(key lookup failed \(DNS\): split\.' \
    'no DNS client at all: temperror'

# ---- three keys behind a slow server: asked together ----
# told apart by the order in which the server saw queries and answers,
# not by timing (the times are shown, not asserted)
start_dns "$fx/zone.yml" -- --delay-ms 300 --event-log "$tmpdir/events" ||
    exit 1
# ms COMMAND... - milliseconds the command takes, its output to $tmpdir/out
ms() {
	_t0=$(date +%s%N)
	"$@" > "$tmpdir/out"
	_t1=$(date +%s%N)
	echo $(((_t1 - _t0) / 1000000))
}
# events - the key queries and answers the server saw, a word each
events() {
	grep '_domainkey' "$tmpdir/events" | cut -d' ' -f1 | tr '\n' ' '
}
: > "$tmpdir/events"
t=$(ms v three.msg -t 5000 -r 1)
is "$(cut -d' ' -f1,4 "$tmpdir/out" | tr '\n' ' ')" 'pass s=d1 pass s=d2 pass s=d3 ' \
    'three signatures behind a 300 ms delay: three passes'
is "$(events)" 'query query query answer answer answer ' \
    "the three keys are asked together: every query before the first answer (${t} ms)"
: > "$tmpdir/events"
t=$(ms v three.msg -t 5000 -r 1 -P)
is "$(cut -d' ' -f1 "$tmpdir/out" | tr '\n' ' ')" 'pass pass pass ' \
    'control, without the prefetch: three passes'
is "$(events)" 'query answer query answer query answer ' \
    "control: one after the other (${t} ms)"

done_testing
