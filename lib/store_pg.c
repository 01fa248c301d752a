/*
 * store_pg.c - a shared PostgreSQL store (libpq), for a fleet of MTAs
 *
 * Rows are read in libpq's single-row mode, so a query of any size
 * holds one row at a time.  Parameters go as text; integer columns
 * (int2, int4, int8) come back as STORE_INT.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "store.h"

#define MAX_PARAMS	64
#define MAX_COLUMNS	64
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23
#define CONNECT_TIMEOUT	"10"	/* seconds, unless the URI says */

struct store_pg {
	struct store	 st;
	PGconn		*conn;
};

/* fail - append libpq's error, one line */
static int
fail(struct store_pg *s, const char *what, const char *msg,
    struct strbuf *err)
{
	size_t len;

	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(s->conn);
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	sb_printf(err, "postgresql: %s: %.*s", what, (int)len, msg);
	return -1;
}

/* row_out - hand one result row to fn */
static int
row_out(PGresult *res, store_row_fn fn, void *arg)
{
	struct store_val cols[MAX_COLUMNS];
	size_t i, n = (size_t)PQnfields(res);
	Oid t;

	if (n > MAX_COLUMNS)
		n = MAX_COLUMNS;
	for (i = 0; i < n; i++) {
		cols[i].i = 0;
		cols[i].s = NULL;
		if (PQgetisnull(res, 0, (int)i)) {
			cols[i].type = STORE_NULL;
			continue;
		}
		t = PQftype(res, (int)i);
		if (t == OID_INT8 || t == OID_INT4 || t == OID_INT2) {
			cols[i].type = STORE_INT;
			cols[i].i = strtoll(PQgetvalue(res, 0, (int)i), NULL,
			    10);
		} else {
			cols[i].type = STORE_TEXT;
			cols[i].s = PQgetvalue(res, 0, (int)i);
		}
	}
	return fn(arg, cols, n);
}

/* pg_exec - one statement, rows streamed to fn in single-row mode */
static int
pg_exec(struct store *st, const char *sql, const struct store_val *p,
    size_t np, store_row_fn fn, void *arg, struct strbuf *err)
{
	struct store_pg *s = (struct store_pg *)st;
	const char *values[MAX_PARAMS];
	Oid types[MAX_PARAMS];
	char nums[MAX_PARAMS][24];
	PGresult *res;
	size_t i;
	int rc = 0, stop = 0;

	if (np > MAX_PARAMS)
		return fail(s, "statement", "too many parameters", err);
	for (i = 0; i < np; i++) {
		if (p[i].type == STORE_INT) {
			snprintf(nums[i], sizeof(nums[i]), "%lld",
			    (long long)p[i].i);
			values[i] = nums[i];
			types[i] = OID_INT8;
		} else {
			values[i] = p[i].type == STORE_TEXT ? p[i].s : NULL;
			types[i] = 0;	/* the server infers it */
		}
	}
	if (!PQsendQueryParams(s->conn, sql, (int)np, types, values, NULL,
	    NULL, 0))
		return fail(s, "send", NULL, err);
	(void)PQsetSingleRowMode(s->conn);
	while ((res = PQgetResult(s->conn)) != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_SINGLE_TUPLE:
			if (fn != NULL && stop == 0 && rc == 0)
				stop = row_out(res, fn, arg);
			break;
		case PGRES_TUPLES_OK:
		case PGRES_COMMAND_OK:
			break;
		default:
			if (rc == 0)
				rc = fail(s, "statement",
				    PQresultErrorMessage(res), err);
		}
		PQclear(res);
	}
	if (rc == 0 && PQstatus(s->conn) == CONNECTION_BAD)
		rc = fail(s, "connection", NULL, err);
	return rc != 0 ? rc : stop;
}

/* plain - a statement without parameters or rows */
static int
plain(struct store_pg *s, const char *sql, struct strbuf *err)
{
	return pg_exec(&s->st, sql, NULL, 0, NULL, NULL, err);
}

/* pg_begin - start a transaction */
static int
pg_begin(struct store *st, struct strbuf *err)
{
	return plain((struct store_pg *)st, "BEGIN", err);
}

/* pg_commit - end the transaction */
static int
pg_commit(struct store *st, struct strbuf *err)
{
	return plain((struct store_pg *)st, "COMMIT", err);
}

/* pg_rollback - undo the transaction */
static void
pg_rollback(struct store *st)
{
	struct strbuf scratch;

	sb_init(&scratch);
	(void)plain((struct store_pg *)st, "ROLLBACK", &scratch);
	sb_free(&scratch);
}

/* pg_lock - an advisory lock on the name, to the end of the transaction */
static int
pg_lock(struct store *st, const char *name, struct strbuf *err)
{
	struct store_val v = store_text(name);

	return pg_exec(st, "SELECT pg_advisory_xact_lock(hashtext($1))", &v,
	    1, NULL, NULL, err);
}

/* pg_close - close the connection */
static void
pg_close(struct store *st)
{
	struct store_pg *s = (struct store_pg *)st;

	PQfinish(s->conn);
	free(s);
}

/* pg_open - connect by URI */
static struct store *
pg_open(const char *uri, struct strbuf *err)
{
	/* a URI's own connect_timeout, given after ours, wins */
	static const char *const keys[] = { "connect_timeout", "dbname",
	    NULL };
	const char *vals[] = { CONNECT_TIMEOUT, uri, NULL };
	struct store_pg *s = xcalloc(1, sizeof(*s));

	s->conn = PQconnectdbParams(keys, vals, 1);
	if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
		fail(s, "connect", NULL, err);
		pg_close(&s->st);
		return NULL;
	}
	if (plain(s, "SET client_min_messages TO warning", err) == -1) {
		pg_close(&s->st);
		return NULL;
	}
	return &s->st;
}

const struct store_backend store_pg_backend = {
	"postgresql", pg_open, pg_close, pg_exec, pg_begin, pg_commit,
	pg_rollback, pg_lock,
};
