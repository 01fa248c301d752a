/*
 * dkim_key.c - DKIM tag-lists (RFC 6376 3.2), key records (RFC 6376
 *	3.6.1) and the engine's cache of decoded public keys
 *
 * The tag-list reader here is shared with the DKIM-Signature parser
 * in dkim_verify.c (through dkim_int.h).  A key record is read into a
 * struct dkim_key; its p= is decoded into an EVP_PKEY only when a
 * signature is checked with it, and the decoded key is kept in the
 * engine's cache, a fixed array of slots under sharded locks.
 */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util.h"
#include "dkim_canon.h"
#include "dkim_verify.h"
#include "dkim_int.h"

#define KEY_CACHE_LOCKS		16
#define ED25519_KEYLEN		32
/* one slot of the engine's key cache */
struct key_slot {
	char		*p;		/* p= text, NULL: empty */
	int		 ed;		/* an Ed25519 key */
	EVP_PKEY	*pkey;
	unsigned	 bits;
};

struct dkim_engine {
	const EVP_MD	*sha256, *sha1;
	pthread_mutex_t	 lock[KEY_CACHE_LOCKS];
	struct key_slot	 slot[DKIM_KEY_CACHE_SLOTS];
};

static const char *const key_tags[] = { "v", "h", "k", "n", "p", "s", "t" };
enum { KT_V, KT_H, KT_K, KT_N, KT_P, KT_S, KT_T };

/* ---- small helpers ---- */

/* is_fws - folding white space inside a tag-list */
static int
is_fws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* dkim_span_caseeq - whether n bytes at p are the word w, ignoring case */
int
dkim_span_caseeq(const char *p, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i] == '\0' || ascii_tolower((unsigned char)p[i]) !=
		    ascii_tolower((unsigned char)w[i]))
			return 0;
	return w[n] == '\0';
}

/* dkim_strip_fws - a copy of n bytes without their white space */
char *
dkim_strip_fws(const char *p, size_t n)
{
	char *s = xmalloc(n + 1), *o = s;
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_fws((unsigned char)p[i]))
			*o++ = p[i];
	*o = '\0';
	return s;
}

/* the value of each base64 character (RFC 4648); 0 also for the others */
static const unsigned char b64_table[256] = {
	['A'] = 0, ['B'] = 1, ['C'] = 2, ['D'] = 3, ['E'] = 4, ['F'] = 5,
	['G'] = 6, ['H'] = 7, ['I'] = 8, ['J'] = 9, ['K'] = 10, ['L'] = 11,
	['M'] = 12, ['N'] = 13, ['O'] = 14, ['P'] = 15, ['Q'] = 16,
	['R'] = 17, ['S'] = 18, ['T'] = 19, ['U'] = 20, ['V'] = 21,
	['W'] = 22, ['X'] = 23, ['Y'] = 24, ['Z'] = 25,
	['a'] = 26, ['b'] = 27, ['c'] = 28, ['d'] = 29, ['e'] = 30,
	['f'] = 31, ['g'] = 32, ['h'] = 33, ['i'] = 34, ['j'] = 35,
	['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39, ['o'] = 40,
	['p'] = 41, ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45,
	['u'] = 46, ['v'] = 47, ['w'] = 48, ['x'] = 49, ['y'] = 50,
	['z'] = 51, ['0'] = 52, ['1'] = 53, ['2'] = 54, ['3'] = 55,
	['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59, ['8'] = 60,
	['9'] = 61, ['+'] = 62, ['/'] = 63
};

/*
 * b64_decode - decode base64 without white space (padding optional but
 * only at the end); 0, or -1 if it is not base64.  With out NULL it
 * only checks.
 */
int
dkim_b64_decode(const char *s, unsigned char **out, size_t *outlen)
{
	size_t n = strlen(s), pad = 0, i, o = 0;
	unsigned char *d = NULL;
	uint32_t acc = 0;
	int bits = 0, c;

	while (n > 0 && s[n - 1] == '=' && pad < 2) {
		n--;
		pad++;
	}
	if (n % 4 == 1 || (pad > 0 && (n + pad) % 4 != 0))
		return -1;
	if (out != NULL)
		d = xmalloc(n / 4 * 3 + 3);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (b64_table[c] == 0 && c != 'A') {	/* not base64 */
			free(d);
			return -1;
		}
		acc = (acc << 6) | (uint32_t)b64_table[c];
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (d != NULL)
				d[o] = (unsigned char)(acc >> bits);
			o++;
		}
	}
	if (out != NULL)
		*out = d;
	*outlen = o;
	return 0;
}

