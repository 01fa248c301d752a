/*
 * store_test - the store interface (store.h) keeps its contract on the
 * backend a URL names: open errors name the backend and the cause, a
 * PostgreSQL server that never answers gives up at connect_timeout,
 * parameters and columns round trip with their types, a query streams
 * row by row and stops when asked, transactions persist or undo, a
 * failed statement dooms its transaction on both backends,
 * ON CONFLICT DO NOTHING, store_lock makes another process wait, the
 * schema is made by several processes at once, and history rows are
 * inserted and pruned (only once their report is settled).
 *
 *	store_test [URL]
 *
 * URL is argv[1], else $STORE_TEST_URL, else a SQLite file in a
 * temporary directory.  t/store.t runs it on SQLite and on a private
 * PostgreSQL server.  A PostgreSQL URL's database is emptied of the
 * tables this test makes.
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "store.h"
#include "report_history.h"
#include "report_agg.h"
#include "tap.h"

/* AddressSanitizer's quarantine keeps freed memory: RSS checks mean nothing */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN	1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN	0
#endif
#include "../rss.h"

#define STREAM_ROWS	200000
#define STOP_AT		1000
#define BIG_TEXT	(1024 * 1024)
#define SCHEMA_PROCS	8
#define WATCHDOG_S	300	/* the whole test; a hang is a failure */

static const char *url;
static int is_pg;
static char tmp[64];

/* open_or_die - a store on url, or bail out */
static struct store *
open_or_die(const char *u)
{
	struct strbuf err;
	struct store *st;

	sb_init(&err);
	if ((st = store_open(u, &err)) == NULL) {
		printf("Bail out! cannot open %s: %s\n", u, err.s);
		exit(1);
	}
	sb_free(&err);
	return st;
}

/* run - a statement without rows; 0 or -1, err printed as diagnostic */
static int
run(struct store *st, const char *sql, const struct store_val *p,
    size_t np)
{
	struct strbuf err;
	int rc;

	sb_init(&err);
	if ((rc = store_exec(st, sql, p, np, NULL, NULL, &err)) != 0)
		printf("# %s: %s\n", sql, err.s);
	sb_free(&err);
	return rc;
}

/* one row's first columns, copied */
struct got {
	size_t		 rows;
	size_t		 ncols;
	enum store_type	 type[4];
	int64_t		 i[4];
	char		*s[4];
};

/* got_fn - store_exec row callback: keep the last row's first columns */
static int
got_fn(void *arg, const struct store_val *v, size_t n)
{
	struct got *g = arg;
	size_t c;

	g->rows++;
	g->ncols = n;
	for (c = 0; c < n && c < 4; c++) {
		g->type[c] = v[c].type;
		g->i[c] = v[c].i;
		free(g->s[c]);
		g->s[c] = v[c].type == STORE_TEXT ? xstrdup(v[c].s) : NULL;
	}
	return 0;
}

/* got_clear - forget what got_fn kept */
static void
got_clear(struct got *g)
{
	size_t c;

	for (c = 0; c < 4; c++)
		free(g->s[c]);
	memset(g, 0, sizeof(*g));
}

/* query - one statement into g (cleared first); store_exec's result */
static int
query(struct store *st, struct got *g, const char *sql,
    const struct store_val *p, size_t np)
{
	struct strbuf err;
	int rc;

	got_clear(g);
	sb_init(&err);
	if ((rc = store_exec(st, sql, p, np, got_fn, g, &err)) != 0)
		printf("# %s: %s\n", sql, err.s);
	sb_free(&err);
	return rc;
}

/* count - SELECT COUNT(*) ... as a number, -1 when it fails */
static int64_t
count(struct store *st, const char *sql)
{
	struct got g = { 0 };
	int64_t n = -1;

	if (query(st, &g, sql, NULL, 0) == 0 && g.rows == 1 &&
	    g.type[0] == STORE_INT)
		n = g.i[0];
	got_clear(&g);
	return n;
}

/* contains - err holds each of the words */
static int
contains(const char *s, const char *a, const char *b)
{
	return s != NULL && strstr(s, a) != NULL &&
	    (b == NULL || strstr(s, b) != NULL);
}

/* open_fails - store_open(u) fails, its error naming a and b */
static void
open_fails(const char *u, const char *a, const char *b, const char *name)
{
	struct strbuf err;
	struct store *st;

	sb_init(&err);
	st = store_open(u, &err);
	ok(st == NULL, "%s: store_open fails", name);
	ok(contains(err.s, a, b), "%s: the error names '%s'%s%s", name,
	    a, b != NULL ? " and " : "", b != NULL ? b : "");
	printf("#   error: %s\n", err.s != NULL ? err.s : "(none)");
	ok(err.s != NULL && strchr(err.s, '\n') == NULL,
	    "%s: the error is one line", name);
	store_close(st);
	sb_free(&err);
}

