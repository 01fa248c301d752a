/*
 * session.c - one SMTP connection: direction, checks, verdict, edits
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "authres.h"
#include "cidr.h"
#include "log.h"
#include "metrics.h"
#include "report_queue.h"
#include "session_int.h"
#include "util.h"

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
	s->connect_ns = metrics_now();
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
	free(v->quarantine);
	memset(v, 0, sizeof(*v));
}

/* headers_clear - forget the headers kept for signing */
static void
headers_clear(struct message *m)
{
	size_t i;

	for (i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	m->headers = NULL;
	m->nheaders = 0;
}

/* message_clear - forget the current message */
static void
message_clear(struct message *m)
{
	size_t i;

	headers_clear(m);
	free(m->from_domain);
	for (i = 0; i < m->nfrom && i < MAX_FROM; i++)
		free(m->from[i]);
	free(m->tags_forged);
	if (m->dmarc_done)
		dmarc_check_free(&m->dmarc);
	dns_batch_free(m->dmarc_prefetch);
	dkim_verifier_free(m->verifier);
	dkim_signer_free(m->signer);
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
	s->connect_ns = metrics_now();
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

/* session_set_tls_version - note the MTA's {tls_version}, NULL: none */
void
session_set_tls_version(struct session *s, const char *version)
{
	s->tls = metrics_tls_parse(version);
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

/* verdict_word - the action of a finished message, for the log */
static const char *
verdict_word(const struct message *m)
{
	if (m->verdict.action != VERDICT_ACCEPT)
		return action_name(m->verdict.action);
	if (m->verdict.quarantine != NULL)
		return "quarantine(held)";
	if (m->dmarc_done && m->dmarc.state == DMARC_CHECK_DONE &&
	    m->dmarc.taken == DMARC_DIS_QUARANTINE)
		return "quarantine(tagged)";
	return "accept";
}

/* session_mail - start a message; run the envelope checks */
const struct verdict *
session_mail(struct session *s, const char *sender)
{
	struct message *m = &s->msg;
	const struct verdict *refusal;

	message_clear(m);
	m->active = 1;
	if (s->dns != NULL)	/* DNS waiting allowed for this message */
		dns_client_set_budget(s->dns, s->cf->dns_message_ms);
	m->sender = parse_sender(sender != NULL ? sender : "");
	m->why_outbound = outbound_reason(s);
	m->direction = m->why_outbound != NULL ? DIR_OUTBOUND : DIR_INBOUND;
	table_lookup(s->cf->table, sender_domain(s), &m->policy);
	if (m->direction == DIR_OUTBOUND)
		return NULL;
	/* checks=no: the claimed envelope domain's own checks only */
	if (m->policy.checks && s->cf->spf && m->policy.spf) {
		if (*m->sender != '\0')
			run_spf(s, SPF_ID_MAILFROM, &m->spf_mailfrom);
		else	/* the null sender's identity is the HELO one */
			run_spf(s, SPF_ID_MAILFROM, &m->spf_helo);
		if (m->policy.spf_helo && !m->spf_helo.done)
			run_spf(s, SPF_ID_HELO, &m->spf_helo);
	}
	if ((refusal = spf_refusal(m)) != NULL) {
		session_log(s, action_name(refusal->action));
		session_count(s);
		m->active = 0;
		return refusal;
	}
	if (s->cf->dkim_verify && s->cf->dkim != NULL)
		m->verifier = dkim_verifier_new(s->cf->dkim,
		    &s->cf->dkim_verify_opts, "authmilter");
	return NULL;
}

/* session_rcpt - note one recipient (RCPT TO, with or without <>) */
void
session_rcpt(struct session *s, const char *rcpt)
{
	struct domain_policy pol;
	const char *at;
	char *addr;

	if (!s->msg.active || rcpt == NULL)
		return;
	addr = parse_sender(rcpt);
	if ((at = strrchr(addr, '@')) != NULL) {
		table_lookup(s->cf->table, at + 1, &pol);
		if (!pol.dmarc_reject)
			s->msg.no_reject_rcpt = 1;
	}
	free(addr);
}

/* crlf_value - a header value with every bare LF made CRLF (RFC 5322) */
static char *
crlf_value(const char *value)
{
	struct strbuf sb;
	const char *p;

	sb_init(&sb);
	for (p = value; *p; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			sb_putc(&sb, '\r');
		sb_putc(&sb, *p);
	}
	return sb_detach(&sb);
}

/*
 * from_domain - the domain of a From header value's one address, read
 * by the RFC 5322 parser of lib/address (as DMARC reads it), or NULL
 * with *why set: a From that does not parse, several addresses in it,
 * an address literal as domain
 */
static char *
from_domain(const char *value, const char **why)
{
	struct address_list l;
	char *d = NULL;

	if (address_parse_list(value, &l) != 0 || l.n == 0)
		*why = "From does not parse";
	else if (l.n > 1)
		*why = "several From addresses";
	else if (l.v[0].literal)
		*why = "From domain is an address literal";
	else
		d = xstrdup(l.v[0].domain);
	address_list_free(&l);
	return d;
}

/* note_authres - mark our forged A-R headers for deletion */
static void
note_authres(struct session *s, const char *value)
{
	struct message *m = &s->msg;

	m->ar_seen++;
	if (m->direction == DIR_INBOUND &&
	    authres_is_ours(value, s->cf->authserv_id)) {
		m->ar_ours = xrealloc(m->ar_ours,
		    (m->nar_ours + 1) * sizeof(*m->ar_ours));
		m->ar_ours[m->nar_ours++] = m->ar_seen;
	}
}

/* note_tag - a quarantine tag that arrived with the message: forged */
static void
note_tag(struct message *m)
{
	m->tags_seen++;
	if (m->direction != DIR_INBOUND)
		return;
	m->tags_forged = xrealloc(m->tags_forged,
	    (m->ntags_forged + 1) * sizeof(*m->tags_forged));
	m->tags_forged[m->ntags_forged++] = m->tags_seen;
}

/* header_note - one header field, its name without trailing white space */
static void
header_note(struct session *s, const char *name, const char *value,
    const char *exact)
{
	struct message *m = &s->msg;
	char *v;

	m->header_bytes += strlen(name) + strlen(exact);
	if (m->nheaders == DKIM_MAX_HEADERS ||
	    m->header_bytes > DKIM_MAX_HEADER_BYTES) {
		headers_clear(m);	/* too big to sign: nothing is kept */
		m->headers_over = 1;
	}
	if (str_caseeq(name, AUTHRES_HEADER))
		note_authres(s, value);
	if (str_caseeq(name, "From")) {
		if (m->nfrom == 0)
			m->from_domain = from_domain(value, &m->from_problem);
		if (m->nfrom < MAX_FROM)
			m->from[m->nfrom] = xstrdup(value);
		m->nfrom++;
	}
	if (str_caseeq(name, DMARC_TAG_HEADER))
		note_tag(m);
	if (m->eoh_done)	/* out of order: too late to verify or sign */
		return;
	v = crlf_value(exact);
	if (m->verifier != NULL)
		dkim_verifier_header(m->verifier, name, v);
	if (m->direction == DIR_OUTBOUND && s->cf->dkim_sign &&
	    !m->headers_over) {
		m->headers = xrealloc(m->headers,
		    (m->nheaders + 1) * sizeof(*m->headers));
		m->headers[m->nheaders].name = xstrdup(name);
		m->headers[m->nheaders++].value = v;
	} else {
		free(v);
	}
}

/*
 * session_header - note one header of the message
 *
 * value is every byte after the colon: DKIM gets it so (simple header
 * canonicalization sees the field as sent); the other checks get it
 * without one leading space, as they always have.
 */
void
session_header(struct session *s, const char *name, const char *exact)
{
	struct message *m = &s->msg;
	const char *value = exact[0] == ' ' ? exact + 1 : exact;
	char *trimmed = NULL;
	size_t n;

	if (!m->active)
		return;
	/*
	 * "From : x" (white space before the colon, RFC 5322 4.5.3) is a
	 * From field: Postfix and Sendmail hand over the name without that
	 * space, an MTA that did not must not let it pass for another field
	 */
	for (n = strlen(name); n > 0 && (name[n - 1] == ' ' ||
	    name[n - 1] == '\t'); n--)
		;
	if (name[n] != '\0')
		name = trimmed = xstrndup(name, n);
	header_note(s, name, value, exact);
	free(trimmed);
}

/* start_signer - outbound: a signer for the From domain's keys */
static void
start_signer(struct session *s)
{
	struct message *m = &s->msg;
	struct domain_policy pol;
	struct signkey *keys[16];
	size_t i, n = 0;

	if (m->nfrom > 1) {
		m->sign_status = "several From headers";
		return;
	}
	if (m->from_domain == NULL) {
		m->sign_status = m->nfrom == 0 ? "no From header" :
		    m->from_problem;
		return;
	}
	if (m->headers_over) {
		m->sign_status = "header over the limits";
		return;
	}
	table_lookup(s->cf->table, m->from_domain, &pol);
	for (i = 0; i < pol.nsign && n < ARRAY_SIZE(keys); i++)
		if (pol.sign[i].key != NULL)
			keys[n++] = pol.sign[i].key;
	if (n == 0) {
		m->sign_status = "no key for the From domain";
		return;
	}
	m->signer = dkim_signer_new(&s->cf->dkim_sign_opts, m->from_domain,
	    keys, n);
	for (i = 0; i < m->nheaders; i++)
		dkim_signer_header(m->signer, m->headers[i].name,
		    m->headers[i].value);
	dkim_signer_eoh(m->signer);
}

/*
 * prefetch_dmarc - ask for _dmarc.FROM now, beside the DKIM keys
 *
 * The DMARC check at end of message starts its tree walk at the first
 * From domain; asked here, its answer is in the cache by then, so end
 * of message waits for the slowest lookup, not for the keys and then
 * the policy.  Only with the cache on (the walk reads it from there),
 * and only for a plain LDH name (anything else the walk sorts out).
 */
static void
prefetch_dmarc(struct session *s)
{
	struct message *m = &s->msg;
	static const uint16_t type = DNS_T_TXT;
	const char *p;
	struct strbuf name;

	if (m->direction != DIR_INBOUND || !s->cf->dmarc || s->dns == NULL ||
	    s->cf->dns_opts.cache_entries == 0 || m->from_domain == NULL ||
	    *m->from_domain == '\0' || strlen(m->from_domain) > 253)
		return;
	for (p = m->from_domain; *p != '\0'; p++)
		if (!ascii_isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return;
	sb_init(&name);
	sb_puts(&name, "_dmarc.");
	sb_puts(&name, m->from_domain);
	m->dmarc_prefetch = dns_batch_start(s->dns,
	    (const char *const *)&name.s, &type, 1);
	sb_free(&name);
}

/* session_eoh - end of headers: start key lookups, or start signing */
void
session_eoh(struct session *s)
{
	struct message *m = &s->msg;

	if (!m->active || m->eoh_done)
		return;
	m->eoh_done = 1;
	m->eoh_ns = metrics_now();
	if (m->verifier != NULL)
		dkim_verifier_eoh(m->verifier, s->dns);
	prefetch_dmarc(s);
	if (m->direction == DIR_OUTBOUND && s->cf->dkim_sign)
		start_signer(s);
	headers_clear(m);
}

/* session_body - a chunk of the body, CRLF line ends */
void
session_body(struct session *s, const unsigned char *p, size_t len)
{
	struct message *m = &s->msg;

	if (!m->active)
		return;
	session_eoh(s);		/* a body ends the headers, sent or not */
	if (m->verifier != NULL)
		dkim_verifier_body(m->verifier, p, len);
	if (m->signer != NULL)
		dkim_signer_body(m->signer, p, len);
}

/* session_config - the configuration this session runs on */
const struct config *
session_config(const struct session *s)
{
	return s->cf;
}

/* session_wants_body - will any check read the body? */
int
session_wants_body(const struct config *cf)
{
	return (cf->dkim_verify && cf->dkim != NULL) || cf->dkim_sign;
}

/* session_wants_rcpt - whether the MTA must send RCPT TO at all */
int
session_wants_rcpt(const struct config *cf)
{
	return cf->dmarc && table_refuses_dmarc_reject(cf->table);
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

/* add_signatures - outbound: our DKIM-Signature headers, first on top */
static void
add_signatures(struct message *m)
{
	char **values;
	size_t i, n;

	if (m->signer == NULL)
		return;
	n = dkim_signer_eom(m->signer, &values);
	for (i = n; i > 0; i--)
		add_edit(&m->verdict, EDIT_INSERT, 0, "DKIM-Signature",
		    xstrdup(values[i - 1]));
	m->nsigned = n;
}

/* run_dmarc - inbound: DMARC for the message's author domains */
static void
run_dmarc(struct session *s)
{
	struct message *m = &s->msg;
	const struct spf_check *spf = *m->sender != '\0' ? &m->spf_mailfrom :
	    &m->spf_helo;
	const char *dkim_domains[DKIM_MAX_RESULTS];
	const char *dkim_temp[DKIM_MAX_RESULTS];
	struct dmarc_check_input in;
	size_t i, n = 0, nt = 0;

	memset(&in, 0, sizeof(in));
	in.from_values = (const char *const *)m->from;
	in.nfrom = m->nfrom < MAX_FROM ? m->nfrom : MAX_FROM;
	in.nfrom_seen = m->nfrom;
	in.spf_domain = spf->done && spf->out.domain != NULL ?
	    spf->out.domain : "";
	in.spf_pass = spf->done && spf->out.result == SPF_PASS;
	in.spf_temperror = spf->done && spf->out.result == SPF_TEMPERROR;
	for (i = 0; i < m->ndkim; i++) {
		if (m->dkim[i].domain == NULL)
			continue;
		if (m->dkim[i].result == DKIM_RES_PASS &&
		    n < ARRAY_SIZE(dkim_domains))
			dkim_domains[n++] = m->dkim[i].domain;
		else if (m->dkim[i].result == DKIM_RES_TEMPERROR &&
		    nt < ARRAY_SIZE(dkim_temp))
			dkim_temp[nt++] = m->dkim[i].domain;
	}
	in.dkim_domains = dkim_domains;
	in.ndkim = n;
	in.dkim_temp_domains = dkim_temp;
	in.ndkim_temp = nt;
	in.family = s->family;
	in.addr = s->addr;
	in.hostname = s->hostname;
	in.no_reject_rcpt = m->no_reject_rcpt;
	dmarc_check_run(s->dns, s->cf, &in, &m->dmarc);
	m->dmarc_done = 1;
}

/* dmarc_verdict - what DMARC and local policy make of the message */
static void
dmarc_verdict(struct session *s)
{
	struct message *m = &s->msg;
	const struct dmarc_check *d = &m->dmarc;
	struct strbuf sb;

	if (!m->dmarc_done)
		return;
	if (d->state == DMARC_CHECK_BAD_FROM) {
		if (s->cf->bad_from_reject)
			set_reply(m, VERDICT_REJECT, "550", "5.7.1",
			    "message refused: it needs one From header with "
			    "one address%s", "", d->problem);
		return;
	}
	if (d->state == DMARC_CHECK_MULTI_FROM) {
		set_reply(m, VERDICT_REJECT, "550", "5.7.1",
		    "message refused: several From addresses%s", "",
		    d->problem);
		return;
	}
	/*
	 * A temperror because the message's DNS time (DNSMessageTimeout)
	 * ran out is a tempfail whatever TemporaryFailures says: a sender
	 * could otherwise spend that time on its own slow zone (SPF, DKIM
	 * keys) and turn the DMARC fail of another domain into a
	 * temperror that is delivered.
	 */
	if (d->out.result == DMARC_RES_TEMPERROR && s->dns != NULL &&
	    dns_client_budget(s->dns) == 0) {
		set_reply(m, VERDICT_TEMPFAIL, "451", "4.4.3",
		    "DNS time of the message spent before the DMARC policy "
		    "of %s could be evaluated", d->author, d->out.reason);
		return;
	}
	if (d->out.result == DMARC_RES_TEMPERROR && s->cf->temporary_failures) {
		set_reply(m, VERDICT_TEMPFAIL, "451", "4.7.1",
		    "temporary error evaluating the DMARC policy of %s",
		    d->author, d->out.reason);
		return;
	}
	if (d->taken == DMARC_DIS_REJECT) {
		set_reply(m, VERDICT_REJECT, "550", "5.7.1",
		    "message rejected by the DMARC policy of %s", d->author,
		    NULL);
	} else if (d->taken == DMARC_DIS_QUARANTINE) {
		sb_init(&sb);
		sb_puts(&sb, "DMARC policy of ");
		sb_put_printable(&sb, d->author, MAX_LOGGED);
		sb_printf(&sb, ": %s", d->local != NULL ? d->local :
		    "quarantine");
		if (s->cf->hold_quarantined)
			m->verdict.quarantine = sb_detach(&sb);
		else
			add_edit(&m->verdict, EDIT_INSERT, 0, DMARC_TAG_HEADER,
			    sb_detach(&sb));
		sb_free(&sb);
	}
}

/*
 * no_message - end of message with no message in progress: a protocol
 * error of the MTA.  Nothing was checked, so nothing may pass: tempfail.
 */
static const struct verdict *
no_message(struct session *s)
{
	log_msg(LOG_WARNING, "client [%s]: end of message without a "
	    "message in progress (no MAIL FROM, or after abort or end of "
	    "message): action=tempfail", s->addrstr);
	return set_reply(&s->msg, VERDICT_TEMPFAIL, "451", "4.3.0",
	    "no message in progress%s", "", NULL);
}

/* session_eom - the verdict and header edits for the message */
const struct verdict *
session_eom(struct session *s)
{
	struct message *m = &s->msg;
	size_t i;

	verdict_clear(&m->verdict);
	if (!m->active)		/* no MAIL FROM, aborted, or eom twice */
		return no_message(s);
	session_eoh(s);		/* headers end here if the MTA said nothing */
	m->verdict.action = VERDICT_ACCEPT;
	if (m->verifier != NULL)
		m->ndkim = dkim_verifier_eom(m->verifier, s->dns, &m->dkim);
	add_signatures(m);
	if (m->direction == DIR_INBOUND) {
		dns_batch_wait(m->dmarc_prefetch);
		if (s->cf->dmarc && s->dns != NULL)
			run_dmarc(s);
		for (i = m->nar_ours; i > 0; i--)
			add_edit(&m->verdict, EDIT_DELETE, m->ar_ours[i - 1],
			    AUTHRES_HEADER, NULL);
		for (i = m->ntags_forged; i > 0; i--)
			add_edit(&m->verdict, EDIT_DELETE,
			    m->tags_forged[i - 1], DMARC_TAG_HEADER, NULL);
		dmarc_verdict(s);
		add_edit(&m->verdict, EDIT_INSERT, 0, AUTHRES_HEADER,
		    session_authres(s));
	}
	session_log(s, verdict_word(m));
	session_count(s);
	if (s->cf->report.enabled)
		report_queue_push(session_record_row(s));
	m->active = 0;
	return &m->verdict;
}

/* session_abort - forget the current message */
void
session_abort(struct session *s)
{
	message_clear(&s->msg);
}
