/*
 * report_summary_test - report_summary_load() sums up the imported
 * reports as report_summary.h says, on an SQLite store made here: the
 * window's bounds, the raw auth_results lines (missing scope or
 * domain, any case, several lines), each source's class and the
 * readiness figures, the published policy of the latest report,
 * negative and huge counts, the days covered; report_summary_ptr()
 * without name servers leaves every name empty at once.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "dns.h"
#include "store.h"
#include "report_agg.h"
#include "report_summary.h"
#include "tap.h"

#define DAY	86400
#define T0	1796256000	/* 2026-12-03 00:00 UTC */

static struct store *st;

/* sql - run one statement or bail out */
static void
sql(const char *q)
{
	struct strbuf err;

	sb_init(&err);
	if (store_exec(st, q, NULL, 0, NULL, NULL, &err) == -1) {
		printf("Bail out! %s: %s\n", q, err.s);
		exit(1);
	}
	sb_free(&err);
}

/* report - one agg_report row */
static void
report(const char *submitter, const char *id, const char *domain,
    int64_t begin, int64_t end, const char *p, int64_t imported)
{
	char q[1024];

	snprintf(q, sizeof(q), "INSERT INTO agg_report (submitter, "
	    "report_id, domain, begin_t, end_t, p, imported) VALUES "
	    "('%s', '%s', '%s', %" PRId64 ", %" PRId64 ", '%s', %" PRId64
	    ")", submitter, id, domain, begin, end, p, imported);
	sql(q);
}

/* record - one agg_record row */
static void
record(const char *submitter, const char *id, const char *ip,
    const char *count, const char *spf_eval, const char *dkim_eval,
    const char *spf, const char *dkim)
{
	char q[1024];

	snprintf(q, sizeof(q), "INSERT INTO agg_record (submitter, "
	    "report_id, source_ip, count, spf_eval, dkim_eval, spf, dkim) "
	    "VALUES ('%s', '%s', '%s', %s, '%s', '%s', '%s', '%s')",
	    submitter, id, ip, count, spf_eval, dkim_eval, spf, dkim);
	sql(q);
}

/* domain - the summary of name, or NULL */
static struct summary_domain *
domain(struct summary *sm, const char *name)
{
	size_t i;

	for (i = 0; i < sm->ndomains; i++)
		if (strcmp(sm->domains[i].domain, name) == 0)
			return &sm->domains[i];
	return NULL;
}

/* source - the source ip of d, or NULL */
static struct summary_source *
source(struct summary_domain *d, const char *ip)
{
	size_t i;

	for (i = 0; d != NULL && i < d->nsources; i++)
		if (strcmp(d->sources[i].ip, ip) == 0)
			return &d->sources[i];
	return NULL;
}

/* load - the summary of (since, until], or bail out */
static void
load(const char *dom, int64_t since, int64_t until, struct summary *sm)
{
	struct strbuf err;

	sb_init(&err);
	if (report_summary_load(st, dom, since, until, sm, &err) == -1) {
		printf("Bail out! load: %s\n", err.s);
		exit(1);
	}
	sb_free(&err);
}