/* dkim_list_next - the next item of a ':'-separated list, FWS trimmed */
int
dkim_list_next(const char **pp, const char *end, const char **item,
    size_t *len)
{
	const char *p = *pp, *colon, *e;

	if (p == NULL)
		return 0;
	if ((colon = memchr(p, ':', (size_t)(end - p))) == NULL)
		colon = end;
	*pp = colon < end ? colon + 1 : NULL;
	while (p < colon && is_fws((unsigned char)*p))
		p++;
	for (e = colon; e > p && is_fws((unsigned char)e[-1]); e--)
		;
	*item = p;
	*len = (size_t)(e - p);
	return 1;
}

/* ---- tag-lists (RFC 6376 3.2) ---- */

/*
 * tag_next - the next tag-spec of a tag-list from *pp: 1 with *t set,
 * 0 at the end, -1 on a syntax error (why set; *pp is past the next
 * ';', so that the caller may go on), -2 for a bad value (*t set
 * too).  Empty tag-specs are skipped.
 */
static int
tag_next(const char **pp, const char *end, struct tag *t, const char **why)
{
	const char *p = *pp, *semi, *q, *e;
	int c;

	for (;;) {
		while (p < end && is_fws((unsigned char)*p))
			p++;
		if (p == end) {
			*pp = p;
			return 0;
		}
		if (*p != ';')
			break;
		p++;
	}
	if ((semi = memchr(p, ';', (size_t)(end - p))) == NULL)
		semi = end;
	*pp = semi < end ? semi + 1 : end;
	t->name = p;
	if (!ascii_isalpha((unsigned char)*p)) {
		*why = "bad tag name";
		return -1;
	}
	while (p < semi && (ascii_isalpha((unsigned char)*p) ||
	    ascii_isdigit((unsigned char)*p) || *p == '_'))
		p++;
	t->nlen = (size_t)(p - t->name);
	while (p < semi && is_fws((unsigned char)*p))
		p++;
	if (p == semi || *p != '=') {
		*why = "bad tag name or no '='";
		return -1;
	}
	t->raw = ++p;
	t->rawend = semi;
	while (p < semi && is_fws((unsigned char)*p))
		p++;
	for (e = semi; e > p && is_fws((unsigned char)e[-1]); e--)
		;
	t->val = p;
	t->vlen = (size_t)(e - p);
	for (q = p; q < e; q++) {
		c = (unsigned char)*q;
		if ((c < 0x21 && !is_fws(c)) || c == 0x7f) {
			*why = "control character in a tag value";
			return -2;
		}
	}
	return 1;
}

/* tagset_add - note a tag; -1 (why set) when repeated or too many */
static int
tagset_add(struct tagset *ts, const struct tag *t, const char **why)
{
	size_t i;

	for (i = 0; i < ts->nknown; i++) {
		/* tag names are case-sensitive */
		if (strlen(ts->known[i]) != t->nlen ||
		    memcmp(t->name, ts->known[i], t->nlen) != 0)
			continue;
		if (ts->have & (1u << i)) {
			*why = "a repeated tag";
			return -1;
		}
		ts->have |= 1u << i;
		ts->tag[i] = *t;
		return 0;
	}
	for (i = 0; i < ts->nunknown; i++)
		if (ts->unknown[i].nlen == t->nlen &&
		    memcmp(ts->unknown[i].name, t->name, t->nlen) == 0) {
			*why = "a repeated tag";
			return -1;
		}
	if (ts->nunknown == MAX_UNKNOWN_TAGS) {
		*why = "too many tags";
		return -1;
	}
	ts->unknown[ts->nunknown++] = *t;
	return 0;
}

/*
 * tagset_read - read a whole tag-list into ts; NULL, or the first
 * error (the tags after it are still read, for what the caller shows)
 */
const char *
dkim_tagset_read(struct tagset *ts, const char *p, const char *end)
{
	const char *why = NULL, *w;
	struct tag t;
	int rc;

	while ((rc = tag_next(&p, end, &t, &w)) != 0) {
		if (rc == -2 && why == NULL) {
			why = w;	/* the tag still counts, to be shown */
			ts->bad = t.name;
			ts->badlen = t.nlen;
		}
		if (rc == -1 || tagset_add(ts, &t, &w) < 0) {
			if (why == NULL) {
				why = w;
				ts->bad = rc == -1 ? NULL : t.name;
				ts->badlen = rc == -1 ? 0 : t.nlen;
			}
		}
	}
	return why;
}

/* dkim_tagset_why - the reason of a tag-list error, naming its tag */
void
dkim_tagset_why(const struct tagset *ts, const char *why,
    struct strbuf *err)
{
	size_t i;

