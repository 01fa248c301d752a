# NAME
#	testenv.sh - what every t/*.t shell test sources first
# SYNOPSIS
#	. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
#
#	plan N | done_testing
#	check "name" cmd args...	ok if cmd exits 0
#	is "got" "expected" "name"
#	like "got" "extended-regex" "name"
#	unlike "got" "extended-regex" "name"
#	ok STATUS "name"		ok if STATUS is 0 (e.g. ok $? "name")
#	skip_all "reason"
#	diag "text" ["more lines"...]
#	at_exit "shell command"
#	start_dns ZONES.yml [ZONES2.yml...] [-- testdns.py options]
#	dkim_pubkey KEYFILE		the p= value of a PEM private key
#	zone_txt NAME VALUE		a TXT record in testdns.py's YAML
# DESCRIPTION
#	Sets PYTHON (Debian's /usr/bin/python3, with dnspython and yaml),
#	SRCDIR ($AUTHMILTER_SRCDIR, else the directory above t/), BUILDDIR
#	($AUTHMILTER_BUILDDIR, else the current directory) and tmpdir, a
#	fresh directory removed at exit with everything at_exit registered
#	(commands run in reverse order of registration).
#
#	start_dns starts t/dns/testdns.py on 127.0.0.1, a free port, in the
#	background, waits up to 10 s for it to listen, and exports DNS_PORT,
#	DNS_SERVER (127.0.0.1:PORT) and DNS_PID; the server is killed at
#	exit.  It may be called again: each call starts another server and
#	sets the variables to the newest one.  Options after "--" go to
#	testdns.py (e.g. --delay-ms 100, --query-log FILE).  Each call's
#	files are in $tmpdir/dnsN/ (N counts from 1): port, pid, log.
#	If the server does not come up, start_dns prints its log as TAP
#	diagnostics and exits the test with "Bail out!".
#
#	The TAP helpers print "ok N - name" or "not ok N - name" and count
#	failures; at exit, a test without a plan gets one from done_testing,
#	and the exit status is non-zero when any check failed.
#	Only POSIX sh is used.

PYTHON=/usr/bin/python3
if [ -n "$AUTHMILTER_SRCDIR" ]; then
	SRCDIR=$AUTHMILTER_SRCDIR
else
	SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
fi
BUILDDIR=${AUTHMILTER_BUILDDIR:-$(pwd)}
export PYTHON SRCDIR BUILDDIR

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/authmilter-test.XXXXXX") || {
	echo "Bail out! cannot make a temporary directory"
	exit 1
}

_te_n=0
_te_failed=0
_te_planned=
_te_exit_cmds=
_te_dns_n=0

# at_exit - run a shell command when the test exits (last added, first run)
at_exit() {
	_te_exit_cmds="$1
$_te_exit_cmds"
}

# _te_cleanup - run the at_exit commands, remove tmpdir, set the status
_te_cleanup() {
	_te_status=$?
	trap - EXIT HUP INT TERM
	printf '%s\n' "$_te_exit_cmds" | while IFS= read -r _te_cmd; do
		[ -n "$_te_cmd" ] && eval "$_te_cmd" >/dev/null 2>&1
	done
	rm -rf "$tmpdir"
	if [ "$_te_failed" -gt 0 ] && [ "$_te_status" -eq 0 ]; then
		_te_status=1
	fi
	exit "$_te_status"
}
trap _te_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# plan - announce the number of checks
plan() {
	_te_planned=$1
	echo "1..$1"
}

# done_testing - print the plan at the end, for tests without one
done_testing() {
	if [ -z "$_te_planned" ]; then
		_te_planned=$_te_n
		echo "1..$_te_n"
	fi
}

# diag - diagnostic lines for the reader, one per argument
diag() {
	for _te_line in "$@"; do
		printf '%s\n' "$_te_line" | sed 's/^/# /'
	done
}

# skip_all - skip the whole test, with a reason
skip_all() {
	echo "1..0 # SKIP $*"
	_te_planned=0
	exit 0
}

# ok - pass when the status given is 0
ok() {
	_te_n=$((_te_n + 1))
	if [ "$1" -eq 0 ] 2>/dev/null; then
		echo "ok $_te_n - $2"
		return 0
	fi
	_te_failed=$((_te_failed + 1))
	echo "not ok $_te_n - $2"
	return 1
}

# check - pass when the command exits 0
check() {
	_te_name=$1
	shift
	"$@"
	ok $? "$_te_name"
}

# is - pass when got equals expected
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "     got: '$1'" "expected: '$2'"
		return 1
	fi
}

# like - pass when got matches the extended regular expression
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "     got: '$1'" "expected to match: '$2'"
		return 1
	fi
}

# unlike - pass when got does not match the extended regular expression
unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 1 "$3"
		diag "     got: '$1'" "expected not to match: '$2'"
		return 1
	fi
	ok 0 "$3"
}

# dkim_pubkey - p= of a PEM private key: RSA, the base64 DER public key;
# Ed25519 (RFC 8463), the raw 32-byte key, the tail of its DER form
dkim_pubkey() {
	if openssl pkey -in "$1" -noout -text 2>/dev/null | grep -q '^ED25519'; then
		openssl pkey -in "$1" -pubout -outform DER | tail -c 32 | base64 -w0
	else
		openssl pkey -in "$1" -pubout -outform DER | base64 -w0
	fi
}

# zone_txt - NAME's TXT record VALUE as zone YAML, in strings of at most
# 250 bytes (a DNS character-string holds 255)
zone_txt() {
	printf '%s:\n  - TXT: [%s]\n' "$1" "$(printf '%s' "$2" | fold -w 250 |
	    sed 's/.*/"&"/' | paste -sd, -)"
}

# start_dns - run testdns.py with the zones given; export DNS_PORT etc.
start_dns() {
	_te_dns_n=$((_te_dns_n + 1))
	_te_dir=$tmpdir/dns$_te_dns_n
	mkdir -p "$_te_dir"
	_te_zones=
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		_te_zones="$_te_zones --zones $1"
		shift
	done
	[ "$1" = "--" ] && shift
	# shellcheck disable=SC2086 # zone paths are split on purpose
	"$PYTHON" "$SRCDIR/t/dns/testdns.py" $_te_zones --addr 127.0.0.1 \
	    --port-file "$_te_dir/port" --pid-file "$_te_dir/pid" "$@" \
	    >"$_te_dir/log" 2>&1 &
	DNS_PID=$!
	at_exit "kill $DNS_PID"
	_te_i=0
	while [ ! -s "$_te_dir/port" ]; do
		if [ $_te_i -ge 100 ] || ! kill -0 "$DNS_PID" 2>/dev/null; then
			diag "testdns.py did not start:"
			diag "$(cat "$_te_dir/log")"
			echo "Bail out! test DNS server did not start"
			exit 1
		fi
		sleep 0.1
		_te_i=$((_te_i + 1))
	done
	DNS_PORT=$(cat "$_te_dir/port")
	DNS_SERVER=127.0.0.1:$DNS_PORT
	export DNS_PORT DNS_SERVER DNS_PID
}