int
main(void)
{
	char dir[] = "/tmp/report_summary_test.XXXXXX", url[256], path[128];
	struct strbuf err;
	struct summary sm;
	struct summary_domain *d;
	struct summary_source *s;
	struct dns_options opt;
	struct dns_ctx *ctx;
	struct dns_client *dc;

	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/r.db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	sb_init(&err);
	if ((st = store_open(url, &err)) == NULL ||
	    report_agg_schema(st, &err) == -1) {
		printf("Bail out! %s\n", err.s);
		return 1;
	}

	/* the window (T0 + DAY, T0 + 3 DAY]: a ends on its lower bound
	 * (out), b inside, c on its upper bound (in), e after it (out) */
	report("A", "a", "x.example", T0, T0 + DAY, "reject", 1);
	report("B", "b", "x.example", T0 + DAY / 2, T0 + 2 * DAY, "none", 5);
	report("C", "c", "x.example", T0 + 2 * DAY, T0 + 3 * DAY,
	    "quarantine", 3);
	report("D", "d", "x.example", T0 + 2 * DAY, T0 + 3 * DAY,
	    "none", 2);
	report("E", "e", "x.example", T0 + 3 * DAY, T0 + 4 * DAY, "none", 9);
	report("C", "y", "y.example", T0 + 2 * DAY, T0 + 3 * DAY, "none", 1);
	record("A", "a", "192.0.2.1", "1000", "pass", "pass", "", "");
	record("E", "e", "192.0.2.1", "1000", "pass", "pass", "", "");
	/* 192.0.2.2: aligned SPF and DKIM in separate records */
	record("B", "b", "192.0.2.2", "10", "pass", "fail", "", "");
	record("C", "c", "192.0.2.2", "5", "fail", "pass", "", "");
	/* 192.0.2.3: passes once, fails with an SPF pass of a scope-less
	 * line in upper case, and fails without any pass: unaligned */
	record("B", "b", "192.0.2.3", "4", "pass", "pass", "", "");
	record("C", "c", "192.0.2.3", "3", "fail", "fail",
	    "x.example mfrom fail\nnews.example - PASS", "");
	record("D", "d", "192.0.2.3", "2", "fail", "fail", "", "");
	/* 192.0.2.4: a DKIM pass of an empty domain, "passx" is no pass */
	record("D", "d", "192.0.2.4", "6", "fail", "fail",
	    "x.example mfrom passx", " sel pass");
	/* 192.0.2.5: nothing passes; a negative count adds nothing */
	record("B", "b", "192.0.2.5", "7", "fail", "fail",
	    "x.example mfrom fail", "x.example s fail");
	record("C", "c", "192.0.2.5", "-3", "fail", "fail", "", "");
	/* y.example: counts that would overflow saturate */
	record("C", "y", "192.0.2.9", "9223372036854775807", "pass", "pass",
	    "", "");
	record("C", "y", "192.0.2.9", "9223372036854775807", "fail", "fail",
	    "", "");

	load(NULL, T0 + DAY, T0 + 3 * DAY, &sm);
	is_int((long)sm.ndomains, 2, "two domains");
	is_str(sm.ndomains > 0 ? sm.domains[0].domain : NULL, "x.example",
	    "domains sorted by name");
	d = domain(&sm, "x.example");
	is_int(d ? d->reports : -1, 3, "reports ending on the lower bound "
	    "or after the upper one are left out, the upper bound is in");
	is_int(d ? d->messages : -1, 37, "messages: the counts summed");
	is_int(d ? d->dmarc_pass : -1, 19, "DMARC pass: SPF or DKIM aligned");
	is_int(d ? d->dmarc_fail : -1, 18, "DMARC fail");
	is_int(d ? d->spf_aligned : -1, 14, "aligned SPF");
	is_int(d ? d->dkim_aligned : -1, 9, "aligned DKIM");
	is_int(d ? d->days : -1, 3, "days covered: 2.5 days, rounded "
	    "up");
	is_str(d ? d->p : NULL, "quarantine", "published p: the latest "
	    "end, then the latest imported");
	is_str(d ? d->latest_id : NULL, "c", "the latest report's ID");
	is_str(d && d->nsources > 0 ? d->sources[0].ip : NULL, "192.0.2.2",
	    "sources: the busiest first");
	s = source(d, "192.0.2.2");
	is_int(s ? (long)report_summary_class(s) : -1, SUMMARY_PASS,
	    "a source aligned by SPF, then by DKIM: pass");
	is_int(s ? (long)s->reporters.n : -1, 2, "its two reporters");
	s = source(d, "192.0.2.3");
	is_int(s ? (long)report_summary_class(s) : -1, SUMMARY_UNALIGNED,
	    "a source failing with an SPF PASS unaligned: unaligned");
	is_int(s ? s->unaligned : -1, 3, "its unaligned messages");
	is_int(s ? s->unauth : -1, 2, "its failing messages without a pass");
	is_str(s && s->spf_unaligned.n == 1 ? s->spf_unaligned.v[0] : NULL,
	    "news.example", "the domain passing SPF, scope missing");
	s = source(d, "192.0.2.4");
	is_int(s ? (long)report_summary_class(s) : -1, SUMMARY_UNALIGNED,
	    "a DKIM pass of an empty domain: unaligned");
	is_str(s && s->dkim_unaligned.n == 1 ? s->dkim_unaligned.v[0] : NULL,
	    "(none)", "the empty domain named (none)");
	is_int(s ? (long)s->spf_unaligned.n : -1, 0, "\"passx\" is no pass");
	s = source(d, "192.0.2.5");
	is_int(s ? (long)report_summary_class(s) : -1, SUMMARY_UNAUTH,
	    "nothing passes: unauthenticated");
	is_int(s ? s->messages : -1, 7, "a negative count adds nothing");
	is_int(d ? d->would_reject : -1, 9, "would reject: the unaligned "
	    "messages of the unaligned sources");
	is_int(d ? (long)d->unaligned_sources : -1, 2, "two unaligned sources");
	is_int(d ? d->spoof_messages : -1, 7, "spoofed messages");
	is_int(d ? (long)d->spoof_sources : -1, 1, "one spoofing source");
	d = domain(&sm, "y.example");
	is_int(d ? d->messages : -1, INT64_MAX, "huge counts saturate");
	is_int(d ? d->dmarc_fail : -1, INT64_MAX, "... each of them");

	memset(&opt, 0, sizeof(opt));
	ctx = dns_ctx_new(&opt);
	dc = dns_client_new(ctx);
	report_summary_ptr(&sm, dc);
	dns_client_free(dc);
	dns_ctx_free(ctx);
	s = source(domain(&sm, "x.example"), "192.0.2.2");
	is_str(s ? s->ptr : NULL, "", "no name servers: no reverse name");
	report_summary_free(&sm);

	load("y.example", T0 + DAY, T0 + 3 * DAY, &sm);
	is_int((long)sm.ndomains, 1, "a domain asked: only that one");
	report_summary_free(&sm);
	load(NULL, 0, T0, &sm);
	is_int((long)sm.ndomains, 0, "an empty window: no domain");
	report_summary_free(&sm);

	is_str(report_summary_next_p("none"), "quarantine", "none: next "
	    "quarantine");
	is_str(report_summary_next_p("quarantine"), "reject",
	    "quarantine: next reject");
	is_str(report_summary_next_p("reject"), "reject", "reject stays");
	is_str(report_summary_next_p(""), "reject", "unknown: reject");

	store_close(st);
	sb_free(&err);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
