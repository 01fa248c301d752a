#!/usr/bin/python3
"""
NAME
    mkcorpus.py - make the mail corpus of authmilter's benchmark

SYNOPSIS
    /usr/bin/python3 t/bench/mkcorpus.py OUTDIR [--inbound N] [--outbound N]
        [--seed S]

DESCRIPTION
    Writes N inbound messages (default 1000) and N outbound ones (default
    200) with everything a verifier or a signer needs to process them:

    OUTDIR/inbound/NNNNN.eml, OUTDIR/outbound/NNNNN.eml
        One line "#envelope client=IP helo=NAME mailfrom=ADDR
        rcpt=ADDR[,ADDR...] [auth=USER] [daemon=NAME] [hostname=PTRNAME]",
        then the message, CRLF line ends, header fields folded at 78
        columns.  mailfrom= is empty for a bounce.  Outbound messages
        carry auth= and daemon=ORIGINATING and are unsigned; inbound ones
        are addressed to example.net.  Earlier *.eml files of OUTDIR are
        removed first.
    OUTDIR/zones.yml
        The DNS of it all (SPF, DMARC, DKIM keys, A/AAAA/MX/PTR), in the
        format of t/dns/testdns.py; DKIM key records are split in strings
        of 250 bytes, as t/lib/testenv.sh's zone_txt writes them.
    OUTDIR/keys/DOMAIN.SELECTOR.pem
        The private keys (PEM, mode 0600) of the domains that sign inbound
        mail and of the outbound domains.  Keys already there with the
        right algorithm and size are reused, others made with openssl
        genpkey.
    OUTDIR/outbound-keys.txt
        "DOMAIN SELECTOR ALGORITHM KEYFILE" for each outbound signing key
        (ALGORITHM rsa or ed25519, KEYFILE an absolute path).
    OUTDIR/MANIFEST
        "FILE SIZE CLASS EXPECTED" for each inbound message: FILE relative
        to OUTDIR, SIZE in bytes (of the .eml file), CLASS its kind, and
        EXPECTED the DMARC outcome a correct verifier reaches: pass,
        fail-reject, fail-quarantine, fail-none, or none (no record).

    Inbound classes (share of the messages): signed-pass 45%,
    dual-signed 10%, esp-signed 5%, unsigned-spf-pass 10%,
    bad-body-hash 5%, spoofed-reject 8%, spf-fail 5%,
    spf-softfail-none 5%, no-dmarc 5%, null-sender 2%.  Sizes: 85%
    2-20 KB, 13% 20-100 KB, 2% with a base64 attachment of 100 KB-5 MB,
    at least one message over 4 MB per 1000 (KB and MB are 1024 and
    1024*1024 bytes); outbound messages are sized alike.

    The 21 sender domains (table SENDERS, each noted in zones.yml) mix
    p=reject, quarantine and none, sp=, adkim=s/aspf=s, rua=, SPF -all
    and ~all, an include: of the ESP, "a mx", ip6:, RSA-2048, RSA-1024 and
    Ed25519 keys, and two domains without DMARC.  esp-mailer.net signs
    for its customers; bulk-upsilon.net is the envelope (SPF pass) and
    signer of half the spoofs.  bad-body-hash messages are signed, then
    either relayed by a mailing list (list-delta.org, SPF pass, not
    aligned) that appends a footer, or by a forwarder that keeps the
    envelope (SPF fail or softfail) and appends a note.  The outbound
    domains corp-one.com (RSA and Ed25519), corp-two.org and
    corp-three.net have their keys in zones.yml too.

    Each inbound message is checked before it is written: every DKIM
    signature with dkimpy against zones.yml as read back by testdns.py's
    own loader (all must pass, except in bad-body-hash, where they must
    fail), SPF by a small evaluator of the mechanisms used here, and the
    DMARC outcome computed from those results must be what the class
    means.  Any disagreement aborts the run.

    The output depends only on the seed and the keys: message dates are
    taken from a fixed week of June 2025, and dkimpy signs with a clock
    set to the message's time (class Clock), so t= is fixed too.
    A summary (counts per class and outcome, sizes, bytes) is printed on
    standard output.
"""

import argparse
import base64
import binascii
import datetime
import email.utils
import importlib.util
import ipaddress
import json
import math
import os
import random
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass, field

try:
    import dkim
    import dkim.util
except ImportError:     # another python3 first in PATH: use Debian's
    if sys.executable != '/usr/bin/python3' and \
            os.path.exists('/usr/bin/python3'):
        os.execv('/usr/bin/python3', ['/usr/bin/python3'] + sys.argv)
    raise

CRLF = '\r\n'
KB = 1024
MB = 1024 * KB
WIDTH = 78
BASE_TIME = datetime.datetime(2025, 6, 2, 6, 0, tzinfo=datetime.timezone.utc)
SPAN_SECONDS = 7 * 86400
RECEIVING_DOMAIN = 'example.net'

# --- the domains -----------------------------------------------------------


@dataclass
class Sender:
    """A domain that sends mail, and everything its DNS says."""
    name: str
    note: str
    mtas: list                  # (hostname, IP) of its outgoing servers
    spf: str
    dmarc: str = None           # None: no DMARC record
    keys: list = field(default_factory=list)    # (selector, alg, bits)
    kinds: tuple = ('notification',)
    weight: int = 1
    tz: int = 0                 # UTC offset of its clocks, in hours
    extra: dict = field(default_factory=dict)   # more names: records


SPF_HELO = 'v=spf1 a -all'

SENDERS = [
    Sender('shop-alpha.com', 'p=reject with rua, SPF -all, RSA-2048 and '
           'Ed25519, a bounce subdomain with its own SPF',
           [('mta1.shop-alpha.com', '192.0.2.10'),
            ('mta2.shop-alpha.com', '192.0.2.11')],
           'v=spf1 ip4:192.0.2.10 ip4:192.0.2.11 -all',
           'v=DMARC1; p=reject; rua=mailto:dmarc-reports@shop-alpha.com',
           [('mail2025', 'rsa', 2048), ('ed2025', 'ed25519', 0)],
           ('receipt', 'newsletter', 'notification'), 10, 2,
           {'bounce.shop-alpha.com':
            [{'TXT': 'v=spf1 ip4:192.0.2.10 ip4:192.0.2.11 -all'}]}),
    Sender('bank-beta.com', 'p=reject, strict alignment (adkim=s, aspf=s)',
           [('out1.bank-beta.com', '192.0.2.20'),
            ('out2.bank-beta.com', '192.0.2.21')],
           'v=spf1 ip4:192.0.2.20/31 -all',
           'v=DMARC1; p=reject; adkim=s; aspf=s; '
           'rua=mailto:dmarc@bank-beta.com',
           [('k1', 'rsa', 2048)], ('notification',), 6, -5),
    Sender('news-gamma.org', 'p=none, SPF includes the ESP, ~all',
           [('mail.news-gamma.org', '198.51.100.40')],
           'v=spf1 ip4:198.51.100.40 include:esp-mailer.net ~all',
           'v=DMARC1; p=none; rua=mailto:reports@news-gamma.org',
           [('ng1', 'rsa', 2048)], ('newsletter',), 6, 1),
    Sender('list-delta.org', 'p=quarantine; hosts mailing lists',
           [('lists.list-delta.org', '198.51.100.50')],
           'v=spf1 ip4:198.51.100.50 -all',
           'v=DMARC1; p=quarantine',
           [('lists', 'rsa', 2048)], ('newsletter', 'notification'), 4, 0),
    Sender('esp-mailer.net', 'the ESP: signs for its customers too',
           [('out1.esp-mailer.net', '203.0.113.10'),
            ('out2.esp-mailer.net', '203.0.113.11'),
            ('out6.esp-mailer.net', '2001:db8:e5a::25')],
           'v=spf1 ip4:203.0.113.0/26 ip6:2001:db8:e5a::/48 -all',
           'v=DMARC1; p=none',
           [('esp2025', 'rsa', 2048)], ('notification',), 2, 0),
    Sender('travel-epsilon.com', 'p=quarantine with rua, RSA-1024',
           [('smtp.travel-epsilon.com', '192.0.2.30')],
           'v=spf1 ip4:192.0.2.30 -all',
           'v=DMARC1; p=quarantine; rua=mailto:dmarc@travel-epsilon.com',
           [('old', 'rsa', 1024)],
           ('receipt', 'notification', 'newsletter'), 5, 1),
    Sender('forum-zeta.org', 'p=none, SPF ~all',
           [('mail.forum-zeta.org', '198.51.100.60')],
           'v=spf1 ip4:198.51.100.60 ~all',
           'v=DMARC1; p=none',
           [('fz', 'rsa', 2048)], ('conversation', 'notification'), 4, -3),
    Sender('clinic-eta.com', 'p=quarantine, RSA-2048 and Ed25519',
           [('mx-out.clinic-eta.com', '192.0.2.40')],
           'v=spf1 ip4:192.0.2.40 -all',
           'v=DMARC1; p=quarantine',
           [('rsa1', 'rsa', 2048), ('ed1', 'ed25519', 0)],
           ('notification', 'conversation'), 4, 1),
    Sender('school-theta.org', 'p=reject, SPF "a mx": A and MX lookups',
           [('web1.school-theta.org', '198.51.100.20'),
            ('mail.school-theta.org', '198.51.100.21')],
           'v=spf1 a mx -all',
           'v=DMARC1; p=reject',
           [('st1', 'rsa', 2048)],
           ('notification', 'newsletter', 'conversation'), 4, -6,
           {'school-theta.org': [{'A': '198.51.100.20'},
                                 {'MX': [10, 'mail.school-theta.org']}]}),
    Sender('hotel-iota.com', 'no DMARC record, SPF -all',
           [('mail.hotel-iota.com', '192.0.2.50')],
           'v=spf1 ip4:192.0.2.50 -all', None,
           [('hi', 'rsa', 2048)], ('receipt', 'newsletter'), 3, 2),
    Sender('garden-kappa.net', 'no DMARC record, SPF ~all, RSA-1024',
           [('smtp.garden-kappa.net', '198.51.100.70')],
           'v=spf1 ip4:198.51.100.70 ~all', None,
           [('gk', 'rsa', 1024)], ('newsletter', 'conversation'), 3, 0),
    Sender('games-lambda.com', 'p=reject, sp=quarantine; sends from the '
           'subdomain news.games-lambda.com too',
           [('mta.games-lambda.com', '192.0.2.60'),
            ('mta2.games-lambda.com', '192.0.2.61')],
           'v=spf1 ip4:192.0.2.60 ip4:192.0.2.61 -all',
           'v=DMARC1; p=reject; sp=quarantine',
           [('gl2025', 'rsa', 2048)], ('newsletter', 'notification'), 4, 9,
           {'news.games-lambda.com':
            [{'TXT': 'v=spf1 ip4:192.0.2.60 ip4:192.0.2.61 -all'},
             {'A': '192.0.2.60'}]}),
    Sender('auction-mu.com', 'p=quarantine with rua, SPF -all',
           [('mail1.auction-mu.com', '192.0.2.70'),
            ('mail2.auction-mu.com', '192.0.2.71')],
           'v=spf1 ip4:192.0.2.70 ip4:192.0.2.71 -all',
           'v=DMARC1; p=quarantine; rua=mailto:dmarc-agg@auction-mu.com',
           [('am', 'rsa', 2048)], ('notification', 'receipt'), 4, -4),
    Sender('charity-nu.org', 'p=none, SPF ~all, an ESP customer',
           [('mail.charity-nu.org', '198.51.100.80')],
           'v=spf1 ip4:198.51.100.80 ~all',
           'v=DMARC1; p=none',
           [('cn', 'rsa', 2048)], ('newsletter', 'conversation'), 3, 0),
    Sender('press-xi.net', 'p=none with rua, SPF -all',
           [('smtp.press-xi.net', '198.51.100.90')],
           'v=spf1 ip4:198.51.100.90 -all',
           'v=DMARC1; p=none; rua=mailto:dmarc@press-xi.net',
           [('px', 'rsa', 2048)], ('newsletter',), 3, 1),
    Sender('bakery-omicron.com', 'p=reject, SPF -all',
           [('mail.bakery-omicron.com', '192.0.2.80')],
           'v=spf1 ip4:192.0.2.80 -all',
           'v=DMARC1; p=reject',
           [('bo', 'rsa', 2048)], ('receipt', 'conversation'), 3, 1),
    Sender('radio-pi.org', 'p=quarantine, SPF ~all, an ESP customer',
           [('mail.radio-pi.org', '198.51.100.100')],
           'v=spf1 ip4:198.51.100.100 ~all',
           'v=DMARC1; p=quarantine',
           [('rp', 'rsa', 2048)], ('newsletter',), 2, 0),
    Sender('cloud-rho.net', 'p=reject with rua, SPF ip4 and ip6',
           [('smtp1.cloud-rho.net', '192.0.2.90'),
            ('smtp6.cloud-rho.net', '2001:db8:c10d::25')],
           'v=spf1 ip4:192.0.2.90 ip6:2001:db8:c10d::/48 -all',
           'v=DMARC1; p=reject; rua=mailto:postmaster@cloud-rho.net',
           [('cr', 'rsa', 2048)], ('notification',), 4, -8),
    Sender('studio-sigma.com', 'p=none, SPF ~all',
           [('mail.studio-sigma.com', '198.51.100.110')],
           'v=spf1 ip4:198.51.100.110 ~all',
           'v=DMARC1; p=none',
           [('ss', 'rsa', 2048)], ('conversation',), 3, 2),
    Sender('museum-tau.org', 'p=reject, SPF ~all, an ESP customer',
           [('mail.museum-tau.org', '198.51.100.120')],
           'v=spf1 ip4:198.51.100.120 ~all',
           'v=DMARC1; p=reject',
           [('mt', 'rsa', 2048)], ('newsletter',), 2, 1),
    Sender('bulk-upsilon.net', 'a bulk sender whose own SPF passes: the '
           'envelope and signature of some spoofs',
           [('m1.bulk-upsilon.net', '203.0.113.161'),
            ('m2.bulk-upsilon.net', '203.0.113.162')],
           'v=spf1 ip4:203.0.113.160/28 -all',
           'v=DMARC1; p=none',
           [('bu', 'rsa', 2048)], ('notification',), 0, 0),
]

