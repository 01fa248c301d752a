/*
 * report_queue.c - the writer thread between the message path and the
 * store, with its spool file
 *
 * Message threads only take q.lock long enough to put a pointer in the
 * ring.  Everything slow (the store, the spool replay, pruning) happens
 * in the writer thread, which holds no lock while it works.  The spool
 * has its own lock, spool_lock: message threads append to it when the
 * ring is full, the writer when the store fails, and the writer renames
 * it away to replay it.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "log.h"
#include "store.h"
#include "report_history.h"
#include "report_queue.h"

#define SPOOL_LINE_MAX	(1024 * 1024)	/* longer spool lines are bad */

/* settings - what the writer works with (copied from the config) */
struct settings {
	char		*store;
	char		*spool;
	unsigned	 queue_rows;
	unsigned	 keep_days;
};

static struct {
	pthread_mutex_t	 lock;		/* everything below but the spool */
	pthread_cond_t	 wake;		/* rows, new settings, or stop */
	pthread_t	 thread;
	int		 running;
	int		 stopping;
	struct report_row **ring;
	size_t		 cap, head, count;
	struct settings	 cur;
	struct settings	 next;
	int		 has_next;
	pthread_mutex_t	 spool_lock;	/* the spool file and spool_path */
	char		*spool_path;
} q = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.spool_lock = PTHREAD_MUTEX_INITIALIZER,
};

static atomic_uint_fast64_t n_pushed, n_written, n_spooled, n_replayed,
    n_bad, n_dropped, n_reconfigured;

/* settings_copy - the writer's copy of rc */
static void
settings_copy(struct settings *s, const struct report_config *rc)
{
	s->store = xstrdup(rc->store);
	s->spool = xstrdup(rc->spool);
	s->queue_rows = rc->queue_rows;
	s->keep_days = rc->keep_days;
}

/* settings_free - release a copy */
static void
settings_free(struct settings *s)
{
	free(s->store);
	free(s->spool);
	memset(s, 0, sizeof(*s));
}

/* row_json - one spool line: the row as a JSON object, then "\n" */
static char *
row_json(const struct report_row *r)
{
	json_t *o = json_object();
	char *text, *line;
	size_t i, len;

	json_object_set_new(o, report_col_name(RC_T), json_integer(r->t));
	for (i = RC_T + 1; i < RC_NCOLS; i++)
		json_object_set_new(o, report_col_name((enum report_col)i),
		    json_string(r->col[i] != NULL ? r->col[i] : ""));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		return NULL;
	len = strlen(text);
	line = xmalloc(len + 2);
	memcpy(line, text, len);
	line[len] = '\n';
	line[len + 1] = '\0';
	free(text);
	return line;
}

/* row_parse - a row from one spool line, or NULL */
static struct report_row *
row_parse(const char *line, size_t len)
{
	struct report_row *r;
	enum report_col c;
	json_error_t jerr;
	const char *key;
	json_t *o, *v;

	if ((o = json_loadb(line, len, 0, &jerr)) == NULL)
		return NULL;
	if (!json_is_object(o) ||
	    !json_is_integer(json_object_get(o, report_col_name(RC_T)))) {
		json_decref(o);
		return NULL;
	}
	r = report_row_new();
	json_object_foreach(o, key, v) {
		if (report_col_lookup(key, &c) == -1)
			continue;
		if (c == RC_T)
			r->t = json_integer_value(v);
		else if (json_is_string(v))
			report_row_set(r, c, json_string_value(v));
	}
	json_decref(o);
	return r;
}

/*
 * spool_append - append n rows to the spool file; rows that cannot be
 * written are counted as dropped.  The rows stay the caller's.
 */
static void
spool_append(struct report_row *const *rows, size_t n)
{
	size_t i, ok = 0;
	char *line;
	FILE *fp = NULL;

	pthread_mutex_lock(&q.spool_lock);
	if (q.spool_path != NULL)
		fp = fopen(q.spool_path, "a");
	for (i = 0; fp != NULL && i < n; i++) {
		if ((line = row_json(rows[i])) == NULL)
			continue;
		if (fputs(line, fp) != EOF)
			ok++;
		free(line);
	}
	if (fp != NULL && fclose(fp) == EOF)
		ok = 0;
	pthread_mutex_unlock(&q.spool_lock);
	atomic_fetch_add(&n_spooled, ok);
	if (ok < n) {
		atomic_fetch_add(&n_dropped, n - ok);
		log_msg(LOG_ERR, "report: %zu history rows lost: the spool "
		    "file %s cannot be written: %s", n - ok,
		    q.spool_path != NULL ? q.spool_path : "(none)",
		    strerror(errno));
	}
}

