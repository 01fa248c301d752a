#!/bin/sh
# NAME
#	repro-wsp-colon.sh - reproducer of the one bug in ours that the
#	differential run found (t/diff/DISAGREEMENTS.md, "dkim/OURS-WRONG-
#	wsp-before-colon")
# SYNOPSIS
#	sh t/diff/repro-wsp-colon.sh	(as root, after a build in build/)
# DESCRIPTION
#	Signs "From: a@d.test / Subject: hi / body" with dkimpy (Ed25519,
#	c=relaxed/relaxed, h=from:subject), then puts a space before the
#	colon of Subject ("Subject : hi", RFC 5322 4.5.3 obs-optional).
#	Relaxed header canonicalization deletes WSP before the colon (RFC
#	6376 3.4.2), so the signature still verifies: libopendkim says
#	pass.  Ours says fail ("signature did not verify"): the field's
#	name is taken as "Subject " and h=subject does not select it.
#	Prints both results for the signed and the mutated message.
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${AUTHMILTER_BUILDDIR:-$top/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
/usr/bin/python3 - <<'PY'
import base64
import dkim
from cryptography.hazmat.primitives import serialization as S
from cryptography.hazmat.primitives.asymmetric import ed25519
e = ed25519.Ed25519PrivateKey.generate()
priv = base64.b64encode(e.private_bytes(S.Encoding.Raw, S.PrivateFormat.Raw,
    S.NoEncryption()))
pub = base64.b64encode(e.public_key().public_bytes(S.Encoding.Raw,
    S.PublicFormat.Raw)).decode()
msg = b'From: a@d.test\r\nSubject: hi\r\n\r\nbody\r\n'
sig = dkim.sign(msg, b'sel', b'd.test', priv,
    canonicalize=(b'relaxed', b'relaxed'),
    signature_algorithm=b'ed25519-sha256',
    include_headers=[b'from', b'subject'])
open('signed.eml', 'wb').write(sig + msg)
open('mutated.eml', 'wb').write(sig + msg.replace(b'Subject:', b'Subject :'))
open('z.yml', 'w').write('sel._domainkey.d.test:\n'
    '  - TXT: "v=DKIM1; k=ed25519; p=%s"\n' % pub)
PY
printf 'nameserver 127.0.0.1\n' >resolv.conf
cc -o odkim "$top/t/diff/odkim-verify.c" -I/usr/include/opendkim -lopendkim
cat >in.sh <<IN
ip link set lo up
mount --bind "$tmp/resolv.conf" /etc/resolv.conf
/usr/bin/python3 "$top/t/dns/testdns.py" --zones z.yml --addr 127.0.0.1 \
    --port 53 --port-file port &
P=\$!
while [ ! -s port ]; do sleep 0.1; done
for m in signed mutated; do
	echo "== \$m"
	printf 'ours:   '; "$BUILD/t/dkim-verify" -s 127.0.0.1:53 < \$m.eml
	printf 'theirs: '; ./odkim < \$m.eml
done
kill \$P
IN
unshare -mn sh in.sh
