/*
 * report-build - fill a store with history rows, and build aggregate
 * reports from it with lib/report_build, for t/report-build.t
 *
 * usage: report-build fill URL
 *	  report-build fill-raw URL
 *	  report-build bulk URL N GROUPS
 *	  report-build build [-o ORG] [-c CONTACT] [-i ID] URL DOMAIN
 *	      BEGIN END OUT
 *
 *	fill	the history table, and the rows of the fixed cases below
 *		(policy domains rep.example and other.example, the UTC day
 *		that begins at DAY)
 *	fill-raw  rows whose text is not UTF-8 (raw.example)
 *	bulk	N rows for bulk.example in that day, in GROUPS groups of
 *		identical rows (N a multiple of GROUPS gives equal counts),
 *		1000 rows a transaction
 *	build	report_build() into OUT; prints "records R messages M",
 *		or the error on standard error and exits 1
 *
 * Exit status 0, 1 when the store fails, 2 for a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "store.h"
#include "report_history.h"
#include "report_build.h"

#define DAY		1700006400	/* 2023-11-15T00:00:00Z */
#define BULK_BATCH	1000

/* one case: a row as column=value pairs, and how many copies of it */
struct fill_case {
	int		 copies;
	int64_t		 t;
	const char	*cols[20][2];
};

/*
 * The cases t/report-build.t checks.  Columns not named are "".  Every
 * row is for rep.example unless it says otherwise.
 */
