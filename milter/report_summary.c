/*
 * report_summary.c - authmilter-report summary: what the imported
 * reports say about our domains, as text or JSON
 *
 * authmilter-report summary [DOMAIN] [--days N] [--json] [--now T]
 *                           [--top N] [--no-dns] [-c FILE]
 *
 * lib/report_summary.c reads the store and sums up; this file takes the
 * options, asks the reverse names and prints.  authmilter-report(8),
 * SUMMARY, describes every field and key.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "util.h"
#include "config.h"
#include "dns.h"
#include "store.h"
#include "report_summary.h"
#include "report_cmd.h"

#define TEXT_TOP	20	/* --top default: sources shown per domain */
#define TEXT_TOP_MAX	1000000	/* --top at most */
#define NOW_MAX		(INT64_MAX / 2)	/* --now at most: no overflow */
#define PR_RING		8	/* printable copies alive at once */

/* the options */
struct opts {
	const char	*config;
	const char	*domain;
	int64_t		 days;
	int64_t		 now;
	long		 top;
	int		 json;
	int		 dns;
};

/* pr - s with every byte outside printable ASCII as '?': report text
 * is anyone's; valid until PR_RING more calls */
static const char *
pr(const char *s)
{
	static struct strbuf ring[PR_RING];
	static size_t next;
	struct strbuf *sb = &ring[next++ % PR_RING];

	if (sb->s == NULL)
		sb_init(sb);
	sb_truncate(sb, 0);
	sb_put_printable(sb, s, strlen(s));
	return sb->s;
}

/* day - a unix time as YYYY-MM-DD (UTC) */
static const char *
day(int64_t t)
{
	static char buf[PR_RING][32];
	static size_t next;
	char *b = buf[next++ % PR_RING];
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(b, sizeof(buf[0]), "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(b, sizeof(buf[0]), "@%" PRId64, t);
	else if (strcmp(b + 10, " 00:00") == 0)
		b[10] = '\0';
	return b;
}

/* per_day - n / days with one decimal: "12.3" */
static const char *
per_day(int64_t n, int64_t days)
{
	static char buf[PR_RING][32];
	static size_t next;
	char *b = buf[next++ % PR_RING];
	int64_t q = n / days, t = (n % days * 10 + days / 2) / days;

	if (t == 10) {
		q++;
		t = 0;
	}
	snprintf(b, sizeof(buf[0]), "%" PRId64 ".%d", q, (int)t);
	return b;
}

/* plural - "s" unless n is 1 */
static const char *
plural(int64_t n)
{
	return n == 1 ? "" : "s";
}

/* or_dash - s, or "-" when empty */
static const char *
or_dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

/* names_line - the names joined by ", ", printable */
static void
names_line(struct strbuf *sb, const struct summary_names *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++) {
		if (i > 0)
			sb_puts(sb, ", ");
		sb_put_printable(sb, ns->v[i], strlen(ns->v[i]));
	}
}

/* text_sources - the table of domain's sources, the busiest first */
static void
text_sources(const struct summary_domain *d, long top)
{
	const struct summary_source *s;
	struct strbuf rep;
	size_t i, n, wip = 6, wptr = 3;
	int64_t rest = 0;

	n = top > 0 && (size_t)top < d->nsources ? (size_t)top : d->nsources;
	for (i = 0; i < n; i++) {
		if (strlen(pr(d->sources[i].ip)) > wip)
			wip = strlen(pr(d->sources[i].ip));
		if (strlen(pr(or_dash(d->sources[i].ptr))) > wptr)
			wptr = strlen(pr(or_dash(d->sources[i].ptr)));
	}
	printf("\n  %-*s  %-*s  %10s  %11s  %12s  %10s  %-15s  %s\n",
	    (int)wip, "SOURCE", (int)wptr, "PTR", "MESSAGES", "SPF-ALIGNED",
	    "DKIM-ALIGNED", "DMARC-PASS", "CLASS", "REPORTERS");
	sb_init(&rep);
	for (i = 0; i < n; i++) {
		s = &d->sources[i];
		sb_truncate(&rep, 0);
		names_line(&rep, &s->reporters);
		printf("  %-*s  %-*s  %10" PRId64 "  %11" PRId64 "  %12"
		    PRId64 "  %10" PRId64 "  %-15s  %s\n", (int)wip,
		    pr(s->ip), (int)wptr, pr(or_dash(s->ptr)), s->messages,
		    s->spf_aligned, s->dkim_aligned, s->dmarc_pass,
		    report_summary_class_name(report_summary_class(s)),
		    rep.s);
	}
	sb_free(&rep);
	for (i = n; i < d->nsources; i++)
		rest += d->sources[i].messages;
	if (n < d->nsources)
		printf("  ... and %zu more source%s (%" PRId64 " message%s); "
		    "--top 0 shows all\n", d->nsources - n,
		    plural((int64_t)(d->nsources - n)), rest, plural(rest));
}

