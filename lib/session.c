/*
 * session.c - one SMTP connection: direction, checks, verdict, edits
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "cidr.h"
#include "config.h"
#include "log.h"
#include "session.h"
#include "spf.h"
#include "util.h"

#define MAX_LOGGED	200	/* bytes of a network string in a log line */

enum direction {
	DIR_INBOUND,
	DIR_OUTBOUND
};

struct spf_check {
	int			done;
	struct spf_outcome	out;
};

struct message {
	int			active;
	enum direction		direction;
	const char		*why_outbound;	/* "auth", "daemon", "internal" */
	char			*sender;	/* without <>, "" for null */
	char			*queue_id;
	struct domain_policy	policy;		/* for the sender's domain */
	struct spf_check	spf_mailfrom;
	struct spf_check	spf_helo;
	unsigned		ar_seen;	/* A-R headers so far */
	unsigned		*ar_ours;	/* their indexes, ascending */
	size_t			nar_ours;
	struct verdict		verdict;
};

struct session {
	struct config		*cf;
	struct dns_client	*dns;
	char			*hostname;
	int			family;
	unsigned char		addr[16];
	char			addrstr[64];
	char			*helo;
	char			*daemon;
	char			*auth;
	struct message		msg;
};

/* session_new - a session on the configuration in force */
struct session *
session_new(struct config *cf)
{
	struct session *s = xcalloc(1, sizeof(*s));

	config_ref(cf);
	s->cf = cf;
	s->dns = cf->resolver != NULL ? dns_client_new(cf->resolver) : NULL;
	s->family = AF_UNSPEC;
	strcpy(s->addrstr, "unknown");
	return s;
}

/* verdict_clear - free a verdict's text and edits */
static void
verdict_clear(struct verdict *v)
{
	size_t i;

	for (i = 0; i < v->nedits; i++) {
		free(v->edits[i].name);
		free(v->edits[i].value);
	}
	free(v->edits);
	free(v->text);
	memset(v, 0, sizeof(*v));
}

/* message_clear - forget the current message */
static void
message_clear(struct message *m)
{
	free(m->sender);
	free(m->queue_id);
	if (m->spf_mailfrom.done)
		spf_outcome_free(&m->spf_mailfrom.out);
	if (m->spf_helo.done)
		spf_outcome_free(&m->spf_helo.out);
	free(m->ar_ours);
	verdict_clear(&m->verdict);
	memset(m, 0, sizeof(*m));
}

/* session_free - end the connection */
void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	message_clear(&s->msg);
	if (s->dns != NULL)
		dns_client_free(s->dns);
	free(s->hostname);
	free(s->helo);
	free(s->daemon);
	free(s->auth);
	config_unref(s->cf);
	free(s);
}

/* replace - set *slot to a copy of value (NULL allowed) */
static void
replace(char **slot, const char *value)
{
	free(*slot);
	*slot = value != NULL ? xstrdup(value) : NULL;
}

/* session_connect - note the client */
void
session_connect(struct session *s, const char *hostname, int family,
    const unsigned char *addr)
{
	/* an MTA names a client without a verified name "[address]" */
	replace(&s->hostname, hostname != NULL && hostname[0] != '[' ?
	    hostname : NULL);
	s->family = family;
	if (family == AF_INET || family == AF_INET6) {
		memcpy(s->addr, addr, family == AF_INET ? 4 : 16);
		addr_format(family, s->addr, s->addrstr, sizeof(s->addrstr));
	}
}

/* session_helo - note the HELO/EHLO name */
void
session_helo(struct session *s, const char *helo)
{
	replace(&s->helo, helo);
}

/* session_set_daemon - note the MTA's {daemon_name} */
void
session_set_daemon(struct session *s, const char *name)
{
	replace(&s->daemon, name);
}

/* session_set_auth - note the MTA's {auth_authen} */
void
session_set_auth(struct session *s, const char *authen)
{
	replace(&s->auth, authen != NULL && *authen != '\0' ? authen : NULL);
}

/* session_set_queue_id - note the MTA's queue id */
void
session_set_queue_id(struct session *s, const char *qid)
{
	if (s->msg.active && qid != NULL && *qid != '\0')
		replace(&s->msg.queue_id, qid);
}

/* outbound_reason - why this message is outbound, or NULL if inbound */
static const char *
outbound_reason(const struct session *s)
{
	char **d;

	if (s->auth != NULL)
		return "auth";
	if (s->daemon != NULL && s->cf->sign_daemons != NULL)
		for (d = s->cf->sign_daemons; *d != NULL; d++)
			if (strcmp(*d, s->daemon) == 0)
				return "daemon";
	if ((s->family == AF_INET || s->family == AF_INET6) &&
	    cidr_list_match(&s->cf->internal_hosts, s->family, s->addr))
		return "internal";
	return NULL;
}

