#!/bin/sh
# dkim-verify.t - lib/dkim_verify verifies messages signed by independent
# implementations (dkimpy, Mail::DKIM, opendkim-testmsg, the RFC 6376 and
# RFC 8463 examples), gives each signature its own result with our policy
# (rsa-sha1, short keys, l=, x=, t=y, revoked and missing keys, DNS
# failures, the signature cap), starts every key lookup at end of headers,
# and survives hostile input with printable, bounded results.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"

fx=$tmpdir/fx
if ! sh "$SRCDIR/t/data/dkim/make-fixtures.sh" "$fx" >"$tmpdir/fx.log" 2>&1
then
	diag "$(cat "$tmpdir/fx.log")"
	echo "Bail out! cannot make the DKIM fixtures"
	exit 1
fi
start_dns "$fx/zone.yml" -- --query-log "$tmpdir/qlog" || exit 1
V=$BUILDDIR/t/dkim-verify

# v FILE [options] - the result lines for a message
v() {
	_f=$1
	shift
	"$V" -s "$DNS_SERVER" "$@" < "$fx/$_f"
}

# one - the whole output of a message expected to carry one signature
one() {
	v "$@" | head -n 2
}

# ---- independent signers, RSA and Ed25519, both canonicalizations ----
like "$(one py-rsa-relaxed.msg)" \
    '^pass d=example\.org i=@example\.org s=r2048 a=rsa-sha256 b=.{8} \(2048-bit key\)$' \
    'dkimpy rsa-sha256 relaxed/relaxed: pass, with d= i= s= a= b='
like "$(one py-rsa-simple.msg)" '^pass .* s=r2048 a=rsa-sha256 ' \
    'dkimpy rsa-sha256 simple/simple: pass'
like "$(one py-rsa1024.msg)" '^pass .* s=r1024 .*\(1024-bit key\)$' \
    'dkimpy 1024-bit key: pass (the minimum)'
like "$(one py-ed-relaxed.msg)" \
    '^pass d=example\.org .* s=ed a=ed25519-sha256 b=.{8} \(ed25519 key\)$' \
    'dkimpy ed25519-sha256 relaxed/relaxed: pass'
like "$(one py-ed-simple.msg)" '^pass .* a=ed25519-sha256 ' \
    'dkimpy ed25519-sha256 simple/simple: pass'
like "$(one pl-rsa-relaxed.msg)" '^pass .* s=r2048 a=rsa-sha256 ' \
    'Mail::DKIM rsa-sha256 relaxed: pass'
like "$(one pl-rsa-simple.msg)" '^pass .* s=r2048 a=rsa-sha256 ' \
    'Mail::DKIM rsa-sha256 simple: pass'
is "$(one odk-rsa.msg | sed 's/ b=[^ ]*//')" \
    'policy d=example.org i=@example.org s=r2048 a=rsa-sha1 (rsa-sha1 is not accepted (RFC 8301))' \
    'opendkim-testmsg (signs rsa-sha1 by default): verified, then policy'
out=$(v rfc8463.msg)
is "$(echo "$out" | sed 's/ b=[^ ]*//')" \
'pass d=football.example.com i=@football.example.com s=brisbane a=ed25519-sha256 (ed25519 key)
pass d=football.example.com i=@football.example.com s=test a=rsa-sha256 (1024-bit key)' \
    'RFC 8463 example (python3-dkim rfc6376.signed.msg): both signatures pass'
like "$(echo "$out" | head -n 1)" ' b=9/dsDChY ' 'b= is its first 8 characters'
like "$(one py-ed25519test.msg)" '^pass d=example\.net .* s=test a=ed25519-sha256 ' \
    'python3-dkim ed25519test.msg signed with ed25519test.key: pass'

