#!/usr/bin/python3
# NAME
#	gen-dkim.py - signed and mutated messages for the differential test
# SYNOPSIS
#	/usr/bin/python3 t/diff/gen-dkim.py SEED N OUTDIR
# DESCRIPTION
#	Writes N messages to OUTDIR/msg/K.eml, their key records to
#	OUTDIR/dkim-zones.yml (for t/dns/testdns.py) and the cases to
#	OUTDIR/dkim-cases.jsonl (id, file, alg, canon, mutation).  Message K
#	is generated from SEED and K alone (the keys, made once a run, are
#	the only thing that differs between runs).
#
#	Each message is signed by dkimpy with one key (RSA 1024 or 2048 bits,
#	Ed25519; rsa-sha256, sometimes rsa-sha1), c= relaxed or simple for
#	header and body, sometimes with l=, sometimes with From oversigned,
#	under its own selector sK._domainkey.d.test, so that its key record
#	can be mutated alone.  Then one or two mutations (the "mutation"
#	field lists them): a byte of a signed or unsigned header value, white
#	space and folding, the case of a header name, header order, an added
#	or duplicated header, a tag of the signature (value changed, removed,
#	duplicated, unknown tag, white space around "="), a body byte,
#	trailing blank lines or white space, a bare CR or LF, or the key
#	record (k=, h=, t=, s=, empty p=, two records, no v=, broken p=).
#	About one message in eight is left alone (the control).
import base64
import json
import os
import random
import sys

import dkim
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

DOMAIN = 'd.test'
WORDS = ('alpha beta gamma delta epsilon zeta eta theta iota kappa lambda '
    'mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega').split()


def make_keys():
    keys = {}
    for bits in (1024, 2048):
        k = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        keys['rsa%d' % bits] = (k.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption()),
            'rsa', base64.b64encode(k.public_key().public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo)).decode())
    e = ed25519.Ed25519PrivateKey.generate()
    keys['ed25519'] = (base64.b64encode(e.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption())), 'ed25519',
        base64.b64encode(e.public_key().public_bytes(
        serialization.Encoding.Raw,
        serialization.PublicFormat.Raw)).decode())
    return keys


def text(r, n):
    return ' '.join(r.choice(WORDS) for _ in range(n))


def message(r, k):
    hdrs = [
        ('From', r.choice(['a@%s' % DOMAIN, '"Al Ice" <al@%s>' % DOMAIN,
            'x@sub.%s' % DOMAIN])),
        ('To', 'b@rcpt.example'),
        ('Subject', text(r, r.randint(1, 6))),
        ('Date', 'Fri, 4 Dec 2026 12:%02d:00 +0000' % r.randint(0, 59)),
        ('Message-ID', '<%d.%d@%s>' % (k, r.randint(0, 10 ** 6), DOMAIN)),
    ]
    if r.random() < 0.3:
        hdrs.append(('Cc', 'c@rcpt.example,\r\n\td@rcpt.example'))
    if r.random() < 0.3:
        hdrs.append(('X-Mailer', 'gen  %d\t' % k))
    if r.random() < 0.2:
        hdrs.append(('Subject', 'second subject'))
    if r.random() < 0.2:
        r.shuffle(hdrs)
    lines = []
    for _ in range(r.randint(0, 12)):
        x = r.random()
        if x < 0.15:
            lines.append('')
        elif x < 0.25:
            lines.append(text(r, r.randint(1, 5)) + r.choice([' ', '\t',
                '  \t ']))
        elif x < 0.3:
            lines.append(' \t' + text(r, 3) + '  ' + text(r, 2))
        elif x < 0.33:
            lines.append(text(r, 200))
        else:
            lines.append(text(r, r.randint(1, 12)))
    if r.random() < 0.2:
        lines += [''] * r.randint(1, 3)
    head = ''.join('%s: %s\r\n' % h for h in hdrs)
    body = ''.join(line + '\r\n' for line in lines)
    if r.random() < 0.05:
        body = body[:-2] if body else body    # no final CRLF
    return (head + '\r\n' + body).encode()


def split(msg):
    i = msg.index(b'\r\n\r\n')
    return msg[:i + 2], msg[i + 4:]


