#!/usr/bin/python3
# NAME
#	gen-spf.py - SPF scenarios for the differential test: zones and queries
# SYNOPSIS
#	/usr/bin/python3 t/diff/gen-spf.py SEED N OUTDIR [FIRST]
# DESCRIPTION
#	Writes N scenarios (numbered from FIRST, default 0), each
#	reproducible from SEED and its number alone, to OUTDIR:
#	spf-zones.yml (for t/dns/testdns.py) and spf-cases.jsonl (one JSON
#	object a line: id, ip, sender, helo, record, mutation).
#
#	Scenario K lives under the domain sK.test, so that all scenarios
#	share one DNS server.  Its record is built from the RFC 7208
#	grammar (section 4.6.1, 5, 6, 7): every mechanism with and without
#	a domain-spec and CIDR lengths, the four qualifiers, redirect=, exp=
#	and unknown modifiers, macros (7.1) in domain-specs, include: and
#	redirect= chains to records of their own, names that do not exist
#	(void lookups, 4.6.4) and chains long enough to pass the limit of
#	10 DNS terms.  About half the records are then mutated (the
#	"mutation" field says how): a character inserted, deleted or
#	replaced, case changed, white space doubled or made a tab, a
#	modifier duplicated, a CIDR length out of range or with a leading
#	zero, the version tag damaged, a second SPF record published, a
#	macro broken.  The query is a client address from the scenario's
#	own A/AAAA records or a neighbour, a sender at sK.test and a HELO;
#	one query in ten has the null sender and sK.test as HELO (the
#	reference is then asked for postmaster@sK.test, RFC 7208 2.4).
import json
import os
import random
import sys

import yaml

V4_POOL = ['192.0.2.%d' % i for i in range(1, 11)] + ['198.51.100.7']
V6_POOL = ['2001:db8::%x' % i for i in range(1, 6)]
MACRO_LETTERS = 'slodihv'


