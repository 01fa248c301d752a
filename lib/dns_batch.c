/*
 * dns_batch.c - many queries in flight at once, over the transport and
 *	the shared cache of dns.c
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "dns.h"
#include "dns_cache.h"
#include "dns_int.h"
#include "metrics.h"

/* one query of a batch */
struct dns_batch_q {
	struct dns_question	 q;
	char			*name;		/* as asked, for q.name */
	char			*key;		/* cache key: lowercase, no dot */
	uint8_t			*query;		/* wire query, id patched */
	size_t			 qlen;
	int			 fd;		/* -1 when nothing in flight */
	int			 attempt;	/* tries made so far */
	uint64_t		 deadline;	/* of the try in flight */
	struct dns_flight	*flight;	/* led or followed, or NULL */
	int			 leads;		/* 1: we lead flight */
	struct dns_reply	*r;		/* the answer once known */
	uint64_t		 sent_ns;	/* first try, for the metrics;
						   0: never sent */
};

struct dns_batch {
	struct dns_client	*dc;
	struct dns_batch_q	*qs;
	size_t			 n;
	uint64_t		 limit;		/* no wait past it */
	int			 waited;
};

/* dns_batch_attempts - tries one query gets: rounds over the servers */
static int
dns_batch_attempts(const struct dns_options *opt)
{
	return opt->tries * (int)opt->nservers;
}

/*
 * dns_batch_done - one of our queries has its answer (cut: our time
 * limit ended it): stop its try, cache it, land its flight
 */
static void
dns_batch_done(struct dns_batch *b, struct dns_batch_q *bq,
    struct dns_reply *r, int cut)
{
	struct dns_ctx *ctx = b->dc->ctx;
	uint64_t expires;

	if (bq->fd >= 0) {
		close(bq->fd);
		bq->fd = -1;
	}
	bq->r = r;
	if (bq->sent_ns != 0)
		metrics_dns_query(r->status, metrics_now() - bq->sent_ns);
	expires = dns_expiry(ctx, bq->q.qtype, r, cut);
	if (bq->leads) {
		dns_cache_land(ctx->cache, bq->flight, cut ? NULL : r,
		    expires);
		bq->flight = NULL;
		bq->leads = 0;
	} else if (bq->key != NULL && expires != 0)
		dns_cache_put(ctx->cache, bq->key, bq->q.qtype, r, expires);
}

/*
 * dns_batch_next - close the try in flight and send the next one (next
 * server, next round); TEMPFAIL once every try has been made
 */
static void
dns_batch_next(struct dns_batch *b, struct dns_batch_q *bq)
{
	const struct dns_options *opt = &b->dc->ctx->opt;
	const struct dns_server *srv;

	if (bq->fd >= 0) {
		close(bq->fd);
		bq->fd = -1;
	}
	while (bq->attempt < dns_batch_attempts(opt)) {
		srv = &opt->servers[(size_t)bq->attempt % opt->nservers];
		bq->attempt++;
		if ((bq->fd = dns_udp_open(srv, &bq->q, bq->query,
		    bq->qlen)) >= 0) {
			bq->deadline = dns_cache_now_ms() +
			    (uint64_t)opt->timeout_ms;
			return;
		}
	}
	dns_batch_done(b, bq, dns_reply_new(DNS_TEMPFAIL, bq->q.qtype), 0);
}

/* dns_batch_server - the server of the try in flight */
static const struct dns_server *
dns_batch_server(const struct dns_batch *b, const struct dns_batch_q *bq)
{
	const struct dns_options *opt = &b->dc->ctx->opt;

	return &opt->servers[(size_t)(bq->attempt - 1) % opt->nservers];
}

/*
 * dns_batch_start - send every query of a batch that neither the cache
 * nor another thread's query in flight answers; do not wait
 */
