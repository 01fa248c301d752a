/*
 * dkim_dns.c - libopendkim's DNS queries answered by our DNS layer
 */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "dkim_dns.h"
#include "dns.h"
#include "util.h"

struct dkim_query {
	int	status;		/* DKIM_DNS_SUCCESS or DKIM_DNS_ERROR */
	size_t	bytes;
};

static _Thread_local struct dns_client *bound_client;
static _Thread_local struct dns_batch *bound_batch;

/* dkim_dns_bind - the DNS client this thread's DKIM lookups use */
void
dkim_dns_bind(struct dns_client *dc)
{
	bound_client = dc;
}

/* dkim_dns_bind_batch - the prefetched answers this thread's lookups use */
void
dkim_dns_bind_batch(struct dns_batch *b)
{
	bound_batch = b;
}

/* query_start - look the name up now; the reply waits in buf */
static int
query_start(void *service, int type, unsigned char *query,
    unsigned char *buf, size_t buflen, void **qh)
{
	struct dkim_query *q = xcalloc(1, sizeof(*q));
	struct dns_reply *r;

	(void)service;
	q->status = DKIM_DNS_ERROR;
	r = NULL;
	if (type > 0 && type <= 0xffff) {
		r = dns_batch_reply(bound_batch, (const char *)query,
		    (uint16_t)type);
		if (r == NULL && bound_client != NULL)
			r = dns_lookup(bound_client, (const char *)query,
			    (uint16_t)type);
	}
	if (r != NULL) {
		if (r->status != DNS_TEMPFAIL && r->wire != NULL &&
		    r->wirelen <= buflen) {
			memcpy(buf, r->wire, r->wirelen);
			q->bytes = r->wirelen;
			q->status = DKIM_DNS_SUCCESS;
		}
		dns_reply_free(r);
	}
	*qh = q;
	return DKIM_DNS_SUCCESS;
}

/* query_waitreply - report the reply query_start stored */
static int
query_waitreply(void *service, void *qh, struct timeval *timeout,
    size_t *bytes, int *error, int *dnssec)
{
	struct dkim_query *q = qh;

	(void)service;
	(void)timeout;
	if (bytes != NULL)
		*bytes = q->bytes;
	if (error != NULL)
		*error = 0;
	if (dnssec != NULL)
		*dnssec = DKIM_DNSSEC_UNKNOWN;
	return q->status;
}

/* query_cancel - forget a query */
static int
query_cancel(void *service, void *qh)
{
	(void)service;
	free(qh);
	return DKIM_DNS_SUCCESS;
}

/* service_init - nothing to set up: the service is the bound client */
static int
service_init(void **service)
{
	*service = &bound_client;
	return 0;
}

/* service_close - nothing to tear down */
static void
service_close(void *service)
{
	(void)service;
}

/* dkim_dns_attach - route a DKIM_LIB's queries through our layer */
void
dkim_dns_attach(DKIM_LIB *lib)
{
	/* a non-NULL service keeps libopendkim from its own resolver */
	dkim_dns_set_query_service(lib, &bound_client);
	dkim_dns_set_init(lib, service_init);
	dkim_dns_set_close(lib, service_close);
	dkim_dns_set_query_start(lib, query_start);
	dkim_dns_set_query_waitreply(lib, query_waitreply);
	dkim_dns_set_query_cancel(lib, query_cancel);
}
