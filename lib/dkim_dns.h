/*
 * NAME
 *	dkim_dns - libopendkim's DNS queries answered by our DNS layer
 * SYNOPSIS
 *	#include "dkim_dns.h"
 *
 *	void dkim_dns_attach(DKIM_LIB *lib);
 *	void dkim_dns_bind(struct dns_client *dc);
 *	void dkim_dns_bind_batch(struct dns_batch *b);
 * DESCRIPTION
 *	dkim_dns_attach() installs our query functions in a DKIM_LIB
 *	(dkim_dns_set_query_service/start/waitreply/cancel), so that no
 *	DKIM key lookup uses the system resolver.  Call it once, before
 *	threads start.
 *
 *	A DKIM_LIB is shared by all threads, but a dns_client belongs to
 *	one: dkim_dns_bind() tells the adapter which client the calling
 *	thread's queries go to (a session binds its own client before it
 *	hands libopendkim work that may look up keys).  With no client
 *	bound, a query fails as a temporary error.
 *
 *	dkim_dns_bind_batch() tells the adapter which batch of prefetched
 *	answers (lib/dns dns_batch_start(), started at end of headers) the
 *	calling thread's queries look in first: a question the batch asked
 *	gets the batch's answer, temporary failures included (the batch
 *	already spent the time allowed), without another query and even
 *	with the cache turned off; any other question goes to the bound
 *	client.  NULL unbinds; the caller unbinds before it frees the
 *	batch.
 *
 *	The start function looks the name up (through the shared cache)
 *	and copies the raw DNS reply into libopendkim's buffer; the wait
 *	function reports it.  DATA, NXDOMAIN and NODATA answers are
 *	handed over as the wire message, so libopendkim sees "no key" as
 *	a permanent result; a timeout, SERVFAIL or hostile answer
 *	(DNS_TEMPFAIL) returns DKIM_DNS_ERROR, which libopendkim reports
 *	as DKIM_STAT_KEYFAIL (key retrieval failed: a temperror), never
 *	as a missing key.  A reply larger than libopendkim's buffer is a
 *	temporary error as well.
 */
#ifndef AUTHMILTER_DKIM_DNS_H
#define AUTHMILTER_DKIM_DNS_H

#include <opendkim/dkim.h>

#include "dns.h"

void	dkim_dns_attach(DKIM_LIB *);
void	dkim_dns_bind(struct dns_client *);
void	dkim_dns_bind_batch(struct dns_batch *);

#endif
