/*
 * NAME
 *	report_history - the DMARC history: one row per inbound message
 *	evaluated, kept in the store for the aggregate reports
 * SYNOPSIS
 *	#include "report_history.h"
 *
 *	int  report_history_schema(struct store *st, struct strbuf *err);
 *	int  report_history_insert(struct store *st,
 *	         struct report_row *const *rows, size_t n,
 *	         struct strbuf *err);
 *	int  report_history_prune(struct store *st, int64_t before,
 *	         struct strbuf *err);
 *
 *	struct report_row *report_row_new(void);
 *	void report_row_set(struct report_row *r, enum report_col c,
 *	         const char *value);
 *	void report_row_free(struct report_row *r);
 *	const char *report_col_name(enum report_col c);
 *	int report_col_lookup(const char *name, enum report_col *c);
 * DESCRIPTION
 *	The table dmarc_row holds one row per message, its columns named
 *	by enum report_col (report_col_name() gives the SQL name; the
 *	spool file uses the same names).  Every column but t is text,
 *	never NULL ("" when there is nothing):
 *
 *	t		unix time of the verdict (BIGINT)
 *	reporter	the AuthservID of the authmilter that recorded it
 *	source_ip	the SMTP client's address
 *	header_from	the author domain evaluated (lowercase A-labels)
 *	envelope_from	the MAIL FROM domain; "" for a null sender
 *	envelope_to	the first recipient's domain, "" if none was seen
 *	policy_domain	where the DMARC record was found; "" for none
 *	discovery	"treewalk" (RFC 9989) or "psl"
 *	p, sp, np	the record's tags: none, quarantine, reject or ""
 *	adkim, aspf	r or s
 *	testing		y or n (t=y)
 *	rua		the record's rua= as published, "" when absent
 *	dmarc		pass, fail, none, temperror or permerror
 *	disposition	what was done, in RFC 9990's words: pass, none,
 *			quarantine or reject
 *	dkim_eval	pass or fail: a DKIM result aligned and passed
 *	spf_eval	pass or fail: SPF aligned and passed
 *	reasons		the RFC 9990 override reasons, "TYPE COMMENT" a
 *			line (TYPE one of local_policy, trusted_forwarder,
 *			mailing_list, policy_test_mode, other), lines
 *			joined by "\n"
 *	spf_domain	the domain SPF checked (MAIL FROM, or HELO)
 *	spf_scope	mfrom or helo
 *	spf_result	SPF's result word (RFC 8601)
 *	dkim		one line per DKIM-Signature field,
 *			"DOMAIN SELECTOR RESULT", lines joined by "\n"
 *
 *	report_history_schema() creates what is missing (table and
 *	index); report_history_insert() adds n rows in one statement each,
 *	inside the caller's transaction; report_history_prune() removes
 *	rows older than before that no aggregate report waits for: a row
 *	stays while its policy domain had a rua that day and the report
 *	of its period is not settled in report_claim (report_claim.h;
 *	the schema creates that table too, since prune reads it).  Each
 *	returns 0, or -1 with err.
 *
 *	report_row_new() gives a row with every text column "" and t 0;
 *	report_row_set() copies value into a column (t: decimal digits),
 *	each byte that is not part of well-formed UTF-8 replaced by '?'
 *	(a sender's bytes must not make the store or the spool refuse
 *	the row);
 *	report_col_lookup() finds a column by its name (0, or -1).
 */
#ifndef AUTHMILTER_REPORT_HISTORY_H
#define AUTHMILTER_REPORT_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

enum report_col {
	RC_T,
	RC_REPORTER,
	RC_SOURCE_IP,
	RC_HEADER_FROM,
	RC_ENVELOPE_FROM,
	RC_ENVELOPE_TO,
	RC_POLICY_DOMAIN,
	RC_DISCOVERY,
	RC_P,
	RC_SP,
	RC_NP,
	RC_ADKIM,
	RC_ASPF,
	RC_TESTING,
	RC_RUA,
	RC_DMARC,
	RC_DISPOSITION,
	RC_DKIM_EVAL,
	RC_SPF_EVAL,
	RC_REASONS,
	RC_SPF_DOMAIN,
	RC_SPF_SCOPE,
	RC_SPF_RESULT,
	RC_DKIM,
	RC_NCOLS
};

struct report_row {
	int64_t	 t;
	char	*col[RC_NCOLS];		/* col[RC_T] unused */
};

int		 report_history_schema(struct store *, struct strbuf *);
int		 report_history_insert(struct store *,
		    struct report_row *const *, size_t, struct strbuf *);
int		 report_history_prune(struct store *, int64_t,
		    struct strbuf *);
struct report_row *report_row_new(void);
void		 report_row_set(struct report_row *, enum report_col,
		    const char *);
void		 report_row_free(struct report_row *);
const char	*report_col_name(enum report_col);
int		 report_col_lookup(const char *, enum report_col *);

#endif
