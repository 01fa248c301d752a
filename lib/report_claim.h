/*
 * NAME
 *	report_claim - which aggregate report is owed, claimed or sent:
 *	one row per policy domain and period, so that each report goes
 *	out exactly once across runs and hosts
 * SYNOPSIS
 *	#include "report_claim.h"
 *
 *	int  report_claim_schema(struct store *st, struct strbuf *err);
 *	int  report_claim_take(struct store *st, const char *domain,
 *	         int64_t begin, int64_t end, int64_t now, const char *host,
 *	         struct report_claim *out, struct strbuf *err);
 *	int  report_claim_settle(struct store *st, const char *domain,
 *	         int64_t begin, const char *report_id, const char *state,
 *	         struct strbuf *err);
 *	int  report_claim_release(struct store *st, const char *domain,
 *	         int64_t begin, const char *report_id, struct strbuf *err);
 *	int  report_claim_skip(struct store *st, const char *domain,
 *	         int64_t begin, int64_t end, int64_t now, const char *host,
 *	         struct strbuf *err);
 *	int  report_claim_expire(struct store *st, const char *domain,
 *	         int64_t begin, int64_t end, int64_t now, const char *host,
 *	         struct strbuf *err);
 *	int  report_claim_settled(struct store *st, const char *domain,
 *	         int64_t begin, struct strbuf *err);
 *	void report_claim_new_id(char id[REPORT_ID_LEN + 1]);
 * DESCRIPTION
 *	The table report_claim has one row per (policy_domain, begin_t):
 *	end_t, report_id, state, claimed_at (unix time), host.  state is
 *	"claimed" (a run is building or sending it, or a send failed and
 *	it waits for the next run), "sent", "skipped" (nothing will be
 *	sent for it: no destination, ReportSkip, and the like) or
 *	"expired" (not sent within ReportKeepDays: given up).  A period
 *	whose claim is sent, skipped or expired is settled: its history rows may
 *	be pruned (report_history_prune()).
 *
 *	report_claim_schema() creates the table when missing.
 *
 *	report_claim_take() claims one report, in its own transaction
 *	under store_lock(st, "send"), so that two runs (on one host or
 *	two sharing a PostgreSQL) never both take it.  It returns
 *	REPORT_CLAIM_TAKEN with out filled (a new report ID, or the ID
 *	of an earlier claim taken over: a claim whose claimed_at is more
 *	than REPORT_CLAIM_STALE seconds old, or 0 after a failed send;
 *	out->retry is then 1), REPORT_CLAIM_SETTLED (sent or skipped
 *	already; out->state says which), REPORT_CLAIM_BUSY (another run
 *	claimed it less than REPORT_CLAIM_STALE seconds ago; out->host
 *	names it), or -1 with err.
 *
 *	report_claim_settle() marks the claim with this report_id as
 *	state ("sent"); report_claim_release() sets its claimed_at to 0
 *	after a failed send, so that the next run takes it over at once
 *	with the same ID.  report_claim_skip() records a "skipped" claim
 *	unless a claim exists.  report_claim_expire() gives a report up:
 *	a "skipped" claim when there is none, else a claim still
 *	"claimed" (and not claimed in the last REPORT_CLAIM_STALE
 *	seconds) becomes "expired".  report_claim_settled() returns 1
 *	when the period is settled, 0 when not, -1 with err.  Each other
 *	function returns 0 or -1 with err.
 *
 *	report_claim_new_id() makes a report ID: REPORT_ID_LEN lowercase
 *	hexadecimal digits of a random 128-bit value (OpenSSL's RAND),
 *	letters and digits only as RFC 9990 wants of the filename's
 *	unique-id.
 */
#ifndef AUTHMILTER_REPORT_CLAIM_H
#define AUTHMILTER_REPORT_CLAIM_H

#include <stdint.h>

#include "store.h"
#include "util.h"

#define REPORT_ID_LEN		32	/* hex digits of 128 random bits */
#define REPORT_CLAIM_STALE	3600	/* s: a claim older is taken over */
#define REPORT_HOST_MAX		255	/* bytes of a host name kept */

enum report_claim_status {
	REPORT_CLAIM_TAKEN,
	REPORT_CLAIM_SETTLED,
	REPORT_CLAIM_BUSY
};

struct report_claim {
	char	 report_id[REPORT_ID_LEN + 1];
	char	 state[16];
	char	 host[REPORT_HOST_MAX + 1];
	int64_t	 claimed_at;
	int	 retry;		/* taken over from an earlier claim */
};

int	report_claim_schema(struct store *, struct strbuf *);
int	report_claim_take(struct store *, const char *, int64_t, int64_t,
	    int64_t, const char *, struct report_claim *, struct strbuf *);
int	report_claim_settle(struct store *, const char *, int64_t,
	    const char *, const char *, struct strbuf *);
int	report_claim_release(struct store *, const char *, int64_t,
	    const char *, struct strbuf *);
int	report_claim_skip(struct store *, const char *, int64_t, int64_t,
	    int64_t, const char *, struct strbuf *);
int	report_claim_expire(struct store *, const char *, int64_t, int64_t,
	    int64_t, const char *, struct strbuf *);
int	report_claim_settled(struct store *, const char *, int64_t,
	    struct strbuf *);
void	report_claim_new_id(char [REPORT_ID_LEN + 1]);

#endif
