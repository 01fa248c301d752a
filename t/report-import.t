#!/bin/sh
# report-import.t - issue 10, reading: authmilter-report import stores
# DMARC aggregate reports and TLS reports given as .xml, .xml.gz, .zip,
# .json, .json.gz, report mails (each attachment type), an mbox, a
# maildir and stdin, into SQLite and a real PostgreSQL, once each per
# (submitter, report_id); it accepts the quirks real reporters send
# (trailing gzip bytes, names that lie about gzip/zip, no XML
# declaration, lower-case "report domain:", mixed-case results, missing
# selector or scope, both namespaces, TLS failures without
# sending-mta-ip); and it rejects, naming the file, with nothing stored
# and no crash, invalid XML, absurd date ranges, missing required
# elements and hostile input (billion laughs, external entities, a
# 1 GB-expanding gzip, zips with a lying header or many members, deep
# nesting, a report broken after 5000 records were stored as read).  A
# report of 20000 records is stored whole.  Exit status 0 when all were imported or duplicate, else 1.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"
. "$SRCDIR/t/lib/pg.sh"

command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 not installed"

R="$BUILDDIR/milter/authmilter-report"
D="$tmpdir/reports"
"$PYTHON" "$SRCDIR/t/data/report/make-reports.py" "$D" || {
	echo "Bail out! make-reports.py failed"
	exit 1
}
DB="$tmpdir/reports.db"
echo "ReportStore sqlite:$DB" > "$tmpdir/sqlite.conf"

# imp CONF ARGS... - run import from $D; stdout in $tmpdir/out, stderr
# in $tmpdir/err; prints the exit status
imp() {
	conf=$1
	shift
	(cd "$D" && "$R" import -c "$conf" "$@" > "$tmpdir/out" \
	    2> "$tmpdir/err")
	echo $?
}

# q SQL - one sqlite3 query
q() {
	sqlite3 -separator '|' "$DB" "$1"
}

# rows - every row of every imported-report table, as one text
rows() {
	q "SELECT COUNT(*) FROM agg_report; SELECT COUNT(*) FROM agg_record;
	   SELECT COUNT(*) FROM tls_report; SELECT COUNT(*) FROM tls_policy;
	   SELECT COUNT(*) FROM tls_failure" | tr '\n' ' '
}

# ---- formats ----
is "$(imp "$tmpdir/sqlite.conf" plain.xml report.xml.gz report.zip \
    tls.json tls.json.gz)" 0 "formats: exit 0"
is "$(q "SELECT report_id FROM agg_report ORDER BY report_id" | tr '\n' ' ')" \
    "gz-1 plain-1 zip-1 " "formats: .xml, .xml.gz and .zip stored"
is "$(q "SELECT report_id FROM tls_report ORDER BY report_id" | tr '\n' ' ')" \
    "tls-1 tls-gz-1 " "formats: .json and .json.gz stored"
is "$(q "SELECT submitter, email, domain, begin_t, end_t, p, sp, adkim, aspf, origin FROM agg_report WHERE report_id = 'plain-1'")" \
    "google.com|noreply-dmarc-support@google.com|example.com|1748736000|1748822400|none|none|r|r|plain.xml" \
    "the report row: metadata, policy, origin"
is "$(q "SELECT source_ip, count, disposition, dkim_eval, spf_eval, header_from, dkim, spf FROM agg_record WHERE report_id = 'plain-1' ORDER BY source_ip" | tr '\n' ' ')" \
    "192.0.2.1|3|none|pass|pass|example.com|example.com s1 pass|example.com mfrom pass 192.0.2.2|5|quarantine|fail|fail|example.com|example.com s1 pass|example.com mfrom pass " \
    "the record rows: one per <record>, as sent"
is "$(q "SELECT submitter, contact, begin_t, end_t FROM tls_report WHERE report_id = 'tls-1'")" \
    "Google Inc.|smtp-tls-reporting@google.com|1748736000|1748822399" \
    "the TLS report row: RFC 3339 dates as unix time"
is "$(q "SELECT policy_domain, policy_type, success, failure FROM tls_policy WHERE report_id = 'tls-1'")" \
    "example.com|sts|100|9" "the TLS policy row (domain lowercased)"
is "$(q "SELECT result_type, sending_mta_ip, receiving_mx, failed FROM tls_failure WHERE report_id = 'tls-1' ORDER BY result_type" | tr '\n' ' ')" \
    "certificate-expired|198.51.100.2|mx.example.com|7 starttls-not-supported||mx2.example.com|2 " \
    "the TLS failure rows"

# ---- de-duplication ----
before=$(rows)
is "$(imp "$tmpdir/sqlite.conf" plain.xml tls.json)" 0 \
    "the same reports again: exit 0"
