/*
 * callbacks.c - libmilter callbacks: events in, verdicts out
 *
 * Nothing is decided here: every callback hands its event to the
 * session (lib/session.c) and turns what comes back into milter calls.
 *
 * Header values: lib/ takes every byte after the colon.  We ask for
 * SMFIP_HDR_LEADSPC, with which the MTA sends exactly that and takes
 * exactly what we give it (so the values we insert get their space
 * here).  An MTA that does not offer it (Postfix and Sendmail do)
 * removes one space after the colon, which we put back: a field sent
 * without that space, or with a TAB there, is then seen as if it had
 * one, and fails a c=simple signature.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>

#include "cidr.h"
#include "log.h"
#include "session.h"
#include "util.h"

#include "callbacks.h"

/* what we ask of the MTA: no replies where ours is always "continue" */
#define WANT_ACTIONS	(SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE)
#define WANT_NOREPLY	(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_RCPT | \
			 SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)
#define WANT_SKIPPED	(SMFIP_NOUNKNOWN | SMFIP_NODATA)
#define WANT_EXACT	SMFIP_HDR_LEADSPC	/* header values as sent */
#define VALUE_KEEP	65536	/* a larger value buffer is not kept */

struct conn {
	struct session	*session;
	unsigned long	 noreply;	/* SMFIP_NR_* the MTA agreed to */
	int		 leadspc;	/* SMFIP_HDR_LEADSPC agreed to */
	struct strbuf	 value;		/* a header value, space put back */
	int		 in_message;
	int		 tcp_fd;	/* the MTA's TCP connection, or -1 */
};

static atomic_int messages_in_flight;

/* callbacks_in_flight - messages between MAIL FROM and their end */
int
callbacks_in_flight(void)
{
	return atomic_load(&messages_in_flight);
}

/*
 * ctx_tcp_fd - fd if it may be the MTA's TCP connection, else -1: not
 * one of the standard descriptors (the daemon keeps them on /dev/null),
 * a stream socket, connected, to an IPv4 or IPv6 peer
 */
static int
ctx_tcp_fd(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type = 0;
	socklen_t tlen = sizeof(type);

	if (fd <= 2 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 ||
	    type != SOCK_STREAM ||
	    getpeername(fd, (struct sockaddr *)&ss, &len) != 0 ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
		return -1;
	return fd;
}

/*
 * tcp_socket_of - the TCP connection to the MTA behind ctx, or -1
 *
 * libmilter keeps its socket to itself, but a TCP peer needs quick
 * ACKs from us (see quick_ack()).  Its private context, struct smfi_str
 * in sendmail's libmilter/libmilter.h, has begun with a thread id and
 * the socket since 8.12:
 *
 *	sthread_t ctx_id;	pthread_t; 0 in Debian's 8.17.1 build
 *	socket_t ctx_sd;	int; offset 8 on LP64 (8.17.1: smfi_progress
 *				reads it there)
 *
 * A build whose ctx_id is an unsigned int has the socket at offset 4.
 * Each layout is read from the first bytes of ctx only (smaller than
 * any smfi_str, so the read itself is safe), and a candidate counts only
 * if it passes ctx_tcp_fd(); the pthread_t layout also needs the id to
 * be 0 or this thread's.  Exactly one layout must give a socket: none,
 * or two different ones, and we do without quick ACKs (-1).  So an
 * unknown layout costs at most the 40 ms delayed ACKs, never a write to
 * a wrong descriptor (setsockopt TCP_QUICKACK is all we ever do on it).
 */
struct ctx_head_wide {		/* sendmail's libmilter.h */
	pthread_t	id;
	int		sd;
};

struct ctx_head_narrow {	/* an unsigned int ctx_id */
	unsigned int	id;
	int		sd;
};

static int
tcp_socket_of(SMFICTX *ctx)
{
	struct ctx_head_wide wide;
	struct ctx_head_narrow narrow;
	int a = -1, b = -1;

	memcpy(&wide, ctx, sizeof(wide));
	memcpy(&narrow, ctx, sizeof(narrow));
	if (wide.id == 0 || pthread_equal(wide.id, pthread_self()))
		a = ctx_tcp_fd(wide.sd);
	if (offsetof(struct ctx_head_narrow, sd) !=
	    offsetof(struct ctx_head_wide, sd))
		b = ctx_tcp_fd(narrow.sd);
	if (a >= 0 && b >= 0 && a != b)
		return -1;	/* ambiguous: trust neither */
	return a >= 0 ? a : b;
}

/*
 * quick_ack - ACK what the MTA sends next at once
 *
 * The MTA writes each burst of events in one go, and Nagle's algorithm
 * on its side holds the last partial segment of a burst until we ACK
 * the full ones.  With no replies to send (SMFIP_NR_*), our ACK waits
 * for the delayed-ACK timer: 40 ms for every message whose content
 * spans one full segment and a tail.  Leaving delayed-ACK mode before
 * the content arrives ACKs it as it comes.
 */
static void
quick_ack(const struct conn *c)
{
	int on = 1;

	if (c->tcp_fd >= 0)
		(void)setsockopt(c->tcp_fd, IPPROTO_TCP, TCP_QUICKACK, &on,
		    sizeof(on));
}

/* conn_get - this connection's state, made on first use */
static struct conn *
conn_get(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	struct config *cf;

	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		sb_init(&c->value);
		c->tcp_fd = tcp_socket_of(ctx);
		cf = current_config();
		c->session = session_new(cf);
		config_unref(cf);
		smfi_setpriv(ctx, c);
	}
	return c;
}

