/*
 * migrate_index.c - authmilter-migrate: a string-to-number index
 * (case-insensitive keys), so that tables of many thousand domains are
 * converted in time linear in their size.  The contract is in
 * migrate.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "migrate.h"

/* index_hash - FNV-1a over the lowercased key */
static size_t
index_hash(const char *s)
{
	size_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)ascii_tolower((unsigned char)*s);
		h *= 16777619u;
	}
	return h;
}

/* index_slot - the slot of key, or the empty slot where it would go */
static size_t
index_slot(const struct mig_index *ix, const char *key)
{
	size_t i = index_hash(key) & (ix->cap - 1);

	while (ix->keys[i] != NULL && strcasecmp(ix->keys[i], key) != 0)
		i = (i + 1) & (ix->cap - 1);
	return i;
}

/* mig_index_get - the number of key, or -1 */
long
mig_index_get(const struct mig_index *ix, const char *key)
{
	size_t i;

	if (ix->cap == 0)
		return -1;
	i = index_slot(ix, key);
	return ix->keys[i] == NULL ? -1 : (long)ix->vals[i];
}

/* mig_index_put - key to val, unless key is there (then 0, else 1) */
int
mig_index_put(struct mig_index *ix, const char *key, size_t val)
{
	struct mig_index old = *ix;
	size_t i;

	if (2 * (ix->n + 1) > ix->cap) {
		ix->cap = ix->cap ? 2 * ix->cap : 64;
		ix->keys = xcalloc(ix->cap, sizeof(*ix->keys));
		ix->vals = xcalloc(ix->cap, sizeof(*ix->vals));
		for (i = 0; i < old.cap; i++)
			if (old.keys[i] != NULL) {
				size_t j = index_slot(ix, old.keys[i]);

				ix->keys[j] = old.keys[i];
				ix->vals[j] = old.vals[i];
			}
		free(old.keys);
		free(old.vals);
	}
	i = index_slot(ix, key);
	if (ix->keys[i] != NULL)
		return 0;
	ix->keys[i] = xstrdup(key);
	ix->vals[i] = val;
	ix->n++;
	return 1;
}

/* mig_index_free - the keys and the slots */
void
mig_index_free(struct mig_index *ix)
{
	size_t i;

	for (i = 0; i < ix->cap; i++)
		free(ix->keys[i]);
	free(ix->keys);
	free(ix->vals);
	memset(ix, 0, sizeof(*ix));
}
