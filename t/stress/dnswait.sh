#!/bin/sh
# NAME
#	dnswait.sh - through a real Postfix, sessions whose DNS never answers
#	must not hold up the others
# SYNOPSIS
#	sh t/stress/dnswait.sh [-T SECONDS] [-c SESSIONS] [-s SLOW]
#	    [-t DNSTIMEOUT]
# DESCRIPTION
#	Starts the test suite's DNS server, authmilter and a private
#	Postfix on loopback (t/lib/testenv.sh, t/lib/milter.sh), then runs
#	twice for SECONDS (default 30) each, at SESSIONS (default 32)
#	concurrent SMTP sessions, each sending messages one after another:
#
#	  alone	every session sends good mail: example.org, whose answers
#		are cached after the first message;
#	  beside	SLOW (default 4) of the sessions send each message from a
#		new name under slow.example, whose every name (SPF, DMARC,
#		organizational domain) goes unanswered, so each of those
#		messages waits for DNS until authmilter gives up (DNSTimeout,
#		default 5 s, bounded by DNSMessageTimeout); the others send
#		good mail as before.
#
#	Each message's latency is timed from the end of DATA to Postfix's
#	reply, which comes after authmilter's end-of-message verdict.
#	Prints, for each run, the good messages sent, their replies, and
#	their latency (median, 99th percentile, slowest), and the slow
#	messages and their replies.  Passes when every good message was
#	accepted in both runs, every slow message got a reply (a 4xx, as
#	DNSMessageTimeout's rules say), and no good message beside the
#	slow ones took as long as one DNSTimeout: none of them waited
#	behind a session that waits on DNS.  Uses the build in
#	AUTHMILTER_BUILDDIR (default build/, made if missing).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
SECS=30 SESSIONS=32 SLOW=4 DNSTO=5
while getopts T:c:s:t: opt; do
	case $opt in
	T) SECS=$OPTARG ;;
	c) SESSIONS=$OPTARG ;;
	s) SLOW=$OPTARG ;;
	t) DNSTO=$OPTARG ;;
	*) echo "usage: sh t/stress/dnswait.sh [-T SECONDS] [-c SESSIONS] [-s SLOW] [-t DNSTIMEOUT]" >&2
	   exit 64 ;;
	esac
done
AUTHMILTER_SRCDIR=$top
AUTHMILTER_BUILDDIR=${AUTHMILTER_BUILDDIR:-$top/build}
export AUTHMILTER_SRCDIR AUTHMILTER_BUILDDIR
if [ ! -x "$AUTHMILTER_BUILDDIR/milter/authmilter" ]; then
	sh "$top/t/install-deps.sh"
	(cd "$top" && { [ -x configure ] || autoreconf -fi; })
	mkdir -p "$AUTHMILTER_BUILDDIR"
	(cd "$AUTHMILTER_BUILDDIR" && "$top/configure" -q && make -s -j"$(nproc)")
fi
set +eu		# the test harness is written for plain sh
. "$top/t/lib/testenv.sh"
. "$top/t/lib/milter.sh"

cat > "$tmpdir/slow.yml" <<'EOT'
slow.example:
  - A: 192.0.2.99
"*.slow.example":
  - TIMEOUT
EOT
start_dns "$SRCDIR/t/data/zones/spf.yml" "$tmpdir/slow.yml" || exit 1
write_config "$tmpdir/authmilter.conf" "LogLevel info"
sed -i -e '/^LogLevel debug$/d' -e "s/^DNSTimeout .*/DNSTimeout $DNSTO/" \
    "$tmpdir/authmilter.conf"
start_authmilter "$tmpdir/authmilter.conf" || exit 1
PF_MAIN_EXTRA="default_process_limit = $((SESSIONS + 20))
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
milter_content_timeout = 60s"
start_postfix || exit 1

