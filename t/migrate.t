#!/bin/sh
# migrate.t - authmilter-migrate (issue 12): Debian's own OpenDKIM and
# OpenDMARC configurations and realistic ones with several domains,
# wildcards and subdomains become an authmilter.conf and a domains table
# that pass authmilter -n; a message signed through Debian's opendkim
# with the old configuration and through authmilter with the migrated
# one carries the same d= and s= for every sender domain of the tables;
# a configuration that cannot be carried over whole gives exactly the
# expected warnings; no file is overwritten without --force.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"

MIG="$BUILDDIR/milter/authmilter-migrate"
AM="$BUILDDIR/milter/authmilter"
DATA="$SRCDIR/t/data/migrate"
KEYS="$tmpdir/keys"

[ -x "$MIG" ] || skip_all "authmilter-migrate not built"
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"

# the signing comparison runs Debian's opendkim as user opendkim
chmod 755 "$tmpdir"
mkdir -m 755 "$KEYS"

# genkey FILE... - an RSA key each, of $BITS bits (1024: quick, and
# enough)
BITS=1024
genkey() {
	for f in "$@"; do
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:$BITS \
		    -out "$KEYS/$f" 2>/dev/null || return 1
		chmod 600 "$KEYS/$f"
	done
}
genkey example.com.pem example.com.2027.pem sub.example.com.pem \
    example.org.pem example.net.rsa.pem shop.example.net.pem ||
    skip_all "openssl cannot make RSA keys"

# install_case NAME - t/data/migrate/NAME into $tmpdir/NAME, with @TMP@
# and @KEYS@ filled in
install_case() {
	mkdir -p "$tmpdir/$1"
	for f in "$DATA/$1"/*; do
		sed -e "s#@TMP@#$tmpdir/$1#g" -e "s#@KEYS@#$KEYS#g" "$f" \
		    > "$tmpdir/$1/${f##*/}"
	done
}

# migrate NAME ARGS... - run authmilter-migrate --out $tmpdir/NAME.out;
# rc, and the output in $tmpdir/NAME.err (stderr) and NAME.std (stdout)
migrate() {
	name=$1
	shift
	"$MIG" "$@" --out "$tmpdir/$name.out" > "$tmpdir/$name.std" \
	    2> "$tmpdir/$name.err"
	rc=$?
}

# passes_n NAME WHAT - authmilter -n accepts the migrated configuration
passes_n() {
	if "$AM" -n -c "$tmpdir/$1.out/authmilter.conf" \
	    > "$tmpdir/$1.n" 2>&1; then
		ok 0 "$2: the result passes authmilter -n"
	else
		ok 1 "$2: the result passes authmilter -n"
		diag "$(cat "$tmpdir/$1.n")"
	fi
}

# same_file GOT EXPECTED NAME - the files are equal (a diff on failure)
same_file() {
	if diff -u "$2" "$1" > "$tmpdir/diff" 2>&1; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "$(cat "$tmpdir/diff")"
	fi
}

# expected NAME FILE - t/data/migrate/NAME/FILE with @TMP@, @KEYS@ and
# @OUT@ filled in
expected() {
	sed -e "s#@TMP@#$tmpdir/$1#g" -e "s#@KEYS@#$KEYS#g" \
	    -e "s#@OUT@#$tmpdir/$1.out#g" "$DATA/$1/$2"
}

