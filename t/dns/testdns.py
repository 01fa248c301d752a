#!/usr/bin/python3
# NAME
#	testdns.py - the DNS server of authmilter's tests, with fault injection
# SYNOPSIS
#	/usr/bin/python3 t/dns/testdns.py --zones FILE.yml [--zones FILE2.yml ...]
#	    [--doc N] [--port N] [--addr 127.0.0.1] [--port-file F]
#	    [--pid-file F] [--delay-ms N] [--query-log F] [--event-log F]
#	    [--orphan-ok]
# DESCRIPTION
#	Answers queries over UDP and TCP on one port of one loopback address,
#	as a recursive server would (RA set, CNAME chains followed), from
#	zones written in the "zonedata" format of the RFC 7208 test suite:
#
#	    name.example:
#	      - SPF: v=spf1 -all          # also served as TXT, see below
#	      - TXT: "one string"
#	      - TXT: ["two", "strings"]   # one record, two character-strings
#	      - A: 192.0.2.1
#	      - AAAA: "2001:db8::1"
#	      - MX: [10, mx.name.example]
#	      - PTR: host.example
#	      - CNAME: other.example
#	      - TIMEOUT                   # no answer (see below)
#
#	A zones file is either such a mapping, or a mapping with the key
#	"zonedata" holding it (a scenario of the test suite, whose other keys
#	are ignored).  FILE may be gzipped (.gz), like the suite Debian ships
#	in /usr/share/doc/python3-spf/rfc7208-tests.yml.gz.
#	A file may hold several YAML documents; they are all
#	loaded, unless --doc N picks the Nth of each (from 0).  All zones
#	given are merged; records of the same name add up.
#
#	Records are interpreted exactly as pyspf's own harness (testspf.py)
#	does, so that the suite means what its authors meant:
#	- names compare case-insensitively; empty labels are ignored;
#	- SPF records are also served as TXT records, unless the name has a
#	  TXT entry ("TXT: NONE" is such an entry but serves nothing);
#	- the list of a name is read in order: "TIMEOUT" before any record of
#	  the asked type makes the query go unanswered; after one, the answer
#	  holds the records of that type seen so far ("TYPE: TIMEOUT" times out
#	  that type only);
#	- a name that is not in the zones is NXDOMAIN, except names starting
#	  with "error.", which time out, and names a wildcard covers;
#	- a wildcard "*.parent.example" answers, as itself, for a name
#	  under parent.example that is not in the zones, when
#	  parent.example is the name's closest encloser (RFC 4592: the
#	  longest parent that is in the zones or has names below it there);
#	  faults, DELAY and TTL of the wildcard entry apply too;
#	- a CNAME is followed (up to 16 steps, loops stop) and the chain is
#	  answered, as a recursive server does; a timeout anywhere on the chain
#	  times the query out.
#
#	Negative answers carry an SOA in the authority section (its minimum
#	and TTL are the name's TTL).  Entries of our own, for the tests:
#	    - TTL: 5        TTL of the name's records and negative answers
#	                    (default 300)
#	    - DELAY: 50     wait that many milliseconds before answering
#	    - SERVFAIL      rcode SERVFAIL
#	    - REFUSED       rcode REFUSED
#	    - TRUNCATE      over UDP: TC=1 and no records; TCP answers normally
#	    - OVERSIZE      over UDP: TC=1; over TCP, TXT queries get 320
#	                    TXT records of 180 bytes (about 62 KB)
#	    - GARBAGE       random bytes behind the query's id (QR set)
#	Faults apply to the name asked, whatever the type.
#
#	--port 0 (the default) picks a free port.  Once UDP and TCP both
#	listen, the port is written to --port-file (atomically), so that a
#	caller can wait for that file.  --delay-ms delays every answer.
#	--query-log appends "name TYPE udp|tcp" for each query received.
#	--event-log appends "query name TYPE" when a query is received and
#	"answer name TYPE" when its delay is over and it is answered, so
#	that a test can tell queries asked together (every query before
#	the first answer) from queries asked one after another, without
#	timing anything.
#	A malformed query gets FORMERR (or nothing, if it has no id); the
#	server never stops for one.  Each query is answered in its own thread,
#	so a slow name does not hold up the others.  SIGTERM exits cleanly;
#	so does the death of the parent process (a test killed before its
#	cleanup leaves no server behind), unless --orphan-ok is given.

import argparse
import gzip
import os
import random
import signal
import socket
import struct
import sys
import threading
import time

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.SPF
import dns.rdtypes.ANY.TXT
import dns.rrset
import yaml

FAULTS = ('SERVFAIL', 'REFUSED', 'TRUNCATE', 'OVERSIZE', 'GARBAGE')
DEFAULT_TTL = 300
MAX_CHAIN = 16
EDNS_PAYLOAD = 1232


