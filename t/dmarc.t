#!/bin/sh
# dmarc.t - lib/dmarc against t/dns/testdns.py serving t/data/zones/dmarc.yml:
# the DNS tree walk of RFC 9989 4.10 (the exact names asked, the 8-label
# shortcut, PSD records at single-label names, never the root), policy
# discovery, organizational domains (psd=y, psd=n, fewest labels),
# several records at a name, records that are not DMARC, invalid records,
# DNS failures, p/sp/np, t=y, strict and relaxed alignment for SPF and
# DKIM, the per-evaluation cache, and hostile records.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"

Q=$BUILDDIR/t/dmarc-query
[ -x "$Q" ] || skip_all "t/dmarc-query not built"

# a hostile zone, made here: a 10 KB record, NUL bytes, junk
"$PYTHON" - "$tmpdir/hostile.yml" <<'EOF' || { echo "Bail out! zone"; exit 1; }
import sys, yaml
big = "v=DMARC1; p=reject; " + "x=" + "y" * 4000 + "; " + \
    "; ".join("t%d=%d" % (i, i) for i in range(700))
chunks = [big[i:i + 250] for i in range(0, len(big), 250)]
zones = {
    "_dmarc.huge.example": [{"TXT": chunks}],
    "_dmarc.nul.example": [{"TXT": "v=DMARC1; p=reject\0; rua=mailto:a@b.c"}],
    "_dmarc.nulv.example": [{"TXT": "v=DMARC1\0; p=reject"}],
    "_dmarc.junk.example": [{"TXT": "v=DMARC1; p=quarantine; ;;=; ==; "
                                    "p=none; adkim=\x01\x7f\xff; sp"}],
    "_dmarc.dupp.example": [{"TXT": "v=DMARC1; p=reject; p=none"}],
}
with open(sys.argv[1], "w") as fp:
    yaml.safe_dump(zones, fp, allow_unicode=False)
EOF

QLOG=$tmpdir/q.log
start_dns "$SRCDIR/t/data/zones/dmarc.yml" "$tmpdir/hostile.yml" -- \
    --query-log "$QLOG"
: >>"$QLOG"

