/*
 * report_claim.c - the report_claim table: one aggregate report per
 * policy domain and period, claimed under a store lock (see
 * report_claim.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "util.h"
#include "log.h"
#include "store.h"
#include "report_claim.h"

/* report_claim_schema - the table, when missing */
int
report_claim_schema(struct store *st, struct strbuf *err)
{
	return store_exec(st, "CREATE TABLE IF NOT EXISTS report_claim ("
	    "policy_domain TEXT NOT NULL, begin_t BIGINT NOT NULL, "
	    "end_t BIGINT NOT NULL, report_id TEXT NOT NULL, "
	    "state TEXT NOT NULL, claimed_at BIGINT NOT NULL, "
	    "host TEXT NOT NULL DEFAULT '', "
	    "PRIMARY KEY (policy_domain, begin_t))", NULL, 0, NULL, NULL,
	    err);
}

/* copy_text - a text column into a fixed field, cut at its size */
static void
copy_text(char *dst, size_t size, const struct store_val *v)
{
	const char *s = v->type == STORE_TEXT && v->s != NULL ? v->s : "";

	snprintf(dst, size, "%s", s);
}

/* got_claim - the row of one claim: report_id, state, claimed_at, host */
static int
got_claim(void *arg, const struct store_val *v, size_t n)
{
	struct report_claim *c = arg;

	if (n < 4)
		return 0;
	copy_text(c->report_id, sizeof(c->report_id), &v[0]);
	copy_text(c->state, sizeof(c->state), &v[1]);
	c->claimed_at = v[2].type == STORE_INT ? v[2].i : 0;
	copy_text(c->host, sizeof(c->host), &v[3]);
	return 1;		/* one row is all there is */
}

/* find - the claim of (domain, begin): 1 found, 0 none, -1 error */
static int
find(struct store *st, const char *domain, int64_t begin,
    struct report_claim *c, struct strbuf *err)
{
	struct store_val p[2];
	int rc;

	p[0] = store_text(domain);
	p[1] = store_int(begin);
	memset(c, 0, sizeof(*c));
	rc = store_exec(st, "SELECT report_id, state, claimed_at, host "
	    "FROM report_claim WHERE policy_domain = $1 AND begin_t = $2",
	    p, 2, got_claim, c, err);
	return rc == -1 ? -1 : rc != 0;
}

/* claim - under the lock: decide, and write the claim taken */
static int
claim(struct store *st, const char *domain, int64_t begin, int64_t end,
    int64_t now, const char *host, struct report_claim *out,
    struct strbuf *err)
{
	struct store_val p[7];
	int found;

	if ((found = find(st, domain, begin, out, err)) == -1)
		return -1;
	if (found && strcmp(out->state, "claimed") != 0)
		return REPORT_CLAIM_SETTLED;
	if (found && out->claimed_at > now - REPORT_CLAIM_STALE &&
	    out->claimed_at != 0)
		return REPORT_CLAIM_BUSY;
	if (found) {
		/* a crashed or failed run's claim: same ID, our turn */
		out->retry = 1;
		p[0] = store_int(now);
		p[1] = store_text(host);
		p[2] = store_text(domain);
		p[3] = store_int(begin);
		if (store_exec(st, "UPDATE report_claim SET claimed_at = $1, "
		    "host = $2 WHERE policy_domain = $3 AND begin_t = $4", p,
		    4, NULL, NULL, err) == -1)
			return -1;
	} else {
		report_claim_new_id(out->report_id);
		p[0] = store_text(domain);
		p[1] = store_int(begin);
		p[2] = store_int(end);
		p[3] = store_text(out->report_id);
		p[4] = store_text("claimed");
		p[5] = store_int(now);
		p[6] = store_text(host);
		if (store_exec(st, "INSERT INTO report_claim (policy_domain, "
		    "begin_t, end_t, report_id, state, claimed_at, host) "
		    "VALUES ($1, $2, $3, $4, $5, $6, $7)", p, 7, NULL, NULL,
		    err) == -1)
			return -1;
	}
	snprintf(out->state, sizeof(out->state), "claimed");
	snprintf(out->host, sizeof(out->host), "%s", host);
	out->claimed_at = now;
	return REPORT_CLAIM_TAKEN;
}

