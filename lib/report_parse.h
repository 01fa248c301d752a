/*
 * NAME
 *	report_parse - a DMARC aggregate report (RFC 7489, RFC 9990 XML)
 *	read into a struct, checked, with libxml2 made safe for hostile
 *	input
 * SYNOPSIS
 *	#include "report_parse.h"
 *
 *	int  report_parse_dmarc(const char *xml, size_t len, int64_t now,
 *	         struct agg_report *r, struct strbuf *err);
 *	void report_agg_free(struct agg_report *r);
 *	int  report_check_range(int64_t begin, int64_t end, int64_t now,
 *	         struct strbuf *err);
 *	int  report_check_text(const char *what, const char *s,
 *	         struct strbuf *err);
 * DESCRIPTION
 *	report_parse_dmarc() reads one <feedback> document.  Elements
 *	are matched by local name, so the RFC 7489 form (no namespace)
 *	and the RFC 9990 form (urn:ietf:params:xml:ns:dmarc-2.0) both
 *	read; an XML declaration is not required.  Text is trimmed of
 *	white space; policies, results, dispositions and domains are
 *	lowercased ("Pass" is stored "pass").  A missing DKIM selector or
 *	SPF scope is "-" in the record's dkim and spf lines (the format
 *	report_agg.h gives).
 *
 *	libxml2 runs with no entity substitution, no DTD loading and no
 *	network (XML_PARSE_NONET; neither XML_PARSE_NOENT nor
 *	XML_PARSE_DTDLOAD, nor XML_PARSE_HUGE); a document with a
 *	<!DOCTYPE> is refused as soon as the parser meets it, so no
 *	entity is ever declared (billion laughs, external entities).  A
 *	document over REPORT_XML_MAX_SIZE bytes is refused before
 *	parsing; elements nested deeper than REPORT_XML_MAX_DEPTH stop the
 *	parser.  A text value over REPORT_FIELD_MAX bytes, or with a
 *	control character, is refused.
 *
 *	The report is refused when report_metadata/org_name, report_id,
 *	date_range or policy_published/domain is missing, when a record
 *	has no valid source_ip or count, and when report_check_range()
 *	refuses its date_range: end before begin, longer than
 *	REPORT_MAX_RANGE seconds, beginning before REPORT_MIN_TIME
 *	(2000-01-01), or ending more than REPORT_MAX_FUTURE seconds
 *	after now.  More than REPORT_MAX_RECORDS records are refused.
 *
 *	On success r holds the report (free it with report_agg_free());
 *	on failure r holds nothing.  now is the current unix time (a
 *	parameter, so that a test or a fuzzer is reproducible).
 *	report_check_text() refuses (-1 with err) a value too long or
 *	with a control character.
 * DIAGNOSTICS
 *	report_parse_dmarc() returns 0, or -1 with why appended to err:
 *	"invalid XML: line 3: ...", "no report_metadata/report_id",
 *	"date_range ends before it begins", ...
 */
#ifndef AUTHMILTER_REPORT_PARSE_H
#define AUTHMILTER_REPORT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define REPORT_XML_MAX_SIZE	(50L * 1024 * 1024)	/* bytes */
#define REPORT_XML_MAX_DEPTH	16	/* element nesting */
#define REPORT_FIELD_MAX	1024	/* bytes in one text value */
#define REPORT_MAX_RECORDS	1000000	/* records in one report */
#define REPORT_MIN_TIME		946684800	/* 2000-01-01 UTC */
#define REPORT_MAX_RANGE	(31L * 86400)	/* seconds */
#define REPORT_MAX_FUTURE	(2L * 86400)	/* seconds after now */

/* one <record>: the columns of agg_record (report_agg.h) */
struct agg_record {
	char	*source_ip;
	int64_t	 count;
	char	*disposition;
	char	*dkim_eval;
	char	*spf_eval;
	char	*reasons;	/* "TYPE COMMENT" lines */
	char	*header_from;
	char	*envelope_from;
	char	*envelope_to;
	char	*dkim;		/* "DOMAIN SELECTOR RESULT" lines */
	char	*spf;		/* "DOMAIN SCOPE RESULT" lines */
};

/* one report: the columns of agg_report, and its records */
struct agg_report {
	char			*submitter;	/* org_name */
	char			*report_id;
	char			*email;
	char			*domain;
	int64_t			 begin_t;
	int64_t			 end_t;
	char			*p, *sp, *np;
	char			*adkim, *aspf;
	char			*testing;
	struct agg_record	*rec;
	size_t			 nrec;
};

int	report_parse_dmarc(const char *, size_t, int64_t,
	    struct agg_report *, struct strbuf *);
void	report_agg_free(struct agg_report *);
int	report_check_range(int64_t, int64_t, int64_t, struct strbuf *);
int	report_check_text(const char *, const char *, struct strbuf *);

#endif