class Scenario:
    """One scenario: its zone entries and the names it used."""

    def __init__(self, rnd, k):
        self.rnd = rnd
        self.base = 's%d.test' % k
        self.zone = {}
        self.n = 0

    def name(self, prefix):
        self.n += 1
        return '%s%d.%s' % (prefix, self.n, self.base)

    def add(self, name, rr):
        self.zone.setdefault(name, []).append(rr)

    def host(self, name=None):
        """A name with A and maybe AAAA records from the pools."""
        r = self.rnd
        name = name or self.name('h')
        for ip in r.sample(V4_POOL, r.randint(1, 2)):
            self.add(name, {'A': ip})
        if r.random() < 0.4:
            self.add(name, {'AAAA': r.choice(V6_POOL)})
        return name

    def macro(self):
        r = self.rnd
        c = r.choice(MACRO_LETTERS)
        if r.random() < 0.5:
            c = c.upper() if r.random() < 0.2 else c
            return '%%{%s}' % c
        digits = str(r.randint(0, 3)) if r.random() < 0.5 else ''
        rev = 'r' if r.random() < 0.5 else ''
        delim = r.choice(['', '', '.', '-', '+', '_', '.-'])
        return '%%{%s%s%s%s}' % (c, digits, rev, delim)

    def domain_spec(self, kind):
        """A target for a mechanism: a host, a macro name or a void."""
        r = self.rnd
        x = r.random()
        if x < 0.1:
            return 'void%d.%s' % (r.randint(1, 9), self.base)
        if x < 0.2:
            # a macro-expanded name: exists:%{i}.sK.test and the like
            m = self.macro()
            name = '%s.m.%s' % (m, self.base)
            return name
        if x < 0.23:
            return 'error.%s' % self.base     # times out
        if kind == 'mx':
            mx = self.name('mx')
            for pref in range(r.randint(1, 3)):
                self.add(mx, {'MX': [pref * 10, self.host()]})
            return mx
        return self.host()

    def cidr(self, v6=True):
        r = self.rnd
        s = ''
        if r.random() < 0.4:
            s += '/%d' % r.choice([0, 8, 16, 24, 30, 31, 32])
        if v6 and r.random() < 0.3:
            s += '//%d' % r.choice([0, 48, 64, 128])
        return s

    def mechanism(self, depth):
        r = self.rnd
        q = r.choice(['', '', '', '+', '-', '~', '?'])
        kind = r.choice(['a', 'a', 'mx', 'mx', 'ip4', 'ip4', 'ip6',
            'include', 'exists', 'ptr', 'all'])
        if kind == 'all':
            return q + 'all'
        if kind == 'ip4':
            return q + 'ip4:' + r.choice(V4_POOL) + (
                '/%d' % r.choice([8, 16, 24, 28, 32]) if
                r.random() < 0.5 else '')
        if kind == 'ip6':
            return q + 'ip6:' + r.choice(V6_POOL + ['2001:db8::']) + (
                '/%d' % r.choice([32, 64, 112, 128]) if
                r.random() < 0.5 else '')
        if kind == 'include':
            if depth > 3:
                return q + 'ip4:' + r.choice(V4_POOL)
            return q + 'include:' + self.sub_record(depth + 1)
        if kind == 'exists':
            if r.random() < 0.5:
                n = '%s.e.%s' % (self.macro(), self.base)
                return q + 'exists:' + n
            return q + 'exists:' + self.domain_spec('a')
        if kind == 'ptr':
            return q + 'ptr' + (':' + self.base if r.random() < 0.5
                else '')
        # a, mx
        if r.random() < 0.3:
            return q + kind + self.cidr()
        return q + kind + ':' + self.domain_spec(kind) + self.cidr()

    def record(self, depth):
        r = self.rnd
        terms = [self.mechanism(depth) for _ in range(r.randint(0, 5))]
        if r.random() < 0.15:
            terms.append('%s=%s' % (r.choice(['foo', 'x-y', 'moo.cow']),
                r.choice(['bar', '%{d}', '', '1.2'])))
        if r.random() < 0.2 and depth <= 3:
            terms.append('redirect=' + self.sub_record(depth + 1))
        elif r.random() < 0.6:
            terms.append(r.choice(['-all', '~all', '?all', '+all']))
        if r.random() < 0.2:
            en = self.name('exp')
            self.add(en, {'TXT': r.choice(['denied %{i} %{s}',
                'go away', '%{l} from %{o} %{x}'])})
            terms.append('exp=' + en)
        if r.random() < 0.1:
            r.shuffle(terms)
        return ' '.join(['v=spf1'] + terms)

    def sub_record(self, depth):
        """A name holding a record of its own (for include/redirect)."""
        r = self.rnd
        x = r.random()
        if x < 0.08:
            return 'void%d.%s' % (r.randint(1, 9), self.base)
        name = self.name('i')
        if x < 0.12:
            self.add(name, {'A': '192.0.2.1'})    # no SPF record
            return name
        if x < 0.16:
            # a loop back to the top, or a long chain
            return self.base
        self.add(name, {'SPF': self.record(depth)})
        return name


def mutate(rnd, rec):
    """A damaged copy of rec and what was done, or (rec, None)."""
    r = rnd
    how = r.choice(['insert', 'delete', 'replace', 'case', 'space',
        'tab', 'dupmod', 'cidr', 'version', 'twice', 'macro', 'trail',
        'colon', 'empty-term'])
    if how == 'insert':
        i = r.randint(0, len(rec))
        c = r.choice(':/=.-%{}+~?!, ;_01az\"\'\\')
        return rec[:i] + c + rec[i:], 'insert %r at %d' % (c, i)
    if how == 'delete' and len(rec) > 7:
        i = r.randint(6, len(rec) - 1)
        return rec[:i] + rec[i + 1:], 'delete at %d' % i
    if how == 'replace' and len(rec) > 7:
        i = r.randint(6, len(rec) - 1)
        c = r.choice(':/=.-%{}+~?! _0a')
        return rec[:i] + c + rec[i + 1:], 'replace at %d by %r' % (i, c)
    if how == 'case':
        return ''.join(ch.upper() if r.random() < 0.5 else ch
            for ch in rec), 'case'
    if how == 'space':
        return rec.replace(' ', '  ', r.randint(1, 3)), 'double space'
    if how == 'tab':
        return rec.replace(' ', '\t', 1), 'tab'
    if how == 'dupmod':
        m = r.choice(['redirect=%s' % 'i1.x.test', 'exp=e.test'])
        return rec + ' ' + m + ' ' + m, 'duplicated modifier'
    if how == 'cidr':
        bad = r.choice(['/33', '/129', '//129', '/08', '/-1', '/',
            '//', '/24//', '/3a', '/0', '//0', '/32/'])
        t = r.choice(['a', 'mx', 'ip4:192.0.2.1', 'ip6:2001:db8::1',
            'a:x.test'])
        return rec + ' ' + t + bad, 'cidr %s%s' % (t, bad)
    if how == 'version':
        v = r.choice(['v=spf10', 'V=SPF1', ' v=spf1', 'v=spf1x',
            'v =spf1', 'v=spf2', 'spf1'])
        return v + rec[6:], 'version %r' % v
    if how == 'twice':
        return rec, 'twice'        # a second record is added below
    if how == 'macro':
        m = r.choice(['%{', '%{z}', '%{d99}', '%{dr', '%x', '%{i0}',
            '%{l1r-}', '%', '%{s}%{s}%{s}', '%{ir}.%{v}._spf'])
        return rec + ' exists:' + m + '.x.test', 'macro %r' % m
    if how == 'trail':
        return rec + r.choice([' ', '  ', '\t']), 'trailing white space'
    if how == 'colon':
        t = r.choice(['a:', 'mx:', 'include:', 'exists:', 'ip4:',
            'ptr:', 'redirect=', 'exp='])
        return rec + ' ' + t, 'empty %s' % t
    if how == 'empty-term':
        return rec + ' +', 'lone qualifier'
    return rec, None


