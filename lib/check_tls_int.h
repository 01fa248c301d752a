/*
 * NAME
 *	check_tls_int - what check_mx.c and check_mta_sts.c share
 * SYNOPSIS
 *	#include "check_tls_int.h"
 *
 *	ssize_t check_mx_set(struct dns_client *dc, const char *domain,
 *	    struct check_mx_host **hosts, size_t max, json_t *report);
 *	void check_mx_set_free(struct check_mx_host *hosts, size_t n);
 *	size_t check_addrs(struct dns_client *dc, const char *name,
 *	    struct dns_rr *out, size_t max);
 * DESCRIPTION
 *	check_mx_set() looks up domain's MX records and returns them
 *	sorted by preference, at most max (0: all), in *hosts (freed
 *	with check_mx_set_free()).  check_mx() probes at most
 *	CHECK_MX_HOSTS_MAX (a finding says when there are more); the
 *	MTA-STS match takes all, since a host left out of the policy
 *	file's match= would be one Postfix refuses to deliver to.  A
 *	domain without MX records has its implicit MX, the domain itself
 *	(RFC 5321 5.1).  A null MX
 *	(RFC 7505) gives 0 hosts.  An MX whose name is not a host name
 *	(hostname_valid(): a space, a control or 8-bit byte, '_') is left
 *	out: MTAs do not deliver to it.  When report is not NULL, what it saw of
 *	the set is added there as findings.  It returns -1 when the set
 *	cannot be known (NXDOMAIN, DNS failure).
 *
 *	check_addrs() copies name's A, then AAAA, records (at most max)
 *	into out and returns how many; names come from dc alone.
 */
#ifndef AUTHMILTER_CHECK_TLS_INT_H
#define AUTHMILTER_CHECK_TLS_INT_H

#include <sys/types.h>

#include <jansson.h>

#include "dns.h"

#define CHECK_MX_HOSTS_MAX	16	/* MX hosts checked per domain */
#define CHECK_MX_ADDRS_MAX	4	/* addresses tried per host */

struct check_mx_host {
	char		*name;
	unsigned	 pref;
};

ssize_t	check_mx_set(struct dns_client *, const char *,
	    struct check_mx_host **, size_t, json_t *);
void	check_mx_set_free(struct check_mx_host *, size_t);
size_t	check_addrs(struct dns_client *, const char *, struct dns_rr *,
	    size_t);

#endif
