/*
 * NAME
 *	report_summary - what the imported reports say about our domains:
 *	per domain, per source IP, the readiness for a stricter policy,
 *	and the TLS reports
 * SYNOPSIS
 *	#include "report_summary.h"
 *
 *	int  report_summary_load(struct store *st, const char *domain,
 *	         int64_t since, int64_t until, struct summary *sm,
 *	         struct strbuf *err);
 *	void report_summary_ptr(struct summary *sm, struct dns_client *dc);
 *	enum summary_class report_summary_class(
 *	         const struct summary_source *src);
 *	const char *report_summary_class_name(enum summary_class c);
 *	const char *report_summary_next_p(const char *p);
 *	void report_summary_free(struct summary *sm);
 * DESCRIPTION
 *	report_summary_load() reads the tables of report_agg.h (and only
 *	those) for the reports whose date range ends in (since, until]
 *	and fills sm: every DMARC policy domain (all of them, or only
 *	domain when it is not NULL), sorted by name, each with its
 *	reporters and its source IPs (sorted by messages, most first,
 *	then by address; a source's reporters in byte order), and the
 *	TLS reports' totals (filtered by
 *	policy domain when domain is given).  It returns 0, or -1 with
 *	err (sm is then empty, and needs no report_summary_free()).
 *
 *	A record's messages are its count.  They pass DMARC when the
 *	reporter's policy_evaluated says dkim pass or spf pass: those are
 *	the aligned results, counted as spf_aligned and dkim_aligned.  A
 *	message failing DMARC is "unaligned" when its raw auth_results
 *	still hold an SPF or a DKIM pass (for a domain that does not
 *	align: a sending service not set up for us), "unauthenticated"
 *	when they hold none (likely spoofing).  A source's class is
 *	SUMMARY_UNALIGNED when any of its failing messages is unaligned,
 *	else SUMMARY_UNAUTH when any fails, else SUMMARY_PASS.
 *
 *	Readiness, per domain: would_reject is the sum of the unaligned
 *	messages, unaligned_sources the number of SUMMARY_UNALIGNED
 *	sources; spoof_messages and spoof_sources the same for
 *	SUMMARY_UNAUTH.  days is the span the domain's reports cover
 *	(latest end - earliest begin, in whole days rounded up, at least
 *	1): the divisor of the per-day figures.  The published policy
 *	(p, sp, np, testing, adkim, aspf) is the latest report's: the
 *	greatest end, then the latest imported.
 *
 *	Counts add up saturating at INT64_MAX; a negative count (which
 *	import refuses) counts as 0.
 *
 *	report_summary_ptr() gives every source its reverse name (the
 *	first PTR record; "" when there is none or the lookup failed),
 *	each distinct address asked once, the busiest first, at most
 *	SUMMARY_PTR_BATCH at a time, all lookups together within
 *	SUMMARY_PTR_BUDGET_MS (what is not asked by then is "").
 *
 *	report_summary_class_name() gives "pass", "unaligned" or
 *	"unauthenticated".  report_summary_next_p() is the policy to
 *	raise p to: none -> quarantine, quarantine -> reject, reject (and
 *	anything else) -> reject.
 */
#ifndef AUTHMILTER_REPORT_SUMMARY_H
#define AUTHMILTER_REPORT_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"
#include "dns.h"
#include "store.h"

#define SUMMARY_DEFAULT_DAYS	7
#define SUMMARY_MAX_DAYS	3660	/* --days: ten years */
#define SUMMARY_PTR_BATCH	32	/* PTR queries in flight at once */
#define SUMMARY_PTR_BUDGET_MS	10000	/* all PTR lookups of a run */

enum summary_class {
	SUMMARY_PASS,
	SUMMARY_UNALIGNED,
	SUMMARY_UNAUTH
};

/* a set of names, in the order first seen */
struct summary_names {
	char	**v;
	size_t	  n;
	size_t	  cap;
};

/* a name (and a second key) with two numbers */
struct summary_tally {
	char	*name;
	char	*sub;		/* NULL, or the second key */
	int64_t	 n;
	int64_t	 m;
};

struct summary_tallies {
	struct summary_tally *v;
	size_t	 n;
	size_t	 cap;
};

struct summary_source {
	char	*ip;
	char	*ptr;		/* "" when none */
	int64_t	 messages;
	int64_t	 spf_aligned;
	int64_t	 dkim_aligned;
	int64_t	 dmarc_pass;
	int64_t	 unaligned;	/* failing, SPF or DKIM pass */
	int64_t	 unauth;	/* failing, no pass at all */
	/* reporters; domains passing SPF, DKIM in failing messages */
	struct summary_names reporters;
	struct summary_names spf_unaligned;
	struct summary_names dkim_unaligned;
};

struct summary_domain {
	char	*domain;
	int64_t	 messages;
	int64_t	 dmarc_pass;
	int64_t	 dmarc_fail;
	int64_t	 spf_aligned;
	int64_t	 dkim_aligned;
	int64_t	 reports;
	int64_t	 begin_t;	/* earliest begin */
	int64_t	 end_t;		/* latest end */
	struct summary_tallies reporters; /* n reports, m messages */
	char	*p, *sp, *np, *testing, *adkim, *aspf;
	char	*latest_submitter;
	char	*latest_id;
	int64_t	 latest_end;
	struct summary_source *sources;
	size_t	 nsources;
	size_t	 cap;
	int64_t	 days;
	int64_t	 would_reject;
	size_t	 unaligned_sources;
	int64_t	 spoof_messages;
	size_t	 spoof_sources;
};

struct summary {
	struct summary_domain *domains;
	size_t	 ndomains;
	size_t	 cap;
	int64_t	 tls_reports;
	struct summary_tallies tls_types;	/* type, n failed */
	struct summary_tallies tls_orgs;	/* submitter, n failed */
	struct summary_tallies tls_org_types;	/* submitter, type, n */
	struct summary_tallies tls_policies;	/* domain, n ok, m failed */
};

int		 report_summary_load(struct store *, const char *, int64_t,
		    int64_t, struct summary *, struct strbuf *);
void		 report_summary_ptr(struct summary *, struct dns_client *);
enum summary_class report_summary_class(const struct summary_source *);
const char	*report_summary_class_name(enum summary_class);
const char	*report_summary_next_p(const char *);
void		 report_summary_free(struct summary *);

#endif
