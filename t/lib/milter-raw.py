#!/usr/bin/python3
# NAME
#	milter-raw.py - an MTA side of the milter protocol, for what
#	miltertest cannot send (header fields over about 1 KB, replies over
#	1 KB, NUL bytes, CR or LF in envelope values)
# SYNOPSIS
#	milter-raw.py SOCKET SIZE
#	milter-raw.py SOCKET --message FILE [--client NAME ADDR] [--helo H]
#	    [--mail ADDR] [--rcpt ADDR]... [--headers OUT]
# DESCRIPTION
#	One message to the milter on the UNIX socket SOCKET.
#
#	With SIZE: a message from user@example.org with a header field
#	"X-Big" whose value is SIZE bytes.  The MTA side offers protocol
#	version 6, the header actions and no protocol steps, so every step
#	gets a reply.  Prints one line: the reply command of each step after
#	MAIL FROM, e.g.
#	    header=c eoh=c eom=i,a
#	(i: a header inserted, a: accept), or "closed at STEP" when the
#	milter closed the connection there.
#
#	With --message: the message in FILE (header, empty line, body; LF
#	or CRLF line ends, any bytes).  Header fields go as the MTA sends
#	them with SMFIP_HDR_LEADSPC: every byte after the colon, a fold as
#	"\n" followed by its white space; the body goes with CRLF line ends,
#	in chunks of 64 KB.  The envelope comes from the options (their
#	bytes as given, so a test can put CR, LF or 8-bit bytes in them):
#	client (default mail.example.org 192.0.2.1), HELO (default the
#	client name), MAIL FROM (default <user@example.org>; give the
#	brackets) and RCPT TO (default <rcpt@example.net>; libmilter
#	ignores a header that comes without one).  The MTA side offers every
#	"no reply" step and SMFIP_HDR_LEADSPC, as Postfix does, so only the
#	steps whose reply the milter asked for are answered.  Prints:
#	    line 1: each answered step and its reply commands, e.g.
#	            "mail=c eom=i,a", or "closed at STEP"
#	    line 2: for a reply code (y), "reply: " and its text, bytes
#	            outside printable ASCII written \xNN (so a CR or LF in
#	            it shows as \x0d, \x0a)
#	With --headers OUT, the header fields the milter inserted, added or
#	changed are written to OUT as a message header ("Name:" and the
#	value's bytes as given, a line end, then an empty line), which
#	t/lib/authres-dump.py reads; a deletion is written
#	"X-Deleted: Name #INDEX".
import os
import struct
import socket
import sys

ACTIONS = 0x01 | 0x10 | 0x20		# ADDHDRS, CHGHDRS, QUARANTINE
NR_ALL = (0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x10000 | 0x20000 |
          0x40000 | 0x80000 | 0x80)	# SMFIP_NR_* of every step
LEADSPC = 0x100000			# SMFIP_HDR_LEADSPC
FINAL = (b'a', b'c', b'r', b't', b'd', b'y')


def packet(cmd, data=b''):
    return struct.pack('>I', len(data) + 1) + cmd + data


def read_exact(s, n):
    buf = b''
    while len(buf) < n:
        chunk = s.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def reply(s):
    n, = struct.unpack('>I', read_exact(s, 4))
    data = read_exact(s, n)
    return data[:1], data[1:]


def shown(b):
    return ''.join(chr(c) if 0x20 <= c < 0x7f and c != 0x5c else
                   '\\x%02x' % c for c in b)


class Mta:
    """One milter connection: steps sent, replies and edits noted."""

    def __init__(self, path, flags):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(60)
        self.s.connect(path)
        self.steps = []
        self.text = None
        self.edits = []
        self.out = []
        self.s.sendall(packet(b'O', struct.pack('>III', 6, ACTIONS, flags)))
        _, data = reply(self.s)
        self.noreply = struct.unpack('>III', data[:12])[2]

    def step(self, name, cmd, data=b'', nr=0, shown_name=True):
        """Send one step; read its reply unless the milter waived it."""
        self.out.append(packet(cmd, data))
        if nr and self.noreply & nr:
            return True	# sent with the next step that is answered
        try:
            self.s.sendall(b''.join(self.out))
            self.out = []
            cmds = []
            while True:
                r, d = reply(self.s)
                cmds.append(r.decode('latin-1'))
                if r in (b'h', b'i', b'm'):
                    self.edits.append((r, d))
                elif r == b'y':
                    self.text = d.rstrip(b'\0')
                if r in FINAL:
                    break
        except (EOFError, ConnectionError, socket.timeout):
            self.steps.append('closed at ' + name)
            return False
        if shown_name:
            self.steps.append(name + '=' + ','.join(cmds))
        return cmds[-1] == 'c'

    def quit(self):
        try:
            self.s.sendall(packet(b'Q'))
        except OSError:
            pass
        self.s.close()