	if (err == NULL)
		return;
	sb_puts(err, why);
	if (ts->bad == NULL)
		return;
	sb_puts(err, " (");
	for (i = 0; i < ts->badlen && i < 16; i++)
		sb_putc(err, ts->bad[i]);	/* a tag name: printable */
	sb_puts(err, i < ts->badlen ? "...=)" : "=)");
}

/* dkim_tag_dup - a copy of a tag's value, NULL if the tag is absent */
char *
dkim_tag_dup(const struct tagset *ts, int i)
{
	if ((ts->have & (1u << i)) == 0)
		return NULL;
	return xstrndup(ts->tag[i].val, ts->tag[i].vlen);
}

/* dkim_set_why - the reason of a parse error, with a bounded tag value */
void
dkim_set_why(struct strbuf *err, const char *why, const struct tag *t)
{
	size_t i;

	if (err == NULL)
		return;
	sb_puts(err, why);
	if (t == NULL)
		return;
	for (i = 0; i < t->vlen && i < DKIM_REASON_MAX; i++)
		sb_putc(err, (unsigned char)t->val[i] >= 0x20 &&
		    (unsigned char)t->val[i] <= 0x7e ? t->val[i] : '?');
	if (t->vlen > DKIM_REASON_MAX)
		sb_puts(err, "...");
}

/* ---- key records (RFC 6376 3.6.1) ---- */

/* key_flags - h=, s= and t= of a key record */
static void
key_flags(const struct tagset *ts, struct dkim_key *key)
{
	const char *p, *end, *item;
	size_t len;

	key->hashes = DKIM_KEY_SHA1 | DKIM_KEY_SHA256;
	if (ts->have & (1u << KT_H)) {
		key->hashes = 0;
		p = ts->tag[KT_H].val;
		end = p + ts->tag[KT_H].vlen;
		while (dkim_list_next(&p, end, &item, &len)) {
			if (dkim_span_caseeq(item, len, "sha1"))
				key->hashes |= DKIM_KEY_SHA1;
			else if (dkim_span_caseeq(item, len, "sha256"))
				key->hashes |= DKIM_KEY_SHA256;
		}
	}
	key->email = 1;
	if (ts->have & (1u << KT_S)) {
		key->email = 0;
		p = ts->tag[KT_S].val;
		end = p + ts->tag[KT_S].vlen;
		while (dkim_list_next(&p, end, &item, &len))
			if (dkim_span_caseeq(item, len, "*") ||
			    dkim_span_caseeq(item, len, "email"))
				key->email = 1;
	}
	if (ts->have & (1u << KT_T)) {
		p = ts->tag[KT_T].val;
		end = p + ts->tag[KT_T].vlen;
		while (dkim_list_next(&p, end, &item, &len)) {
			if (dkim_span_caseeq(item, len, "y"))
				key->testing = 1;
			else if (dkim_span_caseeq(item, len, "s"))
				key->strict = 1;
		}
	}
}

/* dkim_key_parse - read a key record: 1 key, 0 not a key record, -1 bad */
int
dkim_key_parse(const char *txt, size_t len, struct dkim_key *key,
    struct strbuf *err)
{
	const char *p = txt, *end = txt + len, *why, *w, *first = NULL;
	struct tagset ts;
	struct tag t;
	size_t n;
	int rc;

	memset(key, 0, sizeof(*key));
	memset(&ts, 0, sizeof(ts));
	ts.known = key_tags;
	ts.nknown = ARRAY_SIZE(key_tags);
	/* v=, if there, is first; any other version is not ours */
	if ((rc = tag_next(&p, end, &t, &w)) == 1 || rc == -2) {
		first = t.name;
		if (t.nlen == 1 && *t.name == 'v' &&
		    !dkim_span_caseeq(t.val, t.vlen, "DKIM1"))
			return 0;
	}
	why = dkim_tagset_read(&ts, txt, end);
	if (why == NULL && (ts.have & (1u << KT_V)) &&
	    ts.tag[KT_V].name != first)
		why = "v= is not the first tag";
	if (why == NULL && (ts.have & (1u << KT_P)) == 0)
		why = "no p= tag";
	if (why != NULL) {
		dkim_tagset_why(&ts, why, err);
		return -1;
	}
	key->k = (ts.have & (1u << KT_K)) ? dkim_tag_dup(&ts, KT_K) :
	    xstrdup("rsa");
	key_flags(&ts, key);
	key->p = dkim_strip_fws(ts.tag[KT_P].val, ts.tag[KT_P].vlen);
	if (*key->p != '\0' && dkim_b64_decode(key->p, NULL, &n) != 0) {
		dkim_set_why(err, "p= is not base64", NULL);
		return -1;
	}
	return 1;
}