struct dns_batch *
dns_batch_start(struct dns_client *dc, const char *const *names,
    const uint16_t *types, size_t n)
{
	struct dns_batch *b = xcalloc(1, sizeof(*b));
	struct dns_batch_q *bq;
	struct dns_reply *r;
	enum dns_join join;
	size_t i, len;

	b->dc = dc;
	b->n = n;
	b->qs = xcalloc(n > 0 ? n : 1, sizeof(*b->qs));
	for (i = 0; i < n; i++) {
		bq = &b->qs[i];
		bq->fd = -1;
		bq->name = xstrdup(names[i]);
		bq->q.name = bq->name;
		bq->q.qtype = types[i];
		if (dns_name_to_wire(bq->name, &bq->q) != 0) {
			bq->r = dns_reply_bad_name(types[i]);
			continue;
		}
		len = strlen(bq->name);
		bq->key = xstrndup(bq->name, bq->name[len - 1] == '.' ?
		    len - 1 : len);
		str_lower(bq->key);
		join = dns_cache_join(dc->ctx->cache, bq->key, types[i],
		    dns_cache_now_ms(), 0, &r, &bq->flight);
		metrics_dns_cache(join == DNS_JOIN_HIT);
		if (join == DNS_JOIN_HIT) {
			bq->r = r;
			continue;
		}
		if (join == DNS_JOIN_FOLLOW)
			continue;
		if (dc->budget_ms == 0) {	/* out of time: no query */
			bq->r = dns_reply_out_of_time(types[i]);
			continue;
		}
		if (dns_build_query(&bq->q, &bq->query, &bq->qlen) != 0) {
			bq->r = dns_reply_new(DNS_TEMPFAIL, types[i]);
			continue;
		}
		bq->sent_ns = metrics_now();
		dns_batch_next(b, bq);
	}
	return b;
}

/* dns_batch_recv - take what arrived on the socket of one query */
static void
dns_batch_recv(struct dns_batch *b, struct dns_batch_q *bq)
{
	struct dns_client *dc = b->dc;
	const struct dns_server *srv = dns_batch_server(b, bq);
	struct dns_reply *r = NULL;
	const char *why = "timeout";
	ssize_t n;

	while (bq->fd >= 0) {
		n = recv(bq->fd, dns_client_buf(dc), DNS_MSG_MAX, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			dns_log_fail(&bq->q, srv, "udp", strerror(errno));
			dns_batch_next(b, bq);
			return;
		}
		switch (dns_udp_take(srv, &bq->q, bq->query, dc->buf,
		    (size_t)n, &r, &why)) {
		case UDP_IGNORED:
			continue;
		case UDP_ANSWERED:
			dns_batch_done(b, bq, r, 0);
			return;
		case UDP_TRUNCATED:
			close(bq->fd);
			bq->fd = -1;
			if (dns_try_tcp(dc, srv, &bq->q, bq->query, bq->qlen,
			    b->limit, &r) == TRY_ANSWER)
				dns_batch_done(b, bq, r, 0);
			else
				dns_batch_next(b, bq);
			return;
		case UDP_REFUSED:
			dns_log_fail(&bq->q, srv, "udp", why);
			dns_batch_next(b, bq);
			return;
		}
	}
}

/*
 * dns_batch_lead - before waiting, register our queries still in flight
 * so that other threads wait for them instead of asking again; take an
 * answer another thread has cached meanwhile
 */
static void
dns_batch_lead(struct dns_batch *b)
{
	struct dns_cache *cache = b->dc->ctx->cache;
	struct dns_batch_q *bq;
	struct dns_flight *f;
	struct dns_reply *r;
	size_t i;

	for (i = 0; i < b->n; i++) {
		bq = &b->qs[i];
		if (bq->r != NULL || bq->flight != NULL)
			continue;
		switch (dns_cache_join(cache, bq->key, bq->q.qtype,
		    dns_cache_now_ms(), 1, &r, &f)) {
		case DNS_JOIN_HIT:
			if (bq->fd >= 0)
				close(bq->fd);
			bq->fd = -1;
			bq->r = r;
			break;
		case DNS_JOIN_LEAD:
			bq->flight = f;
			bq->leads = 1;
			break;
		case DNS_JOIN_FOLLOW:	/* another thread asks too: go on */
			dns_reply_free(dns_cache_wait(cache, f, 0));
			break;
		case DNS_JOIN_MISS:
			break;
		}
	}
}

/*
 * dns_batch_follow - after our own queries, the answers of the queries
 * of other threads we followed; one abandoned is asked here
 */