# white space before a colon (RFC 5322 4.5.3): the field keeps its name
sed 's/^Subject:/Subject :/' "$fx/py-ed-relaxed.msg" > "$fx/wsp-relaxed.msg"
sed 's/^Subject:/Subject :/' "$fx/py-ed-simple.msg" > "$fx/wsp-simple.msg"
like "$(one wsp-relaxed.msg)" '^pass ' \
    "'Subject : ...' is still the signed Subject: relaxed passes (the space goes)"
like "$(one wsp-simple.msg)" '^fail ' \
    "... and simple fails (the field is not as signed)"

# ---- the message as an MTA hands it: LF input, tiny chunks ----
tr -d '\r' < "$fx/py-rsa-simple.msg" > "$fx/lf.msg"
like "$(one lf.msg)" '^pass ' 'LF line ends are CRLF to the verifier: pass'
like "$(one py-lfull-simple.msg -b 1)" '^pass ' \
    'body streamed one byte at a time: pass'
like "$(one py-ed-relaxed.msg -b 7)" '^pass ' 'body in 7-byte chunks: pass'

# ---- failures ----
like "$(one py-tampered-body.msg)" '^fail .*\(body hash did not verify\)$' \
    'body changed after signing: fail'
like "$(one py-tampered-header.msg)" '^fail .*\(signature did not verify\)$' \
    'signed Subject changed after signing: fail'

# ---- policy ----
like "$(one py-rsa-sha1.msg)" \
    '^policy .* a=rsa-sha1 .*\(rsa-sha1 is not accepted \(RFC 8301\)\)$' \
    'rsa-sha1 (good with SHA-1): policy, RFC 8301'
sed 's/line 7 of/line 8 of/' "$fx/py-rsa-sha1.msg" > "$fx/sha1-tampered.msg"
like "$(one sha1-tampered.msg)" '^fail .* a=rsa-sha1 .*\(body hash did not verify\)$' \
    'rsa-sha1 with the body changed: fail, not policy (it is verified first)'
like "$(one py-rsa512.msg)" '^policy .* s=r512 .*\(512-bit key, under 1024 bits\)$' \
    '512-bit RSA key: policy'
like "$(one py-rsa1024.msg -k 2048)" '^policy .*\(1024-bit key, under 2048 bits\)$' \
    'MinimumKeyBits 2048 makes a 1024-bit key policy'
like "$(one py-lpart.msg)" '^policy .*\(l= leaves 40 bytes unsigned\)$' \
    'l= with 36 bytes appended (and 2 empty lines now inside), relaxed: policy'
like "$(one py-lpart-simple.msg)" '^policy .*\(l= leaves 10 bytes unsigned\)$' \
    'l= with a line appended, simple: policy'
like "$(one py-lfull.msg)" '^pass .*\(2048-bit key; l= covers the whole body\)$' \
    'l= covering the whole body: pass'
like "$(one py-lfull-simple.msg)" '^pass .*l= covers the whole body' \
    'l= covering the whole body, simple: pass'
like "$(one pl-expired.msg)" '^policy .*\(signature expired \(x= in the past\)\)$' \
    'expired signature (Mail::DKIM, x= an hour ago): policy'
like "$(one py-testing.msg)" '^pass .* s=testing .*testing key \(t=y\)\)$' \
    'key with t=y: pass, noted'

# ---- errors ----
like "$(one py-revoked.msg)" '^permerror .*\(key revoked \(empty p=\)\)$' \
    'revoked key (p= empty): permerror'
like "$(one py-nokey.msg)" \
    '^permerror .*\(no key published at nokey\._domainkey\.example\.org\)$' \
    'no key (NXDOMAIN): permerror'
like "$(one py-slow.msg -t 300 -r 1)" \
    '^temperror .*\(key lookup failed \(DNS\): slow\._domainkey\.example\.org\)$' \
    'DNS timeout: temperror'
like "$(one py-servfail.msg -t 300 -r 1)" '^temperror .*key lookup failed \(DNS\)' \
    'SERVFAIL: temperror'