/* parse_sender - the address inside MAIL FROM's <>, source route dropped */
static char *
parse_sender(const char *arg)
{
	const char *p = arg, *end;
	char *colon;
	char *addr;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '<')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end > p && end[-1] == '>')
		end--;
	addr = xstrndup(p, (size_t)(end - p));
	if (addr[0] == '@' && (colon = strchr(addr, ':')) != NULL)
		memmove(addr, colon + 1, strlen(colon + 1) + 1);
	return addr;
}

/* sender_domain - the domain the table is consulted for */
static const char *
sender_domain(const struct session *s)
{
	const char *at = strrchr(s->msg.sender, '@');

	if (at != NULL)
		return at + 1;
	return s->helo != NULL ? s->helo : "";
}

/* run_spf - evaluate one SPF identity */
static void
run_spf(struct session *s, enum spf_identity id, struct spf_check *check)
{
	struct spf_request req;

	memset(&req, 0, sizeof(req));
	req.family = s->family;
	memcpy(req.addr, s->addr, sizeof(req.addr));
	req.sender = s->msg.sender;
	req.helo = s->helo != NULL ? s->helo : "";
	req.receiver = s->cf->authserv_id;
	if (s->dns == NULL) {
		memset(&check->out, 0, sizeof(check->out));
		check->out.result = SPF_TEMPERROR;
		check->out.problem = xstrdup("no DNS configured");
	} else {
		spf_check(s->dns, &req, id, &check->out);
	}
	check->done = 1;
}

/* set_reply - make the verdict a refusal with an SMTP reply */
static const struct verdict *
set_reply(struct message *m, enum verdict_action action, const char *rcode,
    const char *xcode, const char *fmt, const char *domain,
    const char *detail)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_printf(&sb, fmt, domain);
	if (detail != NULL && *detail != '\0') {
		sb_puts(&sb, ": ");
		sb_put_printable(&sb, detail, MAX_LOGGED);
	}
	m->verdict.action = action;
	m->verdict.rcode = rcode;
	m->verdict.xcode = xcode;
	m->verdict.text = sb_detach(&sb);
	sb_free(&sb);
	return &m->verdict;
}

/* spf_refusal - a reject or tempfail that local policy wants, or NULL */
static const struct verdict *
spf_refusal(struct message *m)
{
	const struct spf_check *c = *m->sender != '\0' ? &m->spf_mailfrom :
	    &m->spf_helo;
	const struct spf_outcome *o = &c->out;

	if (!c->done)
		return NULL;
	if (o->result == SPF_FAIL && m->policy.spf_fail == SPF_FAIL_REJECT)
		return set_reply(m, VERDICT_REJECT, "550", "5.7.23",
		    "SPF check failed for %s", o->domain,
		    o->explanation != NULL ? o->explanation : o->mechanism);
	if (o->result == SPF_TEMPERROR &&
	    m->policy.spf_temperror == TEMPERROR_TEMPFAIL)
		return set_reply(m, VERDICT_TEMPFAIL, "451", "4.7.24",
		    "temporary error checking SPF for %s", o->domain,
		    o->problem);
	return NULL;
}

/* log_spf - " spf=RESULT(domain)" for the log line */
static void
log_spf(struct strbuf *sb, const char *label, const struct spf_check *c)
{
	if (!c->done)
		return;
	sb_printf(sb, " %s=%s(", label, spf_result_name(c->out.result));
	sb_put_printable(sb, c->out.domain != NULL ? c->out.domain : "",
	    MAX_LOGGED);
	sb_putc(sb, ')');
	if (c->out.problem != NULL) {
		sb_puts(sb, "[");
		sb_put_printable(sb, c->out.problem, MAX_LOGGED);
		sb_puts(sb, "]");
	}
}

