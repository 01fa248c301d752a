#!/bin/sh
# NAME
#	make-fixtures.sh - keys, a DNS zone and signed messages for
#	t/dkim-verify.t, made by independent DKIM implementations
# SYNOPSIS
#	sh t/data/dkim/make-fixtures.sh OUTDIR
# DESCRIPTION
#	Nothing secret is committed: t/dkim-verify.t runs this at test time
#	into its temporary directory.  It makes, in OUTDIR:
#
#	  keys	   RSA keys of 2048, 1024 and 512 bits (openssl) and an
#		   Ed25519 key (pynacl, the seed as dkimpy wants it)
#	  zone.yml the key records for t/dns/testdns.py (long TXT records
#		   split into strings of at most 255 bytes), selectors:
#		     r2048 r1024 r512 ed     keys as they are
#		     testing	           r2048 with t=y
#		     revoked	           p= empty
#		     hsha1	           r2048 with h=sha1 (no sha256)
#		     kmis	           k=ed25519 naming an RSA signer
#		     slow	           TIMEOUT (never answered)
#		     servfail	           SERVFAIL
#		     tc		           r2048, truncated over UDP
#		     p1 p2 p3	           for the parallel lookup check: p1
#					   times out, p2 and p3 are r2048
#		     nokey	           absent (NXDOMAIN)
#		   and the records that go with the messages shipped with
#		   python3-dkim (RFC 6376 / RFC 8463 examples)
#	  *.msg	   messages (CRLF) signed by dkimpy (python3-dkim), Perl
#		   Mail::DKIM::Signer and opendkim-testmsg; see the list in
#		   the Python part below
#
#	Needs: openssl, /usr/bin/python3 with dkim (python3-dkim) and nacl,
#	perl with Mail::DKIM, opendkim-testmsg (opendkim-tools).
set -eu
out=$1
mkdir -p "$out"
cd "$out"
DATA=/usr/lib/python3/dist-packages/dkim/tests/data

for bits in 2048 1024 512; do
	openssl genrsa -traditional -out "r$bits.pem" "$bits" 2>/dev/null
	openssl rsa -in "r$bits.pem" -pubout -outform DER 2>/dev/null |
	    base64 -w0 > "r$bits.pub"
done

/usr/bin/python3 - "$DATA" <<'PY'
import base64, sys, time
import dkim, nacl.signing

data = sys.argv[1]
sk = nacl.signing.SigningKey.generate()
open('ed.key', 'wb').write(base64.b64encode(bytes(sk)))
open('ed.pub', 'wb').write(base64.b64encode(bytes(sk.verify_key)))

def pub(name):
    return open(name).read().strip()

def txt(record):
    """A TXT value for the zone: strings of at most 255 bytes."""
    parts = [record[i:i + 255] for i in range(0, len(record), 255)]
    return '[' + ', '.join('"%s"' % p for p in parts) + ']'

r2048, r1024, r512, ed = pub('r2048.pub'), pub('r1024.pub'), \
    pub('r512.pub'), pub('ed.pub')
zone = {
    'r2048': 'v=DKIM1; k=rsa; p=' + r2048,
    'r1024': 'v=DKIM1; k=rsa; p=' + r1024,
    'r512': 'v=DKIM1; k=rsa; p=' + r512,
    'ed': 'v=DKIM1; k=ed25519; p=' + ed,
    'testing': 'v=DKIM1; k=rsa; t=y; p=' + r2048,
    'revoked': 'v=DKIM1; k=rsa; p=',
    'hsha1': 'v=DKIM1; k=rsa; h=sha1; p=' + r2048,
    'kmis': 'v=DKIM1; k=ed25519; p=' + ed,
    'p2': 'v=DKIM1; k=rsa; p=' + r2048,
    'p3': 'v=DKIM1; k=rsa; p=' + r2048,
}
with open('zone.yml', 'w') as z:
    for sel, rec in sorted(zone.items()):
        z.write('%s._domainkey.example.org:\n  - TXT: %s\n' % (sel, txt(rec)))
    z.write('slow._domainkey.example.org:\n  - TIMEOUT\n')
    z.write('servfail._domainkey.example.org:\n  - SERVFAIL\n')
    z.write('tc._domainkey.example.org:\n  - TRUNCATE\n  - TXT: %s\n'
            % txt(zone['r2048']))
    z.write('p1._domainkey.example.org:\n  - TIMEOUT\n')
    # python3-dkim's RFC 6376 / RFC 8463 examples and its Ed25519 test key
    z.write('test._domainkey.football.example.com:\n  - TXT: %s\n' %
            txt(open(data + '/test.txt').read().strip()))
    z.write('brisbane._domainkey.football.example.com:\n  - TXT: %s\n' %
            txt('v=DKIM1; k=ed25519; '
                'p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo='))
    z.write('test._domainkey.example.net:\n  - TXT: %s\n' %
            txt(open(data + '/ed25519test.dns').read().strip()))

base = (b'From: Alice <alice@example.org>\r\n'
        b'To: Bob <bob@example.net>\r\n'
        b'Subject: DKIM interop\r\n'
        b'Date: Sun, 22 Nov 2026 12:00:00 +0000\r\n'
        b'Message-ID: <interop@example.org>\r\n'
        b'\r\n'
        b'Hello Bob,\r\n'
        b'\r\n'
        b'a line   with  spaces \t \r\n'
        + b''.join(b'line %d of a body long enough to need many chunks\r\n'
                   % i for i in range(60)) +
        b'\r\n\r\n')
