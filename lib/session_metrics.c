/*
 * session_metrics.c - a message with its verdict, counted in lib/metrics
 *
 * Called once per message, where its log line is written: refused at
 * MAIL FROM, or at end of message.  It only reads the session.
 */
#include "metrics.h"
#include "session_int.h"

/* action_of - the verdict as the metrics name it (the log's words) */
static enum metrics_action
action_of(const struct message *m)
{
	if (m->verdict.action == VERDICT_REJECT)
		return METRICS_REJECT;
	if (m->verdict.action == VERDICT_TEMPFAIL)
		return METRICS_TEMPFAIL;
	if (m->verdict.quarantine != NULL)
		return METRICS_QUARANTINE_HELD;
	if (m->dmarc_done && m->dmarc.state == DMARC_CHECK_DONE &&
	    m->dmarc.taken == DMARC_DIS_QUARANTINE)
		return METRICS_QUARANTINE_TAGGED;
	return METRICS_ACCEPT;
}

/* count_inbound - the results of an inbound message */
static void
count_inbound(const struct session *s)
{
	const struct message *m = &s->msg;
	const struct dmarc_check *d = &m->dmarc;
	size_t i;

	metrics_tls(s->tls);
	if (m->spf_mailfrom.done)
		metrics_spf(SPF_ID_MAILFROM, m->spf_mailfrom.out.result);
	if (m->spf_helo.done)
		metrics_spf(SPF_ID_HELO, m->spf_helo.out.result);
	if (m->verifier != NULL) {
		for (i = 0; i < m->ndkim; i++)
			metrics_dkim(m->dkim[i].alg, m->dkim[i].result);
		if (m->ndkim == 0)
			metrics_dkim(DKIM_ALG_NONE, DKIM_RES_NONE);
	}
	if (!m->dmarc_done)
		return;
	if (d->state != DMARC_CHECK_DONE) {
		metrics_dmarc_from(d->state);
		return;
	}
	metrics_dmarc(d->out.result, d->out.policy, d->taken);
	metrics_override(d->override);
}

/* session_count - count the message, its time and its results */
void
session_count(const struct session *s)
{
	const struct message *m = &s->msg;
	enum metrics_direction dir = m->direction == DIR_OUTBOUND ?
	    METRICS_OUTBOUND : METRICS_INBOUND;
	uint64_t now = metrics_now();

	metrics_message(dir, action_of(m));
	metrics_latency(METRICS_SINCE_CONNECT, dir, now - s->connect_ns);
	if (m->eoh_done)
		metrics_latency(METRICS_SINCE_EOH, dir, now - m->eoh_ns);
	if (dir == METRICS_INBOUND)
		count_inbound(s);
}