# run - run dmarc-query; its line in $out, the names it asked in $asked;
# anything on stderr (a sanitizer's report) or a bad exit is a failure
run() {
	_before=$(wc -l <"$QLOG")
	out=$("$Q" -s "$DNS_SERVER" -t 300 -r 1 "$@" 2>"$tmpdir/stderr")
	_rc=$?
	if [ "$_rc" -ne 0 ] || [ -s "$tmpdir/stderr" ]; then
		ok 1 "dmarc-query $*: exit $_rc, stderr empty"
		diag "$(cat "$tmpdir/stderr")"
	fi
	asked=$(sed -n "$((_before + 1)),\$p" "$QLOG" |
	    awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')
}

# ---- the tree walk: exactly the names RFC 9989 4.10 asks ----

run discover a.b.c.d.e.f.g.h.i.j.mail.example.com
is "$out" "none" "RFC 9989 4.10 example: no record anywhere"
is "$asked" "_dmarc.a.b.c.d.e.f.g.h.i.j.mail.example.com TXT, \
_dmarc.g.h.i.j.mail.example.com TXT, _dmarc.h.i.j.mail.example.com TXT, \
_dmarc.i.j.mail.example.com TXT, _dmarc.j.mail.example.com TXT, \
_dmarc.mail.example.com TXT, _dmarc.example.com TXT, _dmarc.com TXT" \
    "RFC 9989 4.10 example: the eight names, 7 labels after the first"

run org a.b.c.d.e.f.g.h.i.j.mail.example.com
is "$out" "org a.b.c.d.e.f.g.h.i.j.mail.example.com" \
    "no record anywhere: the domain is its own organizational domain"

run discover a.b.c.d.e.f.g.h.example.net
like "$out" "^found at=example.net p=reject " \
    "10 labels: the record at the organizational domain is found"
is "$asked" "_dmarc.a.b.c.d.e.f.g.h.example.net TXT, \
_dmarc.d.e.f.g.h.example.net TXT, _dmarc.e.f.g.h.example.net TXT, \
_dmarc.f.g.h.example.net TXT, _dmarc.g.h.example.net TXT, \
_dmarc.h.example.net TXT, _dmarc.example.net TXT" \
    "10 labels: shortcut to 7, then one label at a time, stop when found"

run discover c.d.e.f.g.h.example.net
is "$asked" "_dmarc.c.d.e.f.g.h.example.net TXT, \
_dmarc.d.e.f.g.h.example.net TXT, _dmarc.e.f.g.h.example.net TXT, \
_dmarc.f.g.h.example.net TXT, _dmarc.g.h.example.net TXT, \
_dmarc.h.example.net TXT, _dmarc.example.net TXT" \
    "exactly 8 labels: the jump to 7 is one label"

run discover x.example.net.
like "$out" "^found at=example.net " "a final dot is ignored"
is "$asked" "_dmarc.x.example.net TXT, _dmarc.example.net TXT" \
    "a final dot is ignored in the names asked"

run discover EXAMPLE.Net
like "$out" "^found at=example.net " "upper case author domain"

run discover a..example.org
is "$out" "none" "a name with an empty label has no record"
is "$asked" "" "a name with an empty label is not walked"
run discover example.org..
is "$asked" "" "two final dots: not walked (never _dmarc. at the root)"
run eval .example.org -f example.org -p
like "$out" "^none .*reason=\(no DMARC record\)" "leading dot: none"

unlike "$(awk '{print $1}' "$QLOG")" '^_dmarc\.?$' "the root is never asked"

# ---- PSD records (psd=y) and psd=n ----

run discover agency.gov
like "$out" "^found at=gov p=reject sp=quarantine np=reject .*psd=y" \
    "a PSD record at a single-label name is found"
run org mail.agency.gov
is "$out" "org agency.gov" "psd=y: the org domain is one label below it"
is "$asked" "_dmarc.mail.agency.gov TXT, _dmarc.agency.gov TXT, \
_dmarc.gov TXT" "psd=y: the walk asks up to the PSD"
run org gov
is "$out" "org gov" "psd=y at the domain itself: it is its own org domain"
run org mail.agency2.gov
is "$out" "org agency2.gov" "a record below the PSD: org domain"

run org a.corp.example.org
is "$out" "org corp.example.org" "psd=n: that name is the org domain"
is "$asked" "_dmarc.a.corp.example.org TXT, _dmarc.corp.example.org TXT" \
    "psd=n stops the walk"
run org x.y.example.org
is "$out" "org example.org" "no psd: the name with the fewest labels"
is "$asked" "_dmarc.x.y.example.org TXT, _dmarc.y.example.org TXT, \
_dmarc.example.org TXT, _dmarc.org TXT" \
    "no psd: the walk goes on to the last label"
run aligned a.corp.example.org example.org relaxed
is "$out" "not-aligned" "psd=n splits an organization (relaxed)"
run aligned a.corp.example.org b.corp.example.org relaxed
is "$out" "aligned" "same org domain below psd=n (relaxed)"
run aligned mail.agency.gov agency2.gov relaxed
is "$out" "not-aligned" "two organizations under a PSD (relaxed)"

# ---- several records, other TXT, invalid records ----

run discover multi.example.org
like "$out" "^found at=example.org p=none " \
    "two DMARC records at a name: none there, the parent's applies"
run discover multi2.example.org
like "$out" "^found at=example.org " \
    "two DMARC records, one invalid: none there either"
run discover mixed.example.org
like "$out" "^found at=mixed.example.org p=quarantine " \
    "a non-DMARC TXT beside a DMARC one (split strings) is discarded"
run discover bad.example.org
is "$out" "invalid at=bad.example.org error=(bad p= value 'bogus' and no \
valid rua=)" "an invalid record at the author domain"
is "$asked" "_dmarc.bad.example.org TXT" \
    "an invalid record ends policy discovery"
run eval bad.example.org -f bad.example.org -p
like "$out" "^permerror policy=-:unset disposition=none .*record=bad.example.org" \
    "invalid record at the author domain: permerror"
run discover sub.badparent.example.org
like "$out" "^invalid at=badparent.example.org error=\(no p= tag" \
    "an invalid record at a parent is the policy record (RFC 9989 4.10)"
run eval sub.badparent.example.org -d badparent.example.org
like "$out" "^permerror .*record=badparent.example.org .*reason=\(invalid \
DMARC record at badparent.example.org: no p= tag" \
    "invalid record at a parent: permerror, not the grandparent's policy"
run org sub.badparent.example.org
is "$out" "org example.org" "invalid records do not count for org domains"

# ---- DNS failures ----

run discover a.tf.example.net
is "$out" "temperror at=tf.example.net" "TIMEOUT mid-walk: temperror"
is "$asked" "_dmarc.a.tf.example.net TXT, _dmarc.tf.example.net TXT" \
    "TIMEOUT stops the walk"
run eval a.tf.example.net -f a.tf.example.net -p
like "$out" "^temperror policy=-:unset disposition=none testing=n \
record=tf.example.net" \
    "TIMEOUT mid-walk: evaluation temperror"
run discover a.sf.example.net
is "$out" "temperror at=sf.example.net" "SERVFAIL mid-walk: temperror"
run org a.sf.example.net
is "$out" "temperror" "SERVFAIL: no org domain"
run aligned a.sf.example.net sf.example.net strict
is "$out" "not-aligned" "strict alignment needs no DNS"
run aligned a.sf.example.net sf.example.net relaxed
is "$out" "temperror" "relaxed alignment through a SERVFAIL: temperror"

run eval shop.slowtld -f shop.slowtld -p
like "$out" "^pass policy=p:reject .*aligned=spf:shop.slowtld" \
    "identical SPF domain aligns despite a timeout above the record"
run eval shop.slowtld -f bounce.shop.slowtld -p
like "$out" "^temperror .*record=shop.slowtld org=- " \
    "relaxed alignment needing the timed-out name: temperror"
run eval shop.slowtld -f bounce.shop.slowtld -p -d shop.slowtld
like "$out" "^pass .*aligned=dkim:shop.slowtld" \
    "a timeout does not matter when DKIM aligns anyway"
run eval shop.slowtld -f other.example -p
like "$out" "^fail policy=p:reject disposition=reject " \
    "different last label: not aligned without DNS, so fail"

# ---- p, sp, np ----

run eval np.example -f other.example -p
like "$out" "^fail policy=p:none disposition=none testing=n \
record=np.example " \
    "the author domain's own record: p"
run eval exists.np.example
like "$out" "^fail policy=sp:quarantine disposition=quarantine \
testing=n record=np.example org=np.example " "existing subdomain: sp"
is "$asked" "_dmarc.exists.np.example TXT, _dmarc.np.example TXT, \
_dmarc.example TXT, exists.np.example A" \
    "existence asked once (A answered)"
run eval ghost.np.example
like "$out" "^fail policy=np:reject disposition=reject " \
    "non-existent subdomain (NXDOMAIN): np"
is "$(printf '%s\n' "$asked" | tr ',' '\n' | sed 's/^ //' |
    grep '^ghost.np.example ' | grep -v TXT)" "ghost.np.example A" \
    "NXDOMAIN for A alone decides (RFC 8020)"
