#!/bin/sh
# NAME
#	kill9.sh - authmilter killed with SIGKILL while a real Postfix takes
#	mail, then restarted: count accepted, delivered, tempfailed and lost
# SYNOPSIS
#	sh t/stress/kill9.sh [-n MESSAGES] [-k KILLS] [-c SESSIONS]
# DESCRIPTION
#	Starts the test suite's DNS server, authmilter and a private
#	Postfix on loopback (t/lib/testenv.sh, t/lib/milter.sh) with
#	milter_default_action = tempfail, and sends MESSAGES (default 1500)
#	over SESSIONS (default 4) concurrent SMTP sessions, each message
#	tagged with its number.  Meanwhile authmilter is killed with
#	SIGKILL KILLS times (default 3), each time restarted 2 s later.
#	Prints how many messages Postfix accepted (250), tempfailed (4xx)
#	and rejected (5xx), how many were delivered, how many of those lack
#	our Authentication-Results header, and how many accepted messages
#	were lost (accepted but never delivered).  Passes when none is lost
#	and every delivered message carries our A-R.  Uses the build in
#	AUTHMILTER_BUILDDIR (default build/, made if missing).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
N=1500 KILLS=3 SESSIONS=4
while getopts n:k:c: opt; do
	case $opt in
	n) N=$OPTARG ;;
	k) KILLS=$OPTARG ;;
	c) SESSIONS=$OPTARG ;;
	*) echo "usage: sh t/stress/kill9.sh [-n MESSAGES] [-k KILLS] [-c SESSIONS]" >&2
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

start_dns "$SRCDIR/t/data/zones/spf.yml" || exit 1
write_config "$tmpdir/authmilter.conf" "LogLevel info"
sed -i '/^LogLevel debug$/d' "$tmpdir/authmilter.conf"
start_authmilter "$tmpdir/authmilter.conf" || exit 1
start_postfix || exit 1

"$PYTHON" - "$PF_INBOUND" "$N" "$SESSIONS" > "$tmpdir/sent.txt" <<'PY' &
import smtplib, sys, threading
port, n, sessions = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
lock = threading.Lock()
next_id = [0]
results = {}
def worker():
    s = None
    while True:
        with lock:
            if next_id[0] >= n:
                break
            next_id[0] += 1
            i = next_id[0]
        msg = ("From: user@example.org\r\nTo: rcpt@example.net\r\n"
               "Subject: kill9 %d\r\nX-Test-Tag: %d\r\n\r\nbody %d\r\n"
               % (i, i, i))
        try:
            if s is None:
                s = smtplib.SMTP("127.0.0.1", port, timeout=120)
                s.ehlo("mail.example.org")
            s.sendmail("user@example.org", ["rcpt@example.net"], msg)
            code = 250
        except smtplib.SMTPRecipientsRefused as e:
            code = list(e.recipients.values())[0][0]
        except smtplib.SMTPResponseException as e:
            code = e.smtp_code
        except (smtplib.SMTPException, OSError):
            code = 0
            s = None
        if code in (421, 0) and s is not None:
            try:
                s.quit()
            except Exception:
                pass
            s = None
        elif code != 250 and s is not None:
            try:
                s.rset()
            except Exception:
                s = None
        with lock:
            results[i] = code
threads = [threading.Thread(target=worker) for _ in range(sessions)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for i in sorted(results):
    print(i, results[i])
PY
SENDER=$!
k=0
while [ "$k" -lt "$KILLS" ] && kill -0 "$SENDER" 2>/dev/null; do
	sleep 4
	kill -9 "$AM_PID" 2>/dev/null
	k=$((k + 1))
	sleep 2
	start_authmilter "$tmpdir/authmilter.conf" || exit 1
done
wait "$SENDER"
# let the queue drain
i=0
while [ -n "$(find "$PF_DIR/queue/active" "$PF_DIR/queue/incoming" "$PF_DIR/queue/deferred" -type f 2>/dev/null | head -1)" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
accepted=$(awk '$2 == 250' "$tmpdir/sent.txt" | wc -l)
tempfailed=$(awk '$2 >= 400 && $2 < 500' "$tmpdir/sent.txt" | wc -l)
rejected=$(awk '$2 >= 500' "$tmpdir/sent.txt" | wc -l)
broken=$(awk '$2 == 0' "$tmpdir/sent.txt" | wc -l)
delivered_files > "$tmpdir/files"
delivered=$(wc -l < "$tmpdir/files")
noar=0
: > "$tmpdir/tags"
while read -r f; do
	sed -n 's/^X-Test-Tag: //p' "$f" >> "$tmpdir/tags"
	grep -q '^Authentication-Results: mx.example.net' "$f" || noar=$((noar + 1))
done < "$tmpdir/files"
lost=$(awk '$2 == 250 { print $1 }' "$tmpdir/sent.txt" | sort > "$tmpdir/acc";
    sort "$tmpdir/tags" | comm -23 "$tmpdir/acc" - | wc -l)
echo "messages sent: $N over $SESSIONS sessions"
echo "kills: $k"
echo "accepted: $accepted"
echo "tempfailed: $tempfailed"
echo "rejected: $rejected"
echo "connection errors: $broken"
echo "delivered: $delivered"
echo "delivered without our A-R: $noar"
echo "lost: $lost"
status=0
[ "$lost" -eq 0 ] || { echo "stress kill9: FAIL ($lost lost)"; status=1; }
[ "$noar" -eq 0 ] || { echo "stress kill9: FAIL ($noar delivered without A-R)"; status=1; }
[ "$accepted" -gt 0 ] || { echo "stress kill9: FAIL (nothing accepted)"; status=1; }
[ "$status" -ne 0 ] || echo "stress kill9: PASS"
exit "$status"
