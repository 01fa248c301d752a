#!/usr/bin/python3
# NAME
#	show.py - the disagreements of a results file, one block each
# SYNOPSIS
#	/usr/bin/python3 t/diff/show.py RESULTS.jsonl [CLASS]
# DESCRIPTION
#	For reading a kept run (run.sh -k): each disagreement (of CLASS
#	only, if given; "UNCLASSIFIED" for the unclassified) with its case
#	and what both sides said.
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import classify  # noqa: E402

for line in open(sys.argv[1]):
    r = json.loads(line)
    if not r['agree']:
        kind = 'spf' if r['case']['id'].startswith('spf') else 'dkim'
        r['class'] = classify.classify(kind, r['case'], r['ours'],
            r['theirs']) or 'UNCLASSIFIED'
    if r['agree'] or (len(sys.argv) > 2 and r['class'] != sys.argv[2]):
        continue
    c = r['case']
    o, t = r['ours'], r['theirs']
    print('%s [%s] ours %s theirs %s' % (c['id'], r['class'], o['result'],
        t['result']))
    print('    case: %s' % json.dumps({k: v for k, v in c.items()
        if k != 'id'}))
    print('    ours: %s' % (o.get('problem') or o['out'].strip()))
    print('    theirs: %s' % ('; '.join(t.get('errors', [])[2:]) or
        t['out'].strip().split('\n')[0]))
