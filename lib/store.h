/*
 * NAME
 *	store - the report database: one small SQL interface, one backend
 *	per file (store_sqlite.c, store_pg.c)
 * SYNOPSIS
 *	#include "store.h"
 *
 *	struct store *store_open(const char *url, struct strbuf *err);
 *	void store_close(struct store *st);
 *	const char *store_kind(const struct store *st);
 *	int  store_exec(struct store *st, const char *sql,
 *	         const struct store_val *params, size_t nparams,
 *	         store_row_fn fn, void *arg, struct strbuf *err);
 *	int  store_begin(struct store *st, struct strbuf *err);
 *	int  store_commit(struct store *st, struct strbuf *err);
 *	void store_rollback(struct store *st);
 *	int  store_lock(struct store *st, const char *name,
 *	         struct strbuf *err);
 *
 *	struct store_val store_int(int64_t i);
 *	struct store_val store_text(const char *s);
 * DESCRIPTION
 *	What is kept (history rows, report claims, imported reports) is
 *	decided once, in SQL that both backends run unchanged; a backend
 *	only carries statements to its database.  The SQL every module
 *	writes keeps to what SQLite 3.40 and PostgreSQL 15 share:
 *	parameters $1, $2, ... (each number first used in increasing
 *	order), the types BIGINT and TEXT, INSERT ... ON CONFLICT DO
 *	NOTHING, no auto-increment columns.
 *
 *	store_open() opens the store a URL names: "sqlite:/PATH" (the file
 *	is created, with its directory's permissions) or "postgresql://..."
 *	/ "postgres://..." (a libpq connection URI).  It returns NULL and
 *	appends why to err when the store cannot be opened.  A store is
 *	used by one thread at a time.
 *
 *	store_exec() runs one statement with its parameters; for each
 *	result row it calls fn (when not NULL) with the row's columns,
 *	streaming: rows are not all held in memory, so a million-row
 *	query costs one row's memory.  A NULL column has type STORE_NULL;
 *	an integer column STORE_INT; anything else STORE_TEXT.  fn
 *	returns 0 to go on, or non-zero to stop (store_exec() then returns
 *	that value).  store_exec() returns 0 when done, -1 on a database
 *	error (why appended to err; the statement had no effect).
 *
 *	store_begin() starts a write transaction (SQLite: BEGIN IMMEDIATE,
 *	so two writers wait for each other instead of failing at commit);
 *	store_commit() ends it; store_rollback() undoes it.  store_lock()
 *	takes, inside a transaction, a lock named name that another
 *	process holding the same name waits for until the transaction
 *	ends (PostgreSQL: pg_advisory_xact_lock on a hash of the name;
 *	SQLite: the write transaction already excludes every other writer).
 * DIAGNOSTICS
 *	Errors name the backend and carry the database's own message.
 */
#ifndef AUTHMILTER_STORE_H
#define AUTHMILTER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum store_type {
	STORE_NULL,
	STORE_INT,
	STORE_TEXT
};

struct store_val {
	enum store_type	 type;
	int64_t		 i;
	const char	*s;
};

typedef int (*store_row_fn)(void *, const struct store_val *, size_t);

struct store;

/* a backend: the functions every store file provides */
struct store_backend {
	const char	*name;		/* "sqlite", "postgresql" */
	struct store	*(*open)(const char *, struct strbuf *);
	void		 (*close)(struct store *);
	int		 (*exec)(struct store *, const char *,
			    const struct store_val *, size_t, store_row_fn,
			    void *, struct strbuf *);
	int		 (*begin)(struct store *, struct strbuf *);
	int		 (*commit)(struct store *, struct strbuf *);
	void		 (*rollback)(struct store *);
	int		 (*lock)(struct store *, const char *, struct strbuf *);
};

/* every store starts with this */
struct store {
	const struct store_backend *be;
};

extern const struct store_backend store_sqlite_backend;
extern const struct store_backend store_pg_backend;

struct store	*store_open(const char *, struct strbuf *);
void		 store_close(struct store *);
const char	*store_kind(const struct store *);
int		 store_exec(struct store *, const char *,
		    const struct store_val *, size_t, store_row_fn, void *,
		    struct strbuf *);
int		 store_begin(struct store *, struct strbuf *);
int		 store_commit(struct store *, struct strbuf *);
void		 store_rollback(struct store *);
int		 store_lock(struct store *, const char *, struct strbuf *);
struct store_val store_int(int64_t);
struct store_val store_text(const char *);

#endif