/* text_fix - one source to fix before raising p, and how */
static void
text_fix(const struct summary_domain *d, const struct summary_source *s)
{
	struct strbuf sb;
	const char *dom = pr(d->domain);

	printf("      %s (%s): %" PRId64 " message%s failing DMARC\n",
	    pr(s->ip), pr(or_dash(s->ptr)), s->unaligned,
	    plural(s->unaligned));
	sb_init(&sb);
	if (s->spf_unaligned.n > 0) {
		names_line(&sb, &s->spf_unaligned);
		printf("        SPF passes for %s, not aligned with %s: use "
		    "an envelope (bounce) domain under %s\n"
		    "        that %s's SPF record covers, or sign with DKIM "
		    "d=%s\n", sb.s, dom, dom, dom, dom);
	}
	sb_truncate(&sb, 0);
	if (s->dkim_unaligned.n > 0) {
		names_line(&sb, &s->dkim_unaligned);
		printf("        DKIM passes for %s, not aligned with %s: "
		    "have the sender sign with d=%s\n"
		    "        (a selector published under %s)\n", sb.s, dom,
		    dom, dom);
	}
	sb_free(&sb);
}

/* text_readiness - the verdict of one domain */
static void
text_readiness(const struct summary_domain *d)
{
	const char *next = report_summary_next_p(d->p);
	size_t i;

	printf("\n  readiness\n");
	printf("    would reject %s messages/day from %zu source%s that "
	    "otherwise pass SPF or DKIM unaligned\n",
	    per_day(d->would_reject, d->days), d->unaligned_sources,
	    plural((int64_t)d->unaligned_sources));
	if (d->unaligned_sources > 0) {
		printf("    fix before raising p:\n");
		for (i = 0; i < d->nsources; i++)
			if (report_summary_class(&d->sources[i]) ==
			    SUMMARY_UNALIGNED)
				text_fix(d, &d->sources[i]);
	}
	printf("    likely spoofing, safe to reject: %" PRId64 " message%s "
	    "(%s/day) from %zu source%s with no SPF or DKIM pass\n",
	    d->spoof_messages, plural(d->spoof_messages),
	    per_day(d->spoof_messages, d->days), d->spoof_sources,
	    plural((int64_t)d->spoof_sources));
	if (d->messages == 0)
		printf("    verdict: no data: the reports hold no messages\n");
	else if (d->unaligned_sources > 0 && strcmp(next, "reject") == 0 &&
	    d->p != NULL && strcmp(d->p, "reject") == 0)
		printf("    verdict: p=reject is published and rejects the "
		    "mail of the %zu source%s above: fix them\n",
		    d->unaligned_sources,
		    plural((int64_t)d->unaligned_sources));
	else if (d->unaligned_sources > 0)
		printf("    verdict: NOT READY for p=%s: fix the %zu "
		    "source%s above first\n", next, d->unaligned_sources,
		    plural((int64_t)d->unaligned_sources));
	else if (d->p != NULL && strcmp(d->p, "reject") == 0)
		printf("    verdict: ready: p=reject is published and no "
		    "source that passes SPF or DKIM fails DMARC\n");
	else
		printf("    verdict: READY for p=%s: every source that passes "
		    "SPF or DKIM is aligned\n", next);
}

