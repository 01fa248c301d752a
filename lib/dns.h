/*
 * NAME
 *	dns - all of authmilter's DNS: ldns wire format, our own UDP/TCP
 *	transport, one shared TTL cache, answers classified for SPF, DKIM
 *	and DMARC
 * SYNOPSIS
 *	#include "dns.h"
 *
 *	int  dns_parse_server(const char *spec, struct dns_server *out);
 *	int  dns_servers_from_resolv_conf(const char *path,
 *	         struct dns_options *opt);
 *
 *	struct dns_ctx *dns_ctx_new(const struct dns_options *opt);
 *	struct dns_ctx *dns_ctx_reload(const struct dns_options *opt,
 *	         const struct dns_ctx *old);
 *	int  dns_ctx_shares_cache(const struct dns_ctx *a,
 *	         const struct dns_ctx *b);
 *	void dns_ctx_free(struct dns_ctx *ctx);
 *
 *	struct dns_client *dns_client_new(struct dns_ctx *ctx);
 *	void dns_client_free(struct dns_client *dc);
 *	void dns_client_set_budget(struct dns_client *dc, long ms);
 *	long dns_client_budget(const struct dns_client *dc);
 *
 *	struct dns_reply *dns_lookup(struct dns_client *dc, const char *name,
 *	         uint16_t qtype);
 *	struct dns_reply *dns_reply_ref(struct dns_reply *r);
 *	void dns_reply_free(struct dns_reply *r);
 *	const char *dns_status_name(enum dns_status status);
 *
 *	struct dns_reply *dns_reply_parse(const char *name, uint16_t qtype,
 *	         const unsigned char *wire, size_t len);
 *
 *	struct dns_batch *dns_batch_start(struct dns_client *dc,
 *	         const char *const *names, const uint16_t *types, size_t n);
 *	void dns_batch_wait(struct dns_batch *b);
 *	struct dns_reply *dns_batch_reply(struct dns_batch *b,
 *	         const char *name, uint16_t qtype);
 *	void dns_batch_free(struct dns_batch *b);
 * DESCRIPTION
 *	A dns_ctx is shared by every thread: the options (name servers,
 *	timeout, tries) and one cache.  It is built once per configuration
 *	and freed when no client uses it any more (the caller keeps that
 *	promise: free clients first).  dns_ctx_new() copies opt; a
 *	timeout_ms or tries of 0 or less takes the default (5000 ms, 2).
 *
 *	dns_ctx_reload() is dns_ctx_new() for a configuration that replaces
 *	another (SIGHUP): when old (may be NULL) has the same name servers,
 *	in the same order, and the same cache_entries, cache_bytes and
 *	fail_ttl (defaults taken), the new context shares old's cache
 *	(reference counted, freed with the last context using it), so a
 *	reload does not forget what was learnt; otherwise it gets an empty
 *	one.  timeout_ms and tries may differ: they do not change what an
 *	answer means.  Both contexts stay usable, from any threads, and are
 *	freed independently.  dns_ctx_shares_cache() tells whether two
 *	contexts use one cache.
 *
 *	A dns_client belongs to one thread at a time (libmilter runs one
 *	thread per SMTP connection, so a session owns one).  It holds the
 *	receive buffer; each try opens its own socket, so that every query
 *	leaves from a fresh random port with a fresh random id.  It is not
 *	thread-safe, and need not be.  With no name servers in the options,
 *	every lookup that misses the cache is DNS_TEMPFAIL.
 *
 *	A client may be given a time budget: dns_client_set_budget(dc, ms)
 *	allows ms milliseconds of waiting from then on (a negative ms, the
 *	default: no limit).  The budget is charged with the time spent
 *	inside dns_lookup() and dns_batch_wait() (and dns_batch_reply(),
 *	which waits), and only that: time between calls, while the caller
 *	does other things, costs nothing, and neither does a batch's query
 *	whose answer arrived before the wait began.  No wait goes past the
 *	budget: a try's timeout, a TCP exchange and a wait for another
 *	thread's query are all cut at it.  What is not answered by then is
 *	DNS_TEMPFAIL with r->cause DNS_CAUSE_DEADLINE, and is not cached
 *	(another client may have time left).  Once the budget is spent,
 *	every question the cache does not answer is such a TEMPFAIL at
 *	once, without a query; answers already cached, or already arrived
 *	for a batch, are still given.  dns_client_budget() is what is
 *	left (-1: no limit).  The session gives each message its budget
 *	(DNSMessageTimeout).
 *
 *	Identical questions are asked once (single-flight): while a
 *	dns_lookup() of (name, qtype) waits for its answer, a dns_lookup()
 *	of the same question from any other thread of the dns_ctx (or of a
 *	dns_ctx sharing its cache) makes no query and waits for that one's
 *	answer, and so does a batch started meanwhile; likewise the queries
 *	of a batch are shared while dns_batch_wait() waits for them.  (Two
 *	batches started at the same time, before either waits, each ask.)
 *	This holds with the cache turned off too.
 *
 *	dns_lookup() asks the cache, then the name servers in order, each
 *	try waiting opt->timeout_ms, for at most opt->tries rounds over
 *	the list.  A truncated UDP answer is asked again over TCP.  Only
 *	answers whose id, question and source match are taken; others are
 *	ignored and the wait goes on (so garbage or a spoofed reply costs a
 *	timeout, never a wrong answer).  A server that answers SERVFAIL,
 *	REFUSED or another error rcode is left for the next one.  A query
 *	carries RD=1 and EDNS0 (UDP size 1232).  The reply is never NULL and
 *	is classified:
 *
 *	DNS_DATA	rcode NOERROR and at least one record of qtype
 *			(after following CNAMEs inside the answer);
 *	DNS_NODATA	NOERROR (or NXDOMAIN with a CNAME) and no record of
 *			qtype;
 *	DNS_NXDOMAIN	the name does not exist, or cannot exist: a name
 *			that cannot be asked (empty, over 253 characters,
 *			an empty label or one over 63) is DNS_NXDOMAIN
 *			without any query (ttl 0, not cached, r->cause
 *			DNS_CAUSE_BAD_NAME);
 *	DNS_TEMPFAIL	timeout on every try, SERVFAIL, REFUSED, or a
 *			malformed or hostile answer; or the client's time
 *			budget ran out (r->cause DNS_CAUSE_DEADLINE).
 *
 *	A name may end in one dot; that dot is ignored.  Every other byte
 *	is taken literally as part of a label (no backslash escapes).
 *
 *	CNAMEs are followed inside the one answer, at most 8 steps, from the
 *	name asked to the records of qtype; there is no new query for a
 *	target (a recursive server answers the whole chain).  A chain that
 *	does not reach records of qtype (a loop, more than 8 steps, or a
 *	target without data) is DNS_NODATA.  Only records of qtype owned by
 *	the end of the chain go into r->rr.  For qtype DNS_T_CNAME the
 *	chain is not followed.
 *
 *	Records are decoded into r->rr[0..count-1]: A and AAAA into
 *	family/addr, MX into pref and text (the exchange), PTR, CNAME and
 *	NS into text, TXT (and SPF) into text with all character-strings
 *	joined without separator (RFC 7208 3.3, RFC 6376 3.6.2.2).  Names
 *	in text are lowercase without the trailing dot (the root, as in a
 *	null MX, is ""); a record whose name has a label holding a dot or a
 *	zero byte is dropped, since its text would be ambiguous.  Records
 *	of other types keep only their type.  Binary zeros in
 *	TXT strings are kept as they are in rr[i].len bytes; text is still
 *	NUL-terminated at that length.  Every TXT (and SPF) record of the
 *	answer is decoded, since SPF, DMARC and DKIM each pick one record
 *	among them (a record past a cap would be missed, and two SPF
 *	records taken for one); the 64 KB message bounds their number.  Of
 *	the other types at most DNS_MAX_RR records are decoded, the rest
 *	ignored.  The DNS message itself is not kept.  r->cause says
 *	where the status comes from: DNS_CAUSE_SERVER (the answer, or the
 *	servers' failure), DNS_CAUSE_BAD_NAME (see DNS_NXDOMAIN above) or
 *	DNS_CAUSE_DEADLINE (the client's budget ran out, see above).
 *	r->size is what the reply holds in bytes (its allocations, each
 *	counted with malloc's overhead), for the cache.  r->ttl is the smallest TTL of the records used (CNAMEs
 *	included), as received, capped at DNS_MAX_TTL; for a negative answer
 *	it is the smaller of the SOA's TTL and minimum, or 300 without SOA.
 *
 *	The cache holds DATA, NODATA and NXDOMAIN answers until their TTL
 *	(for negative answers the SOA minimum, RFC 2308) expires, capped
 *	at DNS_MAX_TTL.  A resolution failure (DNS_TEMPFAIL after every try:
 *	timeouts, SERVFAIL, REFUSED, garbage) is cached too, for
 *	opt->fail_ttl seconds (0 takes DNS_DEF_FAIL_TTL, 30; at most
 *	DNS_FAIL_TTL_MAX, 300), as RFC 9520 asks of resolvers, so that a
 *	zone that answers slowly or not at all costs one wait per fail_ttl,
 *	not one per message.  A TEMPFAIL that no server caused (a name not
 *	asked) is not cached.  It is bounded both by
 *	opt->cache_entries (0 turns it off) and by opt->cache_bytes (0
 *	takes DNS_DEF_CACHE_BYTES, 16 MB): each entry is accounted with its
 *	reply's r->size, its key and its bookkeeping, and the least
 *	recently used entries are evicted until a new one fits.  A reply
 *	larger than its type may keep is used by the lookup that asked but
 *	not cached: DNS_KEEP_TXT_MAX (16384 bytes) for TXT and SPF,
 *	DNS_KEEP_RR_MAX (8192) for the other types.  A hostile zone's large
 *	answers (up to 64 KB messages) thus cost a query
 *	each, never cache memory.  The cache is split into shards, each
 *	with its own lock, so that no lock is global.  Replies are
 *	reference counted and immutable: the caller frees its reference
 *	with dns_reply_free(), whether it came from the cache or not.
 *	dns_reply_ref() takes one more reference (atomically) and returns r;
 *	dns_reply_free(NULL) does nothing.
 *
 *	dns_reply_parse() classifies a DNS message received for (name,
 *	qtype) exactly as dns_lookup() does, without any network or cache:
 *	for tests and fuzzing.  It does not check the id.  A message that
 *	is not a response to that question, or has an error rcode, is a
 *	DNS_TEMPFAIL reply.
 *
 *	dns_status_name() gives "data", "nodata", "nxdomain" or "tempfail".
 *
 *	A batch asks many questions at once, so that a caller waits for
 *	the slowest answer, not for their sum (DKIM keys at end of
 *	headers).  dns_batch_start() looks each (names[i], types[i]) up in
 *	the cache and sends a UDP query for each one missing that no other
 *	thread is asking already (that one's answer is taken instead), every
 *	one from its own socket with its own id, and returns without
 *	waiting; with the client's budget spent it sends none (see above).
 *	dns_batch_wait() waits until every query has its answer: each try
 *	waits opt->timeout_ms from its own sending, an unanswered or
 *	refused try is sent again to the next server, for at most
 *	opt->tries rounds over the list, exactly as dns_lookup() does; the
 *	same id, question and source checks apply; a truncated answer is
 *	asked again over TCP there and then (synchronously).  Answers are
 *	classified as by dns_lookup() and put into the cache under the
 *	same rules.  dns_batch_reply() waits for the batch if needed and
 *	returns a new reference to its answer for (name, qtype) (the name
 *	compared without regard to ASCII case or a final dot), or NULL if
 *	the batch did not ask that question; so a batch holds its answers
 *	even with the cache turned off.  dns_batch_free() closes what is in
 *	flight and frees the batch and its references.  A batch belongs to
 *	the thread of its client and uses the client's receive buffer; the
 *	client must outlive it.  dns_batch_wait() and dns_batch_free()
 *	accept NULL.
 *
 *	lib/metrics counts every question dns_lookup() and
 *	dns_batch_start() take: answered from the cache or not, and each
 *	one sent to the servers with how it ended and its time from the
 *	first try (metrics_dns_cache(), metrics_dns_query()).
 *
 *	dns_parse_server() takes "ADDR" or "ADDR:PORT" for IPv4, "ADDR" or
 *	"[ADDR]:PORT" (or "[ADDR]") for IPv6, with an optional "%scope" on
 *	an IPv6 address; the port defaults to 53.
 *	dns_servers_from_resolv_conf() replaces opt->servers with the
 *	"nameserver" lines of the file (NULL: /etc/resolv.conf), at most
 *	DNS_MAX_SERVERS, skipping bad ones; a file without any gives
 *	127.0.0.1, as resolv.conf(5) says.  Other options are left alone.
 * DIAGNOSTICS
 *	dns_parse_server() and dns_servers_from_resolv_conf() return 0,
 *	or -1 for a bad address or an unreadable file.  Lookup failures
 *	are not errors: they are DNS_TEMPFAIL replies, logged at debug
 *	level with the server and the cause.
 */