static void
dns_batch_follow(struct dns_batch *b)
{
	struct dns_client *dc = b->dc;
	struct dns_batch_q *bq;
	size_t i;

	for (i = 0; i < b->n; i++) {
		bq = &b->qs[i];
		if (bq->r != NULL || bq->flight == NULL)
			continue;
		bq->r = dns_cache_wait(dc->ctx->cache, bq->flight, b->limit);
		bq->flight = NULL;
		if (bq->r == NULL)
			bq->r = dns_resolve(dc, &bq->q, bq->key, b->limit);
	}
}

/* dns_batch_wait - wait until every query of a batch has its answer */
void
dns_batch_wait(struct dns_batch *b)
{
	struct pollfd *pfd;
	struct dns_batch_q **who;
	uint64_t now, first, start;
	size_t i, k;
	int left, rc;

	if (b == NULL || b->waited)
		return;
	b->limit = dns_client_limit(b->dc, &start);
	dns_batch_lead(b);
	pfd = xcalloc(b->n > 0 ? b->n : 1, sizeof(*pfd));
	who = xcalloc(b->n > 0 ? b->n : 1, sizeof(*who));
	for (;;) {
		now = dns_cache_now_ms();
		first = UINT64_MAX;
		k = 0;
		for (i = 0; i < b->n; i++) {
			if (b->qs[i].r != NULL || b->qs[i].fd < 0)
				continue;
			if (b->qs[i].deadline <= now && now < b->limit) {
				dns_log_fail(&b->qs[i].q,
				    dns_batch_server(b, &b->qs[i]), "udp",
				    "timeout");
				dns_batch_next(b, &b->qs[i]);
				if (b->qs[i].r != NULL)
					continue;
			}
			pfd[k].fd = b->qs[i].fd;
			pfd[k].events = POLLIN;
			pfd[k].revents = 0;
			who[k++] = &b->qs[i];
			if (b->qs[i].deadline < first)
				first = b->qs[i].deadline;
		}
		if (k == 0)
			break;
		if (first > b->limit)
			first = b->limit;
		left = first <= now ? 0 : (int)(first - now);
		rc = poll(pfd, (nfds_t)k, left);
		if (rc < 0 && errno != EINTR)
			break;
		for (i = 0; rc > 0 && i < k; i++)
			if (pfd[i].revents != 0)
				dns_batch_recv(b, who[i]);
		if (dns_cache_now_ms() >= b->limit)
			break;
	}
	/* cut by our time limit (or poll failed): a temporary failure */
	for (i = 0; i < b->n; i++)
		if (b->qs[i].r == NULL && b->qs[i].fd >= 0)
			dns_batch_done(b, &b->qs[i],
			    dns_reply_out_of_time(b->qs[i].q.qtype), 1);
	free(pfd);
	free(who);
	dns_batch_follow(b);
	dns_client_charge(b->dc, start);
	b->waited = 1;
}

/* dns_batch_reply - a batch's answer for (name, qtype), or NULL */
struct dns_reply *
dns_batch_reply(struct dns_batch *b, const char *name, uint16_t qtype)
{
	size_t i, len, blen;

	if (b == NULL || name == NULL)
		return NULL;
	dns_batch_wait(b);
	len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		len--;
	for (i = 0; i < b->n; i++) {
		blen = strlen(b->qs[i].name);
		if (blen > 0 && b->qs[i].name[blen - 1] == '.')
			blen--;
		if (b->qs[i].q.qtype == qtype &&
		    dns_wire_caseeq((const unsigned char *)b->qs[i].name,
		    blen, (const unsigned char *)name, len))
			return dns_reply_ref(b->qs[i].r);
	}
	return NULL;
}

/* dns_batch_free - close what is in flight and free a batch */
void
dns_batch_free(struct dns_batch *b)
{
	struct dns_batch_q *bq;
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		bq = &b->qs[i];
		if (bq->flight != NULL && bq->leads)
			dns_cache_land(b->dc->ctx->cache, bq->flight, NULL, 0);
		else if (bq->flight != NULL)
			dns_reply_free(dns_cache_wait(b->dc->ctx->cache,
			    bq->flight, 0));
		if (bq->fd >= 0)
			close(bq->fd);
		dns_reply_free(bq->r);
		free(bq->name);
		free(bq->key);
		free(bq->query);
	}
	free(b->qs);
	free(b);
}
