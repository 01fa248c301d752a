/*
 * NAME
 *	stub_dns - the DNS of the fuzz targets: none, or a zone from the input
 * SYNOPSIS
 *	#include "stub_dns.h"
 *
 *	void   stub_dns_none(void);
 *	void   stub_dns_zone(const char *text, size_t len);
 *	size_t stub_dns_lookups(void);
 * DESCRIPTION
 *	t/fuzz/stub_dns.c defines the functions of lib/dns.h that lib/
 *	calls to look names up (dns_lookup, dns_reply_ref, dns_reply_free,
 *	dns_status_name and the dns_batch_* functions), so that a target
 *	links no network code.
 *
 *	By default, and after stub_dns_none(), there is no DNS: a lookup
 *	aborts, so a target whose code must not ask DNS (a parser) fails
 *	the moment it does.
 *
 *	stub_dns_zone() answers from text instead, one record a line:
 *
 *	    NAME TXT DATA	one TXT record: DATA is every byte after
 *				the space, NUL bytes included
 *	    NAME A [a.b.c.d]	an A record (default 192.0.2.1)
 *	    NAME AAAA		an AAAA record, 2001:db8::1
 *	    NAME MX [PREF] HOST	an MX record (a HOST of "." is the root)
 *	    NAME TEMPFAIL	every question about NAME fails (SERVFAIL)
 *
 *	Names compare case-insensitively, without a final dot.  A name
 *	with no line is NXDOMAIN; a name with lines but none of the type
 *	asked is NODATA.  Lines that are none of these are skipped; at
 *	most STUB_DNS_MAX_RR lines are read, the rest ignored.  The text is
 *	copied.  stub_dns_lookups() counts the questions asked since the
 *	last stub_dns_zone() or stub_dns_none().
 */
#ifndef AUTHMILTER_STUB_DNS_H
#define AUTHMILTER_STUB_DNS_H

#include <stddef.h>

#define STUB_DNS_MAX_RR	128	/* zone lines read */

void	stub_dns_none(void);
void	stub_dns_zone(const char *, size_t);
size_t	stub_dns_lookups(void);

#endif
