#!/bin/sh
# dmarc-interop.t - authmilter's DMARC agrees with two independent
# implementations on the same cases and the same DNS: mailauth (RFC 9989,
# npm) and Perl's Mail::DMARC (RFC 7489).  Every disagreement is listed
# below with its reason; any other fails the test, and a listed one that
# agrees again is reported, so the lists stay honest.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"

INTEROP=$SRCDIR/t/interop
[ -d "$INTEROP/node_modules/mailauth" ] ||
    skip_all "mailauth is not installed (t/install-deps.sh runs npm ci in t/interop)"
perl -MMail::DMARC::PurePerl -e1 2>/dev/null ||
    skip_all "Mail::DMARC is not installed (libmail-dmarc-perl)"

# name|author|domain whose SPF passed (- none)|DKIM d= that passed...
CASES="spf-aligned|reject.com|reject.com|
dkim-aligned|reject.com|-|reject.com
reject|reject.com|other.com|
quarantine|quar.com|other.com|
none|none.com|other.com|
relaxed-org|reject.com|mail.reject.com|
sp-subdomain|a.sp.com|other.com|
np-nonexistent|nx.np.com|-|
np-existing|exists.np.com|-|
strict-spf|strict.com|mail.strict.com|
strict-dkim|strict.com|-|strict.com
strict-dkim-sub|strict.com|-|mail.strict.com
testing|testing.com|-|
pct0|pct0.com|-|
no-record|norecord.com|-|
deep-labels|a.b.c.d.e.f.g.h.deep.com|-|
grandparent|x.y.grand.com|-|
psd|x.org.psdtld|org.psdtld|
temperror|temp.com|-|"

# Expected disagreements, each with the reason.
MAILAUTH_DIFF="pct0"
# pct0: RFC 9989 dropped pct and mailauth ignores it; authmilter treats
#       pct=0 as t=y (the owner was testing), see dmarc.h.
PERL_DIFF="np-nonexistent testing temperror psd"
# np-nonexistent: np is RFC 9989 (from RFC 9091); RFC 7489 applies sp.
# testing:        t=y is RFC 9989; RFC 7489 has no t tag.
# temperror:      Mail::DMARC turns a DNS failure into none.
# psd:            RFC 7489 uses the public suffix list, where "psdtld" is
#                 no suffix, and Mail::DMARC refuses the author domain.

n=$(printf '%s\n' "$CASES" | wc -l)
plan $((n * 2))

start_dns "$SRCDIR/t/data/zones/dmarc-interop.yml" || exit 1

# verdict RESULT DISPOSITION: "fail/DISPOSITION", or the result alone
verdict() {
	if [ "$1" = fail ]; then echo "fail/$2"; else echo "$1"; fi
}

# compare NAME OURS THEIRS WHO LISTED
compare() {
	name=$1 ours=$2 theirs=$3 who=$4 listed=$5
	case " $listed " in
	*" $name "*)
		if [ "$ours" = "$theirs" ]; then
			ok 0 "$name: agrees with $who # TODO listed as a disagreement, agrees now"
		else
			ok 0 "$name: differs from $who as expected ($ours vs $theirs)"
		fi ;;
	*)
		is "$ours" "$theirs" "$name: agrees with $who" ;;
	esac
}

printf '%s\n' "$CASES" > "$tmpdir/cases"
diag "case             authmilter         mailauth           Mail::DMARC"
while IFS='|' read -r name author spf dkim; do
	args="-f ${spf}"
	[ "$spf" = - ] && args=
	[ -n "$spf" ] && [ "$spf" != - ] && args="$args -p"
	dargs=
	for d in $dkim; do dargs="$dargs -d $d"; done
	out=$("$BUILDDIR/t/dmarc-query" -s "127.0.0.1:$DNS_PORT" -t 1000 -r 1 \
	    eval "$author" $args $dargs)
	ours=$(verdict "$(echo "$out" | cut -d' ' -f1)" \
	    "$(echo "$out" | sed -n 's/.* disposition=\([a-z]*\).*/\1/p')")
	set -- $(node "$INTEROP/mailauth-dmarc.js" "$DNS_PORT" "$author" "$spf" $dkim)
	mailauth=$(verdict "$1" "$2")
	set -- $(perl "$INTEROP/mail-dmarc.pl" "$DNS_PORT" "$author" "$spf" $dkim 2>/dev/null)
	perl=$(verdict "${1:-error}" "${2:-}")
	diag "$(printf '%-16s %-18s %-18s %s' "$name" "$ours" "$mailauth" "$perl")"
	compare "$name" "$ours" "$mailauth" mailauth "$MAILAUTH_DIFF"
	compare "$name" "$ours" "$perl" Mail::DMARC "$PERL_DIFF"
done < "$tmpdir/cases"
