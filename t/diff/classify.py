#!/usr/bin/python3
# NAME
#	classify.py - the known classes of disagreement, and the counts
# SYNOPSIS
#	import classify; classify.classify(kind, case, ours, theirs)
#	/usr/bin/python3 t/diff/classify.py RESULTS.jsonl...
# DESCRIPTION
#	classify() returns the name of the class of t/diff/DISAGREEMENTS.md
#	that a disagreement belongs to, or None.  Each rule below is one
#	class of that document; a rule matches on the case (record or
#	mutation), on the two results and on what each side said.
#
#	Run as a program, it prints the counts of the result files: cases,
#	agreements, disagreements per class, per kind (spf, dkim), and
#	exits 1 when any disagreement is UNCLASSIFIED (listing up to 20).
import json
import re
import sys

SPF_RULES = []
DKIM_RULES = []


def rule(rules, name):
    def deco(f):
        rules.append((name, f))
        return f
    return deco


def terr(t, text):
    """Whether one of libspf2's error lines holds text."""
    return any(text in e for e in t.get('errors', []))


def oprob(o, text):
    return text in o.get('problem', '')


# --- SPF: ours right by RFC 7208, libspf2 1.2.10 wrong -----------------

@rule(SPF_RULES, 'spf/libspf2-cidr-zero')
def _(c, o, t):
    # ip4-cidr-length and ip6-cidr-length allow 0 (RFC 7208 5.6, 12)
    return t['result'] == 'permerror' and terr(t, 'CIDR netmask (=0)')


@rule(SPF_RULES, 'spf/libspf2-modifier-name-dot')
def _(c, o, t):
    # name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) (RFC 7208 12)
    return t['result'] == 'permerror' and any(re.search(
        r"Invalid character in middle of mechanism near '\.[\w.-]*=", e)
        for e in t.get('errors', []))


@rule(SPF_RULES, 'spf/duplicate-modifier')
def _(c, o, t):
    # redirect= and exp= at most once, else permerror (RFC 7208 6)
    return o['result'] == 'permerror' and oprob(o, 'modifier given twice')


@rule(SPF_RULES, 'spf/empty-domain-spec')
def _(c, o, t):
    # "a:", "exists:", "exp=" with nothing after: the ABNF needs a
    # domain-spec (RFC 7208 5, 6.2; test suite case exp-empty-domain)
    return o['result'] == 'permerror' and oprob(o, 'empty domain-spec')


@rule(SPF_RULES, 'spf/void-lookup-limit')
def _(c, o, t):
    # more than 2 void lookups: permerror (RFC 7208 4.6.4)
    return o['result'] == 'permerror' and oprob(o, 'void lookups exceeded')


@rule(SPF_RULES, 'spf/dns-lookup-limit')
def _(c, o, t):
    # more than 10 terms querying DNS, counted over includes and
    # redirects: permerror (RFC 7208 4.6.4)
    return o['result'] == 'permerror' and oprob(o, 'more than 10 DNS')


@rule(SPF_RULES, 'spf/macro-transformer-case')
def _(c, o, t):
    # ABNF literals are case-insensitive (RFC 5234 2.3): %{oR} is %{or}
    return t['result'] == 'permerror' and terr(t, "Invalid delimiter 'R'")


@rule(SPF_RULES, 'spf/invalid-toplabel')
def _(c, o, t):
    # domain-end = "." toplabel: alphanumeric with inner hyphens, one
    # letter at least (RFC 7208 7.1, 12; RFC 3696 2)
    return o['result'] == 'permerror' and oprob(o, 'top-level label')


@rule(SPF_RULES, 'spf/invalid-macro')
def _(c, o, t):
    # "%" not followed by "{", "%", "-" or "_" is a syntax error
    # (RFC 7208 7.1)
    return o['result'] == 'permerror' and oprob(o, 'invalid macro')


@rule(SPF_RULES, 'spf/cidr-leading-zero')
def _(c, o, t):
    # ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT): no leading zero
    # (RFC 7208 5.6)
    return o['result'] == 'permerror' and oprob(o, 'CIDR length')


@rule(SPF_RULES, 'spf/not-space-separator')
def _(c, o, t):
    # terms are separated by SP only (RFC 7208 4.6.1, 12)
    return o['result'] == 'permerror' and oprob(o, 'invalid byte 0x09')


@rule(SPF_RULES, 'spf/libspf2-other-pyspf-agrees-with-ours')
def _(c, o, t):
    # the rest: libspf2 alone (redirect= taken where it stands rather
    # than after the mechanisms, RFC 7208 6.1; macro delimiters; a
    # missing record under include:); pyspf, which passes the whole
    # RFC 7208 suite, gives our result
    return t.get('pyspf') == o['result']


# --- DKIM ---------------------------------------------------------------

def muts(c, text):
    return any(text in m for m in c['mutation'])


def one_sig(o, t):
    return len(o['result']) == 1 and len(t['result']) == 1


@rule(DKIM_RULES, 'dkim/rsa-sha1-policy')
def _(c, o, t):
    # rsa-sha1 is never a pass (RFC 8301 3.1); libopendkim accepts it
    return o['result'] == ['policy'] and 'rsa-sha1 is not accepted' in \
        o['out'] and t['result'] == ['pass']


@rule(DKIM_RULES, 'dkim/l-leaves-body-unsigned')
def _(c, o, t):
    # l= shorter than the body: our policy (RFC 6376 8.2)
    return o['result'] == ['policy'] and 'l= leaves' in o['out'] and \
        t['result'] == ['pass']


@rule(DKIM_RULES, 'dkim/duplicate-tag')
def _(c, o, t):
    # a tag twice makes the tag-list invalid (RFC 6376 3.2): permerror;
    # libopendkim takes the last one, and says fail or pass
    return o['result'] == ['permerror'] and 'a repeated tag' in o['out']


