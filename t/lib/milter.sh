# milter.sh - start authmilter and a private Postfix for the tests.
# Source after testenv.sh (which provides tmpdir, at_exit, start_dns).
# Sources t/lib/postfix.sh (postfix_services) itself.
#
#   free_port                   print a free TCP port on 127.0.0.1
#   write_config FILE [LINES]   an authmilter.conf for the test DNS server,
#                               with any extra "Keyword value" lines
#   start_authmilter CONF       run authmilter -f in the background; sets
#                               AM_PID, AM_LOG; waits for its socket
#                               (AM_INET_PORT set: an inet socket on
#                               127.0.0.1 at that port, as write_config
#                               then writes; else unix:$AM_SOCK)
#   start_postfix               a Postfix on loopback with smtpd_milters
#                               pointing at $AM_SOCK: sets PF_DIR,
#                               PF_INBOUND and PF_SUBMIT (ports), PF_MAIL
#   wait_delivered N            wait until N messages are in the maildir
#   delivered_files             the delivered messages, oldest first
#   message_file TAG            wait for the delivered message carrying
#                               the header "X-Test-Tag: TAG"; print its path

. "$SRCDIR/t/lib/postfix.sh"

AM_SOCK="$tmpdir/authmilter.sock"

free_port() {
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

write_config() {
	file=$1
	shift
	{
		if [ -n "$AM_INET_PORT" ]; then
			echo "Socket inet:$AM_INET_PORT@127.0.0.1"
		else
			echo "Socket unix:$AM_SOCK"
		fi
		echo "AuthservID mx.example.net"
		echo "Nameservers 127.0.0.1:$DNS_PORT"
		echo "DNSTimeout 1"
		echo "DNSTries 1"
		echo "InternalHosts 192.0.2.250"
		echo "Syslog no"
		echo "LogLevel debug"
		echo "UMask 000"
		for line in "$@"; do
			echo "$line"
		done
	} > "$file"
}

# am_listening - is authmilter's socket there (unix) or listening (inet)?
am_listening() {
	if [ -n "$AM_INET_PORT" ]; then
		[ -n "$(ss -Hltn "sport = :$AM_INET_PORT")" ]
	else
		[ -S "$AM_SOCK" ]
	fi
}

start_authmilter() {
	AM_LOG="$tmpdir/authmilter.log"
	rm -f "$AM_SOCK"
	"$BUILDDIR/milter/authmilter" -f -c "$1" >> "$AM_LOG" 2>&1 &
	AM_PID=$!
	at_exit "kill $AM_PID 2>/dev/null"
	i=0
	while ! am_listening && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if ! am_listening; then
		diag "authmilter did not start:"
		sed 's/^/# /' "$AM_LOG"
		return 1
	fi
}

start_postfix() {
	PF_DIR="$tmpdir/postfix"
	PF_MAIL="$PF_DIR/mail/sink/new"
	PF_INBOUND=$(free_port)
	PF_SUBMIT=$(free_port)
	chmod 755 "$tmpdir"
	mkdir -p "$PF_DIR/etc" "$PF_DIR/queue" "$PF_DIR/data" "$PF_DIR/mail"
	chown nobody:nogroup "$PF_DIR/mail"
	chown postfix "$PF_DIR/data"
	cat > "$PF_DIR/etc/main.cf" <<EOT
compatibility_level = 3.6
queue_directory = $PF_DIR/queue
data_directory = $PF_DIR/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.net
mydomain = example.net
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_authorized_xclient_hosts = 127.0.0.0/8
virtual_mailbox_domains = example.net, norejects.example
virtual_mailbox_base = $PF_DIR/mail
virtual_mailbox_maps = static:sink/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 1
maillog_file = $PF_DIR/maillog
maillog_file_prefixes = $tmpdir
smtpd_milters = unix:$AM_SOCK
milter_default_action = tempfail
milter_protocol = 6
biff = no
smtpd_banner = mx.example.net ESMTP
EOT
	{
		echo "127.0.0.1:$PF_INBOUND inet n - n - - smtpd"
		echo "127.0.0.1:$PF_SUBMIT inet n - n - - smtpd -o milter_macro_daemon_name=ORIGINATING"
		postfix_services
	} > "$PF_DIR/etc/master.cf"
	if ! postfix -c "$PF_DIR/etc" start >/dev/null 2>&1; then
		diag "postfix did not start:"
		sed 's/^/# /' "$PF_DIR/maillog" 2>/dev/null
		return 1
	fi
	at_exit "postfix -c '$PF_DIR/etc' stop >/dev/null 2>&1"
	i=0
	while ! "$PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $PF_INBOUND), 1)" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

delivered_files() {
	ls -tr "$PF_MAIL" 2>/dev/null | sed "s|^|$PF_MAIL/|"
}

wait_delivered() {
	i=0
	while [ "$(delivered_files | wc -l)" -lt "$1" ] && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(delivered_files | wc -l)" -ge "$1" ]
}

message_file() {
	i=0
	while [ $i -lt 150 ]; do
		f=$(grep -l "^X-Test-Tag: $1\$" "$PF_MAIL"/* 2>/dev/null | head -1)
		if [ -n "$f" ]; then
			echo "$f"
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
