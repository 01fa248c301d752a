#!/bin/sh
# NAME
#	package.sh - build the Debian package, install it, run it, purge it
# SYNOPSIS
#	sh t/package.sh			(as root, on Debian 12; .ci/run runs it)
# DESCRIPTION
#	Not part of make check: it installs a package on this machine.
#	It installs what building a package needs (debhelper, lintian),
#	copies the tree to a temporary directory and runs
#	"dpkg-buildpackage -us -uc -b" there, checks the result with
#	lintian (no error, no warning that debian/authmilter.lintian-overrides
#	does not explain), installs it with dpkg -i, and checks:
#	  - the programs, man pages, units and conffiles are there;
#	  - the system user and group authmilter, and the owners and modes
#	    of the key, state and socket directories;
#	  - "authmilter -n" passes on the installed configuration, as root
#	    and as authmilter, also with a signing key made by
#	    authmilter-keygen in /etc/authmilter/keys;
#	  - the daemon starts (systemctl when systemd is PID 1, else the
#	    unit's ExecStartPre and ExecStart run with the unit's User,
#	    Group and UMask, no capabilities, by setpriv), makes its socket
#	    in Postfix's chroot, answers a milter option negotiation there
#	    from the user postfix with only its own group (as Postfix's
#	    smtpd runs) and refuses the user nobody, signs a message that a
#	    throwaway Postfix (t/lib/milter.sh, smtpd as the user postfix)
#	    passes it on that socket, lives through a reload (SIGHUP) and
#	    stops;
#	  - dpkg -r keeps the configuration, dpkg --purge removes the
#	    conffiles, the report store and the socket directory, and keeps
#	    the key (and the user, as README.Debian says).
#	Whatever happens, it ends by stopping the daemon it started, purging
#	the package and removing the key, user and group it made, so the
#	machine is left as it was.  It refuses to run when authmilter is
#	already installed.
#	Output is TAP; the exit status is non-zero when a check failed.

SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
AUTHMILTER_SRCDIR=$SRCDIR
. "$SRCDIR/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"

PKG=authmilter
UNIT=/lib/systemd/system/authmilter.service
SOCK=/var/spool/postfix/authmilter/authmilter.sock
KEY=/etc/authmilter/keys/package-test.example.pkgtest.pem

[ "$(id -u)" -eq 0 ] || skip_all "needs root (installs a package)"
[ -f /etc/debian_version ] || skip_all "not a Debian system"
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -qv "not-installed"; then
	echo "Bail out! $PKG is installed on this machine; the package test" \
	    "installs and purges it (dpkg --purge $PKG if a run was cut short)"
	exit 1
fi

# ---- build ----
# every library configure.ac needs is a Build-Depends
for dep in $(sed -n 's/^AM_NEED(\[[^]]*\], *\[[^]]*\], *\[\([^]]*\)\]).*/\1/p' \
    "$SRCDIR/configure.ac"); do
	check "debian/control Build-Depends has $dep (configure.ac's AM_NEED)" \
	    grep -Eq "^[[:space:]]+$dep(,|$| )" "$SRCDIR/debian/control"
done
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends dpkg-dev debhelper \
    dh-autoreconf fakeroot lintian build-essential >"$tmpdir/apt.log" 2>&1 ||
    { cat "$tmpdir/apt.log"; echo "Bail out! cannot install debhelper, lintian"; exit 1; }
(cd "$SRCDIR" && apt-get build-dep -y -q ./) >"$tmpdir/apt.log" 2>&1 ||
    { cat "$tmpdir/apt.log"; echo "Bail out! cannot install the Build-Depends"; exit 1; }

mkdir "$tmpdir/src" "$tmpdir/src/$PKG"
if [ -d "$SRCDIR/.git" ] || [ -f "$SRCDIR/.git" ]; then
	# tracked and new files, none of the build trees .gitignore names
	(cd "$SRCDIR" && git ls-files -co --exclude-standard -z |
	    tar cf - --null --no-recursion -T -) | (cd "$tmpdir/src/$PKG" && tar xf -)
else
	(cd "$SRCDIR" && tar cf - --exclude='./build*' --exclude=./demo-tmp .) |
	    (cd "$tmpdir/src/$PKG" && tar xf -)