like "$(cat "$tmpdir/out")" "plain.xml: duplicate dmarc report from google.com id plain-1" \
    "a second import of a DMARC report says duplicate"
like "$(cat "$tmpdir/out")" "tls.json: duplicate tls report from Google Inc. id tls-1" \
    "a second import of a TLS report says duplicate"
is "$(rows)" "$before" "a second import stores nothing"

# ---- quirks accepted ----
is "$(imp "$tmpdir/sqlite.conf" trailing.xml.gz gzip-named.zip \
    zip-named.xml.gz nodecl.xml mixedcase.xml noselector.xml rfc9990.xml \
    tls-noip.json)" 0 "quirks: exit 0"
is "$(q "SELECT COUNT(*) FROM agg_report WHERE report_id IN ('trailing-1', 'misnamed-gz-1', 'misnamed-zip-1', 'nodecl-1', 'mixed-1', 'nosel-1', 'ns2-1')")" \
    7 "gzip with trailing bytes, a .zip name on gzip and the reverse, no XML declaration, both namespaces: stored"
is "$(q "SELECT r.domain, disposition, dkim_eval, spf_eval, header_from, dkim, spf FROM agg_report r JOIN agg_record USING (submitter, report_id) WHERE report_id = 'mixed-1'")" \
    "example.com|none|pass|fail|example.com|example.com s1 pass|example.com mfrom softfail" \
    "mixed-case results and domains stored lowercase"
is "$(q "SELECT source_ip, dkim, spf FROM agg_record WHERE report_id = 'nosel-1'")" \
    "2001:db8::1|example.com - pass|example.com - pass" \
    "a missing selector and scope stored as -"
is "$(q "SELECT result_type, sending_mta_ip FROM tls_failure WHERE report_id = 'tls-noip-1' ORDER BY result_type" | tr '\n' ' ')" \
    "certificate-expired| starttls-not-supported| " \
    "a TLS report without sending-mta-ip: stored with it empty"

# ---- rejected: untrustworthy, and hostile ----
# reject FILE REGEX NAME - import FILE alone: exit 1, the reason on
# stderr naming the file, nothing stored
reject() {
	before=$(rows)
	is "$(imp "$tmpdir/sqlite.conf" "$1")" 1 "$3: exit 1"
	like "$(cat "$tmpdir/err")" "^authmilter-report: $1: rejected: $2" \
	    "$3: the error names the file and says why"
	is "$(rows)" "$before" "$3: nothing stored"
}
reject invalid.xml "invalid XML: line" "invalid XML"
reject end-before-begin.xml "date_range ends before it begins" \
    "a date_range ending before it begins"
reject too-long.xml "date_range longer than 31 days" \
    "a date_range of 40 days"
reject future.xml "date_range ends more than 2 days in the future" \
    "a date_range in 2100"
reject before-2000.xml "date_range begins before 2000-01-01" \
    "a date_range in 1998"
reject no-report-id.xml "no report_metadata/report_id" "no report_id"
reject no-org.xml "no report_metadata/org_name" "no org_name"
reject no-domain.xml "no policy_published/domain" "no policy domain"
reject bad-record.xml "source_ip 'not-an-ip' is not an IP address \(record 2\)" \
    "a record without a valid source_ip (the whole report)"
reject late-invalid.xml "invalid XML: line" \
    "5000 records, then the document broken at its end (records are stored as read, then rolled back)"
reject record-first.xml "no report_metadata before the first <record>" \
    "a record before the metadata"
reject huge-field.xml "org_name longer than 1024 bytes" \
    "a text value over REPORT_FIELD_MAX"
reject billion-laughs.xml "invalid XML: a <!DOCTYPE>" "a billion-laughs document"
reject xxe.xml "invalid XML: a <!DOCTYPE>" "an external entity"
reject xxe-param.xml "invalid XML: a <!DOCTYPE>" "an external DTD"
reject deep.xml "invalid XML: elements nested deeper than 16" \
    "100000 nested elements"
reject lying-small.zip "zip: ZIP uncompressed data is wrong size" \
    "a zip whose header claims fewer bytes than it holds"
reject lying-bomb.zip "zip: output larger than 52428800 bytes" \
    "a zip whose header claims 100 bytes for 200 MB"
reject ratio-bomb.xml.gz "gzip: expands more than 1000 times" \
    "40 MB from a gzip in a gzip of a few hundred bytes"
reject many-members.zip "zip: holds more than one file" \
    "a zip of 1000 members"
reject two-members.zip "zip: holds more than one file" "a zip of two reports"
reject many-entries.zip "zip: more than 16 entries" \
    "a zip of 20 directories and a report"
