#!/bin/sh
# install-deps.sh - install what building and testing authmilter needs,
# from Debian 12's packages.  Run as root; quiet when all is present.
set -e

# install_mailauth - the npm package t/dmarc-interop.t compares with,
# pinned by t/interop/package-lock.json (the test skips without it, and
# shows the first error of t/interop/npm-ci.log as the reason)
install_mailauth() {
	[ -f "$top/t/interop/node_modules/mailauth/package.json" ] && return 0
	if ! command -v npm >/dev/null 2>&1; then
		echo "install-deps: no npm; the DMARC interop test will skip" >&2
		return 0
	fi
	if npm ci --prefix "$top/t/interop" --no-audit --no-fund \
	    --loglevel=error >"$top/t/interop/npm-ci.log" 2>&1; then
		rm -f "$top/t/interop/npm-ci.log"
	else
		echo "install-deps: npm ci in t/interop failed (t/interop/npm-ci.log); the DMARC interop test will skip" >&2
	fi
}
# install_sendmail - Debian 12's Sendmail for t/sendmail.t, unpacked (not
# installed: its packages conflict with Postfix's) into SENDMAIL_ROOT,
# /opt/authmilter-test/sendmail unless AUTHMILTER_SENDMAIL_ROOT says
# otherwise: the binary is ROOT/usr/libexec/sendmail/sendmail, the m4
# files of its configurations ROOT/usr/share/sendmail/cf.  Its libraries
# (libwrap0, libsasl2 ...) and m4 come from PKGS.
install_sendmail() {
	root=${AUTHMILTER_SENDMAIL_ROOT:-/opt/authmilter-test/sendmail}
	[ -x "$root/usr/libexec/sendmail/sendmail" ] &&
	    [ -f "$root/usr/share/sendmail/cf/m4/cf.m4" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: run as root to unpack Sendmail into $root; t/sendmail.t will skip" >&2
		return 0
	fi
	debs="sendmail-bin sendmail-base sendmail-cf"
	dl=$(mktemp -d)
	chmod 755 "$dl"	# apt's download user writes into it
	# (apt's package lists may be missing: then fetch them and retry)
	(cd "$dl" && { apt-get download -qq $debs >/dev/null 2>&1 ||
	    { apt-get update -qq && apt-get download -qq $debs >/dev/null 2>&1; }; }) || {
		rm -rf "$dl"
		echo "install-deps: apt-get download sendmail-bin sendmail-base sendmail-cf failed" >&2
		return 1
	}
	mkdir -p "$root"
	for f in "$dl"/*.deb; do
		dpkg-deb -x "$f" "$root"
	done
	rm -rf "$dl"
}
PKGS="autoconf automake libtool pkg-config make gcc clang
libmilter-dev libldns-dev libssl-dev libsqlite3-dev libidn2-dev libpq-dev
postgresql sqlite3 libxml2-dev libxml2-utils zlib1g-dev libarchive-dev libjansson-dev
libgmime-3.0-dev libcurl4-openssl-dev libmicrohttpd-dev dmarc-cat
postfix swaks miltertest python3-dnspython python3-yaml python3-spf
python3-authres python3-prometheus-client perl libmail-dkim-perl python3-dkim opendkim-tools libopendkim-dev spfquery valgrind openssl
libmail-dmarc-perl publicsuffix iproute2 jq
libwrap0 m4 sasl2-bin libsasl2-modules opendkim opendmarc"
top=$(cd "$(dirname "$0")/.." && pwd)
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
# node and npm may come from outside Debian's archive (NodeSource's
# nodejs package, which holds /usr/bin/npm too, would clash with Debian's
# npm package); install Debian's nodejs and npm only when there is no npm.
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -z "$missing" ]; then
	install_sendmail
	install_mailauth
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: run as root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Postfix must not configure or start a system mail service of its own.
echo "postfix postfix/main_mailer_type select No configuration" |
    debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
install_sendmail
install_mailauth
