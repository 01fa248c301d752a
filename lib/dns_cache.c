/*
 * dns_cache.c - sharded, bounded TTL cache of immutable DNS replies
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "util.h"
#include "dns.h"
#include "dns_cache.h"

#define CACHE_MAX_SHARDS	64
#define CACHE_MIN_SHARD_BYTES	(64 * 1024)	/* below this, fewer shards */
#define CACHE_ALLOC_OVERHEAD	16	/* malloc's bytes per allocation */

struct cache_entry {
	struct cache_entry	*hnext;		/* hash chain */
	struct cache_entry	*prev, *next;	/* LRU, most recent first */
	uint64_t		 hash;
	uint64_t		 expires;
	uint16_t		 qtype;
	size_t			 size;		/* bytes accounted */
	char			*name;		/* lowercase */
	struct dns_reply	*reply;
};

struct cache_shard {
	pthread_mutex_t		 lock;
	struct cache_entry	**bucket;
	size_t			 nbuckets;	/* a power of two */
	size_t			 count;
	size_t			 max;
	size_t			 bytes;		/* accounted, at most max_bytes */
	size_t			 max_bytes;
	struct cache_entry	*head, *tail;
};

struct dns_cache {
	struct cache_shard	*shard;
	size_t			 nshards;	/* a power of two */
	uint64_t		 seed;
	int			 refs;
};

/* cache_hash - seeded FNV-1a of the lowercased name and the type, mixed */
static uint64_t
cache_hash(const struct dns_cache *c, const char *name, uint16_t qtype)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ c->seed;
	const unsigned char *p;
	unsigned char ch;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		ch = *p;
		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		h = (h ^ ch) * 0x100000001b3ULL;
	}
	h = (h ^ (qtype & 0xff)) * 0x100000001b3ULL;
	h = (h ^ (qtype >> 8)) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* cache_shard_of - the shard a hash belongs to (high bits) */
static struct cache_shard *
cache_shard_of(struct dns_cache *c, uint64_t hash)
{
	return &c->shard[(hash >> 40) & (c->nshards - 1)];
}

