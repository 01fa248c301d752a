/*
 * report_summary.c - the imported reports summed up (see report_summary.h)
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "dns.h"
#include "store.h"
#include "report_summary.h"

#define DAY	86400

/* the window and the optional domain: $1 since, $2 until, $3 domain */
#define WINDOW(t)	t ".end_t > $1 AND " t ".end_t <= $2"

static const char reports_sql[] =
	"SELECT domain, submitter, COUNT(*), MIN(begin_t), MAX(end_t) "
	"FROM agg_report r WHERE " WINDOW("r") " AND ($3 = '' OR "
	"domain = $3) GROUP BY domain, submitter";

static const char latest_sql[] =
	"SELECT domain, p, sp, np, testing, adkim, aspf, submitter, "
	"report_id, end_t FROM agg_report r WHERE " WINDOW("r")
	" AND ($3 = '' OR domain = $3) "
	"ORDER BY domain, end_t DESC, imported DESC, submitter, report_id";

static const char records_sql[] =
	"SELECT r.domain, g.source_ip, g.submitter, g.spf_eval, "
	"g.dkim_eval, g.spf, g.dkim, CAST(SUM(g.count) AS BIGINT) "
	"FROM agg_report r JOIN agg_record g ON g.submitter = r.submitter "
	"AND g.report_id = r.report_id WHERE " WINDOW("r")
	" AND ($3 = '' OR r.domain = $3) "
	"GROUP BY r.domain, g.source_ip, g.submitter, g.spf_eval, "
	"g.dkim_eval, g.spf, g.dkim "
	"ORDER BY r.domain, g.source_ip, g.submitter";

static const char tls_reports_sql[] =
	"SELECT COUNT(*) FROM tls_report r WHERE " WINDOW("r")
	" AND ($3 = '' OR EXISTS (SELECT 1 FROM tls_policy p WHERE "
	"p.submitter = r.submitter AND p.report_id = r.report_id AND "
	"p.policy_domain = $3))";

static const char tls_policies_sql[] =
	"SELECT p.policy_domain, CAST(SUM(p.success) AS BIGINT), "
	"CAST(SUM(p.failure) AS BIGINT) FROM tls_report r JOIN tls_policy p "
	"ON p.submitter = r.submitter AND p.report_id = r.report_id WHERE "
	WINDOW("r") " AND ($3 = '' OR p.policy_domain = $3) "
	"GROUP BY p.policy_domain";

static const char tls_failures_sql[] =
	"SELECT f.submitter, f.result_type, CAST(SUM(f.failed) AS BIGINT) "
	"FROM tls_report r JOIN tls_failure f ON f.submitter = r.submitter "
	"AND f.report_id = r.report_id WHERE " WINDOW("r")
	" AND ($3 = '' OR f.policy_domain = $3) "
	"GROUP BY f.submitter, f.result_type";

/* add - a += b, saturating; a negative b counts as 0 */
static void
add(int64_t *a, int64_t b)
{
	if (b <= 0)
		return;
	*a = *a > INT64_MAX - b ? INT64_MAX : *a + b;
}

/* col_text - a column as text ("" for NULL or a number) */
static const char *
col_text(const struct store_val *v)
{
	return v->type == STORE_TEXT && v->s != NULL ? v->s : "";
}

/* col_int - a column as a number (0 for NULL or text) */
static int64_t
col_int(const struct store_val *v)
{
	return v->type == STORE_INT ? v->i : 0;
}

/* names_add - add s to the set unless it is there */
static void
names_add(struct summary_names *ns, const char *s)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0)
			return;
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 4;
		ns->v = xrealloc(ns->v, ns->cap * sizeof(*ns->v));
	}
	ns->v[ns->n++] = xstrdup(s);
}

/* names_free - the set and its names */
static void
names_free(struct summary_names *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

/* tally_get - the tally of (name, sub), made when missing */
static struct summary_tally *
tally_get(struct summary_tallies *ts, const char *name, const char *sub)
{
	struct summary_tally *t;
	size_t i;

	for (i = 0; i < ts->n; i++) {
		t = &ts->v[i];
		if (strcmp(t->name, name) == 0 && (sub == NULL ||
		    strcmp(t->sub, sub) == 0))
			return t;
	}
	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? ts->cap * 2 : 8;
		ts->v = xrealloc(ts->v, ts->cap * sizeof(*ts->v));
	}
	t = &ts->v[ts->n++];
	t->name = xstrdup(name);
	t->sub = sub != NULL ? xstrdup(sub) : NULL;
	t->n = 0;
	t->m = 0;
	return t;
}

