# pg.sh - a private PostgreSQL server for one test, sourced after
# testenv.sh and milter.sh (for free_port)
#
#   pg_missing            true when Debian's postgresql is not installed
#   pg_start              initdb and start a server in $tmpdir/pg, run as
#                         the postgres user, listening on 127.0.0.1 at a
#                         free port and on a socket in $tmpdir/pg/run;
#                         stopped at exit
#   pg_createdb DB        create database DB
#   pg_url DB             print the postgresql:// URI of DB (over the
#                         private socket directory)
#   pg_psql DB SQL        run SQL, print rows unaligned with | between
#                         columns
#
# The server trusts local connections; nothing outside the test's
# temporary directory is touched.

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

pg_missing() {
	[ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] ||
	    ! id postgres >/dev/null 2>&1
}

# pg_as CMD... - run a command as the postgres user
pg_as() {
	runuser -u postgres -- "$@"
}

pg_start() {
	PG_DIR="$tmpdir/pg"
	PG_PORT=$(free_port)
	mkdir -p "$PG_DIR/run"
	chmod 755 "$tmpdir"
	chown -R postgres "$PG_DIR"
	if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres \
	    -E UTF8 --locale=C.UTF-8 > "$PG_DIR/initdb.log" 2>&1; then
		diag "initdb failed:"
		sed 's/^/# /' "$PG_DIR/initdb.log"
		return 1
	fi
	if ! pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
	    -w -t 60 -o "-k $PG_DIR/run -p $PG_PORT -c listen_addresses=127.0.0.1 -c fsync=off" \
	    start > "$PG_DIR/ctl.log" 2>&1; then
		diag "PostgreSQL did not start:"
		sed 's/^/# /' "$PG_DIR/ctl.log" "$PG_DIR/server.log"
		return 1
	fi
	at_exit "runuser -u postgres -- '$PG_BIN/pg_ctl' -D '$PG_DIR/data' -m immediate stop >/dev/null 2>&1"
}

pg_createdb() {
	pg_as "$PG_BIN/createdb" -h "$PG_DIR/run" -p "$PG_PORT" -U postgres "$1"
}

pg_url() {
	printf 'postgresql://postgres@/%s?host=%s&port=%s\n' "$1" \
	    "$PG_DIR/run" "$PG_PORT"
}

pg_psql() {
	pg_as "$PG_BIN/psql" -X -q -A -t -h "$PG_DIR/run" -p "$PG_PORT" \
	    -U postgres -d "$1" -c "$2"
}
