#!/bin/sh
# report-summary.t - issue 10, summary: authmilter-report summary reads
# the imported-report tables (filled here as import would, from
# t/data/report-summary.sql) and tells, per own domain, the messages,
# reporters and DMARC/SPF/DKIM results; per source its reverse name
# (served by the test DNS) and results; the readiness verdict (the
# newsletter service passing SPF unaligned is to be fixed, the spoofer
# is safe to reject); the TLS failures by type and organisation.  Text
# and --json, on SQLite and on a real PostgreSQL; --days and DOMAIN
# narrow it; an empty store says "no reports" and exits 0; a report
# file and a TLS report imported by authmilter-report import come out
# in the summary.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"
. "$SRCDIR/t/lib/pg.sh"

command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 not installed"

start_dns "$SRCDIR/t/data/zones/report-summary.yml" || exit 1

REPORT="$BUILDDIR/milter/authmilter-report"
NOW=1796428800		# 2026-12-05 00:00 UTC: the reports end 2026-12-04
DATA="$SRCDIR/t/data/report-summary.sql"

# summary CONF ARGS... - the summary at NOW; its exit status in $tmpdir/rc
summary() {
	conf=$1
	shift
	"$REPORT" summary -c "$conf" --now "$NOW" "$@" 2>"$tmpdir/stderr"
	echo $? > "$tmpdir/rc"
}

# jq_py FILE EXPR - a Python expression on the JSON object d of FILE
jq_py() {
	"$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
dom = {x["domain"]: x for x in d["domains"]}
src = {x["domain"]: {s["ip"]: s for s in x["sources"]} for x in d["domains"]}
print(eval(sys.argv[2]))' "$1" "$2"
}

