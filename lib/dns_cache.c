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
#define CACHE_FLIGHT_BUCKETS	32	/* per shard: a power of two */

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

/* a query in flight: its leader asks, its followers wait for the answer */
struct dns_flight {
	struct dns_flight	*hnext;		/* the shard's flight table */
	uint64_t		 hash;
	uint16_t		 qtype;
	char			*name;		/* lowercase */
	int			 refs;		/* leader, followers: shard lock */
	int			 landed;
	struct dns_reply	*reply;		/* once landed; NULL: abandoned */
	pthread_cond_t		 cond;
};

struct cache_shard {
	pthread_mutex_t		 lock;
	struct dns_flight	*flights[CACHE_FLIGHT_BUCKETS];
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

/*
 * cache_live - with the shard locked: a new reference to the live reply
 * of the key (now the most recently used), or NULL; an expired entry is
 * unlinked and left in *dead for the caller to free after unlocking
 */
static struct dns_reply *
cache_live(struct cache_shard *s, uint64_t hash, const char *name,
    uint16_t qtype, uint64_t now, struct cache_entry **dead)
{
	struct cache_entry *e;

	*dead = NULL;
	if ((e = cache_find(s, hash, name, qtype)) == NULL)
		return NULL;
	if (now >= e->expires) {
		cache_unlink(s, e);
		*dead = e;
		return NULL;
	}
	cache_to_front(s, e);
	return dns_reply_ref(e->reply);
}

/* dns_cache_get - a new reference to a live cached reply, or NULL */
struct dns_reply *
dns_cache_get(struct dns_cache *c, const char *name, uint16_t qtype,
    uint64_t now)
{
	struct cache_shard *s;
	struct cache_entry *dead;
	struct dns_reply *r;
	uint64_t hash;

	if (c == NULL)
		return NULL;
	hash = cache_hash(c, name, qtype);
	s = cache_shard_of(c, hash);
	pthread_mutex_lock(&s->lock);
	r = cache_live(s, hash, name, qtype, now, &dead);
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

/* flight_find - the flight of a key in a locked shard, or NULL */
static struct dns_flight *
flight_find(struct cache_shard *s, uint64_t hash, const char *name,
    uint16_t qtype)
{
	struct dns_flight *f;

	for (f = s->flights[hash & (CACHE_FLIGHT_BUCKETS - 1)]; f != NULL;
	    f = f->hnext)
		if (f->hash == hash && f->qtype == qtype &&
		    str_caseeq(f->name, name))
			return f;
	return NULL;
}

/* flight_unref - drop a reference to a flight (shard locked) */
static void
flight_unref(struct dns_flight *f)
{
	if (--f->refs > 0)
		return;
	dns_reply_free(f->reply);
	pthread_cond_destroy(&f->cond);
	free(f->name);
	free(f);
}

/*
 * dns_cache_join - a cached reply (HIT), or the flight of the key to
 * follow (FOLLOW), or a new flight to lead (LEAD, only if lead), or
 * nothing (MISS)
 */
enum dns_join
dns_cache_join(struct dns_cache *c, const char *name, uint16_t qtype,
    uint64_t now, int lead, struct dns_reply **hit, struct dns_flight **fp)
{
	struct cache_shard *s;
	struct cache_entry *dead;
	struct dns_flight *f;
	pthread_condattr_t attr;
	enum dns_join j = DNS_JOIN_MISS;
	uint64_t hash;

	*fp = NULL;
	hash = cache_hash(c, name, qtype);
	s = cache_shard_of(c, hash);
	pthread_mutex_lock(&s->lock);
	if ((*hit = cache_live(s, hash, name, qtype, now, &dead)) != NULL)
		j = DNS_JOIN_HIT;
	if (j == DNS_JOIN_MISS &&
	    (f = flight_find(s, hash, name, qtype)) != NULL) {
		f->refs++;
		*fp = f;
		j = DNS_JOIN_FOLLOW;
	} else if (j == DNS_JOIN_MISS && lead) {
		f = xcalloc(1, sizeof(*f));
		f->hash = hash;
		f->qtype = qtype;
		f->name = xstrdup(name);
		str_lower(f->name);
		f->refs = 1;
		pthread_condattr_init(&attr);
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		pthread_cond_init(&f->cond, &attr);
		pthread_condattr_destroy(&attr);
		f->hnext = s->flights[hash & (CACHE_FLIGHT_BUCKETS - 1)];
		s->flights[hash & (CACHE_FLIGHT_BUCKETS - 1)] = f;
		*fp = f;
		j = DNS_JOIN_LEAD;
	}
	pthread_mutex_unlock(&s->lock);
	cache_entry_free(dead);
	return j;
}

/*
 * dns_cache_land - the leader's end of a flight: cache the reply until
 * expires (0: not at all), hand it to the followers (NULL: abandoned)
 */
void
dns_cache_land(struct dns_cache *c, struct dns_flight *f,
    struct dns_reply *r, uint64_t expires)
{
	struct cache_shard *s = cache_shard_of(c, f->hash);
	struct dns_flight **pp;

	if (r != NULL && expires != 0)
		dns_cache_put(c, f->name, f->qtype, r, expires);
	pthread_mutex_lock(&s->lock);
	for (pp = &s->flights[f->hash & (CACHE_FLIGHT_BUCKETS - 1)];
	    *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == f) {
			*pp = f->hnext;
			break;
		}
	f->landed = 1;
	f->reply = dns_reply_ref(r);
	pthread_cond_broadcast(&f->cond);
	flight_unref(f);
	pthread_mutex_unlock(&s->lock);
}

/*
 * dns_cache_wait - a follower waits until the flight lands or until
 * the monotonic time until; a new reference to its reply, or NULL
 */
struct dns_reply *
dns_cache_wait(struct dns_cache *c, struct dns_flight *f, uint64_t until)
{
	struct cache_shard *s = cache_shard_of(c, f->hash);
	struct dns_reply *r;
	struct timespec ts;

	ts.tv_sec = (time_t)(until / 1000);
	ts.tv_nsec = (long)(until % 1000) * 1000000;
	pthread_mutex_lock(&s->lock);
	while (!f->landed && dns_cache_now_ms() < until) {
		if (until == UINT64_MAX)
			pthread_cond_wait(&f->cond, &s->lock);
		else
			(void)pthread_cond_timedwait(&f->cond, &s->lock, &ts);
	}
	r = f->landed ? dns_reply_ref(f->reply) : NULL;
	flight_unref(f);
	pthread_mutex_unlock(&s->lock);
	return r;
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