#ifndef AUTHMILTER_DNS_H
#define AUTHMILTER_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define DNS_MAX_SERVERS	8
#define DNS_MAX_RR	64	/* records decoded, but of TXT and SPF */
#define DNS_MAX_TTL	86400
#define DNS_DEF_CACHE_BYTES	((size_t)16 << 20)	/* DNSCacheBytes */
#define DNS_CACHE_BYTES_MIN	(64ULL << 10)		/* ... its range */
#define DNS_CACHE_BYTES_MAX	(4ULL << 30)
#define DNS_DEF_FAIL_TTL	30	/* DNSFailureTTL, seconds */
#define DNS_FAIL_TTL_MAX	300	/* RFC 9520: 1 s to 5 minutes */
#define DNS_KEEP_TXT_MAX	16384	/* largest TXT/SPF reply cached */
#define DNS_KEEP_RR_MAX		8192	/* largest reply of another type */

/* query types we use (RFC 1035 and successors) */
#define DNS_T_A		1
#define DNS_T_NS	2
#define DNS_T_CNAME	5
#define DNS_T_SOA	6
#define DNS_T_PTR	12
#define DNS_T_MX	15
#define DNS_T_TXT	16
#define DNS_T_AAAA	28
#define DNS_T_SPF	99

enum dns_status {
	DNS_DATA,
	DNS_NODATA,
	DNS_NXDOMAIN,
	DNS_TEMPFAIL
};