static const struct fill_case cases[] = {
	/* five identical passes: one record, count 5 */
	{ 4, DAY + 100, { { "source_ip", "192.0.2.1" },
	    { "header_from", "rep.example" },
	    { "envelope_from", "rep.example" },
	    { "envelope_to", "dest.example" }, { "p", "none" },
	    { "disposition", "pass" }, { "dkim_eval", "pass" },
	    { "spf_eval", "pass" }, { "spf_domain", "rep.example" },
	    { "spf_scope", "mfrom" }, { "spf_result", "pass" },
	    { "dkim", "rep.example sel1 pass" } } },
	/* the fifth, the last row of the day: its policy is published */
	{ 1, DAY + 86399, { { "source_ip", "192.0.2.1" },
	    { "header_from", "rep.example" },
	    { "envelope_from", "rep.example" },
	    { "envelope_to", "dest.example" }, { "p", "reject" },
	    { "sp", "quarantine" }, { "adkim", "s" }, { "aspf", "r" },
	    { "testing", "n" }, { "discovery", "treewalk" },
	    { "disposition", "pass" }, { "dkim_eval", "pass" },
	    { "spf_eval", "pass" }, { "spf_domain", "rep.example" },
	    { "spf_scope", "mfrom" }, { "spf_result", "pass" },
	    { "dkim", "rep.example sel1 pass" } } },
	/* a null sender, three times: envelope_from present and empty */
	{ 3, DAY + 200, { { "source_ip", "192.0.2.2" },
	    { "header_from", "rep.example" }, { "disposition", "pass" },
	    { "dkim_eval", "pass" }, { "spf_eval", "fail" },
	    { "spf_domain", "helo.rep.example" }, { "spf_scope", "mfrom" },
	    { "spf_result", "pass" },
	    { "dkim", "rep.example sel1 pass" } } },
	/* t=y: the policy lowered, reason policy_test_mode */
	{ 2, DAY + 300, { { "source_ip", "198.51.100.7" },
	    { "header_from", "rep.example" },
	    { "envelope_from", "attacker.example" },
	    { "disposition", "quarantine" }, { "dkim_eval", "fail" },
	    { "spf_eval", "fail" }, { "reasons", "policy_test_mode t=y" },
	    { "spf_domain", "attacker.example" }, { "spf_scope", "mfrom" },
	    { "spf_result", "fail" } } },
	/* two reasons; a DKIM pass in capitals, listed after a fail */
	{ 1, DAY + 400, { { "source_ip", "203.0.113.9" },
	    { "header_from", "rep.example" },
	    { "envelope_from", "list.example" }, { "disposition", "none" },
	    { "dkim_eval", "fail" }, { "spf_eval", "fail" },
	    { "reasons", "trusted_forwarder TrustedForwarders\n"
	    "local_policy allowed by the admin" },
	    { "spf_domain", "list.example" }, { "spf_scope", "mfrom" },
	    { "spf_result", "softfail" },
	    { "dkim", "rep.example sel1 fail\nother.example s2 PASS" } } },
	/* text XML must escape, and non-ASCII */
	{ 1, DAY + 500, { { "source_ip", "192.0.2.3" },
	    { "header_from", "we<i>rd&\"co\".example" },
	    { "envelope_from", "rep.example" },
	    { "envelope_to", "b\xc3\xbc" "cher.example" },
	    { "disposition", "reject" }, { "dkim_eval", "fail" },
	    { "spf_eval", "fail" },
	    { "reasons", "mailing_list list <x@y> & co" },
	    { "spf_domain", "rep.example" }, { "spf_scope", "mfrom" },
	    { "spf_result", "fail" }, { "dkim", "- - permerror" } } },
	/* IPv6; SPF of the HELO only: no <spf>; the aligned pass first */
	{ 1, DAY + 600, { { "source_ip", "2001:db8::25" },
	    { "header_from", "rep.example" },
	    { "envelope_from", "rep.example" }, { "disposition", "pass" },
	    { "dkim_eval", "pass" }, { "spf_eval", "fail" },
	    { "spf_domain", "mx.rep.example" }, { "spf_scope", "helo" },
	    { "spf_result", "pass" },
	    { "dkim", "sub.rep.example s3 temperror\nrep.example s4 pass" } } },
	/* no source address; a control byte XML cannot carry */
	{ 1, DAY + 700, { { "header_from", "ctl\x01" "x.example" },
	    { "envelope_from", "rep.example" }, { "disposition", "none" },
	    { "dkim_eval", "fail" }, { "spf_eval", "fail" },
	    { "spf_domain", "rep.example" }, { "spf_scope", "mfrom" },
	    { "spf_result", "none" } } },
	/* words outside RFC 9990's vocabulary */
	{ 1, DAY + 800, { { "source_ip", "192.0.2.4" },
	    { "header_from", "rep.example" },
	    { "envelope_from", "rep.example" }, { "disposition", "REJECT" },
	    { "dkim_eval", "fail" }, { "spf_eval", "maybe" },
	    { "reasons", "forwarded via a relay" },
	    { "spf_domain", "rep.example" }, { "spf_scope", "mfrom" },
	    { "spf_result", "hardfail" },
	    { "dkim", "rep.example sel1" } } },
	/* outside the period or the domain: in no report of rep.example */
	{ 1, DAY + 86400, { { "source_ip", "192.0.2.1" },
	    { "header_from", "rep.example" },
	    { "envelope_from", "rep.example" },
	    { "envelope_to", "dest.example" }, { "disposition", "pass" },
	    { "dkim_eval", "pass" }, { "spf_eval", "pass" },
	    { "spf_domain", "rep.example" }, { "spf_scope", "mfrom" },
	    { "spf_result", "pass" }, { "dkim", "rep.example sel1 pass" } } },
	{ 1, DAY - 1, { { "source_ip", "192.0.2.1" },
	    { "header_from", "rep.example" },
	    { "envelope_from", "rep.example" },
	    { "envelope_to", "dest.example" }, { "disposition", "pass" },
	    { "dkim_eval", "pass" }, { "spf_eval", "pass" },
	    { "spf_domain", "rep.example" }, { "spf_scope", "mfrom" },
	    { "spf_result", "pass" }, { "dkim", "rep.example sel1 pass" } } },
	{ 1, DAY + 100, { { "policy_domain", "other.example" },
	    { "source_ip", "192.0.2.1" }, { "header_from", "other.example" },
	    { "envelope_from", "other.example" }, { "p", "quarantine" },
	    { "disposition", "pass" }, { "dkim_eval", "pass" },
	    { "spf_eval", "pass" }, { "spf_domain", "other.example" },
	    { "spf_scope", "mfrom" }, { "spf_result", "pass" } } },
};

