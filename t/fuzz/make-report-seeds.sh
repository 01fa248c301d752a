#!/bin/sh
# make-report-seeds.sh - write the seeds of t/fuzz/fuzz_report.c into
# t/fuzz/corpus/report/: a few of the reports t/data/report/make-reports.py
# makes for t/report-import.t (DMARC XML plain, gzip, zip, both
# namespaces, mixed case, no selector; TLS JSON plain, gzip, no
# sending-mta-ip; report mails).  Usage: sh t/fuzz/make-report-seeds.sh
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$top/t/data/report/make-reports.py" "$work"
out="$top/t/fuzz/corpus/report"
mkdir -p "$out"
for f in plain.xml report.xml.gz report.zip rfc9990.xml mixedcase.xml \
    noselector.xml tls.json tls.json.gz tls-noip.json twoparts.eml \
    mails/5.eml; do
	cp "$work/$f" "$out/$(echo "$f" | tr / -)"
done
