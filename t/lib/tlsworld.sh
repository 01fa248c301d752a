# NAME
#	tlsworld.sh - the TLS world of t/check-tls.t on loopback: a test CA,
#	certificates good and broken, one throwaway Postfix serving them by
#	SNI, odd SMTP servers, and an HTTPS server for MTA-STS policies
# SYNOPSIS
#	. "$SRCDIR/t/lib/tlsworld.sh"	(after testenv.sh and milter.sh)
#
#	tls_ca NAME			a CA in $tmpdir/tls/NAME.{crt,key}
#	tls_cert CA FILE CN BITS FROM TO [SAN...]
#					a key and certificate signed by CA,
#					valid FROM..TO (date(1) -d strings:
#					"-30 days", "+1 year"), for the DNS
#					names SAN (default CN), in
#					$tmpdir/tls/FILE.pem (key first, then
#					the certificate: what Postfix's
#					chain files take)
#	start_tls_postfix DEFAULT NAME=FILE...
#					a Postfix whose smtpd offers STARTTLS
#					on 127.0.0.1:$TLS_SMTP_PORT with
#					certificate FILE for SNI name NAME
#					(DEFAULT without SNI or with another
#					name), and no STARTTLS at all on
#					127.0.0.2 on the same port
#	start_odd_smtp MODE ADDR [PORT]	a server on ADDR:PORT (default
#					$TLS_SMTP_PORT) that misbehaves:
#					"silent" (accepts, never says a word)
#					or "longline" (a greeting line of
#					10,000 bytes)
#	start_sts_https CONFIG.json	t/lib/sts-https.py on 127.0.0.1,
#					a free port: $TLS_HTTPS_PORT
# DESCRIPTION
#	Everything is made at test time with openssl(1): nothing secret is
#	committed.  The CA signs with "openssl ca", the one openssl command
#	that sets a start and an end date in the past, for expired
#	certificates.  TLS_SMTP_PORT is picked free once, before the first
#	server starts; every SMTP server of the world listens on that port
#	at its own loopback address (127.0.0.1 to 127.0.0.5), since the
#	checker, like a sender, connects to one port on every MX host.
#
#	The Postfix is the tests' usual throwaway one (t/lib/postfix.sh's
#	services) with smtpd_tls_security_level = may and
#	tls_server_sni_maps (Postfix 3.4 and later; the table built with
#	"postmap -F"), so one smtpd serves each MX name its own
#	certificate.  Its OpenSSL configuration (tls_config_file) lowers
#	the security level to 0, or OpenSSL would refuse to load the
#	1024-bit test key at all, and the checker must see it to report it.

TLS_DIR="$tmpdir/tls"

# tls_ca - a self-signed test CA with its "openssl ca" bookkeeping
tls_ca() {
	mkdir -p "$TLS_DIR/$1.db"
	: > "$TLS_DIR/$1.db/index.txt"
	echo 01 > "$TLS_DIR/$1.db/serial"
	cat > "$TLS_DIR/$1.cnf" <<EOT
[ca]
default_ca = testca
[testca]
dir = $TLS_DIR/$1.db
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = copy
[anything]
commonName = supplied
EOT
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TLS_DIR/$1.key" \
	    -out "$TLS_DIR/$1.crt" -subj "/CN=authmilter test CA $1" \
	    -days 30 >/dev/null 2>&1
}