/* text_domain - everything about one domain */
static void
text_domain(const struct summary_domain *d, long top)
{
	const struct summary_tally *t;
	size_t i;

	printf("\n%s\n", pr(d->domain));
	printf("  messages    %" PRId64 " in %" PRId64 " report%s, %s to %s "
	    "(%" PRId64 " day%s)\n", d->messages, d->reports,
	    plural(d->reports), day(d->begin_t), day(d->end_t), d->days,
	    plural(d->days));
	for (i = 0; i < d->reporters.n; i++) {
		t = &d->reporters.v[i];
		printf("  %-10s  %s: %" PRId64 " message%s, %" PRId64
		    " report%s\n", i == 0 ? "reporters" : "", pr(t->name),
		    t->m, plural(t->m), t->n, plural(t->n));
	}
	printf("  DMARC       pass %" PRId64 ", fail %" PRId64 "\n",
	    d->dmarc_pass, d->dmarc_fail);
	printf("  aligned     SPF %" PRId64 ", DKIM %" PRId64 "\n",
	    d->spf_aligned, d->dkim_aligned);
	printf("  published   p=%s sp=%s testing=%s (report %s from %s, "
	    "ending %s)\n", pr(or_dash(d->p)), pr(or_dash(d->sp)),
	    pr(or_dash(d->testing)), pr(or_dash(d->latest_id)),
	    pr(or_dash(d->latest_submitter)), day(d->latest_end));
	if (d->nsources > 0)
		text_sources(d, top);
	text_readiness(d);
}

/* text_tls - the TLS reports' failures and sessions */
static void
text_tls(const struct summary *sm)
{
	const struct summary_tally *t, *ot;
	size_t i, j, w = 13;
	int first;

	printf("\nTLS reports (RFC 8460): %" PRId64 "\n", sm->tls_reports);
	if (sm->tls_policies.n > 0) {
		for (i = 0; i < sm->tls_policies.n; i++)
			if (strlen(pr(sm->tls_policies.v[i].name)) > w)
				w = strlen(pr(sm->tls_policies.v[i].name));
		printf("  %-*s  %12s  %12s\n", (int)w, "POLICY-DOMAIN",
		    "SESSIONS-OK", "FAILED");
		for (i = 0; i < sm->tls_policies.n; i++) {
			t = &sm->tls_policies.v[i];
			printf("  %-*s  %12" PRId64 "  %12" PRId64 "\n", (int)w,
			    pr(t->name), t->n, t->m);
		}
	}
	if (sm->tls_types.n == 0) {
		printf("  no failures reported\n");
		return;
	}
	printf("  failures by type\n");
	for (i = 0; i < sm->tls_types.n; i++)
		printf("    %-30s  %10" PRId64 "\n",
		    pr(sm->tls_types.v[i].name), sm->tls_types.v[i].n);
	printf("  failures by sending organisation\n");
	for (i = 0; i < sm->tls_orgs.n; i++) {
		t = &sm->tls_orgs.v[i];
		printf("    %-30s  %10" PRId64 "  (", pr(t->name), t->n);
		first = 1;
		for (j = 0; j < sm->tls_org_types.n; j++) {
			ot = &sm->tls_org_types.v[j];
			if (strcmp(ot->name, t->name) != 0)
				continue;
			printf("%s%s %" PRId64, first ? "" : ", ", pr(ot->sub),
			    ot->n);
			first = 0;
		}
		printf(")\n");
	}
}

/* text_out - the whole summary as text */
static void
text_out(const struct summary *sm, const struct opts *o)
{
	size_t i;

	printf("Reports ending from %s to %s UTC (%" PRId64 " day%s)%s%s\n",
	    day(o->now - o->days * 86400), day(o->now), o->days,
	    plural(o->days), o->domain ? " about " : "",
	    o->domain ? pr(o->domain) : "");
	if (sm->ndomains == 0 && sm->tls_reports == 0) {
		printf("no reports: nothing imported ends in this period "
		    "(authmilter-report import reads them)\n");
		return;
	}
	if (sm->ndomains == 0)
		printf("\nno DMARC aggregate reports\n");
	for (i = 0; i < sm->ndomains; i++)
		text_domain(&sm->domains[i], o->top);
	text_tls(sm);
}