reject nested.gz "compressed more than 2 times over" "gzip in gzip in gzip"
head -c 1G /dev/zero | gzip > "$D/gigabyte.xml.gz"
reject gigabyte.xml.gz "gzip: output larger than 52428800 bytes" \
    "a gzip expanding to 1 GB"
# a .zip name on the same gigabyte: sniffed as gzip all the same
mv "$D/gigabyte.xml.gz" "$D/gigabyte.zip"
reject gigabyte.zip "gzip: output larger than 52428800 bytes" \
    "the 1 GB gzip named .zip"
rm -f "$D/gigabyte.zip"
is "$(q .dump | grep -c 'root:')" 0 "no line of /etc/passwd in the store"

# ---- a large report: streamed, every record stored ----
is "$(imp "$tmpdir/sqlite.conf" large.xml.gz)" 0 "a report of 20000 records: exit 0"
like "$(cat "$tmpdir/out")" "large.xml.gz: imported dmarc report from google.com id large-1 \\(domain example.com, 20000 records\\)" \
    "a report of 20000 records: imported, all counted"
is "$(q "SELECT COUNT(*), COUNT(DISTINCT source_ip), SUM(count) FROM agg_record WHERE report_id = 'large-1'")" \
    "20000|20000|79997" "a report of 20000 records: every record stored"

# ---- a mix: the good stored, the bad named, exit 1 ----
is "$(imp "$tmpdir/sqlite.conf" invalid.xml mails/0.eml)" 1 \
    "one bad input among good ones: exit 1"
is "$(q "SELECT COUNT(*) FROM agg_report WHERE report_id = 'mail-gzip-1'")" 1 \
    "the good input beside it is stored"

# ---- mails ----
is "$(imp "$tmpdir/sqlite.conf" mails/1.eml mails/2.eml mails/3.eml \
    mails/4.eml mails/5.eml mails/6.eml mails/7.eml mails/8.eml \
    twoparts.eml)" 0 "report mails: exit 0"
is "$(q "SELECT report_id FROM agg_report WHERE report_id LIKE 'mail-%' ORDER BY report_id" | tr '\n' ' ')" \
    "mail-appxml-1 mail-gzip-1 mail-octet-name-1 mail-octet-subject-1 mail-textxml-1 mail-two-1 mail-two-2 mail-xzip-1 mail-zip-1 " \
    "application/gzip, zip, x-zip-compressed, text/xml, application/xml, octet-stream by name and by lower-case 'report domain:', two attachments: all stored"
is "$(q "SELECT report_id FROM tls_report WHERE report_id LIKE 'mail-%' ORDER BY report_id" | tr '\n' ' ')" \
    "mail-tlsgz-1 mail-tlsjson-1 " \
    "application/tlsrpt+gzip and application/tlsrpt+json: stored"
is "$(q "SELECT origin FROM agg_report WHERE report_id = 'mail-zip-1'")" \
    "mails/1.eml <m1@reports.test> r.zip" \
    "a mail's report: origin names the file, Message-ID and attachment"
before=$(rows)
is "$(imp "$tmpdir/sqlite.conf" noreport.eml)" 1 "a mail without a report: exit 1"
like "$(cat "$tmpdir/err")" \
    "^authmilter-report: noreport.eml <none@reports.test>: rejected: no report attachment" \
    "a mail without a report: the error names the file and Message-ID"
is "$(rows)" "$before" "a mail without a report: nothing stored"

is "$(imp "$tmpdir/sqlite.conf" seventeen.eml)" 1 \
    "a mail of 17 reports: exit 1"
is "$(q "SELECT COUNT(*) FROM agg_report WHERE report_id LIKE 'seventeen-%'")" \
    16 "a mail of 17 reports: the first 16 stored"
like "$(cat "$tmpdir/err")" \
    "seventeen.eml <seventeen@reports.test> 16.xml.gz: rejected: more than REPORT_MIME_MAX_REPORTS \\(16\\)" \
    "a mail of 17 reports: the 17th rejected, named"

# ---- --mbox, --maildir, stdin ----
is "$(imp "$tmpdir/sqlite.conf" --mbox reports.mbox)" 0 "--mbox: exit 0"
like "$(cat "$tmpdir/out")" "reports.mbox <mbox0@reports.test> .*: duplicate dmarc report" \
    "--mbox: a report already imported from a mail file is a duplicate"
is "$(q "SELECT COUNT(*) FROM agg_report WHERE report_id = 'mbox-only-1'")" 1 \
    "--mbox: the new report stored"