# run NAME SLOWSESSIONS - one timed run; prints "kind code latency" lines
run() {
	"$PYTHON" - "$PF_INBOUND" "$SECS" "$SESSIONS" "$2" "$1" <<'PY'
import smtplib, sys, threading, time
port, secs, sessions, slow, run = (int(sys.argv[1]), float(sys.argv[2]),
    int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
lock = threading.Lock()
out = []
serial = [0]

class Timed(smtplib.SMTP):
    """Times the end of DATA: from the final dot to the reply."""
    def data(self, msg):
        code, _ = self.docmd("data")
        if code != 354:
            raise smtplib.SMTPDataError(code, b"DATA refused")
        self.send(msg + b"\r\n")      # sendmail() gave CRLF bytes
        t0 = time.monotonic()
        self.send(b".\r\n")
        code, resp = self.getreply()
        self.last_latency = time.monotonic() - t0
        if code != 250:
            raise smtplib.SMTPDataError(code, resp)
        return code, resp

def worker(n):
    is_slow = n < slow
    end = time.monotonic() + secs
    s = None
    while time.monotonic() < end:
        with lock:
            serial[0] += 1
            i = serial[0]
        dom = ("m%d-%s.slow.example" % (i, run)) if is_slow else "example.org"
        msg = ("From: user@%s\r\nTo: rcpt@example.net\r\n"
               "Subject: dnswait %d\r\n\r\nbody %d\r\n" % (dom, i, i))
        lat = 0.0
        try:
            if s is None:
                s = Timed("127.0.0.1", port, timeout=120)
                s.ehlo("mail.example.org")
            s.last_latency = 0.0
            s.sendmail("user@" + dom, ["rcpt@example.net"], msg)
            code = 250
        except smtplib.SMTPResponseException as e:
            code = e.smtp_code
        except (smtplib.SMTPException, OSError):
            code = 0
        lat = s.last_latency if s is not None else 0.0
        if code == 0 and s is not None:
            s = None
        elif code != 250:
            try:
                s.rset()
            except Exception:
                s = None
        with lock:
            out.append("%s %d %.3f" % ("slow" if is_slow else "good",
                                       code, lat))
threads = [threading.Thread(target=worker, args=(n,))
           for n in range(sessions)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("\n".join(out))
PY
}

# pct FILE P - the P-th percentile (nearest rank) of sorted numbers, in ms
pct() {
	awk -v p="$2" '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		r = int(NR * p / 100 + 0.999999); if (r < 1) r = 1
		printf "%.0f\n", v[r] * 1000 }' "$1"
}

# summary RUN FILE - the figures of one run
summary() {
	awk '$1 == "good" { print $3 }' "$2" | sort -n > "$2.lat"
	awk -v run="$1" '
	$1 == "good" { g++; if ($2 == 250) ga++ }
	$1 == "slow" { s++; if ($2 >= 400 && $2 < 500) st++;
		else if ($2 == 250) sa++; else if ($2 == 0) sn++ }
	END {
		printf "%s: good messages: %d, accepted: %d\n", run, g, ga
		if (s > 0)
			printf "%s: slow messages: %d, tempfailed: %d, accepted: %d, no reply: %d\n",
			    run, s, st, sa, sn
	}' "$2"
	echo "$1: good latency ms: median $(pct "$2.lat" 50), p99 $(pct "$2.lat" 99), slowest $(pct "$2.lat" 100)"
}

run alone 0 > "$tmpdir/alone.txt"
run beside "$SLOW" > "$tmpdir/beside.txt"
echo "sessions: $SESSIONS, of them slow in the second run: $SLOW"
echo "seconds per run: $SECS, DNSTimeout: $DNSTO"
summary alone "$tmpdir/alone.txt"
summary beside "$tmpdir/beside.txt"

status=0
for f in alone beside; do
	bad=$(awk '$1 == "good" && $2 != 250' "$tmpdir/$f.txt" | wc -l)
	[ "$bad" -eq 0 ] || { echo "stress dnswait: FAIL ($bad good messages not accepted in run $f)"; status=1; }
	n=$(awk '$1 == "good"' "$tmpdir/$f.txt" | wc -l)
	[ "$n" -gt 0 ] || { echo "stress dnswait: FAIL (no good message in run $f)"; status=1; }
done
noreply=$(awk '$1 == "slow" && $2 == 0' "$tmpdir/beside.txt" | wc -l)
[ "$noreply" -eq 0 ] || { echo "stress dnswait: FAIL ($noreply slow messages without a reply)"; status=1; }
held=$(awk -v t="$DNSTO" '$1 == "good" && $3 >= t' "$tmpdir/beside.txt" | wc -l)
[ "$held" -eq 0 ] || { echo "stress dnswait: FAIL ($held good messages took ${DNSTO} s or more beside the slow sessions)"; status=1; }
[ "$status" -ne 0 ] || echo "stress dnswait: PASS"
exit "$status"