def fields(head):
    """The header fields of head (bytes), each with its CRLFs."""
    out = []
    for line in head.split(b'\r\n')[:-1]:
        if line[:1] in (b' ', b'\t') and out:
            out[-1] += b'\r\n' + line
        else:
            out.append(line)
    return [f + b'\r\n' for f in out]


def sig_tags(r, f, how):
    """Mutate the DKIM-Signature field f (bytes)."""
    name, val = f.split(b':', 1)
    val = val.rstrip(b'\r\n')
    flat = val.replace(b'\r\n', b'')
    tags = [t for t in flat.split(b';')]
    idx = [i for i, t in enumerate(tags) if b'=' in t]
    i = r.choice(idx)
    tname, tval = tags[i].split(b'=', 1)
    tn = tname.strip()
    if how == 'value':
        repl = {
            b'v': [b'2', b'', b'1 ', b'01'],
            b'a': [b'rsa-sha1', b'rsa-sha256', b'ed25519-sha256',
                b'rsa-sha512', b'RSA-SHA256', b''],
            b'c': [b'relaxed', b'simple', b'relaxed/relaxed',
                b'simple/relaxed', b'bogus', b'relaxed/', b''],
            b'd': [b'D.TEST', b'other.test', b'd.test.', b'', b'sub.d.test'],
            b's': [b'nosuch', b'', b'S0'],
            b'h': [b'from', b'to:subject', b'from:from', b'From:TO',
                b'', b'subject'],
            b'l': [b'0', b'1', b'99999', b'-1', b'x'],
            b't': [b'0', b'9999999999', b'x', b''],
            b'x': [b'1', b'9999999999', b'0'],
            b'i': [b'@d.test', b'@other.test', b'a@sub.d.test', b'x',
                b''],
            b'q': [b'dns', b'dns/txt', b'dns/xyz', b''],
            b'bh': [b'', b'AAAA', b'x' + tval.strip()[1:]],
            b'b': [b'', b'AAAA', tval.strip()[:-4] + b'AAA=',
                tval.strip()[:40]],
        }.get(tn, [b'zz'])
        nv = r.choice(repl)
        tags[i] = tname + b'=' + nv
        desc = 'sig %s=%r' % (tn.decode(), nv.decode())
    elif how == 'remove':
        del tags[i]
        desc = 'sig %s= removed' % tn.decode()
    elif how == 'dup':
        tags.insert(i + 1, tags[i])
        desc = 'sig %s= twice' % tn.decode()
    elif how == 'unknown':
        tags.insert(i, b' zz=%s' % r.choice([b'1', b'', b'a b']))
        desc = 'sig unknown tag'
    else:
        tags[i] = tname + b' = ' + tval
        desc = 'sig spaces around ='
    nval = b';'.join(tags)
    # fold it again every 70 bytes, at a space or inside b=
    out, line = [], b''
    for ch in [nval[j:j + 1] for j in range(len(nval))]:
        line += ch
        if len(line) > 70 and ch in (b' ', b';'):
            out.append(line)
            line = b''
    out.append(line)
    return name + b':' + b'\r\n '.join(out) + b'\r\n', desc


