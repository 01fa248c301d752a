/*
 * NAME
 *	session - one SMTP connection and its messages: direction, checks,
 *	verdict and header edits, with no knowledge of the milter protocol
 * SYNOPSIS
 *	#include "session.h"
 *
 *	struct session *session_new(struct config *cf);
 *	void session_free(struct session *s);
 *
 *	void session_connect(struct session *s, const char *hostname,
 *	         int family, const unsigned char *addr);
 *	void session_helo(struct session *s, const char *helo);
 *	void session_set_daemon(struct session *s, const char *name);
 *	void session_set_auth(struct session *s, const char *authen);
 *	void session_set_tls_version(struct session *s,
 *	         const char *version);
 *	void session_set_queue_id(struct session *s, const char *qid);
 *	const struct verdict *session_mail(struct session *s,
 *	         const char *sender);
 *	void session_rcpt(struct session *s, const char *rcpt);
 *	void session_header(struct session *s, const char *name,
 *	         const char *value);
 *	void session_eoh(struct session *s);
 *	void session_body(struct session *s, const unsigned char *p,
 *	         size_t len);
 *	int  session_wants_body(const struct config *cf);
 *	int  session_wants_rcpt(const struct config *cf);
 *	const struct config *session_config(const struct session *s);
 *	const struct verdict *session_eom(struct session *s);
 *	void session_abort(struct session *s);
 * DESCRIPTION
 *	A session holds a reference to the configuration it started with
 *	and one DNS client for its thread; a reload never changes a
 *	session in flight.  The caller feeds it the SMTP events in order.
 *
 *	session_connect() takes the client's name and address (family
 *	AF_INET or AF_INET6, or AF_UNSPEC when the MTA gave none, e.g. a
 *	local submission).  session_set_daemon() and session_set_auth()
 *	take the MTA's {daemon_name} and {auth_authen} values;
 *	session_set_tls_version() its {tls_version} at HELO (NULL or
 *	empty: plaintext), which the metrics count for inbound mail.
 *
 *	session_mail() starts a message.  It decides the direction
 *	(outbound: {auth_authen} present, {daemon_name} listed in
 *	SignDaemons, or the client in InternalHosts) and, for inbound
 *	mail, runs the SPF checks (HELO, then MAIL FROM) that the
 *	configuration and the sender domain's table entry ask for.  It
 *	returns NULL to go on, or a verdict (reject or tempfail) when
 *	local policy refuses the sender outright; the message is then
 *	over and logged.
 *	It also gives the message its DNS time (DNSMessageTimeout): the
 *	session's DNS client may wait that long, summed over every check
 *	of the message (dns_client_set_budget()); what is not answered
 *	then is temperror.
 *
 *	session_rcpt() notes a recipient: one whose domain's table entry
 *	has dmarc-reject=no keeps a DMARC reject of the message from being
 *	carried out (it is quarantined instead).
 *
 *	session_header() notes each header (value: every byte after the
 *	colon, its leading white space included, as an MTA gives it with
 *	SMFIP_HDR_LEADSPC; the milter layer puts back the one space an
 *	MTA without it removed); for inbound mail every
 *	Authentication-Results header that carries our authserv-id is
 *	marked for deletion, and with DKIMVerify every header goes to the
 *	DKIM verifier.  session_eoh() ends the headers: the verifier starts
 *	all key lookups at once, and inbound mail under DMARC has the
 *	record of its first From domain asked beside them (with the DNS
 *	cache on, where the check at eom finds it); outbound mail whose
 *	From domain has keys in the table gets a signer.  session_body() streams the body
 *	(CRLF line ends) into both; nothing keeps the whole body.
 *	session_wants_body() says whether the MTA must send the body at
 *	all under a configuration, session_wants_rcpt() the recipients
 *	(only DMARC with a dmarc-reject=no entry in the table uses them);
 *	session_config() is the configuration a session runs on.
 *
 *	session_eom() runs DMARC (inbound, DMARC yes) and returns the
 *	verdict for the message: the action (a DMARC reject, or a tempfail
 *	with TemporaryFailures), a reason to hold the message in the MTA's
 *	quarantine (HoldQuarantinedMessages) or NULL, and the header edits
 *	to apply in order (outbound: DKIM-Signature
 *	headers inserted at index 0; inbound: deletions from the highest
 *	index down, then our Authentication-Results, with one dkim= result
 *	per signature and the dmarc= result, inserted at index 0; for a
 *	DMARC quarantine that is not held, the DMARC_TAG_HEADER tag, and
 *	forged copies of that tag deleted).  It writes the message's log line.  The verdict lives
 *	in the session until the next message or session_free().
 *	session_abort() forgets the current message.
 *
 *	No order of calls can crash a session or let a message through
 *	unchecked.  session_rcpt(), session_header(), session_eoh() and
 *	session_body() outside a message are ignored; a body, or end of
 *	message, before session_eoh() ends the headers first; a second
 *	session_eoh() does nothing; a header after session_eoh() still
 *	counts for the A-R and tag deletions and for DMARC, but is not
 *	verified or signed.  session_eom() with no message in progress (no
 *	session_mail(), after session_abort(), after a refusal at MAIL FROM
 *	or a first session_eom()) logs a warning and returns a tempfail
 *	(451 4.3.0), with no edits.
 */
#ifndef AUTHMILTER_SESSION_H
#define AUTHMILTER_SESSION_H

#include "config.h"

enum verdict_action {
	VERDICT_ACCEPT,		/* deliver (with edits) */
	VERDICT_REJECT,		/* 5xx */
	VERDICT_TEMPFAIL	/* 4xx */
};

enum edit_op {
	EDIT_INSERT,		/* insert "name: value" at index */
	EDIT_DELETE		/* delete the index'th (1-based) name header */
};

struct header_edit {
	enum edit_op	 op;
	unsigned	 index;
	char		*name;
	char		*value;
};

struct verdict {
	enum verdict_action	 action;
	const char		*rcode;	/* "550", for reject/tempfail */
	const char		*xcode;	/* "5.7.23" */
	char			*text;
	char			*quarantine;	/* hold with this reason, or NULL */
	struct header_edit	*edits;
	size_t			 nedits;
};

#define DMARC_TAG_HEADER	"X-Authmilter-Quarantine"

struct session;

struct session		*session_new(struct config *);
void			 session_free(struct session *);
void			 session_connect(struct session *, const char *, int,
			    const unsigned char *);
void			 session_helo(struct session *, const char *);
void			 session_set_daemon(struct session *, const char *);
void			 session_set_auth(struct session *, const char *);
void			 session_set_tls_version(struct session *,
			    const char *);
void			 session_set_queue_id(struct session *, const char *);
const struct verdict	*session_mail(struct session *, const char *);
void			 session_rcpt(struct session *, const char *);
void			 session_header(struct session *, const char *,
			    const char *);
void			 session_eoh(struct session *);
void			 session_body(struct session *, const unsigned char *,
			    size_t);
int			 session_wants_body(const struct config *);
int			 session_wants_rcpt(const struct config *);
const struct config	*session_config(const struct session *);
const struct verdict	*session_eom(struct session *);
void			 session_abort(struct session *);

#endif