def big_header(path, size):
    m = Mta(path, 0)
    ok = (m.step('connect', b'C', b'mail.example.org\0' + b'4' +
                 struct.pack('>H', 25) + b'192.0.2.1\0', 0, False) and
          m.step('helo', b'H', b'mail.example.org\0', 0, False) and
          m.step('mail', b'M', b'<user@example.org>\0', 0, False) and
          m.step('header', b'L', b'From\0 user@example.org\0', 0, False) and
          m.step('header', b'L', b'X-Big\0' + b'a' * size + b'\0') and
          m.step('eoh', b'N') and
          m.step('eom', b'E'))
    if ok:
        m.quit()
    print(' '.join(m.steps))


def split_message(raw):
    """(fields, body): fields as (name, value) bytes, value after ':'."""
    lines = raw.split(b'\n')
    lines = [ln[:-1] if ln.endswith(b'\r') else ln for ln in lines]
    fields, i = [], 0
    while i < len(lines) and lines[i] != b'':
        if lines[i][:1] in (b' ', b'\t') and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + b'\n' + lines[i])
        else:
            name, _, value = lines[i].partition(b':')
            fields.append((name, value))
        i += 1
    body = b'\r\n'.join(lines[i + 1:])
    return fields, body


def whole_message(path, argv):
    opts = {'--client': [b'mail.example.org', b'192.0.2.1'],
            '--helo': None, '--mail': b'<user@example.org>',
            '--rcpt': None, '--message': None, '--headers': None}
    i = 0
    while i < len(argv):
        o = argv[i]
        if o == '--client':
            opts[o] = [os.fsencode(argv[i + 1]), os.fsencode(argv[i + 2])]
            i += 3
            continue
        if o == '--rcpt':
            opts[o] = (opts[o] or []) + [os.fsencode(argv[i + 1])]
        elif o in opts:
            opts[o] = os.fsencode(argv[i + 1])
        else:
            sys.exit('milter-raw.py: unknown option ' + o)
        i += 2
    name, addr = opts['--client']
    helo = opts['--helo'] if opts['--helo'] is not None else name
    with open(opts['--message'], 'rb') as f:
        fields, body = split_message(f.read())

    m = Mta(path, NR_ALL | LEADSPC)
    family = b'6' if b':' in addr else b'4'
    ok = (m.step('connect', b'C', name + b'\0' + family +
                 struct.pack('>H', 25) + addr + b'\0', 0x1000) and
          m.step('helo', b'H', helo + b'\0', 0x2000) and
          m.step('mail', b'M', opts['--mail'] + b'\0', 0x4000))
    for r in opts['--rcpt'] or [b'<rcpt@example.net>']:
        ok = ok and m.step('rcpt', b'R', r + b'\0', 0x8000)
    for n, v in fields:
        if not ok:
            break
        ok = m.step('header', b'L', n + b'\0' + v + b'\0', 0x80)
    ok = ok and m.step('eoh', b'N', b'', 0x40000)
    for off in range(0, len(body), 65535):
        ok = ok and m.step('body', b'B', body[off:off + 65535], 0x80000)
    ok = ok and m.step('eom', b'E')
    m.quit()
    print(' '.join(m.steps))
    if m.text is not None:
        print('reply: ' + shown(m.text))
    if opts['--headers'] is not None:
        with open(opts['--headers'], 'wb') as out:
            for cmd, d in m.edits:
                if cmd in (b'i', b'm'):
                    index, d = struct.unpack('>I', d[:4])[0], d[4:]
                n, _, v = d.rstrip(b'\0').partition(b'\0')
                if cmd == b'm' and v == b'':
                    out.write(b'X-Deleted: %s #%d\n' % (n, index))
                else:
                    out.write(n + b':' + v + b'\n')
            out.write(b'\n')


if '--message' in sys.argv[2:]:
    whole_message(sys.argv[1], sys.argv[2:])
else:
    big_header(sys.argv[1], int(sys.argv[2]))
