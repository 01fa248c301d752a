#!/usr/bin/env python3
"""make-session-seeds.py - write the seed inputs of t/fuzz/fuzz_session.c
into t/fuzz/corpus/session/: an inbound message that passes SPF and
DMARC, one that fails p=reject, an outbound one that gets signed, a
message with several From headers, one with a forged A-R, and events
out of order.  Usage: python3 t/fuzz/make-session-seeds.py"""
import os

DMARC_REJECT = "v=DMARC1; p=reject; rua=mailto:d@example.org"
KEY = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
SPF = "v=spf1 ip4:203.0.113.5 -all"

def seed(answers, events):
    return "\n".join(list(answers) + events) + "\n"

inbound = ["C0mail.example.org", "Hmail.example.org", "Mbob@example.org",
           "Ralice@example.com", "Qq1"]
headers = ["hFrom:bob@example.org", "hTo:alice@example.com",
           "hSubject:hello", "hDate:Mon, 1 Jan 2024 00:00:00 +0000",
           "hMessage-ID:<1@example.org>"]
seeds = {
    "pass": seed((DMARC_REJECT, KEY, SPF),
                 inbound + headers + ["E", "Bhello", "O"]),
    "spoof": seed((DMARC_REJECT, KEY, "v=spf1 -all"),
                  inbound + ["hFrom:ceo@victim.example"] + headers[1:] +
                  ["E", "Bpay now", "O"]),
    "outbound": seed(("NXDOMAIN", "NXDOMAIN", "NXDOMAIN"),
                     ["C1", "Hlocal", "Auser", "Mu@sign.example",
                      "hFrom:User <u@sign.example>", "hSubject:out",
                      "E", "Bbody", "O"]),
    "multifrom": seed((DMARC_REJECT, KEY, SPF),
                      inbound + ["hFrom:a@example.org, b@other.example",
                                 "hFrom:c@victim.example", "E", "O"]),
    "forged-ar": seed((DMARC_REJECT, KEY, "TEMPFAIL"),
                      inbound + headers +
                      ["hAuthentication-Results:mx.test; dmarc=pass",
                       "hDKIM-Signature:v=1; a=ed25519-sha256; d=example.org; s=s; h=from; bh=AAAA; b=AAAA",
                       "E", "Bx", "O", "Mnext@legacy.example", "E", "O"]),
    "disorder": seed(("TEMPFAIL", "NODATA", "v=spf1 ?all"),
                     ["O", "E", "hFrom:x@y.example", "Bbody", "Mz@y.example",
                      "X", "O", "N", "C3", "Rr@keep.example", "O", "O"]),
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   "corpus", "session")
os.makedirs(out, exist_ok=True)
for name, text in seeds.items():
    with open(os.path.join(out, name), "w") as f:
        f.write(text)