class Timeout(Exception):
    """The query must go unanswered."""


class Entry:
    """Everything known about one name."""

    def __init__(self, name):
        self.name = name        # as first written, for SOA owner guesses
        self.items = []         # 'TIMEOUT' or (TYPE, value), in order
        self.ttl = DEFAULT_TTL
        self.delay_ms = 0
        self.faults = set()


def text_of(name):
    """A dns.name.Name as the zone data writes it: raw label bytes, no
    escapes (the suite has names with spaces, which to_text() escapes)."""
    return '.'.join(l.decode('latin-1') for l in name.labels if l)


def norm(name):
    """Key of a name: labels without empty ones, lowercase (as testspf)."""
    return '.'.join(l for l in str(name).split('.') if l).lower()


def getrdata(records):
    """Records of one name in testspf.py's order: SPF doubles as TXT."""
    txt = []
    gen = True
    out = []
    for m in records or []:
        if not isinstance(m, dict):
            out.append(m)
            continue
        for t, v in m.items():
            t = str(t).upper()
            if t in ('TXT', 'SPF') and isinstance(v, str):
                v = (v,)
            if t == 'TXT':
                gen = False
            elif t == 'SPF' and gen:
                txt.append(('TXT', v))
            if v != ('NONE',):
                out.append((t, v))
    if gen:
        out.extend(txt)
    return out


def load_zones(files, doc):
    zones = {}
    for fname in files:
        opener = gzip.open if fname.endswith('.gz') else open
        with opener(fname, 'rb') as fp:
            docs = [d for d in yaml.safe_load_all(fp)]
        if doc is not None:
            docs = [docs[doc]]
        for d in docs:
            if not isinstance(d, dict):
                continue
            if 'zonedata' in d:
                d = d['zonedata'] or {}
            for name, records in d.items():
                key = norm(name)
                e = zones.setdefault(key, Entry(str(name)))
                for item in getrdata(records):
                    if isinstance(item, tuple) and item[0] == 'TTL':
                        e.ttl = int(item[1])
                    elif isinstance(item, tuple) and item[0] == 'DELAY':
                        e.delay_ms = int(item[1])
                    elif isinstance(item, str) and item.upper() in FAULTS:
                        e.faults.add(item.upper())
                    else:
                        e.items.append(item)
    return zones


def txt_strings(v):
    """Character-strings of a TXT value, each at most 255 bytes."""
    if isinstance(v, (str, bytes)):
        v = (v,)
    out = []
    for s in v:
        b = s if isinstance(s, bytes) else str(s).encode('utf-8')
        if not b:
            out.append(b'')
        while b:
            out.append(b[:255])
            b = b[255:]
    return out or [b'']


def to_rdata(t, v):
    rdtype = dns.rdatatype.from_text(t)
    IN = dns.rdataclass.IN
    if t == 'TXT':
        return dns.rdtypes.ANY.TXT.TXT(IN, rdtype, txt_strings(v))
    if t == 'SPF':
        return dns.rdtypes.ANY.SPF.SPF(IN, rdtype, txt_strings(v))
    if t == 'MX':
        pref, exch = v
        return dns.rdata.from_text(IN, rdtype, '%d %s' % (int(pref),
                                                          absname(exch)))
    if t in ('CNAME', 'PTR', 'NS'):
        return dns.rdata.from_text(IN, rdtype, absname(v))
    return dns.rdata.from_text(IN, rdtype, str(v))


def absname(n):
    n = str(n)
    return n if n.endswith('.') else n + '.'


