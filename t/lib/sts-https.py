#!/usr/bin/python3
# NAME
#	sts-https.py - the HTTPS server of t/check-tls.t: MTA-STS policies,
#	good and broken, one per host name, each with its own certificate
# SYNOPSIS
#	/usr/bin/python3 t/lib/sts-https.py --config FILE.json --port-file F
#	    [--addr 127.0.0.1]
# DESCRIPTION
#	FILE.json maps each host name to what it serves at any path:
#
#	    {"mta-sts.good.example": {"cert": "good.pem",
#	        "status": 200, "type": "text/plain", "body": "version: ...",
#	        "repeat": 1, "length": true, "location": null}}
#
#	cert is a PEM file holding the key and the certificate chain,
#	chosen by the TLS client's SNI (a client without SNI, or with a
#	name not in the file, gets the first host's).  The body is sent
#	"repeat" times; with "length": false there is no Content-Length
#	and the end of the body is the end of the connection.  "location"
#	sets a Location header (for redirects).  A host not in the file
#	gets 404.  The port is picked free and written to --port-file once
#	the server listens.  Only the standard library is used.

import argparse
import json
import os
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--addr", default="127.0.0.1")
    args = ap.parse_args()
    with open(args.config) as f:
        hosts = json.load(f)

    contexts = {}
    for name, spec in hosts.items():
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(spec["cert"])
        contexts[name.lower()] = ctx
    default = contexts[next(iter(hosts)).lower()]

    def pick(sock, name, _ctx):
        if name is not None and name.lower() in contexts:
            sock.context = contexts[name.lower()]

    default.sni_callback = pick

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self):
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            spec = hosts.get(host)
            if spec is None:
                self.send_error(404)
                return
            body = spec.get("body", "").encode() * spec.get("repeat", 1)
            self.send_response(spec.get("status", 200))
            self.send_header("Content-Type", spec.get("type", "text/plain"))
            if spec.get("location"):
                self.send_header("Location", spec["location"])
            if spec.get("length", True):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:
                pass    # the client stopped reading: its cap

        def log_message(self, fmt, *a):
            sys.stderr.write("%s %s\n" % (self.headers.get("Host"), fmt % a))

    srv = ThreadingHTTPServer((args.addr, 0), Handler)
    srv.daemon_threads = True
    srv.socket = default.wrap_socket(srv.socket, server_side=True)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