/* jstr - a JSON string: s, or its printable form if not UTF-8 */
static json_t *
jstr(const char *s)
{
	json_t *j;

	if (s == NULL)
		s = "";
	if ((j = json_string(s)) == NULL)
		j = json_string(pr(s));
	return j;
}

/* jnames - a JSON array of the names */
static json_t *
jnames(const struct summary_names *ns)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < ns->n; i++)
		json_array_append_new(a, jstr(ns->v[i]));
	return a;
}

/* jper_day - n / days as a number with one decimal */
static json_t *
jper_day(int64_t n, int64_t days)
{
	return json_real(strtod(per_day(n, days), NULL));
}

/* json_source - one source */
static json_t *
json_source(const struct summary_source *s)
{
	json_t *j = json_object();

	json_object_set_new(j, "ip", jstr(s->ip));
	json_object_set_new(j, "ptr", jstr(s->ptr));
	json_object_set_new(j, "messages", json_integer(s->messages));
	json_object_set_new(j, "spf_aligned", json_integer(s->spf_aligned));
	json_object_set_new(j, "dkim_aligned",
	    json_integer(s->dkim_aligned));
	json_object_set_new(j, "dmarc_pass", json_integer(s->dmarc_pass));
	json_object_set_new(j, "dmarc_fail",
	    json_integer(s->messages - s->dmarc_pass));
	json_object_set_new(j, "class",
	    json_string(report_summary_class_name(report_summary_class(s))));
	json_object_set_new(j, "reporters", jnames(&s->reporters));
	json_object_set_new(j, "spf_unaligned", jnames(&s->spf_unaligned));
	json_object_set_new(j, "dkim_unaligned", jnames(&s->dkim_unaligned));
	return j;
}

/* json_readiness - the verdict of one domain */
static json_t *
json_readiness(const struct summary_domain *d)
{
	json_t *j = json_object(), *fix = json_array();
	const char *verdict;
	size_t i;

	for (i = 0; i < d->nsources; i++)
		if (report_summary_class(&d->sources[i]) == SUMMARY_UNALIGNED)
			json_array_append_new(fix, jstr(d->sources[i].ip));
	if (d->messages == 0)
		verdict = "no-data";
	else if (d->unaligned_sources > 0)
		verdict = "not-ready";
	else
		verdict = "ready";
	json_object_set_new(j, "next_p",
	    json_string(report_summary_next_p(d->p)));
	json_object_set_new(j, "verdict", json_string(verdict));
	json_object_set_new(j, "ready",
	    json_boolean(strcmp(verdict, "ready") == 0));
	json_object_set_new(j, "would_reject", json_integer(d->would_reject));
	json_object_set_new(j, "would_reject_per_day",
	    jper_day(d->would_reject, d->days));
	json_object_set_new(j, "unaligned_sources",
	    json_integer((json_int_t)d->unaligned_sources));
	json_object_set_new(j, "fix", fix);
	json_object_set_new(j, "spoof_messages",
	    json_integer(d->spoof_messages));
	json_object_set_new(j, "spoof_messages_per_day",
	    jper_day(d->spoof_messages, d->days));
	json_object_set_new(j, "spoof_sources",
	    json_integer((json_int_t)d->spoof_sources));
	return j;
}