run eval mxonly.np.example
like "$out" "^fail policy=sp:quarantine " \
    "subdomain with only an MX (A NODATA): exists, sp"
run eval tfexists.np.example
like "$out" "^fail policy=sp:quarantine " \
    "A, AAAA and MX all time out: taken as existing, sp"
is "$(printf '%s\n' "$asked" | tr ',' '\n' | sed 's/^ //' |
    grep '^tfexists.np.example ' | tr '\n' ' ')" "tfexists.np.example A tfexists.np.example AAAA \
tfexists.np.example MX " "after a timeout the next type is asked"
run eval sub.spdef.example
like "$out" "^fail policy=p:reject disposition=reject " "sp defaults to p"
run eval ghost.npdef.example
like "$out" "^fail policy=sp:quarantine disposition=quarantine " \
    "np defaults to sp"
unlike "$asked" "ghost.npdef.example A" \
    "without np= no existence query is made"
run eval ghost.agency.gov
like "$out" "^fail policy=np:reject .*record=gov org=agency.gov " \
    "PSD record: np for a non-existent name under an organization"
run eval agency.gov -d mail.agency.gov
like "$out" "^pass policy=sp:quarantine .*org=agency.gov \
aligned=dkim:mail.agency.gov" "PSD record: sp, relaxed DKIM within the org"

# ---- t=y ----

run eval testing.example
like "$out" "^fail policy=p:reject disposition=quarantine testing=y " \
    "t=y: reject becomes quarantine"
run eval testq.example
like "$out" "^fail policy=p:quarantine disposition=none testing=y " \
    "pct=0: quarantine becomes none"
run eval testn.example
like "$out" "^fail policy=p:none disposition=none testing=n " \
    "t=y with p=none: nothing to lower"
run eval testing.example -d testing.example
like "$out" "^pass policy=p:reject disposition=none testing=y " \
    "t=y on pass: disposition none"

# ---- alignment ----

run eval align.example -f bounce.align.example -p
like "$out" "^fail .*reason=\(no aligned identifier\)" \
    "aspf=s: SPF of a subdomain does not align"
run eval align.example -f align.example -p
like "$out" "^pass .*aligned=spf:align.example reason=\(SPF align.example \
aligned, strict\)" "aspf=s: SPF of the domain itself aligns"
run eval align.example -f bounce.align.example -p -d mail.align.example
like "$out" "^pass .*aligned=dkim:mail.align.example .*aligned, relaxed\)$" \
    "adkim=r: DKIM of a subdomain aligns"
run eval align2.example -d x.align2.example
like "$out" "^fail " "adkim=s: DKIM of a subdomain does not align"
run eval align2.example -d x.align2.example -d ALIGN2.example.
like "$out" "^pass .*aligned=dkim:align2.example " \
    "adkim=s: the second signature (other case, final dot) aligns"