@rule(DKIM_RULES, 'dkim/no-key-nxdomain')
def _(c, o, t):
    # no key record: PERMFAIL (RFC 6376 6.1.2); libopendkim says the
    # query failed
    return o['result'] == ['permerror'] and t['result'] == ['temperror'] \
        and ('no key' in o['out'] or 'no such name' in o['out']) and \
        'key DNS query failed' in t['out']


@rule(DKIM_RULES, 'dkim/multiple-key-records')
def _(c, o, t):
    # several TXT records: undefined (RFC 6376 3.6.2.2); we use the
    # first that is a key, libopendkim fails them all
    return 'multiple keys found' in t['out'] and muts(c, 'key two')


@rule(DKIM_RULES, 'dkim/key-without-v')
def _(c, o, t):
    # v= is RECOMMENDED in a key record, not required (RFC 6376 3.6.1)
    return muts(c, 'key nov') and o['result'] == ['pass']


@rule(DKIM_RULES, 'dkim/bare-cr-in-body')
def _(c, o, t):
    # a CR not before LF: libopendkim drops it from the body hash, we
    # hash it (RFC 6376 5.3 leaves it to the signer to fix)
    return muts(c, "bare b'\\r' in body") and o['result'] == ['fail'] \
        and t['result'] == ['pass']


@rule(DKIM_RULES, 'dkim/unterminated-last-line')
def _(c, o, t):
    # a body whose last line has no CRLF (impossible over SMTP, where
    # DATA ends with CRLF.CRLF): relaxed body canonicalization strips
    # its trailing WSP (and the CR a mutation left) before adding the
    # CRLF, as for any line (RFC 6376 3.4.4); libopendkim and dkimpy
    # keep them
    with open(c['file'], 'rb') as f:
        body_end = f.read()[-1:]
    return body_end != b'\n' and c['canon'].endswith('/relaxed') and \
        o['result'] == ['pass'] and t['result'] == ['fail']


@rule(DKIM_RULES, 'dkim/key-type-mismatch')
def _(c, o, t):
    # key k= other than the type of a=: PERMFAIL (RFC 6376 3.6.1,
    # 6.1.2 step 6); libopendkim tries the key anyway
    return o['result'] == ['permerror'] and 'does not match a=' in o['out']


@rule(DKIM_RULES, 'dkim/both-reject-other-token')
def _(c, o, t):
    # neither passes; they name the failure differently (a signed tag
    # changed: we say fail when the signature does not verify,
    # libopendkim checks t=, q= first and says permerror)
    return one_sig(o, t) and o['result'] != ['pass'] and \
        t['result'] != ['pass'] and o['result'] != ['policy'] and \
        t['result'] != ['policy']


@rule(DKIM_RULES, 'dkim/libopendkim-other-dkimpy-agrees-with-ours')
def _(c, o, t):
    # libopendkim alone: dkimpy (an independent verifier) says what
    # we say
    return t.get('dkimpy') == ['pass'] and o['result'] == ['pass'] or \
        t.get('dkimpy') == ['fail'] and o['result'] == ['fail']


def classify(kind, case, ours, theirs):
    if kind == 'dkim' and len(ours['result']) > 1 and \
            len(ours['result']) == len(theirs['result']):
        return classify_each(case, ours, theirs)
    for name, f in (SPF_RULES if kind == 'spf' else DKIM_RULES):
        if f(case, ours, theirs):
            return name
    return None


def classify_each(case, ours, theirs):
    """Several signatures (a DKIM-Signature duplicated): each pair of
    results that differs must be in a class; the first class found."""
    olines = [x for x in ours['out'].split('\n') if x]
    tlines = [x for x in theirs['out'].split('\n') if x]
    found = None
    for i, (a, b) in enumerate(zip(ours['result'], theirs['result'])):
        if a == b:
            continue
        o = {'result': [a], 'out': olines[i] if i < len(olines) else ''}
        t = {'result': [b], 'out': tlines[i] if i < len(tlines) else ''}
        t['dkimpy'] = theirs.get('dkimpy', [])[i:i + 1]
        cl = classify('dkim', case, o, t)
        if cl is None:
            return None
        found = found or cl
    return found


def summary(files):
    stats = {}
    unclassified = []
    for fn in files:
        with open(fn) as f:
            for line in f:
                r = json.loads(line)
                kind = 'spf' if r['case']['id'].startswith('spf') \
                    else 'dkim'
                if kind == 'dkim' and 'file' in r['case']:
                    pass
                s = stats.setdefault(kind, {'cases': 0, 'agree': 0,
                    'classes': {}})
                s['cases'] += 1
                if r['agree']:
                    s['agree'] += 1
                    continue
                cl = classify(kind, r['case'], r['ours'],
                    r['theirs']) or 'UNCLASSIFIED'
                s['classes'][cl] = s['classes'].get(cl, 0) + 1
                if cl == 'UNCLASSIFIED':
                    unclassified.append(r)
    for kind in sorted(stats):
        s = stats[kind]
        print('%s: %d cases, %d agree, %d disagree' % (kind, s['cases'],
            s['agree'], s['cases'] - s['agree']))
        for cl, n in sorted(s['classes'].items(), key=lambda x: -x[1]):
            print('  %6d  %s' % (n, cl))
    for r in unclassified[:20]:
        c = r['case']
        print('UNCLASSIFIED %s: ours %s theirs %s: %s' % (c['id'],
            r['ours']['result'], r['theirs']['result'],
            json.dumps({k: v for k, v in c.items() if k != 'id'})))
    return 1 if unclassified else 0


if __name__ == '__main__':
    sys.exit(summary(sys.argv[1:]))
