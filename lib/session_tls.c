/*
 * session_tls.c - the TLS of a connection: what the MTA says of it, the
 * table's tls= and tls-min= requirements of the domains a message
 * claims, and how the facts show in the log line and our A-R header
 *
 * The milter layer hands over the MTA's {tls_version}, {cipher},
 * {cipher_bits}, {cert_subject} and {cert_issuer}; the MTA sends a
 * macro only when it has a value, so no version means plaintext.
 */
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "authres.h"
#include "metrics.h"
#include "session_int.h"
#include "tls_version.h"
#include "util.h"

/* copy_value - a copy of an MTA value, NULL when absent or empty */
static char *
copy_value(const char *v)
{
	return v != NULL && *v != '\0' ? xstrdup(v) : NULL;
}

/* digits_only - the value if it is a decimal number, else NULL */
static const char *
digits_only(const char *v)
{
	const char *p;

	if (v == NULL || *v == '\0' || strlen(v) > TLS_MAX_BITS_DIGITS)
		return NULL;
	for (p = v; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return NULL;
	return v;
}

/* session_tls_clear - forget the TLS facts of the connection */
void
session_tls_clear(struct tls_state *t)
{
	free(t->version);
	free(t->cipher);
	free(t->bits);
	free(t->subject);
	free(t->issuer);
	memset(t, 0, sizeof(*t));
	t->rank = -1;
}

/*
 * session_set_tls - note the MTA's TLS macros; facts->version NULL (or
 * empty) is a plaintext connection, and the other facts then go too
 */
void
session_set_tls(struct session *s, const struct tls_facts *facts)
{
	struct tls_state *t = &s->tls;

	session_tls_clear(t);
	s->tls_metric = METRICS_TLS_PLAINTEXT;
	if (facts == NULL || (t->version = copy_value(facts->version)) ==
	    NULL)
		return;
	s->tls_metric = metrics_tls_parse(t->version);
	t->rank = tls_version_rank(t->version);
	t->cipher = copy_value(facts->cipher);
	t->bits = copy_value(digits_only(facts->bits));
	t->subject = copy_value(facts->subject);
	t->issuer = copy_value(facts->issuer);
}

/* session_tls_version - the TLS version of the connection, NULL: none */
const char *
session_tls_version(const struct session *s)
{
	return s->tls.version;
}

/* tls_meets - does the connection meet the policy's TLS requirement? */
static int
tls_meets(const struct tls_state *t, const struct domain_policy *p)
{
	if (!p->tls_require)
		return 1;
	if (t->version == NULL)
		return 0;
	return p->tls_min_rank < 0 || t->rank >= p->tls_min_rank;
}

/*
 * refuse - make the verdict the refusal of mail claiming domain:
 * 550 5.7.0, a text naming the domain, the requirement and what came
 */
static void
refuse(struct session *s, const char *domain, const char *role,
    const struct domain_policy *p)
{
	struct message *m = &s->msg;
	struct strbuf sb;

	free(m->verdict.text);
	sb_init(&sb);
	sb_printf(&sb, "mail with %s domain ", role);
	sb_put_printable(&sb, domain, MAX_LOGGED);
	if (p->tls_min != NULL)
		sb_printf(&sb, " must come over %s or later (tls-min=%s in the "
		    "domain table); ", p->tls_min, p->tls_min);
	else
		sb_puts(&sb, " must come over TLS (tls=require in the domain "
		    "table); ");
	if (s->tls.version == NULL) {
		sb_puts(&sb, "this connection is plaintext");
	} else {
		sb_puts(&sb, "this connection uses ");
		sb_put_printable(&sb, s->tls.version, MAX_LOGGED);
	}
	m->verdict.action = VERDICT_REJECT;
	m->verdict.rcode = TLS_REFUSAL_RCODE;
	m->verdict.xcode = TLS_REFUSAL_XCODE;
	m->verdict.text = sb_detach(&sb);
	free(m->tls_refused);
	m->tls_refused = xstrdup(domain);
	m->tls_refused_min = p->tls_min;
	sb_free(&sb);
}

/* has_8bit - does s hold a byte outside ASCII (a UTF-8 label)? */
static int
has_8bit(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/*
 * session_tls_mail - MAIL FROM: refuse an inbound message whose envelope
 * domain (m->policy, the table entry of the MAIL FROM domain, or of the
 * HELO name for a null sender) requires TLS the connection lacks.  A
 * domain in UTF-8 (SMTPUTF8) is also looked up as its A-labels, the
 * form the table holds, so it cannot pass for another domain.
 */
const struct verdict *
session_tls_mail(struct session *s, const char *domain)
{
	struct message *m = &s->msg;
	const char *role = *m->sender != '\0' ? "MAIL FROM" : "HELO";
	struct domain_policy pol;
	struct strbuf ace;
	int refused = 0;

	if (m->direction != DIR_INBOUND)
		return NULL;
	if (!tls_meets(&s->tls, &m->policy)) {
		refuse(s, domain, role, &m->policy);
		return &m->verdict;
	}
	if (!has_8bit(domain))
		return NULL;
	sb_init(&ace);
	if (domain_to_ascii(domain, &ace) == 0) {
		table_lookup(s->cf->table, ace.s, &pol);
		if ((refused = !tls_meets(&s->tls, &pol)))
			refuse(s, ace.s, role, &pol);
	}
	sb_free(&ace);
	return refused ? &m->verdict : NULL;
}

/* from_refused - does one From value hold a domain that requires TLS? */
static int
from_refused(struct session *s, const char *value)
{
	struct domain_policy pol;
	struct address_list l;
	size_t i;
	int done = 0;

	/* a list that stops at an error still has its first addresses */
	(void)address_parse_list(value, &l);
	for (i = 0; i < l.n && !done; i++) {
		if (l.v[i].literal || l.v[i].domain == NULL)
			continue;
		table_lookup(s->cf->table, l.v[i].domain, &pol);
		if (!tls_meets(&s->tls, &pol)) {
			refuse(s, l.v[i].domain, "From", &pol);
			done = 1;
		}
	}
	address_list_free(&l);
	return done;
}

/* too_many_from - refuse what has From headers we could not check */
static void
too_many_from(struct session *s)
{
	struct message *m = &s->msg;
	struct strbuf sb;

	free(m->verdict.text);
	sb_init(&sb);
	sb_printf(&sb, "message refused: %zu From headers, more than the %d "
	    "checked against the TLS requirements of the domain table",
	    m->nfrom, MAX_FROM);
	m->verdict.action = VERDICT_REJECT;
	m->verdict.rcode = TLS_REFUSAL_RCODE;
	m->verdict.xcode = TLS_REFUSAL_XCODE;
	m->verdict.text = sb_detach(&sb);
	free(m->tls_refused);
	m->tls_refused = xstrdup("(unchecked From)");
	m->tls_refused_min = NULL;
	sb_free(&sb);
}

/*
 * session_tls_eom - end of message: refuse an inbound message when a
 * domain of its From headers requires TLS the connection lacks.  Every
 * address of every From kept is looked up (a sender must not hide the
 * partner's domain behind another in a first From); a message with more
 * From headers than are kept (MAX_FROM) is refused, its last ones
 * unchecked.  A DMARC reject keeps its own reply; anything else gives
 * way to this one.
 */
void
session_tls_eom(struct session *s)
{
	struct message *m = &s->msg;
	size_t i;

	if (m->direction != DIR_INBOUND || !table_requires_tls(s->cf->table) ||
	    m->verdict.action == VERDICT_REJECT)
		return;
	for (i = 0; i < m->nfrom && i < MAX_FROM; i++)
		if (from_refused(s, m->from[i]))
			return;
	if (m->nfrom > MAX_FROM)	/* the ones not kept went unchecked */
		too_many_from(s);
}

/*
 * session_tls_log - the log line's TLS fields: " tls=none", or
 * " tls=VERSION(CIPHER,BITS)" (or " tls=VERSION" when the MTA gave
 * neither), the client certificate's subject and
 * issuer when one was shown, and the requirement that refused
 */
void
session_tls_log(const struct session *s, struct strbuf *sb)
{
	const struct tls_state *t = &s->tls;
	const struct message *m = &s->msg;

	if (t->version == NULL) {
		sb_puts(sb, " tls=none");
	} else {
		sb_puts(sb, " tls=");
		sb_put_printable(sb, t->version, MAX_LOGGED);
		if (t->cipher != NULL || t->bits != NULL) {
			sb_putc(sb, '(');
			sb_put_printable(sb, t->cipher != NULL ? t->cipher :
			    "", MAX_LOGGED);
			sb_printf(sb, ",%s)", t->bits != NULL ? t->bits : "");
		}
		if (t->subject != NULL) {
			sb_puts(sb, " tls-subject=[");
			sb_put_printable(sb, t->subject, MAX_LOGGED);
			sb_puts(sb, "] tls-issuer=[");
			sb_put_printable(sb, t->issuer != NULL ? t->issuer :
			    "", MAX_LOGGED);
			sb_putc(sb, ']');
		}
	}
	if (m->tls_refused != NULL) {
		sb_puts(sb, " tls-required=");
		sb_put_printable(sb, m->tls_refused, MAX_LOGGED);
		if (m->tls_refused_min != NULL)
			sb_printf(sb, "(%s)", m->tls_refused_min);
	}
}

/*
 * session_tls_authres - the comment after our authserv-id: "(tls=VERSION
 * cipher=CIPHER bits=BITS)" when the message came over TLS, nothing
 * when it did not (the MTA said nothing of TLS).  Call it right after
 * authres_init().  The client certificate's names are not written: the
 * reader of the header would take them for something we checked.
 */
void
session_tls_authres(const struct session *s, struct authres *ar)
{
	const struct tls_state *t = &s->tls;
	struct strbuf c;

	if (t->version == NULL)
		return;
	sb_init(&c);
	sb_printf(&c, "tls=%s", t->version);
	if (t->cipher != NULL)
		sb_printf(&c, " cipher=%s", t->cipher);
	if (t->bits != NULL)
		sb_printf(&c, " bits=%s", t->bits);
	sb_putc(&ar->sb, ' ');
	authres_put_comment(&ar->sb, c.s);
	sb_free(&c);
}
