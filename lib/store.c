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

/* store_exec - one statement, its rows to fn */
int
store_exec(struct store *st, const char *sql, const struct store_val *p,
    size_t np, store_row_fn fn, void *arg, struct strbuf *err)
{
	return st->be->exec(st, sql, p, np, fn, arg, err);
}

/* store_begin - start a write transaction */
int
store_begin(struct store *st, struct strbuf *err)
{
	return st->be->begin(st, err);
}

/* store_commit - end the transaction */
int
store_commit(struct store *st, struct strbuf *err)
{
	return st->be->commit(st, err);
}

/* store_rollback - undo the transaction */
void
store_rollback(struct store *st)
{
	st->be->rollback(st);
}

/* store_lock - a named lock held to the end of the transaction */
int
store_lock(struct store *st, const char *name, struct strbuf *err)
{
	return st->be->lock(st, name, err);
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
