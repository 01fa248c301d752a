# NAME
#	sendmail.sh - a throwaway Sendmail on loopback for the tests
# SYNOPSIS
#	. "$SRCDIR/t/lib/sendmail.sh"	(after testenv.sh and milter.sh)
#
#	sendmail_missing		why Sendmail cannot run here, or nothing
#	sendmail_namespace "$0" ADDR...	run the test again in its own
#					network and UTS namespace
#	start_sink			the SMTP sink Sendmail relays to
#	start_sendmail [.mc lines]	Sendmail with authmilter as its filter
#	restart_sendmail [SED-SCRIPT]	stop it, edit its .cf, start it again
#	sendmail_queue_files PREFIX	the queue files of one kind
# DESCRIPTION
#	Debian 12's Sendmail is unpacked by t/install-deps.sh (its packages
#	conflict with Postfix's, so they are not installed) into SM_ROOT:
#	$AUTHMILTER_SENDMAIL_ROOT, else /opt/authmilter-test/sendmail.
#	sendmail_missing prints why it cannot run (no such root) and
#	returns 1, else prints nothing.
#
#	sendmail_namespace runs the test script again, as root, in new
#	network and UTS namespaces (unshare(1)) and exits with its status;
#	in there it returns at once.  Inside, the loopback interface is up
#	and carries each ADDR too, so that swaks can connect from a given
#	client address (--local-interface; Sendmail has no XCLIENT), and
#	the host name is mx.example.net: Sendmail sleeps 60 seconds at
#	start on a host name without a dot.  Nothing outside is touched,
#	and the namespaces end with the test.
#
#	start_sink starts t/lib/smtp-sink.py on 127.0.0.1 (SINK_PORT); the
#	messages it keeps are files in SINK_DIR/new, which PF_MAIL names
#	too, so that milter.sh's wait_delivered, delivered_files and
#	message_file read them.
#
#	start_sendmail writes SM_DIR/sendmail.mc (SM_DIR is $tmpdir/sendmail)
#	and turns it into sendmail.cf with m4 and the Sendmail root's cf
#	files: its own queue (SM_QUEUE), PID file and statistics, the
#	listeners SM_INBOUND (Name=MTA) and SM_SUBMIT (Name=MSA, as a
#	submission port is named) on 127.0.0.1, authmilter at
#	inet:$AM_INET_PORT@127.0.0.1 as its filter with the macros it reads,
#	relay of example.net and norejects.example to the sink, host names
#	from a private hosts file only (no DNS), SMTP AUTH PLAIN against
#	SM_DIR/sasldb2 (user "alice", password "secret") and the load
#	limits off.  Extra arguments are more .mc lines.  The daemon is
#	stopped by its PID at exit.  The milter lines (INPUT_MAIL_FILTER
#	and confMILTER_MACROS_*) are read from README.md's "Adding
#	authmilter to Sendmail", as written there but for the port;
#	sendmail_readme_lines prints them.
#
#	restart_sendmail stops the daemon, waits for it to exit, edits
#	sendmail.cf with sed -i SED-SCRIPT if one is given, and starts it
#	again on the same ports.
#
#	sendmail_queue_files PREFIX lists the files in the queue whose
#	names start with PREFIX: qf (a queued message), hf (one that a
#	filter quarantined).

SM_ROOT=${AUTHMILTER_SENDMAIL_ROOT:-/opt/authmilter-test/sendmail}
SM_BIN="$SM_ROOT/usr/libexec/sendmail/sendmail"

# sendmail_missing - why Sendmail cannot run here, else nothing
sendmail_missing() {
	if [ ! -x "$SM_BIN" ] ||
	    [ ! -f "$SM_ROOT/usr/share/sendmail/cf/m4/cf.m4" ]; then
		echo "no Sendmail unpacked in $SM_ROOT (t/install-deps.sh, as root, puts it there)"
		return 1
	fi
}

# sendmail_namespace - run the test again in its own network and UTS
# namespaces, loopback up with the client addresses given
sendmail_namespace() {
	if [ -z "$SM_IN_NAMESPACE" ]; then
		script=$1
		shift
		SM_IN_NAMESPACE=1 SM_CLIENT_ADDRS="$*" \
		    unshare --net --uts --mount -- /bin/sh "$script"
		exit $?
	fi
	ip link set lo up || return 1
	for addr in $SM_CLIENT_ADDRS; do
		ip addr add "$addr/32" dev lo || return 1
	done
	hostname mx.example.net
}

start_sink() {
	SINK_DIR="$tmpdir/sink"
	mkdir -p "$SINK_DIR"
	"$PYTHON" "$SRCDIR/t/lib/smtp-sink.py" --dir "$SINK_DIR" \
	    --port-file "$SINK_DIR/port" > "$SINK_DIR/log" 2>&1 &
	SINK_PID=$!
	at_exit "kill $SINK_PID"
	i=0
	while [ ! -s "$SINK_DIR/port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$SINK_DIR/port" ]; then
		diag "smtp-sink.py did not start:" "$(cat "$SINK_DIR/log")"
		return 1
	fi
	SINK_PORT=$(cat "$SINK_DIR/port")
	PF_MAIL="$SINK_DIR/new"
}