/* tallies_free - the tallies and their names */
static void
tallies_free(struct summary_tallies *ts)
{
	size_t i;

	for (i = 0; i < ts->n; i++) {
		free(ts->v[i].name);
		free(ts->v[i].sub);
	}
	free(ts->v);
}

/* tally_cmp - most first (n, then m), then by name and second key */
static int
tally_cmp(const void *a, const void *b)
{
	const struct summary_tally *x = a, *y = b;
	int c;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	if (x->m != y->m)
		return x->m > y->m ? -1 : 1;
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return strcmp(x->sub ? x->sub : "", y->sub ? y->sub : "");
}

/* tally_name_cmp - by name */
static int
tally_name_cmp(const void *a, const void *b)
{
	const struct summary_tally *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* domain_get - the summary of domain, made when missing */
static struct summary_domain *
domain_get(struct summary *sm, const char *domain)
{
	struct summary_domain *d;
	size_t i;

	/* rows come grouped by domain: the last one is the likely one */
	for (i = sm->ndomains; i > 0; i--)
		if (strcmp(sm->domains[i - 1].domain, domain) == 0)
			return &sm->domains[i - 1];
	if (sm->ndomains == sm->cap) {
		sm->cap = sm->cap ? sm->cap * 2 : 8;
		sm->domains = xrealloc(sm->domains,
		    sm->cap * sizeof(*sm->domains));
	}
	d = &sm->domains[sm->ndomains++];
	memset(d, 0, sizeof(*d));
	d->domain = xstrdup(domain);
	d->begin_t = INT64_MAX;
	d->end_t = INT64_MIN;
	return d;
}

/* source_get - domain's source ip: rows come grouped by address */
static struct summary_source *
source_get(struct summary_domain *d, const char *ip)
{
	struct summary_source *s;

	if (d->nsources > 0 && strcmp(d->sources[d->nsources - 1].ip,
	    ip) == 0)
		return &d->sources[d->nsources - 1];
	if (d->nsources == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->sources = xrealloc(d->sources,
		    d->cap * sizeof(*d->sources));
	}
	s = &d->sources[d->nsources++];
	memset(s, 0, sizeof(*s));
	s->ip = xstrdup(ip);
	s->ptr = xstrdup("");
	return s;
}

/* report_row - one (domain, submitter): reports and their range */
static int
report_row(void *arg, const struct store_val *c, size_t n)
{
	struct summary_domain *d;
	struct summary_tally *t;

	if (n < 5)
		return 0;
	d = domain_get(arg, col_text(&c[0]));
	t = tally_get(&d->reporters, col_text(&c[1]), NULL);
	add(&t->n, col_int(&c[2]));
	add(&d->reports, col_int(&c[2]));
	if (col_int(&c[3]) < d->begin_t)
		d->begin_t = col_int(&c[3]);
	if (col_int(&c[4]) > d->end_t)
		d->end_t = col_int(&c[4]);
	return 0;
}

/* latest_row - a report, the latest of each domain first */
static int
latest_row(void *arg, const struct store_val *c, size_t n)
{
	struct summary_domain *d;

	if (n < 10)
		return 0;
	d = domain_get(arg, col_text(&c[0]));
	if (d->latest_id != NULL)
		return 0;
	d->p = xstrdup(col_text(&c[1]));
	d->sp = xstrdup(col_text(&c[2]));
	d->np = xstrdup(col_text(&c[3]));
	d->testing = xstrdup(col_text(&c[4]));
	d->adkim = xstrdup(col_text(&c[5]));
	d->aspf = xstrdup(col_text(&c[6]));
	d->latest_submitter = xstrdup(col_text(&c[7]));
	d->latest_id = xstrdup(col_text(&c[8]));
	d->latest_end = col_int(&c[9]);
	return 0;
}

/* is_pass - the n bytes at s are "pass", in any case */
static int
is_pass(const char *s, size_t n)
{
	static const char pass[] = "pass";
	size_t i;

	if (n != sizeof(pass) - 1)
		return 0;
	for (i = 0; i < n; i++)
		if (ascii_tolower((unsigned char)s[i]) != pass[i])
			return 0;
	return 1;
}

/*
 * raw_passes - the domains of the "DOMAIN X RESULT" lines of an
 * auth_results column whose result is pass, added to ns; 1 if any
 */
static int
raw_passes(const char *text, struct summary_names *ns)
{
	const char *line, *end, *sp, *last;
	char *domain;
	int any = 0;

	for (line = text; *line != '\0'; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		for (last = end; last > line && last[-1] != ' '; last--)
			;
		if (!is_pass(last, (size_t)(end - last)))
			continue;
		any = 1;
		sp = memchr(line, ' ', (size_t)(end - line));
		if (sp == NULL || sp == line)
			domain = xstrdup("(none)");
		else
			domain = xstrndup(line, (size_t)(sp - line));
		names_add(ns, domain);
		free(domain);
	}
	return any;
}

/* record_row - one group of records of a (domain, source, submitter) */
static int
record_row(void *arg, const struct store_val *c, size_t n)
{
	struct summary_domain *d;
	struct summary_source *s;
	int64_t count;
	int spf_al, dkim_al, spf_raw, dkim_raw;

	if (n < 8)
		return 0;
	d = domain_get(arg, col_text(&c[0]));
	s = source_get(d, col_text(&c[1]));
	count = col_int(&c[7]);
	names_add(&s->reporters, col_text(&c[2]));
	add(&tally_get(&d->reporters, col_text(&c[2]), NULL)->m, count);
	spf_al = str_caseeq(col_text(&c[3]), "pass");
	dkim_al = str_caseeq(col_text(&c[4]), "pass");
	add(&s->messages, count);
	add(&d->messages, count);
	if (spf_al) {
		add(&s->spf_aligned, count);
		add(&d->spf_aligned, count);
	}
	if (dkim_al) {
		add(&s->dkim_aligned, count);
		add(&d->dkim_aligned, count);
	}
	if (spf_al || dkim_al) {
		add(&s->dmarc_pass, count);
		add(&d->dmarc_pass, count);
		return 0;
	}
	add(&d->dmarc_fail, count);
	spf_raw = raw_passes(col_text(&c[5]), &s->spf_unaligned);
	dkim_raw = raw_passes(col_text(&c[6]), &s->dkim_unaligned);
	add(spf_raw || dkim_raw ? &s->unaligned : &s->unauth, count);
	return 0;
}

/* tls_count_row - the number of TLS reports */
static int
tls_count_row(void *arg, const struct store_val *c, size_t n)
{
	struct summary *sm = arg;

	if (n >= 1)
		sm->tls_reports = col_int(&c[0]);
	return 0;
}

/* tls_policy_row - sessions of one policy domain */
static int
tls_policy_row(void *arg, const struct store_val *c, size_t n)
{
	struct summary *sm = arg;
	struct summary_tally *t;

	if (n < 3)
		return 0;
	t = tally_get(&sm->tls_policies, col_text(&c[0]), NULL);
	add(&t->n, col_int(&c[1]));
	add(&t->m, col_int(&c[2]));
	return 0;
}

/* tls_failure_row - failed sessions of one (organisation, type) */
static int
tls_failure_row(void *arg, const struct store_val *c, size_t n)
{
	struct summary *sm = arg;
	const char *org, *type;
	int64_t failed;

	if (n < 3)
		return 0;
	org = col_text(&c[0]);
	type = col_text(&c[1]);
	failed = col_int(&c[2]);
	add(&tally_get(&sm->tls_types, type, NULL)->n, failed);
	add(&tally_get(&sm->tls_orgs, org, NULL)->n, failed);
	add(&tally_get(&sm->tls_org_types, org, type)->n, failed);
	return 0;
}

/* source_cmp - most messages first, then by address */
static int
source_cmp(const void *a, const void *b)
{
	const struct summary_source *x = a, *y = b;

	if (x->messages != y->messages)
		return x->messages > y->messages ? -1 : 1;
	return strcmp(x->ip, y->ip);
}

/* sort - qsort, which must not see a NULL array, even empty */
static void
sort(void *v, size_t n, size_t size, int (*cmp)(const void *,
    const void *))
{
	if (n > 1)
		qsort(v, n, size, cmp);
}

/* name_cmp - two names by their bytes */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* domain_cmp - by name */
static int
domain_cmp(const void *a, const void *b)
{
	const struct summary_domain *x = a, *y = b;

	return strcmp(x->domain, y->domain);
}

/* readiness - the verdict's figures of one domain */
static void
readiness(struct summary_domain *d)
{
	struct summary_source *s;
	size_t i;

	if (d->begin_t == INT64_MAX || d->end_t <= d->begin_t)
		d->days = 1;
	else
		d->days = (int64_t)(((uint64_t)d->end_t -
		    (uint64_t)d->begin_t + DAY - 1) / DAY);
	if (d->days < 1)
		d->days = 1;
	for (i = 0; i < d->nsources; i++) {
		s = &d->sources[i];
		switch (report_summary_class(s)) {
		case SUMMARY_UNALIGNED:
			add(&d->would_reject, s->unaligned);
			d->unaligned_sources++;
			break;
		case SUMMARY_UNAUTH:
			add(&d->spoof_messages, s->unauth);
			d->spoof_sources++;
			break;
		case SUMMARY_PASS:
			break;
		}
	}
}

/* report_summary_load - read the reports of the window into sm */
int
report_summary_load(struct store *st, const char *domain, int64_t since,
    int64_t until, struct summary *sm, struct strbuf *err)
{
	struct store_val params[3];
	struct summary_domain *d;
	size_t i, j;

	memset(sm, 0, sizeof(*sm));
	params[0] = store_int(since);
	params[1] = store_int(until);
	params[2] = store_text(domain != NULL ? domain : "");
	if (store_exec(st, reports_sql, params, 3, report_row, sm,
	    err) == -1 ||
	    store_exec(st, latest_sql, params, 3, latest_row, sm, err) == -1 ||
	    store_exec(st, records_sql, params, 3, record_row, sm,
	    err) == -1 ||
	    store_exec(st, tls_reports_sql, params, 3, tls_count_row, sm,
	    err) == -1 ||
	    store_exec(st, tls_policies_sql, params, 3, tls_policy_row, sm,
	    err) == -1 ||
	    store_exec(st, tls_failures_sql, params, 3, tls_failure_row, sm,
	    err) == -1) {
		report_summary_free(sm);
		memset(sm, 0, sizeof(*sm));
		return -1;
	}
	sort(sm->domains, sm->ndomains, sizeof(*sm->domains), domain_cmp);
	for (i = 0; i < sm->ndomains; i++) {
		d = &sm->domains[i];
		sort(d->sources, d->nsources, sizeof(*d->sources),
		    source_cmp);
		for (j = 0; j < d->nsources; j++)
			sort(d->sources[j].reporters.v,
			    d->sources[j].reporters.n, sizeof(char *),
			    name_cmp);
		sort(d->reporters.v, d->reporters.n, sizeof(*d->reporters.v),
		    tally_cmp);
		readiness(d);
	}
	sort(sm->tls_types.v, sm->tls_types.n, sizeof(*sm->tls_types.v),
	    tally_cmp);
	sort(sm->tls_orgs.v, sm->tls_orgs.n, sizeof(*sm->tls_orgs.v),
	    tally_cmp);
	sort(sm->tls_org_types.v, sm->tls_org_types.n,
	    sizeof(*sm->tls_org_types.v), tally_cmp);
	sort(sm->tls_policies.v, sm->tls_policies.n,
	    sizeof(*sm->tls_policies.v), tally_name_cmp);
	return 0;
}

/* reverse_name - the in-addr.arpa or ip6.arpa name of ip; -1 if not one */
static int
reverse_name(const char *ip, struct strbuf *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char a[16];
	int i;

	if (inet_pton(AF_INET, ip, a) == 1) {
		sb_printf(out, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1],
		    a[0]);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, a) != 1)
		return -1;
	for (i = 15; i >= 0; i--)
		sb_printf(out, "%c.%c.", hex[a[i] & 15], hex[a[i] >> 4]);
	sb_puts(out, "ip6.arpa");
	return 0;
}