run eval align2.example -f bounce.align2.example -p
like "$out" "^pass .*aligned=spf:bounce.align2.example " \
    "aspf=r: SPF of a subdomain aligns"
run eval align2.example -f align2.example
like "$out" "^fail .*identifier: SPF did not pass, no DKIM signature passed\)$" \
    "SPF domain aligned but SPF did not pass: fail"
run eval sub.align2.example -f align2.example -p
like "$out" "^pass policy=p:reject " \
    "subdomain author, SPF of the org domain, relaxed: pass (no sp: p)"
run eval helo.example -f mx.helo.example -p
like "$out" "^pass .*aligned=spf:mx.helo.example " \
    "null sender: the HELO name as the SPF domain aligns (relaxed)"
run aligned Example.ORG. example.org strict
is "$out" "aligned" "strict: case and a final dot do not matter"
run aligned example.org example.net relaxed
is "$out" "not-aligned" "relaxed: different TLDs"
is "$asked" "" "relaxed: different TLDs need no DNS"
run aligned a.b.example.org c.example.org relaxed
is "$out" "aligned" "relaxed: same org domain"

run eval x.y.example.org -f a.x.y.example.org -p -d c.example.org \
    -d d.example.org
like "$out" "^pass " "an evaluation with several identifiers"
dups=$(printf '%s\n' "$asked" | tr ',' '\n' | sed 's/^ //' | sort |
    uniq -d)
is "$dups" "" "each name asked once per evaluation (no repeated query)"

# ---- a temporary error of an aligned identifier (RFC 9989) ----

run eval align.example -f x.other.example -T align.example
like "$out" "^temperror policy=p:reject disposition=none .*reason=\(DKIM \
d=align.example aligned but its check failed temporarily\)" \
    "an aligned DKIM temperror and nothing else: temperror, not fail"
run eval align.example -T a.align.example
like "$out" "^temperror " "relaxed alignment counts for a DKIM temperror"
run eval align2.example -T a.align2.example
like "$out" "^fail policy=p:reject disposition=reject" \
    "a DKIM temperror not aligned (adkim=s): fail stays fail"
run eval align.example -T other.example.org
like "$out" "^fail policy=p:reject disposition=reject" \
    "a DKIM temperror of another domain: fail"
run eval align.example -T align.example -d a.align.example
like "$out" "^pass .*aligned=dkim:a.align.example" \
    "an aligned pass wins over an aligned temperror"
run eval helo.example -f sub.helo.example -e
like "$out" "^temperror .*reason=\(SPF sub.helo.example aligned but its \
check failed temporarily\)" "an aligned SPF temperror: temperror"
run eval align.example -f sub.align.example -e
like "$out" "^fail " "an SPF temperror not aligned (aspf=s): fail"

# ---- several authors at once: the walks in parallel ----

run evalmany a.b.c.m1.example x.y.m2.example q.deep.m3.example \
    none.m4.example -f a.b.c.m1.example -p -T m2.example
many=$out
like "$many" "a.b.c.m1.example: pass .*record=m1.example" \
    "several authors: the first passes (delayed answers)"
like "$many" "x.y.m2.example: temperror policy=p:quarantine .*reason=\(DKIM \
d=m2.example aligned" "several authors: the second a DKIM temperror"
like "$many" "q.deep.m3.example: temperror .*record=deep.m3.example" \
    "several authors: a TIMEOUT in the middle of a walk is temperror"
like "$many" "none.m4.example: none " "several authors: no record"
like "$asked" "_dmarc.m3.example TXT" \
    "the walk past the name that timed out was asked at once: the \
queries did not wait for each answer"
dups=$(printf '%s\n' "$asked" | tr ',' '\n' | sed 's/^ //' | sort |
    uniq -d)
is "$dups" "" "several authors: each name asked once"
for a in a.b.c.m1.example x.y.m2.example q.deep.m3.example none.m4.example; do
	run eval "$a" -f a.b.c.m1.example -p -T m2.example
	one=$(printf '%s\n' "$many" | grep "^$a: " | sed "s/^$a: //")
	is "$one" "$out" "several authors: $a as when evaluated alone"
done

# ---- hostile records ----

run discover huge.example
like "$out" "^found at=huge.example p=reject " \
    "a 10 KB record (over TCP) parses"
run discover nul.example
like "$out" "^found at=nul.example p=none " \
    "a NUL in p= with a valid rua: p=none"
run discover nulv.example
is "$out" "none" "a NUL in the version: not DMARC"
run discover junk.example
like "$out" "^found at=junk.example p=quarantine " \
    "junk parts, repeated p=, control bytes: first p= counts"
run eval dupp.example
like "$out" "^fail policy=p:reject " "repeated p=: the first one wins"
run eval nul.example
unlike "$out" "$(printf '[\001-\037\177]')" "output is printable"

done_testing
