/*
 * NAME
 *	spf - Sender Policy Framework (RFC 7208) evaluation on our DNS layer
 * SYNOPSIS
 *	#include "spf.h"
 *
 *	void spf_check(struct dns_client *dc, const struct spf_request *req,
 *	         enum spf_identity id, struct spf_outcome *out);
 *	void spf_outcome_free(struct spf_outcome *out);
 *	const char *spf_result_name(enum spf_result result);
 * DESCRIPTION
 *	spf_check() evaluates one identity of one SMTP transaction:
 *
 *	SPF_ID_MAILFROM	the MAIL FROM address (req->sender); a null
 *			sender ("" or NULL) is evaluated as
 *			postmaster@HELO (RFC 7208 2.4);
 *	SPF_ID_HELO	the HELO/EHLO name, as postmaster@HELO
 *			(RFC 7208 2.3).
 *
 *	An identity whose domain is not a valid multi-label domain name
 *	gives SPF_NONE (RFC 7208 4.3).  Evaluation follows check_host()
 *	of RFC 7208 section 4 and 5 exactly: record selection (exactly one
 *	"v=spf1" TXT record), all mechanisms and modifiers, macro
 *	expansion (section 7), the limits of section 4.6.4 (at most
 *	SPF_MAX_DNS_TERMS terms that query DNS, at most SPF_MAX_VOID void
 *	lookups, at most 10 names looked up per mx or ptr), and exp=
 *	(section 6.2) on a fail.  All DNS goes through dc.  An evaluation
 *	that runs longer than SPF_MAX_SECONDS (DNS timeouts adding up)
 *	stops with SPF_TEMPERROR (4.6.4).
 *
 *	The outcome is filled in completely; the caller releases its
 *	strings with spf_outcome_free().  out->domain is the domain that
 *	was checked; out->mechanism the text of the mechanism that decided
 *	(NULL when none matched or on error); out->explanation the
 *	expanded exp= text on a fail (or NULL); out->problem, on
 *	permerror and temperror, a short phrase saying what went wrong
 *	("2 void lookups exceeded", "syntax error near 'ip4:1.2.3'",
 *	"DNS timeout for example.com TXT"), fit for a log line and an A-R
 *	comment.  Every string is printable ASCII: bytes from the network
 *	outside 0x20..0x7e are written as '?'.
 * DIAGNOSTICS
 *	None: every failure is a result (SPF_TEMPERROR or SPF_PERMERROR).
 */
#ifndef AUTHMILTER_SPF_H
#define AUTHMILTER_SPF_H

#include "dns.h"

#define SPF_MAX_DNS_TERMS	10
#define SPF_MAX_VOID		2
#define SPF_MAX_SECONDS		20	/* then temperror (4.6.4) */

enum spf_result {
	SPF_NONE,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR
};

enum spf_identity {
	SPF_ID_MAILFROM,
	SPF_ID_HELO
};

struct spf_request {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];	/* client address, network order */
	const char	*sender;	/* MAIL FROM without <>, "" if null */
	const char	*helo;		/* HELO/EHLO argument */
	const char	*receiver;	/* our host name, for %{r} */
};

struct spf_outcome {
	enum spf_result	 result;
	char		*domain;
	char		*mechanism;
	char		*explanation;
	char		*problem;
	unsigned	 dns_terms;	/* terms that queried DNS */
	unsigned	 void_lookups;
};

void		 spf_check(struct dns_client *, const struct spf_request *,
		    enum spf_identity, struct spf_outcome *);
void		 spf_outcome_free(struct spf_outcome *);
const char	*spf_result_name(enum spf_result);

#endif
