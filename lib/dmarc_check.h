/*
 * NAME
 *	dmarc_check - DMARC for one message: the author domains of its
 *	From headers, the evaluation, and the local policy on top
 * SYNOPSIS
 *	#include "dmarc_check.h"
 *
 *	void dmarc_check_run(struct dns_client *dc, const struct config *cf,
 *	         const struct dmarc_check_input *in, struct dmarc_check *out);
 *	void dmarc_check_free(struct dmarc_check *out);
 * DESCRIPTION
 *	dmarc_check_run() reads every From header value given (an RFC 5322
 *	parser of our own, lib/address) and decides what the message is:
 *
 *	DMARC_CHECK_BAD_FROM	no From, an empty From, a From that does
 *				not parse or has an address without a
 *				domain: out->problem says which.  Never a
 *				pass; the caller applies BadFromAction.
 *	DMARC_CHECK_MULTI_FROM	several From headers or several addresses
 *				with RejectMultiValueFrom yes; or, whatever
 *				RejectMultiValueFrom says, a message over a
 *				limit: more than DMARC_CHECK_MAX_FROM From
 *				headers (in->nfrom_seen), more than
 *				DMARC_CHECK_MAX_AUTHORS distinct author
 *				domains, or a From value over a limit of
 *				lib/address (ADDRESS_MAX_ADDRS addresses,
 *				ADDRESS_MAX_INPUT bytes, ADDRESS_MAX_NEST
 *				nested comments).  out->problem names the
 *				limit.  The caller rejects.
 *	DMARC_CHECK_DONE	evaluated.  With several author domains
 *				(RejectMultiValueFrom no) each is evaluated
 *				and the strictest outcome is kept: never
 *				"first one wins", and never a domain left
 *				out.  Their policies are discovered in
 *				parallel (dmarc_evaluate_authors()).
 *
 *	Then the local policy, in this order, each recorded in out->local:
 *	a failure from a TrustedForwarders client is downgraded to none
 *	("trusted forwarder"); the author domain's table entry dmarc=monitor
 *	downgrades to none, dmarc=no-reject a reject to quarantine; a
 *	recipient whose domain's entry says dmarc-reject=no turns a reject
 *	into quarantine; RejectFailures no turns a reject into quarantine
 *	(out->override says the same as an enum).  out->taken is
 *	the disposition left; out->out the evaluation as RFC 9989 gives it.
 */
#ifndef AUTHMILTER_DMARC_CHECK_H
#define AUTHMILTER_DMARC_CHECK_H

#include "config.h"
#include "dmarc.h"
#include "dns.h"

#define DMARC_CHECK_MAX_FROM	10	/* From headers a message may have */
#define DMARC_CHECK_MAX_AUTHORS	20	/* distinct author domains */

enum dmarc_check_state {
	DMARC_CHECK_DONE,
	DMARC_CHECK_BAD_FROM,
	DMARC_CHECK_MULTI_FROM
};

/* the local policy that changed the disposition (out->local's words) */
enum dmarc_override {
	DMARC_OVERRIDE_NONE,
	DMARC_OVERRIDE_FORWARDER,	/* "trusted forwarder" */
	DMARC_OVERRIDE_MONITOR,		/* "monitor" */
	DMARC_OVERRIDE_NO_REJECT,	/* "no-reject" */
	DMARC_OVERRIDE_RECIPIENT,	/* "recipient domain dmarc-reject=no" */
	DMARC_OVERRIDE_REJECT_FAILURES	/* "RejectFailures no" */
};

struct dmarc_check_input {
	const char *const	*from_values;	/* each From header's value */
	size_t			 nfrom;
	size_t			 nfrom_seen;	/* From headers the message
						   had: more than nfrom when
						   the caller kept only
						   DMARC_CHECK_MAX_FROM */
	const char		*spf_domain;	/* MAIL FROM domain, or HELO */
	int			 spf_pass;
	const char *const	*dkim_domains;	/* d= of passing signatures */
	size_t			 ndkim;
	const char *const	*dkim_temp_domains; /* d= of signatures whose
						   check failed temporarily */
	size_t			 ndkim_temp;
	int			 spf_temperror;	/* SPF gave temperror */
	int			 family;	/* the client */
	const unsigned char	*addr;
	const char		*hostname;	/* verified name, or NULL */
	int			 no_reject_rcpt; /* a recipient's domain has
						   dmarc-reject=no */
};

struct dmarc_check {
	enum dmarc_check_state	 state;
	char			*problem;	/* BAD_FROM, MULTI_FROM: why */
	char			*author;	/* domain of the outcome kept */
	size_t			 nauthors;
	struct dmarc_outcome	 out;
	enum dmarc_disposition	 taken;		/* after local policy */
	const char		*local;		/* what changed it, or NULL */
	enum dmarc_override	 override;	/* the same, as an enum */
};

void	dmarc_check_run(struct dns_client *, const struct config *,
	    const struct dmarc_check_input *, struct dmarc_check *);
void	dmarc_check_free(struct dmarc_check *);

#endif