/* log_message - the one line that tells what happened to a message */
static void
log_message(const struct session *s, const char *action)
{
	const struct message *m = &s->msg;
	struct strbuf sb;

	sb_init(&sb);
	sb_put_printable(&sb, m->queue_id != NULL ? m->queue_id : "NOQUEUE",
	    MAX_LOGGED);
	sb_puts(&sb, ": client=");
	sb_put_printable(&sb, s->hostname != NULL ? s->hostname : "unknown",
	    MAX_LOGGED);
	sb_printf(&sb, "[%s]", s->addrstr);
	if (m->direction == DIR_OUTBOUND)
		sb_printf(&sb, " direction=outbound(%s)", m->why_outbound);
	else
		sb_puts(&sb, " direction=inbound");
	sb_puts(&sb, " from=<");
	sb_put_printable(&sb, m->sender, MAX_LOGGED);
	sb_puts(&sb, "> helo=");
	sb_put_printable(&sb, s->helo != NULL ? s->helo : "", MAX_LOGGED);
	if (!m->policy.checks)
		sb_printf(&sb, " checks=skipped(%s)",
		    m->policy.matched != NULL ? m->policy.matched : "*");
	log_spf(&sb, "spf", &m->spf_mailfrom);
	log_spf(&sb, "spf-helo", &m->spf_helo);
	if (m->nar_ours > 0)
		sb_printf(&sb, " removed-authres=%zu", m->nar_ours);
	sb_printf(&sb, " action=%s", action);
	log_msg(LOG_INFO, "%s", sb.s);
	sb_free(&sb);
}

/* action_name - the word for a verdict in the log */
static const char *
action_name(enum verdict_action a)
{
	switch (a) {
	case VERDICT_REJECT: return "reject";
	case VERDICT_TEMPFAIL: return "tempfail";
	default: return "accept";
	}
}

/* session_mail - start a message; run the envelope checks */
const struct verdict *
session_mail(struct session *s, const char *sender)
{
	struct message *m = &s->msg;
	const struct verdict *refusal;

	message_clear(m);
	m->active = 1;
	m->sender = parse_sender(sender != NULL ? sender : "");
	m->why_outbound = outbound_reason(s);
	m->direction = m->why_outbound != NULL ? DIR_OUTBOUND : DIR_INBOUND;
	table_lookup(s->cf->table, sender_domain(s), &m->policy);
	if (m->direction == DIR_OUTBOUND || !m->policy.checks)
		return NULL;
	if (s->cf->spf && m->policy.spf) {
		if (*m->sender != '\0')
			run_spf(s, SPF_ID_MAILFROM, &m->spf_mailfrom);
		else	/* the null sender's identity is the HELO one */
			run_spf(s, SPF_ID_MAILFROM, &m->spf_helo);
		if (m->policy.spf_helo && !m->spf_helo.done)
			run_spf(s, SPF_ID_HELO, &m->spf_helo);
	}
	if ((refusal = spf_refusal(m)) != NULL) {
		log_message(s, action_name(refusal->action));
		m->active = 0;
	}
	return refusal;
}

/* session_header - note one header of the message */
void
session_header(struct session *s, const char *name, const char *value)
{
	struct message *m = &s->msg;

	if (!m->active || !str_caseeq(name, AUTHRES_HEADER))
		return;
	m->ar_seen++;
	if (m->direction == DIR_INBOUND &&
	    authres_is_ours(value, s->cf->authserv_id)) {
		m->ar_ours = xrealloc(m->ar_ours,
		    (m->nar_ours + 1) * sizeof(*m->ar_ours));
		m->ar_ours[m->nar_ours++] = m->ar_seen;
	}
}

/* add_edit - append a header edit to the verdict */
static void
add_edit(struct verdict *v, enum edit_op op, unsigned index,
    const char *name, char *value)
{
	struct header_edit *e;

	v->edits = xrealloc(v->edits, (v->nedits + 1) * sizeof(*v->edits));
	e = &v->edits[v->nedits++];
	e->op = op;
	e->index = index;
	e->name = xstrdup(name);
	e->value = value;
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

/* session_eom - the verdict and header edits for the message */
const struct verdict *
session_eom(struct session *s)
{
	struct message *m = &s->msg;
	struct authres ar;
	size_t i;

	verdict_clear(&m->verdict);
	m->verdict.action = VERDICT_ACCEPT;
	if (m->direction == DIR_INBOUND) {
		for (i = m->nar_ours; i > 0; i--)
			add_edit(&m->verdict, EDIT_DELETE, m->ar_ours[i - 1],
			    AUTHRES_HEADER, NULL);
		authres_init(&ar, s->cf->authserv_id);
		add_spf_results(s, &ar);
		add_edit(&m->verdict, EDIT_INSERT, 0, AUTHRES_HEADER,
		    authres_finish(&ar));
		sb_free(&ar.sb);
	}
	log_message(s, action_name(m->verdict.action));
	m->active = 0;
	return &m->verdict;
}

/* session_abort - forget the current message */
void
session_abort(struct session *s)
{
	message_clear(&s->msg);
}