/* report_claim_take - claim one report in a transaction of its own */
int
report_claim_take(struct store *st, const char *domain, int64_t begin,
    int64_t end, int64_t now, const char *host, struct report_claim *out,
    struct strbuf *err)
{
	int rc;

	if (store_begin(st, err) == -1)
		return -1;
	if (store_lock(st, "send", err) == -1 ||
	    (rc = claim(st, domain, begin, end, now, host, out, err)) == -1 ||
	    store_commit(st, err) == -1) {
		store_rollback(st);
		return -1;
	}
	return rc;
}

/* report_claim_settle - the claim with this ID is now state */
int
report_claim_settle(struct store *st, const char *domain, int64_t begin,
    const char *report_id, const char *state, struct strbuf *err)
{
	struct store_val p[4];

	p[0] = store_text(state);
	p[1] = store_text(domain);
	p[2] = store_int(begin);
	p[3] = store_text(report_id);
	return store_exec(st, "UPDATE report_claim SET state = $1 WHERE "
	    "policy_domain = $2 AND begin_t = $3 AND report_id = $4", p, 4,
	    NULL, NULL, err);
}

/* report_claim_release - a failed send: the next run may retry at once */
int
report_claim_release(struct store *st, const char *domain, int64_t begin,
    const char *report_id, struct strbuf *err)
{
	struct store_val p[3];

	p[0] = store_text(domain);
	p[1] = store_int(begin);
	p[2] = store_text(report_id);
	return store_exec(st, "UPDATE report_claim SET claimed_at = 0 WHERE "
	    "policy_domain = $1 AND begin_t = $2 AND report_id = $3 AND "
	    "state = 'claimed'", p, 3, NULL, NULL, err);
}

/* report_claim_skip - nothing will be sent for this period */
int
report_claim_skip(struct store *st, const char *domain, int64_t begin,
    int64_t end, int64_t now, const char *host, struct strbuf *err)
{
	struct store_val p[6];

	p[0] = store_text(domain);
	p[1] = store_int(begin);
	p[2] = store_int(end);
	p[3] = store_text("skipped");
	p[4] = store_int(now);
	p[5] = store_text(host);
	return store_exec(st, "INSERT INTO report_claim (policy_domain, "
	    "begin_t, end_t, report_id, state, claimed_at, host) VALUES "
	    "($1, $2, $3, '', $4, $5, $6) ON CONFLICT DO NOTHING", p, 6, NULL,
	    NULL, err);
}

/* report_claim_expire - give a report up: it was owed too long */
int
report_claim_expire(struct store *st, const char *domain, int64_t begin,
    int64_t end, int64_t now, const char *host, struct strbuf *err)
{
	struct store_val p[3];

	if (report_claim_skip(st, domain, begin, end, now, host, err) == -1)
		return -1;
	p[0] = store_text(domain);
	p[1] = store_int(begin);
	p[2] = store_int(now - REPORT_CLAIM_STALE);
	return store_exec(st, "UPDATE report_claim SET state = 'expired' "
	    "WHERE policy_domain = $1 AND begin_t = $2 AND state = 'claimed' "
	    "AND claimed_at < $3", p, 3, NULL, NULL, err);
}

/* report_claim_settled - 1 when (domain, begin) is sent or skipped */
int
report_claim_settled(struct store *st, const char *domain, int64_t begin,
    struct strbuf *err)
{
	struct report_claim c;
	int found;

	if ((found = find(st, domain, begin, &c, err)) == -1)
		return -1;
	return found && strcmp(c.state, "claimed") != 0;
}

/* report_claim_new_id - 128 random bits in hexadecimal */
void
report_claim_new_id(char id[REPORT_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[REPORT_ID_LEN / 2];
	size_t i;

	if (RAND_bytes(r, (int)sizeof(r)) != 1) {
		log_msg(LOG_ERR, "report_claim: OpenSSL gives no random bytes");
		abort();
	}
	for (i = 0; i < sizeof(r); i++) {
		id[2 * i] = hex[r[i] >> 4];
		id[2 * i + 1] = hex[r[i] & 0x0f];
	}
	id[REPORT_ID_LEN] = '\0';
}