/* pg_part - a keyword's value in the PostgreSQL URL, or def */
static char *
pg_part(const char *key, const char *def)
{
	PQconninfoOption *opts, *o;
	char *v = NULL;

	if ((opts = PQconninfoParse(url, NULL)) == NULL)
		return xstrdup(def);
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, key) == 0 && o->val != NULL)
			v = xstrdup(o->val);
	PQconninfoFree(opts);
	return v != NULL ? v : xstrdup(def);
}

/* test_open_errors - a store that cannot be opened says which and why */
static void
test_open_errors(void)
{
	char u[512], *host, *port, *user;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd;

	open_fails("mysql://x", "unknown kind of store", "mysql://x",
	    "an unknown scheme");
	if (!is_pg) {
		snprintf(u, sizeof(u), "sqlite:%s/no/such/dir/x.db", tmp);
		open_fails(u, "sqlite", "unable to open",
		    "sqlite: a file in a missing directory");
		snprintf(u, sizeof(u), "%s/garbage.db", tmp);
		fd = open(u, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd == -1 || write(fd, "this is not an SQLite file, not "
		    "at all, it is text: 0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef\n", 100) != 100)
			printf("# cannot write %s\n", u);
		close(fd);
		snprintf(u, sizeof(u), "sqlite:%s/garbage.db", tmp);
		open_fails(u, "sqlite", "not a database",
		    "sqlite: a file that is not a database");
		return;
	}
	host = pg_part("host", "localhost");
	port = pg_part("port", "5432");
	user = pg_part("user", "postgres");
	snprintf(u, sizeof(u), "postgresql://%s@/authmilter_no_such_db?"
	    "host=%s&port=%s", user, host, port);
	open_fails(u, "postgresql", "\"authmilter_no_such_db\" does not "
	    "exist", "postgresql: an unknown database");
	free(host);
	free(port);
	free(user);

	/* a port nobody listens on: bound, then closed */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) == -1)
		printf("# cannot bind a socket\n");
	close(fd);
	snprintf(u, sizeof(u), "postgresql://postgres@127.0.0.1:%u/x?"
	    "connect_timeout=2", ntohs(sa.sin_port));
	open_fails(u, "postgresql", "refused",
	    "postgresql: a closed port (connect_timeout=2)");

	/* a server that accepts the connection and never answers */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = 0;
	len = sizeof(sa);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 4) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) == -1)
		printf("# cannot listen on a socket\n");
	snprintf(u, sizeof(u), "postgresql://postgres@127.0.0.1:%u/x?"
	    "connect_timeout=2", ntohs(sa.sin_port));
	open_fails(u, "postgresql", "timeout",
	    "postgresql: a server that never answers gives up at the "
	    "URI's connect_timeout=2");
	/* without one in the URI, store_pg.c's default (10 s) applies */
	snprintf(u, sizeof(u), "postgresql://postgres@127.0.0.1:%u/x",
	    ntohs(sa.sin_port));
	open_fails(u, "postgresql", "timeout",
	    "postgresql: a server that never answers gives up at the "
	    "default connect_timeout");
	close(fd);
}

