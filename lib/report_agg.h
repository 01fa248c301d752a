/*
 * NAME
 *	report_agg - the tables that hold reports others sent us:
 *	DMARC aggregate reports (RFC 9990) and TLS reports (RFC 8460)
 * SYNOPSIS
 *	#include "report_agg.h"
 *
 *	int report_agg_schema(struct store *st, struct strbuf *err);
 * DESCRIPTION
 *	authmilter-report import writes these tables, summary reads them.
 *	Every text column is NOT NULL DEFAULT ''; every count BIGINT.
 *	A report is known by (submitter, report_id): a second import of
 *	the same report adds nothing.
 *
 *	agg_report	one row per DMARC aggregate report
 *		submitter	the reporter's org_name, as sent
 *		report_id	its report_id
 *		email		its email
 *		domain		policy_published/domain, lowercase
 *		begin_t, end_t	date_range (unix time, BIGINT)
 *		p, sp, np	policy_published, lowercase ("" if absent)
 *		adkim, aspf	r or s ("" if absent)
 *		testing		y or n ("" if absent)
 *		imported	when we stored it (unix time, BIGINT)
 *		origin		where it came from (file name, Message-ID)
 *		PRIMARY KEY (submitter, report_id)
 *
 *	agg_record	one row per <record> of a report
 *		submitter, report_id	the report it belongs to
 *		source_ip	row/source_ip
 *		count		row/count (BIGINT)
 *		disposition	policy_evaluated/disposition, lowercase
 *		dkim_eval	policy_evaluated/dkim: pass or fail
 *		spf_eval	policy_evaluated/spf: pass or fail
 *		reasons		"TYPE COMMENT" a line, lines joined by "\n"
 *		header_from	identifiers/header_from, lowercase
 *		envelope_from	identifiers/envelope_from, lowercase
 *		envelope_to	identifiers/envelope_to, lowercase
 *		dkim		auth_results/dkim, "DOMAIN SELECTOR RESULT" a
 *				line ("-" for a missing selector), lowercase
 *		spf		auth_results/spf, "DOMAIN SCOPE RESULT" a
 *				line ("-" for a missing scope), lowercase
 *
 *	tls_report	one row per TLS report
 *		submitter	organization-name
 *		report_id	report-id
 *		contact		contact-info
 *		begin_t, end_t	date-range (unix time, BIGINT)
 *		imported, origin	as for agg_report
 *		PRIMARY KEY (submitter, report_id)
 *
 *	tls_policy	one row per policies[] entry
 *		submitter, report_id	the report it belongs to
 *		policy_domain	policy/policy-domain, lowercase
 *		policy_type	policy/policy-type (sts, tlsa, no-policy-found)
 *		success, failure	summary/total-successful-session-count
 *				and total-failure-session-count (BIGINT)
 *
 *	tls_failure	one row per failure-details[] entry
 *		submitter, report_id, policy_domain	whose it is
 *		result_type	result-type (certificate-expired, ...)
 *		sending_mta_ip	sending-mta-ip ("" if absent)
 *		receiving_mx	receiving-mx-hostname ("" if absent)
 *		failed		failed-session-count (BIGINT)
 *
 *	report_agg_schema() creates what is missing.  It returns 0, or -1
 *	with err.  Call it inside a transaction holding
 *	store_lock(st, "schema"), as for every schema function: two
 *	processes creating the same table at once fail on PostgreSQL.
 */
#ifndef AUTHMILTER_REPORT_AGG_H
#define AUTHMILTER_REPORT_AGG_H

#include "store.h"
#include "util.h"

int	report_agg_schema(struct store *, struct strbuf *);

#endif
