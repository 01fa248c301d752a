#!/usr/bin/python3
# NAME
#	compare.py - run ours and the reference on each case, and classify
# SYNOPSIS
#	/usr/bin/python3 t/diff/compare.py spf|dkim CASES.jsonl RESULTS.jsonl
#	    [-j JOBS]
# DESCRIPTION
#	For each case of CASES.jsonl (from gen-spf.py or gen-dkim.py), runs
#	our side and the reference side, and appends to RESULTS.jsonl one
#	JSON object a line: the case, "ours" and "theirs" (result tokens
#	and the raw output), "agree" and, for a disagreement, "class" (the
#	name of the class of DISAGREEMENTS.md that classify.py matched,
#	or "UNCLASSIFIED").
#
#	SPF: ours is $AUTHMILTER_BUILDDIR/t/spf-query (MAIL FROM identity)
#	asking $DIFF_DNS (ADDR:PORT); theirs is libspf2's spfquery, asking
#	the resolver of /etc/resolv.conf (run.sh makes both the same
#	server).  The result tokens are compared; libspf2's "(invalid)"
#	(a record it could not compile) is its permerror.
#	On a disagreement, pyspf (python3-spf) gives a third opinion,
#	kept as theirs["pyspf"] for the classifier; on a DKIM one, dkimpy
#	(t/lib/dkimpy-verify.py), kept as theirs["dkimpy"].
#	DKIM: ours is t/dkim-verify; theirs is odkim-verify ($ODKIM), on
#	libopendkim.  The result of each signature is compared, in order.
#
#	A disagreement where one side says temperror is run once more (a
#	timeout may come from the load of the machine).
#
#	Runs JOBS cases at a time (default 4; the programs mostly wait on
#	DNS).
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import classify  # noqa: E402

BUILDDIR = os.environ.get('AUTHMILTER_BUILDDIR', os.getcwd())
DNS = os.environ.get('DIFF_DNS', '127.0.0.1:53')
ODKIM = os.environ.get('ODKIM', 'odkim-verify')
SPFQUERY = os.environ.get('SPFQUERY', '/usr/bin/spfquery.libspf2')


def run(argv, stdin=None):
    """(exit status, stdout text) of argv; status -9 on a 60 s hang."""
    try:
        p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, timeout=60)
    except subprocess.TimeoutExpired:
        return -9, ''
    return p.returncode, p.stdout.decode('utf-8', 'replace')


def spf_ours(c):
    rc, out = run([os.path.join(BUILDDIR, 't', 'spf-query'), '-s', DNS,
        '-t', '1000', '-r', '1', c['ip'], c['sender'], c['helo']])
    lines = out.split('\n')
    if rc != 0:
        return {'result': 'crash(%d)' % rc, 'out': out}
    return {'result': lines[0], 'problem': lines[2] if len(lines) > 2
        else '', 'out': out}


def spf_theirs(c):
    # spfquery aborts without -sender ("from is NULL"): the null
    # sender is postmaster@HELO (RFC 7208 2.4), as ours does it
    sender = c['sender'] or 'postmaster@' + c['helo']
    rc, out = run([SPFQUERY, '-ip', c['ip'], '-sender', sender,
        '-helo', c['helo']])
    if rc < 0 or rc > 10:
        return {'result': 'crash(%d)' % rc, 'out': out}
    res, errs, inerr = None, [], False
    for line in out.split('\n'):
        if line == 'StartError':
            inerr = True
        elif line == 'EndError':
            inerr = False
        elif inerr:
            errs.append(line)
        elif res is None and line != '':
            res = line
    if res == '(invalid)':
        res = 'permerror'
    return {'result': res or 'empty', 'errors': errs, 'out': out}


def spf_third(c):
    """pyspf's result, the tiebreaker of a disagreement (in-process;
    it asks the resolver of /etc/resolv.conf too)."""
    import spf
    try:
        q = spf.query(c['ip'], c['sender'], c['helo'], timeout=5,
            strict=True)
        res, _, _ = q.check()
    except Exception as e:  # noqa: BLE001 - any failure is reported
        return 'error: %s' % e
    return res


def dkim_third(c):
    """dkimpy's words (pass, fail, error per signature), the
    tiebreaker of a DKIM disagreement."""
    srcdir = os.environ.get('AUTHMILTER_SRCDIR', os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    rc, out = run(['/usr/bin/python3', os.path.join(srcdir, 't', 'lib',
        'dkimpy-verify.py'), '--words', DNS.rsplit(':', 1)[1],
        c['file']])
    return out.split()


def dkim_parse(out):
    res = []
    for line in out.split('\n'):
        if line:
            res.append(line.split(' ', 1)[0])
    return res


def dkim_ours(c):
    with open(c['file'], 'rb') as f:
        msg = f.read()
    rc, out = run([os.path.join(BUILDDIR, 't', 'dkim-verify'), '-s', DNS,
        '-t', '1000', '-r', '1'], msg)
    if rc != 0:
        return {'result': ['crash(%d)' % rc], 'out': out}
    return {'result': dkim_parse(out), 'out': out}


def dkim_theirs(c):
    with open(c['file'], 'rb') as f:
        msg = f.read()
    rc, out = run([ODKIM], msg)
    if rc != 0:
        return {'result': ['crash(%d)' % rc], 'out': out}
    return {'result': dkim_parse(out), 'out': out}


def both(kind, c):
    if kind == 'spf':
        return spf_ours(c), spf_theirs(c)
    return dkim_ours(c), dkim_theirs(c)


def one(kind, c):
    ours, theirs = both(kind, c)
    if ours['result'] != theirs['result'] and \
            'temperror' in str(ours['result']) + str(theirs['result']):
        # a DNS timeout on one side only may be the load of the
        # machine, not a difference: once more
        ours, theirs = both(kind, c)
    r = {'case': c, 'ours': ours, 'theirs': theirs,
        'agree': ours['result'] == theirs['result']}
    if not r['agree'] and kind == 'spf':
        theirs['pyspf'] = spf_third(c)
    elif not r['agree']:
        theirs['dkimpy'] = dkim_third(c)
    if not r['agree']:
        r['class'] = classify.classify(kind, c, ours, theirs) or \
            'UNCLASSIFIED'
    return r


def main():
    args = sys.argv[1:]
    jobs = 4
    if '-j' in args:
        i = args.index('-j')
        jobs = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 3 or args[0] not in ('spf', 'dkim'):
        sys.stderr.write('usage: compare.py spf|dkim CASES RESULTS '
            '[-j JOBS]\n')
        sys.exit(2)
    kind, cases_file, results_file = args
    with open(cases_file) as f:
        cases = [json.loads(line) for line in f if line.strip()]
    with ThreadPoolExecutor(max_workers=jobs) as ex, \
        open(results_file, 'a') as out:
        for r in ex.map(lambda c: one(kind, c), cases):
            out.write(json.dumps(r) + '\n')


if __name__ == '__main__':
    main()
