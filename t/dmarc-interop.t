#!/bin/sh
# dmarc-interop.t - authmilter's DMARC agrees with two independent
# implementations on the same cases and the same DNS: mailauth (RFC 9989,
# npm) and Perl's Mail::DMARC (RFC 7489).  Every disagreement is listed
# below with its reason; any other fails the test, and a listed one that
# agrees again is reported, so the lists stay honest.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"

INTEROP=$SRCDIR/t/interop
PSL=/usr/share/publicsuffix/public_suffix_list.dat
if [ ! -f "$INTEROP/node_modules/mailauth/package.json" ]; then
	why="mailauth is not installed (t/install-deps.sh runs npm ci in t/interop)"
	[ -s "$INTEROP/npm-ci.log" ] &&
	    why="$why; npm ci said: $(grep -m1 -i 'err' "$INTEROP/npm-ci.log" | cut -c1-120)"
	skip_all "$why"
fi
command -v node >/dev/null 2>&1 || skip_all "node is not installed"
why=$(NODE_PATH=$INTEROP/node_modules node "$INTEROP/mailauth-dmarc.js" --check 2>&1) ||
    skip_all "node $(node -v) cannot load mailauth: $why"
perl -MMail::DMARC::PurePerl -e1 2>/dev/null ||
    skip_all "Mail::DMARC is not installed (libmail-dmarc-perl)"
[ -f "$PSL" ] || skip_all "no public suffix list $PSL (publicsuffix)"

# name|author|domain whose SPF passed (- none)|DKIM d= that passed...
CASES="spf-aligned|reject.com|reject.com|
dkim-aligned|reject.com|-|reject.com
reject|reject.com|other.com|
quarantine|quar.com|other.com|
none|none.com|other.com|
relaxed-spf-org|reject.com|mail.reject.com|
relaxed-dkim-org|reject.com|-|mail.reject.com
sp-subdomain|a.sp.com|other.com|
np-default-sp|nx.sp.com|-|
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
walk-between|x.y.dept.bigorg.com|other.com|
psd-y-pass|mail.agency.gov|agency.gov|
psd-y-fail|mail.agency.gov|other.gov|
psd-n|mail.corp.bigco.com|other.bigco.com|
temperror|temp.com|-|
temperror-servfail|servfail.com|-|"

# Expected disagreements with mailauth (RFC 9989 both), one line each.
MAILAUTH_DIFF="pct0 walk-between"
# pct0:         RFC 9989 dropped pct and mailauth ignores it; authmilter
#               takes pct=0 as t=y (the owner was testing), see dmarc.h.
# walk-between: no record at the author domain: authmilter applies the
#               first record the walk meets (dept.bigorg.com, p=reject),
#               mailauth the Organizational Domain's (bigorg.com, p=none).

# Expected disagreements with Mail::DMARC (RFC 7489), one line each.
PERL_DIFF="np-nonexistent testing walk-between psd-y-pass psd-y-fail psd-n temperror temperror-servfail"
# np-nonexistent: np is RFC 9989 (from RFC 9091); RFC 7489 applies sp.
# testing:        t=y is RFC 9989; RFC 7489 has no t tag (p applies).
# walk-between:   RFC 7489 asks only the author and the PSL org domain
#                 (bigorg.com); the tree walk finds dept.bigorg.com.
# psd-y-pass:     RFC 7489 never asks a public suffix (gov): no policy.
# psd-y-fail:     the same: no policy, where RFC 9989 applies gov's sp.
# psd-n:          psd=n makes corp.bigco.com its own org domain; by the
#                 PSL it is bigco.com, whose p=none passes other.bigco.com.
# temperror:      Mail::DMARC takes a DNS timeout for no record (none).
# temperror-servfail: the same for SERVFAIL.

n=$(printf '%s\n' "$CASES" | wc -l)
plan $((n * 2))

start_dns "$SRCDIR/t/data/zones/dmarc-interop.yml" || exit 1

# lower WORD - the policy one step down (t=y)
lower() {
	case $1 in
	reject) echo quarantine ;;
	*) echo none ;;
	esac
}

# compare NAME OURS THEIRS WHO LISTED
compare() {
	name=$1 ours=$2 theirs=$3 who=$4 listed=$5
	case " $listed " in
	*" $name "*)
		if [ "$ours" = "$theirs" ]; then
			ok 0 "$name: agrees with $who # TODO listed as an expected disagreement, agrees now: take it off the list"
		else
			ok 0 "$name: differs from $who as expected ($ours vs $theirs)"
		fi ;;
	*)
		is "$ours" "$theirs" "$name: agrees with $who" ;;
	esac
}

# What is compared: with mailauth, RESULT/POLICY, the policy in force
# after t= (mailauth's policy.dmarc, on pass and fail); with Mail::DMARC,
# RESULT/DISPOSITION (what it reports, on pass and fail).  Other results
# (none, temperror, permerror) are compared alone.
printf '%s\n' "$CASES" > "$tmpdir/cases"
diag "$(printf '%-19s %-17s %-17s | %-17s %s' case 'authmilter' mailauth \
    'authmilter' 'Mail::DMARC')"
diag "$(printf '%-19s %-17s %-17s | %-17s %s' '' '(result/policy)' '' \
    '(result/disp.)' '')"
while IFS='|' read -r name author spf dkim; do
	set -- eval "$author"
	[ "$spf" != - ] && set -- "$@" -f "$spf" -p
	for d in $dkim; do set -- "$@" -d "$d"; done
	out=$("$BUILDDIR/t/dmarc-query" -s "$DNS_SERVER" -t 1000 -r 1 "$@")
	res=${out%% *}
	word=$(printf '%s\n' "$out" | sed -n 's/.* policy=[^:]*:\([a-z]*\).*/\1/p')
	disp=$(printf '%s\n' "$out" | sed -n 's/.* disposition=\([a-z]*\).*/\1/p')
	case $out in *" testing=y "*) word=$(lower "$word") ;; esac
	case $res in
	pass|fail) ours_pol=$res/$word ours_disp=$res/$disp ;;
	*) ours_pol=$res ours_disp=$res ;;
	esac

	# shellcheck disable=SC2046,SC2086 # words and DKIM domains split on purpose
	set -- $(NODE_PATH=$INTEROP/node_modules node "$INTEROP/mailauth-dmarc.js" \
	    "$DNS_PORT" "$author" "$spf" $dkim)
	case $1 in pass|fail) mailauth=$1/$2 ;; *) mailauth=${1:-error} ;; esac
	shift 2 2>/dev/null; mailauth_why=$*

	# shellcheck disable=SC2046,SC2086
	set -- $(perl "$INTEROP/mail-dmarc.pl" "$DNS_PORT" "$author" "$spf" \
	    $dkim 2>/dev/null)
	case $1 in pass|fail) perl=$1/$2 ;; *) perl=${1:-error} ;; esac
	shift 2 2>/dev/null; perl_why=$*

	diag "$(printf '%-19s %-17s %-17s | %-17s %s' "$name" "$ours_pol" \
	    "$mailauth" "$ours_disp" "$perl")"
	compare "$name" "$ours_pol" "$mailauth" mailauth "$MAILAUTH_DIFF" ||
	    diag "authmilter: $out" "mailauth: $mailauth_why"
	compare "$name" "$ours_disp" "$perl" Mail::DMARC "$PERL_DIFF" ||
	    diag "authmilter: $out" "Mail::DMARC: $perl_why"
done < "$tmpdir/cases"