/* where a reply's status comes from */
enum dns_cause {
	DNS_CAUSE_SERVER,	/* the servers' answer, or their failure */
	DNS_CAUSE_BAD_NAME,	/* NXDOMAIN, not asked: the name cannot be */
	DNS_CAUSE_DEADLINE	/* TEMPFAIL: the client's time budget ran out */
};

struct dns_server {
	struct sockaddr_storage	addr;
	socklen_t		addrlen;
};

struct dns_options {
	struct dns_server	servers[DNS_MAX_SERVERS];
	size_t			nservers;
	int			timeout_ms;	/* per try, default 5000 */
	int			tries;		/* rounds over servers, default 2 */
	size_t			cache_entries;	/* 0: no cache */
	size_t			cache_bytes;	/* 0: DNS_DEF_CACHE_BYTES */
	int			fail_ttl;	/* seconds, 0: DNS_DEF_FAIL_TTL */
};

struct dns_rr {
	uint16_t	type;
	uint16_t	pref;		/* MX */
	int		family;		/* A: AF_INET, AAAA: AF_INET6 */
	unsigned char	addr[16];
	char		*text;		/* TXT, MX, PTR, CNAME, NS */
	size_t		len;		/* bytes in text */
};

struct dns_reply {
	enum dns_status	status;
	uint16_t	qtype;
	uint32_t	ttl;
	size_t		count;
	struct dns_rr	*rr;
	enum dns_cause	cause;
	size_t		size;		/* bytes held, for the cache */
	int		refs;		/* owned by dns.c */
};

