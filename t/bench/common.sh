# NAME
#	common.sh - what t/bench/run.sh and t/bench/postfix.sh share
# SYNOPSIS
#	top=...; . "$top/t/bench/common.sh"
#	bench_setup			packages, build, $tmp, cleanup at exit
#	bench_corpus			$CORPUS made by mkcorpus.py if missing
#	bench_dns ZONES.yml...		testdns.py behind a caching unbound
#	bench_configs			keys, tables and every milter's config
#	bench_prepare			all four, on the corpus's zones
#	start_milter NAME		start one milter: sets MPID and MSOCK
#	stop_milter PID			stop it and wait
# DESCRIPTION
#	BUILD (default $top/build-bench) is the build directory, configured
#	with -O2 on first use; OUT the results directory.  Milters are
#	started by name: milterload (its own accept-all milter), nullmilter,
#	authmilter (the RSA-2048 signing table), authmilter-dual (RSA and
#	Ed25519), opendkim (verify), opendkim-sign, opendmarc.  Each listens
#	on $tmp/sock/NAME.sock unless its configuration file
#	$tmp/NAME.conf was changed to another Socket.  Every process
#	started here is killed at exit.
#
#	The DNS: t/dns/testdns.py serves the zones on 127.0.0.1 and a free
#	port; unbound on $DNS_ADDR:53 (127.0.0.53) forwards to it and keeps
#	every answer an hour: the warm local resolver that every milter
#	uses.  OpenDMARC reads /etc/resolv.conf (libresolv and libspf2), so
#	it runs in a mount namespace of its own where $tmp/resolv.conf
#	names that unbound; the machine's resolv.conf is not touched.

BUILD=${BUILD_DIR:-$top/build-bench}
OUT=${OUT:-$BUILD/results}
CORPUS=${CORPUS:-$BUILD/corpus}
DNS_ADDR=127.0.0.53
ML=$BUILD/t/bench/milterload
PIDS=

say() { [ -n "${QUIET:-}" ] || echo "bench: $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

# bench_setup - install the packages, build, make $tmp
bench_setup() {
	sh "$top/t/install-deps.sh"
	missing=
	for p in opendkim opendmarc unbound dnsutils iproute2; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q "ok installed" || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		say "installing$missing"
		# the packages must not start system services of their own
		rcd=
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
			chmod 755 /usr/sbin/policy-rc.d
			rcd=1
		fi
		# shellcheck disable=SC2086 # package names split on purpose
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    --no-install-recommends $missing >/dev/null
		[ -z "$rcd" ] || rm -f /usr/sbin/policy-rc.d
	fi
	cd "$top"
	[ -x configure ] || autoreconf -fi
	mkdir -p "$BUILD"
	(
		cd "$BUILD"
		[ -f Makefile ] || "$top/configure" -q CFLAGS="-O2 -g"
		make -s -j"$(nproc)" milter/authmilter t/bench/milterload \
		    t/bench/nullmilter >/dev/null
	)
	tmp=$(mktemp -d /tmp/authmilter-bench.XXXXXX)
	chmod 755 "$tmp"
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$OUT/raw"
}

# bench_cleanup - stop everything started here, remove $tmp
bench_cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	sleep 0.3
	rm -rf "$tmp"
}

# bench_corpus - make the corpus unless it is there
bench_corpus() {
	if [ ! -f "$CORPUS/MANIFEST" ]; then
		say "making the corpus in $CORPUS"
		mkdir -p "$OUT"
		/usr/bin/python3 "$top/t/bench/mkcorpus.py" "$CORPUS" >"$OUT/corpus.txt"
	fi
}

# bench_dns ZONES... - testdns.py behind unbound on $DNS_ADDR
bench_dns() {
	zones=
	for z in "$@"; do zones="$zones --zones $z"; done
	# shellcheck disable=SC2086
	/usr/bin/python3 "$top/t/dns/testdns.py" $zones --addr 127.0.0.1 \
	    --port-file "$tmp/dns.port" >"$tmp/dns.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	while [ ! -s "$tmp/dns.port" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || die "testdns.py did not start: $(cat "$tmp/dns.log")"
		sleep 0.1
	done
	cat > "$tmp/unbound.conf" <<EOF
server:
	interface: $DNS_ADDR
	port: 53
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$tmp"
	pidfile: ""
	use-syslog: no
	logfile: ""
	verbosity: 0
	num-threads: 1
	module-config: "iterator"
	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow
	cache-min-ttl: 3600
	qname-minimisation: no
	msg-cache-size: 32m
	rrset-cache-size: 64m
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@$(cat "$tmp/dns.port")
EOF
	unbound -d -c "$tmp/unbound.conf" >"$tmp/unbound.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	until dig +short +time=1 +tries=1 @$DNS_ADDR bench.invalid TXT \
	    >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 50 ] || die "unbound did not start: $(cat "$tmp/unbound.log")"
		sleep 0.2
	done
	printf 'nameserver %s\noptions attempts:2 timeout:2\n' "$DNS_ADDR" \
	    > "$tmp/resolv.conf"
}

# authmilter_conf NAME TABLE - an authmilter configuration
authmilter_conf() {
	cat > "$tmp/$1.conf" <<EOF
Socket unix:$tmp/sock/$1.sock
AuthservID bench.test
Domains $2
Nameservers $DNS_ADDR
InternalHosts 192.0.2.250
SPF yes
DKIMVerify yes
DKIMSign yes
DMARC yes
Syslog yes
LogLevel info
UMask 000
EOF
}

