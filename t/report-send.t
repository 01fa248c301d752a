#!/bin/sh
# report-send.t - issue 10, sending: authmilter-report send mails one
# DKIM-signed aggregate report per policy domain and UTC day to the
# destinations its rua may be sent to, exactly once: --dry-run writes the
# .xml.gz and .eml with RFC 9990's names and Subject and claims nothing;
# the default period is the last complete UTC day plus earlier days
# still owed; a second run sends nothing; a failed sendmail is retried by
# the next run with the same report ID; external destinations need their
# _report._dmarc record (a wildcard serves); ReportEmail is never a
# destination; ReportSkip and ReportMaxMails hold; prune keeps the rows
# of a report still owed; two runs at once on one PostgreSQL send one
# mail per domain.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"
. "$SRCDIR/t/lib/pg.sh"

command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 not installed"
ROWS=$BUILDDIR/t/report-rows
REPORT=$BUILDDIR/milter/authmilter-report
[ -x "$ROWS" ] || skip_all "t/report-rows not built"

# ---- the signing key of ReportEmail's domain, and the DNS ----
mkdir -m 700 "$tmpdir/keys"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$tmpdir/keys/rsa.pem" 2>/dev/null
chmod 600 "$tmpdir/keys/rsa.pem"
zone_txt rsa._domainkey.mx.example.net \
    "v=DKIM1; k=rsa; p=$(dkim_pubkey "$tmpdir/keys/rsa.pem")" > "$tmpdir/keys.yml"
start_dns "$SRCDIR/t/data/zones/report-send.yml" "$tmpdir/keys.yml" || exit 1
printf 'mx.example.net  sign=rsa:%s\n' "$tmpdir/keys/rsa.pem" > "$tmpdir/domains"

# ---- a sendmail that keeps what it is given; fails while $tmpdir/fail exists
mkdir "$tmpdir/out"
cat > "$tmpdir/sendmail" <<EOF
#!/bin/sh
f=\$(mktemp "$tmpdir/out/mail.XXXXXX")
printf '%s\n' "\$@" > "\$f.args"
cat > "\$f"
[ -e "$tmpdir/fail" ] && exit 75
exit 0
EOF
chmod 755 "$tmpdir/sendmail"

# conf FILE STORE [LINES...] - a configuration for send
conf() {
	f=$1
	s=$2
	shift 2
	write_config "$f" "DMARCReports yes" "ReportStore $s" \
	    "ReportEmail reports@mx.example.net" "Domains $tmpdir/domains" \
	    "ReportSendmail $tmpdir/sendmail" "ReportSkip skip.example" "$@"
}

NOW=$(date -u +%s)
TODAY=$((NOW / 86400 * 86400))
Y1=$((TODAY - 86400))		# yesterday, the default period
Y2=$((TODAY - 2 * 86400))	# the day before, owed too
DAY1=$(date -u -d "@$Y1" +%Y-%m-%d)
DAY2=$(date -u -d "@$Y2" +%Y-%m-%d)

# rows START DOMAIN RUA N - N history rows of DOMAIN from START on
rows() {
	i=0
	while [ "$i" -lt "$4" ]; do
		printf '%s\tmx.example.net\t192.0.2.%s\t%s\t%s\t%s\tnone\tfail\tnone\tfail\tfail\t%s\n' \
		    $(($1 + 3600 + i)) $((i + 1)) "$2" "$2" "$2" "$3"
		i=$((i + 1))
	done
}
HEAD='t	reporter	source_ip	header_from	envelope_from	policy_domain	p	dmarc	disposition	dkim_eval	spf_eval	rua'

# the rows of one day for every test domain
day_rows() {
	rows "$1" rep.example "mailto:dmarc@rep.example!10m" 3
	rows "$1" ext.example "mailto:agg@collector.example" 1
	rows "$1" wild.example "mailto:agg@wildcard.example" 1
	rows "$1" bad.example "mailto:agg@unauth.example" 1
	rows "$1" mix.example "mailto:a@mix.example, mailto:b@unauth.example,https://x.example/r" 1
	rows "$1" skip.example "mailto:d@skip.example" 1
	rows "$1" loop.example "mailto:reports@mx.example.net" 1
	rows "$1" norua.example "" 1
	rows "$1" "../evil.example" "mailto:d@evil.example" 1
}