# ---- Debian's own configurations ----
if [ -f /etc/opendkim.conf ] && [ -f /etc/opendmarc.conf ]; then
	migrate debian --opendkim /etc/opendkim.conf \
	    --opendmarc /etc/opendmarc.conf
	is "$rc" 0 "Debian's /etc/opendkim.conf and /etc/opendmarc.conf: exit 0"
	passes_n debian "Debian's /etc files"
	conf="$tmpdir/debian.out/authmilter.conf"
	sock=$(sed -n 's/^Socket[[:space:]]*//p' /etc/opendkim.conf)
	like "$(grep '^Socket' "$conf")" "^Socket	$sock\$" \
	    "Debian's: OpenDKIM's socket is authmilter's"
	dmsock=$(sed -n 's/^Socket[[:space:]]*//p' /etc/opendmarc.conf)
	line=$(grep -n '^Socket' /etc/opendmarc.conf | cut -d: -f1)
	like "$(cat "$tmpdir/debian.err")" \
	    "/etc/opendmarc.conf:$line: Socket: authmilter is one milter on one socket, OpenDKIM's \($sock\): remove $dmsock from the MTA's milter list" \
	    "Debian's: OpenDMARC's socket is to go from smtpd_milters"
	line=$(grep -n '^TrustAnchorFile' /etc/opendkim.conf | cut -d: -f1)
	[ -z "$line" ] || like "$(cat "$tmpdir/debian.err")" \
	    "/etc/opendkim.conf:$line: TrustAnchorFile: authmilter does not validate DNSSEC itself" \
	    "Debian's: TrustAnchorFile is named as not carried over"
	unlike "$(grep -Ev '^/etc/opendk?i?m?a?r?c?\.conf(:[0-9]+)?: [A-Za-z]+: |^authmilter-migrate: [0-9]+ settings? not carried' "$tmpdir/debian.err")" \
	    "." "Debian's: every warning names file, line and keyword"
else
	diag "no /etc/opendkim.conf or /etc/opendmarc.conf: Debian's skipped"
fi

EX=/usr/share/doc/opendkim/examples
if [ -f "$EX/opendkim.conf.sample" ]; then
	migrate sample --opendkim "$EX/opendkim.conf.sample"
	is "$rc" 0 "Debian's opendkim.conf.sample: exit 0"
	passes_n sample "opendkim.conf.sample"
	ln=$(grep -n '^Socket' "$EX/opendkim.conf.sample" | cut -d: -f1)
	kf=$(sed -n 's/^KeyFile[[:space:]]*//p' "$EX/opendkim.conf.sample")
	kl=$(grep -n '^KeyFile' "$EX/opendkim.conf.sample" | cut -d: -f1)
	printf '%s\n' \
	    "$EX/opendkim.conf.sample:$ln: Socket: 'inet:port@localhost' has no port number: not carried over (authmilter listens on unix:/run/authmilter/authmilter.sock)" \
	    "$EX/opendkim.conf.sample:$kl: KeyFile: key file $kf: No such file or directory: not carried over; make the key readable and run again" \
	    "authmilter-migrate: 2 settings not carried over as they were (above): read each before starting authmilter" \
	    > "$tmpdir/sample.want"
	same_file "$tmpdir/sample.err" "$tmpdir/sample.want" \
	    "opendkim.conf.sample: exactly the port-less socket and the missing key"
	for f in opendkim.conf.simple opendkim.conf.simple-verify; do
		[ -f "$EX/$f" ] || continue
		migrate "$f" --opendkim "$EX/$f"
		is "$rc" 0 "Debian's $f: exit 0"
		passes_n "$f" "$f"
	done
	grep -q '^DKIMSign	no' "$tmpdir/opendkim.conf.simple-verify.out/authmilter.conf"
	ok $? "opendkim.conf.simple-verify: Mode v is DKIMSign no"
	like "$(cat "$tmpdir/opendkim.conf.simple.err")" \
	    "opendkim.conf.simple:[0-9]*: SendReports: authmilter sends no DKIM failure reports" \
	    "opendkim.conf.simple: SendReports named as not carried over"
else
	diag "no $EX/opendkim.conf.sample: Debian's samples skipped"