/* test_round_trip - parameters in, columns out, with their types */
static void
test_round_trip(struct store *st)
{
	static const char utf8[] = "h\xc3\xa9llo \xe2\x9c\x93 "
	    "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x93\xa7 \"q\" 'a' \\ \t\x01";
	static const int64_t ints[] = { INT64_MIN, INT64_MIN + 1, -1, 0, 1,
	    INT32_MAX, (int64_t)INT32_MAX + 1, INT64_MAX };
	struct store_val p[3];
	struct got g = { 0 };
	char *big = xmalloc(BIG_TEXT + 1);
	size_t i;

	for (i = 0; i < BIG_TEXT; i++)
		big[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[i % 36];
	big[BIG_TEXT] = '\0';
	run(st, "DROP TABLE IF EXISTS st_rt", NULL, 0);
	ok(run(st, "CREATE TABLE st_rt (k BIGINT PRIMARY KEY, i BIGINT, "
	    "s TEXT)", NULL, 0) == 0, "CREATE TABLE");

	for (i = 0; i < ARRAY_SIZE(ints); i++) {
		p[0] = store_int((int64_t)i);
		p[1] = store_int(ints[i]);
		p[2] = store_text("");
		if (run(st, "INSERT INTO st_rt (k, i, s) VALUES ($1, $2, $3)",
		    p, 3) != 0)
			break;
	}
	ok(i == ARRAY_SIZE(ints), "INSERT of %zu integers", i);
	for (i = 0; i < ARRAY_SIZE(ints); i++) {
		p[0] = store_int((int64_t)i);
		query(st, &g, "SELECT i, s FROM st_rt WHERE k = $1", p, 1);
		if (g.rows != 1 || g.type[0] != STORE_INT ||
		    g.i[0] != ints[i] || g.type[1] != STORE_TEXT ||
		    strcmp(g.s[1], "") != 0)
			break;
	}
	if (!ok(i == ARRAY_SIZE(ints), "every integer (INT64_MIN to "
	    "INT64_MAX) and the empty string come back as they went, "
	    "STORE_INT and STORE_TEXT"))
		printf("#   at %zu: rows %zu type %d value %" PRId64 "\n", i,
		    g.rows, (int)g.type[0], g.i[0]);

	p[0] = store_int(100);
	p[1] = store_text(NULL);
	p[2] = store_text(NULL);
	ok(run(st, "INSERT INTO st_rt (k, i, s) VALUES ($1, $2, $3)", p, 3)
	    == 0, "INSERT of NULLs");
	query(st, &g, "SELECT i, s FROM st_rt WHERE k = 100", NULL, 0);
	ok(g.rows == 1 && g.type[0] == STORE_NULL && g.type[1] == STORE_NULL,
	    "NULL comes back STORE_NULL in an integer and a text column");

	p[0] = store_int(101);
	p[1] = store_int(7);
	p[2] = store_text(utf8);
	run(st, "INSERT INTO st_rt (k, i, s) VALUES ($1, $2, $3)", p, 3);
	query(st, &g, "SELECT s, length(s) FROM st_rt WHERE k = 101", NULL,
	    0);
	is_str(g.s[0], utf8, "UTF-8 text and quotes come back byte for byte");
	is_int((long)g.i[1], 25, "length() counts UTF-8 characters");

	p[0] = store_int(102);
	p[2] = store_text(big);
	ok(run(st, "INSERT INTO st_rt (k, i, s) VALUES ($1, $2, $3)", p, 3)
	    == 0, "INSERT of a 1 MB text");
	query(st, &g, "SELECT s FROM st_rt WHERE k = 102", NULL, 0);
	ok(g.rows == 1 && g.s[0] != NULL && strlen(g.s[0]) == BIG_TEXT &&
	    memcmp(g.s[0], big, BIG_TEXT) == 0,
	    "the 1 MB text comes back whole");

	/* parameters used directly, not only as column values */
	p[0] = store_int(41);
	query(st, &g, "SELECT $1 + 1", p, 1);
	ok(g.rows == 1 && g.type[0] == STORE_INT && g.i[0] == 42,
	    "SELECT $1 + 1 with an integer: STORE_INT 42");
	p[0] = store_int(INT64_MIN);
	query(st, &g, "SELECT $1", p, 1);
	ok(g.type[0] == STORE_INT && g.i[0] == INT64_MIN,
	    "SELECT $1 with INT64_MIN: STORE_INT INT64_MIN");
	p[0] = store_text(utf8);
	query(st, &g, "SELECT $1", p, 1);
	ok(g.type[0] == STORE_TEXT && g.s[0] != NULL &&
	    strcmp(g.s[0], utf8) == 0, "SELECT $1 with UTF-8 text: "
	    "STORE_TEXT, the same bytes");
	p[0] = store_text(NULL);
	query(st, &g, "SELECT $1", p, 1);
	ok(g.rows == 1 && g.type[0] == STORE_NULL,
	    "SELECT $1 with NULL: STORE_NULL");
	p[0] = store_text("ab");
	p[1] = store_text("cd");
	query(st, &g, "SELECT $1 || $2, $1", p, 2);
	ok(g.type[0] == STORE_TEXT && g.s[0] != NULL &&
	    strcmp(g.s[0], "abcd") == 0 && g.s[1] != NULL &&
	    strcmp(g.s[1], "ab") == 0,
	    "SELECT $1 || $2, $1: two text parameters, one used twice");

	query(st, &g, "SELECT $2 || $1", p, 2);
	ok(g.type[0] == STORE_TEXT && g.s[0] != NULL &&
	    strcmp(g.s[0], "cdab") == 0, "SELECT $2 || $1: $2 is params[1] "
	    "even when it comes first");
	ok(query(st, &g, "SELECT $1 || $2", p, 1) == -1,
	    "a statement with a parameter not given fails");

	p[0] = store_int(0);
	p[1] = store_int(INT32_MAX);
	query(st, &g, "SELECT COUNT(*) FROM st_rt WHERE i >= $1 AND i <= $2 "
	    "AND k < 100",
	    p, 2);
	ok(g.type[0] == STORE_INT && g.i[0] == 3,
	    "WHERE i >= $1 AND i <= $2 compares integers (3 rows)");
	p[0] = store_int((int64_t)INT32_MAX + 1);
	query(st, &g, "SELECT k FROM st_rt WHERE i = $1", p, 1);
	ok(g.rows == 1 && g.i[0] == 6, "WHERE i = $1 beyond 32 bits");
	p[0] = store_int(5);
	p[1] = store_int(3);
	query(st, &g, "SELECT $1 * $2 - 1, $1 > $2", p, 2);
	ok(g.type[0] == STORE_INT && g.i[0] == 14,
	    "arithmetic on two integer parameters");
	ok(g.type[1] == STORE_INT && g.i[1] == 1,
	    "a comparison comes back STORE_INT 1 (true)");
	query(st, &g, "SELECT COUNT(*) = 0, EXISTS (SELECT 1 FROM st_rt)",
	    NULL, 0);
	ok(g.type[0] == STORE_INT && g.i[0] == 0 && g.type[1] == STORE_INT &&
	    g.i[1] == 1, "booleans come back STORE_INT 0 and 1");
	query(st, &g, "SELECT SUM(i), SUM(k), MAX(k) FROM st_rt WHERE k IN "
	    "(3, 4, 5, 101)", NULL, 0);
	ok(g.type[0] == STORE_INT && g.i[0] == (int64_t)INT32_MAX + 8 &&
	    g.type[1] == STORE_INT && g.i[1] == 113 &&
	    g.type[2] == STORE_INT && g.i[2] == 101,
	    "SUM() and MAX() of integer columns come back STORE_INT");
	query(st, &g, "SELECT SUM(i) FROM st_rt WHERE k = 12345", NULL, 0);
	ok(g.rows == 1 && g.type[0] == STORE_NULL,
	    "SUM() of no rows is STORE_NULL");
	query(st, &g, "SELECT 'x', 'x' || 1", NULL, 0);
	ok(g.type[0] == STORE_TEXT && g.type[1] == STORE_TEXT &&
	    strcmp(g.s[1], "x1") == 0, "text expressions are STORE_TEXT");

	/* what is refused, refused alike */
	ok(run(st, "SELECT * FROM st_no_such_table", NULL, 0) == -1,
	    "a statement on a missing table fails (-1)");
	ok(run(st, "SELECT 1; SELECT 2", NULL, 0) == -1,
	    "two statements in one call are refused");
	{
		struct store_val many[STORE_MAX_PARAMS + 1];
		struct strbuf sql;

		for (i = 0; i <= STORE_MAX_PARAMS; i++)
			many[i] = store_int(1);
		sb_init(&sql);
		sb_puts(&sql, "SELECT 0");
		for (i = 1; i < 65; i++)
			sb_printf(&sql, ", %zu", i);
		ok(query(st, &g, sql.s, NULL, 0) == -1 && g.rows == 0,
		    "a row of 65 columns is refused, not truncated");
		sb_truncate(&sql, 0);
		sb_puts(&sql, "SELECT $1");
		for (i = 2; i <= STORE_MAX_PARAMS; i++)
			sb_printf(&sql, " + $%zu", i);
		ok(query(st, &g, sql.s, many, STORE_MAX_PARAMS) == 0 &&
		    g.i[0] == STORE_MAX_PARAMS, "%d parameters are taken",
		    STORE_MAX_PARAMS);
		sb_printf(&sql, " + $%d", STORE_MAX_PARAMS + 1);
		ok(query(st, &g, sql.s, many, STORE_MAX_PARAMS + 1) == -1,
		    "%d parameters are refused", STORE_MAX_PARAMS + 1);
		sb_free(&sql);
	}
	got_clear(&g);
	free(big);
}

struct stream {
	size_t	 calls;
	int64_t	 last;
	int	 in_order;
	size_t	 stop_at;
	long	 rss_max;
};

/* stream_fn - count rows, check their order, stop at stop_at */
static int
stream_fn(void *arg, const struct store_val *v, size_t n)
{
	struct stream *s = arg;
	long kb;

	s->calls++;
	if (n != 2 || v[0].type != STORE_INT || v[0].i != s->last + 1 ||
	    v[1].type != STORE_TEXT || strlen(v[1].s) != 100)
		s->in_order = 0;
	s->last = v[0].i;
	if (s->calls % 10000 == 0 && (kb = rss_kb()) > s->rss_max)
		s->rss_max = kb;
	return s->stop_at != 0 && s->calls == s->stop_at ? 7 : 0;
}

/* test_stream - one call of fn per row; fn's non-zero stops the query */
static void
test_stream(struct store *st)
{
	static const char sql[] = "WITH RECURSIVE c(n) AS (SELECT 1 UNION "
	    "ALL SELECT n + 1 FROM c WHERE n < $1) SELECT n, 'x' || "
	    "substr('0123456789012345678901234567890123456789012345678901234"
	    "567890123456789012345678901234567890123456789', 1, 99) FROM c";
	struct store_val p = store_int(STREAM_ROWS);
	struct stream s = { 0, 0, 1, 0, 0 };
	struct strbuf err;
	long before;
	int rc;

	sb_init(&err);
	before = rss_kb();
	rc = store_exec(st, sql, &p, 1, stream_fn, &s, &err);
	ok(rc == 0, "a %d-row query returns 0", STREAM_ROWS);
	if (rc != 0)
		printf("#   %s\n", err.s);
	ok(s.calls == STREAM_ROWS && s.in_order,
	    "fn is called once per row, in order (%zu calls)", s.calls);
	/* 200,000 rows of 100 bytes held at once would be 20 MB and more */
	if (UNDER_ASAN)
		ok(1, "the rows are streamed, not held # SKIP AddressSanitizer "
		    "holds freed memory in quarantine, so RSS tells nothing");
	else if (!ok(s.rss_max - before < 8 * 1024,
	    "the rows are streamed, not held (RSS grew by less than 8 MB)"))
		printf("#   %ld kB before, %ld kB at most\n", before,
		    s.rss_max);

	memset(&s, 0, sizeof(s));
	s.in_order = 1;
	s.stop_at = STOP_AT;
	rc = store_exec(st, sql, &p, 1, stream_fn, &s, &err);
	is_int(rc, 7, "fn returning 7 stops the query; store_exec returns 7");
	is_int((long)s.calls, STOP_AT, "fn was called no more after it "
	    "returned non-zero");
	is_int((long)count(st, "SELECT COUNT(*) FROM st_rt"), 11,
	    "the store answers the next statement");
	sb_free(&err);
}

/* test_transactions - commit persists, rollback undoes, an error dooms */
static void
test_transactions(struct store *st)
{
	struct store *other = open_or_die(url);
	struct store_val p[2];
	struct strbuf err;
	int rc;

	sb_init(&err);
	run(st, "DROP TABLE IF EXISTS st_tx", NULL, 0);
	run(st, "CREATE TABLE st_tx (k BIGINT PRIMARY KEY, s TEXT)", NULL, 0);

	ok(store_begin(st, &err) == 0, "store_begin");
	p[0] = store_int(1);
	p[1] = store_text("committed");
	run(st, "INSERT INTO st_tx (k, s) VALUES ($1, $2)", p, 2);
	is_int((long)count(other, "SELECT COUNT(*) FROM st_tx"), 0,
	    "another connection does not see the row before commit");
	ok(store_commit(st, &err) == 0, "store_commit");
	is_int((long)count(other, "SELECT COUNT(*) FROM st_tx"), 1,
	    "another connection sees it after commit");

	ok(store_begin(st, &err) == 0, "store_begin again");
	p[0] = store_int(2);
	p[1] = store_text("rolled back");
	run(st, "INSERT INTO st_tx (k, s) VALUES ($1, $2)", p, 2);
	is_int((long)count(st, "SELECT COUNT(*) FROM st_tx"), 2,
	    "the transaction sees its own row");
	store_rollback(st);
	is_int((long)count(st, "SELECT COUNT(*) FROM st_tx"), 1,
	    "store_rollback undoes it");

	/* a failed statement dooms the transaction, on both backends */
	ok(store_begin(st, &err) == 0, "store_begin for a failing "
	    "transaction");
	p[0] = store_int(3);
	p[1] = store_text("before the error");
	ok(run(st, "INSERT INTO st_tx (k, s) VALUES ($1, $2)", p, 2) == 0,
	    "a first INSERT works");
	p[0] = store_int(1);
	p[1] = store_text("duplicate");
	ok(store_exec(st, "INSERT INTO st_tx (k, s) VALUES ($1, $2)", p, 2,
	    NULL, NULL, &err) == -1, "a duplicate key fails");
	p[0] = store_int(4);
	p[1] = store_text("after the error");
	sb_truncate(&err, 0);
	rc = store_exec(st, "INSERT INTO st_tx (k, s) VALUES ($1, $2)", p, 2,
	    NULL, NULL, &err);
	ok(rc == -1, "the next statement in the transaction fails too");
	if (!ok(contains(err.s, "transaction", "abort"),
	    "and says the transaction is aborted"))
		printf("#   error: %s\n", err.s);
	sb_truncate(&err, 0);
	ok(store_commit(st, &err) == -1, "store_commit fails");
	if (!ok(contains(err.s, "rolled back", NULL),
	    "and says the transaction was rolled back"))
		printf("#   error: %s\n", err.s);
	store_rollback(st);	/* what callers do; harmless here */
	is_int((long)count(other, "SELECT COUNT(*) FROM st_tx"), 1,
	    "nothing of the failed transaction was kept");
	ok(store_begin(st, &err) == 0 && store_commit(st, &err) == 0,
	    "the next transaction works");

	/* rollback after the failure is the other way out */
	store_begin(st, &err);
	p[0] = store_int(5);
	store_exec(st, "INSERT INTO st_tx (k, s) VALUES ($1, $2)", p, 2,
	    NULL, NULL, &err);
	store_exec(st, "SELECT * FROM st_no_such_table", NULL, 0, NULL,
	    NULL, &err);
	store_rollback(st);
	is_int((long)count(st, "SELECT COUNT(*) FROM st_tx"), 1,
	    "store_rollback after a failed statement undoes the transaction");

	/* misuse is refused alike */
	sb_truncate(&err, 0);
	store_begin(st, &err);
	ok(store_begin(st, &err) == -1, "store_begin inside a transaction "
	    "fails");
	store_rollback(st);
	sb_truncate(&err, 0);
	ok(store_commit(st, &err) == -1 && contains(err.s, "no transaction",
	    NULL), "store_commit outside a transaction fails");
	sb_truncate(&err, 0);
	ok(store_lock(st, "x", &err) == -1 && contains(err.s,
	    "no transaction", NULL), "store_lock outside a transaction fails");
	store_rollback(st);
	ok(run(st, "SELECT 1", NULL, 0) == 0, "store_rollback with no "
	    "transaction is harmless");

	store_close(other);
	sb_free(&err);
}

/* test_on_conflict - INSERT ... ON CONFLICT DO NOTHING */
static void
test_on_conflict(struct store *st)
{
	static const char ins[] = "INSERT INTO st_tx (k, s) VALUES ($1, $2) "
	    "ON CONFLICT DO NOTHING";
	struct store_val p[2] = { store_int(10), store_text("first") };
	struct got g = { 0 };
	struct strbuf err;

	sb_init(&err);
	ok(run(st, ins, p, 2) == 0, "ON CONFLICT DO NOTHING: a new key");
	p[1] = store_text("second");
	ok(run(st, ins, p, 2) == 0, "ON CONFLICT DO NOTHING: the same key "
	    "again returns 0");
	query(st, &g, "SELECT s FROM st_tx WHERE k = 10", NULL, 0);
	ok(g.rows == 1 && g.s[0] != NULL && strcmp(g.s[0], "first") == 0,
	    "the first row stays");
	store_begin(st, &err);
	p[0] = store_int(11);
	run(st, ins, p, 2);
	p[0] = store_int(10);
	run(st, ins, p, 2);
	ok(store_commit(st, &err) == 0, "a conflict that did nothing does "
	    "not doom the transaction");
	is_int((long)count(st, "SELECT COUNT(*) FROM st_tx WHERE k >= 10"),
	    2, "both keys are kept once");
	got_clear(&g);
	sb_free(&err);
}

/* say - write one line to fd */
static void
say(int fd, const char *line)
{
	size_t len = strlen(line);

	if (write(fd, line, len) != (ssize_t)len)
		_exit(3);
}

/* hear - read one byte from fd; 0 at end of file */
static int
hear(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? c : 0;
}

/* lock_waiter - child B: announce, take the lock, log it, check A's row */
static void
lock_waiter(int go, int logfd)
{
	struct store *st = open_or_die(url);
	struct strbuf err;

	sb_init(&err);
	if (hear(go) != 'g')
		_exit(4);
	say(logfd, "B trying\n");
	if (store_begin(st, &err) == -1 || store_lock(st, "x", &err) == -1) {
		printf("# B: %s\n", err.s);
		_exit(5);
	}
	say(logfd, "B locked\n");
	/* A committed before B got the lock: its row is there */
	say(logfd, count(st, "SELECT COUNT(*) FROM st_tx WHERE k = 20") == 1 ?
	    "B sees A's row\n" : "B does not see A's row\n");
	if (store_commit(st, &err) == -1)
		_exit(6);
	_exit(0);
}

/* lock_holder - child A: take the lock, let B try, wait until B waits */
static void
lock_holder(int go_b, int logfd)
{
	struct store *st = open_or_die(url);
	struct store_val p[2] = { store_int(20), store_text("A") };
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	struct strbuf err;
	int i;

	sb_init(&err);
	if (store_begin(st, &err) == -1 || store_lock(st, "x", &err) == -1 ||
	    run(st, "INSERT INTO st_tx (k, s) VALUES ($1, $2)", p, 2) != 0) {
		printf("# A: %s\n", err.s);
		_exit(5);
	}
	say(logfd, "A locked\n");
	say(go_b, "g");
	/*
	 * Wait until B is seen waiting for the lock (PostgreSQL shows it in
	 * pg_locks), or give B a moment to wrongly get it (SQLite shows no
	 * waiter); either way the order in the log is what is checked.
	 */
	for (i = 0; i < 1500; i++) {
		nanosleep(&ts, NULL);
		if (is_pg && count(st, "SELECT COUNT(*) FROM pg_locks WHERE "
		    "locktype = 'advisory' AND NOT granted") > 0)
			break;
		if (!is_pg && i == 25)
			break;
	}
	say(logfd, "A commits\n");
	if (store_commit(st, &err) == -1)
		_exit(6);
	_exit(0);
}

/* test_lock - another process's store_lock waits for the commit */
static void
test_lock(struct store *st)
{
	char path[128], buf[512];
	int go[2], logfd, sa, sb;
	pid_t a, b;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/lock.log", tmp);
	logfd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0600);
	run(st, "DELETE FROM st_tx WHERE k = 20", NULL, 0);
	if (logfd == -1 || pipe(go) == -1) {
		printf("Bail out! cannot make the log or pipe\n");
		exit(1);
	}
	fflush(stdout);
	if ((b = fork()) == 0) {
		close(go[1]);
		lock_waiter(go[0], logfd);
	}
	if ((a = fork()) == 0) {
		close(go[0]);
		lock_holder(go[1], logfd);
	}
	close(go[0]);
	close(go[1]);
	waitpid(a, &sa, 0);
	waitpid(b, &sb, 0);
	ok(WIFEXITED(sa) && WEXITSTATUS(sa) == 0, "A took the lock and "
	    "committed");
	ok(WIFEXITED(sb) && WEXITSTATUS(sb) == 0, "B took the lock and "
	    "committed");
	n = pread(logfd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "A locked\nB trying\nA commits\nB locked\n"
	    "B sees A's row\n", "B got the lock only after A committed");
	close(logfd);
}