/* report_queue_push - queue a row, or spool it when the queue is full */
void
report_queue_push(struct report_row *row)
{
	int full;

	if (row == NULL)
		return;
	atomic_fetch_add(&n_pushed, 1);
	pthread_mutex_lock(&q.lock);
	full = !q.running || q.stopping || q.count == q.cap;
	if (!full) {
		q.ring[(q.head + q.count) % q.cap] = row;
		if (++q.count == REPORT_BATCH)
			pthread_cond_signal(&q.wake);
	}
	pthread_mutex_unlock(&q.lock);
	if (full) {
		spool_append(&row, 1);
		report_row_free(row);
	}
}

/* writer_state - the writer's store, and when to try things again */
struct writer {
	struct store	*st;
	int		 down;		/* the last attempt failed (logged) */
	time_t		 next_open;
	time_t		 next_replay;
	time_t		 next_prune;
};

/* store_fail - log a store failure once per outage; close the store */
static void
store_fail(struct writer *w, const char *what, const struct strbuf *err)
{
	if (!w->down)
		log_msg(LOG_ERR, "report: %s: %s; history rows go to the "
		    "spool %s until it works again", what, err->s,
		    q.cur.spool);
	w->down = 1;
	store_close(w->st);
	w->st = NULL;
	w->next_open = time(NULL) + REPORT_RETRY_SECONDS;
}

/* writer_open - the store, opened (and its tables made) if need be */
static struct store *
writer_open(struct writer *w)
{
	struct strbuf err;

	if (w->st != NULL)
		return w->st;
	if (time(NULL) < w->next_open)
		return NULL;
	sb_init(&err);
	w->st = store_open(q.cur.store, &err);
	/* under a lock: two processes creating one table fail on PG */
	if (w->st != NULL && (store_begin(w->st, &err) == -1 ||
	    store_lock(w->st, "schema", &err) == -1 ||
	    report_history_schema(w->st, &err) == -1 ||
	    store_commit(w->st, &err) == -1)) {
		store_rollback(w->st);
		store_close(w->st);
		w->st = NULL;
	}
	if (w->st == NULL)
		store_fail(w, q.cur.store, &err);
	else if (w->down) {
		log_msg(LOG_NOTICE, "report: store %s works again",
		    q.cur.store);
		w->down = 0;
		w->next_replay = 0;
	}
	sb_free(&err);
	return w->st;
}

/* write_rows - n rows in one transaction; 0, or -1 (store closed) */
static int
write_rows(struct writer *w, struct report_row *const *rows, size_t n)
{
	struct strbuf err;
	struct store *st;
	int rc = -1;

	if ((st = writer_open(w)) == NULL)
		return -1;
	sb_init(&err);
	if (store_begin(st, &err) == 0) {
		if (report_history_insert(st, rows, n, &err) == 0 &&
		    store_commit(st, &err) == 0)
			rc = 0;
		else
			store_rollback(st);
	}
	if (rc == -1)
		store_fail(w, "writing history rows", &err);
	sb_free(&err);
	return rc;
}

/* write_batch - a batch to the store, else to the spool; frees it */
static void
write_batch(struct writer *w, struct report_row **rows, size_t n)
{
	size_t i;

	if (write_rows(w, rows, n) == 0)
		atomic_fetch_add(&n_written, n);
	else
		spool_append(rows, n);
	for (i = 0; i < n; i++)
		report_row_free(rows[i]);
}

