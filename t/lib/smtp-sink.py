#!/usr/bin/python3
"""smtp-sink.py - an SMTP server on loopback that keeps every message.

Usage: smtp-sink.py --dir DIR --port-file FILE [--addr 127.0.0.1]

Listens on a free port (written to FILE once it listens) and accepts
every transaction.  Each message is written as DIR/tmp/N, then renamed
to DIR/new/N (N counts from 1), so a file in new/ is always whole: the
envelope as "X-Sink-Mail-From: ..." and "X-Sink-Rcpt-To: ..." lines,
then the message as received, dot-stuffing undone, line ends as LF.
The MTA under test relays to it, so the tests read what was delivered,
headers and all, as the next hop would see it.
"""
import argparse
import itertools
import os
import socketserver
import threading

counter = itertools.count(1)
counter_lock = threading.Lock()


class Handler(socketserver.StreamRequestHandler):
    """one SMTP session: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT"""

    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        mail_from, rcpts = None, []
        self.reply("220 sink.example.test ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("latin-1").rstrip("\r\n")
            verb = cmd[:4].upper()
            if verb == "EHLO":
                self.reply("250-sink.example.test\r\n250-8BITMIME\r\n250 SIZE 0")
            elif verb == "HELO":
                self.reply("250 sink.example.test")
            elif verb == "MAIL":
                mail_from, rcpts = cmd[10:].strip(), []
                self.reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                rcpts.append(cmd[8:].strip())
                self.reply("250 2.1.5 Ok")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                self.keep(mail_from, rcpts, self.read_data())
                mail_from, rcpts = None, []
                self.reply("250 2.0.0 Ok: kept")
            elif verb == "RSET":
                mail_from, rcpts = None, []
                self.reply("250 2.0.0 Ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Error: command not recognized")

    def read_data(self):
        lines = []
        while True:
            line = self.rfile.readline()
            if not line:
                break
            line = line.rstrip(b"\r\n")
            if line == b".":
                break
            if line.startswith(b"."):
                line = line[1:]
            lines.append(line + b"\n")
        return b"".join(lines)

    def keep(self, mail_from, rcpts, data):
        with counter_lock:
            n = next(counter)
        tmp = os.path.join(self.server.dir, "tmp", str(n))
        with open(tmp, "wb") as f:
            f.write(b"X-Sink-Mail-From: %s\n" % mail_from.encode("latin-1"))
            for r in rcpts:
                f.write(b"X-Sink-Rcpt-To: %s\n" % r.encode("latin-1"))
            f.write(data)
        os.rename(tmp, os.path.join(self.server.dir, "new", str(n)))


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--addr", default="127.0.0.1")
    args = ap.parse_args()
    for sub in ("tmp", "new"):
        os.makedirs(os.path.join(args.dir, sub), exist_ok=True)
    server = Server((args.addr, 0), Handler)
    server.dir = args.dir
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