/* schema_child - what report_open_store() does, once the barrier opens */
static void
schema_child(int barrier)
{
	struct store *st = open_or_die(url);
	struct strbuf err;

	sb_init(&err);
	(void)hear(barrier);
	if (store_begin(st, &err) == -1 ||
	    store_lock(st, "schema", &err) == -1 ||
	    report_history_schema(st, &err) == -1 ||
	    report_agg_schema(st, &err) == -1 ||
	    store_commit(st, &err) == -1) {
		printf("# schema: %s\n", err.s);
		_exit(1);
	}
	_exit(0);
}

/* test_schema - several processes make the schema at once */
static void
test_schema(struct store *st)
{
	static const char *const tables[] = { "dmarc_row", "agg_report",
	    "agg_record", "tls_report", "tls_policy", "tls_failure" };
	pid_t pid[SCHEMA_PROCS];
	int barrier[2], status, good = 0;
	size_t i;
	char sql[128];

	for (i = 0; i < ARRAY_SIZE(tables); i++) {
		snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s",
		    tables[i]);
		run(st, sql, NULL, 0);
	}
	if (pipe(barrier) == -1) {
		printf("Bail out! pipe\n");
		exit(1);
	}
	fflush(stdout);
	for (i = 0; i < SCHEMA_PROCS; i++)
		if ((pid[i] = fork()) == 0) {
			close(barrier[1]);
			schema_child(barrier[0]);
		}
	close(barrier[0]);
	close(barrier[1]);		/* all start at once */
	for (i = 0; i < SCHEMA_PROCS; i++)
		if (waitpid(pid[i], &status, 0) == pid[i] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0)
			good++;
	is_int(good, SCHEMA_PROCS, "%d processes make the schema at once, "
	    "every one succeeds", SCHEMA_PROCS);
	for (i = 0; i < ARRAY_SIZE(tables); i++) {
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s",
		    tables[i]);
		is_int((long)count(st, sql), 0, "table %s exists", tables[i]);
	}
}

