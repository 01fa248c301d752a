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
 *	parameters $1, $2, ... (in any order, each as often as needed;
 *	params[N - 1] is $N, and every one given is used), the types
 *	BIGINT and TEXT, INSERT ... ON CONFLICT DO NOTHING, no
 *	auto-increment columns.
 *
 *	store_open() opens the store a URL names: "sqlite:/PATH" (the file
 *	is created, with its directory's permissions) or "postgresql://..."
 *	/ "postgres://..." (a libpq connection URI; connect_timeout is 10
 *	seconds unless the URI gives its own, client_encoding UTF8).  It
 *	returns NULL and appends why to err when the store cannot be
 *	opened.  A store is used by one thread at a time, and by one
 *	process: a child of fork() opens its own.
 *
 *	store_exec() runs one statement (more than one in a call is
 *	refused) with its parameters; for each result row it calls fn
 *	(when not NULL) with the row's columns, streaming: rows are not
 *	all held in memory, so a million-row query costs one row's
 *	memory.  A NULL column has type STORE_NULL; an integer STORE_INT
 *	(an integer column, COUNT(), SUM() or MAX() of integers, a
 *	comparison or other boolean as 1 or 0, on both backends); anything
 *	else STORE_TEXT, valid until fn returns (a non-integer number is
 *	text in the database's own notation, which differs between the
 *	two).  Text is UTF-8: PostgreSQL refuses a text parameter that is
 *	not, SQLite stores its bytes.  A row has at most STORE_MAX_COLUMNS
 *	columns, and a statement at most STORE_MAX_PARAMS parameters; more
 *	is an error, not a truncation.  fn returns 0 to go on, or non-zero to stop
 *	(store_exec() then returns that value; PostgreSQL reads and drops
 *	the rest of the rows); use a positive value, as -1 also means a
 *	database error.  store_exec() returns 0 when done, -1 on a
 *	database error (why appended to err; the statement had no effect).
 *
 *	store_begin() starts a write transaction (SQLite: BEGIN IMMEDIATE,
 *	so two writers wait for each other instead of failing at commit);
 *	store_commit() ends it; store_rollback() undoes it, and is
 *	harmless when no transaction is open.  Transactions do not nest:
 *	store_begin() in a transaction, and store_commit() or store_lock()
 *	outside one, fail.  A statement that fails inside a transaction
 *	dooms it, on both backends alike (PostgreSQL's own rule, kept by
 *	store.c for SQLite too): every later store_exec() and store_lock()
 *	in it fails, and store_commit() rolls it back and returns -1, so
 *	nothing of it is kept.  The caller ends a doomed transaction with
 *	store_commit() (which fails) or store_rollback(), and may retry it
 *	whole.  A statement stopped by fn is not a failure.  Closing a
 *	store with a transaction open rolls it back.
 *
 *	store_lock() takes, inside a transaction, a lock named name that
 *	another process taking the same name waits for until the
 *	transaction ends (PostgreSQL: pg_advisory_xact_lock on a hash of
 *	the name; SQLite: the write transaction already excludes every
 *	other writer, so there the other process waits in store_begin()).
 * DIAGNOSTICS
 *	Errors are one line; they name the backend ("sqlite PATH:",
 *	"postgresql:") and carry the database's own message.  PostgreSQL's
 *	notices and warnings go to log_msg() at LOG_WARNING.
 */
#ifndef AUTHMILTER_STORE_H
#define AUTHMILTER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define STORE_MAX_COLUMNS	64	/* a row's columns, at most */
#define STORE_MAX_PARAMS	64	/* a statement's parameters, at most */

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

/* every store starts with this (store.c keeps the transaction state) */
struct store {
	const struct store_backend *be;
	int		 in_tx;		/* between begin and commit/rollback */
	int		 tx_failed;	/* a statement in it failed */
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
