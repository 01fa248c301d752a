/*
 * session_record.c - a message's DMARC evaluation as one history row
 * (report_history.h), for the aggregate reports
 *
 * Only reads struct message, like session_report.c.  A row is made for
 * an inbound message whose DMARC evaluation finished and whose verdict
 * is final: a tempfailed message comes back, and is recorded then.
 */
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "dmarc.h"
#include "report_history.h"
#include "session_int.h"

/* policy_word - a record's p/sp/np as RFC 9990 writes it, "" unset */
static const char *
policy_word(enum dmarc_policy_word p)
{
	return p == DMARC_POLICY_UNSET ? "" : dmarc_policy_name(p);
}

/* disposition - what was done, in RFC 9990's words */
static const char *
disposition(const struct message *m)
{
	const struct dmarc_check *d = &m->dmarc;

	if (m->verdict.action == VERDICT_REJECT)
		return "reject";
	if (d->out.result == DMARC_RES_PASS)
		return "pass";
	return dmarc_disposition_name(d->taken);
}

/*
 * reasons - why the disposition differs from the policy published:
 * "TYPE COMMENT" lines
 */
static void
reasons(const struct message *m, struct strbuf *sb)
{
	const struct dmarc_check *d = &m->dmarc;

	if (d->out.testing)
		sb_puts(sb, "policy_test_mode t=y");
	if (m->tls_refused != NULL && d->taken != DMARC_DIS_REJECT)
		sb_printf(sb, "%slocal_policy TLS required by the domain table",
		    sb->len > 0 ? "\n" : "");
	if (d->local == NULL)
		return;
	if (sb->len > 0)
		sb_putc(sb, '\n');
	if (strcmp(d->local, "trusted forwarder") == 0)
		sb_puts(sb, "trusted_forwarder TrustedForwarders");
	else
		sb_printf(sb, "local_policy %s", d->local);
}

/* dkim_aligned - did a passing signature align with the author? */
static int
dkim_aligned(const struct session *s)
{
	const struct message *m = &s->msg;
	const struct dmarc_outcome *o = &m->dmarc.out;
	size_t i;

	if (o->aligned_by != NULL && strcmp(o->aligned_by, "dkim") == 0)
		return 1;
	if (o->result != DMARC_RES_PASS)
		return 0;	/* nothing aligned passed */
	for (i = 0; i < m->ndkim; i++)
		if (m->dkim[i].result == DKIM_RES_PASS &&
		    m->dkim[i].domain != NULL &&
		    dmarc_aligned(s->dns, m->dmarc.author, m->dkim[i].domain,
		    o->rec.adkim) == 1)
			return 1;
	return 0;
}

/* dkim_lines - "DOMAIN SELECTOR RESULT" for each signature */
static void
dkim_lines(const struct message *m, struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < m->ndkim; i++) {
		if (i > 0)
			sb_putc(sb, '\n');
		sb_printf(sb, "%s %s %s", m->dkim[i].domain != NULL ?
		    m->dkim[i].domain : "-", m->dkim[i].selector != NULL ?
		    m->dkim[i].selector : "-",
		    dkim_result_name(m->dkim[i].result));
	}
}

/* session_record_row - the message's history row, or NULL */
struct report_row *
session_record_row(const struct session *s)
{
	const struct message *m = &s->msg;
	const struct dmarc_check *d = &m->dmarc;
	const struct dmarc_outcome *o = &d->out;
	const struct spf_check *spf = *m->sender != '\0' ? &m->spf_mailfrom :
	    &m->spf_helo;
	const char *at;
	struct report_row *r;
	struct strbuf sb;

	if (m->direction != DIR_INBOUND || !m->dmarc_done ||
	    d->state != DMARC_CHECK_DONE ||
	    m->verdict.action == VERDICT_TEMPFAIL)
		return NULL;
	r = report_row_new();
	r->t = (int64_t)time(NULL);
	report_row_set(r, RC_REPORTER, s->cf->authserv_id);
	report_row_set(r, RC_SOURCE_IP, s->family == AF_UNSPEC ? "" :
	    s->addrstr);
	report_row_set(r, RC_HEADER_FROM, d->author);
	at = strrchr(m->sender, '@');
	report_row_set(r, RC_ENVELOPE_FROM, at != NULL ? at + 1 : "");
	report_row_set(r, RC_POLICY_DOMAIN, o->has_record &&
	    o->record_domain != NULL ? o->record_domain : "");
	report_row_set(r, RC_DISCOVERY, "treewalk");
	if (o->has_record) {
		report_row_set(r, RC_P, policy_word(o->rec.p));
		report_row_set(r, RC_SP, policy_word(o->rec.sp));
		report_row_set(r, RC_NP, policy_word(o->rec.np));
		report_row_set(r, RC_ADKIM, o->rec.adkim == DMARC_ALIGN_STRICT ?
		    "s" : "r");
		report_row_set(r, RC_ASPF, o->rec.aspf == DMARC_ALIGN_STRICT ?
		    "s" : "r");
		report_row_set(r, RC_TESTING, o->rec.testing ? "y" : "n");
		report_row_set(r, RC_RUA, o->rec.rua);
	}
	report_row_set(r, RC_DMARC, dmarc_result_name(o->result));
	report_row_set(r, RC_DISPOSITION, disposition(m));
	report_row_set(r, RC_DKIM_EVAL, dkim_aligned(s) ? "pass" : "fail");
	report_row_set(r, RC_SPF_EVAL, o->aligned_by != NULL &&
	    strcmp(o->aligned_by, "spf") == 0 ? "pass" : "fail");
	sb_init(&sb);
	reasons(m, &sb);
	report_row_set(r, RC_REASONS, sb.s);
	sb_truncate(&sb, 0);
	report_row_set(r, RC_SPF_DOMAIN, spf->done && spf->out.domain != NULL ?
	    spf->out.domain : "");
	report_row_set(r, RC_SPF_SCOPE, "mfrom");
	report_row_set(r, RC_SPF_RESULT, spf->done ?
	    spf_result_name(spf->out.result) : "none");
	dkim_lines(m, &sb);
	report_row_set(r, RC_DKIM, sb.s);
	sb_free(&sb);
	return r;
}