OUTBOUND = [
    Sender('corp-one.com', 'outbound: RSA-2048 and Ed25519 (dual signing)',
           [('smtp.corp-one.com', '192.0.2.241')],
           'v=spf1 ip4:192.0.2.240/29 -all',
           'v=DMARC1; p=quarantine',
           [('sel2025', 'rsa', 2048), ('ed2025', 'ed25519', 0)],
           ('conversation',), 5, 1),
    Sender('corp-two.org', 'outbound: RSA-2048',
           [('mail.corp-two.org', '192.0.2.249')],
           'v=spf1 ip4:192.0.2.248/29 -all',
           'v=DMARC1; p=reject',
           [('mail', 'rsa', 2048)], ('conversation',), 3, -5),
    Sender('corp-three.net', 'outbound: RSA-2048',
           [('smtp.corp-three.net', '198.51.100.241')],
           'v=spf1 ip4:198.51.100.241 ~all',
           'v=DMARC1; p=none',
           [('dkim2025', 'rsa', 2048)], ('conversation',), 2, 0),
]

BY_NAME = {s.name: s for s in SENDERS + OUTBOUND}
ESP = BY_NAME['esp-mailer.net']
LIST_HOST = BY_NAME['list-delta.org']
BULK = BY_NAME['bulk-upsilon.net']

# clients in no SPF record: (IP, PTR name or None, HELO)
STRANGERS = [
    ('203.0.113.201', 'dyn-203-0-113-201.isp-phi.net',
     'dyn-203-0-113-201.isp-phi.net'),
    ('203.0.113.202', None, 'ylmf-pc'),
    ('203.0.113.217', 'static-217.isp-phi.net', 'mail.mydomain.test'),
    ('198.51.100.202', None, '[198.51.100.202]'),
    ('198.51.100.223', 'host-223.hosting-omega.net', 'vps223'),
    ('2001:db8:bad::66', 'relay6.isp-phi.net', 'relay6.isp-phi.net'),
]
# forwarders that keep the envelope and change the body
FORWARDERS = [('198.51.100.210', 'fwd1.forward-chi.net'),
              ('198.51.100.211', 'fwd2.forward-chi.net')]

POOL_DMARC = [s for s in SENDERS if s.dmarc and s is not BULK]
POOL_REJECT = [s for s in POOL_DMARC if 'p=reject' in s.dmarc]
POOL_SPF_FAIL = [BY_NAME[n] for n in
                 ('travel-epsilon.com', 'auction-mu.com', 'clinic-eta.com')]
POOL_SOFTFAIL = [BY_NAME[n] for n in ('forum-zeta.org', 'charity-nu.org',
                                      'studio-sigma.com', 'news-gamma.org')]
POOL_NO_DMARC = [BY_NAME[n] for n in ('hotel-iota.com', 'garden-kappa.net')]
POOL_ED = [BY_NAME[n] for n in ('shop-alpha.com', 'clinic-eta.com')]
POOL_ESP_CUSTOMERS = [BY_NAME[n] for n in ('news-gamma.org', 'charity-nu.org',
                                           'radio-pi.org', 'museum-tau.org')]

CLASSES = [
    ('signed-pass', 45), ('dual-signed', 10), ('esp-signed', 5),
    ('unsigned-spf-pass', 10), ('bad-body-hash', 5), ('spoofed-reject', 8),
    ('spf-fail', 5), ('spf-softfail-none', 5), ('no-dmarc', 5),
    ('null-sender', 2),
]
# the DMARC outcome each class stands for (bad-body-hash: whatever it is)
CLASS_OUTCOME = {
    'signed-pass': 'pass', 'dual-signed': 'pass', 'esp-signed': 'pass',
    'unsigned-spf-pass': 'pass', 'bad-body-hash': None,
    'spoofed-reject': 'fail-reject', 'spf-fail': 'fail-quarantine',
    'spf-softfail-none': 'fail-none', 'no-dmarc': 'none',
    'null-sender': 'pass',
}

# --- words -----------------------------------------------------------------

FIRST = ['Alice', 'Bruno', 'Carmen', 'David', 'Elena', 'Farid', 'Greta',
         'Hiro', 'Ines', 'Jonas', 'Kavya', 'Liam', 'Marta', 'Noah', 'Olga',
         'Pedro', 'Quinn', 'Rosa', 'Samir', 'Tara', 'Ugo', 'Vera', 'Wen',
         'Ximena', 'Yusuf', 'Zoë', 'José', 'Søren', 'Anaïs', 'Maja']
LAST = ['Abbott', 'Barros', 'Chen', 'Dubois', 'Eriksen', 'Fischer',
        'García', 'Horvat', 'Ivanova', 'Jensen', 'Kowalski', 'Lindqvist',
        'Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Quintero', 'Rossi',
        'Schmidt', 'Tanaka', 'Ueda', 'Varga', 'Weber', 'Xu', 'Yilmaz',
        'Zimmermann', 'Novák', 'Müller', 'Brennan', 'Haddad']
SUBJ_NP = ['the new schedule', 'our support team', 'the spring catalogue',
           'the updated price list', 'the delivery partner',
           'the project plan', 'the annual survey', 'the mobile app',
           'the northern warehouse', 'the review board', 'our volunteers',
           'the latest release', 'the booking system',
           'the loyalty programme', 'the quarterly budget',
           'the planning committee', 'the garden workshop',
           'the city office', 'the editorial team', 'the test results',
           'the new website', 'the training course', 'the community forum',
           'the billing department', 'the shipping estimate',
           'the draft contract', 'the meeting notes', 'the summer event',
           'the research group', 'the data migration']
VERB_PHR = ['will be ready by', 'has been moved to', 'now includes',
            'depends on', 'was approved after', 'should arrive before',
            'is still waiting for', 'replaces', 'needs a second look at',
            'covers', 'was discussed during', 'comes together with',
            'will start after', 'has improved thanks to', 'is limited to',
            'was delayed by', 'now supports', 'points to', 'builds on',
            'takes priority over']
