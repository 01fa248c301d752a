/*
 * store_sqlite.c - the embedded store: one SQLite file, WAL journal
 *
 * Several processes share the file (the daemon's writer thread and
 * authmilter-report): WAL lets readers go on beside the writer, and a
 * busy timeout makes writers wait for each other instead of failing.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "store.h"

#define BUSY_WAIT_MS	30000	/* a writer waits this long for another */

struct store_sqlite {
	struct store	 st;
	sqlite3		*db;
	char		*path;
};

/* fail - append the database's error to err */
static int
fail(struct store_sqlite *s, const char *what, struct strbuf *err)
{
	sb_printf(err, "sqlite %s: %s: %s", s->path, what,
	    sqlite3_errmsg(s->db));
	return -1;
}

/*
 * bind - parameter $N is p[N - 1], found by its name, so $2 may come
 * before $1 and $1 be used twice; each one given must be used, and
 * each one used given, as PostgreSQL has it
 */
static int
bind(struct store_sqlite *s, sqlite3_stmt *stmt, const struct store_val *p,
    size_t np, struct strbuf *err)
{
	char name[16];
	size_t i;
	int k, rc;

	if ((size_t)sqlite3_bind_parameter_count(stmt) > np) {
		sb_printf(err, "sqlite %s: bind: the statement has %d "
		    "parameters, %zu given", s->path,
		    sqlite3_bind_parameter_count(stmt), np);
		return -1;
	}
	for (i = 0; i < np; i++) {
		snprintf(name, sizeof(name), "$%zu", i + 1);
		if ((k = sqlite3_bind_parameter_index(stmt, name)) == 0) {
			sb_printf(err, "sqlite %s: bind: no parameter %s in "
			    "the statement", s->path, name);
			return -1;
		}
		if (p[i].type == STORE_INT)
			rc = sqlite3_bind_int64(stmt, k, p[i].i);
		else if (p[i].type == STORE_TEXT)
			rc = sqlite3_bind_text(stmt, k, p[i].s, -1,
			    SQLITE_STATIC);
		else
			rc = sqlite3_bind_null(stmt, k);
		if (rc != SQLITE_OK)
			return fail(s, "bind", err);
	}
	return 0;
}

/* sq_exec - one statement, rows streamed to fn */
static int
sq_exec(struct store *st, const char *sql, const struct store_val *p,
    size_t np, store_row_fn fn, void *arg, struct strbuf *err)
{
	struct store_sqlite *s = (struct store_sqlite *)st;
	struct store_val cols[STORE_MAX_COLUMNS];
	sqlite3_stmt *stmt, *next;
	const char *tail;
	size_t i, n;
	int rc, stop = 0;

	if (np > STORE_MAX_PARAMS) {
		sb_printf(err, "sqlite %s: %zu parameters, more than %d",
		    s->path, np, STORE_MAX_PARAMS);
		return -1;
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, &tail) != SQLITE_OK)
		return fail(s, "prepare", err);
	/* one statement a call, as PostgreSQL's extended protocol has it */
	next = NULL;
	if (sqlite3_prepare_v2(s->db, tail, -1, &next, NULL) != SQLITE_OK ||
	    next != NULL) {
		sb_printf(err, "sqlite %s: prepare: more than one statement",
		    s->path);
		sqlite3_finalize(next);
		sqlite3_finalize(stmt);
		return -1;
	}
	n = (size_t)sqlite3_column_count(stmt);
	if (fn != NULL && n > STORE_MAX_COLUMNS) {
		sb_printf(err, "sqlite %s: prepare: a row of %zu columns, more "
		    "than %d", s->path, n, STORE_MAX_COLUMNS);
		sqlite3_finalize(stmt);
		return -1;
	}
	if (bind(s, stmt, p, np, err) == -1) {
		sqlite3_finalize(stmt);
		return -1;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (fn == NULL)
			continue;
		for (i = 0; i < n; i++) {
			switch (sqlite3_column_type(stmt, (int)i)) {
			case SQLITE_NULL:
				cols[i].type = STORE_NULL;
				cols[i].s = NULL;
				cols[i].i = 0;
				break;
			case SQLITE_INTEGER:
				cols[i].type = STORE_INT;
				cols[i].i = sqlite3_column_int64(stmt,
				    (int)i);
				cols[i].s = NULL;
				break;
			default:
				cols[i].type = STORE_TEXT;
				cols[i].s = (const char *)
				    sqlite3_column_text(stmt, (int)i);
				cols[i].i = 0;
				if (cols[i].s == NULL)
					cols[i].s = "";
			}
		}
		if ((stop = fn(arg, cols, n)) != 0)
			break;
	}
	if (stop == 0 && rc != SQLITE_DONE) {
		fail(s, "step", err);
		sqlite3_finalize(stmt);
		return -1;
	}
	sqlite3_finalize(stmt);
	return stop;
}

/* plain - a statement without parameters or rows */
static int
plain(struct store_sqlite *s, const char *sql, struct strbuf *err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	sb_printf(err, "sqlite %s: %s: %s", s->path, sql,
	    msg != NULL ? msg : sqlite3_errmsg(s->db));
	sqlite3_free(msg);
	return -1;
}

/* sq_begin - a write transaction, taken at once */
static int
sq_begin(struct store *st, struct strbuf *err)
{
	return plain((struct store_sqlite *)st, "BEGIN IMMEDIATE", err);
}

/* sq_commit - end the transaction */
static int
sq_commit(struct store *st, struct strbuf *err)
{
	struct store_sqlite *s = (struct store_sqlite *)st;

	if (plain(s, "COMMIT", err) == 0)
		return 0;
	(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* sq_rollback - undo the transaction, if one is open */
static void
sq_rollback(struct store *st)
{
	struct store_sqlite *s = (struct store_sqlite *)st;

	if (sqlite3_get_autocommit(s->db))
		return;
	(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* sq_lock - BEGIN IMMEDIATE already excludes every other writer */
static int
sq_lock(struct store *st, const char *name, struct strbuf *err)
{
	(void)st;
	(void)name;
	(void)err;
	return 0;
}

/* sq_close - close the file */
static void
sq_close(struct store *st)
{
	struct store_sqlite *s = (struct store_sqlite *)st;

	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

/* sq_open - open (create) the file at path */
static struct store *
sq_open(const char *path, struct strbuf *err)
{
	struct store_sqlite *s = xcalloc(1, sizeof(*s));

	s->path = xstrdup(path);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fail(s, "open", err);
		sq_close(&s->st);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, BUSY_WAIT_MS);
	if (plain(s, "PRAGMA journal_mode=WAL", err) == -1 ||
	    plain(s, "PRAGMA synchronous=NORMAL", err) == -1) {
		sq_close(&s->st);
		return NULL;
	}
	return &s->st;
}

const struct store_backend store_sqlite_backend = {
	"sqlite", sq_open, sq_close, sq_exec, sq_begin, sq_commit,
	sq_rollback, sq_lock,
};