def main():
    if len(sys.argv) not in (4, 5):
        sys.stderr.write('usage: gen-spf.py SEED N OUTDIR [FIRST]\n')
        sys.exit(2)
    seed, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    first = int(sys.argv[4]) if len(sys.argv) == 5 else 0
    os.makedirs(out, exist_ok=True)
    zones = {}
    with open(os.path.join(out, 'spf-cases.jsonl'), 'w') as cases:
        for k in range(first, first + n):
            rnd = random.Random('%d/%d' % (seed, k))
            sc = Scenario(rnd, k)
            if rnd.random() < 0.05:
                # the lookup limits: a chain of includes
                chain = [sc.base]
                for j in range(rnd.randint(8, 13)):
                    chain.append('c%d.%s' % (j, sc.base))
                sc.add(sc.base, {'SPF': 'v=spf1 include:%s -all' %
                    chain[1]})
                for a, b in zip(chain[1:], chain[2:]):
                    sc.add(a, {'SPF': 'v=spf1 a:%s include:%s' %
                        (sc.host(), b)})
                sc.add(chain[-1], {'SPF': 'v=spf1 ip4:192.0.2.1 -all'})
                rec, how = sc.zone[sc.base][0]['SPF'], 'include chain'
            elif rnd.random() < 0.04:
                # void lookups over the limit
                m = rnd.randint(2, 4)
                rec = 'v=spf1 ' + ' '.join('a:void%d.%s' % (j, sc.base)
                    for j in range(m)) + ' -all'
                how = '%d void lookups' % m
                sc.add(sc.base, {'SPF': rec})
            else:
                rec = sc.record(0)
                how = None
                if rnd.random() < 0.5:
                    rec, how = mutate(rnd, rec)
                sc.add(sc.base, {'SPF': rec})
                if how == 'twice':
                    sc.add(sc.base, {'SPF': sc.record(1)})
            sc.host('h.' + sc.base)
            for ip in rnd.sample(V4_POOL, 2):
                sc.add('%s.e.%s' % (ip, sc.base), {'A': '127.0.0.2'})
                rev = '.'.join(reversed(ip.split('.')))
                sc.add('%s.e.%s' % (rev, sc.base), {'A': '127.0.0.2'})
            ip = rnd.choice(V4_POOL * 3 + V6_POOL)
            local = rnd.choice(['user', 'a.b', 'x-y', 'first.last',
                'UPPER', 'a+tag'])
            case = {'id': 'spf%d' % k, 'ip': ip,
                'sender': '%s@%s' % (local, sc.base),
                'helo': 'h.' + sc.base, 'record': rec,
                'mutation': how}
            if random.Random('%d/%d/null' % (seed, k)).random() < 0.1:
                # the null sender: the HELO's record, for
                # postmaster@HELO (RFC 7208 2.4)
                case['sender'], case['helo'] = '', sc.base
            cases.write(json.dumps(case) + '\n')
            for name, rrs in sc.zone.items():
                zones.setdefault(name, []).extend(rrs)
    with open(os.path.join(out, 'spf-zones.yml'), 'w') as f:
        yaml.safe_dump(zones, f, default_flow_style=None, width=1000)


if __name__ == '__main__':
    main()
