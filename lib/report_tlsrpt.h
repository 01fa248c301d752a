/*
 * NAME
 *	report_tlsrpt - an SMTP TLS report (RFC 8460 JSON) read into a
 *	struct with jansson, and checked
 * SYNOPSIS
 *	#include "report_tlsrpt.h"
 *
 *	int  report_parse_tls(const char *json, size_t len, int64_t now,
 *	         struct tls_report *r, struct strbuf *err);
 *	void report_tls_free(struct tls_report *r);
 * DESCRIPTION
 *	report_parse_tls() reads one report object: organization-name,
 *	report-id and date-range (RFC 3339 start-datetime and
 *	end-datetime) are required, contact-info is not; each policies[]
 *	entry needs policy/policy-type and policy/policy-domain and its
 *	summary counts; each failure-details[] entry needs result-type
 *	and failed-session-count, sending-mta-ip and receiving-mx-hostname
 *	may be absent ("").  Domains and result types are lowercased.
 *
 *	Limits: a document over REPORT_XML_MAX_SIZE bytes (the same cap as
 *	for XML) is refused; jansson refuses nesting deeper than its own
 *	limit (2048), duplicate keys and NUL bytes; text values obey
 *	report_check_text(); the date range obeys report_check_range();
 *	more than REPORT_TLS_MAX_ROWS policies or failure details in all
 *	are refused.
 *
 *	On success r holds the report (free with report_tls_free()); on
 *	failure r holds nothing.
 * DIAGNOSTICS
 *	report_parse_tls() returns 0, or -1 with why appended to err
 *	("invalid JSON: line 1: ...", "no report-id", ...).
 */
#ifndef AUTHMILTER_REPORT_TLSRPT_H
#define AUTHMILTER_REPORT_TLSRPT_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define REPORT_TLS_MAX_ROWS	100000	/* policies, failures */

/* one failure-details[] entry: the columns of tls_failure */
struct tls_failure {
	char	*result_type;
	char	*sending_mta_ip;
	char	*receiving_mx;
	int64_t	 failed;
};

/* one policies[] entry: the columns of tls_policy, and its failures */
struct tls_policy {
	char			*policy_domain;
	char			*policy_type;
	int64_t			 success;
	int64_t			 failure;
	struct tls_failure	*fail;
	size_t			 nfail;
};

/* one TLS report: the columns of tls_report, and its policies */
struct tls_report {
	char			*submitter;	/* organization-name */
	char			*report_id;
	char			*contact;
	int64_t			 begin_t;
	int64_t			 end_t;
	struct tls_policy	*pol;
	size_t			 npol;
};

int	report_parse_tls(const char *, size_t, int64_t, struct tls_report *,
	    struct strbuf *);
void	report_tls_free(struct tls_report *);

#endif