# checks STORE-NAME CONF - every check of the summary of the data
checks() {
	name=$1
	conf=$2

	# ---- text ----
	summary "$conf" > "$tmpdir/text"
	is "$(cat "$tmpdir/rc")" 0 "$name: summary exits 0"
	text=$(cat "$tmpdir/text")
	like "$text" "^example\.com$" "$name: text: example.com has a section"
	like "$text" "messages +195 in 2 reports" \
	    "$name: text: 195 messages in the window, 2 reports"
	like "$text" "reporters +google\.com: 135 messages, 1 report" \
	    "$name: text: reporter google.com, 135 messages"
	like "$text" "Yahoo: 60 messages, 1 report" \
	    "$name: text: reporter Yahoo, 60 messages"
	like "$text" "DMARC +pass 150, fail 45" "$name: text: DMARC pass 150, fail 45"
	like "$text" "aligned +SPF 100, DKIM 150" "$name: text: aligned SPF 100, DKIM 150"
	like "$text" "published +p=none sp=none" "$name: text: published p=none"
	like "$text" "192\.0\.2\.10 +mail\.example\.com +150 +100 +150 +150 +pass +Yahoo, google\.com" \
	    "$name: text: the legitimate source, its PTR name and results"
	like "$text" "198\.51\.100\.20 +out\.newsletter\.example +40 +0 +0 +0 +unaligned" \
	    "$name: text: the newsletter service, unaligned"
	like "$text" "203\.0\.113\.66 +- +5 +0 +0 +0 +unauthenticated +google\.com" \
	    "$name: text: the spoofer, no PTR name (-), unauthenticated"
	like "$text" "would reject 40\.0 messages/day from 1 source that otherwise pass SPF or DKIM unaligned" \
	    "$name: text: the readiness sentence, 40 messages/day from 1 source"
	like "$(printf '%s\n' "$text" | sed -n '/fix before raising p/,/likely spoofing/p')" \
	    "198\.51\.100\.20 \(out\.newsletter\.example\): 40 messages failing DMARC" \
	    "$name: text: the newsletter service is listed to fix before raising p"
	like "$text" "SPF passes for bounce\.newsletter\.example, not aligned with example\.com" \
	    "$name: text: what passes unaligned, and for which domain"
	like "$text" "safe to reject: 5 messages \(5\.0/day\) from 1 source" \
	    "$name: text: the spoofer counted as safe to reject"
	like "$text" "verdict: NOT READY for p=quarantine" \
	    "$name: text: example.com not ready for p=quarantine"
	like "$text" "verdict: ready: p=reject is published" \
	    "$name: text: other.example (all aligned) ready at p=reject"
	like "$text" "certificate-expired +8" "$name: text: TLS certificate-expired 8"
	like "$text" "Microsoft Corporation +3 +\(starttls-not-supported 3\)" \
	    "$name: text: TLS failures by organisation"
	like "$text" "example\.com +1400 +11" \
	    "$name: text: TLS sessions ok/failed of example.com"

	summary "$conf" --top 1 example.com > "$tmpdir/top1"
	like "$(cat "$tmpdir/top1")" "\.\.\. and 2 more sources \(45 messages\); --top 0 shows all" \
	    "$name: text: --top 1: the sources not shown are counted"

	# ---- --json ----
	summary "$conf" --json > "$tmpdir/json"
	is "$(cat "$tmpdir/rc")" 0 "$name: --json exits 0"
	check "$name: --json is one valid JSON object" "$PYTHON" -c \
	    'import json, sys; assert isinstance(json.load(open(sys.argv[1])), dict)' \
	    "$tmpdir/json"
	J=$tmpdir/json
	is "$(jq_py "$J" 'sorted(dom)')" "['example.com', 'other.example']" \
	    "$name: json: two domains"
	is "$(jq_py "$J" '[dom["example.com"][k] for k in ("messages", "dmarc_pass", "dmarc_fail", "spf_aligned", "dkim_aligned")]')" \
	    "[195, 150, 45, 100, 150]" "$name: json: example.com's totals"
	is "$(jq_py "$J" '[s["ip"] for s in dom["example.com"]["sources"]]')" \
	    "['192.0.2.10', '198.51.100.20', '203.0.113.66']" \
	    "$name: json: sources sorted by volume"
	is "$(jq_py "$J" '[src["example.com"]["192.0.2.10"][k] for k in ("ptr", "messages", "spf_aligned", "dkim_aligned", "dmarc_pass", "reporters")]')" \
	    "['mail.example.com', 150, 100, 150, 150, ['Yahoo', 'google.com']]" \
	    "$name: json: the legitimate source"
	is "$(jq_py "$J" '[src["example.com"]["198.51.100.20"][k] for k in ("ptr", "messages", "dmarc_pass", "class", "spf_unaligned")]')" \
	    "['out.newsletter.example', 40, 0, 'unaligned', ['bounce.newsletter.example']]" \
	    "$name: json: the newsletter service"
	is "$(jq_py "$J" '[src["example.com"]["203.0.113.66"][k] for k in ("ptr", "messages", "class")]')" \
	    "['', 5, 'unauthenticated']" "$name: json: the spoofer, ptr empty"
	is "$(jq_py "$J" '[dom["example.com"]["readiness"][k] for k in ("verdict", "next_p", "would_reject", "would_reject_per_day", "unaligned_sources", "fix", "spoof_messages", "spoof_sources")]')" \
	    "['not-ready', 'quarantine', 40, 40.0, 1, ['198.51.100.20'], 5, 1]" \
	    "$name: json: example.com's readiness"
	is "$(jq_py "$J" 'dom["other.example"]["readiness"]["verdict"]')" ready \
	    "$name: json: other.example ready"
	is "$(jq_py "$J" 'dom["example.com"]["published"]["p"]')" none \
	    "$name: json: published p of the latest report"
	is "$(jq_py "$J" 'd["tls"]["failures"]')" \
	    "{'certificate-expired': 8, 'starttls-not-supported': 3}" \
	    "$name: json: tls.failures by type"
	is "$(jq_py "$J" 'sorted((o, v["failed"]) for o, v in d["tls"]["failures_by_org"].items())')" \
	    "[('Google Inc.', 8), ('Microsoft Corporation', 3)]" \
	    "$name: json: tls failures by organisation"

	# ---- --days: the old report of 2026-11-01 comes in ----
	summary "$conf" --json --days 40 > "$tmpdir/json40"
	is "$(jq_py "$tmpdir/json40" '[dom["example.com"][k] for k in ("messages", "reports", "days_covered")]')" \
	    "[1195, 3, 33]" "$name: --days 40: the old report counted"
	is "$(jq_py "$tmpdir/json40" 'src["example.com"]["203.0.113.99"]["messages"]')" \
	    1000 "$name: --days 40: the old report's source"
	is "$(jq_py "$tmpdir/json40" 'src["example.com"]["203.0.113.99"]["ptr"]')" \
	    "" "$name: a PTR query that times out: no name, summary still made"
	is "$(jq_py "$J" '"203.0.113.99" in src["example.com"]')" False \
	    "$name: --days 7 (default): the old report left out"
	summary "$conf" --days 1 > "$tmpdir/text1"
	like "$(cat "$tmpdir/text1")" "^no reports" \
	    "$name: --days 1: no report ends in the last day"

	# ---- DOMAIN ----
	summary "$conf" --json OTHER.example > "$tmpdir/jsonother"
	is "$(jq_py "$tmpdir/jsonother" '[x["domain"] for x in d["domains"]]')" \
	    "['other.example']" "$name: DOMAIN (any case): only that domain"
	is "$(jq_py "$tmpdir/jsonother" '[(p["policy_domain"], p["successful"]) for p in d["tls"]["policies"]]')" \
	    "[('other.example', 70)]" "$name: DOMAIN: TLS of that policy domain only"
}

