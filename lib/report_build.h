/*
 * NAME
 *	report_build - one DMARC aggregate report (RFC 9990), streamed
 *	from the history rows into a gzip-compressed XML file
 * SYNOPSIS
 *	#include "report_build.h"
 *
 *	int report_build(struct store *st, const struct report_meta *m,
 *	         const char *path, struct report_stats *stats,
 *	         struct strbuf *err);
 * DESCRIPTION
 *	report_build() reads the dmarc_row rows whose policy_domain is
 *	m->policy_domain and whose t is in [m->begin, m->end), groups
 *	them into one <record> per distinct (source IP, results,
 *	identifiers) with its count, and writes the report, gzipped, to
 *	path (created 0644, replaced if there).  Memory stays bounded
 *	whatever the number of rows: the grouping is done by the store's
 *	GROUP BY and rows are streamed.  <policy_published> is the
 *	record as last seen in the period.  <end> is m->end - 1.
 *	stats gets the number of <record> elements and of messages.
 *	It returns 0, or -1 with err (nothing useful is left at path:
 *	the file is written beside it and renamed when complete).  A
 *	domain with no row in the period is an error too (a report has
 *	at least one <record>); stats is then zero.
 *
 *	The XML is in REPORT_XML_NS with <version>1.0</version>.  A
 *	value outside RFC 9990's vocabulary for its element is written
 *	as authmilter-report(8), REPORT FORMAT, says; text is made valid
 *	XML (bytes that are not well-formed UTF-8 of a character XML
 *	allows become '?') and escaped by libxml2.  At most
 *	REPORT_DKIM_MAX <dkim> elements per record, passes first.
 */
#ifndef AUTHMILTER_REPORT_BUILD_H
#define AUTHMILTER_REPORT_BUILD_H

#include <stdint.h>

#include "store.h"
#include "util.h"

#define REPORT_XML_NS	"urn:ietf:params:xml:ns:dmarc-2.0"
#define REPORT_DKIM_MAX	100	/* <dkim> per record: RFC 9990 SHOULD */

struct report_meta {
	const char	*org_name;	/* ReportOrgName */
	const char	*email;		/* ReportEmail */
	const char	*contact_info;	/* ReportContactInfo, or NULL */
	const char	*generator;	/* "authmilter VERSION" */
	const char	*report_id;	/* letters and digits only */
	const char	*policy_domain;
	int64_t		 begin, end;	/* [begin, end), unix time, UTC */
};

struct report_stats {
	uint64_t	 records;	/* <record> elements written */
	uint64_t	 messages;	/* the sum of their counts */
};

int	report_build(struct store *, const struct report_meta *,
	    const char *, struct report_stats *, struct strbuf *);

#endif