/* one distinct address: the sources that have it, their volume */
struct ptr_job {
	struct summary_source **srcs;
	size_t	 n;
	int64_t	 messages;
	char	*name;		/* reverse name, NULL if none */
};

/* src_ip_cmp - sources by address */
static int
src_ip_cmp(const void *a, const void *b)
{
	const struct summary_source *const *x = a, *const *y = b;

	return strcmp((*x)->ip, (*y)->ip);
}

/* job_cmp - the busiest address first */
static int
job_cmp(const void *a, const void *b)
{
	const struct ptr_job *x = a, *y = b;

	if (x->messages != y->messages)
		return x->messages > y->messages ? -1 : 1;
	return strcmp(x->srcs[0]->ip, y->srcs[0]->ip);
}

/* ptr_batch - look up jobs[0..n-1] at once, set their sources' ptr */
static void
ptr_batch(struct dns_client *dc, struct ptr_job *jobs, size_t n)
{
	const char *names[SUMMARY_PTR_BATCH];
	uint16_t types[SUMMARY_PTR_BATCH];
	struct dns_batch *b;
	struct dns_reply *r;
	size_t i, j, k, nq = 0;

	for (i = 0; i < n; i++)
		if (jobs[i].name != NULL) {
			names[nq] = jobs[i].name;
			types[nq++] = DNS_T_PTR;
		}
	if (nq == 0)
		return;
	b = dns_batch_start(dc, names, types, nq);
	dns_batch_wait(b);
	for (i = 0; i < n; i++) {
		if (jobs[i].name == NULL)
			continue;
		r = dns_batch_reply(b, jobs[i].name, DNS_T_PTR);
		if (r != NULL && r->status == DNS_DATA)
			for (k = 0; k < r->count; k++)
				if (r->rr[k].type == DNS_T_PTR &&
				    r->rr[k].text != NULL &&
				    r->rr[k].text[0] != '\0') {
					for (j = 0; j < jobs[i].n; j++) {
						free(jobs[i].srcs[j]->ptr);
						jobs[i].srcs[j]->ptr =
						    xstrdup(r->rr[k].text);
					}
					break;
				}
		dns_reply_free(r);
	}
	dns_batch_free(b);
}

