/*
 * report_agg_store.c - imported reports into the store, once each (see
 * report_agg_store.h)
 */
#include <stdint.h>

#include "util.h"
#include "store.h"
#include "report_parse.h"
#include "report_tlsrpt.h"
#include "report_agg_store.h"

/* count_row - a store_row_fn counting rows */
static int
count_row(void *arg, const struct store_val *cols, size_t n)
{
	(void)cols;
	(void)n;
	(*(int *)arg)++;
	return 0;
}

/* finish - commit when rc is 1, else roll back; the result to return */
static int
finish(struct store *st, int rc, struct strbuf *err)
{
	if (rc == 1 && store_commit(st, err) == 0)
		return 1;
	store_rollback(st);
	return rc == 1 ? -1 : rc;
}

/*
 * report_agg_store_dmarc_begin - a transaction, and the report row in it:
 * 1 (the transaction stays open for the records), 0 already stored
 * (nothing written, the transaction ended), -1 (ended)
 */
int
report_agg_store_dmarc_begin(struct store *st, const struct agg_report *r,
    const char *origin, int64_t now, struct strbuf *err)
{
	struct store_val v[14];
	int fresh = 0;

	if (store_begin(st, err) == -1)
		return -1;
	v[0] = store_text(r->submitter);
	v[1] = store_text(r->report_id);
	v[2] = store_text(r->email);
	v[3] = store_text(r->domain);
	v[4] = store_int(r->begin_t);
	v[5] = store_int(r->end_t);
	v[6] = store_text(r->p);
	v[7] = store_text(r->sp);
	v[8] = store_text(r->np);
	v[9] = store_text(r->adkim);
	v[10] = store_text(r->aspf);
	v[11] = store_text(r->testing);
	v[12] = store_int(now);
	v[13] = store_text(origin);
	if (store_exec(st, "INSERT INTO agg_report (submitter, report_id, "
	    "email, domain, begin_t, end_t, p, sp, np, adkim, aspf, testing, "
	    "imported, origin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
	    "$10, $11, $12, $13, $14) ON CONFLICT DO NOTHING "
	    "RETURNING report_id", v, 14, count_row, &fresh, err) == -1)
		return finish(st, -1, err);
	if (fresh == 0)
		return finish(st, 0, err);
	return 1;
}

/* report_agg_store_dmarc_record - one record, in the open transaction */
int
report_agg_store_dmarc_record(struct store *st, const struct agg_report *r,
    const struct agg_record *c, struct strbuf *err)
{
	struct store_val v[13];

	v[0] = store_text(r->submitter);
	v[1] = store_text(r->report_id);
	v[2] = store_text(c->source_ip);
	v[3] = store_int(c->count);
	v[4] = store_text(c->disposition);
	v[5] = store_text(c->dkim_eval);
	v[6] = store_text(c->spf_eval);
	v[7] = store_text(c->reasons);
	v[8] = store_text(c->header_from);
	v[9] = store_text(c->envelope_from);
	v[10] = store_text(c->envelope_to);
	v[11] = store_text(c->dkim);
	v[12] = store_text(c->spf);
	return store_exec(st, "INSERT INTO agg_record (submitter, "
	    "report_id, source_ip, count, disposition, dkim_eval, "
	    "spf_eval, reasons, header_from, envelope_from, "
	    "envelope_to, dkim, spf) VALUES ($1, $2, $3, $4, $5, $6, "
	    "$7, $8, $9, $10, $11, $12, $13)", v, 13, NULL, NULL, err);
}

/* report_agg_store_dmarc_end - commit when ok, else roll back: 1 or -1 */
int
report_agg_store_dmarc_end(struct store *st, int ok, struct strbuf *err)
{
	return finish(st, ok ? 1 : -1, err);
}

/* report_agg_store_tls - a TLS report, its policies and failures */
int
report_agg_store_tls(struct store *st, const struct tls_report *r,
    const char *origin, int64_t now, struct strbuf *err)
{
	struct store_val v[7];
	size_t i, j;
	int fresh = 0;

	if (store_begin(st, err) == -1)
		return -1;
	v[0] = store_text(r->submitter);
	v[1] = store_text(r->report_id);
	v[2] = store_text(r->contact);
	v[3] = store_int(r->begin_t);
	v[4] = store_int(r->end_t);
	v[5] = store_int(now);
	v[6] = store_text(origin);
	if (store_exec(st, "INSERT INTO tls_report (submitter, report_id, "
	    "contact, begin_t, end_t, imported, origin) VALUES ($1, $2, $3, "
	    "$4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING report_id", v,
	    7, count_row, &fresh, err) == -1)
		return finish(st, -1, err);
	if (fresh == 0)
		return finish(st, 0, err);
	for (i = 0; i < r->npol; i++) {
		const struct tls_policy *p = &r->pol[i];

		v[2] = store_text(p->policy_domain);
		v[3] = store_text(p->policy_type);
		v[4] = store_int(p->success);
		v[5] = store_int(p->failure);
		if (store_exec(st, "INSERT INTO tls_policy (submitter, "
		    "report_id, policy_domain, policy_type, success, failure) "
		    "VALUES ($1, $2, $3, $4, $5, $6)", v, 6, NULL, NULL,
		    err) == -1)
			return finish(st, -1, err);
		for (j = 0; j < p->nfail; j++) {
			v[3] = store_text(p->fail[j].result_type);
			v[4] = store_text(p->fail[j].sending_mta_ip);
			v[5] = store_text(p->fail[j].receiving_mx);
			v[6] = store_int(p->fail[j].failed);
			if (store_exec(st, "INSERT INTO tls_failure "
			    "(submitter, report_id, policy_domain, "
			    "result_type, sending_mta_ip, receiving_mx, "
			    "failed) VALUES ($1, $2, $3, $4, $5, $6, $7)", v,
			    7, NULL, NULL, err) == -1)
				return finish(st, -1, err);
		}
	}
	return finish(st, 1, err);
}
