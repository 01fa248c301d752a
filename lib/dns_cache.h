/*
 * NAME
 *	dns_cache - the TTL cache of DNS replies shared by all threads of
 *	a dns_ctx (internal to lib/dns)
 * SYNOPSIS
 *	#include "dns.h"
 *	#include "dns_cache.h"
 *
 *	struct dns_cache *dns_cache_new(size_t max_entries);
 *	void dns_cache_free(struct dns_cache *cache);
 *
 *	struct dns_reply *dns_cache_get(struct dns_cache *cache,
 *	         const char *name, uint16_t qtype, uint64_t now_ms);
 *	void dns_cache_put(struct dns_cache *cache, const char *name,
 *	         uint16_t qtype, struct dns_reply *r, uint64_t expires_ms);
 *	size_t dns_cache_count(struct dns_cache *cache);
 *	uint64_t dns_cache_now_ms(void);
 * DESCRIPTION
 *	Replies are keyed by (name, qtype); the name is compared without
 *	regard to ASCII case, and callers pass it without a trailing dot.
 *	The cache is split into up to 64 shards (a power of two, never more
 *	than max_entries), each with its own mutex, hash table and LRU list;
 *	the shard capacities add up to exactly max_entries, and a full shard
 *	evicts its least recently used entry.  A lookup takes only the lock
 *	of its shard.
 *
 *	dns_cache_get() returns a new reference to the cached reply (the
 *	caller frees it with dns_reply_free()), or NULL when there is none
 *	or it expired at now_ms (an expired entry is dropped).
 *	dns_cache_put() stores a new reference to r (the caller keeps its
 *	own) until expires_ms, replacing an entry of the same key; a reply
 *	that is already expired is not stored.  Times are milliseconds of
 *	the monotonic clock, as dns_cache_now_ms() returns them.
 *	dns_cache_count() is the number of entries held (for tests).
 *	dns_cache_free() drops every reference the cache holds.
 *
 *	All functions but dns_cache_new() and dns_cache_free() are safe to
 *	call from many threads at once.
 * DIAGNOSTICS
 *	None: out of memory aborts in the x* allocators.
 */
#ifndef AUTHMILTER_DNS_CACHE_H
#define AUTHMILTER_DNS_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct dns_reply;
struct dns_cache;

struct dns_cache *dns_cache_new(size_t);
void		 dns_cache_free(struct dns_cache *);
struct dns_reply *dns_cache_get(struct dns_cache *, const char *, uint16_t,
		    uint64_t);
void		 dns_cache_put(struct dns_cache *, const char *, uint16_t,
		    struct dns_reply *, uint64_t);
size_t		 dns_cache_count(struct dns_cache *);
uint64_t	 dns_cache_now_ms(void);

#endif