fi
t0=$(date +%s)
(cd "$tmpdir/src/$PKG" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=$(nproc)" \
    dpkg-buildpackage -us -uc -b) >"$tmpdir/build.log" 2>&1
if ! ok $? "dpkg-buildpackage -us -uc -b builds the package"; then
	tail -40 "$tmpdir/build.log" | sed 's/^/# /'
	exit 1
fi
diag "built in $(($(date +%s) - t0)) s"

version=$(cd "$tmpdir/src/$PKG" && dpkg-parsechangelog -S Version)
upstream=$(sed -n 's/^AC_INIT(\[authmilter\], \[\([^]]*\)\].*/\1/p' "$SRCDIR/configure.ac")
is "$version" "$upstream" "debian/changelog's version is configure.ac's ($upstream)"
deb=$tmpdir/src/${PKG}_${version}_amd64.deb
check "the package is ${PKG}_${version}_amd64.deb" test -f "$deb"
warnings=$(grep -ci 'warning' "$tmpdir/build.log")
is "$warnings" 0 "the build prints no compiler or debhelper warning"

chmod -R a+rX "$tmpdir"
lintian_out=$(cd "$tmpdir/src" && runuser -u nobody -- env HOME="$tmpdir" \
    lintian --fail-on error,warning --display-level '>=warning' \
    "${PKG}_${version}_amd64.changes" 2>&1)
ok $? "lintian: no error, no warning without an override" ||
    diag "$lintian_out"
diag "lintian done at $(($(date +%s) - t0)) s"

# ---- install ----
had_user=no
getent passwd authmilter >/dev/null && had_user=yes
at_exit "[ $had_user = yes ] || { deluser --system authmilter; delgroup --system authmilter; }"
at_exit "rm -f $KEY; rmdir /etc/authmilter/keys /etc/authmilter"
at_exit "dpkg --purge $PKG"
dpkg -i "$deb" >"$tmpdir/dpkg.log" 2>&1 ||
    apt-get install -f -y -q >>"$tmpdir/dpkg.log" 2>&1
dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "install ok installed"
ok $? "dpkg -i installs it" || { sed 's/^/# /' "$tmpdir/dpkg.log"; exit 1; }

# the programs Makefile.am installs (authmilter, -keygen, -report, -check...)
programs=$(sed -n '/^sbin_PROGRAMS/,/[^\\]$/p' "$SRCDIR/Makefile.am" |
    tr ' \t\\' '\n\n\n' | sed -n 's|^milter/||p')
for f in $programs; do
	check "/usr/sbin/$f is installed" test -x "/usr/sbin/$f"
done
for m in "$SRCDIR"/man/*.[1-8]; do
	b=$(basename "$m")
	check "man page $b is installed" test -f "/usr/share/man/man${b##*.}/$b.gz"
done
is "$(authmilter -V)" "authmilter $version" "authmilter -V names the package's version"
for u in "$UNIT" /lib/systemd/system/authmilter-report.service \
    /lib/systemd/system/authmilter-report.timer; do
	check "$u is installed" test -f "$u"
done
check "README.Debian is installed" \
    sh -c "test -f /usr/share/doc/$PKG/README.Debian.gz || test -f /usr/share/doc/$PKG/README.Debian"
check "the sample configuration is in examples/" \
    test -f /usr/share/doc/$PKG/examples/authmilter.conf
conffiles=$(dpkg-query -W -f='${Conffiles}\n' "$PKG" | awk 'NF { print $1 }' | sort | paste -sd' ' -)
is "$conffiles" "/etc/authmilter.conf /etc/authmilter/domains" \
    "the conffiles are /etc/authmilter.conf and /etc/authmilter/domains"

like "$(getent passwd authmilter)" '^authmilter:x:[0-9]+:[0-9]+:.*:/var/lib/authmilter:/usr/sbin/nologin$' \
    "the user authmilter exists, home /var/lib/authmilter, no login shell"
uid=$(id -u authmilter)
check "authmilter is a system user (uid $uid < 1000)" test "$uid" -lt 1000
is "$(id -gn authmilter)" authmilter "its group is authmilter"
is "$(stat -c '%U:%G %a' /etc/authmilter/keys)" "root:authmilter 750" \
    "/etc/authmilter/keys is root:authmilter 0750"
is "$(stat -c '%U:%G %a' /var/lib/authmilter)" "authmilter:authmilter 750" \
    "/var/lib/authmilter is authmilter:authmilter 0750"
if getent group postfix >/dev/null; then
	sockgroup=postfix sockmode=2750
else
	sockgroup=authmilter sockmode=750
fi
is "$(stat -c '%U:%G %a' "$(dirname $SOCK)")" "authmilter:$sockgroup $sockmode" \
    "the socket directory is authmilter:$sockgroup $sockmode"

like "$(grep '^Socket ' /etc/authmilter.conf)" " unix:$SOCK\$" \
    "authmilter.conf's Socket is inside Postfix's chroot"
out=$(authmilter -n -c /etc/authmilter.conf 2>&1)
ok $? "authmilter -n passes on the installed configuration" || diag "$out"
out=$(runuser -u authmilter -- authmilter -n -c /etc/authmilter.conf 2>&1)
ok $? "... and as the user authmilter" || diag "$out"

# a signing key as README.Debian makes one: the daemon's user reads it
# through the root:authmilter 0750 directory
authmilter-keygen -d package-test.example -s pkgtest -D /etc/authmilter/keys \
    >"$tmpdir/keygen.out" 2>&1 && chown authmilter "$KEY"
ok $? "authmilter-keygen makes a key in /etc/authmilter/keys" ||
    diag "$(cat "$tmpdir/keygen.out")"
printf 'package-test.example sign=pkgtest:%s\n' "$KEY" >>/etc/authmilter/domains
out=$(runuser -u authmilter -- authmilter -n -c /etc/authmilter.conf 2>&1)
ok $? "authmilter -n as authmilter passes with that key in the table" || diag "$out"
out=$(runuser -u nobody -- authmilter -n -c /etc/authmilter.conf 2>&1)
like "$out" "$KEY" "... and another user cannot read the key (the error names it)"

# ---- run ----
# optneg USER [GROUP-OPTION] - a milter option negotiation on the socket
# as USER with only its primary group, as Postfix's daemons run; 0 when
# the answer is the milter's own option negotiation
optneg() {
	setpriv --reuid="$1" --regid="$(id -g "$1")" --clear-groups -- \
	    "$PYTHON" -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(struct.pack(">IcIII", 13, b"O", 6, 0x1ff, 0))
head = s.recv(5)
sys.exit(0 if len(head) == 5 and head[4:5] == b"O" else 1)
' "$SOCK" 2>/dev/null
}

# stop_daemon PID - SIGTERM, then wait for it to finish the messages in
# flight (up to 60 s, authmilter(8)); the exit cleanup uses it too, so
# that the user is not removed under a running process
stop_daemon() {
	kill -TERM "$1" 2>/dev/null || return 0
	_sd_i=0
	while kill -0 "$1" 2>/dev/null && [ $_sd_i -lt 700 ]; do
		sleep 0.1
		_sd_i=$((_sd_i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

pid=
if [ -d /run/systemd/system ]; then
	how=systemctl
	at_exit "systemctl stop authmilter"
	# postinst started it before the key was in the table: restart
	systemctl restart authmilter
	ok $? "systemctl restart authmilter" ||
	    diag "$(systemctl status authmilter 2>&1)"
	pid=$(systemctl show -p MainPID --value authmilter)
else
	how="the unit's command line"
	user=$(sed -n 's/^User=//p' "$UNIT")
	group=$(sed -n 's/^Group=//p' "$UNIT")
	um=$(sed -n 's/^UMask=//p' "$UNIT")
	pre=$(sed -n 's/^ExecStartPre=//p' "$UNIT")
	start=$(sed -n 's/^ExecStart=//p' "$UNIT")
	pidfile=$(sed -n 's/^PIDFile=//p' "$UNIT")
	rundir=/run/$(sed -n 's/^RuntimeDirectory=//p' "$UNIT")
	rundirmode=$(sed -n 's/^RuntimeDirectoryMode=//p' "$UNIT")
	is "$user:$group" "authmilter:authmilter" "the unit runs as authmilter:authmilter"
	at_exit "rm -rf $rundir"
	install -d -o "$user" -g "$group" -m "$rundirmode" "$rundir"
	asuser="setpriv --reuid=$user --regid=$group --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all --"
	sh -c "umask $um && exec $asuser $pre" >"$tmpdir/pre.log" 2>&1
	ok $? "ExecStartPre ($pre) passes as $user" || diag "$(cat "$tmpdir/pre.log")"
	at_exit "stop_daemon \"\$(cat $pidfile 2>/dev/null)\""
	sh -c "umask $um && exec $asuser $start" >"$tmpdir/start.log" 2>&1
	ok $? "ExecStart ($start) starts as $user" || diag "$(cat "$tmpdir/start.log")"
	# Type=forking: the pid file comes from the child, as systemd waits for it
	i=0
	while [ ! -s "$pidfile" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	pid=$(cat "$pidfile" 2>/dev/null)
fi
check "the daemon runs ($how), pid ${pid:-none}" kill -0 "${pid:-0}"
is "$(ps -o user= -p "${pid:-0}" 2>/dev/null)" authmilter "... as the user authmilter"
is "$(awk '/^CapEff:/ { print $2 }' "/proc/${pid:-0}/status" 2>/dev/null)" \
    0000000000000000 "... with no capability"
check "its socket $SOCK appears" test -S "$SOCK"
is "$(stat -c '%U:%G %a' "$SOCK" 2>/dev/null)" "authmilter:$sockgroup 770" \
    "the socket is authmilter:$sockgroup, mode 0770 (UMask 007)"
if [ "$sockgroup" = postfix ]; then
	check "the user postfix (group postfix only) talks milter on it" optneg postfix
fi
optneg nobody
isnt=$?
check "the user nobody cannot connect" test "$isnt" -ne 0

# a real Postfix (t/lib/milter.sh's, its smtpd running as postfix) with
# smtpd_milters on the installed socket: mail from 127.0.0.1 (the
# default InternalHosts, so outbound: no DNS) comes out signed with the
# key made above, read by the daemon through the keys directory
if [ "$sockgroup" = postfix ] && command -v swaks >/dev/null; then
	AM_SOCK=$SOCK
	check "a throwaway Postfix starts with smtpd_milters = unix:$SOCK" start_postfix
	swaks --server "127.0.0.1:$PF_INBOUND" --from user@package-test.example \
	    --to sink@example.net --header "From: <user@package-test.example>" \
	    --add-header "X-Test-Tag: pkg" --body "package test" \
	    >"$tmpdir/swaks.out" 2>&1
	ok $? "swaks hands Postfix a message" || diag "$(cat "$tmpdir/swaks.out")"
	f=$(message_file pkg)
	sig=$(sed -n '/^DKIM-Signature:/,/^[^ 	]/p' "$f" 2>/dev/null | tr -d ' \t\n')
	like "$sig" "d=package-test\.example;" "it is delivered DKIM-signed for package-test.example"
	like "$sig" "s=pkgtest;" "... with the key's selector" ||
	    diag "$(cat "$PF_DIR/maillog" 2>/dev/null)"
fi

if [ "$how" = systemctl ]; then
	systemctl reload authmilter
else
	kill -HUP "$pid"
fi
# give the signal time to be handled; the checks below assert no speed
sleep 1
check "after a reload (SIGHUP) it still runs" kill -0 "$pid"
check "... and answers on its socket" optneg root

if [ "$how" = systemctl ]; then
	systemctl stop authmilter
	check "systemctl stop stops it" sh -c "! kill -0 $pid 2>/dev/null"
else
	check "SIGTERM stops it" stop_daemon "$pid"
fi
if [ "$how" != systemctl ]; then
	check "it removed its pid file" test ! -e "$pidfile"
fi

# ---- upgrade (the same version again) ----
dpkg -i "$deb" >"$tmpdir/dpkg.log" 2>&1
ok $? "dpkg -i over the installed package (as an upgrade runs)" ||
    diag "$(cat "$tmpdir/dpkg.log")"
check "upgrade: the admin's change to the domains table is kept" \
    grep -q '^package-test.example sign=' /etc/authmilter/domains
is "$(stat -c '%U:%G %a' /etc/authmilter/keys)" "root:authmilter 750" \
    "upgrade: /etc/authmilter/keys is still root:authmilter 0750"
is "$(stat -c '%U %a' "$KEY" 2>/dev/null)" "authmilter 600" "upgrade: the key is untouched"
[ "$how" = systemctl ] && systemctl stop authmilter

# ---- remove and purge ----
dpkg -r "$PKG" >"$tmpdir/dpkg.log" 2>&1
ok $? "dpkg -r removes it" || diag "$(cat "$tmpdir/dpkg.log")"
check "remove: the programs are gone" test ! -e /usr/sbin/authmilter
check "remove: the conffiles are kept" test -f /etc/authmilter.conf -a -f /etc/authmilter/domains
check "remove: the report store directory is kept" test -d /var/lib/authmilter

dpkg --purge "$PKG" >"$tmpdir/dpkg.log" 2>&1
ok $? "dpkg --purge purges it" || diag "$(cat "$tmpdir/dpkg.log")"
check "purge: /etc/authmilter.conf is gone" test ! -e /etc/authmilter.conf
check "purge: /etc/authmilter/domains is gone" test ! -e /etc/authmilter/domains
check "purge: /var/lib/authmilter is gone" test ! -e /var/lib/authmilter
check "purge: the socket directory is gone" test ! -e "$(dirname $SOCK)"
check "purge: the unit is gone" test ! -e "$UNIT"
check "purge: the signing key is kept" test -f "$KEY"
is "$(stat -c '%U %a' "$KEY" 2>/dev/null)" "authmilter 600" "... with its owner and mode"
check "purge: the user authmilter is kept (README.Debian)" \
    sh -c 'getent passwd authmilter >/dev/null'
like "$(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null)" '^$|not-installed$' \
    "dpkg lists the package as not installed"

done_testing
