#!/usr/bin/python3
# authres-dump.py MESSAGE [AUTHSERV-ID]: parse every Authentication-Results
# header of a delivered message with an independent RFC 8601 parser
# (python3-authres) and print one line per header:
#   ID: method=result ptype.prop=value ...; method=result ...
# With AUTHSERV-ID, print only the headers that carry it.  Exits 2 when a
# header does not parse.
import email
import email.policy
import sys

import authres

with open(sys.argv[1], 'rb') as f:
    msg = email.message_from_binary_file(f, policy=email.policy.compat32)
want = sys.argv[2].lower() if len(sys.argv) > 2 else None
for raw in msg.get_all('Authentication-Results') or []:
    value = ' '.join(str(raw).split())
    try:
        ar = authres.AuthenticationResultsHeader.parse(
            'Authentication-Results: ' + value)
    except Exception as e:
        print('unparsable: %s: %s' % (value, e))
        sys.exit(2)
    if want is not None and ar.authserv_id.lower() != want:
        continue
    parts = []
    for r in ar.results:
        words = ['%s=%s' % (r.method, r.result)]
        for p in r.properties:
            v = str(p.value)
            if any(c in v for c in ' ;()"='):
                v = '"%s"' % v
            words.append('%s.%s=%s' % (p.type, p.name, v))
        parts.append(' '.join(words))
    print('%s: %s' % (ar.authserv_id, '; '.join(parts) if parts else 'none'))