# mailinfo FILE - what a report mail holds, one "key=value" a line
mailinfo() {
	"$PYTHON" - "$1" <<'EOF'
import email, email.policy, gzip, re, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'),
                                   policy=email.policy.default)
print('subject=%s' % m['Subject'])
print('from=%s' % m['From'])
print('to=%s' % m['To'])
print('auto=%s' % m['Auto-Submitted'])
for part in m.walk():
    if part.get_content_type() == 'application/gzip':
        print('filename=%s' % part.get_filename())
        print('cte=%s' % part['Content-Transfer-Encoding'])
        xml = gzip.decompress(part.get_payload(decode=True)).decode()
        r = re.search(r'<report_id>([^<]*)</report_id>', xml)
        print('xml_id=%s' % (r.group(1) if r else ''))
EOF
}

# mails - the mails the fake sendmail got
mails() {
	ls "$tmpdir/out" | grep -v '\.args$' | sed "s|^|$tmpdir/out/|"
}

# mail_for DOMAIN [BEGIN] - the mails about DOMAIN (and period BEGIN)
mail_for() {
	for m in $(mails); do
		grep -q "^Subject: Report Domain: $1 " "$m" || continue
		[ -z "$2" ] || mailinfo "$m" | grep "^filename=.*!$1!$2!" \
		    >/dev/null || continue
		echo "$m"
	done
}

# report_id FILE - the Report-ID of a mail's Subject
report_id() {
	mailinfo "$1" | sed -n 's/^subject=.*Report-ID: //p'
}

DB="$tmpdir/reports.db"
conf "$tmpdir/a.conf" "sqlite:$DB"
{ echo "$HEAD"; day_rows "$Y1"; day_rows "$Y2"; rows "$TODAY" rep.example \
    "mailto:dmarc@rep.example" 1; } | "$ROWS" "sqlite:$DB"
ok $? "rows inserted through report_history_insert"

# ---- --dry-run: files named as RFC 9990 says, nothing sent or claimed ----
mkdir "$tmpdir/dry"
"$REPORT" send -c "$tmpdir/a.conf" --day "$DAY1" --dry-run "$tmpdir/dry" \
    > "$tmpdir/dry.log" 2>&1
ok $? "send --dry-run exits 0"
gz=$(ls "$tmpdir/dry" | grep '!rep\.example!' | grep '\.xml\.gz$')
like "$gz" "^mx\.example\.net!rep\.example!$Y1!$((Y1 + 86399))![0-9a-z]{32}\.xml\.gz$" \
    "dry run: receiver!policy-domain!begin!end!id.xml.gz"
id=$(printf '%s' "$gz" | sed 's/.*!\([0-9a-z]*\)\.xml\.gz$/\1/')
eml="$tmpdir/dry/${gz%.xml.gz}.eml"
check "dry run: the .eml beside it" test -s "$eml"
info=$(mailinfo "$eml")
like "$info" "^subject=Report Domain: rep\.example Submitter: mx\.example\.net Report-ID: $id$" \
    "dry run: RFC 9990's Subject, the file's ID"
like "$info" "^filename=$gz$" "dry run: the attachment carries the file name"
like "$info" "^xml_id=$id$" "dry run: the report's own ID is the same"
like "$info" "^cte=base64$" "dry run: the attachment is base64"
like "$info" "^to=dmarc@rep\.example$" "dry run: To is the rua address (!size ignored)"
like "$info" "^auto=auto-generated$" "dry run: Auto-Submitted: auto-generated"
is "$(zcat "$tmpdir/dry/$gz" | grep -c "<report_id>$id</report_id>")" 1 \
    "dry run: the .xml.gz is the report, gzipped"
is "$(zcat "$tmpdir/dry/$gz" | sed -n 's/.*<count>\([0-9]*\)<\/count>.*/\1/p' | awk "{ s += \$1 } END { print s }")" 3 \
    "dry run: the report counts the three messages of the day"
like "$(zcat "$tmpdir/dry/$gz" | tr -d ' \n')" "<date_range><begin>$Y1</begin><end>$((Y1 + 86399))</end></date_range>" \
    "dry run: the report's date range is the UTC day"