/* test_history - report_history_insert() and _prune() round trip */
static void
test_history(struct store *st)
{
	struct report_row *rows[3];
	struct strbuf err;
	struct got g = { 0 };
	size_t i;
	int c;

	sb_init(&err);
	for (i = 0; i < 3; i++) {
		rows[i] = report_row_new();
		rows[i]->t = 1000 * (int64_t)(i + 1);
		for (c = RC_T + 1; c < RC_NCOLS; c++)
			report_row_set(rows[i], (enum report_col)c,
			    report_col_name((enum report_col)c));
	}
	report_row_set(rows[1], RC_REASONS, "local_policy caf\xc3\xa9\n"
	    "other \"x\" 'y'");
	report_row_set(rows[2], RC_DKIM, "");
	/* a sender's bytes that are not UTF-8: cut sequences, overlong, 0xff */
	report_row_set(rows[0], RC_ENVELOPE_FROM, "a\xff\xc3(\xc0\xaf"
	    "\xed\xa0\x80z\xe2\x82");
	is_str(rows[0]->col[RC_ENVELOPE_FROM], "a\?\?(\?\?\?\?\?z\?\?",
	    "report_row_set: bytes outside well-formed UTF-8 become '?'");
	ok(store_begin(st, &err) == 0 &&
	    report_history_insert(st, rows, 3, &err) == 0 &&
	    store_commit(st, &err) == 0, "report_history_insert: 3 rows");
	is_int((long)count(st, "SELECT COUNT(*) FROM dmarc_row"), 3,
	    "3 rows are stored");
	for (c = RC_T + 1; c < RC_NCOLS; c++) {
		char sql[128];

		snprintf(sql, sizeof(sql), "SELECT %s, t FROM dmarc_row WHERE "
		    "t = 2000", report_col_name((enum report_col)c));
		query(st, &g, sql, NULL, 0);
		if (g.rows != 1 || g.type[0] != STORE_TEXT ||
		    strcmp(g.s[0], rows[1]->col[c]) != 0 ||
		    g.type[1] != STORE_INT || g.i[1] != 2000)
			break;
	}
	if (!ok(c == RC_NCOLS, "every column of a row comes back as it "
	    "went"))
		printf("#   column %s\n", report_col_name((enum report_col)c));
	query(st, &g, "SELECT dkim FROM dmarc_row WHERE t = 3000", NULL, 0);
	ok(g.rows == 1 && g.type[0] == STORE_TEXT && strcmp(g.s[0], "") == 0,
	    "an empty column is \"\", not NULL");
	/* every row has a rua: kept while its report is owed */
	ok(report_history_prune(st, 2500, &err) == 0 &&
	    count(st, "SELECT COUNT(*) FROM dmarc_row") == 3,
	    "report_history_prune keeps rows whose report is owed");
	ok(store_exec(st, "INSERT INTO report_claim VALUES ('policy_domain', "
	    "0, 2500, 'x', 'sent', 0, 'h')", NULL, 0, NULL, NULL, &err) == 0,
	    "their report is marked sent");
	ok(report_history_prune(st, 2500, &err) == 0,
	    "report_history_prune before 2500");
	query(st, &g, "SELECT t FROM dmarc_row", NULL, 0);
	ok(g.rows == 1 && g.i[0] == 3000, "only the row at 3000 is left");
	ok(report_history_prune(st, 0, &err) == 0 &&
	    count(st, "SELECT COUNT(*) FROM dmarc_row") == 1,
	    "pruning before 0 keeps it");
	for (i = 0; i < 3; i++)
		report_row_free(rows[i]);
	got_clear(&g);
	sb_free(&err);
}

int
main(int argc, char **argv)
{
	static char file[96];
	struct store *st;

	alarm(WATCHDOG_S);
	snprintf(tmp, sizeof(tmp), "%s/store_test.XXXXXX",
	    getenv("TMPDIR") != NULL && strlen(getenv("TMPDIR")) < 40 ?
	    getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmp) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	if (argc > 1)
		url = argv[1];
	else if ((url = getenv("STORE_TEST_URL")) == NULL || *url == '\0') {
		snprintf(file, sizeof(file), "sqlite:%s/store.db", tmp);
		url = file;
	}
	is_pg = strncmp(url, "sqlite:", 7) != 0;
	printf("# store %s\n", url);

	test_open_errors();
	st = open_or_die(url);
	is_str(store_kind(st), is_pg ? "postgresql" : "sqlite", "store_kind");
	test_round_trip(st);
	test_stream(st);
	test_transactions(st);
	test_on_conflict(st);
	test_lock(st);
	test_schema(st);
	test_history(st);
	store_close(st);
	snprintf(file, sizeof(file), "rm -rf '%s'", tmp);
	if (system(file) != 0)
		printf("# could not remove %s\n", tmp);
	return tap_done();
}
