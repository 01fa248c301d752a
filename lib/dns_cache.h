/*
 * NAME
 *	dns_cache - the TTL cache of DNS replies shared by all threads of
 *	a dns_ctx (internal to lib/dns)
 * SYNOPSIS
 *	#include "dns.h"
 *	#include "dns_cache.h"
 *
 *	struct dns_cache *dns_cache_new(size_t max_entries,
 *	         size_t max_bytes);
 *	struct dns_cache *dns_cache_ref(struct dns_cache *cache);
 *	void dns_cache_free(struct dns_cache *cache);
 *
 *	struct dns_reply *dns_cache_get(struct dns_cache *cache,
 *	         const char *name, uint16_t qtype, uint64_t now_ms);
 *	void dns_cache_put(struct dns_cache *cache, const char *name,
 *	         uint16_t qtype, struct dns_reply *r, uint64_t expires_ms);
 *	size_t dns_cache_count(struct dns_cache *cache);
 *	size_t dns_cache_bytes(struct dns_cache *cache);
 *
 *	enum dns_join dns_cache_join(struct dns_cache *cache,
 *	         const char *name, uint16_t qtype, uint64_t now_ms, int lead,
 *	         struct dns_reply **hit, struct dns_flight **flight);
 *	void dns_cache_land(struct dns_cache *cache,
 *	         struct dns_flight *flight, struct dns_reply *r,
 *	         uint64_t expires_ms);
 *	struct dns_reply *dns_cache_wait(struct dns_cache *cache,
 *	         struct dns_flight *flight, uint64_t until_ms);
 *	uint64_t dns_cache_now_ms(void);
 * DESCRIPTION
 *	Replies are keyed by (name, qtype); the name is compared without
 *	regard to ASCII case, and callers pass it without a trailing dot.
 *	The cache is split into up to 64 shards (a power of two, never more
 *	than max_entries, and fewer when a shard would get less than 64 KB),
 *	each with its own mutex, hash table and LRU list; the shard
 *	capacities add up to exactly max_entries and max_bytes.  An entry
 *	counts the reply's r->size, its key and its own bookkeeping (each
 *	allocation with 16 bytes of malloc overhead); a put evicts the
 *	shard's least recently used entries until the new one fits both
 *	bounds, and a reply larger than a whole shard is not stored (an
 *	older entry of its key is dropped).  A lookup takes only the lock
 *	of its shard.  A cache of 0 entries or 0 bytes stores nothing.
 *
 *	dns_cache_get() returns a new reference to the cached reply (the
 *	caller frees it with dns_reply_free()), or NULL when there is none
 *	or it expired at now_ms (an expired entry is dropped).
 *	dns_cache_put() stores a new reference to r (the caller keeps its
 *	own) until expires_ms, replacing an entry of the same key; a reply
 *	that is already expired is not stored.  Times are milliseconds of
 *	the monotonic clock, as dns_cache_now_ms() returns them.
 *	dns_cache_count() is the number of entries held, dns_cache_bytes()
 *	the bytes accounted to them (for tests).  A cache starts with one
 *	owner; dns_cache_ref() adds one (two dns_ctx share a cache across a
 *	reload); dns_cache_free() drops one, and the last drops every
 *	reference the cache holds and frees it.
 *
 *	The cache also keeps the table of queries in flight, so that
 *	threads asking the same (name, qtype) at once make one query
 *	(single-flight).  dns_cache_join() looks the key up under its
 *	shard's lock: a live cached reply is DNS_JOIN_HIT (*hit is a new
 *	reference); a flight of that key is DNS_JOIN_FOLLOW (*flight, to
 *	wait for); otherwise, if lead is set, a new flight is registered and
 *	the caller leads it (DNS_JOIN_LEAD), else DNS_JOIN_MISS.  A leader
 *	must land its flight with dns_cache_land(), whatever happens, and
 *	must not wait for any other flight before it does: it caches r until
 *	expires_ms (0: not at all), hands r (a new reference each) to every
 *	follower, and removes the flight from the table, after the cache
 *	has the reply.  r NULL abandons the flight: followers get NULL and
 *	ask themselves.  A follower calls dns_cache_wait() exactly once: it
 *	waits until the flight lands or until_ms passes (UINT64_MAX: no
 *	limit; 0 only takes a reply already there) and returns a new
 *	reference to the reply, or NULL if the flight was abandoned or time
 *	ran out.  A flight is freed when its leader and followers are done.
 *
 *	All functions are safe to call from many threads at once, but the
 *	last dns_cache_free() must come after every other use.
 * DIAGNOSTICS
 *	None: out of memory aborts in the x* allocators.
 */
#ifndef AUTHMILTER_DNS_CACHE_H
#define AUTHMILTER_DNS_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct dns_reply;
struct dns_cache;
struct dns_flight;

enum dns_join {
	DNS_JOIN_HIT,		/* a cached reply */
	DNS_JOIN_FOLLOW,	/* a query in flight: wait for it */
	DNS_JOIN_LEAD,		/* a new flight: ask, then land it */
	DNS_JOIN_MISS		/* neither, and lead was not asked */
};

struct dns_cache *dns_cache_new(size_t, size_t);
struct dns_cache *dns_cache_ref(struct dns_cache *);
void		 dns_cache_free(struct dns_cache *);
struct dns_reply *dns_cache_get(struct dns_cache *, const char *, uint16_t,
		    uint64_t);
void		 dns_cache_put(struct dns_cache *, const char *, uint16_t,
		    struct dns_reply *, uint64_t);
size_t		 dns_cache_count(struct dns_cache *);
size_t		 dns_cache_bytes(struct dns_cache *);
enum dns_join	 dns_cache_join(struct dns_cache *, const char *, uint16_t,
		    uint64_t, int, struct dns_reply **, struct dns_flight **);
void		 dns_cache_land(struct dns_cache *, struct dns_flight *,
		    struct dns_reply *, uint64_t);
struct dns_reply *dns_cache_wait(struct dns_cache *, struct dns_flight *,
		    uint64_t);
uint64_t	 dns_cache_now_ms(void);

#endif
