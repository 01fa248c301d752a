#!/bin/sh
# report-build.t - issue 10, building a report: lib/report_build turns
# the history rows of one policy domain and day into one RFC 9990
# aggregate report, gzipped, the same from SQLite and from a real
# PostgreSQL.  Identical rows make one record with their count; a null
# sender has an empty envelope_from; override reasons, DKIM and SPF
# results are in RFC 9990's words; text is escaped and stays valid
# UTF-8.  Every report passes xmllint against t/data/report/dmarc-2.0.xsd
# and is read back by dmarc-cat and by Mail::DMARC's report parser with
# the counts of the rows inserted.  20,000 rows: 500 records of 40.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"
. "$SRCDIR/t/lib/pg.sh"

command -v xmllint >/dev/null 2>&1 || skip_all "xmllint not installed"
command -v dmarc-cat >/dev/null 2>&1 || skip_all "dmarc-cat not installed"
perl -MMail::DMARC::Report::Receive -e 1 2>/dev/null ||
    skip_all "Mail::DMARC (libmail-dmarc-perl) not installed"

TOOL="$BUILDDIR/t/report-build"
XSD="$SRCDIR/t/data/report/dmarc-2.0.xsd"
DAY=1700006400			# 2023-11-15T00:00:00Z, as in report-build.c
END=$((DAY + 86400))
ORG='Bücher & Söhne <Mail> "GmbH"'

# rpath DIR DOMAIN - the report's path: DIR/<RFC 9990 file name>
rpath() {
	echo "$1/mx.example.net!$2!$DAY!$((END - 1))!r1.xml.gz"
}

# build DIR URL DOMAIN [OPTIONS]: report-build build into
# $(rpath DIR DOMAIN); prints its output
build() {
	_dir=$1 _url=$2 _dom=$3
	shift 3
	mkdir -p "$_dir"
	"$TOOL" build "$@" "$_url" "$_dom" "$DAY" "$END" \
	    "$(rpath "$_dir" "$_dom")" 2>&1
}

# unpack REPORT: REPORT.xml (as built) and REPORT.plain.xml (namespace
# declaration removed, for readers whose XPath has no namespaces:
# xmllint --xpath below and Mail::DMARC)
unpack() {
	gzip -dc "$1" > "$1.xml"
	sed 's/ xmlns="urn:ietf:params:xml:ns:dmarc-2.0"//' "$1.xml" \
	    > "$1.plain.xml"
}

# xp REPORT EXPR - an XPath 1.0 expression over the report
xp() {
	xmllint --xpath "$2" "$1.plain.xml" 2>/dev/null
}

# schema_ok REPORT NAME - xmllint --schema accepts it
schema_ok() {
	if xmllint --noout --schema "$XSD" "$1.xml" > "$tmpdir/xmllint.out" 2>&1
	then
		ok 0 "$2"
	else
		ok 1 "$2"
		diag "$(cat "$tmpdir/xmllint.out")"
	fi
}