struct dns_ctx;
struct dns_client;
struct dns_batch;

int		 dns_parse_server(const char *, struct dns_server *);
int		 dns_servers_from_resolv_conf(const char *, struct dns_options *);
struct dns_ctx	*dns_ctx_new(const struct dns_options *);
struct dns_ctx	*dns_ctx_reload(const struct dns_options *,
		    const struct dns_ctx *);
int		 dns_ctx_shares_cache(const struct dns_ctx *,
		    const struct dns_ctx *);
void		 dns_ctx_free(struct dns_ctx *);
struct dns_client *dns_client_new(struct dns_ctx *);
void		 dns_client_free(struct dns_client *);
void		 dns_client_set_budget(struct dns_client *, long);
long		 dns_client_budget(const struct dns_client *);
struct dns_reply *dns_lookup(struct dns_client *, const char *, uint16_t);
struct dns_reply *dns_reply_ref(struct dns_reply *);
void		 dns_reply_free(struct dns_reply *);
const char	*dns_status_name(enum dns_status);
struct dns_reply *dns_reply_parse(const char *, uint16_t,
		    const unsigned char *, size_t);
struct dns_batch *dns_batch_start(struct dns_client *, const char *const *,
		    const uint16_t *, size_t);
void		 dns_batch_wait(struct dns_batch *);
struct dns_reply *dns_batch_reply(struct dns_batch *, const char *,
		    uint16_t);
void		 dns_batch_free(struct dns_batch *);

#endif