class Server:
    def __init__(self, zones, delay_ms, qlog, elog=None):
        self.zones = zones
        # every proper parent of a zone name: they exist (as empty
        # non-terminals at least) when finding a wildcard's encloser
        self.parents = set()
        for key in zones:
            labels = key.split('.')
            for i in range(1, len(labels)):
                self.parents.add('.'.join(labels[i:]))
        self.delay_ms = delay_ms
        self.qlog = qlog
        self.elog = elog
        self.qlog_lock = threading.Lock()

    # --- the data ---

    def walk(self, name, qtype):
        """Records of one name for qtype, as testspf.DNSLookup yields them.

        Returns None for a name that does not exist, else a list of
        (TYPE, value); raises Timeout."""
        key = norm(name)
        e = self.entry(key)
        if e is None:
            if key.startswith('error.'):
                raise Timeout()
            return None
        timeout = True
        out = []
        for item in e.items:
            if item == 'TIMEOUT':
                if timeout:
                    raise Timeout()
                break
            if not isinstance(item, tuple):
                continue
            t, v = item
            if t == qtype:
                timeout = False
            if v == 'TIMEOUT':
                if t == qtype:
                    raise Timeout()
                continue
            out.append(item)
        return out

    def entry(self, key):
        """The Entry answering for key: its own, or a wildcard's."""
        e = self.zones.get(key)
        if e is not None:
            return e
        labels = key.split('.')
        for i in range(1, len(labels)):
            parent = '.'.join(labels[i:])
            if parent in self.zones or parent in self.parents:
                return self.zones.get('*.' + parent)
        return None

    def ttl_of(self, name):
        e = self.entry(norm(name))
        return e.ttl if e is not None else DEFAULT_TTL

    def soa(self, name):
        labels = [l for l in str(name).split('.') if l]
        zone = '.'.join(labels[-2:]) + '.' if labels else '.'
        ttl = self.ttl_of(name)
        rr = dns.rrset.from_text(zone, ttl, 'IN', 'SOA',
                                 'ns.%s hostmaster.%s 1 3600 600 86400 %d'
                                 % (zone if zone != '.' else '',
                                    zone if zone != '.' else '', ttl))
        return rr

    def answer(self, resp, qname, qtype_text, tcp, oversize):
        """Fill resp with the answer for (qname, qtype)."""
        owner = qname
        seen = set()
        for _ in range(MAX_CHAIN):
            key = norm(text_of(owner))
            if key in seen:
                return                  # a CNAME loop: the chain ends here
            seen.add(key)
            recs = self.walk(text_of(owner), qtype_text)
            if recs is None:
                resp.set_rcode(dns.rcode.NXDOMAIN)
                resp.authority.append(self.soa(owner.to_text()))
                return
            ttl = self.ttl_of(text_of(owner))
            mine = [v for t, v in recs if t == qtype_text]
            if oversize and tcp and qtype_text in ('TXT', 'SPF'):
                rrs = dns.rrset.RRset(owner, dns.rdataclass.IN,
                                      dns.rdatatype.from_text(qtype_text))
                for i in range(320):
                    s = ('%04d-' % i + 'x' * 175).encode()
                    rrs.add(to_rdata(qtype_text, (s,)), ttl)
                resp.answer.append(rrs)
                return
            if mine:
                rrs = dns.rrset.RRset(owner, dns.rdataclass.IN,
                                      dns.rdatatype.from_text(qtype_text))
                for v in mine:
                    rrs.add(to_rdata(qtype_text, v), ttl)
                resp.answer.append(rrs)
                return
            cnames = [v for t, v in recs if t == 'CNAME']
            if not cnames or qtype_text == 'CNAME':
                resp.authority.append(self.soa(owner.to_text()))
                return
            target = dns.name.from_text(absname(cnames[0]))
            rrs = dns.rrset.RRset(owner, dns.rdataclass.IN,
                                  dns.rdatatype.CNAME)
            rrs.add(to_rdata('CNAME', cnames[0]), ttl)
            resp.answer.append(rrs)
            owner = target

    # --- the protocol ---

    def log(self, qname, qtype, proto):
        if not self.qlog:
            return
        with self.qlog_lock:
            with open(self.qlog, 'a') as fp:
                fp.write('%s %s %s\n' % (qname, qtype, proto))

    def event(self, what, qname, qtype):
        if not self.elog:
            return
        with self.qlog_lock:
            with open(self.elog, 'a') as fp:
                fp.write('%s %s %s\n' % (what, qname, qtype))

    def handle(self, wire, tcp):
        """Answer one query; returns the reply bytes or None."""
        if len(wire) < 12:
            return None
        qid, flags = struct.unpack('>HH', wire[:4])
        if flags & 0x8000:
            return None                 # a response: never answer it
        try:
            q = dns.message.from_wire(wire)
        except Exception:
            return struct.pack('>HHHHHH', qid, 0x8000 | dns.rcode.FORMERR,
                               0, 0, 0, 0)
        resp = dns.message.make_response(q)
        resp.flags |= dns.flags.RA
        if q.opcode() != dns.opcode.QUERY:
            resp.set_rcode(dns.rcode.NOTIMP)
            return resp.to_wire()
        if len(q.question) != 1:
            resp.set_rcode(dns.rcode.FORMERR)
            return resp.to_wire()
        question = q.question[0]
        qname = question.name
        qtype_text = dns.rdatatype.to_text(question.rdtype)
        self.log(qname.to_text(omit_final_dot=True), qtype_text,
                 'tcp' if tcp else 'udp')
        self.event('query', qname.to_text(omit_final_dot=True), qtype_text)
        e = self.entry(norm(text_of(qname)))
        faults = e.faults if e is not None else set()
        delay = self.delay_ms + (e.delay_ms if e is not None else 0)
        if delay > 0:
            time.sleep(delay / 1000.0)
        self.event('answer', qname.to_text(omit_final_dot=True), qtype_text)
        if 'GARBAGE' in faults:
            n = random.randint(12, 200)
            junk = bytes(random.getrandbits(8) for _ in range(n))
            return struct.pack('>HB', qid, 0x80 | (junk[0] & 0x7f)) + junk[1:]
        if 'SERVFAIL' in faults:
            resp.set_rcode(dns.rcode.SERVFAIL)
            return resp.to_wire()
        if 'REFUSED' in faults:
            resp.set_rcode(dns.rcode.REFUSED)
            return resp.to_wire()
        if not tcp and ('TRUNCATE' in faults or 'OVERSIZE' in faults):
            resp.flags |= dns.flags.TC
            return resp.to_wire()
        try:
            self.answer(resp, qname, qtype_text, tcp, 'OVERSIZE' in faults)
        except Timeout:
            return None
        except Exception as ex:         # a zone value dnspython refuses
            print('testdns: %s %s: %r' % (qname, qtype_text, ex),
                  file=sys.stderr)
            resp = dns.message.make_response(q)
            resp.set_rcode(dns.rcode.SERVFAIL)
            return resp.to_wire()
        limit = 65535
        if not tcp:
            limit = 512
            if q.edns >= 0:
                limit = max(512, min(q.payload, EDNS_PAYLOAD))
        if q.edns >= 0:
            resp.use_edns(0, 0, EDNS_PAYLOAD)
        try:
            return resp.to_wire(max_size=limit)
        except dns.exception.TooBig:
            resp.answer.clear()
            resp.authority.clear()
            resp.additional.clear()
            resp.flags |= dns.flags.TC
            return resp.to_wire()

    def udp_one(self, sock, wire, peer):
        try:
            out = self.handle(wire, False)
            if out is not None:
                sock.sendto(out, peer)
        except Exception as ex:
            print('testdns: udp: %r' % ex, file=sys.stderr)

    def tcp_conn(self, conn):
        try:
            conn.settimeout(10)
            while True:
                hdr = recv_all(conn, 2)
                if hdr is None:
                    return
                (n,) = struct.unpack('>H', hdr)
                wire = recv_all(conn, n)
                if wire is None:
                    return
                out = self.handle(wire, True)
                if out is None:
                    time.sleep(10)      # a timeout: hold the line silently
                    return
                conn.sendall(struct.pack('>H', len(out)) + out)
        except Exception as ex:
            print('testdns: tcp: %r' % ex, file=sys.stderr)
        finally:
            conn.close()


