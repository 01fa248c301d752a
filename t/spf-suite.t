#!/usr/bin/python3
# NAME
#	spf-suite.t - the official RFC 7208 SPF test suite against our
#	evaluator, over real DNS
# DESCRIPTION
#	For each scenario of the openspf.org RFC 7208 suite (release
#	2014.04, shipped by Debian's python3-spf), the scenario's zonedata
#	is served by t/dns/testdns.py on a free loopback port, and each test
#	case is run through t/spf-query the way pyspf's testspf.py runs it:
#	the MAIL FROM identity (the null sender checks postmaster@HELO), no
#	receiver (%{r} is "unknown"), the result must be the one given or
#	one of the list given, and when the case names an explanation ours
#	must equal it ("DEFAULT" meaning none from exp=).
#
#	One TAP line per case; cases on the EXPECTED_FAIL list below are
#	marked TODO with the reason.  A last line fails if fewer than
#	MIN_PASS cases pass.  The total is printed as a diag line.
#
#	Environment: AUTHMILTER_SRCDIR, AUTHMILTER_BUILDDIR (absolute paths;
#	the Makefile sets both), SPF_SUITE (another copy of the suite),
#	SPF_SUITE_VERBOSE=1 (print every spf-query output).

import gzip
import os
import signal
import subprocess
import sys
import tempfile
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get('AUTHMILTER_SRCDIR', os.path.dirname(HERE))
BUILDDIR = os.environ.get('AUTHMILTER_BUILDDIR', os.getcwd())
SUITE = os.environ.get('SPF_SUITE',
                       '/usr/share/doc/python3-spf/rfc7208-tests.yml.gz')
QUERY = os.path.join(BUILDDIR, 't', 'spf-query')
TESTDNS = os.path.join(SRCDIR, 't', 'dns', 'testdns.py')
TIMEOUT_MS = 400
MIN_PASS = 200
TOTAL = 203
VERBOSE = os.environ.get('SPF_SUITE_VERBOSE') == '1'

# Cases we know we fail, each with its reason.  Keep this list short and
# honest: a case listed here that passes is reported as a TODO pass.
# Every case passes today, so the list is empty: any failure fails the test.
EXPECTED_FAIL = {
}


def load_suite(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        return [d for d in yaml.safe_load_all(f) if d]


def start_dns(zonefile, workdir):
    portfile = os.path.join(workdir, 'port')
    if os.path.exists(portfile):
        os.unlink(portfile)
    proc = subprocess.Popen(
        ['/usr/bin/python3', TESTDNS, '--zones', zonefile, '--port', '0',
         '--addr', '127.0.0.1', '--port-file', portfile],
        stdin=subprocess.DEVNULL)
    deadline = time.time() + 15
    while time.time() < deadline:
        if os.path.exists(portfile):
            with open(portfile) as f:
                port = f.read().strip()
            if port:
                return proc, int(port)
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    stop_dns(proc)
    raise RuntimeError('testdns.py did not start')


def stop_dns(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_case(port, case):
    mailfrom = case.get('mailfrom', '')
    helo = case.get('helo', '')
    cmd = [QUERY, '-s', '127.0.0.1:%d' % port, '-t', str(TIMEOUT_MS),
           '-r', '1', str(case['host']), str(mailfrom), str(helo)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    lines = p.stdout.decode('ascii', 'replace').split('\n')
    lines += [''] * 3
    return p.returncode, lines[0], lines[1], lines[2], \
        p.stderr.decode('utf-8', 'replace')


def check(case, rc, result, explanation):
    want = case['result']
    wanted = want if isinstance(want, list) else [want]
    if rc != 0:
        return False, 'spf-query exit status %d' % rc
    if result not in wanted:
        return False, 'result %s, want %s' % (result, '/'.join(wanted))
    if 'explanation' in case and case['explanation'] is not None:
        got = explanation if explanation else 'DEFAULT'
        if got != case['explanation']:
            return False, 'explanation %r, want %r' % (
                got, case['explanation'])
    return True, ''


def main():
    if not os.path.exists(SUITE):
        print('1..0 # SKIP no RFC 7208 suite at %s' % SUITE)
        return 0
    if not os.access(QUERY, os.X_OK):
        print('1..0 # SKIP %s not built' % QUERY)
        return 0
    scenarios = load_suite(SUITE)
    ncases = sum(len(s.get('tests', {})) for s in scenarios)
    print('1..%d' % (ncases + 1))
    sys.stdout.flush()
    n = passed = 0
    failed = []
    with tempfile.TemporaryDirectory(prefix='spf-suite.') as workdir:
        for si, scen in enumerate(scenarios):
            zonefile = os.path.join(workdir, 'zone%d.yml' % si)
            with open(zonefile, 'w') as f:
                yaml.safe_dump({'zonedata': scen.get('zonedata') or {}}, f)
            proc, port = start_dns(zonefile, workdir)
            try:
                for name, case in scen.get('tests', {}).items():
                    n += 1
                    rc, res, expl, prob, err = run_case(port, case)
                    good, why = check(case, rc, res, expl)
                    if VERBOSE:
                        print('# %s: %s | %s | %s' % (name, res, expl, prob))
                    label = '%s: %s' % (scen.get('description', ''), name)
                    todo = ''
                    if name in EXPECTED_FAIL:
                        todo = ' # TODO expected failure: %s' % \
                            EXPECTED_FAIL[name]
                    if good:
                        passed += 1
                        print('ok %d - %s%s' % (n, label, todo))
                    else:
                        failed.append(name)
                        print('not ok %d - %s%s' % (n, label, todo))
                        print('#   %s%s' % (why,
                              ' (problem: %s)' % prob if prob else ''))
                        if err:
                            print('#   stderr: %s' % err.strip()[:300])
                    sys.stdout.flush()
            finally:
                stop_dns(proc)
    print('# SPF RFC 7208 suite: %d/%d passed' % (passed, n))
    if failed:
        print('# failing: %s' % ' '.join(failed))
    n += 1
    print('%sok %d - at least %d of %d cases pass (%d)' % (
        '' if passed >= MIN_PASS else 'not ', n, MIN_PASS, TOTAL, passed))
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        print('Bail out! %s' % e)
        sys.exit(1)
