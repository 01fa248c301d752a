/*
 * NAME
 *	report_agg_store - imported reports written into the tables of
 *	report_agg.h, once each
 * SYNOPSIS
 *	#include "report_agg_store.h"
 *
 *	int report_agg_store_dmarc(struct store *st,
 *	        const struct agg_report *r, const char *origin,
 *	        int64_t now, struct strbuf *err);
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
 * DIAGNOSTICS
 *	Each returns 1 stored, 0 already there (nothing written), or -1
 *	with the database's error appended to err (nothing written).
 */
#ifndef AUTHMILTER_REPORT_AGG_STORE_H
#define AUTHMILTER_REPORT_AGG_STORE_H

#include <stdint.h>

#include "util.h"
#include "store.h"
#include "report_parse.h"
#include "report_tlsrpt.h"

int	report_agg_store_dmarc(struct store *, const struct agg_report *,
	    const char *, int64_t, struct strbuf *);
int	report_agg_store_tls(struct store *, const struct tls_report *,
	    const char *, int64_t, struct strbuf *);

#endif