# ---- SQLite ----
DB="$tmpdir/reports.db"
write_config "$tmpdir/sqlite.conf" "ReportStore sqlite:$DB"
summary "$tmpdir/sqlite.conf" > "$tmpdir/empty"
is "$(cat "$tmpdir/rc")" 0 "empty store: exit 0"
like "$(cat "$tmpdir/empty")" "^no reports: nothing imported ends in this period" \
    "empty store: a clear no reports message"
summary "$tmpdir/sqlite.conf" --json > "$tmpdir/empty.json"
is "$(jq_py "$tmpdir/empty.json" '(d["domains"], d["tls"]["failures"])')" \
    "([], {})" "empty store: --json gives empty lists"
check "SQLite: the reports stored" sqlite3 "$DB" ".read $DATA"
checks SQLite "$tmpdir/sqlite.conf"

# ---- a report file through import, then summary ----
# rep.xml.gz: Yahoo's report on example.com for 2025-06-01, the three
# kinds of source; tls.json: two failure types from one organisation
IMP_NOW=1748826000	# 2025-06-02 01:00 UTC
mkdir "$tmpdir/in"
cat > "$tmpdir/in/rep.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">
<report_metadata><org_name>Yahoo</org_name>
<email>dmarchelp@yahooinc.com</email><report_id>imp-1</report_id>
<date_range><begin>1748736000</begin><end>1748822400</end></date_range>
</report_metadata>
<policy_published><domain>example.com</domain><adkim>r</adkim>
<aspf>r</aspf><p>quarantine</p><sp>none</sp></policy_published>
<record><row><source_ip>192.0.2.10</source_ip><count>12</count>
<policy_evaluated><disposition>none</disposition><dkim>pass</dkim>
<spf>pass</spf></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers>
<auth_results><dkim><domain>example.com</domain><selector>s1</selector>
<result>pass</result></dkim><spf><domain>example.com</domain>
<scope>mfrom</scope><result>pass</result></spf></auth_results></record>
<record><row><source_ip>198.51.100.20</source_ip><count>8</count>
<policy_evaluated><disposition>quarantine</disposition><dkim>fail</dkim>
<spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers>
<auth_results><spf><domain>bounce.newsletter.example</domain>
<result>Pass</result></spf></auth_results></record>
<record><row><source_ip>203.0.113.66</source_ip><count>2</count>
<policy_evaluated><disposition>quarantine</disposition><dkim>fail</dkim>
<spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers>
<auth_results><spf><domain>example.com</domain><scope>mfrom</scope>
<result>fail</result></spf></auth_results></record>
</feedback>
XML
gzip "$tmpdir/in/rep.xml"
cat > "$tmpdir/in/tls.json" <<'JSON'
{"organization-name": "Google Inc.", "report-id": "imp-tls-1",
 "contact-info": "smtp-tls-reporting@google.com",
 "date-range": {"start-datetime": "2025-06-01T00:00:00Z",
                "end-datetime": "2025-06-01T23:59:59Z"},
 "policies": [{"policy": {"policy-type": "sts",
                          "policy-domain": "example.com"},
               "summary": {"total-successful-session-count": 50,
                           "total-failure-session-count": 6},
               "failure-details": [
                 {"result-type": "certificate-expired",
                  "receiving-mx-hostname": "mx.example.com",
                  "failed-session-count": 4},
                 {"result-type": "sts-policy-fetch-error",
                  "receiving-mx-hostname": "mx.example.com",
                  "failed-session-count": 2}]}]}
