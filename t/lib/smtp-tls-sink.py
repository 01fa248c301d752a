#!/usr/bin/python3
# smtp-tls-sink.py ADDR PORT LOG [--cert PEM --key PEM [--tls-max VER]]:
# a partner MTA for the tests: accepts every message and throws it away,
# writing one line to LOG for each: "delivered tls=VERSION" (or
# "tls=none").  With --cert and --key it offers STARTTLS (at most
# --tls-max: TLSv1.2 or TLSv1.3); without them it offers no STARTTLS at
# all.  Writes "listening" to LOG once it accepts connections.
import argparse
import socketserver
import ssl

ap = argparse.ArgumentParser()
ap.add_argument('addr')
ap.add_argument('port', type=int)
ap.add_argument('log')
ap.add_argument('--cert')
ap.add_argument('--key')
ap.add_argument('--tls-max', choices=['TLSv1.2', 'TLSv1.3'])
args = ap.parse_args()

ctx = None
if args.cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    if args.tls_max:
        ctx.maximum_version = {'TLSv1.2': ssl.TLSVersion.TLSv1_2,
                               'TLSv1.3': ssl.TLSVersion.TLSv1_3}[args.tls_max]


def log(line):
    with open(args.log, 'a') as f:
        f.write(line + '\n')


class Handler(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write(text.encode() + b'\r\n')
        self.wfile.flush()

    def handle(self):
        version = 'none'
        self.reply('220 partner.example ESMTP sink')
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode('latin-1').strip().upper()
            if cmd.startswith('EHLO'):
                self.reply('250-partner.example')
                if ctx is not None and version == 'none':
                    self.reply('250-STARTTLS')
                self.reply('250 8BITMIME')
            elif cmd.startswith('HELO'):
                self.reply('250 partner.example')
            elif cmd == 'STARTTLS' and ctx is not None and version == 'none':
                self.reply('220 go ahead')
                try:
                    tls = ctx.wrap_socket(self.connection, server_side=True)
                except (ssl.SSLError, OSError) as e:
                    log('handshake failed: %s' % e)
                    return
                self.connection = tls
                self.rfile = tls.makefile('rb')
                self.wfile = tls.makefile('wb')
                version = tls.version()
            elif cmd == 'DATA':
                self.reply('354 go on')
                while True:
                    data = self.rfile.readline()
                    if not data or data in (b'.\r\n', b'.\n'):
                        break
                log('delivered tls=%s' % version)
                self.reply('250 2.0.0 accepted')
            elif cmd == 'QUIT':
                self.reply('221 bye')
                return
            else:       # MAIL, RCPT, RSET, NOOP
                self.reply('250 ok')


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


with Server((args.addr, args.port), Handler) as srv:
    log('listening')
    srv.serve_forever()
