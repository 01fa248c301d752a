#!/bin/sh
# install-deps.sh - install what building and testing authmilter needs,
# from Debian 12's packages.  Run as root; quiet when all is present.
set -e
PKGS="autoconf automake libtool pkg-config make gcc clang
libmilter-dev libldns-dev libopendkim-dev libssl-dev libsqlite3-dev
postfix swaks miltertest python3-dnspython python3-yaml python3-spf
python3-authres perl libmail-dkim-perl python3-dkim opendkim-tools valgrind openssl"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
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