/* dkim_key_clear - free what dkim_key_parse() allocated */
void
dkim_key_clear(struct dkim_key *key)
{
	free(key->k);
	free(key->p);
	memset(key, 0, sizeof(*key));
}

/* ---- the engine and its key cache ---- */

/* dkim_engine_new - the digests and the key cache of the process */
struct dkim_engine *
dkim_engine_new(void)
{
	struct dkim_engine *eng = xcalloc(1, sizeof(*eng));
	size_t i;

	eng->sha256 = dkim_md_sha256();
	eng->sha1 = dkim_md_sha1();
	for (i = 0; i < KEY_CACHE_LOCKS; i++)
		pthread_mutex_init(&eng->lock[i], NULL);
	return eng;
}

/* dkim_engine_free - free the engine and the keys it holds */
void
dkim_engine_free(struct dkim_engine *eng)
{
	size_t i;

	if (eng == NULL)
		return;
	for (i = 0; i < DKIM_KEY_CACHE_SLOTS; i++) {
		free(eng->slot[i].p);
		EVP_PKEY_free(eng->slot[i].pkey);
	}
	for (i = 0; i < KEY_CACHE_LOCKS; i++)
		pthread_mutex_destroy(&eng->lock[i]);
	free(eng);
}

/* dkim_engine_md - the engine's SHA-1 (sha1 non-zero) or SHA-256 */
const EVP_MD *
dkim_engine_md(const struct dkim_engine *eng, int sha1)
{
	return sha1 ? eng->sha1 : eng->sha256;
}

/* key_hash - FNV-1a of a key's p= text and type */
static uint32_t
key_hash(const char *p, int ed)
{
	uint32_t h = 2166136261u ^ (uint32_t)ed;

	for (; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

/* key_decode - the public key of a key record, NULL if not valid */
static EVP_PKEY *
key_decode(const struct dkim_key *key, int ed)
{
	unsigned char *der = NULL;
	const unsigned char *d;
	EVP_PKEY *pk = NULL;
	size_t n = 0;

	if (dkim_b64_decode(key->p, &der, &n) != 0)
		return NULL;
	d = der;
	if (ed && n == ED25519_KEYLEN)
		pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der,
		    n);
	else if (n > 0 && n < LONG_MAX) {
		pk = d2i_PUBKEY(NULL, &d, (long)n);
		if (pk == NULL && !ed) {
			d = der;
			pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &d, (long)n);
		}
	}
	free(der);
	if (pk != NULL && EVP_PKEY_get_base_id(pk) !=
	    (ed ? EVP_PKEY_ED25519 : EVP_PKEY_RSA)) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	ERR_clear_error();
	return pk;
}

/* key_bits - the size of a key: RSA modulus bits, 256 for Ed25519 */
static unsigned
key_bits(EVP_PKEY *pk, int ed)
{
	return ed ? 256 : (unsigned)EVP_PKEY_get_bits(pk);
}

/*
 * key_get - the public key of a key record, from the engine's cache or
 * decoded (and cached); a reference the caller frees, NULL if invalid
 */
EVP_PKEY *
dkim_key_get(struct dkim_engine *eng, const struct dkim_key *key, int ed,
    unsigned *bits)
{
	struct key_slot *sl;
	pthread_mutex_t *lk;
	EVP_PKEY *pk = NULL, *old = NULL;
	uint32_t h;
	char *oldp = NULL;

	if (eng == NULL)
		goto decode;
	h = key_hash(key->p, ed);
	sl = &eng->slot[h % DKIM_KEY_CACHE_SLOTS];
	lk = &eng->lock[h % KEY_CACHE_LOCKS];
	pthread_mutex_lock(lk);
	if (sl->pkey != NULL && sl->ed == ed && strcmp(sl->p, key->p) == 0 &&
	    EVP_PKEY_up_ref(sl->pkey) == 1) {
		pk = sl->pkey;
		*bits = sl->bits;
	}
	pthread_mutex_unlock(lk);
	if (pk != NULL)
		return pk;
	if ((pk = key_decode(key, ed)) == NULL)
		return NULL;
	*bits = key_bits(pk, ed);
	if (EVP_PKEY_up_ref(pk) != 1)
		return pk;
	pthread_mutex_lock(lk);
	old = sl->pkey;
	oldp = sl->p;
	sl->pkey = pk;
	sl->p = xstrdup(key->p);
	sl->ed = ed;
	sl->bits = *bits;
	pthread_mutex_unlock(lk);
	EVP_PKEY_free(old);
	free(oldp);
	return pk;
decode:
	if ((pk = key_decode(key, ed)) != NULL)
		*bits = key_bits(pk, ed);
	return pk;
}
