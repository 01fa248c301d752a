/*
 * NAME
 *	report_agg_store - imported reports written into the tables of
 *	report_agg.h, once each
 * SYNOPSIS
 *	#include "report_agg_store.h"
 *
 *	int report_agg_store_dmarc_begin(struct store *st,
 *	        const struct agg_report *r, const char *origin,
 *	        int64_t now, struct strbuf *err);
 *	int report_agg_store_dmarc_record(struct store *st,
 *	        const struct agg_report *r, const struct agg_record *c,
 *	        struct strbuf *err);
 *	int report_agg_store_dmarc_end(struct store *st, int ok,
 *	        struct strbuf *err);
 *	int report_agg_store_tls(struct store *st,
 *	        const struct tls_report *r, const char *origin,
 *	        int64_t now, struct strbuf *err);
 * DESCRIPTION
 *	Each writes one report and all its rows in one transaction.  The
 *	report row goes in with INSERT ... ON CONFLICT DO NOTHING
 *	RETURNING, so a report already stored under the same (submitter,
 *	report_id) adds nothing, even when two imports of it run at once
 *	(the second waits on the primary key, then finds it taken).
 *	imported is now, origin where the report came from.
 *
 *	An aggregate report is stored as it is read (report_parse.h
 *	streams its records): report_agg_store_dmarc_begin() opens the
 *	transaction and writes the report row; when it returns 1 the
 *	transaction stays open, report_agg_store_dmarc_record() adds one
 *	record to it, and report_agg_store_dmarc_end() commits it (ok
 *	non-zero) or rolls it back (ok 0: the report failed later, and
 *	nothing of it is stored).  When it returns 0 or -1 the
 *	transaction has ended and nothing was written.
 * DIAGNOSTICS
 *	report_agg_store_dmarc_begin() and report_agg_store_tls() return
 *	1 stored, 0 already there (nothing written), or -1 with the
 *	database's error appended to err (nothing written).
 *	report_agg_store_dmarc_record() returns 0 or -1 with err (the
 *	transaction then can only be rolled back);
 *	report_agg_store_dmarc_end() returns 1 committed, or -1 (rolled
 *	back; with err when the commit failed).
 */
#ifndef AUTHMILTER_REPORT_AGG_STORE_H
#define AUTHMILTER_REPORT_AGG_STORE_H

#include <stdint.h>

#include "util.h"
#include "store.h"
#include "report_parse.h"
#include "report_tlsrpt.h"

int	report_agg_store_dmarc_begin(struct store *,
	    const struct agg_report *, const char *, int64_t,
	    struct strbuf *);
int	report_agg_store_dmarc_record(struct store *,
	    const struct agg_report *, const struct agg_record *,
	    struct strbuf *);
int	report_agg_store_dmarc_end(struct store *, int, struct strbuf *);
int	report_agg_store_tls(struct store *, const struct tls_report *,
	    const char *, int64_t, struct strbuf *);

#endif