if command -v xmllint >/dev/null 2>&1; then
	zcat "$tmpdir/dry/$gz" > "$tmpdir/dry.xml"
	check "dry run: the report passes xmllint against the RFC 9990 schema" \
	    xmllint --noout --schema "$SRCDIR/t/data/report/dmarc-2.0.xsd" \
	    "$tmpdir/dry.xml" 2>/dev/null
else
	ok 0 "xmllint # SKIP xmllint not installed"
fi
like "$(cat "$tmpdir/dry.log")" 'policy domain "\.\./evil\.example" skipped: not a host name' \
    "a policy domain that is no host name is skipped (it would name a file)"
is "$(find "$tmpdir" -name '*evil*' | wc -l)" 0 "... and no file has its name"
is "$(mails | wc -l)" 0 "dry run: nothing handed to sendmail"
is "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM report_claim')" 0 \
    "dry run: nothing claimed"

# the periods are UTC days whatever the local time zone
mkdir "$tmpdir/dry-tz"
TZ=Pacific/Kiritimati "$REPORT" send -c "$tmpdir/a.conf" --day "$DAY1" \
    --domain REP.example --dry-run "$tmpdir/dry-tz" > /dev/null 2>&1
like "$(ls "$tmpdir/dry-tz")" "^mx\.example\.net!rep\.example!$Y1!$((Y1 + 86399))!" \
    "dry run in UTC+14 with --domain: the same UTC day, that domain only"
is "$(ls "$tmpdir/dry-tz" | wc -l)" 2 "... one report, one mail"

# ---- a failing sendmail: the report stays owed, same ID next time ----
touch "$tmpdir/fail"
"$REPORT" send -c "$tmpdir/a.conf" --day "$DAY2" > "$tmpdir/fail.log" 2>&1
is "$?" 1 "a failing sendmail: exit status 1"
like "$(cat "$tmpdir/fail.log")" "rep\.example $DAY2: failed: report [0-9a-f]{32}: .*exited with status 75" \
    "the log says which report failed and why"
first=$(mail_for rep.example "$Y2")
fail_id=$(report_id "$first")
like "$fail_id" '^[0-9a-f]{32}$' "the failed try carried a report ID"
is "$(sqlite3 "$DB" "SELECT state, claimed_at FROM report_claim WHERE policy_domain = 'rep.example'")" \
    "claimed|0" "the failed report stays claimed, released for the next run"