/* replay_file - insert every row of path in one transaction */
static int
replay_file(struct writer *w, const char *path, size_t *nrows)
{
	struct report_row *r;
	struct strbuf err;
	char *line = NULL;
	size_t cap = 0, bad = 0;
	ssize_t len;
	FILE *fp;
	int rc = 0;

	*nrows = 0;
	if ((fp = fopen(path, "r")) == NULL)
		return errno == ENOENT ? 0 : -1;
	sb_init(&err);
	if (store_begin(w->st, &err) == -1)
		rc = -1;
	while (rc == 0 && (len = getline(&line, &cap, fp)) != -1) {
		if (len > SPOOL_LINE_MAX ||
		    (r = row_parse(line, (size_t)len)) == NULL) {
			bad++;
			continue;
		}
		rc = report_history_insert(w->st, &r, 1, &err);
		report_row_free(r);
		(*nrows)++;
	}
	free(line);
	fclose(fp);
	if (rc == 0 && store_commit(w->st, &err) == 0) {
		if (bad > 0) {
			atomic_fetch_add(&n_bad, bad);
			log_msg(LOG_WARNING, "report: %zu spool lines of %s "
			    "did not parse and were skipped", bad, path);
		}
	} else {
		if (rc == 0)
			rc = -1;
		else
			store_rollback(w->st);
		store_fail(w, "replaying the spool", &err);
	}
	sb_free(&err);
	return rc;
}

/* replay - the spool into the store, when there is one and it works */
static void
replay(struct writer *w)
{
	struct strbuf path;
	struct stat sb;
	size_t n;
	int have;

	if (time(NULL) < w->next_replay)
		return;
	w->next_replay = time(NULL) + REPORT_RETRY_SECONDS;
	/* the spool is renamed only once there is a store to take it,
	 * so that while the store is down it stays where the admin
	 * expects it */
	if (writer_open(w) == NULL)
		return;
	sb_init(&path);
	sb_printf(&path, "%s.replay", q.cur.spool);
	pthread_mutex_lock(&q.spool_lock);
	have = stat(path.s, &sb) == 0;
	if (!have && stat(q.cur.spool, &sb) == 0 && sb.st_size > 0)
		have = rename(q.cur.spool, path.s) == 0;
	pthread_mutex_unlock(&q.spool_lock);
	if (have && replay_file(w, path.s, &n) == 0) {
		unlink(path.s);
		atomic_fetch_add(&n_replayed, n);
		if (n > 0)
			log_msg(LOG_NOTICE, "report: %zu spooled history rows "
			    "replayed into %s", n, q.cur.store);
	}
	sb_free(&path);
}

/* prune - rows older than ReportKeepDays, once an hour */
static void
prune(struct writer *w)
{
	struct strbuf err;
	time_t now = time(NULL);

	if (now < w->next_prune || w->st == NULL)
		return;
	w->next_prune = now + REPORT_PRUNE_SECONDS;
	sb_init(&err);
	if (report_history_prune(w->st, (int64_t)now -
	    (int64_t)q.cur.keep_days * 86400, &err) == -1)
		store_fail(w, "pruning old history rows", &err);
	sb_free(&err);
}

/* apply_next - new settings, under q.lock; the old store is closed */
static void
apply_next(struct writer *w)
{
	int same_store = strcmp(q.cur.store, q.next.store) == 0;

	pthread_mutex_lock(&q.spool_lock);
	free(q.spool_path);
	q.spool_path = xstrdup(q.next.spool);
	pthread_mutex_unlock(&q.spool_lock);
	settings_free(&q.cur);
	q.cur = q.next;
	memset(&q.next, 0, sizeof(q.next));
	q.has_next = 0;
	if (!same_store) {
		log_msg(LOG_INFO, "report: history rows now go to %s",
		    q.cur.store);
		store_close(w->st);
		w->st = NULL;
		w->down = 0;
		w->next_open = 0;
	}
	w->next_replay = 0;
	atomic_fetch_add(&n_reconfigured, 1);
}

/* take - up to REPORT_BATCH rows out of the ring, under q.lock */
static size_t
take(struct report_row **batch)
{
	size_t n = 0;

	while (q.count > 0 && n < REPORT_BATCH) {
		batch[n++] = q.ring[q.head];
		q.head = (q.head + 1) % q.cap;
		q.count--;
	}
	return n;
}

/* writer - the thread: batches to the store, then the spool replay */
static void *
writer(void *arg)
{
	struct report_row *batch[REPORT_BATCH];
	struct writer w;
	struct timespec until;
	size_t n;
	int last;

	(void)arg;
	memset(&w, 0, sizeof(w));
	pthread_mutex_lock(&q.lock);
	for (;;) {
		if (q.count < REPORT_BATCH && !q.stopping && !q.has_next) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += REPORT_FLUSH_MS / 1000;
			until.tv_nsec += (REPORT_FLUSH_MS % 1000) * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			(void)pthread_cond_timedwait(&q.wake, &q.lock,
			    &until);
		}
		n = take(batch);
		last = q.stopping && q.count == 0;
		pthread_mutex_unlock(&q.lock);
		if (n > 0)
			write_batch(&w, batch, n);
		pthread_mutex_lock(&q.lock);
		if (q.has_next && q.count == 0)
			apply_next(&w);
		if (last)
			break;
		if (q.count > 0)
			continue;
		pthread_mutex_unlock(&q.lock);
		replay(&w);
		prune(&w);
		pthread_mutex_lock(&q.lock);
	}
	pthread_mutex_unlock(&q.lock);
	store_close(w.st);
	return NULL;
}

