/*
 * session_report.c - a message's results as others see them: our
 * Authentication-Results header and the log line
 */
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "log.h"
#include "session_int.h"
#include "util.h"

/*
 * log_name - a name or address from the network, for the log line.
 * Written whole up to MAX_LOGGED bytes; a longer one keeps its end (the
 * domain) after a marker, "[N bytes cut]...", so a cut can never show
 * another domain ("aaa...@paypal.com" out of "...@paypal.com.evil.example").
 */
static void
log_name(struct strbuf *sb, const char *s)
{
	size_t len;

	if (s == NULL)
		s = "";
	len = strlen(s);
	if (len <= MAX_LOGGED) {
		sb_put_printable(sb, s, len);
		return;
	}
	sb_printf(sb, "[%zu bytes cut]...", len - MAX_LOGGED);
	sb_put_printable(sb, s + len - MAX_LOGGED, MAX_LOGGED);
}

/* log_text - free text for the log line: whole, or cut with a marker */
static void
log_text(struct strbuf *sb, const char *s)
{
	size_t len;

	if (s == NULL)
		s = "";
	len = strlen(s);
	sb_put_printable(sb, s, MAX_LOGGED);
	if (len > MAX_LOGGED)
		sb_printf(sb, "...[%zu bytes cut]", len - MAX_LOGGED);
}

/* log_spf - " spf=RESULT(domain)" for the log line */
static void
log_spf(struct strbuf *sb, const char *label, const struct spf_check *c)
{
	if (!c->done)
		return;
	sb_printf(sb, " %s=%s(", label, spf_result_name(c->out.result));
	log_name(sb, c->out.domain);
	sb_putc(sb, ')');
	if (c->out.problem != NULL) {
		sb_puts(sb, "[");
		log_text(sb, c->out.problem);
		sb_puts(sb, "]");
	}
}

/* log_dkim - " dkim=RESULT(d=,s=)" per signature; what signing did */
static void
log_dkim(struct strbuf *sb, const struct message *m)
{
	const struct dkim_sig_result *r;
	size_t i;

	if (m->verifier != NULL && m->ndkim == 0)
		sb_puts(sb, " dkim=none");
	for (i = 0; i < m->ndkim; i++) {
		if (sb->len >= MAX_LOG_SIGNATURES) {
			/* the verdict fields after these must stay whole */
			sb_printf(sb, " dkim-unlisted=%zu", m->ndkim - i);
			break;
		}
		r = &m->dkim[i];
		sb_printf(sb, " dkim=%s(d=", dkim_result_name(r->result));
		log_name(sb, r->domain);
		sb_puts(sb, ",s=");
		log_name(sb, r->selector);
		sb_putc(sb, ')');
		if (r->result != DKIM_RES_PASS && r->comment != NULL) {
			sb_putc(sb, '[');
			log_text(sb, r->comment);
			sb_putc(sb, ']');
		}
	}
	if (m->nsigned > 0) {
		sb_printf(sb, " signed=%zu(d=", m->nsigned);
		log_name(sb, m->from_domain);
		sb_putc(sb, ')');
	} else if (m->sign_status != NULL) {
		sb_printf(sb, " signed=no(%s)", m->sign_status);
	}
}

/* log_dmarc - " dmarc=RESULT(domain,p=,dis=)" */
static void
log_dmarc(struct strbuf *sb, const struct message *m)
{
	const struct dmarc_check *d = &m->dmarc;

	if (!m->dmarc_done)
		return;
	if (d->state != DMARC_CHECK_DONE) {
		sb_printf(sb, " dmarc=%s[",
		    d->state == DMARC_CHECK_BAD_FROM ? "bad-from" :
		    "multiple-from");
		log_text(sb, d->problem);
		sb_putc(sb, ']');
		return;
	}
	sb_printf(sb, " dmarc=%s(", dmarc_result_name(d->out.result));
	log_name(sb, d->author);
	sb_printf(sb, ",p=%s,dis=%s", dmarc_policy_name(d->out.policy),
	    dmarc_disposition_name(d->taken));
	if (d->local != NULL)
		sb_printf(sb, ",local=%s", d->local);
	sb_putc(sb, ')');
}

/* session_log - the one line that tells what happened to a message */
void
session_log(const struct session *s, const char *action)
{
	const struct message *m = &s->msg;
	struct strbuf sb;

	sb_init(&sb);
	log_text(&sb, m->queue_id != NULL ? m->queue_id : "NOQUEUE");
	sb_puts(&sb, ": client=");
	log_name(&sb, s->hostname != NULL ? s->hostname : "unknown");
	sb_printf(&sb, "[%s]", s->addrstr);
	if (m->direction == DIR_OUTBOUND)
		sb_printf(&sb, " direction=outbound(%s)", m->why_outbound);
	else
		sb_puts(&sb, " direction=inbound");
	sb_puts(&sb, " from=<");
	log_name(&sb, m->sender);
	sb_puts(&sb, "> helo=");
	log_name(&sb, s->helo);
	session_tls_log(s, &sb);
	if (!m->policy.checks)
		sb_printf(&sb, " checks=skipped(%s)",
		    m->policy.matched != NULL ? m->policy.matched : "*");
	log_spf(&sb, "spf", &m->spf_mailfrom);
	log_spf(&sb, "spf-helo", &m->spf_helo);
	log_dkim(&sb, m);
	log_dmarc(&sb, m);
	if (m->nar_ours > 0)
		sb_printf(&sb, " removed-authres=%zu", m->nar_ours);
	sb_printf(&sb, " action=%s", action);
	log_msg(LOG_INFO, "%s", sb.s);
	sb_free(&sb);
}