/*
 * Bytes that are not UTF-8, for a store that takes them (SQLite; a
 * PostgreSQL database in UTF8 refuses them): policy domain raw.example
 */
static const struct fill_case raw_cases[] = {
	/* Latin-1, an overlong "/", a lone continuation byte, a surrogate */
	{ 1, DAY + 100, { { "policy_domain", "raw.example" },
	    { "source_ip", "192.0.2.9" },
	    { "header_from", "b\xe4" "d.example" },
	    { "envelope_from", "o\xc0\xaf" "x.example" },
	    { "envelope_to", "c\x9f\x80" "x.example" },
	    { "reasons", "local_policy s\xed\xa0\x80" "x" },
	    { "p", "none" }, { "disposition", "none" },
	    { "dkim_eval", "fail" }, { "spf_eval", "fail" } } },
};

/* usage - say how to call us, and stop */
static void
usage(void)
{
	fprintf(stderr, "usage: report-build fill|fill-raw URL\n"
	    "       report-build bulk URL N GROUPS\n"
	    "       report-build build [-o ORG] [-c CONTACT] [-i ID] URL "
	    "DOMAIN BEGIN END OUT\n");
	exit(2);
}

/* open_store - the store at url, its table made; exits on failure */
static struct store *
open_store(const char *url)
{
	struct strbuf err;
	struct store *st;

	sb_init(&err);
	if ((st = store_open(url, &err)) == NULL ||
	    store_begin(st, &err) == -1 ||
	    report_history_schema(st, &err) == -1 ||
	    store_commit(st, &err) == -1) {
		fprintf(stderr, "report-build: %s\n", err.s);
		exit(1);
	}
	sb_free(&err);
	return st;
}

/* insert - rows in one transaction; exits on failure */
static void
insert(struct store *st, struct report_row **rows, size_t n)
{
	struct strbuf err;

	sb_init(&err);
	if (store_begin(st, &err) == -1 ||
	    report_history_insert(st, rows, n, &err) == -1 ||
	    store_commit(st, &err) == -1) {
		fprintf(stderr, "report-build: %s\n", err.s);
		exit(1);
	}
	sb_free(&err);
}

/* case_row - a row of one case */
static struct report_row *
case_row(const struct fill_case *c)
{
	struct report_row *r = report_row_new();
	enum report_col col;
	size_t i;

	r->t = c->t;
	report_row_set(r, RC_POLICY_DOMAIN, "rep.example");
	report_row_set(r, RC_REPORTER, "mx.example.net");
	for (i = 0; i < ARRAY_SIZE(c->cols) && c->cols[i][0] != NULL; i++) {
		if (report_col_lookup(c->cols[i][0], &col) == -1) {
			fprintf(stderr, "report-build: no column %s\n",
			    c->cols[i][0]);
			exit(2);
		}
		report_row_set(r, col, c->cols[i][1]);
	}
	return r;
}

/* do_fill - the fixed cases, ncases of them */
static int
do_fill(const char *url, const struct fill_case *c, size_t ncases)
{
	struct store *st = open_store(url);
	struct report_row *rows[64];
	size_t i, n = 0;
	int k;

	for (i = 0; i < ncases; i++)
		for (k = 0; k < c[i].copies && n < ARRAY_SIZE(rows); k++)
			rows[n++] = case_row(&c[i]);
	insert(st, rows, n);
	for (i = 0; i < n; i++)
		report_row_free(rows[i]);
	store_close(st);
	return 0;
}

