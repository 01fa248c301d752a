#!/bin/sh
# diff.t - the short differential run (t/diff/run.sh, fixed seed): our
# SPF evaluator against libspf2 and our DKIM verifier against
# libopendkim on 1200 generated and mutated SPF scenarios and 300
# signed and mutated messages; fails on any disagreement that
# t/diff/classify.py does not put in a class of t/diff/DISAGREEMENTS.md.
# The long run is by hand:
# sh t/diff/run.sh -n 20000 -d 5000.  Skips without root (it runs in
# its own network and mount namespaces), spfquery or libopendkim-dev.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (unshare -mn)"
out=$(TMPDIR=$tmpdir sh "$SRCDIR/t/diff/run.sh" -n 1200 -d 300 -s 1 2>&1)
rc=$?
[ $rc -eq 77 ] && skip_all "$(printf '%s\n' "$out" | tail -1)"
diag "$out"
like "$out" "^spf: 1200 cases" "all 1200 SPF scenarios ran"
like "$out" "^dkim: 300 cases" "all 300 DKIM messages ran"
unlike "$out" "UNCLASSIFIED" "no unclassified disagreement"
ok $rc "run.sh exits 0"
done_testing