is "$(imp "$tmpdir/sqlite.conf" --maildir Maildir)" 0 "--maildir: exit 0"
is "$(q "SELECT report_id FROM agg_report WHERE report_id LIKE 'maildir-%' ORDER BY report_id" | tr '\n' ' ')" \
    "maildir-cur-1 maildir-new-1 " "--maildir: the mails of cur/ and new/ stored"
is "$( (cd "$D" && "$R" import -c "$tmpdir/sqlite.conf" - < stdin.eml \
    > "$tmpdir/out" 2>&1); echo $?)" 0 "stdin: exit 0"
like "$(cat "$tmpdir/out")" "^stdin <stdin@reports.test> r.xml.gz: imported" \
    "stdin: imported, named stdin"
is "$(q "SELECT COUNT(*) FROM agg_report WHERE report_id = 'stdin-1'")" 1 \
    "stdin: stored"
is "$( (cd "$D" && "$R" import -c "$tmpdir/sqlite.conf" - < plain.xml \
    > "$tmpdir/out" 2>&1); echo $?)" 0 "stdin, a bare report: exit 0"
like "$(cat "$tmpdir/out")" "^stdin: duplicate dmarc report from google.com id plain-1" \
    "stdin, a bare report: read (here a duplicate)"

# ---- PostgreSQL: the same imports give the same rows ----
# dump - every imported row but the import time, sorted
DUMP="SELECT 'r', submitter, report_id, email, domain, begin_t, end_t, p, sp, np, adkim, aspf, testing, origin FROM agg_report ORDER BY 2, 3;
SELECT 'c', submitter, report_id, source_ip, count, disposition, dkim_eval, spf_eval, reasons, header_from, envelope_from, envelope_to, dkim, spf FROM agg_record ORDER BY 2, 3, 4, 5;
SELECT 't', submitter, report_id, contact, begin_t, end_t, origin FROM tls_report ORDER BY 2, 3;
SELECT 'p', submitter, report_id, policy_domain, policy_type, success, failure FROM tls_policy ORDER BY 2, 3, 4;
SELECT 'f', submitter, report_id, policy_domain, result_type, sending_mta_ip, receiving_mx, failed FROM tls_failure ORDER BY 2, 3, 4, 5, 6;"
if pg_missing; then
	ok 0 "# SKIP PostgreSQL not installed"
else
	pg_start || exit 1
	pg_createdb reports
	echo "ReportStore $(pg_url reports)" > "$tmpdir/pg.conf"
	set -- plain.xml report.xml.gz report.zip tls.json tls.json.gz \
	    trailing.xml.gz gzip-named.zip zip-named.xml.gz nodecl.xml \
	    mixedcase.xml noselector.xml rfc9990.xml tls-noip.json \
	    mails/0.eml mails/1.eml mails/2.eml mails/3.eml mails/4.eml \
	    mails/5.eml mails/6.eml mails/7.eml mails/8.eml \
	    twoparts.eml
	is "$(imp "$tmpdir/pg.conf" "$@")" 0 "PostgreSQL: formats, quirks and mails: exit 0" ||
	    diag "$(cat "$tmpdir/err")"
	rm -f "$DB"
	imp "$tmpdir/sqlite.conf" "$@" >/dev/null
	is "$(pg_psql reports "$DUMP")" "$(q "$DUMP")" \
	    "PostgreSQL holds exactly the rows SQLite holds"
	is "$(pg_psql reports "SELECT COUNT(*) FROM agg_report")" 19 \
	    "PostgreSQL: 19 DMARC reports"
	before=$(pg_psql reports "SELECT COUNT(*) FROM agg_record")
	is "$(imp "$tmpdir/pg.conf" "$@")" 0 "PostgreSQL: all again: exit 0"
	is "$(grep -c ': duplicate ' "$tmpdir/out")" 24 \
	    "PostgreSQL: every report a duplicate the second time"
	is "$(pg_psql reports "SELECT COUNT(*) FROM agg_record")" "$before" \
	    "PostgreSQL: the second import stores nothing"
	is "$(imp "$tmpdir/pg.conf" billion-laughs.xml xxe.xml deep.xml \
	    lying-bomb.zip future.xml late-invalid.xml bad-record.xml)" 1 \
	    "PostgreSQL: hostile input: exit 1"
	is "$(grep -c ': rejected: ' "$tmpdir/err")" 7 \
	    "PostgreSQL: each hostile input rejected"
	is "$(pg_psql reports "SELECT COUNT(*) FROM agg_record")" "$before" \
	    "PostgreSQL: nothing stored from hostile input"
fi

# ---- usage ----
is "$("$R" import -c "$tmpdir/sqlite.conf" >/dev/null 2>&1; echo $?)" 64 \
    "no input named: usage, exit 64"
done_testing