def recv_all(conn, n):
    buf = b''
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def bind_both(addr, port):
    """A UDP and a TCP socket on the same port (0: any free one)."""
    family = socket.AF_INET6 if ':' in addr else socket.AF_INET
    for _ in range(50):
        u = socket.socket(family, socket.SOCK_DGRAM)
        u.bind((addr, port))
        chosen = u.getsockname()[1]
        t = socket.socket(family, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            t.bind((addr, chosen))
        except OSError:
            u.close()
            t.close()
            if port != 0:
                raise
            continue
        t.listen(64)
        return u, t, chosen
    raise OSError('no port free for both UDP and TCP')


def watch_parent(ppid):
    """Exit when the process that started us is gone."""
    while os.getppid() == ppid:
        time.sleep(0.5)
    os._exit(0)


def write_atomic(path, text):
    tmp = '%s.tmp%d' % (path, os.getpid())
    with open(tmp, 'w') as fp:
        fp.write(text)
    os.rename(tmp, path)


def main():
    ap = argparse.ArgumentParser(description='DNS server for tests')
    ap.add_argument('--zones', action='append', required=True)
    ap.add_argument('--doc', type=int, default=None)
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--addr', default='127.0.0.1')
    ap.add_argument('--port-file')
    ap.add_argument('--pid-file')
    ap.add_argument('--delay-ms', type=int, default=0)
    ap.add_argument('--query-log')
    ap.add_argument('--event-log')
    ap.add_argument('--orphan-ok', action='store_true')
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    zones = load_zones(args.zones, args.doc)
    server = Server(zones, args.delay_ms, args.query_log, args.event_log)
    udp, tcp, port = bind_both(args.addr, args.port)

    def accept_loop():
        while True:
            try:
                conn, _ = tcp.accept()
            except OSError:
                continue
            threading.Thread(target=server.tcp_conn, args=(conn,),
                             daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    if not args.orphan_ok:
        threading.Thread(target=watch_parent, args=(os.getppid(),),
                         daemon=True).start()
    if args.pid_file:
        write_atomic(args.pid_file, '%d\n' % os.getpid())
    if args.port_file:
        write_atomic(args.port_file, '%d\n' % port)
    while True:
        try:
            wire, peer = udp.recvfrom(65535)
        except OSError:
            continue
        threading.Thread(target=server.udp_one, args=(udp, wire, peer),
                         daemon=True).start()


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        pass