OBJ_PHR = ['next Tuesday', 'the end of the month', 'a short review',
           'two extra pages', 'the usual checks', 'the second phase',
           'the feedback from last week', 'the holiday season',
           'the new warehouse', 'a handful of small fixes',
           'the board meeting', 'the final invoice',
           'the customer interviews', 'the opening hours',
           'the local partners', 'the morning shift', 'the pilot group',
           'the mobile version', 'the archive', 'the travel budget']
TAILS = ['', '', '', ', as agreed', ' without further changes',
         ', according to the latest figures', ' if nothing else comes up',
         ', which should make things easier', ' for most of our members',
         ', at least for now', ' in all regions',
         ' once the paperwork is done', ', so please plan accordingly',
         ' and we are happy about it']
OPENERS = ['', '', '', '', 'As mentioned earlier, ', 'In short, ',
           'Good news: ', 'Meanwhile, ', 'On a related note, ',
           'To be honest, ', 'As you may know, ', 'From what we hear, ',
           'Just a reminder that ', 'Starting this week, ',
           'Unfortunately, ', 'Thanks to your feedback, ']
HEAD_A = ['Five ways to enjoy', 'Why we changed', 'A closer look at',
          'What is new in', 'How to get the most from', 'Behind the scenes of',
          'Your guide to', 'Three questions about', 'Notes on',
          'Looking back at']
HEAD_B = ['the spring season', 'our new app', 'weekend planning',
          'the loyalty programme', 'home gardening', 'city travel',
          'the annual meeting', 'saving energy', 'the volunteer days',
          'better sleep', 'remote work', 'the new menu', 'local markets',
          'the summer timetable']
TOPICS = ['meeting next week', 'the draft agenda', 'invoice question',
          'plans for Friday', 'project update', 'catalogue proofs',
          'room booking', 'the volunteer rota', 'budget figures',
          'contract renewal', 'photos from the event', 'printer problems',
          'training dates', 'the new office', 'quote for the repairs']
PRODUCTS = ['Ceramic mug', 'Linen tea towel', 'Wool socks, 2 pairs',
            'Desk lamp', 'Notebook A5, dotted', 'Travel adapter',
            'Water bottle 750 ml', 'Garden gloves', 'Phone case',
            'Coffee beans 500 g', 'Cotton T-shirt', 'Rain jacket',
            'USB-C cable 2 m', 'Backpack 20 l', 'Scented candle',
            'Cutting board', 'Glasses case', 'Terracotta plant pot',
            'Bike light set', 'Jigsaw puzzle 1000 pcs']
STREETS = ['Maple Street', 'Harbour Road', 'Station Lane', 'Mill Row',
           'Church Walk', 'Orchard Close']
TOWNS = ['Northbridge', 'Eastfield', 'Lakeview', 'Millbrook', 'Westhaven']
ALERTS = ['A new sign-in to your account', 'Your monthly statement is ready',
          'Your password was changed', 'Your appointment is confirmed',
          'Payment received', 'Reminder: your booking next week',
          'Security alert for your account', 'You have a new message',
          'Your subscription renews soon', 'Action needed: confirm your email']
PHISH = ['Your account has been limited', 'Unusual activity detected',
         'Verify your details within 24 hours', 'Payment declined',
         'Final notice: update your information']

# --- text ------------------------------------------------------------------


def wrap(text, width=72):
    """Lines of at most width characters (longer words alone), at spaces."""
    lines, cur = [], ''
    for w in text.split(' '):
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = cur + ' ' + w if cur else w
    if cur:
        lines.append(cur)
    return lines


def ascii_fold(s):
    """The ASCII letters of a name, for the local part of an address."""
    s = s.translate(str.maketrans({'ø': 'o', 'Ø': 'O', 'ß': 'ss'}))
    return unicodedata.normalize('NFKD', s).encode('ascii', 'ignore').decode()


def brand(domain):
    """The display name of a domain: shop-alpha.com -> Shop Alpha."""
    return ' '.join(w.capitalize() for w in domain.split('.')[0].split('-'))


class Prose:
    """Generated English-looking text, from the words above."""

    def __init__(self, rng):
        """Text drawn from rng."""
        self.rng = rng

    def sentence(self, questions=0.0):
        """One sentence, a question with the odds given."""
        r = self.rng
        if r.random() < questions:
            s = ('could you check whether %s %s %s?'
                 % (r.choice(SUBJ_NP), r.choice(VERB_PHR), r.choice(OBJ_PHR)))
        else:
            s = '%s%s %s %s%s.' % (r.choice(OPENERS), r.choice(SUBJ_NP),
                                   r.choice(VERB_PHR), r.choice(OBJ_PHR),
                                   r.choice(TAILS))
        return s[0].upper() + s[1:]

    def paragraph(self, lo=2, hi=6, questions=0.0):
        """A paragraph of lo to hi sentences, as one line."""
        return ' '.join(self.sentence(questions)
                        for _ in range(self.rng.randint(lo, hi)))

    def headline(self):
        """A newsletter headline."""
        return '%s %s' % (self.rng.choice(HEAD_A), self.rng.choice(HEAD_B))

    def person(self):
        """A (display name, ASCII local part) pair."""
        f, l = self.rng.choice(FIRST), self.rng.choice(LAST)
        return '%s %s' % (f, l), ascii_fold('%s.%s' % (f, l)).lower()

    def token(self, n=12, alphabet='0123456789abcdef'):
        """A random string of n characters of alphabet."""
        return ''.join(self.rng.choice(alphabet) for _ in range(n))

# --- MIME ------------------------------------------------------------------


class Part:
    """A MIME entity: header fields and either a body or sub-parts."""

    def __init__(self, headers, body='', parts=None, boundary=None,
                 preamble=None):
        """An entity of headers, and body or parts (with boundary)."""
        self.headers = headers
        self.body = body            # CRLF line ends, ending with CRLF
        self.parts = parts
        self.boundary = boundary
        self.preamble = preamble


def mime_words(s):
    """s as it goes in a header: ASCII as is, else RFC 2047 encoded words."""
    if s.isascii():
        return s
    words, chunk = [], ''
    for ch in s:
        if len((chunk + ch).encode()) > 36:
            words.append(chunk)
            chunk = ''
        chunk += ch
    words.append(chunk)
    return ' '.join('=?UTF-8?B?%s?=' % base64.b64encode(w.encode()).decode()
                    for w in words)


def address(display, addr):
    """An address with its display name, quoted or encoded as needed."""
    if not display:
        return addr
    if not display.isascii():
        return '%s <%s>' % (mime_words(display), addr)
    if any(c in display for c in '.,;:@()<>[]"'):
        return '"%s" <%s>' % (display.replace('"', ''), addr)
    return '%s <%s>' % (display, addr)


def fold(name, value, cont=' '):
    """One header field, folded at spaces where longer than 78 columns."""
    lines, cur = [], name + ':'
    for w in value.split(' '):
        if len(cur) + 1 + len(w) > WIDTH and cur != name + ':' \
                and cur.strip():
            lines.append(cur)
            cur = cont + w
        else:
            cur += ' ' + w
    lines.append(cur)
    return CRLF.join(lines)


def render_fields(headers):
    """Header fields, folded, each ending with CRLF."""
    return ''.join(fold(n, v, '\t' if n == 'Received' else ' ') + CRLF
                   for n, v in headers)


def render_body(part):
    """The body of a MIME entity, with its sub-parts."""
    if part.parts is None:
        return part.body
    out = []
    if part.preamble:
        out.append(part.preamble + CRLF)
    for p in part.parts:
        out.append('--%s%s' % (part.boundary, CRLF))
        out.append(render_fields(p.headers) + CRLF + render_body(p))
    out.append('--%s--%s' % (part.boundary, CRLF))
    return ''.join(out)


def crlf_lines(lines):
    """Lines joined with CRLF, ending with one."""
    return CRLF.join(lines) + CRLF


def text_part(text, subtype='plain'):
    """A text part: 7bit when ASCII with short lines, else quoted-printable."""
    lines = text.split('\n')
    ctype = [('Content-Type', 'text/%s; charset="utf-8"' % subtype)]
    if text.isascii() and max(len(l) for l in lines) <= 78 \
            and not any(l.endswith(' ') for l in lines):
        return Part(ctype + [('Content-Transfer-Encoding', '7bit')],
                    crlf_lines(lines))
    qp = binascii.b2a_qp(text.encode(), istext=True).decode()
    body = qp.replace('\n', CRLF)
    if not body.endswith(CRLF):
        body += CRLF
    return Part(ctype + [('Content-Transfer-Encoding', 'quoted-printable')],
                body)


def boundary(prose):
    """A fresh MIME boundary."""
    return '=_%s' % prose.token(24, '0123456789ABCDEFabcdef')


def multipart(prose, subtype, parts, extra=''):
    """A multipart entity of the given parts."""
    b = boundary(prose)
    return Part([('Content-Type', 'multipart/%s;%s boundary="%s"'
                  % (subtype, extra, b))], parts=parts, boundary=b,
                preamble='This is a multi-part message in MIME format.')