like "$(one py-tc.msg)" '^pass .* s=tc ' \
    'key answer truncated over UDP: asked again over TCP from the batch, pass'
like "$(one py-hsha1.msg)" "^permerror .*\\(key h= does not allow the signature's hash\\)\$" \
    'key h=sha1, signature rsa-sha256: permerror'
like "$(one py-kmis.msg)" \
    '^permerror .*\(key k=ed25519 does not match a=rsa-sha256\)$' \
    'key k=ed25519, signature rsa-sha256: permerror'

# ---- several signatures ----
is "$(v py-several.msg | cut -d' ' -f1,4,5)" \
'pass s=r2048 a=rsa-sha256
pass s=ed a=ed25519-sha256
permerror s=nokey a=rsa-sha256' \
    'three signatures, three results, in header order'
out=$(v py-six.msg)
is "$(echo "$out" | cut -d' ' -f1 | tr '\n' ' ')" \
    'pass pass pass pass pass neutral ' 'six signatures, cap 5: the sixth is neutral'
like "$(echo "$out" | tail -n 1)" '\(not checked: more than 5 signatures\)$' \
    'neutral says why'
is "$(v py-six.msg -m 2 | cut -d' ' -f1 | tr '\n' ' ')" \
    'pass pass neutral neutral neutral neutral ' 'cap 2 (MaximumSignaturesToVerify)'

# ---- key lookups start together at end of headers ----
# p1 is never answered, p2 and p3 are; two tries.  Looked up one after
# the other, p1's second try would reach the server before p2's first.
# No cache (-c 0): p2 and p3 asked once means end of message used the
# answers fetched at end of headers.
: > "$tmpdir/qlog"
out=$(v py-parallel.msg -t 500 -r 2)
is "$(echo "$out" | cut -d' ' -f1,4)" 'temperror s=p1
pass s=p2
pass s=p3' 'parallel: p1 timed out, p2 and p3 pass'
q=$(sed 's/\._domainkey.*//' "$tmpdir/qlog" | tr '\n' ' ')
like "$q" '^p1 (p2 p3|p3 p2) p1 $' \
    'all three key queries reached the server before the first retry; each answer used once'
: > "$tmpdir/qlog"
v py-parallel.msg -t 500 -r 2 -P > /dev/null
q=$(sed 's/\._domainkey.*//' "$tmpdir/qlog" | tr '\n' ' ')
is "$q" 'p1 p1 p2 p3 ' 'control: without the prefetch, lookups are one after another'

# ---- hostile input ----
"$PYTHON" - "$fx" <<'PY'
import sys
fx = sys.argv[1]
good = open(fx + '/py-rsa-relaxed.msg', 'rb').read()
sig, rest = good.split(b'\r\nFrom:', 1)
rest = b'From:' + rest
msgs = {
    'h-malformed': b'DKIM-Signature: v=1; a=rsa-sha256; d=; s=\x01\x7f;;;===;'
                   b' b=\r\n' + b'DKIM-Signature: ;\r\n'
                   b'DKIM-Signature: v=1; a=rsa-sha256; d=ex\xffample.org;'
                   b' s=s\x1b[31m; h=from; bh=AAAA; b=%%%%\r\n' + rest,
    'h-huge': b'DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=r2048;'
              b' h=from; bh=AAAA; b=' + b'A' * 300000 + b'\r\n'
              b'Subject: ' + b'x' * 1000000 + b'\r\n' + rest,
    'h-longname': b'DKIM-Signature: v=1; a=rsa-sha256; d=' + b'a' * 70 +
                  b'.' + b'b' * 300 + b'; s=' + b'c' * 100 +
                  b'; h=from; bh=AAAA; b=AAAA\r\n' + rest,
    'h-label': b'DKIM-Signature: v=1; a=rsa-sha256; d=' + b'a' * 64 +
               b'.example; s=sel; h=from; bh=AAAA; b=AAAA\r\n' + rest,
    'h-nul': sig + b'\r\nX-Nul: a\x00b\r\n' + rest.replace(b'Hello',
                                                           b'He\x00llo'),
    'h-many': (sig + b'\r\n') * 150 +
              b''.join(b'DKIM-Signature: v=1; d=e%d.example; b=x\r\n' % i
                       for i in range(150)) + rest,
}
for name, m in msgs.items():
    open('%s/%s.msg' % (fx, name), 'wb').write(m)