/* json_domain - one domain */
static json_t *
json_domain(const struct summary_domain *d)
{
	json_t *j = json_object(), *a, *r, *p;
	size_t i;

	json_object_set_new(j, "domain", jstr(d->domain));
	json_object_set_new(j, "messages", json_integer(d->messages));
	json_object_set_new(j, "dmarc_pass", json_integer(d->dmarc_pass));
	json_object_set_new(j, "dmarc_fail", json_integer(d->dmarc_fail));
	json_object_set_new(j, "spf_aligned", json_integer(d->spf_aligned));
	json_object_set_new(j, "dkim_aligned",
	    json_integer(d->dkim_aligned));
	json_object_set_new(j, "reports", json_integer(d->reports));
	json_object_set_new(j, "begin", json_integer(d->begin_t));
	json_object_set_new(j, "end", json_integer(d->end_t));
	json_object_set_new(j, "days_covered", json_integer(d->days));
	a = json_array();
	for (i = 0; i < d->reporters.n; i++) {
		r = json_object();
		json_object_set_new(r, "name", jstr(d->reporters.v[i].name));
		json_object_set_new(r, "reports",
		    json_integer(d->reporters.v[i].n));
		json_object_set_new(r, "messages",
		    json_integer(d->reporters.v[i].m));
		json_array_append_new(a, r);
	}
	json_object_set_new(j, "reporters", a);
	p = json_object();
	json_object_set_new(p, "p", jstr(d->p));
	json_object_set_new(p, "sp", jstr(d->sp));
	json_object_set_new(p, "np", jstr(d->np));
	json_object_set_new(p, "testing", jstr(d->testing));
	json_object_set_new(p, "adkim", jstr(d->adkim));
	json_object_set_new(p, "aspf", jstr(d->aspf));
	json_object_set_new(p, "submitter", jstr(d->latest_submitter));
	json_object_set_new(p, "report_id", jstr(d->latest_id));
	json_object_set_new(p, "end", json_integer(d->latest_end));
	json_object_set_new(j, "published", p);
	a = json_array();
	for (i = 0; i < d->nsources; i++)
		json_array_append_new(a, json_source(&d->sources[i]));
	json_object_set_new(j, "sources", a);
	json_object_set_new(j, "readiness", json_readiness(d));
	return j;
}

/* jset - obj[key] = v (taken), the key printable if not UTF-8 */
static void
jset(json_t *obj, const char *key, json_t *v)
{
	json_incref(v);
	if (json_object_set_new(obj, key, v) == 0)
		json_decref(v);
	else
		json_object_set_new(obj, pr(key), v);
}

/* json_tls - the TLS reports */
static json_t *
json_tls(const struct summary *sm)
{
	json_t *j = json_object(), *types = json_object();
	json_t *orgs = json_object(), *pol = json_array(), *o, *ot;
	const struct summary_tally *t;
	size_t i, k;

	json_object_set_new(j, "reports", json_integer(sm->tls_reports));
	for (i = 0; i < sm->tls_types.n; i++)
		jset(types, sm->tls_types.v[i].name,
		    json_integer(sm->tls_types.v[i].n));
	for (i = 0; i < sm->tls_orgs.n; i++) {
		t = &sm->tls_orgs.v[i];
		o = json_object();
		ot = json_object();
		json_object_set_new(o, "failed", json_integer(t->n));
		for (k = 0; k < sm->tls_org_types.n; k++)
			if (strcmp(sm->tls_org_types.v[k].name, t->name) == 0)
				jset(ot, sm->tls_org_types.v[k].sub,
				    json_integer(sm->tls_org_types.v[k].n));
		json_object_set_new(o, "types", ot);
		jset(orgs, t->name, o);
	}
	for (i = 0; i < sm->tls_policies.n; i++) {
		o = json_object();
		json_object_set_new(o, "policy_domain",
		    jstr(sm->tls_policies.v[i].name));
		json_object_set_new(o, "successful",
		    json_integer(sm->tls_policies.v[i].n));
		json_object_set_new(o, "failed",
		    json_integer(sm->tls_policies.v[i].m));
		json_array_append_new(pol, o);
	}
	json_object_set_new(j, "failures", types);
	json_object_set_new(j, "failures_by_org", orgs);
	json_object_set_new(j, "policies", pol);
	return j;
}

