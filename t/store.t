#!/bin/sh
# store.t - issue 10: the store interface (lib/store.h) keeps one
# contract on both backends.  t/unit/store_test runs against a SQLite
# file and against a real PostgreSQL server (t/lib/pg.sh); each of its
# checks is reported here with the backend's name: open errors, the
# connect timeout, parameter and column types, streaming and early
# stop, transactions (a failed statement dooms its transaction on
# both), ON CONFLICT DO NOTHING, store_lock between processes,
# concurrent schema creation, history insert and prune.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"
. "$SRCDIR/t/lib/pg.sh"

STORE_TEST="$BUILDDIR/t/unit/store_test"
[ -x "$STORE_TEST" ] || skip_all "t/unit/store_test not built"

# run_store_test NAME URL - store_test on URL, each check as "NAME: ..."
run_store_test() {
	TMPDIR=$tmpdir "$STORE_TEST" "$2" > "$tmpdir/$1.out" 2>&1
	status=$?
	planned=
	seen=0
	while IFS= read -r line; do
		case $line in
		"ok "*)		ok 0 "$1: ${line#* - }"; seen=$((seen + 1)) ;;
		"not ok "*)	ok 1 "$1: ${line#* - }"; seen=$((seen + 1)) ;;
		1..*)		planned=${line#1..} ;;
		*)		printf '%s\n' "$line" | sed 's/^#*/#/' ;;
		esac
	done < "$tmpdir/$1.out"
	is "$status" 0 "$1: store_test exits 0"
	ok "$([ "$seen" -gt 0 ] && [ "$seen" = "$planned" ]; echo $?)" \
	    "$1: store_test ran to its plan ($seen of ${planned:-?} checks)"
}

run_store_test sqlite "sqlite:$tmpdir/store.db"

if pg_missing; then
	ok 0 "postgresql # SKIP postgresql not installed"
elif pg_start && pg_createdb storetest; then
	run_store_test postgresql "$(pg_url storetest)"
else
	ok 1 "postgresql: the server starts"
fi
done_testing