def attachment(prose, size, kind):
    """A base64 attachment of random bytes, about size bytes encoded."""
    raw = max(1024, size * 57 // 78)
    n = prose.rng.randint(1000, 99999)
    if prose.rng.random() < 0.6:
        ctype, name = 'application/pdf', '%s-%05d.pdf' % (
            'invoice' if kind == 'receipt' else 'document', n)
        data = b'%PDF-1.7\n%\xe2\xe3\xcf\xd3\n' + prose.rng.randbytes(raw)
    else:
        ctype, name = 'image/png', 'photo-%05d.png' % n
        data = b'\x89PNG\r\n\x1a\n' + prose.rng.randbytes(raw)
    enc = base64.b64encode(data).decode()
    lines = [enc[i:i + 76] for i in range(0, len(enc), 76)]
    return Part([('Content-Type', '%s; name="%s"' % (ctype, name)),
                 ('Content-Disposition', 'attachment; filename="%s"' % name),
                 ('Content-Transfer-Encoding', 'base64')], crlf_lines(lines))

# --- content ---------------------------------------------------------------


@dataclass
class Content:
    """What a kind of message says: subject, extra fields, MIME body."""
    subject: str
    headers: list
    part: Part


def filler(prose, size, lo=2, hi=6):
    """Paragraphs of text adding up to about size characters."""
    pars, n = [], 0
    while n < size:
        p = prose.paragraph(lo, hi)
        pars.append(p)
        n += len(p) + 2
    return pars


def paragraphs_text(pars):
    """Paragraphs wrapped at 72 columns, separated by empty lines."""
    return '\n\n'.join('\n'.join(wrap(p)) for p in pars)


def html_page(title, blocks):
    """An HTML mail page from (tag, text) blocks, one block a line."""
    out = ['<!DOCTYPE html>',
           '<html><head><meta charset="utf-8">'
           '<meta name="viewport" content="width=device-width">',
           '<title>%s</title></head>' % title,
           '<body style="margin:0;padding:0;background:#f3f3f1">',
           '<table role="presentation" width="100%" cellpadding="0" '
           'cellspacing="0"><tr><td align="center">',
           '<table role="presentation" width="600" style="background:#ffffff;'
           'font-family:Helvetica,sans-serif;color:#333333">']
    for tag, text in blocks:
        if tag == 'raw':
            out.append(text)
        else:
            style = {'h1': 'font-size:24px;margin:24px 24px 8px',
                     'h2': 'font-size:19px;margin:20px 24px 6px',
                     'p': 'font-size:15px;line-height:1.5;margin:0 24px 12px'}
            out.append('<tr><td><%s style="%s">%s</%s></td></tr>'
                       % (tag, style[tag], text, tag))
    out += ['</table></td></tr></table></body></html>']
    return '\n'.join(out)


def newsletter(ctx, size):
    """A newsletter: text and HTML alternatives, sections with links."""
    p, dom = ctx.prose, ctx.org
    title = '%s %s no. %d' % (brand(dom), p.rng.choice(
        ['Weekly', 'Monthly', 'Digest', 'Letter', 'Update']),
        p.rng.randint(12, 480))
    camp = p.token(8)
    text = [title, '=' * len(title), '']
    html = [('h1', title)]
    n = 0
    while n < size or len(html) < 3:
        h = p.headline()
        link = ('https://www.%s/stories/%s?utm_source=newsletter'
                '&utm_campaign=%s' % (dom, h.lower().replace(' ', '-'), camp))
        pars = [p.paragraph() for _ in range(p.rng.randint(1, 3))]
        text += [h, '-' * len(h), '', paragraphs_text(pars), '',
                 'Read more: ' + link, '']
        html.append(('h2', h))
        html += [('p', x) for x in pars]
        html.append(('p', '<a href="%s" style="color:#1a5fb4">Read more</a>'
                     % link))
        n += 2.6 * sum(len(x) for x in pars) + 600
    unsub = 'https://www.%s/unsubscribe/%s' % (dom, ctx.token)
    text += ['--', 'You receive this because you subscribed at www.%s.' % dom,
             'Unsubscribe: ' + unsub]
    html.append(('p', '<small>You receive this because you subscribed. '
                 '<a href="%s">Unsubscribe</a></small>' % unsub))
    if ctx.via_esp:
        html.append(('raw', '<img src="https://t.esp-mailer.net/o/%s.gif" '
                     'width="1" height="1" alt="">' % ctx.token))
    part = multipart(p, 'alternative',
                     [text_part('\n'.join(text)),
                      text_part(html_page(title, html), 'html')])
    headers = [('List-Unsubscribe', '<%s>, <mailto:unsubscribe+%s@%s>'
                % (unsub, ctx.token, dom)),
               ('List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'),
               ('List-Id', '%s news <news.%s>' % (brand(dom), dom)),
               ('Precedence', 'bulk')]
    subject = p.headline()
    if p.rng.random() < 0.15:
        subject = '\u2728 ' + subject
    return Content(subject, headers, part)


def receipt(ctx, size):
    """An order confirmation: items, totals, address, terms."""
    p = ctx.prose
    order = '%d-%06d' % (p.rng.randint(100, 999), p.rng.randint(0, 999999))
    euro = p.rng.random() < 0.4
    cur = '\u20ac' if euro else '$'
    lines = ['Hello %s,' % ctx.rcpt_name.split()[0], '',
             'Thank you for your order %s. Here is what you bought:' % order,
             '']
    total = 0
    rows = []
    for _ in range(p.rng.randint(2, 9)):
        item, qty = p.rng.choice(PRODUCTS), p.rng.randint(1, 3)
        price = p.rng.randint(199, 8999)
        total += qty * price
        lines.append('  %-30s %2d x %s %7.2f' % (item, qty, cur, price / 100))
        rows.append('<tr><td>%s</td><td>%d</td><td>%s %.2f</td></tr>'
                    % (item, qty, cur, price / 100))
    ship = p.rng.choice([0, 495, 695])
    lines += ['', '  %-35s %s %7.2f' % ('Shipping', cur, ship / 100),
              '  %-35s %s %7.2f' % ('Total', cur, (total + ship) / 100), '',
              'Delivery to:', '  ' + ctx.rcpt_name,
              '  %d %s' % (p.rng.randint(1, 200), p.rng.choice(STREETS)),
              '  %s' % p.rng.choice(TOWNS), '']
    with_html = p.rng.random() < 0.5
    terms = filler(p, (size * 0.45 if with_html else size) - 1200, 3, 7)
    text = '\n'.join(lines) + '\n' + paragraphs_text(terms) + '\n'
    subject = 'Your order %s is confirmed' % order
    if not with_html:
        return Content(subject, [], text_part(text))
    html = [('h1', 'Thank you for your order'),
            ('raw', '<tr><td><table style="margin:0 24px">%s</table></td></tr>'
             % ''.join(rows))] + [('p', t) for t in terms]
    return Content(subject, [], multipart(
        p, 'alternative', [text_part(text),
                           text_part(html_page(subject, html), 'html')]))


def notification(ctx, size):
    """An account notice, plain or with HTML, and some tips."""
    p = ctx.prose
    subject = p.rng.choice(PHISH if ctx.phish else ALERTS)
    intro = ('%s on %s. If this was you, there is nothing to do. Otherwise,'
             ' please visit https://www.%s/account and review your settings.'
             % (subject, email.utils.format_datetime(ctx.date), ctx.org))
    with_html = size > 3 * KB and p.rng.random() < 0.4
    pars = filler(p, (size * 0.45 if with_html else size) - 400)
    text = 'Hello %s,\n\n%s\n\n-- \nThe %s team\n' % (
        ctx.rcpt_name.split()[0], paragraphs_text([intro] + pars),
        brand(ctx.org))
    if not with_html:
        return Content(subject, [], text_part(text))
    html = [('h1', subject)] + [('p', x) for x in [intro] + pars]
    return Content(subject, [], multipart(
        p, 'alternative', [text_part(text),
                           text_part(html_page(subject, html), 'html')]))


def conversation(ctx, size):
    """A reply with the earlier messages of the thread quoted."""
    p = ctx.prose
    topic = p.rng.choice(TOPICS)
    me, you = ctx.from_name, ctx.rcpt_name
    body = ['Hi %s,' % you.split()[0], '',
            paragraphs_text([p.paragraph(1, 4, 0.2) for _ in
                             range(p.rng.randint(1, 3))]),
            '', 'Best,', me.split()[0], '']
    quoted, depth, who = [], 1, [you, me]
    t = ctx.date
    n = sum(len(x) for x in body)
    refs = []
    while n < size:
        t = t - datetime.timedelta(minutes=p.rng.randint(20, 3000))
        author = who[(depth - 1) % 2]
        refs.append('<%s@mail.%s>' % (p.token(16), ctx.org))
        head = 'On %s, %s wrote:' % (email.utils.format_datetime(t), author)
        chunk = [p.paragraph(1, 5, 0.15)
                 for _ in range(p.rng.randint(1, 4))]
        q = '> ' * depth
        quoted.append('> ' * (depth - 1) + head)
        for line in paragraphs_text(chunk).split('\n'):
            quoted.append((q + line).rstrip())
        quoted.append(q.rstrip())
        n += sum(len(x) for x in chunk) * 1.05 + 80
        depth = min(depth + 1, 6)
    text = '\n'.join(body + quoted) + '\n'
    subject = ('Re: ' * min(2, len(refs)) + topic.capitalize()) if refs \
        else topic.capitalize()
    headers = []
    if refs:
        headers = [('In-Reply-To', refs[0]),
                   ('References', ' '.join(reversed(refs[-6:])))]
    return Content(subject, headers, text_part(text))


KINDS = {'newsletter': newsletter, 'receipt': receipt,
         'notification': notification, 'conversation': conversation}

# --- messages --------------------------------------------------------------


@dataclass
class Ctx:
    """What one message is made of, as its generator chooses it."""
    prose: Prose
    kind: str
    org: str                    # the organization the message speaks for
    from_name: str
    from_addr: str
    to: list                    # (display, addr) of the To: field
    rcpt_name: str
    date: datetime.datetime
    via_esp: bool = False
    phish: bool = False
    token: str = ''


def date_of(rng, tz):
    """A time in the corpus week, in the sender's time zone."""
    t = BASE_TIME + datetime.timedelta(seconds=rng.randint(0, SPAN_SECONDS))
    return t.astimezone(datetime.timezone(datetime.timedelta(hours=tz)))


def message_id(prose, host, date):
    """A Message-ID in one of a few common styles."""
    r = prose.rng.random()
    if r < 0.4:
        return '<%s.%s@%s>' % (date.strftime('%Y%m%d%H%M%S'),
                               prose.token(10, '0123456789ABCDEF'), host)
    if r < 0.7:
        return '<%s-%s-%s@%s>' % (prose.token(8), prose.token(4),
                                  prose.token(12), host)
    return '<CA%s@mail.%s>' % (prose.token(
        40, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'),
        host)


def compose(ctx, size, attach=0):
    """Header fields and body of a message, the body about size bytes."""
    c = KINDS[ctx.kind](ctx, size if not attach else
                        ctx.prose.rng.randint(1500, 5000))
    part = c.part
    if attach:
        part = multipart(ctx.prose, 'mixed',
                         [part, attachment(ctx.prose, attach, ctx.kind)])
    headers = [('From', address(ctx.from_name, ctx.from_addr)),
               ('To', ', '.join(address(d, a) for d, a in ctx.to)),
               ('Subject', mime_words(c.subject)),
               ('Date', email.utils.format_datetime(ctx.date)),
               ('Message-ID', message_id(
                   ctx.prose, ctx.from_addr.split('@')[1], ctx.date))]
    if ctx.kind in ('newsletter', 'notification') and not ctx.phish and \
            ctx.prose.rng.random() < 0.3:
        headers.append(('Reply-To', 'support@%s' % ctx.org))
    headers += c.headers
    headers.append(('MIME-Version', '1.0'))
    headers += part.headers
    return headers, render_body(part)


def qid(prose):
    """A queue id, as Postfix prints one."""
    if prose.rng.random() < 0.5:
        return prose.token(10, '0123456789ABCDEF')
    return prose.token(
        14, 'BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789')


def stamp(t):
    """A Received time stamp."""
    return email.utils.format_datetime(t)


def ip_literal(ip):
    """An address as Received shows it."""
    return 'IPv6:' + ip if ':' in ip else ip


def received_chain(prose, org, mta, rcpt, t, n):
    """n Received fields (2 to 4), newest first, of a sender's own servers
    ending at mta; returns them and the time of the last one."""
    r = prose.rng
    app = 'app%d.int.%s' % (r.randint(1, 9), org)
    app_ip = r.choice(['192.0.2.%d' % r.randint(130, 190),
                       '2001:db8:1:%x::%x' % (r.randint(1, 255),
                                              r.randint(2, 4000))])
    hops = ['by %s (Postfix, from userid %d) id %s; %%s'
            % (app, r.choice([33, 1000, 1001, 998]), qid(prose))]
    hops.append('from %s (%s [%s]) by %s (Postfix) with ESMTP id %s; %%s'
                % (app, app, ip_literal(app_ip),
                   'relay.int.' + org if n > 2 else mta, qid(prose)))
    if n > 2:
        hops.append('from relay.int.%s (relay.int.%s [192.0.2.%d]) by %s '
                    '(Postfix) with ESMTPS id %s for <%s>; %%s'
                    % (org, org, r.randint(191, 199), mta, qid(prose), rcpt))
    if n > 3:
        hops.append('from localhost (localhost [127.0.0.1]) by %s (Postfix) '
                    'with ESMTP id %s for <%s>; %%s' % (mta, qid(prose), rcpt))
    out = []
    for h in hops:
        t = t + datetime.timedelta(seconds=r.randint(0, 3))
        out.append(('Received', h % stamp(t)))
    return list(reversed(out)), t


def hop(prose, helo, ip, rdns, by, rcpt, t, proto='ESMTPS'):
    """One Received field: from helo (rdns [ip]) by ... for <rcpt>."""
    return ('Received', 'from %s (%s [%s]) by %s (Postfix) with %s id %s '
            'for <%s>; %s' % (helo, rdns or 'unknown', ip_literal(ip), by,
                              proto, qid(prose), rcpt, stamp(t)))


class Clock:
    """Stands for the time module inside dkimpy while it signs, so that t=
    is the message's own time and the corpus stays reproducible."""

    def __init__(self, when):
        """A clock stopped at when (seconds since the epoch)."""
        self.when = when

    def time(self):
        """The fixed time."""
        return self.when


def sign(msg, key, rng, when, esp=False):
    """A DKIM-Signature field (bytes, CRLF) for msg by key at time when."""
    present = {l.split(b':', 1)[0].strip().lower().decode()
               for l in msg.split(b'\r\n\r\n', 1)[0].split(b'\r\n')
               if l and l[:1] not in b' \t'}
    if esp:
        wanted = ['from', 'to', 'subject', 'date', 'message-id',
                  'list-unsubscribe', 'feedback-id', 'mime-version',
                  'content-type']
    else:
        wanted = ['from', 'reply-to', 'to', 'cc', 'subject', 'date',
                  'message-id', 'in-reply-to', 'references', 'mime-version',
                  'content-type', 'content-transfer-encoding',
                  'list-unsubscribe', 'list-unsubscribe-post', 'list-id']
    h = [x for x in wanted if x in present]
    if rng.random() < 0.3:              # oversign: no more may be added
        h += ['from', 'subject', 'to']
    canon = (b'simple', b'simple') if rng.random() < 0.10 \
        else (b'relaxed', b'relaxed')
    algo = b'ed25519-sha256' if key.alg == 'ed25519' else b'rsa-sha256'
    saved = dkim.time
    dkim.time = Clock(when)
    try:
        return dkim.sign(msg, key.selector.encode(), key.domain.encode(),
                         key.private, canonicalize=canon,
                         signature_algorithm=algo,
                         include_headers=[x.encode() for x in h])
    finally:
        dkim.time = saved

# --- keys ------------------------------------------------------------------


@dataclass
class Key:
    """A DKIM key: where it is, and its two halves as dkimpy and DNS want."""
    domain: str
    selector: str
    alg: str                    # rsa or ed25519
    bits: int
    path: str
    private: bytes = b''        # PEM (RSA) or the base64 32-byte seed
    public: str = ''            # p= of the key record

    def record(self):
        """The TXT record of the key."""
        return 'v=DKIM1; k=%s; p=%s' % (self.alg, self.public)


def openssl(*args):
    """Output of an openssl command; abort on failure."""
    r = subprocess.run(('openssl',) + args, capture_output=True)
    if r.returncode:
        sys.exit('mkcorpus: openssl %s: %s' % (' '.join(args),
                                                r.stderr.decode().strip()))
    return r.stdout


def key_fits(key):
    """Whether key.path holds a key of the right algorithm and size."""
    r = subprocess.run(['openssl', 'pkey', '-in', key.path, '-noout',
                        '-text'], capture_output=True, text=True)
    first = r.stdout.split('\n', 1)[0] if r.returncode == 0 else ''
    if key.alg == 'ed25519':
        return first.startswith('ED25519 Private-Key')
    return first.startswith('Private-Key: (%d bit' % key.bits)


def make_keys(keydir, domains):
    """The keys of domains, reusing fitting ones in keydir, making the
    others (in parallel); all mode 0600."""
    os.makedirs(keydir, mode=0o700, exist_ok=True)
    keys = [Key(d.name, sel, alg, bits,
                os.path.join(keydir, '%s.%s.pem' % (d.name, sel)))
            for d in domains for sel, alg, bits in d.keys]
    jobs = []
    mask = os.umask(0o077)
    try:
        for k in keys:
            if os.path.exists(k.path) and key_fits(k):
                continue
            tmp = k.path + '.new'
            algo = ['-algorithm', 'ED25519'] if k.alg == 'ed25519' else \
                ['-algorithm', 'RSA', '-pkeyopt',
                 'rsa_keygen_bits:%d' % k.bits]
            jobs.append((k, tmp, subprocess.Popen(
                ['openssl', 'genpkey'] + algo + ['-out', tmp],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)))
        for k, tmp, proc in jobs:
            err = proc.communicate()[1]
            if proc.returncode:
                sys.exit('mkcorpus: openssl genpkey: ' + err.decode().strip())
            os.replace(tmp, k.path)
    finally:
        os.umask(mask)
    for k in keys:
        os.chmod(k.path, 0o600)
        pub = openssl('pkey', '-in', k.path, '-pubout', '-outform', 'DER')
        if k.alg == 'rsa':
            with open(k.path, 'rb') as f:
                k.private = f.read()
            k.public = base64.b64encode(pub).decode()
        else:   # RFC 8463: the raw keys, the tails of their DER forms
            der = openssl('pkey', '-in', k.path, '-outform', 'DER')
            k.private = base64.b64encode(der[-32:])
            k.public = base64.b64encode(pub[-32:]).decode()
    return {(k.domain, k.selector): k for k in keys}, len(jobs)

# --- DNS -------------------------------------------------------------------


def host_records(zones, host, ip):
    """A and PTR (and the HELO SPF record) of one server."""
    add(zones, host, {'AAAA' if ':' in ip else 'A': ip})
    add(zones, host, {'TXT': SPF_HELO})
    add(zones, ipaddress.ip_address(ip).reverse_pointer, {'PTR': host})


def add(zones, name, record):
    """Add one record to a name of zones."""
    zones.setdefault(name, []).append(record)


def build_zones(keys):
    """The zone data of every domain: name -> list of records."""
    zones, notes = {}, {}
    for s in SENDERS + OUTBOUND:
        notes[s.name] = s.note
        add(zones, s.name, {'TXT': s.spf})
        for name, records in s.extra.items():
            for r in records:
                add(zones, name, r)
        if s.dmarc:
            add(zones, '_dmarc.' + s.name, {'TXT': s.dmarc})
        for sel, _, _ in s.keys:
            rec = keys[(s.name, sel)].record()
            add(zones, '%s._domainkey.%s' % (sel, s.name),
                {'TXT': [rec[i:i + 250] for i in range(0, len(rec), 250)]})
        for host, ip in s.mtas:
            host_records(zones, host, ip)
    notes['isp-phi.net'] = 'clients of the spoofs and SPF failures'
    for ip, ptr, _ in STRANGERS:
        if ptr:
            add(zones, ptr, {'AAAA' if ':' in ip else 'A': ip})
            add(zones, ipaddress.ip_address(ip).reverse_pointer, {'PTR': ptr})
    notes['fwd1.forward-chi.net'] = 'forwarders that change the body'
    for ip, host in FORWARDERS:
        host_records(zones, host, ip)
    return zones, notes


def yaml_value(v):
    """One record value in YAML flow style."""
    if isinstance(v, list):
        return '[%s]' % ', '.join(yaml_value(x) for x in v)
    if isinstance(v, int):
        return str(v)
    return json.dumps(v)


def write_zones(path, zones, notes, seed):
    """zones.yml, in t/dns/testdns.py's format, with a comment per domain."""
    out = ['# zones.yml - DNS of the benchmark corpus, for t/dns/testdns.py',
           '# Written by t/bench/mkcorpus.py (seed %d); all TTLs default.'
           % seed]
    for name, records in zones.items():
        if name in notes:
            out += ['', '# %s: %s' % (name, notes[name])]
        out.append('%s:' % name)
        for r in records:
            (t, v), = r.items()
            out.append('  - %s: %s' % (t, yaml_value(v)))
    with open(path, 'w') as f:
        f.write('\n'.join(out) + '\n')


class Resolver:
    """Answers from zones.yml as t/dns/testdns.py reads and serves it."""

    def __init__(self, path):
        """Load path with testdns.py's own loader."""
        here = os.path.dirname(os.path.abspath(__file__))
        spec = importlib.util.spec_from_file_location(
            'testdns', os.path.join(here, '..', 'dns', 'testdns.py'))
        testdns = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(testdns)
        self.server = testdns.Server(testdns.load_zones([path], None), 0,
                                     None)

    def get(self, name, rtype):
        """The values of name's records of rtype (none for NXDOMAIN)."""
        recs = self.server.walk(name.rstrip('.'), rtype) or []
        return [v for t, v in recs if t == rtype]

    def txt(self, name):
        """TXT records of name, each its strings joined."""
        return [v if isinstance(v, str) else ''.join(v)
                for v in self.get(name, 'TXT')]

    def dkim_txt(self, name, timeout=5):
        """dkimpy's dnsfunc: the first TXT record of name, as bytes."""
        t = self.txt(name.decode())
        return t[0].encode() if t else None

# --- SPF and DMARC ---------------------------------------------------------


def spf_check(dns, ip, domain, depth=0):
    """check_host() for the mechanisms this corpus uses (all, ip4, ip6, a,
    mx, include): pass, fail, softfail, neutral, none or permerror."""
    recs = [t for t in dns.txt(domain) if t.lower().startswith('v=spf1 ')
            or t.lower() == 'v=spf1']
    if not recs:
        return 'none'
    if len(recs) > 1 or depth > 10:
        return 'permerror'
    addr = ipaddress.ip_address(ip)
    for term in recs[0].split()[1:]:
        qual = '+'
        if term[0] in '+-~?':
            qual, term = term[0], term[1:]
        mech, _, arg = term.partition(':')
        mech = mech.lower()
        if mech == 'all':
            match = True
        elif mech in ('ip4', 'ip6'):
            net = ipaddress.ip_network(arg, strict=False)
            match = net.version == addr.version and addr in net
        elif mech in ('a', 'mx'):
            hosts = [arg or domain] if mech == 'a' else \
                [h for _, h in dns.get(arg or domain, 'MX')]
            rtype = 'AAAA' if addr.version == 6 else 'A'
            match = any(ipaddress.ip_address(a) == addr for h in hosts
                        for a in dns.get(h, rtype))
        elif mech == 'include':
            r = spf_check(dns, ip, arg, depth + 1)
            if r in ('none', 'permerror'):
                return 'permerror'
            match = r == 'pass'
        else:
            return 'permerror'
        if match:
            return {'+': 'pass', '-': 'fail', '~': 'softfail',
                    '?': 'neutral'}[qual]
    return 'neutral'


def org_domain(d):
    """The organizational domain: every domain here is under a one-label
    public suffix (.com, .org, .net)."""
    return '.'.join(d.lower().split('.')[-2:])


def dmarc_record(dns, domain):
    """The tags of the DMARC record of domain, or None."""
    recs = [t for t in dns.txt('_dmarc.' + domain)
            if t.replace(' ', '').startswith('v=DMARC1;')]
    if len(recs) != 1:
        return None
    return dict(x.strip().split('=', 1) for x in recs[0].split(';')
                if '=' in x)


def dmarc_outcome(dns, from_dom, dkim_domains, spf_result, spf_dom):
    """What a DMARC verifier concludes: pass, fail-POLICY or none."""
    rec, policy = dmarc_record(dns, from_dom), 'p'
    if rec is None and org_domain(from_dom) != from_dom:
        rec, policy = dmarc_record(dns, org_domain(from_dom)), 'sp'
    if rec is None:
        return 'none'

    def aligned(d, mode):
        """Whether domain d is aligned with the author domain."""
        if mode == 's':
            return d.lower() == from_dom.lower()
        return org_domain(d) == org_domain(from_dom)
    if any(aligned(d, rec.get('adkim', 'r')) for d in dkim_domains):
        return 'pass'
    if spf_result == 'pass' and spf_dom and \
            aligned(spf_dom, rec.get('aspf', 'r')):
        return 'pass'
    return 'fail-' + rec.get(policy, rec.get('p'))

# --- inbound ---------------------------------------------------------------


@dataclass
class Made:
    """A message as written, and what its checks must find."""
    envelope: str
    data: bytes
    signers: list               # d= of the signatures, top first
    tampered: bool = False
    spf: str = None             # the SPF result the class needs, or None


def envelope_line(client, helo, mailfrom, rcpt, hostname=None, auth=None,
                  daemon=None):
    """The #envelope line."""
    out = ['#envelope', 'client=' + client, 'helo=' + helo,
           'mailfrom=' + mailfrom, 'rcpt=' + ','.join(rcpt)]
    if auth:
        out.append('auth=' + auth)
    if daemon:
        out.append('daemon=' + daemon)
    if hostname:
        out.append('hostname=' + hostname)
    return ' '.join(out)


def pick(rng, pool):
    """A sender of pool, the big ones more often."""
    return rng.choices(pool, weights=[max(1, s.weight) for s in pool])[0]


def recipients(prose, n):
    """n (display, address) pairs at the receiving site."""
    out = []
    for _ in range(n):
        name, local = prose.person()
        out.append((name, '%s@%s' % (local, RECEIVING_DOMAIN)))
    return out


def author(prose, s, kind, from_dom):
    """Display name and address of a sender's message of kind."""
    b = brand(s.name)
    if kind == 'conversation':
        name, local = prose.person()
        return name, '%s@%s' % (local, from_dom)
    local, name = {'newsletter': ('news', b),
                   'receipt': ('orders', b + ' Shop'),
                   'notification': ('no-reply', b)}[kind]
    return name, '%s@%s' % (local, from_dom)


def rsa_key(keys, s):
    """The RSA key of sender s."""
    return next(keys[(s.name, sel)] for sel, alg, _ in s.keys if alg == 'rsa')


def ed_key(keys, s):
    """The Ed25519 key of sender s."""
    return next(keys[(s.name, sel)] for sel, alg, _ in s.keys
                if alg == 'ed25519')


def inbound_plan(rng, cls):
    """Who sends a message of cls, by which route, signed by what."""
    p = {'route': 'own', 'signers': [], 'tamper': None, 'spf': 'pass',
         'from_dom': None, 'mailfrom': None, 'kind': None, 'phish': False}
    if cls in ('signed-pass', 'unsigned-spf-pass', 'bad-body-hash',
               'null-sender'):
        pool = POOL_DMARC
        if cls == 'bad-body-hash':
            pool = [s for s in POOL_DMARC if s is not LIST_HOST]
        s = pick(rng, pool)
        if cls != 'unsigned-spf-pass':
            p['signers'] = [('rsa', s)]
    elif cls == 'dual-signed':
        if rng.random() < 0.67:
            s = rng.choice(POOL_ED)
            p['signers'] = [('rsa', s), ('ed', s)]
            rng.shuffle(p['signers'])
        else:
            s = BY_NAME['news-gamma.org']
            p['route'] = 'esp'
            p['mailfrom'] = 'bounces@news-gamma.org'
            p['signers'] = [('rsa', s), ('rsa', ESP)]
    elif cls == 'esp-signed':
        s = rng.choice(POOL_ESP_CUSTOMERS)
        p['route'] = 'esp'
        p['signers'] = [('rsa', s), ('rsa', ESP)]
    elif cls == 'spoofed-reject':
        s = pick(rng, POOL_REJECT)
        p['phish'] = True
        p['kind'] = 'notification'
        if rng.random() < 0.5:
            p['route'] = 'stranger'
            p['spf'] = 'fail' if '-all' in s.spf else 'softfail'
        else:
            p['route'] = 'bulk'
            if rng.random() < 0.6:
                p['signers'] = [('rsa', BULK)]
    elif cls in ('spf-fail', 'spf-softfail-none'):
        s = rng.choice(POOL_SPF_FAIL if cls == 'spf-fail' else POOL_SOFTFAIL)
        p['route'] = 'stranger'
        p['spf'] = 'fail' if cls == 'spf-fail' else 'softfail'
    elif cls == 'no-dmarc':
        s = rng.choice(POOL_NO_DMARC)
        p['signers'] = [('rsa', s)]
    else:
        raise ValueError(cls)
    if cls == 'bad-body-hash':
        if rng.random() < 0.5:
            p['route'], p['tamper'] = 'list', 'footer'
        else:
            p['route'], p['tamper'] = 'forward', 'note'
            p['spf'] = 'fail' if '-all' in s.spf else 'softfail'
    p['sender'] = s
    if cls == 'null-sender':
        p['kind'] = 'bounce'
    if p['kind'] is None and p['route'] == 'esp':
        p['kind'] = 'newsletter' if rng.random() < 0.8 else 'notification'
    if p['kind'] is None:
        p['kind'] = rng.choice(s.kinds)
    if cls == 'unsigned-spf-pass' and p['kind'] == 'newsletter':
        p['kind'] = rng.choice(['conversation', 'notification'])
    p['from_dom'] = s.name
    if s.name == 'games-lambda.com' and \
            cls not in ('spoofed-reject', 'null-sender') and \
            rng.random() < 0.5:
        p['from_dom'] = 'news.games-lambda.com'
    return p


def bounce(ctx, size, attach, s, mta):
    """A delivery status notification (RFC 3464) of a message that an
    example.net user sent to a missing mailbox of s."""
    p = ctx.prose
    name, local = p.person()
    lost = '%s@%s' % (local, s.name)
    sent = ctx.date - datetime.timedelta(seconds=p.rng.randint(2, 600))
    inner = Ctx(p, 'conversation', RECEIVING_DOMAIN, ctx.rcpt_name,
                ctx.to[0][1], [(name, lost)], name, sent)
    ih, ibody = compose(inner, max(500, size - 1800), attach)
    ih = [('Received', 'from [192.0.2.%d] by smtp.example.net (Postfix) with '
           'ESMTPSA id %s for <%s>; %s' % (p.rng.randint(200, 230), qid(p),
                                           lost, stamp(sent)))] + ih
    explain = ('This is the mail system at host %s.\n\nYour message could '
               'not be delivered to one or more of its recipients. The '
               'details are below; the original message is attached.\n\n'
               'The mail system\n\n<%s>: host mailstore.int.%s said: 550 '
               '5.1.1 <%s>: mailbox unavailable (in reply to RCPT TO '
               'command)\n' % (mta, lost, s.name, lost))
    status = ['Reporting-MTA: dns; %s' % mta,
              'Arrival-Date: %s' % stamp(sent), '',
              'Final-Recipient: rfc822; %s' % lost,
              'Original-Recipient: rfc822;%s' % lost,
              'Action: failed', 'Status: 5.1.1',
              'Remote-MTA: dns; mailstore.int.%s' % s.name,
              'Diagnostic-Code: smtp; 550 5.1.1 <%s>: mailbox unavailable'
              % lost]
    if size > 6 * KB or attach:
        returned = Part([('Content-Type', 'message/rfc822'),
                         ('Content-Description', 'Undelivered Message')],
                        render_fields(ih) + CRLF + ibody)
    else:
        returned = Part([('Content-Type', 'text/rfc822-headers'),
                         ('Content-Description',
                          'Undelivered Message Headers')], render_fields(ih))
    part = multipart(p, 'report', [
        text_part('\n'.join('\n'.join(wrap(l)) for l in explain.split('\n'))),
        Part([('Content-Type', 'message/delivery-status'),
              ('Content-Description', 'Delivery report')],
             crlf_lines(status)),
        returned], ' report-type=delivery-status;')
    headers = [('From', address('Mail Delivery System',
                                'postmaster@' + s.name)),
               ('To', address(*ctx.to[0])),
               ('Subject', 'Undelivered Mail Returned to Sender'),
               ('Date', email.utils.format_datetime(ctx.date)),
               ('Message-ID', '<%s.%s@%s>' % (
                   ctx.date.strftime('%Y%m%d%H%M%S'), qid(p), mta)),
               ('Auto-Submitted', 'auto-replied'),
               ('MIME-Version', '1.0')] + part.headers
    return headers, render_body(part)


def overhead(n_signers, n_received):
    """The expected bytes of envelope, header fields and signatures."""
    return 700 + 230 * n_received + 560 * n_signers


def make_inbound(rng, prose, keys, cls, size, attach):
    """One inbound message of class cls, about size bytes."""
    p = inbound_plan(rng, cls)
    s, kind, from_dom = p['sender'], p['kind'], p['from_dom']
    ctx_rcpt = recipients(prose, 1 if kind in ('newsletter', 'notification',
                                               'receipt', 'bounce')
                          or rng.random() < 0.7 else rng.randint(2, 3))
    date = date_of(rng, s.tz)
    mta, mta_ip = rng.choice(s.mtas)
    esp_mta, esp_ip = rng.choice(ESP.mtas)
    token = prose.token(12)
    if p['route'] == 'list':
        to = [('delta-users', 'delta-users@list-delta.org')]
    elif p['route'] == 'forward':
        to = [(ctx_rcpt[0][0], ctx_rcpt[0][1].split('@')[0] +
               '@forward-chi.net')]
    else:
        to = ctx_rcpt
    n_recv = rng.randint(2, 4)
    body_size = max(300, size - overhead(len(p['signers']), n_recv))
    if kind == 'bounce':
        ctx = Ctx(prose, 'notification', s.name, '', '', to, to[0][0], date)
        headers, body = bounce(ctx, body_size, attach, s, mta)
    else:
        from_name, from_addr = author(prose, s, kind, from_dom)
        if p['route'] in ('stranger', 'bulk') and kind != 'conversation':
            from_name = brand(s.name)
        ctx = Ctx(prose, kind, s.name, from_name, from_addr, to,
                  ctx_rcpt[0][0], date, via_esp=p['route'] == 'esp',
                  phish=p['phish'], token=token)
        headers, body = compose(ctx, body_size, attach)
        if p['route'] == 'esp':
            headers.insert(5, ('Feedback-ID', '%s:%s:esp-mailer'
                               % (token[:6], s.name.split('.')[0])))
    # the envelope
    rcpt = [a for _, a in ctx_rcpt]
    if kind == 'bounce':
        own_mailfrom = ''
    elif kind == 'conversation':
        own_mailfrom = ctx.from_addr
    elif s.name == 'shop-alpha.com' and rng.random() < 0.3:
        own_mailfrom = 'bounce+%s@bounce.shop-alpha.com' % token
    elif s.name == 'bank-beta.com':     # aspf=s: the very author domain
        own_mailfrom = 'notices@bank-beta.com'
    else:
        own_mailfrom = '%s-bounces@%s' % (kind, from_dom)
    if p['route'] == 'own':
        client, helo, hostname = mta_ip, mta, mta
        mailfrom = own_mailfrom
    elif p['route'] == 'esp':
        client, helo, hostname = esp_ip, esp_mta, esp_mta
        mailfrom = p['mailfrom'] or 'bnc-%s@esp-mailer.net' % token
    elif p['route'] == 'stranger':
        client, hostname, helo = rng.choice(STRANGERS)
        mailfrom = '%s@%s' % (rng.choice(['info', 'service', 'security',
                                          'billing', 'admin']), s.name)
    elif p['route'] == 'bulk':
        mta, client = rng.choice(BULK.mtas)
        helo = hostname = mta
        mailfrom = 'return-%s@bulk-upsilon.net' % token
    elif p['route'] == 'list':
        client, helo = LIST_HOST.mtas[0][1], LIST_HOST.mtas[0][0]
        hostname = helo
        mailfrom = 'delta-users-bounces+%s@list-delta.org' % \
            rcpt[0].replace('@', '=')
    else:       # forward
        client, helo = rng.choice(FORWARDERS)
        hostname = helo
        mailfrom = own_mailfrom
    # Received fields of the sending side
    t = date + datetime.timedelta(seconds=rng.randint(1, 20))
    if p['route'] == 'stranger':     # what spam tools write
        older = [('Received', 'from %s ([%s]) by %s with SMTP; %s'
                  % (prose.token(6, 'abcdefghijklmnopqrstuvwxyz'),
                     ip_literal(client), helo.strip('[]'),
                     stamp(t + datetime.timedelta(seconds=2)))),
                 ('Received', 'from localhost (localhost [127.0.0.1]) by %s '
                  'with ESMTP id %s; %s' % (helo.strip('[]'), qid(prose),
                                           stamp(t)))]
        top_hop = None
    else:
        org = {'esp': 'esp-mailer.net', 'bulk': 'bulk-upsilon.net'}.get(
            p['route'], s.name)
        last = {'esp': esp_mta, 'bulk': mta}.get(p['route'], mta)
        relayed = p['route'] in ('list', 'forward')
        older, t = received_chain(prose, org, last, rcpt[0] if not relayed
                                  else to[0][1], t, n_recv - relayed)
        top_hop = None
        if relayed:
            t += datetime.timedelta(seconds=rng.randint(1, 90))
            top_hop = hop(prose, mta, mta_ip, mta, helo, to[0][1], t)
    msg = (render_fields(older + headers) + CRLF + body).encode()
    # signatures, the ESP's last (on top)
    for which, signer in p['signers']:
        k = ed_key(keys, signer) if which == 'ed' else rsa_key(keys, signer)
        sig = sign(msg, k, rng, int(t.timestamp()) + rng.randint(0, 2),
                   esp=signer is ESP and s is not ESP)
        msg = sig + msg
    if p['tamper'] == 'footer':
        msg += ('_______________________________________________\r\n'
                'delta-users mailing list -- delta-users@list-delta.org\r\n'
                'To unsubscribe send an email to '
                'delta-users-leave@list-delta.org\r\n').encode()
    elif p['tamper'] == 'note':
        msg += ('\r\n[This message was forwarded by the forward-chi.net mail '
                'service.]\r\n').encode()
    if top_hop:
        top = [top_hop]
        if p['route'] == 'list':
            top += [('List-Id', 'Delta users <delta-users.list-delta.org>'),
                    ('List-Post', '<mailto:delta-users@list-delta.org>'),
                    ('List-Help', '<mailto:delta-users-request@list-delta.org'
                     '?subject=help>'),
                    ('Precedence', 'list')]
        msg = render_fields(top).encode() + msg
    env = envelope_line(client, helo, mailfrom, rcpt, hostname)
    m = Made(env, msg, [signer.name for _, signer in reversed(p['signers'])],
             p['tamper'] is not None, p['spf'])
    return m, from_dom, client, mailfrom, helo


def check_inbound(dns, m, cls, from_dom, client, mailfrom, helo):
    """Verify one message as a verifier would, and return its DMARC
    outcome; abort when it is not what was meant."""
    def die(why):
        """Abort the run about this message."""
        sys.exit('mkcorpus: %s message (%s): %s' % (cls, m.envelope, why))
    d = dkim.DKIM(m.data, minkey=1024)
    sigs = [v for n, v in d.headers if n.lower() == b'dkim-signature']
    if len(sigs) != len(m.signers):
        die('%d signatures, %d made' % (len(sigs), len(m.signers)))
    passed = []
    for i, value in enumerate(sigs):
        dom = dkim.util.parse_tag_value(value)[b'd'].decode()
        if dom != m.signers[i]:
            die('signature %d is by %s, not %s' % (i, dom, m.signers[i]))
        why = 'fails'
        try:
            ok = d.verify(idx=i, dnsfunc=dns.dkim_txt)
        except dkim.DKIMException as e:
            ok, why = False, 'fails: %s' % e
        if ok == m.tampered:
            die('signature %d by %s %s' % (i, dom, 'passes' if ok else why))
        if ok:
            passed.append(dom)
    spf_dom = mailfrom.split('@')[1] if mailfrom else helo
    spf = spf_check(dns, client, spf_dom)
    if m.spf and spf != m.spf:
        die('SPF %s for %s from %s, not %s' % (spf, spf_dom, client, m.spf))
    outcome = dmarc_outcome(dns, from_dom, passed, spf, spf_dom)
    want = CLASS_OUTCOME[cls]
    if want and outcome != want:
        die('DMARC %s, not %s' % (outcome, want))
    if cls == 'bad-body-hash' and outcome == 'pass':
        die('DMARC passes')
    return outcome

# --- outbound --------------------------------------------------------------


def make_outbound(rng, prose, size, attach):
    """One outbound submission: unsigned, from an authenticated user."""
    s = pick(rng, OUTBOUND)
    name, local = prose.person()
    addr = '%s@%s' % (local, s.name)
    kind = rng.choices(['conversation', 'notification', 'newsletter',
                        'receipt'], [70, 12, 10, 8])[0]
    if kind != 'conversation':
        local = {'notification': 'reports', 'newsletter': 'news',
                 'receipt': 'billing'}[kind]
        name, addr = brand(s.name) + ' ' + local.capitalize(), \
            '%s@%s' % (local, s.name)
    to = []
    for _ in range(1 if rng.random() < 0.6 else rng.randint(2, 4)):
        pname, plocal = prose.person()
        dom = rng.choice([x.name for x in SENDERS] +
                         ['example.org', 'example.com'])
        to.append((pname, '%s@%s' % (plocal, dom)))
    date = date_of(rng, s.tz)
    ctx = Ctx(prose, kind, s.name, name, addr, to, to[0][0], date,
              token=prose.token(12))
    headers, body = compose(ctx, max(300, size - 900), attach)
    headers.append(('X-Mailer', 'Corpmail Webmail 4.%d' % rng.randint(0, 9)))
    r = rng.random()
    if r < 0.4:
        client, helo, hostname = '127.0.0.1', 'webmail.' + s.name, 'localhost'
        t = date + datetime.timedelta(seconds=1)
        received = [('Received', 'from [%s] by webmail.%s with HTTP; %s'
                     % (rng.choice(['198.51.100.%d' % rng.randint(150, 199),
                                    '2001:db8:77::%x' % rng.randint(1, 999)]),
                        s.name, stamp(t)))]
    else:
        if r < 0.85:
            client = '198.51.100.%d' % rng.randint(150, 199)
        elif r < 0.95:
            client = '203.0.113.%d' % rng.randint(100, 150)
        else:
            client = '2001:db8:77::%x' % rng.randint(1, 999)
        helo = rng.choice(['[%s]' % client if ':' not in client
                           else '[IPv6:%s]' % client,
                           'laptop-%s.home.arpa' % local.split('.')[0]])
        hostname = None
        received = []
    msg = (render_fields(received + headers) + CRLF + body).encode()
    env = envelope_line(client, helo, addr, [a for _, a in to], hostname,
                        auth=addr, daemon='ORIGINATING')
    return env, msg

# --- the corpus ------------------------------------------------------------


def apportion(n, shares):
    """n split by shares (largest remainders), in the order of shares."""
    total = sum(shares)
    exact = [n * s / total for s in shares]
    counts = [int(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: exact[i] - counts[i],
                   reverse=True)
    for i in order[:n - sum(counts)]:
        counts[i] += 1
    return counts


def size_plan(rng, n):
    """n (size, attachment size, lowest, highest) targets, shuffled: 85%
    2-20 KB, 13% 20-100 KB, 2% with attachments making 100 KB-5 MB,
    ceil(n/1000) of those over 4 MB."""
    small, mid, att = apportion(n, [85, 13, 2])
    big = math.ceil(n / 1000) if n else 0
    if att < big:
        small -= big - att
        att = big

    def logu(lo, hi):
        """A size between lo and hi, uniform in its logarithm."""
        return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))
    plan = [(logu(2.2 * KB, 19.5 * KB), 0, 2 * KB, 20 * KB - 1)
            for _ in range(small)]
    plan += [(logu(21 * KB, 97 * KB), 0, 20 * KB, 100 * KB - 1)
             for _ in range(mid)]
    for i in range(att):
        if i < big:
            total, lo, hi = rng.randint(int(4.1 * MB), int(4.9 * MB)), \
                4 * MB + 1, 5 * MB
        else:
            total, lo, hi = logu(110 * KB, 4 * MB), 100 * KB, 5 * MB
        plan.append((total, total - rng.randint(3 * KB, 8 * KB), lo, hi))
    rng.shuffle(plan)
    return plan


def sized(make, size, attach, lo, hi):
    """make(target, attach) -> (result, bytes) called until the size falls
    between lo and hi, the target scaled each time (6 tries at most)."""
    target = size
    for _ in range(6):
        res, n = make(target, attach)
        if lo <= n <= hi:
            break
        target = max(300, int(target * size / n))
        if attach:
            attach = max(1024, attach + size - n)
    return res, n


def clean(d):
    """Make directory d, removing the NNNNN.eml files of an earlier run."""
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.endswith('.eml') and f[:-4].isdigit():
            os.unlink(os.path.join(d, f))


def write_eml(path, envelope, data):
    """One .eml file; returns its size."""
    raw = envelope.encode() + b'\r\n' + data
    with open(path, 'wb') as f:
        f.write(raw)
    return len(raw)


def band(size):
    """The size band of a message, for the summary."""
    if size < 2 * KB:
        return '< 2 KB'
    if size < 20 * KB:
        return '2-20 KB'
    if size < 100 * KB:
        return '20-100 KB'
    if size < 4 * MB:
        return '100 KB-4 MB'
    return '> 4 MB'


def summarize(title, sizes):
    """Lines on the sizes of a set of messages."""
    if not sizes:
        return ['%s: none' % title]
    s = sorted(sizes)
    bands = {}
    for x in s:
        bands[band(x)] = bands.get(band(x), 0) + 1
    out = ['%s: %d messages, %d bytes (%.1f MB); min %d, median %d, max %d'
           % (title, len(s), sum(s), sum(s) / MB, s[0], s[len(s) // 2],
              s[-1])]
    for b in ('< 2 KB', '2-20 KB', '20-100 KB', '100 KB-4 MB', '> 4 MB'):
        if b in bands:
            out.append('  %-12s %5d  %5.1f%%' % (b, bands[b],
                                                 100 * bands[b] / len(s)))
    return out


def main():
    """Parse the arguments and write the corpus."""
    ap = argparse.ArgumentParser(description='Make the benchmark corpus.')
    ap.add_argument('outdir')
    ap.add_argument('--inbound', type=int, default=1000)
    ap.add_argument('--outbound', type=int, default=200)
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    if a.inbound < 0 or a.outbound < 0:
        ap.error('counts must not be negative')
    start = time.time()
    out = os.path.abspath(a.outdir)
    os.makedirs(out, exist_ok=True)
    keys, made = make_keys(os.path.join(out, 'keys'), SENDERS + OUTBOUND)
    zones, notes = build_zones(keys)
    write_zones(os.path.join(out, 'zones.yml'), zones, notes, a.seed)
    dns = Resolver(os.path.join(out, 'zones.yml'))
    with open(os.path.join(out, 'outbound-keys.txt'), 'w') as f:
        for s in OUTBOUND:
            for sel, alg, _ in s.keys:
                f.write('%s %s %s %s\n' % (s.name, sel, alg,
                                           keys[(s.name, sel)].path))

    rng = random.Random('inbound-%d' % a.seed)
    prose = Prose(rng)
    classes = [c for (c, _), n in zip(CLASSES, apportion(
        a.inbound, [w for _, w in CLASSES])) for _ in range(n)]
    rng.shuffle(classes)
    sizes = size_plan(rng, a.inbound)
    clean(os.path.join(out, 'inbound'))
    manifest, in_sizes, tally = [], [], {}
    for i, (cls, plan) in enumerate(zip(classes, sizes), 1):
        def one(target, attach):
            """A message of class cls and its file size."""
            made = make_inbound(rng, prose, keys, cls, target, attach)
            return made, len(made[0].envelope) + 2 + len(made[0].data)
        (m, from_dom, client, mailfrom, helo), _ = sized(one, *plan)
        outcome = check_inbound(dns, m, cls, from_dom, client, mailfrom, helo)
        name = 'inbound/%05d.eml' % i
        n = write_eml(os.path.join(out, name), m.envelope, m.data)
        manifest.append('%s %d %s %s\n' % (name, n, cls, outcome))
        in_sizes.append(n)
        tally[(cls, outcome)] = tally.get((cls, outcome), 0) + 1
    with open(os.path.join(out, 'MANIFEST'), 'w') as f:
        f.writelines(manifest)

    rng = random.Random('outbound-%d' % a.seed)
    prose = Prose(rng)
    clean(os.path.join(out, 'outbound'))
    out_sizes = []
    for i, plan in enumerate(size_plan(rng, a.outbound), 1):
        def one(target, attach):
            """An outbound message and its file size."""
            env, data = make_outbound(rng, prose, target, attach)
            return (env, data), len(env) + 2 + len(data)
        (env, data), _ = sized(one, *plan)
        out_sizes.append(write_eml(os.path.join(
            out, 'outbound/%05d.eml' % i), env, data))

    print('corpus in %s (seed %d), %d keys made, %d reused, %.1f s'
          % (out, a.seed, made, len(keys) - made, time.time() - start))
    print('inbound classes:')
    for cls, _ in CLASSES:
        for (c, o), n in sorted(tally.items()):
            if c == cls:
                print('  %-18s %-16s %5d  %5.1f%%'
                      % (c, o, n, 100 * n / max(1, a.inbound)))
    for line in summarize('inbound', in_sizes) + \
            summarize('outbound', out_sizes):
        print(line)
    total = sum(in_sizes) + sum(out_sizes)
    print('total: %d bytes (%.1f MB)' % (total, total / MB))


if __name__ == '__main__':
    main()
