/*
 * report_queue_test - history rows are never lost between the message
 * path and the store: a store that cannot be opened sends them to the
 * spool, the spool is replayed once the store works, stop drains the
 * queue, a row pushed when no writer runs is spooled, a new store after
 * a reload gets the rows that follow, a bad spool line is skipped and
 * counted, and every value survives the spool byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "config_report.h"
#include "report_history.h"
#include "report_queue.h"
#include "store.h"
#include "tap.h"

#define HOSTILE	"a\"b\\c\nd\te\x01f \xc3\xa9 <x>&'"

static char dir[64];

/* row - a row numbered i, its reasons column hostile */
static struct report_row *
row(int i)
{
	struct report_row *r = report_row_new();
	char buf[32];

	r->t = (int64_t)time(NULL) - 3600;	/* kept: ReportKeepDays 30 */
	snprintf(buf, sizeof(buf), "192.0.2.%d", i % 250);
	report_row_set(r, RC_SOURCE_IP, buf);
	snprintf(buf, sizeof(buf), "n%d.example", i);
	report_row_set(r, RC_ENVELOPE_FROM, buf);
	report_row_set(r, RC_HEADER_FROM, "example.com");
	report_row_set(r, RC_REASONS, HOSTILE);
	return r;
}

/* count_fn - store_exec row callback: the first column as a count */
static int
count_fn(void *arg, const struct store_val *v, size_t n)
{
	*(int64_t *)arg = n > 0 && v[0].type == STORE_INT ? v[0].i : -1;
	return 0;
}

/* text_fn - store_exec row callback: the first column, copied */
static int
text_fn(void *arg, const struct store_val *v, size_t n)
{
	char **out = arg;

	free(*out);
	*out = xstrdup(n > 0 && v[0].s != NULL ? v[0].s : "(null)");
	return 0;
}

/* rows_in - how many rows the store at url holds, -1 if unreadable */
static int64_t
rows_in(const char *url)
{
	struct strbuf err;
	struct store *st;
	int64_t n = -1;

	sb_init(&err);
	if ((st = store_open(url, &err)) != NULL)
		(void)store_exec(st, "SELECT COUNT(*) FROM dmarc_row", NULL, 0,
		    count_fn, &n, &err);
	store_close(st);
	sb_free(&err);
	return n;
}