JSON
write_config "$tmpdir/imp.conf" "ReportStore sqlite:$tmpdir/imp.db"
"$REPORT" import -c "$tmpdir/imp.conf" "$tmpdir/in/rep.xml.gz" \
    "$tmpdir/in/tls.json" > "$tmpdir/imp.out" 2>&1
ok $? "import: the report file and the TLS report imported"
"$REPORT" summary -c "$tmpdir/imp.conf" --now "$IMP_NOW" --json \
    > "$tmpdir/imp.json" 2>"$tmpdir/stderr"
ok $? "import then summary: exit 0"
I=$tmpdir/imp.json
is "$(jq_py "$I" '[dom["example.com"][k] for k in ("messages", "dmarc_pass", "dmarc_fail")] + [dom["example.com"]["published"]["p"]]')" \
    "[22, 12, 10, 'quarantine']" \
    "import then summary: the imported counts and the published p" ||
    diag "$(cat "$tmpdir/imp.out" "$tmpdir/stderr")"
is "$(jq_py "$I" '[(s["ip"], s["ptr"], s["class"]) for s in dom["example.com"]["sources"]]')" \
    "[('192.0.2.10', 'mail.example.com', 'pass'), ('198.51.100.20', 'out.newsletter.example', 'unaligned'), ('203.0.113.66', '', 'unauthenticated')]" \
    "import then summary: the sources, their PTR names and classes"
is "$(jq_py "$I" '[dom["example.com"]["readiness"][k] for k in ("verdict", "next_p", "would_reject", "fix")]')" \
    "['not-ready', 'reject', 8, ['198.51.100.20']]" \
    "import then summary: not ready for p=reject, the newsletter to fix"
is "$(jq_py "$I" 'd["tls"]["failures"]')" \
    "{'certificate-expired': 4, 'sts-policy-fetch-error': 2}" \
    "import then summary: the TLS failures by type"

# ---- usage ----
"$REPORT" summary -c "$tmpdir/sqlite.conf" --days 0 >/dev/null 2>&1
is $? 64 "--days 0: usage error 64"
"$REPORT" summary -c "$tmpdir/sqlite.conf" a.example b.example >/dev/null 2>&1
is $? 64 "two domains: usage error 64"

# ---- PostgreSQL ----
if pg_missing; then
	ok 0 "PostgreSQL store # SKIP postgresql not installed"
elif pg_start && pg_createdb reports; then
	write_config "$tmpdir/pg.conf" "ReportStore $(pg_url reports)"
	summary "$tmpdir/pg.conf" > "$tmpdir/pgempty"
	like "$(cat "$tmpdir/pgempty")" "^no reports" \
	    "PostgreSQL: empty store, no reports"
	check "PostgreSQL: the reports stored" pg_psql reports "$(cat "$DATA")"
	checks PostgreSQL "$tmpdir/pg.conf"
else
	ok 1 "PostgreSQL started"
fi

done_testing