rm -f "$tmpdir/fail" "$tmpdir"/out/*

# ---- the default run: yesterday, and the day before still owed ----
"$REPORT" send -c "$tmpdir/a.conf" > "$tmpdir/run1.log" 2>&1
ok $? "send: exit status 0 when every mail went"
is "$(mail_for rep.example "$Y2" | wc -l)" 1 "the failed report is sent once"
is "$(report_id "$(mail_for rep.example "$Y2")")" "$fail_id" \
    "... with the same report ID"
like "$(cat "$tmpdir/run1.log")" "rep\.example $DAY2: sending report $fail_id again" \
    "the log says it is a retry"
is "$(mail_for rep.example "$Y1" | wc -l)" 1 "yesterday's report is sent once"
is "$(mail_for rep.example "$TODAY" | wc -l)" 0 "today's rows wait: the day is not over"
m=$(mail_for rep.example "$Y1")
is "$(cat "$m.args" | tr '\n' ' ')" "-i -f reports@mx.example.net -- dmarc@rep.example " \
    "sendmail -i -f ReportEmail -- the rua address"
is "$("$PYTHON" "$SRCDIR/t/lib/dkimpy-verify.py" "$DNS_PORT" "$m")" \
    "pass d=mx.example.net s=rsa a=rsa-sha256" "dkimpy verifies the report mail's signature"
is "$(perl "$SRCDIR/t/lib/maildkim-verify.pl" "$DNS_PORT" < "$m")" pass \
    "Mail::DKIM verifies it too"
is "$(cat "$(mail_for ext.example "$Y1").args" | tail -1)" agg@collector.example \
    "an external destination authorized by its _report._dmarc record is mailed"
is "$(cat "$(mail_for wild.example "$Y1").args" | tail -1)" agg@wildcard.example \
    "an external destination authorized by a wildcard record is mailed"
is "$(mail_for bad.example | wc -l)" 0 "an unauthorized external destination is not mailed"
like "$(cat "$tmpdir/run1.log")" "bad\.example: not mailed to agg@unauth\.example: external, and bad\.example\._report\._dmarc\.unauth\.example has no v=DMARC1" \
    "... and the log says why"
is "$(cat "$(mail_for mix.example "$Y1").args" | sed -n '5,$p' | tr '\n' ' ')" "a@mix.example " \
    "a rua with an internal and an unauthorized address: only the internal one"
like "$(cat "$tmpdir/run1.log")" 'rua URI "https://x.example/r" skipped: not a mailto: URI' \
    "a URI that is not mailto: is skipped with a log line"
is "$(mail_for skip.example | wc -l)" 0 "ReportSkip: no report"
like "$(cat "$tmpdir/run1.log")" "skip\.example $DAY1: skipped: in ReportSkip" \
    "ReportSkip: the log says so"
is "$(mail_for loop.example | wc -l)" 0 "a rua that is ReportEmail itself is not mailed"
like "$(cat "$tmpdir/run1.log")" "loop\.example: not mailed to reports@mx\.example\.net: that is ReportEmail" \
    "... the log says it would be a report about a report"
is "$(mail_for norua.example | wc -l)" 0 "no rua: no report"
is "$(mails | wc -l)" 8 "eight mails: four domains, two days"
is "$(sqlite3 "$DB" "SELECT COUNT(*) FROM report_claim WHERE state = 'sent'")" 8 \
    "eight claims marked sent"
is "$(sqlite3 "$DB" "SELECT DISTINCT begin_t FROM report_claim WHERE begin_t = $TODAY")" "" \
    "nothing claimed for today"

# ---- a second run sends nothing ----
rm -f "$tmpdir"/out/*
"$REPORT" send -c "$tmpdir/a.conf" > "$tmpdir/run2.log" 2>&1
ok $? "second run: exit status 0"
is "$(mails | wc -l)" 0 "second run: nothing sent again"

# ---- a claim left by a run that crashed: taken over after an hour ----
{ echo "$HEAD"; rows "$Y1" crash.example "mailto:d@crash.example" 1; } |
    "$ROWS" "sqlite:$DB"
sqlite3 "$DB" "INSERT INTO report_claim VALUES ('crash.example', $Y1, $TODAY, 'abc123', 'claimed', $((NOW - 60)), 'other')"
"$REPORT" send -c "$tmpdir/a.conf" > "$tmpdir/crash1.log" 2>&1
is "$(mails | wc -l)" 0 "a fresh claim of another run is left to it"
like "$(cat "$tmpdir/crash1.log")" "crash\.example $DAY1: claimed by other less than 3600 s ago" \
    "... and the log says so"
sqlite3 "$DB" "UPDATE report_claim SET claimed_at = $((NOW - 3700)) WHERE policy_domain = 'crash.example'"
"$REPORT" send -c "$tmpdir/a.conf" > "$tmpdir/crash2.log" 2>&1
is "$(report_id "$(mail_for crash.example)")" abc123 \
    "a claim over an hour old is taken over and sent with its ID"

# ---- prune keeps what is owed, removes what is settled ----
OLD=$((TODAY - 40 * 86400))
{ echo "$HEAD"; rows "$OLD" owed.example "mailto:d@owed.example" 1
  rows "$OLD" none.example "" 1
  rows "$OLD" done.example "mailto:d@done.example" 1; } | "$ROWS" "sqlite:$DB"
sqlite3 "$DB" "INSERT INTO report_claim VALUES ('done.example', $OLD, $((OLD + 86400)), 'x1', 'sent', $OLD, 'h')"
"$REPORT" prune -c "$tmpdir/a.conf"
is "$(sqlite3 "$DB" "SELECT policy_domain FROM dmarc_row WHERE t < $((TODAY - 30 * 86400)) ORDER BY 1" | uniq | tr '\n' ' ')" \
    "owed.example " "prune: rows of sent reports and without rua go, owed rows stay"
rm -f "$tmpdir"/out/*
"$REPORT" send -c "$tmpdir/a.conf" > "$tmpdir/expire.log" 2>&1
like "$(cat "$tmpdir/expire.log")" "owed\.example $(date -u -d "@$OLD" +%Y-%m-%d): given up: not sent within ReportKeepDays" \
    "a report owed longer than ReportKeepDays is given up, said"
"$REPORT" prune -c "$tmpdir/a.conf"
is "$(sqlite3 "$DB" "SELECT COUNT(*) FROM dmarc_row WHERE t < $((TODAY - 30 * 86400))")" 0 \
    "... and then pruned"

# ---- ReportMaxMails ----
DB2="$tmpdir/max.db"
conf "$tmpdir/max.conf" "sqlite:$DB2" "ReportMaxMails 1"
{ echo "$HEAD"; rows "$Y1" rep.example "mailto:dmarc@rep.example" 1
  rows "$Y1" mix.example "mailto:a@mix.example" 1; } | "$ROWS" "sqlite:$DB2"
rm -f "$tmpdir"/out/*
"$REPORT" send -c "$tmpdir/max.conf" > "$tmpdir/max1.log" 2>&1
is "$(mails | wc -l)" 1 "ReportMaxMails 1: one mail in a run"
like "$(cat "$tmpdir/max1.log")" "ReportMaxMails \(1\) reached: 1 reports wait for the next run" \
    "... the log says how many wait"
"$REPORT" send -c "$tmpdir/max.conf" > "$tmpdir/max2.log" 2>&1
is "$(mails | wc -l)" 2 "the next run sends the one that waited"

# ---- usage and configuration errors ----
"$REPORT" send -c "$tmpdir/a.conf" --day 2026-02-31 > /dev/null 2>&1
is "$?" 64 "--day with no such date: usage error"
"$REPORT" send -c "$tmpdir/a.conf" --day "$DAY1" --from 1 --to 2 > /dev/null 2>&1
is "$?" 64 "--day with --from: usage error"
write_config "$tmpdir/nomail.conf" "ReportStore sqlite:$DB"
"$REPORT" send -c "$tmpdir/nomail.conf" > "$tmpdir/nomail.log" 2>&1
is "$?" 78 "no ReportEmail: configuration error"

# ---- PostgreSQL: two runs at once, one mail per domain ----
if pg_missing; then
	ok 0 "PostgreSQL # SKIP postgresql not installed"
elif pg_start && pg_createdb reports; then
	conf "$tmpdir/pg.conf" "$(pg_url reports)"
	{ echo "$HEAD"; day_rows "$Y1"; } | "$ROWS" "$(pg_url reports)"
	ok $? "PostgreSQL: rows inserted"
	rm -f "$tmpdir"/out/*
	"$REPORT" send -c "$tmpdir/pg.conf" > "$tmpdir/pg1.log" 2>&1 &
	p1=$!
	"$REPORT" send -c "$tmpdir/pg.conf" > "$tmpdir/pg2.log" 2>&1 &
	p2=$!
	wait $p1
	s1=$?
	wait $p2
	s2=$?
	is "$s1 $s2" "0 0" "PostgreSQL: both runs exit 0"
	for d in rep.example ext.example wild.example mix.example; do
		is "$(mail_for $d "$Y1" | wc -l)" 1 \
		    "PostgreSQL, two runs at once: one mail for $d"
	done
	is "$(mails | wc -l)" 4 "PostgreSQL: four mails in all"
	is "$(pg_psql reports "SELECT COUNT(*) FROM report_claim WHERE state = 'sent'")" 4 \
	    "PostgreSQL: four claims sent"
	is "$(pg_psql reports "SELECT COUNT(*) FROM report_claim WHERE state = 'skipped'")" 5 \
	    "PostgreSQL: five settled as skipped (bad, skip, loop, norua, ../evil)"
	"$REPORT" send -c "$tmpdir/pg.conf" > "$tmpdir/pg3.log" 2>&1
	is "$(mails | wc -l)" 4 "PostgreSQL: a third run sends nothing"
	m=$(mail_for rep.example "$Y1")
	is "$("$PYTHON" "$SRCDIR/t/lib/dkimpy-verify.py" "$DNS_PORT" "$m")" \
	    "pass d=mx.example.net s=rsa a=rsa-sha256" "PostgreSQL: the mail verifies"
else
	ok 1 "PostgreSQL started"
fi

done_testing