open('base.msg', 'wb').write(base)

rsa = open('r2048.pem', 'rb').read()
edk = open('ed.key', 'rb').read()

def sign(msg, sel, key, canon=(b'relaxed', b'relaxed'), alg=None, **kw):
    return dkim.sign(msg, sel, b'example.org', key, canonicalize=canon,
                     signature_algorithm=alg or b'rsa-sha256', **kw) + msg

def put(name, msg):
    open(name, 'wb').write(msg)

put('py-rsa-relaxed.msg', sign(base, b'r2048', rsa))
put('py-rsa-simple.msg', sign(base, b'r2048', rsa, (b'simple', b'simple')))
put('py-ed-relaxed.msg', sign(base, b'ed', edk, alg=b'ed25519-sha256'))
put('py-ed-simple.msg', sign(base, b'ed', edk, (b'simple', b'simple'),
                             alg=b'ed25519-sha256'))
put('py-rsa1024.msg', sign(base, b'r1024', open('r1024.pem', 'rb').read()))
put('py-rsa-sha1.msg', sign(base, b'r2048', rsa, alg=b'rsa-sha1'))
put('py-rsa512.msg', sign(base, b'r512', open('r512.pem', 'rb').read()))
put('py-revoked.msg', sign(base, b'revoked', rsa))
put('py-testing.msg', sign(base, b'testing', rsa))
put('py-hsha1.msg', sign(base, b'hsha1', rsa))
put('py-kmis.msg', sign(base, b'kmis', rsa))
put('py-slow.msg', sign(base, b'slow', rsa))
put('py-servfail.msg', sign(base, b'servfail', rsa))
put('py-tc.msg', sign(base, b'tc', rsa))
put('py-nokey.msg', sign(base, b'nokey', rsa))
put('py-lfull.msg', sign(base, b'r2048', rsa, length=True))
put('py-lpart.msg', sign(base, b'r2048', rsa, length=True) +
    b'Appended by a list: 37 more bytes!\r\n')
put('py-lfull-simple.msg', sign(base, b'r2048', rsa, (b'simple', b'simple'),
                                length=True))
put('py-lpart-simple.msg', sign(base, b'r2048', rsa, (b'simple', b'simple'),
                                length=True) + b'tail\r\n')
signed = sign(base, b'r2048', rsa)
put('py-tampered-body.msg', signed.replace(b'line 7 of', b'line 8 of'))
put('py-tampered-header.msg',
    signed.replace(b'Subject: DKIM interop', b'Subject: DKIM interlop'))
# several signatures, each its own result, in header order
m = sign(base, b'nokey', rsa)
m = sign(m, b'ed', edk, alg=b'ed25519-sha256')
m = sign(m, b'r2048', rsa)
put('py-several.msg', m)
# six signatures: one more than the default cap
m = base
for k in range(6):
    m = sign(m, b'r2048', rsa)
put('py-six.msg', m)
# parallel lookups: three keys, p1 never answered
m = sign(base, b'p3', rsa)
m = sign(m, b'p2', rsa)
m = sign(m, b'p1', rsa)
put('py-parallel.msg', m)
# python3-dkim's Ed25519 test message, signed with its key
em = open(data + '/ed25519test.msg', 'rb').read().replace(b'\r\n', b'\n')
em = em.replace(b'\n', b'\r\n')
put('py-ed25519test.msg',
    dkim.sign(em, b'test', b'example.net',
              open(data + '/ed25519test.key', 'rb').read(),
              signature_algorithm=b'ed25519-sha256') + em)
PY

# Perl Mail::DKIM::Signer (RSA only here: Debian 12 lacks
# Crypt::PK::Ed25519, which its Ed25519 support needs)
perl - <<'PL'
use strict;
use warnings;
use Mail::DKIM::Signer;
use Mail::DKIM::Signature;

sub signit {
	my ($out, $method, $sigargs) = @_;
	my $msg = do {
		open(my $in, '<', 'base.msg') or die;
		binmode($in);
		local $/;
		<$in>;
	};
	my %args = (Algorithm => 'rsa-sha256', Method => $method,
	    Domain => 'example.org', Selector => 'r2048',
	    KeyFile => 'r2048.pem');
	if ($sigargs) {
		$args{Policy} = sub {
			my $s = shift;
			$s->add_signature(Mail::DKIM::Signature->new(
			    Algorithm => 'rsa-sha256', Method => $method,
			    Domain => 'example.org', Selector => 'r2048',
			    Headers => $s->headers, %$sigargs));
			return;
		};
	}
	my $dkim = Mail::DKIM::Signer->new(%args);
	$dkim->PRINT($msg);
	$dkim->CLOSE;
	open(my $o, '>', $out) or die;
	binmode($o);
	print $o $dkim->signature->as_string, "\r\n", $msg;
	close($o);
}
signit('pl-rsa-relaxed.msg', 'relaxed');
signit('pl-rsa-simple.msg', 'simple');
# expired: t= two hours ago, x= an hour ago (libopendkim allows 300 s
# of clock drift)
signit('pl-expired.msg', 'relaxed',
    { Timestamp => time() - 7200, Expiration => time() - 3600 });
PL

# opendkim-testmsg (libopendkim's own signer; RSA, relaxed/simple)
opendkim-testmsg -C -d example.org -s r2048 -k r2048.pem \
    < base.msg > odk-rsa.msg

# the RFC 6376 / RFC 8463 example, signed with Ed25519 and RSA
cp "$DATA/rfc6376.signed.msg" rfc8463.msg