# opendkim_conf NAME MODE - an OpenDKIM configuration
opendkim_conf() {
	cat > "$tmp/$1.conf" <<EOF
Syslog yes
Mode $2
Socket local:$tmp/sock/$1.sock
UserID opendkim:opendkim
UMask 000
Nameservers $DNS_ADDR
AuthservID bench.test
Canonicalization relaxed/relaxed
KeyTable $tmp/keytable
SigningTable $tmp/signingtable
InternalHosts $tmp/internal
MinimumKeyBits 1024
# the keys are under /tmp, which others may write
RequireSafeKeys false
EOF
}

# bench_configs - signing keys, tables and the milters' configurations
bench_configs() {
	mkdir -p "$tmp/keys" "$tmp/okeys" "$tmp/sock"
	chmod 777 "$tmp/sock"
	if [ -d "$CORPUS/keys" ]; then
		cp "$CORPUS"/keys/* "$tmp/keys/"
		cp "$CORPUS"/keys/* "$tmp/okeys/"
	fi
	chmod 600 "$tmp"/keys/* "$tmp"/okeys/* 2>/dev/null || true
	chown -R opendkim:opendkim "$tmp/okeys"
	: > "$tmp/keytable"
	: > "$tmp/signingtable"
	: > "$tmp/domains-rsa"
	: > "$tmp/domains-dual.in"
	# outbound keys: "DOMAIN SELECTOR ALGORITHM KEYFILE"
	if [ -f "$CORPUS/outbound-keys.txt" ]; then
		while read -r dom sel alg key; do
			k=$(basename "$key")
			if [ "$alg" = rsa ]; then
				echo "$dom sign=$sel:$tmp/keys/$k" >> "$tmp/domains-rsa"
				echo "$sel._domainkey.$dom $dom:$sel:$tmp/okeys/$k" \
				    >> "$tmp/keytable"
				echo "$dom $sel._domainkey.$dom" >> "$tmp/signingtable"
			fi
			echo "$dom $sel:$tmp/keys/$k" >> "$tmp/domains-dual.in"
		done < "$CORPUS/outbound-keys.txt"
	fi
	# one line a domain: sign=SEL:KEY,SEL:KEY
	awk '{ if ($1 in k) k[$1] = k[$1] "," $2; else k[$1] = $2 }
	    END { for (d in k) print d, "sign=" k[d] }' \
	    "$tmp/domains-dual.in" > "$tmp/domains-dual"
	echo 192.0.2.250 > "$tmp/internal"
	authmilter_conf authmilter "$tmp/domains-rsa"
	authmilter_conf authmilter-dual "$tmp/domains-dual"
	opendkim_conf opendkim v
	opendkim_conf opendkim-sign s
	cat > "$tmp/opendmarc.conf" <<EOF
Syslog true
Socket local:$tmp/sock/opendmarc.sock
UserID opendmarc:opendmarc
UMask 000
AuthservID bench.test
TrustedAuthservIDs bench.test
IgnoreHosts $tmp/internal
SPFSelfValidate true
SPFIgnoreResults true
IgnoreAuthenticatedClients true
RejectFailures true
PublicSuffixList /usr/share/publicsuffix/public_suffix_list.dat
EOF
}

# bench_prepare - packages, build, corpus, its DNS and the configurations
bench_prepare() {
	bench_setup
	bench_corpus
	bench_dns "$CORPUS/zones.yml"
	bench_configs
}

# start_milter NAME - start one milter; MPID and MSOCK are set
start_milter() {
	sock=unix:$tmp/sock/$1.sock
	[ ! -f "$tmp/$1.conf" ] || sock=$(sed -n 's/^Socket *//p' "$tmp/$1.conf")
	sock=$(echo "$sock" | sed 's/^local:/unix:/')
	rm -f "$tmp/sock/$1.sock"
	case $1 in
	authmilter*)
		"$BUILD/milter/authmilter" -f -c "$tmp/$1.conf" 2>"$tmp/$1.log" &
		MPID=$! ;;
	opendkim*)
		opendkim -f -x "$tmp/$1.conf" 2>"$tmp/$1.log" &
		MPID=$! ;;
	opendmarc)
		unshare -m sh -c "mount --bind '$tmp/resolv.conf' /etc/resolv.conf &&
		    exec opendmarc -f -c '$tmp/opendmarc.conf'" 2>"$tmp/$1.log" &
		MPID=$! ;;
	nullmilter)
		"$BUILD/t/bench/nullmilter" -p "$sock" 2>"$tmp/$1.log" &
		MPID=$! ;;
	milterload)
		"$ML" -S "$sock" 2>"$tmp/$1.log" &
		MPID=$! ;;
	*)	die "no milter $1" ;;
	esac
	PIDS="$PIDS $MPID"
	MSOCK=$sock
	i=0
	until milter_listens "$sock"; do
		i=$((i + 1))
		[ $i -lt 100 ] && kill -0 "$MPID" 2>/dev/null ||
		    die "$1 did not start: $(cat "$tmp/$1.log")"
		sleep 0.1
	done
}

# milter_listens SOCKET - true once SOCKET takes connections
milter_listens() {
	case $1 in
	unix:*) [ -S "${1#unix:}" ] ;;
	inet:*) p=${1#inet:}; ss -ltn | grep -q "127.0.0.1:${p%@*} " ;;
	esac
}

# stop_milter PID - stop a milter and wait for it
stop_milter() {
	kill "$1" 2>/dev/null || true
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