/* report_summary_ptr - every source's reverse name, within the budget */
void
report_summary_ptr(struct summary *sm, struct dns_client *dc)
{
	struct summary_source **all;
	struct ptr_job *jobs;
	struct strbuf rn;
	size_t i, j, n = 0, njobs = 0;

	for (i = 0; i < sm->ndomains; i++)
		n += sm->domains[i].nsources;
	if (n == 0)
		return;
	all = xcalloc(n, sizeof(*all));
	n = 0;
	for (i = 0; i < sm->ndomains; i++)
		for (j = 0; j < sm->domains[i].nsources; j++)
			all[n++] = &sm->domains[i].sources[j];
	sort(all, n, sizeof(*all), src_ip_cmp);
	jobs = xcalloc(n, sizeof(*jobs));
	for (i = 0; i < n; i++) {
		if (njobs == 0 || strcmp(jobs[njobs - 1].srcs[0]->ip,
		    all[i]->ip) != 0) {
			jobs[njobs].srcs = &all[i];
			njobs++;
		}
		jobs[njobs - 1].n++;
		add(&jobs[njobs - 1].messages, all[i]->messages);
	}
	sort(jobs, njobs, sizeof(*jobs), job_cmp);
	for (i = 0; i < njobs; i++) {
		sb_init(&rn);
		if (reverse_name(jobs[i].srcs[0]->ip, &rn) == 0)
			jobs[i].name = sb_detach(&rn);
		sb_free(&rn);
	}
	dns_client_set_budget(dc, SUMMARY_PTR_BUDGET_MS);
	for (i = 0; i < njobs; i += SUMMARY_PTR_BATCH)
		ptr_batch(dc, jobs + i, njobs - i < SUMMARY_PTR_BATCH ?
		    njobs - i : SUMMARY_PTR_BATCH);
	for (i = 0; i < njobs; i++)
		free(jobs[i].name);
	free(jobs);
	free(all);
}