# tls_cert - a key and a certificate signed by a test CA
tls_cert() {
	_tw_ca=$1 _tw_file=$2 _tw_cn=$3 _tw_bits=$4 _tw_from=$5 _tw_to=$6
	shift 6
	[ $# -eq 0 ] && set -- "$_tw_cn"
	_tw_san=
	for _tw_n in "$@"; do
		_tw_san="${_tw_san:+$_tw_san,}DNS:$_tw_n"
	done
	openssl req -newkey "rsa:$_tw_bits" -nodes \
	    -keyout "$TLS_DIR/$_tw_file.key" -out "$TLS_DIR/$_tw_file.csr" \
	    -subj "/CN=$_tw_cn" -addext "subjectAltName=$_tw_san" \
	    >/dev/null 2>&1 &&
	openssl ca -batch -config "$TLS_DIR/$_tw_ca.cnf" \
	    -cert "$TLS_DIR/$_tw_ca.crt" -keyfile "$TLS_DIR/$_tw_ca.key" \
	    -in "$TLS_DIR/$_tw_file.csr" -out "$TLS_DIR/$_tw_file.crt" \
	    -notext \
	    -startdate "$(date -u -d "$_tw_from" +%Y%m%d%H%M%SZ)" \
	    -enddate "$(date -u -d "$_tw_to" +%Y%m%d%H%M%SZ)" \
	    >/dev/null 2>&1 &&
	cat "$TLS_DIR/$_tw_file.key" "$TLS_DIR/$_tw_file.crt" \
	    "$TLS_DIR/$_tw_ca.crt" > "$TLS_DIR/$_tw_file.pem"
}

# tls_smtp_port - the one SMTP port of the world, picked on first use
tls_smtp_port() {
	[ -n "$TLS_SMTP_PORT" ] || TLS_SMTP_PORT=$(free_port)
}

# wait_listen - wait until ADDR:PORT accepts connections (10 s at most)
wait_listen() {
	_tw_i=0
	while ! "$PYTHON" -c "import socket; socket.create_connection(('$1', $2), 1)" 2>/dev/null; do
		[ $_tw_i -ge 100 ] && return 1
		sleep 0.1
		_tw_i=$((_tw_i + 1))
	done
}

# start_tls_postfix - one Postfix serving a certificate per SNI name
start_tls_postfix() {
	tls_smtp_port
	TLS_PF_DIR="$tmpdir/tlspostfix"
	chmod 755 "$tmpdir"
	mkdir -p "$TLS_PF_DIR/etc" "$TLS_PF_DIR/queue" "$TLS_PF_DIR/data"
	chown postfix "$TLS_PF_DIR/data"
	_tw_default=$1
	shift
	: > "$TLS_PF_DIR/etc/sni"
	for _tw_pair in "$@"; do
		echo "${_tw_pair%%=*} $TLS_DIR/${_tw_pair#*=}.pem" >> "$TLS_PF_DIR/etc/sni"
	done
	cat > "$TLS_PF_DIR/etc/openssl.cnf" <<EOT
openssl_conf = init
[init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = lab
[lab]
CipherString = DEFAULT@SECLEVEL=0
MinProtocol = TLSv1.2
EOT
	cat > "$TLS_PF_DIR/etc/main.cf" <<EOT
compatibility_level = 3.6
queue_directory = $TLS_PF_DIR/queue
data_directory = $TLS_PF_DIR/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.tls.example
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
maillog_file = $TLS_PF_DIR/maillog
maillog_file_prefixes = $tmpdir
smtpd_banner = \$myhostname ESMTP
smtpd_tls_security_level = may
smtpd_tls_chain_files = $TLS_DIR/$_tw_default.pem
tls_server_sni_maps = hash:$TLS_PF_DIR/etc/sni
tls_config_file = $TLS_PF_DIR/etc/openssl.cnf
smtpd_tls_loglevel = 1
alias_maps =
alias_database =
biff = no
EOT
	{
		echo "127.0.0.1:$TLS_SMTP_PORT inet n - n - - smtpd"
		echo "127.0.0.2:$TLS_SMTP_PORT inet n - n - - smtpd -o smtpd_tls_security_level=none"
		echo "tlsmgr unix - - n 1000? 1 tlsmgr"
		postfix_services
	} > "$TLS_PF_DIR/etc/master.cf"
	if ! postmap -F -c "$TLS_PF_DIR/etc" "hash:$TLS_PF_DIR/etc/sni" ||
	    ! postfix -c "$TLS_PF_DIR/etc" start >/dev/null 2>&1; then
		diag "postfix did not start:"
		sed 's/^/# /' "$TLS_PF_DIR/maillog" 2>/dev/null
		return 1
	fi
	at_exit "postfix -c '$TLS_PF_DIR/etc' stop >/dev/null 2>&1"
	wait_listen 127.0.0.1 "$TLS_SMTP_PORT" &&
	wait_listen 127.0.0.2 "$TLS_SMTP_PORT"
}

# start_odd_smtp - a misbehaving SMTP server on ADDR:TLS_SMTP_PORT
start_odd_smtp() {
	tls_smtp_port
	"$PYTHON" -c '
import socket, sys, threading, time
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
def serve(c):
    if mode == "longline":
        c.sendall(b"220 " + b"x" * 10000 + b"\r\n")
    time.sleep(30)    # silent: hold the connection open, say nothing
    c.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(16)
while True:
    threading.Thread(target=serve, args=(s.accept()[0],), daemon=True).start()
' "$1" "$2" "${3:-$TLS_SMTP_PORT}" 2>/dev/null &
	at_exit "kill $!"
	wait_listen "$2" "${3:-$TLS_SMTP_PORT}"
}

# start_sts_https - the MTA-STS policy server
start_sts_https() {
	"$PYTHON" "$SRCDIR/t/lib/sts-https.py" --config "$1" \
	    --port-file "$TLS_DIR/https.port" >"$TLS_DIR/https.log" 2>&1 &
	at_exit "kill $!"
	_tw_i=0
	while [ ! -s "$TLS_DIR/https.port" ]; do
		if [ $_tw_i -ge 100 ]; then
			diag "sts-https.py did not start:" "$(cat "$TLS_DIR/https.log")"
			return 1
		fi
		sleep 0.1
		_tw_i=$((_tw_i + 1))
	done
	TLS_HTTPS_PORT=$(cat "$TLS_DIR/https.port")
}
