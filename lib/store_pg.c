/*
 * store_pg.c - a shared PostgreSQL store (libpq), for a fleet of MTAs
 *
 * Rows are read in libpq's single-row mode, so a query of any size
 * holds one row at a time.  Parameters go as text, integers typed int8
 * and text left for the server to infer (as a literal would be).
 * Integer columns (int2, int4, int8), a numeric holding an integer
 * that fits 64 bits (SUM() of BIGINT) and booleans (1 or 0) come back
 * as STORE_INT, as SQLite gives them.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "util.h"
#include "log.h"
#include "store.h"

#define OID_BOOL	16
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23
#define OID_NUMERIC	1700
#define CONNECT_TIMEOUT	"10"	/* seconds, unless the URI says */

struct store_pg {
	struct store	 st;
	PGconn		*conn;
};

/* fail - append libpq's error, its lines joined into one */
static int
fail(struct store_pg *s, const char *what, const char *msg,
    struct strbuf *err)
{
	size_t i, len;

	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(s->conn);
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	sb_printf(err, "postgresql: %s: ", what);
	for (i = 0; i < len; i++) {
		if (msg[i] != '\n' && msg[i] != '\t')
			sb_putc(err, msg[i]);
		else if (err->len > 0 && err->s[err->len - 1] != ' ')
			sb_putc(err, ' ');
	}
	return -1;
}

/* fail_res - a failed result's error: its primary message, one line */
static int
fail_res(struct store_pg *s, const char *what, PGresult *res,
    struct strbuf *err)
{
	const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	if (m == NULL)
		return fail(s, what, PQresultErrorMessage(res), err);
	sb_printf(err, "postgresql: %s: %s", what, m);
	if (code != NULL)
		sb_printf(err, " (SQLSTATE %s)", code);
	return -1;
}

/* as_int - a decimal integer that fits 64 bits, whole; 0, or -1 */
static int
as_int(const char *s, int64_t *i)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*i = (int64_t)v;
	return 0;
}

/* row_out - hand result row r to fn */
static int
row_out(PGresult *res, int r, store_row_fn fn, void *arg)
{
	struct store_val cols[STORE_MAX_COLUMNS];
	size_t i, n = (size_t)PQnfields(res);
	const char *v;
	Oid t;

	for (i = 0; i < n; i++) {
		cols[i].i = 0;
		cols[i].s = NULL;
		cols[i].type = STORE_TEXT;
		if (PQgetisnull(res, r, (int)i)) {
			cols[i].type = STORE_NULL;
			continue;
		}
		v = PQgetvalue(res, r, (int)i);
		t = PQftype(res, (int)i);
		if (t == OID_BOOL) {
			cols[i].type = STORE_INT;
			cols[i].i = v[0] == 't';
		} else if ((t == OID_INT8 || t == OID_INT4 || t == OID_INT2 ||
		    t == OID_NUMERIC) && as_int(v, &cols[i].i) == 0)
			cols[i].type = STORE_INT;
		else
			cols[i].s = v;
	}
	return fn(arg, cols, n);
}

/* rows_out - a result's rows to fn until it stops; 0 or fn's value */
static int
rows_out(PGresult *res, store_row_fn fn, void *arg)
{
	int r, stop = 0;

	for (r = 0; r < PQntuples(res) && stop == 0; r++)
		stop = row_out(res, r, fn, arg);
	return stop;
}

/* pg_exec - one statement, rows streamed to fn in single-row mode */
static int
pg_exec(struct store *st, const char *sql, const struct store_val *p,
    size_t np, store_row_fn fn, void *arg, struct strbuf *err)
{
	struct store_pg *s = (struct store_pg *)st;
	const char *values[STORE_MAX_PARAMS];
	Oid types[STORE_MAX_PARAMS];
	char nums[STORE_MAX_PARAMS][24];
	PGresult *res;
	size_t i;
	int rc = 0, stop = 0;

	if (np > STORE_MAX_PARAMS) {
		sb_printf(err, "postgresql: %zu parameters, more than %d", np,
		    STORE_MAX_PARAMS);
		return -1;
	}
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
	/* after a stop or an error the rest is read and dropped */
	while ((res = PQgetResult(s->conn)) != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_SINGLE_TUPLE:
		case PGRES_TUPLES_OK:
			if (fn == NULL || stop != 0 || rc != 0)
				break;
			if (PQnfields(res) > STORE_MAX_COLUMNS) {
				sb_printf(err, "postgresql: statement: a row "
				    "of %d columns, more than %d",
				    PQnfields(res), STORE_MAX_COLUMNS);
				rc = -1;
			} else
				stop = rows_out(res, fn, arg);
			break;
		case PGRES_COMMAND_OK:
			break;
		default:
			if (rc == 0)
				rc = fail_res(s, "statement", res, err);
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

/* pg_commit - end the transaction; a COMMIT that rolled back fails */
static int
pg_commit(struct store *st, struct strbuf *err)
{
	struct store_pg *s = (struct store_pg *)st;
	PGresult *res;
	int rc = 0;

	res = PQexec(s->conn, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = res != NULL ? fail_res(s, "commit", res, err) :
		    fail(s, "commit", NULL, err);
	else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
		rc = fail(s, "commit", "the transaction was aborted and "
		    "rolled back", err);
	PQclear(res);
	return rc;
}

/* pg_rollback - undo the transaction, if one is open */
static void
pg_rollback(struct store *st)
{
	struct store_pg *s = (struct store_pg *)st;
	struct strbuf scratch;

	if (PQtransactionStatus(s->conn) == PQTRANS_IDLE)
		return;
	sb_init(&scratch);
	(void)plain(s, "ROLLBACK", &scratch);
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

/* notice - the server's warnings go to the log, not to stderr */
static void
notice(void *arg, const char *msg)
{
	size_t len = strlen(msg);

	(void)arg;
	while (len > 0 && msg[len - 1] == '\n')
		len--;
	log_msg(LOG_WARNING, "postgresql: %.*s", (int)len, msg);
}

/* pg_open - connect by URI */
static struct store *
pg_open(const char *uri, struct strbuf *err)
{
	/* a URI's own connect_timeout, given after ours, wins */
	static const char *const keys[] = { "connect_timeout",
	    "client_encoding", "dbname", NULL };
	const char *vals[] = { CONNECT_TIMEOUT, "UTF8", uri, NULL };
	struct store_pg *s = xcalloc(1, sizeof(*s));

	s->conn = PQconnectdbParams(keys, vals, 1);
	if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
		fail(s, "connect", NULL, err);
		pg_close(&s->st);
		return NULL;
	}
	(void)PQsetNoticeProcessor(s->conn, notice, NULL);
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
