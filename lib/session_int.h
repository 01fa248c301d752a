/*
 * NAME
 *	session_int - what lib/session*.c share: a connection's and a
 *	message's state (not for other modules)
 * SYNOPSIS
 *	#include "session_int.h"
 *
 *	char *session_authres(const struct session *s);
 *	void  session_log(const struct session *s, const char *action);
 *	struct report_row *session_record_row(const struct session *s);
 *	void  session_count(const struct session *s);
 * DESCRIPTION
 *	session.c runs the checks and fills struct message; session_report.c
 *	only reads it to write what a message's results look like outside:
 *	session_authres() builds our Authentication-Results header value
 *	(caller frees), session_log() writes the message's one log line
 *	ending in action.  session_record.c's session_record_row() makes
 *	the message's DMARC history row (report_history.h) for the
 *	aggregate reports, or NULL when the message is not one to record
 *	(not inbound, no DMARC evaluation, or a tempfail).
 *	session_metrics.c's session_count() counts a message that has its
 *	verdict, and its results, in lib/metrics.
 *
 *	The log line never cuts a field silently.  A name or address over
 *	MAX_LOGGED bytes keeps its end (the domain) after "[N bytes cut]...";
 *	free text over MAX_LOGGED bytes keeps its start, then
 *	"...[N bytes cut]".  Once the line holds MAX_LOG_SIGNATURES bytes,
 *	the remaining dkim= entries are replaced by "dkim-unlisted=N", so
 *	the verdict fields that follow (dmarc=, action=) are always whole.
 */
#ifndef AUTHMILTER_SESSION_INT_H
#define AUTHMILTER_SESSION_INT_H

#include "config.h"
#include "dkim_sign.h"
#include "dkim_verify.h"
#include "dmarc_check.h"
#include "metrics.h"
#include "session.h"
#include "spf.h"

#define MAX_LOGGED	320	/* bytes of a network string in a log line:
				   any RFC 5321 address (64 + 1 + 255) */
#define MAX_LOG_SIGNATURES 3072	/* log line bytes after which dkim=
				   entries are only counted */
#define MAX_FROM	DMARC_CHECK_MAX_FROM /* From headers kept; more
					   are counted and refused */

enum direction {
	DIR_INBOUND,
	DIR_OUTBOUND
};

struct spf_check {
	int			done;
	struct spf_outcome	out;
};

struct header {
	char	*name;
	char	*value;
};

struct message {
	int			active;
	int			eoh_done;	/* session_eoh() has run */
	enum direction		direction;
	const char		*why_outbound;	/* "auth", "daemon", "internal" */
	char			*sender;	/* without <>, "" for null */
	char			*queue_id;
	struct domain_policy	policy;		/* for the sender's domain */
	struct spf_check	spf_mailfrom;
	struct spf_check	spf_helo;
	struct header		*headers;	/* kept until eoh, for signing */
	size_t			nheaders;
	size_t			header_bytes;	/* names and values seen */
	int			headers_over;	/* past DKIM_MAX_HEADER*: none kept */
	char			*from_domain;	/* of the first From, for signing */
	const char		*from_problem;	/* why from_domain is NULL */
	char			*from[MAX_FROM]; /* From values, for DMARC */
	size_t			nfrom;		/* From headers seen */
	unsigned		tags_seen;	/* DMARC_TAG_HEADER so far */
	unsigned		*tags_forged;	/* their indexes, ascending */
	size_t			ntags_forged;
	struct dmarc_check	dmarc;
	int			dmarc_done;
	struct dns_batch	*dmarc_prefetch; /* _dmarc.FROM, asked at eoh */
	int			no_reject_rcpt;	/* dmarc-reject=no recipient */
	struct dkim_verifier	*verifier;	/* inbound, DKIMVerify */
	const struct dkim_sig_result *dkim;	/* its results at eom */
	size_t			ndkim;
	struct dkim_signer	*signer;	/* outbound, DKIMSign, a key */
	const char		*sign_status;	/* for the log: why not signed */
	size_t			nsigned;
	unsigned		ar_seen;	/* A-R headers so far */
	unsigned		*ar_ours;	/* their indexes, ascending */
	size_t			nar_ours;
	uint64_t		eoh_ns;		/* metrics_now() at eoh */
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
	uint64_t		connect_ns;	/* metrics_now() at connect */
	enum metrics_tls	tls;		/* {tls_version} at HELO */
	struct message		msg;
};

struct report_row;

char	*session_authres(const struct session *);
void	 session_log(const struct session *, const char *);
struct report_row *session_record_row(const struct session *);
void	 session_count(const struct session *);

#endif
