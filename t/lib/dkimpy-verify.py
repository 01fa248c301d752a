#!/usr/bin/python3
# dkimpy-verify.py [--words] PORT MESSAGE|-: verify every DKIM-Signature
# of MESSAGE (- for standard input) with dkimpy, an independent
# implementation, its keys looked up in the test DNS server on
# 127.0.0.1:PORT.  Prints one line per signature, top one first:
# "pass d=DOMAIN s=SELECTOR a=ALGORITHM" (or fail, or error); with
# --words, one line of words instead ("pass fail ...", "none" for no
# signature).
import sys

import dkim
import dns.resolver

args = sys.argv[1:]
words = args[:1] == ['--words']
if words:
    args = args[1:]
resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = ['127.0.0.1']
resolver.port = int(args[0])


def txt(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    try:
        answer = resolver.resolve(name.rstrip('.'), 'TXT', lifetime=timeout)
    except Exception:
        return None
    return b''.join(answer[0].strings)


if args[1] == '-':
    msg = sys.stdin.buffer.read()
else:
    with open(args[1], 'rb') as f:
        msg = f.read()
sigs = [h[1] for h in dkim.DKIM(msg).headers
        if h[0].lower() == b'dkim-signature']
out = []
for i, sig in enumerate(sigs):
    try:
        ok = dkim.DKIM(msg).verify(idx=i, dnsfunc=txt)
        word = 'pass' if ok else 'fail'
    except dkim.ValidationError:        # e.g. a body hash mismatch
        word = 'fail'
    except Exception as e:
        sys.stderr.write('dkimpy: %s\n' % e)
        word = 'error'
    if words:
        out.append(word)
    else:
        tags = dkim.parse_tag_value(sig)
        out.append('%s d=%s s=%s a=%s' % (word, tags[b'd'].decode(),
                                          tags[b's'].decode(),
                                          tags[b'a'].decode()))
if words:
    print(' '.join(out) if out else 'none')
else:
    print('\n'.join(out))