# sendmail_readme_lines - the milter lines of README.md's "Adding
# authmilter to Sendmail", authmilter's port 8893 there made ours
sendmail_readme_lines() {
	sed -n '/^## Adding authmilter to Sendmail/,/^## [^A]/p' \
	    "$SRCDIR/README.md" |
	    sed -n 's/^ *\(define(`confMILTER_MACROS_.*\)$/\1/p
		s/^ *\(INPUT_MAIL_FILTER(.*\)$/\1/p' |
	    sed "s/inet:8893@127\.0\.0\.1/inet:$AM_INET_PORT@127.0.0.1/"
}

# sendmail_mc - the .mc of start_sendmail, then the lines given
sendmail_mc() {
	cat <<EOT
divert(-1)
Throwaway Sendmail of the authmilter tests (t/lib/sendmail.sh).
divert(0)dnl
include(\`$SM_ROOT/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(\`authmilter test')dnl
OSTYPE(\`linux')dnl
define(\`QUEUE_DIR', \`$SM_DIR/queue')dnl
define(\`STATUS_FILE', \`$SM_DIR/statistics')dnl
define(\`ALIAS_FILE', \`')dnl
define(\`HELP_FILE', \`$SM_ROOT/etc/mail/helpfile')dnl
define(\`confPID_FILE', \`$SM_DIR/sendmail.pid')dnl
define(\`confSERVICE_SWITCH_FILE', \`$SM_DIR/service.switch')dnl
define(\`confHOSTS_FILE', \`$SM_DIR/hosts')dnl
define(\`confDEF_USER_ID', \`nobody:nogroup')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confTO_IDENT', \`0')dnl
define(\`confQUEUE_LA', \`1000')dnl
define(\`confREFUSE_LA', \`1000')dnl
define(\`confDELAY_LA', \`0')dnl
define(\`confMIN_QUEUE_AGE', \`0')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
define(\`confAUTH_MECHANISMS', \`PLAIN')dnl
TRUST_AUTH_MECH(\`PLAIN')dnl
RELAY_DOMAIN(\`example.net')dnl
RELAY_DOMAIN(\`norejects.example')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
DAEMON_OPTIONS(\`Port=$SM_INBOUND, Addr=127.0.0.1, Name=MTA')dnl
DAEMON_OPTIONS(\`Port=$SM_SUBMIT, Addr=127.0.0.1, Name=MSA, M=E')dnl
dnl --- README.md, "Adding authmilter to Sendmail" ---
$(sendmail_readme_lines)
dnl --- end of README.md's lines ---
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOT
	for line in "$@"; do
		echo "$line"
	done
}

# sendmail_sasl - Cyrus SASL's configuration for Sendmail, with one user
# in a sasldb; mounted (in our mount namespace only) where libsasl2
# looks for it: Sendmail clears SASL_CONF_PATH from its environment, and
# of the places libsasl2 searches, /usr/lib/sasl2 is the one that is
# always there (libsasl2-2 owns it) and holds nothing libsasl2 reads
sendmail_sasl() {
	mkdir -p "$SM_DIR/sasl"
	cat > "$SM_DIR/sasl/Sendmail.conf" <<EOT
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: /usr/lib/sasl2/sasldb2
mech_list: PLAIN
EOT
	echo secret | saslpasswd2 -p -c -f "$SM_DIR/sasl/sasldb2" \
	    -u mx.example.net alice || return 1
	chmod 600 "$SM_DIR/sasl/sasldb2"
	mount --bind "$SM_DIR/sasl" /usr/lib/sasl2 || return 1
	at_exit "umount /usr/lib/sasl2"
}

start_sendmail() {
	SM_DIR="$tmpdir/sendmail"
	SM_QUEUE="$SM_DIR/queue"
	SM_INBOUND=$(free_port)
	SM_SUBMIT=$(free_port)
	chmod 755 "$tmpdir"
	mkdir -p "$SM_QUEUE"
	chmod 700 "$SM_QUEUE"
	: > "$SM_DIR/statistics"
	printf 'hosts\tfiles\naliases\tfiles\n' > "$SM_DIR/service.switch"
	printf '127.0.0.1\tlocalhost\n' > "$SM_DIR/hosts"
	sendmail_sasl || return 1
	sendmail_mc "$@" > "$SM_DIR/sendmail.mc"
	if ! m4 "$SM_DIR/sendmail.mc" > "$SM_DIR/sendmail.cf" 2> "$SM_DIR/m4.err"; then
		diag "m4 could not make sendmail.cf:" "$(cat "$SM_DIR/m4.err")"
		return 1
	fi
	sendmail_run || return 1
	at_exit 'kill "$SM_PID"'
}

# sendmail_run - start the daemon on SM_DIR/sendmail.cf; wait for it to
# listen; set SM_PID
sendmail_run() {
	# the daemon keeps its stdout and stderr: a file, not a pipe
	"$SM_BIN" -C "$SM_DIR/sendmail.cf" -bd -q1h > "$SM_DIR/daemon.log" 2>&1
	i=0
	while { [ -z "$(ss -Hltn "sport = :$SM_INBOUND")" ] ||
	    [ -z "$(ss -Hltn "sport = :$SM_SUBMIT")" ]; } && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	SM_PID=$(head -1 "$SM_DIR/sendmail.pid" 2>/dev/null)
	if [ -z "$SM_PID" ] || [ -z "$(ss -Hltn "sport = :$SM_SUBMIT")" ]; then
		diag "sendmail did not start:" "$(cat "$SM_DIR/daemon.log")"
		return 1
	fi
}

restart_sendmail() {
	kill "$SM_PID"
	i=0
	while kill -0 "$SM_PID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	rm -f "$SM_DIR/sendmail.pid"
	if [ -n "$1" ]; then
		sed -i "$1" "$SM_DIR/sendmail.cf" || return 1
	fi
	sendmail_run
}

sendmail_queue_files() {
	find "$SM_QUEUE" -name "$1*" -type f
}
