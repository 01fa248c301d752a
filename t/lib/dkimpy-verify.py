#!/usr/bin/python3
# dkimpy-verify.py PORT MESSAGE: verify every DKIM-Signature of MESSAGE
# with dkimpy (an independent implementation), its keys looked up in the
# test DNS server on 127.0.0.1:PORT.  Prints one line per signature,
# "pass d=DOMAIN s=SELECTOR a=ALGORITHM" or "fail ...", top one first.
import sys

import dkim
import dns.resolver

resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = ['127.0.0.1']
resolver.port = int(sys.argv[1])
resolver.lifetime = 5


def txt(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    try:
        answer = resolver.resolve(name.rstrip('.'), 'TXT')
    except Exception:
        return None
    return b''.join(b''.join(r.strings) for r in answer[:1])


with open(sys.argv[2], 'rb') as f:
    msg = f.read()
d = dkim.DKIM(msg)
n = sum(1 for h in d.headers if h[0].lower() == b'dkim-signature')
for i in range(n):
    ok = dkim.DKIM(msg).verify(idx=i, dnsfunc=txt)
    sig = dkim.parse_tag_value(
        [h for h in d.headers if h[0].lower() == b'dkim-signature'][i][1])
    print('%s d=%s s=%s a=%s' % ('pass' if ok else 'fail',
                                 sig[b'd'].decode(), sig[b's'].decode(),
                                 sig[b'a'].decode()))