/* bulk_row - row i of a bulk fill: group i % groups */
static struct report_row *
bulk_row(long i, long groups)
{
	struct report_row *r = report_row_new();
	long g = i % groups;
	char ip[32];

	r->t = DAY + (int64_t)(i % 86400);
	(void)snprintf(ip, sizeof(ip), "10.%ld.%ld.%ld", (g / 2 / 65536) %
	    256, (g / 2 / 256) % 256, (g / 2) % 256);
	report_row_set(r, RC_POLICY_DOMAIN, "bulk.example");
	report_row_set(r, RC_SOURCE_IP, ip);
	report_row_set(r, RC_HEADER_FROM, "bulk.example");
	report_row_set(r, RC_ENVELOPE_FROM, "bulk.example");
	report_row_set(r, RC_P, "reject");
	report_row_set(r, RC_DISCOVERY, "treewalk");
	report_row_set(r, RC_DISPOSITION, g % 2 == 0 ? "pass" : "reject");
	report_row_set(r, RC_DKIM_EVAL, g % 2 == 0 ? "pass" : "fail");
	report_row_set(r, RC_SPF_EVAL, "fail");
	report_row_set(r, RC_SPF_DOMAIN, "bulk.example");
	report_row_set(r, RC_SPF_SCOPE, "mfrom");
	report_row_set(r, RC_SPF_RESULT, "fail");
	report_row_set(r, RC_DKIM, g % 2 == 0 ? "bulk.example s1 pass" :
	    "bulk.example s1 fail");
	return r;
}

/* do_bulk - n rows in groups groups, BULK_BATCH a transaction */
static int
do_bulk(const char *url, long n, long groups)
{
	struct store *st = open_store(url);
	struct report_row *rows[BULK_BATCH];
	long i = 0;
	size_t k, m;

	while (i < n) {
		for (m = 0; m < BULK_BATCH && i < n; m++, i++)
			rows[m] = bulk_row(i, groups);
		insert(st, rows, m);
		for (k = 0; k < m; k++)
			report_row_free(rows[k]);
	}
	store_close(st);
	return 0;
}

/* do_build - one report */
static int
do_build(int argc, char **argv)
{
	struct report_meta m = { "Example Receiver", "dmarc@mx.example.net",
	    NULL, "authmilter test", "r1", NULL, 0, 0 };
	struct report_stats stats;
	struct strbuf err;
	struct store *st;
	int c, rc;

	while ((c = getopt(argc, argv, "o:c:i:")) != -1) {
		switch (c) {
		case 'o':
			m.org_name = optarg;
			break;
		case 'c':
			m.contact_info = optarg;
			break;
		case 'i':
			m.report_id = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 5)
		usage();
	m.policy_domain = argv[optind + 1];
	m.begin = strtoll(argv[optind + 2], NULL, 10);
	m.end = strtoll(argv[optind + 3], NULL, 10);
	st = open_store(argv[optind]);
	sb_init(&err);
	rc = report_build(st, &m, argv[optind + 4], &stats, &err);
	if (rc == 0)
		printf("records %llu messages %llu\n",
		    (unsigned long long)stats.records,
		    (unsigned long long)stats.messages);
	else
		fprintf(stderr, "report-build: %s\n", err.s);
	sb_free(&err);
	store_close(st);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "fill") == 0)
		return do_fill(argv[2], cases, ARRAY_SIZE(cases));
	if (argc == 3 && strcmp(argv[1], "fill-raw") == 0)
		return do_fill(argv[2], raw_cases, ARRAY_SIZE(raw_cases));
	if (argc == 5 && strcmp(argv[1], "bulk") == 0 &&
	    atol(argv[3]) > 0 && atol(argv[4]) > 0)
		return do_bulk(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc >= 2 && strcmp(argv[1], "build") == 0)
		return do_build(argc - 1, argv + 1);
	usage();
	return 2;
}
