/*
 * NAME
 *	report_parse - a DMARC aggregate report (RFC 7489, RFC 9990 XML)
 *	streamed, one record at a time, checked, with libxml2 made safe
 *	for hostile input
 * SYNOPSIS
 *	#include "report_parse.h"
 *
 *	int  report_parse_dmarc(const char *xml, size_t len, int64_t now,
 *	         struct agg_report *r, const struct report_dmarc_cb *cb,
 *	         struct strbuf *err);
 *	void report_agg_free(struct agg_report *r);
 *	int  report_check_range(int64_t begin, int64_t end, int64_t now,
 *	         struct strbuf *err);
 *	int  report_check_text(const char *what, const char *s,
 *	         struct strbuf *err);
 * DESCRIPTION
 *	report_parse_dmarc() reads one <feedback> document with
 *	libxml2's push parser, REPORT_XML_CHUNK bytes at a time: each
 *	child of <feedback> is built as a small tree when its end tag is
 *	read, handed on, and freed, so memory holds one record, not the
 *	report.  (Not xmlTextReader: it gives no hook that sees a
 *	<!DOCTYPE> before its internal subset is read.)
 *	report_metadata and policy_published come first (RFC 7489
 *	appendix C): when both are read, before the first <record> (or at
 *	the end when there is none), cb->head(cb->arg, r, err) is called
 *	with r's metadata filled in; then cb->record(cb->arg, r, rec,
 *	err) once per record, in order (rec, and what it points to, is
 *	freed when the callback returns; r->nrec counts the records so
 *	far).  A callback returns 0 to read on, or -1 (with err) to stop:
 *	report_parse_dmarc() then fails.  Either callback may be NULL.
 *	Because the rest of the document is read after a record is given,
 *	a caller that stores records must be able to undo them when the
 *	parse fails later (invalid XML at the end, a bad record):
 *	report_agg_store.h's transaction does.  Elements
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
 *	On success r holds the report's metadata and r->nrec its number
 *	of records (free it with report_agg_free()); on failure r holds
 *	nothing.  now is the current unix time (a
 *	parameter, so that a test or a fuzzer is reproducible).
 *	report_check_text() refuses (-1 with err) a value too long or
 *	with a control character.
 * DIAGNOSTICS
 *	report_parse_dmarc() returns 0, or -1 with why appended to err:
 *	"invalid XML: line 3: ...", "no report_metadata/report_id",
 *	"date_range ends before it begins", "source_ip 'x' is not an IP
 *	address (record 2)", or what a callback appended.
 */
#ifndef AUTHMILTER_REPORT_PARSE_H
#define AUTHMILTER_REPORT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define REPORT_XML_MAX_SIZE	(50L * 1024 * 1024)	/* bytes */
#define REPORT_XML_MAX_DEPTH	16	/* element nesting */
#define REPORT_XML_CHUNK	65536	/* bytes given to libxml2 at a time */
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
	size_t			 nrec;		/* records read */
};

/* what report_parse_dmarc() calls as it reads (see above) */
struct report_dmarc_cb {
	int	(*head)(void *, const struct agg_report *, struct strbuf *);
	int	(*record)(void *, const struct agg_report *,
		    const struct agg_record *, struct strbuf *);
	void	*arg;
};

int	report_parse_dmarc(const char *, size_t, int64_t,
	    struct agg_report *, const struct report_dmarc_cb *,
	    struct strbuf *);
void	report_agg_free(struct agg_report *);
int	report_check_range(int64_t, int64_t, int64_t, struct strbuf *);
int	report_check_text(const char *, const char *, struct strbuf *);

#endif