/* resize - the ring holds cap rows (never fewer than are queued) */
static void
resize(size_t cap)
{
	struct report_row **ring;
	size_t i;

	if (cap < q.count)
		cap = q.count;
	if (cap == q.cap)
		return;
	ring = xcalloc(cap, sizeof(*ring));
	for (i = 0; i < q.count; i++)
		ring[i] = q.ring[(q.head + i) % q.cap];
	free(q.ring);
	q.ring = ring;
	q.cap = cap;
	q.head = 0;
}

/* report_queue_start - start the writer with rc's settings */
void
report_queue_start(const struct report_config *rc)
{
	sigset_t all, old;
	int err;

	pthread_mutex_lock(&q.lock);
	if (q.running) {
		pthread_mutex_unlock(&q.lock);
		report_queue_configure(rc);
		return;
	}
	settings_copy(&q.cur, rc);
	pthread_mutex_lock(&q.spool_lock);
	free(q.spool_path);
	q.spool_path = xstrdup(rc->spool);
	pthread_mutex_unlock(&q.spool_lock);
	resize(rc->queue_rows);
	q.stopping = 0;
	/* the writer takes no signal: the daemon's threads leave them to
	   the ones that handle them */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&q.thread, NULL, writer, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		log_msg(LOG_ERR, "report: cannot start the writer thread: %s; "
		    "history rows go to the spool %s", strerror(err),
		    rc->spool);
		pthread_mutex_unlock(&q.lock);
		return;
	}
	q.running = 1;
	pthread_mutex_unlock(&q.lock);
}

/* report_queue_configure - new settings for the running writer */
void
report_queue_configure(const struct report_config *rc)
{
	pthread_mutex_lock(&q.lock);
	if (q.running) {
		settings_free(&q.next);
		settings_copy(&q.next, rc);
		q.has_next = 1;
		resize(rc->queue_rows);
		pthread_cond_signal(&q.wake);
	}
	pthread_mutex_unlock(&q.lock);
}

/* report_queue_stop - drain the queue, stop the writer, log counters */
void
report_queue_stop(void)
{
	struct report_queue_stats s;

	pthread_mutex_lock(&q.lock);
	if (!q.running) {
		pthread_mutex_unlock(&q.lock);
		return;
	}
	q.stopping = 1;
	pthread_cond_signal(&q.wake);
	pthread_mutex_unlock(&q.lock);
	pthread_join(q.thread, NULL);
	pthread_mutex_lock(&q.lock);
	q.running = 0;
	settings_free(&q.cur);
	settings_free(&q.next);
	q.has_next = 0;
	free(q.ring);
	q.ring = NULL;
	q.cap = q.head = q.count = 0;
	pthread_mutex_unlock(&q.lock);
	report_queue_stats(&s);
	log_msg(s.dropped > 0 ? LOG_ERR : LOG_INFO, "report: history rows: "
	    "%llu recorded, %llu written, %llu spooled, %llu replayed, "
	    "%llu bad spool lines, %llu dropped",
	    (unsigned long long)s.pushed, (unsigned long long)s.written,
	    (unsigned long long)s.spooled, (unsigned long long)s.replayed,
	    (unsigned long long)s.bad_lines, (unsigned long long)s.dropped);
}

/* report_queue_stats - the counters so far */
void
report_queue_stats(struct report_queue_stats *out)
{
	out->pushed = atomic_load(&n_pushed);
	out->written = atomic_load(&n_written);
	out->spooled = atomic_load(&n_spooled);
	out->replayed = atomic_load(&n_replayed);
	out->bad_lines = atomic_load(&n_bad);
	out->dropped = atomic_load(&n_dropped);
	out->reconfigured = atomic_load(&n_reconfigured);
	pthread_mutex_lock(&q.lock);
	out->queued = q.count;
	pthread_mutex_unlock(&q.lock);
}