fi
DM=/usr/share/doc/opendmarc/opendmarc.conf.sample.gz
if [ -f "$DM" ]; then
	gzip -dc "$DM" > "$tmpdir/opendmarc.conf.sample"
	migrate dmsample --opendmarc "$tmpdir/opendmarc.conf.sample"
	is "$rc" 0 "Debian's opendmarc.conf.sample: exit 0"
	passes_n dmsample "opendmarc.conf.sample"
	grep -q '^\*	dmarc=monitor' "$tmpdir/dmsample.out/domains"
	ok $? "opendmarc.conf.sample (RejectFailures unset): * dmarc=monitor"
fi

# ---- several domains, wildcards, subdomains ----
install_case multi
migrate multi --opendkim "$tmpdir/multi/opendkim.conf" \
    --opendmarc "$tmpdir/multi/opendmarc.conf"
is "$rc" 0 "several domains: exit 0"
passes_n multi "several domains"
expected multi expected > "$tmpdir/multi.want"
same_file "$tmpdir/multi.err" "$tmpdir/multi.want" \
    "several domains: exactly the expected warnings"
expected multi expected-domains > "$tmpdir/multi.dwant"
same_file "$tmpdir/multi.out/domains" "$tmpdir/multi.dwant" \
    "several domains: the domains table"
expected multi expected-conf > "$tmpdir/multi.cwant"
same_file "$tmpdir/multi.out/authmilter.conf" "$tmpdir/multi.cwant" \
    "several domains: the authmilter.conf"

# ---- never over an existing file, unless --force ----
cp "$tmpdir/multi.out/domains" "$tmpdir/domains.before"
echo "# edited" >> "$tmpdir/multi.out/authmilter.conf"
migrate multi --opendkim "$tmpdir/multi/opendkim.conf"
is "$rc" 1 "output exists: exit 1"
like "$(cat "$tmpdir/multi.err")" \
    "authmilter-migrate: $tmpdir/multi.out/authmilter.conf already exists: not overwriting it \(use --force, or another --out\)" \
    "output exists: says so and names --force"
like "$(tail -1 "$tmpdir/multi.out/authmilter.conf")" "^# edited\$" \
    "output exists: the existing authmilter.conf is untouched"
migrate multi --opendkim "$tmpdir/multi/opendkim.conf" \
    --opendmarc "$tmpdir/multi/opendmarc.conf" --force
is "$rc" 0 "--force: exit 0"
same_file "$tmpdir/multi.out/authmilter.conf" "$tmpdir/multi.cwant" \
    "--force: the authmilter.conf is written anew"

# ---- a configuration that cannot be carried over whole ----
install_case partial
BITS=2048 genkey partial-main.pem partial-mail.pem partial-relay.pem
genkey partial-small.pem	# under the configuration's MinimumKeyBits
migrate partial --opendkim "$tmpdir/partial/opendkim.conf" \
    --opendmarc "$tmpdir/partial/opendmarc.conf"
is "$rc" 0 "partial: exit 0 (warnings are not errors)"
passes_n partial "partial"
expected partial expected > "$tmpdir/partial.want"
same_file "$tmpdir/partial.err" "$tmpdir/partial.want" \
    "partial: exactly the expected warnings"
expected partial expected-domains > "$tmpdir/partial.dwant"
same_file "$tmpdir/partial.out/domains" "$tmpdir/partial.dwant" \
    "partial: the domains table (sign=none where OpenDKIM signed otherwise)"

# ---- csl: and file: data sets, Include, Domain/Selector/KeyFile ----
install_case sets
migrate sets --opendkim "$tmpdir/sets/opendkim.conf"
is "$rc" 0 "data sets: exit 0"
passes_n sets "data sets"
expected sets expected-domains > "$tmpdir/sets.dwant"
same_file "$tmpdir/sets.out/domains" "$tmpdir/sets.dwant" \
    "data sets: the domains table"
expected sets expected > "$tmpdir/sets.want"
same_file "$tmpdir/sets.err" "$tmpdir/sets.want" \
    "data sets: exactly the expected warnings"

