/*
 * NAME
 *	dns_int - the resolver's internals shared by dns.c (single lookups,
 *	transport, answers) and dns_batch.c (many queries in flight at
 *	once); internal to lib/dns
 * SYNOPSIS
 *	#include "dns.h"
 *	#include "dns_int.h"
 *
 *	uint64_t dns_client_limit(const struct dns_client *dc,
 *	         uint64_t *start);
 *	void dns_client_charge(struct dns_client *dc, uint64_t start);
 *	unsigned char *dns_client_buf(struct dns_client *dc);
 *
 *	struct dns_reply *dns_reply_new(enum dns_status status,
 *	         uint16_t qtype);
 *	struct dns_reply *dns_reply_bad_name(uint16_t qtype);
 *	struct dns_reply *dns_reply_out_of_time(uint16_t qtype);
 *
 *	int dns_name_to_wire(const char *name, struct dns_question *q);
 *	int dns_wire_caseeq(const unsigned char *a, size_t alen,
 *	         const unsigned char *b, size_t blen);
 *	int dns_build_query(const struct dns_question *q, uint8_t **wire,
 *	         size_t *len);
 *
 *	void dns_log_fail(const struct dns_question *q,
 *	         const struct dns_server *srv, const char *proto,
 *	         const char *why);
 *	int dns_udp_open(const struct dns_server *srv,
 *	         const struct dns_question *q, unsigned char *query,
 *	         size_t qlen);
 *	enum dns_udp_rx dns_udp_take(const struct dns_server *srv,
 *	         const struct dns_question *q, const unsigned char *query,
 *	         const unsigned char *buf, size_t n, struct dns_reply **rp,
 *	         const char **why);
 *	enum dns_try dns_try_tcp(struct dns_client *dc,
 *	         const struct dns_server *srv, const struct dns_question *q,
 *	         unsigned char *query, size_t qlen, uint64_t limit,
 *	         struct dns_reply **rp);
 *
 *	uint64_t dns_expiry(const struct dns_ctx *ctx, uint16_t qtype,
 *	         const struct dns_reply *r, int cut);
 *	struct dns_reply *dns_resolve(struct dns_client *dc,
 *	         const struct dns_question *q, const char *key,
 *	         uint64_t limit);
 * DESCRIPTION
 *	struct dns_ctx (options and the shared cache) and struct dns_client
 *	(one thread's buffer and waiting budget) are opaque in dns.h and
 *	defined here.  A struct dns_question is a name as asked: its text
 *	(for log lines), its wire form and its type.
 *
 *	dns_client_limit() starts a call that may wait: *start is now, and
 *	it returns the moment no wait may go past (UINT64_MAX: no limit);
 *	dns_client_charge() ends it, taking its time from the budget.
 *	dns_client_buf() is the client's receive buffer of DNS_MSG_MAX
 *	bytes, made on first use.
 *
 *	dns_reply_new() is an empty reply with one reference;
 *	dns_reply_bad_name() NXDOMAIN for a name that cannot be asked;
 *	dns_reply_out_of_time() TEMPFAIL because the budget ran out.
 *
 *	dns_name_to_wire() fills q's wire form, -1 for a name that cannot be
 *	asked.  dns_wire_caseeq() compares two names without regard to
 *	ASCII case.  dns_build_query() makes the wire query of q (the caller
 *	frees *wire; the id is patched per try), -1 if ldns cannot.
 *
 *	dns_log_fail() logs one debug line for a failed try.  dns_udp_open()
 *	is a fresh non-blocking socket connected to srv with the query sent
 *	under a fresh id, -1 on error.  dns_udp_take() judges one datagram
 *	received for that query (enum dns_udp_rx); an answer is classified
 *	into *rp, a failure described in *why.  dns_try_tcp() asks once over
 *	TCP, the exchange within the timeout and never past limit.
 *
 *	dns_expiry() is until when the cache may keep a reply, 0 for not at
 *	all (cut: our own time limit ended the query).  dns_resolve() is the
 *	reply for q by its cache key: cached, from another thread's query in
 *	flight, or asked and shared; no wait past limit.
 *
 *	A client is used by one thread at a time.
 * DIAGNOSTICS
 *	Failed tries are logged at debug level; out of memory aborts in the
 *	x* allocators.
 */
#ifndef AUTHMILTER_DNS_INT_H
#define AUTHMILTER_DNS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"

#define DNS_MSG_MAX		65535	/* largest DNS message, UDP or TCP */
#define DNS_WIRE_NAME_MAX	255

struct dns_ctx {
	struct dns_options	 opt;
	struct dns_cache	*cache;
};

struct dns_client {
	struct dns_ctx		*ctx;
	unsigned char		*buf;		/* DNS_MSG_MAX bytes, on first use */
	long			 budget_ms;	/* waiting left, -1: no limit */
};

/* what became of one try at one server */
enum dns_try {
	TRY_ANSWER,		/* a classified reply */
	TRY_TRUNCATED,		/* a UDP answer with our id and TC=1 */
	TRY_FAILED		/* timeout, error rcode, nothing usable */
};

/* a question as we asked it */
struct dns_question {
	const char	*name;			/* for log lines */
	unsigned char	 wire[DNS_WIRE_NAME_MAX];
	size_t		 wirelen;
	uint16_t	 qtype;
};

/* what one datagram received for a query means */
enum dns_udp_rx {
	UDP_IGNORED,		/* not ours (id, QR, question): keep waiting */
	UDP_TRUNCATED,		/* ours, TC=1: ask again over TCP */
	UDP_ANSWERED,		/* ours, classified into *rp */
	UDP_REFUSED		/* ours, an error rcode: this try failed */
};

uint64_t	 dns_client_limit(const struct dns_client *, uint64_t *);
void		 dns_client_charge(struct dns_client *, uint64_t);
unsigned char	*dns_client_buf(struct dns_client *);
struct dns_reply *dns_reply_new(enum dns_status, uint16_t);
struct dns_reply *dns_reply_bad_name(uint16_t);
struct dns_reply *dns_reply_out_of_time(uint16_t);
int		 dns_name_to_wire(const char *, struct dns_question *);
int		 dns_wire_caseeq(const unsigned char *, size_t,
		    const unsigned char *, size_t);
int		 dns_build_query(const struct dns_question *, uint8_t **,
		    size_t *);
void		 dns_log_fail(const struct dns_question *,
		    const struct dns_server *, const char *, const char *);
int		 dns_udp_open(const struct dns_server *,
		    const struct dns_question *, unsigned char *, size_t);
enum dns_udp_rx	 dns_udp_take(const struct dns_server *,
		    const struct dns_question *, const unsigned char *,
		    const unsigned char *, size_t, struct dns_reply **,
		    const char **);
enum dns_try	 dns_try_tcp(struct dns_client *, const struct dns_server *,
		    const struct dns_question *, unsigned char *, size_t,
		    uint64_t, struct dns_reply **);
uint64_t	 dns_expiry(const struct dns_ctx *, uint16_t,
		    const struct dns_reply *, int);
struct dns_reply *dns_resolve(struct dns_client *,
		    const struct dns_question *, const char *, uint64_t);

#endif