/* message_done - the message in flight has ended */
static void
message_done(struct conn *c)
{
	if (c->in_message) {
		c->in_message = 0;
		atomic_fetch_sub(&messages_in_flight, 1);
	}
}

/* go_on - "continue", or nothing where the MTA wants no reply */
static sfsistat
go_on(const struct conn *c, unsigned long flag)
{
	return (c->noreply & flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* macro - a macro's value, or NULL */
static const char *
macro(SMFICTX *ctx, const char *name)
{
	return smfi_getsymval(ctx, (char *)name);
}

/* mlfi_negotiate - choose protocol steps and the macros we need */
static sfsistat
mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct conn *c = conn_get(ctx);
	unsigned long skip = WANT_SKIPPED;

	(void)f2;
	(void)f3;
	if (!session_wants_body(session_config(c->session)))
		skip |= SMFIP_NOBODY;
	if (!session_wants_rcpt(session_config(c->session)))
		skip |= SMFIP_NORCPT;
	*pf0 = f0 & WANT_ACTIONS;
	*pf1 = f1 & (WANT_NOREPLY | WANT_EXACT | skip);
	*pf2 = 0;
	*pf3 = 0;
	c->noreply = *pf1 & WANT_NOREPLY;
	c->leadspc = (*pf1 & WANT_EXACT) != 0;
	/* the macros we read; Postfix sends its defaults for other stages */
	smfi_setsymlist(ctx, SMFIM_CONNECT, "{daemon_name}");
	smfi_setsymlist(ctx, SMFIM_ENVFROM, "{auth_authen} i");
	smfi_setsymlist(ctx, SMFIM_EOM, "i");
	return SMFIS_CONTINUE;
}

/* mlfi_connect - a client connected to the MTA */
static sfsistat
mlfi_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	struct conn *c = conn_get(ctx);
	unsigned char addr[16];
	int family = AF_UNSPEC;

	if (sa == NULL || addr_from_sockaddr(sa, &family, addr) != 0)
		family = AF_UNSPEC;
	session_connect(c->session, hostname, family, addr);
	session_set_daemon(c->session, macro(ctx, "{daemon_name}"));
	return go_on(c, SMFIP_NR_CONN);
}

/*
 * tls_version_macro - the MTA's {tls_version}, NULL when the session is
 * plaintext (Postfix and Sendmail send it at HELO, their default
 * milter_helo_macros, only when TLS is on; after STARTTLS the client's
 * new EHLO brings it)
 */
static const char *
tls_version_macro(SMFICTX *ctx)
{
	return macro(ctx, "{tls_version}");
}

/* mlfi_helo - HELO or EHLO */
static sfsistat
mlfi_helo(SMFICTX *ctx, char *helo)
{
	struct conn *c = conn_get(ctx);

	session_helo(c->session, helo);
	session_set_tls_version(c->session, tls_version_macro(ctx));
	return go_on(c, SMFIP_NR_HELO);
}

/* escape_percent - libmilter drops reply texts with a lone '%' */
static char *
escape_percent(const char *text)
{
	struct strbuf sb;

	sb_init(&sb);
	for (; *text; text++) {
		if (*text == '%')
			sb_putc(&sb, '%');
		sb_putc(&sb, *text);
	}
	return sb_detach(&sb);
}

/* refuse - send a reject or tempfail verdict's reply */
static sfsistat
refuse(SMFICTX *ctx, const struct verdict *v)
{
	char *text = escape_percent(v->text != NULL ? v->text : "");

	if (smfi_setreply(ctx, (char *)v->rcode, (char *)v->xcode, text) !=
	    MI_SUCCESS)
		log_msg(LOG_WARNING, "could not set reply %s %s %s",
		    v->rcode, v->xcode, text);
	free(text);
	return v->action == VERDICT_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
}