/* lines_in - lines of a file, 0 if missing */
static int
lines_in(const char *path)
{
	FILE *fp = fopen(path, "r");
	int c, n = 0;

	if (fp == NULL)
		return 0;
	while ((c = getc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return n;
}

/* replayed, reconfigured - the counters wait_for() watches */
static uint64_t
replayed(const struct report_queue_stats *s)
{
	return s->replayed;
}

static uint64_t
reconfigured(const struct report_queue_stats *s)
{
	return s->reconfigured;
}

/*
 * wait_for - until counter() grew by want from before (bounded to 30 s,
 * so that a writer that never does it fails the test instead of hanging)
 */
static int
wait_for(uint64_t (*counter)(const struct report_queue_stats *),
    uint64_t before, uint64_t want)
{
	struct report_queue_stats s;
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	int i;

	for (i = 0; i < 600; i++) {
		report_queue_stats(&s);
		if (counter(&s) - before >= want)
			return 1;
		nanosleep(&tick, NULL);
	}
	return 0;
}

int
main(void)
{
	struct report_config rc, rc2;
	struct report_queue_stats s0, s;
	struct strbuf path, url, url2, spool, err;
	struct store *st;
	char *got = NULL;
	int64_t before;
	FILE *fp;
	int i;

	snprintf(dir, sizeof(dir), "/tmp/report_queue_test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	sb_init(&path);
	sb_init(&url);
	sb_init(&url2);
	sb_init(&spool);
	sb_init(&err);
	sb_printf(&path, "%s/missing", dir);
	sb_printf(&url, "sqlite:%s/missing/r.db", dir);
	sb_printf(&url2, "sqlite:%s/second.db", dir);
	sb_printf(&spool, "%s/spool.jsonl", dir);
	config_report_defaults(&rc);
	free(rc.store);
	free(rc.spool);
	rc.store = xstrdup(url.s);
	rc.spool = xstrdup(spool.s);
	rc.queue_rows = 16;

	/* the store cannot be opened: every row goes to the spool */
	report_queue_stats(&s0);
	report_queue_start(&rc);
	for (i = 0; i < 40; i++)
		report_queue_push(row(i));
	report_queue_stop();
	report_queue_stats(&s);
	is_int((int)(s.spooled - s0.spooled), 40,
	    "store down: all 40 rows spooled");
	is_int((int)(s.written - s0.written), 0, "store down: none written");
	is_int((int)s.dropped, 0, "store down: none dropped");
	is_int(lines_in(spool.s), 40, "the spool file holds 40 lines");

	/* a row pushed while no writer runs is spooled, not lost */
	report_queue_push(row(40));
	is_int(lines_in(spool.s), 41, "a row pushed with no writer is spooled");

	/* a line that does not parse is skipped and counted */
	if ((fp = fopen(spool.s, "a")) != NULL) {
		fputs("{not json\n", fp);
		fclose(fp);
	}

	/* the store works again: the spool is replayed into it */
	mkdir(path.s, 0700);
	report_queue_stats(&s0);
	rc.queue_rows = 4096;
	report_queue_start(&rc);
	ok(wait_for(replayed, s0.replayed, 41), "store back: the spool is replayed");
	for (i = 41; i < 2041; i++)
		report_queue_push(row(i));
	report_queue_stop();
	report_queue_stats(&s);
	is_int((int)(s.replayed - s0.replayed), 41, "41 spooled rows replayed");
	is_int((int)(s.bad_lines - s0.bad_lines), 1,
	    "the bad spool line is counted");
	is_int((int)(s.written - s0.written), 2000,
	    "stop drains the queue: 2000 rows written");
	is_int((int)rows_in(url.s), 2041, "the store holds every row");
	ok(access(spool.s, F_OK) != 0 || lines_in(spool.s) == 0,
	    "the spool is empty after the replay");
	is_int((int)s.dropped, 0, "no row dropped");

	/* every byte of a value survives the spool */
	if ((st = store_open(url.s, &err)) != NULL)
		(void)store_exec(st, "SELECT reasons FROM dmarc_row WHERE "
		    "envelope_from = 'n7.example'", NULL, 0, text_fn, &got, &err);
	store_close(st);
	is_str(got, HOSTILE, "a hostile value comes back from the spool "
	    "byte for byte");
	free(got);

	/* a full queue: the rows that do not fit go to the spool at once */
	rc.queue_rows = 16;
	report_queue_stats(&s0);
	report_queue_start(&rc);
	for (i = 0; i < 1000; i++)
		report_queue_push(row(i));
	report_queue_stop();
	report_queue_stats(&s);
	ok(s.spooled - s0.spooled > 0, "queue of 16 rows full: rows spooled "
	    "(%d)", (int)(s.spooled - s0.spooled));
	is_int((int)(s.spooled - s0.spooled + s.written - s0.written), 1000,
	    "queue full: every row written or spooled");
	is_int((int)rows_in(url.s) - 2041 + lines_in(spool.s), 1000,
	    "queue full: the store and the spool hold the 1000 rows");
	is_int((int)s.dropped, 0, "no row dropped");
	unlink(spool.s);

	/* new settings: the rows that follow go to the new store */
	config_report_defaults(&rc2);
	free(rc2.store);
	free(rc2.spool);
	rc2.store = xstrdup(url2.s);
	rc2.spool = xstrdup(spool.s);
	before = rows_in(url.s);
	report_queue_stats(&s0);
	report_queue_start(&rc);
	for (i = 0; i < 10; i++)
		report_queue_push(row(i));
	report_queue_configure(&rc2);
	ok(wait_for(reconfigured, s0.reconfigured, 1), "the writer takes up new settings");
	for (i = 0; i < 10; i++)
		report_queue_push(row(i));
	report_queue_stop();
	report_queue_stats(&s);
	is_int((int)(s.written - s0.written), 20,
	    "across a change of store: 20 rows written");
	is_int((int)(rows_in(url.s) - before), 10,
	    "the rows pushed before the change are in the old store");
	is_int((int)rows_in(url2.s), 10,
	    "the rows pushed after it are in the new store");
	is_int((int)s.dropped, 0, "no row dropped");

	config_report_free(&rc);
	config_report_free(&rc2);
	sb_free(&path);
	sb_free(&url);
	sb_free(&url2);
	sb_free(&spool);
	sb_free(&err);
	if (getenv("KEEP") == NULL && system("rm -rf /tmp/report_queue_test.*") != 0)
		return 1;
	return tap_done();
}