def mutate(r, msg, zone, sel):
    head, body = split(msg)
    fs = fields(head)
    si = [i for i, f in enumerate(fs) if f.lower().startswith(
        b'dkim-signature:')][0]
    how = r.choice(['hval', 'hval-unsigned', 'hspace', 'hfold', 'hcase',
        'horder', 'hadd', 'hdup', 'sig', 'sig', 'sig', 'body', 'trail',
        'trailws', 'bare', 'key', 'key', 'sigfold', 'colon'])
    desc = how
    others = [i for i in range(len(fs)) if i != si]
    if how == 'hval':
        i = r.choice(others)
        f = fs[i]
        c = f.index(b':') + 1
        j = r.randint(c, len(f) - 3)
        b = r.choice([b'X', b' ', b'\t', b'\xc3\xa9', b'', b';'])
        fs[i] = f[:j] + b + f[j + 1:]
        desc = 'header %s byte %d -> %r' % (f[:c - 1].decode(), j, b)
    elif how == 'hval-unsigned':
        fs.append(b'X-Unsigned: %s\r\n' % text(r, 3).encode())
        desc = 'unsigned header added'
    elif how == 'hspace':
        i = r.choice(others)
        f = fs[i]
        c = f.index(b':')
        sp = r.choice([b' ', b'  ', b'\t', b''])
        fs[i] = f[:c] + r.choice([b'', b' ']) + b':' + sp + \
            f[c + 1:].lstrip(b' \t').replace(b' ', b'  ', 1)
        desc = 'white space in %s' % f[:c].decode()
    elif how == 'hfold':
        i = r.choice(others)
        f = fs[i]
        j = f.rfind(b' ', 0, len(f) - 2)
        if j > f.index(b':'):
            fs[i] = f[:j] + b'\r\n' + r.choice([b' ', b'\t', b'   ']) + \
                f[j + 1:]
        desc = 'folded %s' % f[:f.index(b':')].decode()
    elif how == 'hcase':
        i = r.choice(others)
        f = fs[i]
        c = f.index(b':')
        fs[i] = f[:c].upper() + f[c:]
        desc = 'name case of %s' % f[:c].decode()
    elif how == 'horder':
        i, j = r.sample(range(len(fs)), 2)
        fs[i], fs[j] = fs[j], fs[i]
        desc = 'swapped headers %d and %d' % (i, j)
    elif how == 'hadd':
        name = r.choice([b'From', b'Subject', b'To', b'Date',
            b'Reply-To'])
        at = r.choice([0, len(fs)])
        fs.insert(at, name + b': added ' + text(r, 2).encode() + b'\r\n')
        desc = 'added %s at %s' % (name.decode(), 'top' if at == 0 else
            'bottom')
    elif how == 'hdup':
        i = r.choice(range(len(fs)))
        fs.insert(r.choice([i, i + 1, 0, len(fs)]), fs[i])
        desc = 'duplicated header %d' % i
    elif how in ('sig', 'sigfold'):
        if how == 'sig':
            fs[si], desc = sig_tags(r, fs[si], r.choice(['value',
                'value', 'value', 'remove', 'dup', 'unknown',
                'space']))
        else:
            f = fs[si]
            j = f.find(b'b=')
            k = j + 2 + r.randint(1, 30)
            fs[si] = f[:k] + r.choice([b'\r\n ', b' ', b'\r\n\t'
                ]) + f[k:]
            desc = 'b= folded again'
    elif how == 'body':
        if body:
            j = r.randrange(len(body))
            b = r.choice([b'X', b' ', b'\t', b'\x00', b'\xff', b''])
            body = body[:j] + b + body[j + 1:]
            desc = 'body byte %d -> %r' % (j, b)
        else:
            body = b'x\r\n'
            desc = 'body added'
    elif how == 'trail':
        body += b'\r\n' * r.randint(1, 3)
        desc = 'trailing blank lines'
    elif how == 'trailws':
        if body.endswith(b'\r\n'):
            body = body[:-2] + r.choice([b' ', b'\t', b' \t']) + b'\r\n'
        else:
            body += b' '
        desc = 'trailing white space'
    elif how == 'bare':
        b = r.choice([b'\r', b'\n'])
        if r.random() < 0.7 or not others:
            j = r.randrange(len(body) + 1)
            body = body[:j] + b + body[j:]
            desc = 'bare %r in body at %d' % (b, j)
        else:
            i = r.choice(others)
            f = fs[i]
            j = r.randint(f.index(b':') + 1, len(f) - 2)
            fs[i] = f[:j] + b + f[j:]
            desc = 'bare %r in header' % b
    elif how == 'key' and '%s._domainkey.%s' % (sel, DOMAIN) in zone:
        name = '%s._domainkey.%s' % (sel, DOMAIN)
        rec = zone[name][0]['TXT']
        kind = r.choice(['k', 'h', 't', 's', 'p-empty', 'two', 'nov',
            'p-bad', 'v2', 'g', 'none'])
        if kind == 'k':
            rec = rec.replace('k=rsa', 'k=xx').replace('k=ed25519',
                'k=rsa') if r.random() < 0.5 else \
                rec.replace('k=rsa; ', '').replace('k=ed25519; ', '')
        elif kind == 'h':
            rec = rec.replace('v=DKIM1;', 'v=DKIM1; h=%s;' % r.choice(
                ['sha1', 'sha256', 'sha1:sha256', 'md5']))
        elif kind == 't':
            rec += '; t=%s' % r.choice(['y', 's', 'y:s', 'zz'])
        elif kind == 's':
            rec += '; s=%s' % r.choice(['email', '*', 'other'])
        elif kind == 'p-empty':
            rec = rec[:rec.index('p=') + 2]
        elif kind == 'two':
            zone[name].append({'TXT': r.choice([rec, 'v=DKIM1; p=',
                'hello'])})
        elif kind == 'nov':
            rec = rec.replace('v=DKIM1; ', '')
        elif kind == 'p-bad':
            j = rec.index('p=') + 2 + r.randint(0, 40)
            rec = rec[:j] + r.choice(['!', '', 'AAAA', ' ']) + rec[j + 1:]
        elif kind == 'v2':
            rec = rec.replace('v=DKIM1', 'v=DKIM2')
        elif kind == 'g':
            rec += '; g=*'
        else:
            del zone[name]
        if name in zone:
            zone[name][0] = {'TXT': rec}
        desc = 'key %s' % kind
    elif how == 'colon':
        i = r.choice(others)
        f = fs[i]
        c = f.index(b':')
        fs[i] = f[:c] + b' ' + f[c:]
        desc = 'space before colon in %s' % f[:c].decode()
    return b''.join(fs) + b'\r\n' + body, desc


