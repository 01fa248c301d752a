#!/usr/bin/python3
# NAME
#	make-dkim-seeds.py - the seeds of t/fuzz/fuzz_dkim.c
# SYNOPSIS
#	/usr/bin/python3 t/fuzz/make-dkim-seeds.py t/fuzz/corpus/dkim
# DESCRIPTION
#	Writes small messages signed by dkimpy (python3-dkim) with fresh
#	keys, each behind the key record that the fuzz target's DNS
#	publishes (the input's first line), so that the fuzzer starts from
#	signatures that verify: RSA (1024 bits, to stay small) relaxed and
#	simple, with and without l=, rsa-sha1, Ed25519, two signatures;
#	and the DNS outcomes TEMPFAIL, NXDOMAIN and NODATA.  The private
#	keys are thrown away.  Needs python3-dkim, python3-nacl, openssl.
import base64
import os
import subprocess
import sys
import tempfile

import dkim
import nacl.signing

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
tmp = tempfile.mkdtemp()
pem = os.path.join(tmp, 'k.pem')
subprocess.run(['openssl', 'genrsa', '-traditional', '-out', pem, '1024'],
               check=True, stderr=subprocess.DEVNULL)
rsa = open(pem, 'rb').read()
der = subprocess.run(['openssl', 'rsa', '-in', pem, '-pubout', '-outform',
                      'DER'], check=True, capture_output=True).stdout
rsapub = base64.b64encode(der)
sk = nacl.signing.SigningKey.generate()
edk = base64.b64encode(bytes(sk))
edpub = base64.b64encode(bytes(sk.verify_key))
os.unlink(pem)
os.rmdir(tmp)

msg = (b'From: Alice <alice@example.org>\r\n'
       b'To: bob@example.net\r\n'
       b'Subject: fuzz  me\r\n'
       b'Date: Sun, 22 Nov 2026 12:00:00 +0000\r\n'
       b'\r\n'
       b'Hello Bob,\r\n'
       b'\r\n'
       b'a line   with \t spaces \r\n'
       b'last line\r\n\r\n')


def sign(m, key, canon=(b'relaxed', b'relaxed'), alg=b'rsa-sha256', **kw):
    return dkim.sign(m, b'sel', b'example.org', key, canonicalize=canon,
                     signature_algorithm=alg, **kw) + m


def put(name, record, m):
    with open(os.path.join(out, name), 'wb') as f:
        f.write(record + b'\n' + m)


rrec = b'v=DKIM1; k=rsa; p=' + rsapub
erec = b'v=DKIM1; k=ed25519; p=' + edpub
put('rsa-relaxed', rrec, sign(msg, rsa))
put('rsa-simple', rrec, sign(msg, rsa, (b'simple', b'simple')))
put('rsa-l', b'v=DKIM1; h=sha256; t=y; p=' + rsapub,
    sign(msg, rsa, length=True) + b'appended\r\n')
put('rsa-sha1', b'p=' + rsapub, sign(msg, rsa, alg=b'rsa-sha1'))
put('ed25519', erec, sign(msg, edk, alg=b'ed25519-sha256'))
put('two', rrec, sign(sign(msg, rsa), edk, alg=b'ed25519-sha256'))
put('tempfail', b'TEMPFAIL', sign(msg, rsa))
put('nxdomain', b'NXDOMAIN', sign(msg, rsa))
put('nodata', b'NODATA', sign(msg, rsa))
put('revoked', b'v=DKIM1; p=', sign(msg, rsa))
