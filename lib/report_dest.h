/*
 * NAME
 *	report_dest - where an aggregate report may go: a DMARC record's
 *	rua list, and the RFC 9990 check of external destinations
 * SYNOPSIS
 *	#include "report_dest.h"
 *
 *	size_t report_rua_parse(const char *rua, char ***addrs,
 *	         struct strbuf *notes);
 *	void report_rua_free(char **addrs);
 *	enum report_dest_verdict report_dest_check(struct dns_client *dc,
 *	         const char *policy_domain, const char *addr,
 *	         struct strbuf *why);
 *	int report_dest_is_host(const char *s);
 * DESCRIPTION
 *	report_rua_parse() reads a rua= value as published: URIs
 *	separated by commas, white space around each ignored.  Only
 *	mailto: URIs are used (the scheme compared without regard to
 *	case); another scheme, or a mailto: URI whose address is not a
 *	plain local@domain (after %XX decoding, a dot-atom local part
 *	and a host name of letters, digits, hyphens and dots), is
 *	skipped with a line in notes.  The "!size" suffix (RFC 7489,
 *	obsolete in RFC 9990) and any "?header" part are ignored.  The
 *	host is lowercased; an address given twice is kept once; after
 *	REPORT_RUA_MAX addresses the rest are skipped with a note.  It
 *	returns the number of addresses and, in *addrs, a NULL-terminated
 *	array of them (freed with report_rua_free()).
 *
 *	report_dest_check() decides whether a report about policy_domain
 *	may go to addr (RFC 9990, the verification of external
 *	destinations): a host with the same organizational domain as
 *	policy_domain (dmarc_aligned(), relaxed) is internal; any other
 *	host must publish a TXT record starting "v=DMARC1" at
 *	POLICY-DOMAIN._report._dmarc.HOST (a wildcard record serves: the
 *	DNS answers it).  It returns REPORT_DEST_OK, REPORT_DEST_REFUSED
 *	(external and not authorized) or REPORT_DEST_TEMPFAIL (DNS did
 *	not answer: try again later), with one line saying why in why.
 *
 *	report_dest_is_host() says whether s is a host name as the rua
 *	addresses must have: letters, digits and hyphens, labels of 1 to
 *	63, at least two, 253 bytes at most.
 */
#ifndef AUTHMILTER_REPORT_DEST_H
#define AUTHMILTER_REPORT_DEST_H

#include <stddef.h>

#include "dns.h"
#include "util.h"

#define REPORT_RUA_MAX		8	/* addresses used from one rua */
#define REPORT_ADDR_MAX		254	/* bytes of an address (RFC 5321) */

enum report_dest_verdict {
	REPORT_DEST_OK,
	REPORT_DEST_REFUSED,
	REPORT_DEST_TEMPFAIL
};

size_t	report_rua_parse(const char *, char ***, struct strbuf *);
void	report_rua_free(char **);
enum report_dest_verdict report_dest_check(struct dns_client *,
	    const char *, const char *, struct strbuf *);
int	report_dest_is_host(const char *);

#endif