/* json_out - the whole summary as one JSON object */
static int
json_out(const struct summary *sm, const struct opts *o)
{
	json_t *j = json_object(), *a = json_array();
	size_t i;
	int rc;

	json_object_set_new(j, "now", json_integer(o->now));
	json_object_set_new(j, "since", json_integer(o->now - o->days * 86400));
	json_object_set_new(j, "until", json_integer(o->now));
	json_object_set_new(j, "days", json_integer(o->days));
	json_object_set_new(j, "domain", o->domain ? jstr(o->domain) :
	    json_null());
	for (i = 0; i < sm->ndomains; i++)
		json_array_append_new(a, json_domain(&sm->domains[i]));
	json_object_set_new(j, "domains", a);
	json_object_set_new(j, "tls", json_tls(sm));
	rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(j);
	return rc;
}

/* number - a decimal in [min, max], or -1 */
static int
number(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!ascii_isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* usage - the synopsis on stderr; the usage status */
static int
usage(void)
{
	fprintf(stderr, "usage: authmilter-report summary [DOMAIN] "
	    "[--days N] [--json] [--now T] [--top N] [--no-dns] "
	    "[-c FILE]\n");
	return REPORT_EX_USAGE;
}

/* parse_opts - the command line into o; 0, or the usage status */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "days", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "now", required_argument, NULL, 'N' },
		{ "top", required_argument, NULL, 't' },
		{ "no-dns", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->days = SUMMARY_DEFAULT_DAYS;
	o->now = (int64_t)time(NULL);
	o->top = TEXT_TOP;
	o->dns = 1;
	while ((c = getopt_long(argc, argv, "c:jn", longopts, NULL)) != -1)
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'd':
			if (number(optarg, 1, SUMMARY_MAX_DAYS,
			    &o->days) == -1) {
				fprintf(stderr, "authmilter-report: --days: "
				    "not a number of days from 1 to %d: %s\n",
				    SUMMARY_MAX_DAYS, optarg);
				return usage();
			}
			break;
		case 'j':
			o->json = 1;
			break;
		case 'N':
			if (number(optarg, 0, NOW_MAX, &o->now) == -1) {
				fprintf(stderr, "authmilter-report: --now: not "
				    "a unix time: %s\n", optarg);
				return usage();
			}
			break;
		case 't':
			if (number(optarg, 0, TEXT_TOP_MAX, &v) == -1) {
				fprintf(stderr, "authmilter-report: --top: not "
				    "a number from 0 to %d: %s\n", TEXT_TOP_MAX,
				    optarg);
				return usage();
			}
			o->top = (long)v;
			break;
		case 'n':
			o->dns = 0;
			break;
		default:
			return usage();
		}
	if (argc - optind > 1)
		return usage();
	if (argc - optind == 1)
		o->domain = argv[optind];
	return 0;
}

/* report_cmd_summary - sum up the imported reports */
int
report_cmd_summary(int argc, char **argv)
{
	struct summary sm;
	struct opts o;
	struct config *cf;
	struct store *st;
	struct strbuf err;
	struct dns_ctx *ctx;
	struct dns_client *dc;
	char *domain = NULL;
	size_t len;
	int rc;

	if ((rc = parse_opts(argc, argv, &o)) != 0)
		return rc;
	if (o.domain != NULL) {
		domain = xstrdup(o.domain);
		str_lower(domain);
		len = strlen(domain);
		if (len > 1 && domain[len - 1] == '.')
			domain[len - 1] = '\0';
		o.domain = domain;
	}
	cf = report_load_config(o.config);
	st = report_open_store(cf);
	sb_init(&err);
	if (report_summary_load(st, o.domain, o.now - o.days * 86400, o.now,
	    &sm, &err) == -1)
		report_fail(1, "summary: ReportStore %s: %s", cf->report.store,
		    err.s);
	sb_free(&err);
	store_close(st);
	if (o.dns) {
		ctx = dns_ctx_new(&cf->dns_opts);
		dc = dns_client_new(ctx);
		report_summary_ptr(&sm, dc);
		dns_client_free(dc);
		dns_ctx_free(ctx);
	}
	if (o.json)
		rc = json_out(&sm, &o) == 0 ? 0 : 1;
	else
		text_out(&sm, &o);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "authmilter-report: summary: cannot write "
		    "the output\n");
		rc = 1;
	}
	report_summary_free(&sm);
	config_unref(cf);
	free(domain);
	return rc;
}