/* dns_cache_now_ms - milliseconds of the monotonic clock */
uint64_t
dns_cache_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* dns_cache_new - a cache of at most max_entries replies and max_bytes */
struct dns_cache *
dns_cache_new(size_t max_entries, size_t max_bytes)
{
	struct dns_cache *c;
	struct cache_shard *s;
	size_t i, per;

	if (max_entries == 0 || max_bytes == 0)
		max_entries = max_bytes = 0;
	c = xcalloc(1, sizeof(*c));
	c->refs = 1;
	c->nshards = 1;
	while (c->nshards * 2 <= CACHE_MAX_SHARDS &&
	    c->nshards * 2 <= max_entries &&
	    max_bytes / (c->nshards * 2) >= CACHE_MIN_SHARD_BYTES)
		c->nshards *= 2;
	if (getrandom(&c->seed, sizeof(c->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(c->seed))
		c->seed = (uint64_t)(uintptr_t)c ^ dns_cache_now_ms();
	c->shard = xcalloc(c->nshards, sizeof(*c->shard));
	for (i = 0; i < c->nshards; i++) {
		s = &c->shard[i];
		pthread_mutex_init(&s->lock, NULL);
		s->max = max_entries / c->nshards +
		    (i < max_entries % c->nshards ? 1 : 0);
		s->max_bytes = max_bytes / c->nshards +
		    (i < max_bytes % c->nshards ? 1 : 0);
		per = 16;
		while (per < s->max && per < ((size_t)1 << 24))
			per *= 2;
		s->nbuckets = per;
		s->bucket = xcalloc(per, sizeof(*s->bucket));
	}
	return c;
}

/* dns_cache_ref - one more owner of a cache */
struct dns_cache *
dns_cache_ref(struct dns_cache *c)
{
	if (c != NULL)
		__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

/* cache_unlink - take an entry out of its shard's table and LRU list */
static void
cache_unlink(struct cache_shard *s, struct cache_entry *e)
{
	struct cache_entry **pp;

	for (pp = &s->bucket[e->hash & (s->nbuckets - 1)]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		s->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		s->tail = e->prev;
	s->count--;
	s->bytes -= e->size;
}

/* cache_entry_free - free an entry unlinked from its shard */
static void
cache_entry_free(struct cache_entry *e)
{
	if (e == NULL)
		return;
	dns_reply_free(e->reply);
	free(e->name);
	free(e);
}

/* cache_find - the entry of a key in a locked shard, or NULL */
static struct cache_entry *
cache_find(struct cache_shard *s, uint64_t hash, const char *name,
    uint16_t qtype)
{
	struct cache_entry *e;

	for (e = s->bucket[hash & (s->nbuckets - 1)]; e != NULL; e = e->hnext)
		if (e->hash == hash && e->qtype == qtype &&
		    str_caseeq(e->name, name))
			return e;
	return NULL;
}

/* cache_to_front - make an entry the most recently used of its shard */
static void
cache_to_front(struct cache_shard *s, struct cache_entry *e)
{
	if (s->head == e)
		return;
	e->prev->next = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		s->tail = e->prev;
	e->prev = NULL;
	e->next = s->head;
	s->head->prev = e;
	s->head = e;
}

/* dns_cache_get - a new reference to a live cached reply, or NULL */
struct dns_reply *
dns_cache_get(struct dns_cache *c, const char *name, uint16_t qtype,
    uint64_t now)
{
	struct cache_shard *s;
	struct cache_entry *e, *dead = NULL;
	struct dns_reply *r = NULL;
	uint64_t hash;

	if (c == NULL)
		return NULL;
	hash = cache_hash(c, name, qtype);
	s = cache_shard_of(c, hash);
	pthread_mutex_lock(&s->lock);
	if ((e = cache_find(s, hash, name, qtype)) != NULL) {
		if (now >= e->expires) {
			cache_unlink(s, e);
			dead = e;
		} else {
			cache_to_front(s, e);
			r = dns_reply_ref(e->reply);
		}
	}
	pthread_mutex_unlock(&s->lock);
	cache_entry_free(dead);
	return r;
}

/* cache_entry_size - the bytes an entry of a reply holds */
static size_t
cache_entry_size(const char *name, const struct dns_reply *r)
{
	return sizeof(struct cache_entry) + strlen(name) + 1 +
	    2 * CACHE_ALLOC_OVERHEAD + r->size;
}

/*
 * dns_cache_put - keep a reference to a reply until it expires, evicting
 * the least recently used entries of its shard to make room
 */
void
dns_cache_put(struct dns_cache *c, const char *name, uint16_t qtype,
    struct dns_reply *r, uint64_t expires)
{
	struct cache_shard *s;
	struct cache_entry *e, *old, *evicted = NULL;
	uint64_t hash;
	size_t size;

	if (c == NULL || r == NULL || expires <= dns_cache_now_ms())
		return;
	hash = cache_hash(c, name, qtype);
	s = cache_shard_of(c, hash);
	size = cache_entry_size(name, r);
	if (s->max == 0)
		return;
	e = NULL;
	if (size <= s->max_bytes) {
		e = xcalloc(1, sizeof(*e));
		e->hash = hash;
		e->expires = expires;
		e->qtype = qtype;
		e->size = size;
		e->name = xstrdup(name);
		str_lower(e->name);
		e->reply = dns_reply_ref(r);
	}

	pthread_mutex_lock(&s->lock);
	if ((old = cache_find(s, hash, name, qtype)) != NULL) {
		cache_unlink(s, old);
		old->next = evicted;
		evicted = old;
	}
	while (e != NULL && s->tail != NULL && (s->count >= s->max ||
	    s->bytes + size > s->max_bytes)) {
		old = s->tail;
		cache_unlink(s, old);
		old->next = evicted;
		evicted = old;
	}
	if (e != NULL) {
		e->hnext = s->bucket[hash & (s->nbuckets - 1)];
		s->bucket[hash & (s->nbuckets - 1)] = e;
		e->prev = NULL;
		e->next = s->head;
		if (s->head != NULL)
			s->head->prev = e;
		else
			s->tail = e;
		s->head = e;
		s->count++;
		s->bytes += size;
	}
	pthread_mutex_unlock(&s->lock);
	while (evicted != NULL) {
		old = evicted->next;
		cache_entry_free(evicted);
		evicted = old;
	}
}

/* dns_cache_count - entries held in all shards */
size_t
dns_cache_count(struct dns_cache *c)
{
	size_t i, n = 0;

	if (c == NULL)
		return 0;
	for (i = 0; i < c->nshards; i++) {
		pthread_mutex_lock(&c->shard[i].lock);
		n += c->shard[i].count;
		pthread_mutex_unlock(&c->shard[i].lock);
	}
	return n;
}

/* dns_cache_bytes - bytes accounted to the entries of all shards */
size_t
dns_cache_bytes(struct dns_cache *c)
{
	size_t i, n = 0;

	if (c == NULL)
		return 0;
	for (i = 0; i < c->nshards; i++) {
		pthread_mutex_lock(&c->shard[i].lock);
		n += c->shard[i].bytes;
		pthread_mutex_unlock(&c->shard[i].lock);
	}
	return n;
}

/* dns_cache_free - drop a reference; the last drops every entry */
void
dns_cache_free(struct dns_cache *c)
{
	struct cache_entry *e, *next;
	size_t i;

	if (c == NULL ||
	    __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (i = 0; i < c->nshards; i++) {
		for (e = c->shard[i].head; e != NULL; e = next) {
			next = e->next;
			cache_entry_free(e);
		}
		free(c->shard[i].bucket);
		pthread_mutex_destroy(&c->shard[i].lock);
	}
	free(c->shard);
	free(c);
}