def main():
    if len(sys.argv) != 4:
        sys.stderr.write('usage: gen-dkim.py SEED N OUTDIR\n')
        sys.exit(2)
    seed, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    os.makedirs(os.path.join(out, 'msg'), exist_ok=True)
    keys = make_keys()
    zone = {}
    with open(os.path.join(out, 'dkim-cases.jsonl'), 'w') as cases:
        for k in range(n):
            r = random.Random('%d/dkim/%d' % (seed, k))
            msg = message(r, k)
            kname = r.choice(['rsa1024', 'rsa2048', 'ed25519',
                'ed25519'])
            priv, ktype, pub = keys[kname]
            sel = 's%d' % k
            alg = b'ed25519-sha256' if ktype == 'ed25519' else \
                (b'rsa-sha1' if r.random() < 0.1 else b'rsa-sha256')
            canon = (r.choice([b'relaxed', b'simple']),
                r.choice([b'relaxed', b'simple']))
            inc = None
            if r.random() < 0.3:
                inc = [b'from', b'to', b'subject', b'date', b'from']
            length = r.random() < 0.1
            sig = dkim.sign(msg, sel.encode(), DOMAIN.encode(), priv,
                canonicalize=canon, signature_algorithm=alg,
                include_headers=inc, length=length)
            msg = sig + msg
            zone['%s._domainkey.%s' % (sel, DOMAIN)] = [{'TXT':
                'v=DKIM1; k=%s; p=%s' % (ktype, pub)}]
            muts = []
            if r.random() >= 0.125:
                for _ in range(1 if r.random() < 0.8 else 2):
                    msg, d = mutate(r, msg, zone, sel)
                    muts.append(d)
            fn = os.path.join(out, 'msg', '%d.eml' % k)
            with open(fn, 'wb') as f:
                f.write(msg)
            cases.write(json.dumps({'id': 'dkim%d' % k, 'file': fn,
                'alg': alg.decode(), 'key': kname,
                'canon': b'/'.join(canon).decode(), 'l': length,
                'mutation': muts}) + '\n')
    # a DNS character-string holds 255 bytes: long records in pieces
    for rrs in zone.values():
        for rr in rrs:
            t = rr['TXT']
            if len(t) > 250:
                rr['TXT'] = [t[j:j + 250] for j in range(0, len(t), 250)]
    with open(os.path.join(out, 'dkim-zones.yml'), 'w') as f:
        yaml.safe_dump(zone, f, width=100000)


if __name__ == '__main__':
    main()