/* spf_comment - the A-R comment explaining an SPF result */
static void
spf_comment(const struct spf_outcome *o, struct strbuf *sb)
{
	sb_truncate(sb, 0);
	if (o->problem != NULL)
		sb_puts(sb, o->problem);
	else if (o->mechanism != NULL)
		sb_printf(sb, "%s matched", o->mechanism);
	else if (o->result == SPF_NONE)
		sb_puts(sb, "no SPF record");
	else if (o->result == SPF_NEUTRAL)
		sb_puts(sb, "no mechanism matched");
}

/* add_spf_results - the spf= results of the message */
static void
add_spf_results(const struct session *s, struct authres *ar)
{
	const struct message *m = &s->msg;
	struct strbuf comment, helo_addr;

	sb_init(&comment);
	if (m->spf_mailfrom.done) {
		spf_comment(&m->spf_mailfrom.out, &comment);
		authres_add(ar, "spf",
		    spf_result_name(m->spf_mailfrom.out.result), comment.s);
		authres_prop(ar, "smtp", "mailfrom", m->sender);
	}
	if (m->spf_helo.done) {
		spf_comment(&m->spf_helo.out, &comment);
		authres_add(ar, "spf",
		    spf_result_name(m->spf_helo.out.result), comment.s);
		if (*m->sender == '\0') {
			sb_init(&helo_addr);
			sb_printf(&helo_addr, "postmaster@%s",
			    s->helo != NULL ? s->helo : "");
			authres_prop(ar, "smtp", "mailfrom", helo_addr.s);
			sb_free(&helo_addr);
		}
		authres_prop(ar, "smtp", "helo", s->helo != NULL ? s->helo : "");
	}
	sb_free(&comment);
}

/* add_dkim_results - one dkim= result per signature */
static void
add_dkim_results(const struct session *s, struct authres *ar)
{
	const struct message *m = &s->msg;
	const struct dkim_sig_result *r;
	size_t i;

	if (m->verifier == NULL)
		return;
	if (m->ndkim == 0) {
		authres_add(ar, "dkim", "none", "no signature");
		return;
	}
	for (i = 0; i < m->ndkim; i++) {
		r = &m->dkim[i];
		authres_add(ar, "dkim", dkim_result_name(r->result),
		    r->comment);
		if (r->domain != NULL)
			authres_prop(ar, "header", "d", r->domain);
		if (r->identity != NULL)
			authres_prop(ar, "header", "i", r->identity);
		if (r->selector != NULL)
			authres_prop(ar, "header", "s", r->selector);
		if (r->algorithm != NULL)
			authres_prop(ar, "header", "a", r->algorithm);
		if (r->b8 != NULL)
			authres_prop(ar, "header", "b", r->b8);
	}
}

/* add_dmarc_result - the dmarc= result */
static void
add_dmarc_result(const struct session *s, struct authres *ar)
{
	const struct dmarc_check *d = &s->msg.dmarc;
	struct strbuf comment;

	if (!s->msg.dmarc_done || d->state == DMARC_CHECK_MULTI_FROM)
		return;
	if (d->state == DMARC_CHECK_BAD_FROM) {
		authres_add(ar, "dmarc", "permerror", d->problem);
		return;
	}
	sb_init(&comment);
	if (d->out.result != DMARC_RES_NONE)
		sb_printf(&comment, "p=%s dis=%s",
		    dmarc_policy_name(d->out.policy),
		    dmarc_disposition_name(d->taken));
	if (d->out.testing)
		sb_puts(&comment, " t=y");
	if (d->local != NULL)
		sb_printf(&comment, ", local policy: %s", d->local);
	if (d->out.reason != NULL) {
		sb_puts(&comment, comment.len > 0 ? ", " : "");
		sb_puts(&comment, d->out.reason);
	}
	authres_add(ar, "dmarc", dmarc_result_name(d->out.result), comment.s);
	authres_prop(ar, "header", "from", d->author);
	if (d->out.result != DMARC_RES_NONE)
		authres_prop(ar, "policy", "dmarc",
		    dmarc_disposition_name(d->taken));
	sb_free(&comment);
}

/* session_authres - our Authentication-Results header value */
char *
session_authres(const struct session *s)
{
	struct authres ar;
	char *value;

	authres_init(&ar, s->cf->authserv_id);
	session_tls_authres(s, &ar);
	add_spf_results(s, &ar);
	add_dkim_results(s, &ar);
	add_dmarc_result(s, &ar);
	value = authres_finish(&ar);
	sb_free(&ar.sb);
	return value;
}