# dmarc_cat REPORT - "records N messages M" as dmarc-cat reads them
dmarc_cat() {
	dmarc-cat -N "$1" 2>&1 | awk '
	    /^Reports\(/ { n = substr($1, 9) + 0 }
	    /^IP / { rows = 1; next }
	    rows && NF >= 2 { m += $2 }
	    END { printf "records %d messages %d\n", n, m }'
}

# maildmarc REPORT - Mail::DMARC's reading of it
maildmarc() {
	perl "$SRCDIR/t/lib/maildmarc-agg.pl" "$1.plain.xml" 2>&1
}

# independent REPORT RECORDS MESSAGES KIND - schema and both readers
independent() {
	schema_ok "$1" "$4: the report passes xmllint --schema dmarc-2.0.xsd"
	is "$(dmarc_cat "$1")" "records $2 messages $3" \
	    "$4: dmarc-cat reads $2 records, $3 messages"
	is "$(maildmarc "$1" | grep '^records')" "records $2 messages $3" \
	    "$4: Mail::DMARC reads $2 records, $3 messages"
}

# cases KIND URL - the fixed cases (report-build.c) in one store
cases() {
	K=$1 URL=$2 D="$tmpdir/$1"
	"$TOOL" fill "$URL" || { ok 1 "$K: rows inserted"; return 1; }
	is "$(build "$D" "$URL" rep.example -o "$ORG" -c 'https://mx.example.net/dmarc')" \
	    "records 8 messages 15" \
	    "$K: rep.example: 15 messages of the day in 8 records (rows of other days and domains left out)"
	R=$(rpath "$D" rep.example)
	unpack "$R"
	eval "R_$K=\$R"
	independent "$R" 8 15 "$K"
	is "$(maildmarc "$R" | grep '^org ')" "org $ORG" \
	    "$K: org_name with <&\"> and non-ASCII read back as it was"
	is "$(xp "$R" "string(//record[row/source_ip='192.0.2.1']/row/count)")" 5 \
	    "$K: five identical rows: one record, count 5"
	is "$(xp "$R" "count(//record[row/source_ip='192.0.2.1'])")" 1 \
	    "$K: ... and only one record for them"
	is "$(xp "$R" "count(//record[row/source_ip='192.0.2.2']/identifiers/envelope_from)"):$(xp "$R" "string(//record[row/source_ip='192.0.2.2']/identifiers/envelope_from)")" \
	    "1:" "$K: null sender: envelope_from present and empty"
	is "$(maildmarc "$R" | grep '^record 192.0.2.2 ' | sed 's/.*\(envelope_from=[^ ]*\).*/\1/')" \
	    "envelope_from=" "$K: Mail::DMARC reads the null sender's empty envelope_from"
	is "$(xp "$R" "concat(//record[row/source_ip='198.51.100.7']/row/policy_evaluated/reason/type, ' ', //record[row/source_ip='198.51.100.7']/row/policy_evaluated/reason/comment)")" \
	    "policy_test_mode t=y" "$K: t=y: reason policy_test_mode, comment t=y"
	is "$(maildmarc "$R" | grep '^record 203.0.113.9 ' | sed 's/.*reasons=\([^ ]*\).*/\1/')" \
	    "trusted_forwarder,local_policy" "$K: two reasons, in order, read by Mail::DMARC"
	is "$(xp "$R" "string(//record[row/source_ip='192.0.2.3']/identifiers/header_from)")" \
	    'we<i>rd&"co".example' "$K: header_from with <&\"> read back as it was"
	grep -q 'we&lt;i&gt;rd&amp;' "$R.xml"
	ok $? "$K: ... escaped in the XML"
	is "$(xp "$R" "string(//record[row/source_ip='192.0.2.3']/identifiers/envelope_to)")" \
	    'bücher.example' "$K: non-ASCII envelope_to read back as it was"
	is "$(xp "$R" "string(//record[row/source_ip='::']/identifiers/header_from)")" \
	    'ctl?x.example' "$K: no source address: ::; a control byte XML cannot carry: ?"
	is "$(xp "$R" "count(//record[row/source_ip='2001:db8::25']/auth_results/spf)")" 0 \
	    "$K: SPF of the HELO only: no <spf> (RFC 9990: scope mfrom only)"
	is "$(xp "$R" "concat(//record[row/source_ip='2001:db8::25']/auth_results/dkim[1]/selector, ' ', //record[row/source_ip='2001:db8::25']/auth_results/dkim[2]/selector)")" \
	    "s4 s3" "$K: DKIM: the aligned pass first"
	is "$(xp "$R" "concat(//record[row/source_ip='203.0.113.9']/auth_results/dkim[1]/domain, ' ', //record[row/source_ip='203.0.113.9']/auth_results/dkim[1]/result)")" \
	    "other.example pass" "$K: DKIM result lowercased (PASS), passes before fails"
	is "$(xp "$R" "concat(//record[row/source_ip='192.0.2.4']/row/policy_evaluated/disposition, ' ', //record[row/source_ip='192.0.2.4']/row/policy_evaluated/spf, ' ', //record[row/source_ip='192.0.2.4']/row/policy_evaluated/reason/type, ' ', //record[row/source_ip='192.0.2.4']/auth_results/spf/result, ' ', //record[row/source_ip='192.0.2.4']/auth_results/dkim/result)")" \
	    "reject fail other permerror permerror" \
	    "$K: words outside RFC 9990's vocabulary: REJECT reject, maybe fail, unknown reason other, hardfail and a missing result permerror"
	is "$(xp "$R" "concat(//policy_published/domain, ' p=', //policy_published/p, ' sp=', //policy_published/sp, ' np=', count(//policy_published/np), ' adkim=', //policy_published/adkim, ' testing=', //policy_published/testing, ' ', //policy_published/discovery_method, ' pct=', count(//policy_published/pct))")" \
	    "rep.example p=reject sp=quarantine np=0 adkim=s testing=n treewalk pct=0" \
	    "$K: policy_published: the policy of the day's last row; np unset is left out; no pct"
	is "$(xp "$R" "concat(//date_range/begin, ' ', //date_range/end, ' ', /feedback/version, ' ', //report_id, ' ', //extra_contact_info)")" \
	    "$DAY $((END - 1)) 1.0 r1 https://mx.example.net/dmarc" \
	    "$K: date_range [begin, end - 1], version 1.0, report_id, extra_contact_info"
	head -c 200 "$R.xml" | grep -q '<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">'
	ok $? "$K: the RFC 9990 namespace"

	is "$(build "$D/other" "$URL" other.example)" "records 1 messages 1" \
	    "$K: other.example: its own report, one message"
	REPORT=$(rpath "$D/other" other.example)
	unpack "$REPORT"
	independent "$REPORT" 1 1 "$K other.example"
	is "$(xp "$REPORT" "concat(//policy_published/p, ' ', count(//extra_contact_info))")" \
	    "quarantine 0" "$K: other.example: its policy; no extra_contact_info unless given"

	out=$(build "$D/none" "$URL" nobody.example)
	st=$?
	like "$st:$out" "^1:.*no history rows for nobody.example" \
	    "$K: a domain without rows: an error, no report"
	is "$(ls "$D/none" | wc -l)" 0 "$K: ... and no file left behind"
	out=$("$TOOL" build "$URL" rep.example $DAY $END "$D/missing/dir/r.xml.gz" 2>&1)
	st=$?
	like "$st:$out" "^1:.*No such file or directory" \
	    "$K: a path that cannot be written: an error"

	"$TOOL" bulk "$URL" 20000 500 || { ok 1 "$K: 20,000 rows inserted"; return 1; }
	is "$(build "$D/bulk" "$URL" bulk.example)" "records 500 messages 20000" \
	    "$K: 20,000 rows in 500 groups: 500 records, 20,000 messages"
	REPORT=$(rpath "$D/bulk" bulk.example)
	unpack "$REPORT"
	eval "B_$K=\$REPORT"
	independent "$REPORT" 500 20000 "$K bulk"
	is "$(xp "$REPORT" "count(//record[row/count != 40])")" 0 \
	    "$K: bulk: every record counts 40"
}

cases sqlite "sqlite:$tmpdir/reports.db"

# bytes that are not UTF-8 (SQLite keeps them; a UTF8 PostgreSQL refuses)
"$TOOL" fill-raw "sqlite:$tmpdir/reports.db"
is "$(build "$tmpdir/raw" "sqlite:$tmpdir/reports.db" raw.example)" \
    "records 1 messages 1" "raw bytes: a report"
REPORT=$(rpath "$tmpdir/raw" raw.example)
unpack "$REPORT"
independent "$REPORT" 1 1 "raw bytes"
is "$(xp "$REPORT" "concat(//header_from, '|', //envelope_from, '|', //envelope_to, '|', //reason/comment)")" \
    "b?d.example|o??x.example|c??x.example|s???x" \
    "raw bytes: Latin-1, overlong, stray continuation and surrogate bytes each written as ?"

if pg_missing; then
	ok 0 "PostgreSQL # SKIP postgresql not installed"
elif pg_start && pg_createdb reports; then
	cases pg "$(pg_url reports)"
	cmp -s "$R_sqlite.xml" "$R_pg.xml"
	ok $? "rep.example: the same report from SQLite and PostgreSQL"
	cmp -s "$B_sqlite.xml" "$B_pg.xml"
	ok $? "bulk.example: the same report from SQLite and PostgreSQL"
else
	ok 1 "PostgreSQL started"
fi

done_testing