# ---- Domain, Selector and KeyFile: one key for the listed domains ----
install_case single
migrate single --opendkim "$tmpdir/single/opendkim.conf"
is "$rc" 0 "one key: exit 0"
passes_n single "one key"
expected single expected-domains > "$tmpdir/single.dwant"
same_file "$tmpdir/single.out/domains" "$tmpdir/single.dwant" \
    "one key: the domains table"
expected single expected > "$tmpdir/single.want"
same_file "$tmpdir/single.err" "$tmpdir/single.want" \
    "one key: exactly the expected warnings (SubDomains)"

# ---- a key authmilter would refuse: said, and the check fails ----
install_case sets
chmod 640 "$KEYS/example.org.pem"
migrate unsafe --opendkim "$tmpdir/sets/opendkim.conf"
chmod 600 "$KEYS/example.org.pem"
is "$rc" 1 "a key readable by its group: exit 1"
like "$(cat "$tmpdir/unsafe.err")" \
    "key file $KEYS/example.org.pem has mode 0640: authmilter refuses a key that group or others may use \(RequireSafeKeys\); chmod 600 it" \
    "a key readable by its group: warned with the fix"
like "$(cat "$tmpdir/unsafe.err")" \
    "unsafe.out/authmilter.conf does not pass authmilter -n" \
    "a key readable by its group: the authmilter -n failure is reported"

# ---- signing: OpenDKIM with the old tables, authmilter with the new ----
# sigs SOCKET FROM - "d=D s=S" of each DKIM-Signature the milter adds to
# an authenticated message from FROM, sorted
sigs() {
	cat > "$tmpdir/sig.lua" <<LUA
conn = mt.connect("$1", 40, 0.25)
if conn == nil then error("cannot connect to $1") end
mt.conninfo(conn, "localhost", "127.0.0.1")
pcall(mt.helo, conn, "localhost")
mt.macro(conn, SMFIC_MAIL, "{auth_type}", "PLAIN", "{auth_authen}", "t")
pcall(mt.mailfrom, conn, "<$2>")
pcall(mt.rcptto, conn, "<rcpt@dest.example>")
mt.header(conn, "From", "Tester <$2>")
mt.header(conn, "To", "rcpt@dest.example")
mt.header(conn, "Subject", "migration")
mt.header(conn, "Date", "Sat, 05 Dec 2026 12:00:00 +0000")
mt.header(conn, "Message-ID", "<migrate@test>")
mt.eoh(conn)
mt.bodystring(conn, "hello\r\n")
mt.eom(conn)
local i = 0
while true do
	local h = mt.getheader(conn, "DKIM-Signature", i)
	if h == nil then break end
	h = ";" .. h:gsub("%s+", "")
	print("d=" .. (h:match(";d=([^;]*)") or "?") .. " s=" ..
	    (h:match(";s=([^;]*)") or "?"))
	i = i + 1
end
mt.disconnect(conn)
LUA
	miltertest -s "$tmpdir/sig.lua" 2>&1 | sort | tr '\n' ' '
}

# wait_socket PATH - until a UNIX socket is there (10 s at most)
wait_socket() {
	i=0
	while [ ! -S "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$1" ]
}