PY
for h in h-malformed h-huge h-longname h-label h-nul h-many; do
	out=$(v "$h.msg" -t 300 -r 1)
	ok $? "hostile $h: no crash"
	unlike "$out" "$(printf '[^ -~]')" "hostile $h: results printable ASCII"
	is "$(echo "$out" | awk 'length > 1500' | wc -l)" 0 \
	    "hostile $h: result lines bounded"
done
out=$(v h-malformed.msg)
is "$(echo "$out" | cut -d' ' -f1 | tr '\n' ' ')" \
    'permerror permerror permerror ' 'malformed signatures: each a permerror'
like "$(echo "$out" | sed -n 3p)" ' d=ex\?ample\.org .* s=s\?\[31m ' \
    'bytes outside printable ASCII become ?'
like "$(v h-longname.msg)" \
    '^permerror d=a{70}\.b{300} .*\(no key: no such name c{100}\._domainkey\.a{70}\.b{300}\)$' \
    'a d= of 371 characters (a name that cannot exist): permerror, d= and the name whole'
like "$(v h-label.msg)" '^permerror .*\(no key: no such name sel\._domainkey\.a{64}\.example\)$' \
    'a d= with a 64-byte label (cannot be asked): permerror, not temperror'
like "$(v h-nul.msg)" '^(pass|fail) ' 'NULs in header and body: a verdict'
out=$(v h-many.msg)
is "$(echo "$out" | wc -l)" 51 '300 signatures: 50 results reported, and one for the rest'
is "$(echo "$out" | head -n 5 | grep -c '^pass ') $(echo "$out" | grep -c '^neutral ')" \
    '5 46' 'the first 5 evaluated (pass), the other 45 neutral, and one more'
like "$(echo "$out" | tail -n 1)" '^neutral .*\(250 more DKIM-Signature fields not checked: over 50\)$' \
    '... which counts the 250 not checked'

# ---- dkimpy agrees, on the same messages and the same DNS ----
agree=$("$PYTHON" - "$fx" "$DNS_PORT" <<'PY'
import sys
import dkim, dns.resolver
fx, port = sys.argv[1], int(sys.argv[2])
res = dns.resolver.Resolver(configure=False)
res.nameservers = ['127.0.0.1']
res.port = port
def txt(name, timeout=5):
    try:
        a = res.resolve(name.decode().rstrip('.'), 'TXT', lifetime=2)
    except Exception:
        return None
    return b''.join(b''.join(r.strings) for r in a)
out = []
for f in ['py-rsa-relaxed', 'py-rsa-simple', 'py-ed-relaxed', 'py-ed-simple',
          'pl-rsa-relaxed', 'pl-rsa-simple', 'py-ed25519test',
          'py-tampered-body', 'py-tampered-header', 'py-rsa512']:
    m = open('%s/%s.msg' % (fx, f), 'rb').read()
    out.append('%s=%s' % (f, 'pass' if dkim.verify(m, dnsfunc=txt)
                          else 'fail'))
print(' '.join(out))
PY
)
is "$agree" 'py-rsa-relaxed=pass py-rsa-simple=pass py-ed-relaxed=pass py-ed-simple=pass pl-rsa-relaxed=pass pl-rsa-simple=pass py-ed25519test=pass py-tampered-body=fail py-tampered-header=fail py-rsa512=fail' \
    'dkimpy verifies the same messages the same way (512-bit: dkimpy refuses too)'

done_testing
