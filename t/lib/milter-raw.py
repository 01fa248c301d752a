#!/usr/bin/python3
# milter-raw.py SOCKET SIZE: one message to the milter on the UNIX socket
# SOCKET over the raw milter protocol (miltertest cannot send a header
# field over about 1 KB), with a header field "X-Big" whose value is SIZE
# bytes.  The MTA side offers protocol version 6, the header actions and
# no protocol steps, so every step gets a reply.  Prints one line: the
# reply command of each step after MAIL FROM, e.g.
#   header=c eoh=c eom=i,a
# (i: a header inserted, a: accept), or "closed at STEP" when the milter
# closed the connection there.
import socket
import struct
import sys


def packet(cmd, data=b''):
    return struct.pack('>I', len(data) + 1) + cmd + data


def read_exact(s, n):
    buf = b''
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def reply(s):
    n, = struct.unpack('>I', read_exact(s, 4))
    data = read_exact(s, n)
    return data[:1], data[1:]


def step(s, name, cmd, data, out):
    try:
        s.sendall(packet(cmd, data))
        r, _ = reply(s)
        cmds = [r]
        while r not in (b'a', b'c', b'r', b't', b'd', b'y'):
            r, _ = reply(s)
            cmds.append(r)
    except (EOFError, ConnectionError):
        out.append('closed at ' + name)
        return False
    if name in ('header', 'eoh', 'eom'):
        out.append(name + '=' + ','.join(c.decode() for c in cmds))
    return True


s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(30)
s.connect(sys.argv[1])
size = int(sys.argv[2])
out = []
s.sendall(packet(b'O', struct.pack('>III', 6, 0x01 | 0x10 | 0x20, 0)))
reply(s)
ok = (step(s, 'connect', b'C', b'mail.example.org\0' + b'4' +
           struct.pack('>H', 25) + b'192.0.2.1\0', out) and
      step(s, 'helo', b'H', b'mail.example.org\0', out) and
      step(s, 'mail', b'M', b'<user@example.org>\0', out) and
      step(s, 'header', b'L', b'From\0 user@example.org\0', []) and
      step(s, 'header', b'L', b'X-Big\0' + b'a' * size + b'\0', out) and
      step(s, 'eoh', b'N', b'', out) and
      step(s, 'eom', b'E', b'', out))
if ok:
    s.sendall(packet(b'Q'))
s.close()
print(' '.join(out))