# compare NAME FROM=OLD[|NEW]... - a message from FROM through Debian's
# opendkim with the old configuration (with RequireSafeKeys false: the
# keys are under /tmp, which its directory check refuses) gets the
# signatures OLD; through authmilter with the migrated one, the same, or
# NEW where the migration warned that it cannot do the same
compare() {
	name=$1
	shift
	run="$tmpdir/$name/run"
	mkdir -p "$run"
	chown opendkim:opendkim "$run" "$KEYS"/*.pem
	{ cat "$tmpdir/$name/opendkim.conf"; echo "RequireSafeKeys false"; } \
	    > "$run/odk.conf"
	rm -f "$run/opendkim.sock"
	opendkim -f -x "$run/odk.conf" -p "local:$run/opendkim.sock" \
	    2> "$tmpdir/$name.odk" &
	opid=$!
	at_exit "kill $opid 2>/dev/null"
	if ! wait_socket "$run/opendkim.sock"; then
		ok 1 "$name: opendkim started"
		diag "$(cat "$tmpdir/$name.odk")"
		chown root:root "$KEYS"/*.pem
		return
	fi
	for pair in "$@"; do
		from=${pair%%=*}
		eval "old_$(echo "$from" | tr -c 'a-z0-9\n' _)=\"\$(sigs unix:$run/opendkim.sock $from)\""
	done
	kill $opid
	wait $opid 2>/dev/null
	chown root:root "$KEYS"/*.pem
	"$AM" -f -c "$tmpdir/$name.out/authmilter.conf" -p "unix:$run/am.sock" \
	    2> "$tmpdir/$name.am" &
	apid=$!
	at_exit "kill $apid 2>/dev/null"
	if ! wait_socket "$run/am.sock"; then
		ok 1 "$name: authmilter started"
		diag "$(cat "$tmpdir/$name.am")"
		return
	fi
	for pair in "$@"; do
		from=${pair%%=*}
		want=${pair#*=}
		eval "old=\$old_$(echo "$from" | tr -c 'a-z0-9\n' _)"
		new=$(sigs "unix:$run/am.sock" "$from")
		case $want in
		*"|"*)
			is "$old" "${want%%|*}" "$name: OpenDKIM signs mail from $from: ${want%%|*}"
			is "$new" "${want#*|}" "$name: authmilter, migrated with a warning, signs it: ${want#*|}" ;;
		*)
			is "$old" "$want" "$name: OpenDKIM signs mail from $from: ${want:-not signed}"
			is "$new" "$old" "$name: authmilter, migrated, signs it the same" ;;
		esac
	done
	kill $apid
	wait $apid 2>/dev/null
}

if ! command -v opendkim >/dev/null 2>&1 ||
    ! command -v miltertest >/dev/null 2>&1 ||
    ! id opendkim >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
	diag "no opendkim, miltertest, user opendkim or root: signing comparison skipped"
else
	compare multi \
	    "a@example.com=d=example.com s=s2026 " \
	    "b@mail.example.com=d=mail.example.com s=sub2026 " \
	    "c@deep.x.example.com=d=deep.x.example.com s=sub2026 " \
	    "d@example.org=d=example.org s=sorg " \
	    "e@example.net=d=example.net s=rsa " \
	    "f@shop.example.net=d=shop.example.net s=shop1 " \
	    "g@sub.example.org=" \
	    "h@other.test="
	install_case multi-ms
	migrate multi-ms --opendkim "$tmpdir/multi-ms/opendkim.conf"
	is "$rc" 0 "MultipleSignatures: exit 0"
	passes_n multi-ms "MultipleSignatures"
	compare multi-ms \
	    "a@example.com=d=example.com s=s2026 d=example.com s=s2027 " \
	    "b@mail.example.com=d=mail.example.com s=sub2026 " \
	    "h@other.test="
	# exact lookups (file:, csl:), a % key name, a .parent rule
	install_case sets
	compare sets \
	    "a@example.org=d=example.org s=org1 " \
	    "alice@example.org=d=example.org s=org1 " \
	    "b@example.net=d=example.net s=net " \
	    "c@example.com=d=example.com s=s9 " \
	    "d@sub.example.org=d=example.org s=org1 |" \
	    "e@other.test="
	# what could not be carried over is not signed, or signed as the
	# domain's rule says, never with another domain's key
	compare partial \
	    "a@example.com=d=example.com s=main " \
	    "alice@example.com=d=example.com s=alice |d=example.com s=main " \
	    "b@mail.example.com=d=example.com s=main |" \
	    "c@example.net=d=example.com s=main |" \
	    "d@other.test=d=relay.example.net s=relay |" \
	    "e@small.example="
fi

done_testing