/* report_summary_class - pass, unaligned or unauthenticated */
enum summary_class
report_summary_class(const struct summary_source *s)
{
	if (s->unaligned > 0)
		return SUMMARY_UNALIGNED;
	if (s->unauth > 0)
		return SUMMARY_UNAUTH;
	return SUMMARY_PASS;
}

/* report_summary_class_name - the class as the output names it */
const char *
report_summary_class_name(enum summary_class c)
{
	switch (c) {
	case SUMMARY_UNALIGNED:
		return "unaligned";
	case SUMMARY_UNAUTH:
		return "unauthenticated";
	case SUMMARY_PASS:
		break;
	}
	return "pass";
}

/* report_summary_next_p - the policy to raise p to */
const char *
report_summary_next_p(const char *p)
{
	if (p != NULL && strcmp(p, "none") == 0)
		return "quarantine";
	return "reject";
}

/* report_summary_free - everything sm holds */
void
report_summary_free(struct summary *sm)
{
	struct summary_domain *d;
	struct summary_source *s;
	size_t i, j;

	for (i = 0; i < sm->ndomains; i++) {
		d = &sm->domains[i];
		for (j = 0; j < d->nsources; j++) {
			s = &d->sources[j];
			free(s->ip);
			free(s->ptr);
			names_free(&s->reporters);
			names_free(&s->spf_unaligned);
			names_free(&s->dkim_unaligned);
		}
		free(d->sources);
		tallies_free(&d->reporters);
		free(d->domain);
		free(d->p);
		free(d->sp);
		free(d->np);
		free(d->testing);
		free(d->adkim);
		free(d->aspf);
		free(d->latest_submitter);
		free(d->latest_id);
	}
	free(sm->domains);
	tallies_free(&sm->tls_types);
	tallies_free(&sm->tls_orgs);
	tallies_free(&sm->tls_org_types);
	tallies_free(&sm->tls_policies);
}
