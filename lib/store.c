/*
 * store.c - open a store by its URL and hand each call to its backend
 */
#include <string.h>

#include "util.h"
#include "store.h"

/* store_open - the store a URL names, or NULL with err */
struct store *
store_open(const char *url, struct strbuf *err)
{
	struct store *st;
	const struct store_backend *be;
	const char *where;

	if (strncmp(url, "sqlite:", 7) == 0) {
		be = &store_sqlite_backend;
		where = url + 7;
	} else if (strncmp(url, "postgresql://", 13) == 0 ||
	    strncmp(url, "postgres://", 11) == 0) {
		be = &store_pg_backend;
		where = url;
	} else {
		sb_printf(err, "store: unknown kind of store '%s' (expected "
		    "sqlite:/PATH or postgresql://...)", url);
		return NULL;
	}
	if ((st = be->open(where, err)) != NULL)
		st->be = be;
	return st;
}

/* store_close - close a store; NULL is harmless */
void
store_close(struct store *st)
{
	if (st != NULL)
		st->be->close(st);
}

/* store_kind - the backend's name */
const char *
store_kind(const struct store *st)
{
	return st->be->name;
}

/* a caller's row function, to tell its stop from a database error */
struct relay {
	store_row_fn	 fn;
	void		*arg;
	int		 stopped;
};

/* relay_row - hand a row to the caller's fn, noting a stop */
static int
relay_row(void *arg, const struct store_val *v, size_t n)
{
	struct relay *r = arg;
	int rc;

	if ((rc = r->fn(r->arg, v, n)) != 0)
		r->stopped = 1;
	return rc;
}

/* doomed - the error for a statement in a transaction that failed */
static int
doomed(struct store *st, struct strbuf *err)
{
	sb_printf(err, "%s: transaction aborted by an earlier error in it; "
	    "roll it back", st->be->name);
	return -1;
}

/* store_exec - one statement, its rows to fn */
int
store_exec(struct store *st, const char *sql, const struct store_val *p,
    size_t np, store_row_fn fn, void *arg, struct strbuf *err)
{
	struct relay r = { fn, arg, 0 };
	int rc;

	if (st->tx_failed)
		return doomed(st, err);
	rc = st->be->exec(st, sql, p, np, fn != NULL ? relay_row : NULL, &r,
	    err);
	/* a database error dooms the transaction, as PostgreSQL does */
	if (rc != 0 && !r.stopped && st->in_tx)
		st->tx_failed = 1;
	return rc;
}

/* store_begin - start a write transaction */
int
store_begin(struct store *st, struct strbuf *err)
{
	if (st->in_tx) {
		sb_printf(err, "%s: a transaction is already open",
		    st->be->name);
		return -1;
	}
	if (st->be->begin(st, err) == -1)
		return -1;
	st->in_tx = 1;
	st->tx_failed = 0;
	return 0;
}

/* store_commit - end the transaction; -1 if anything in it failed */
int
store_commit(struct store *st, struct strbuf *err)
{
	int failed = st->tx_failed;

	if (!st->in_tx) {
		sb_printf(err, "%s: commit: no transaction is open",
		    st->be->name);
		return -1;
	}
	st->in_tx = 0;
	st->tx_failed = 0;
	if (failed) {
		st->be->rollback(st);
		sb_printf(err, "%s: commit: the transaction was rolled back, "
		    "a statement in it failed", st->be->name);
		return -1;
	}
	if (st->be->commit(st, err) == 0)
		return 0;
	st->be->rollback(st);		/* nothing of it is kept */
	return -1;
}

/* store_rollback - undo the transaction; harmless without one */
void
store_rollback(struct store *st)
{
	st->in_tx = 0;
	st->tx_failed = 0;
	st->be->rollback(st);
}

/* store_lock - a named lock held to the end of the transaction */
int
store_lock(struct store *st, const char *name, struct strbuf *err)
{
	if (!st->in_tx) {
		sb_printf(err, "%s: lock %s: no transaction is open",
		    st->be->name, name);
		return -1;
	}
	if (st->tx_failed)
		return doomed(st, err);
	if (st->be->lock(st, name, err) == 0)
		return 0;
	st->tx_failed = 1;
	return -1;
}

/* store_int - an integer parameter */
struct store_val
store_int(int64_t i)
{
	struct store_val v = { STORE_INT, i, NULL };

	return v;
}

/* store_text - a text parameter; NULL gives SQL NULL */
struct store_val
store_text(const char *s)
{
	struct store_val v = { s != NULL ? STORE_TEXT : STORE_NULL, 0, s };

	return v;
}