/* mlfi_envfrom - MAIL FROM: a message starts */
static sfsistat
mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	const struct verdict *v;

	message_done(c);
	c->in_message = 1;
	atomic_fetch_add(&messages_in_flight, 1);
	session_set_auth(c->session, macro(ctx, "{auth_authen}"));
	v = session_mail(c->session, argv[0]);
	session_set_queue_id(c->session, macro(ctx, "i"));
	quick_ack(c);
	if (v == NULL)
		return SMFIS_CONTINUE;
	message_done(c);
	return refuse(ctx, v);
}

/* mlfi_envrcpt - RCPT TO: a recipient */
static sfsistat
mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);

	session_rcpt(c->session, argv[0]);
	return go_on(c, SMFIP_NR_RCPT);
}

/* mlfi_header - one header, its value as sent after the colon */
static sfsistat
mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_get(ctx);

	if (c->leadspc) {
		session_header(c->session, name, value);
	} else {
		/* the MTA removed one space: put it back */
		sb_truncate(&c->value, 0);
		sb_putc(&c->value, ' ');
		sb_puts(&c->value, value);
		session_header(c->session, name, c->value.s);
		if (c->value.cap > VALUE_KEEP) {
			sb_free(&c->value);
			sb_init(&c->value);
		}
	}
	return go_on(c, SMFIP_NR_HDR);
}

/* mlfi_eoh - end of headers */
static sfsistat
mlfi_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	session_eoh(c->session);
	quick_ack(c);
	return go_on(c, SMFIP_NR_EOH);
}

/* mlfi_body - a chunk of the body */
static sfsistat
mlfi_body(SMFICTX *ctx, unsigned char *p, size_t len)
{
	struct conn *c = conn_get(ctx);

	session_body(c->session, p, len);
	quick_ack(c);
	return go_on(c, SMFIP_NR_BODY);
}

/*
 * apply_edits - carry out the verdict's header edits, in order; an
 * inserted field is "Name: value" (with SMFIP_HDR_LEADSPC the MTA
 * puts nothing between the colon and what we give it)
 */
static void
apply_edits(struct conn *c, SMFICTX *ctx, const struct verdict *v)
{
	const struct header_edit *e;
	size_t i;
	int rc;

	for (i = 0; i < v->nedits; i++) {
		e = &v->edits[i];
		if (e->op == EDIT_DELETE) {
			rc = smfi_chgheader(ctx, e->name, (int)e->index, NULL);
		} else if (c->leadspc) {
			sb_truncate(&c->value, 0);
			sb_putc(&c->value, ' ');
			sb_puts(&c->value, e->value);
			rc = smfi_insheader(ctx, (int)e->index, e->name,
			    c->value.s);
		} else {
			rc = smfi_insheader(ctx, (int)e->index, e->name,
			    e->value);
		}
		if (rc != MI_SUCCESS)
			log_msg(LOG_WARNING, "MTA refused to %s header %s #%u",
			    e->op == EDIT_DELETE ? "delete" : "insert",
			    e->name, e->index);
	}
}

/* mlfi_eom - end of message: verdict, edits, action */
static sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	const struct verdict *v;

	session_set_queue_id(c->session, macro(ctx, "i"));
	v = session_eom(c->session);
	message_done(c);
	if (v->action != VERDICT_ACCEPT)
		return refuse(ctx, v);
	apply_edits(c, ctx, v);
	if (v->quarantine != NULL &&
	    smfi_quarantine(ctx, v->quarantine) != MI_SUCCESS)
		log_msg(LOG_WARNING, "MTA refused to quarantine: %s",
		    v->quarantine);
	return SMFIS_ACCEPT;
}

/* mlfi_abort - the MTA dropped the message */
static sfsistat
mlfi_abort(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	session_abort(c->session);
	message_done(c);
	return SMFIS_CONTINUE;
}

/* mlfi_close - the connection ended */
static sfsistat
mlfi_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL) {
		message_done(c);
		session_free(c->session);
		sb_free(&c->value);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

struct smfiDesc callbacks_desc = {
	.xxfi_name = "authmilter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = WANT_ACTIONS,
	.xxfi_connect = mlfi_connect,
	.xxfi_helo = mlfi_helo,
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_envrcpt = mlfi_envrcpt,
	.xxfi_header = mlfi_header,
	.xxfi_eoh = mlfi_eoh,
	.xxfi_body = mlfi_body,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = mlfi_abort,
	.xxfi_close = mlfi_close,
	.xxfi_negotiate = mlfi_negotiate,
};
