/*
 * dkim_verify.c - our DKIM verifier (RFC 6376, RFC 8463, RFC 8301) on
 *	OpenSSL; key lookups prefetched in parallel at end of headers
 *
 * At end of headers each signature is read, judged if it can be
 * without its key (syntax, t=, x=, the cap), and otherwise gets the
 * hash of its header data (computed there and then, so that headers
 * need not be kept), a body hash (shared by signatures with the same
 * c=, hash and l=) and a key query in one DNS batch.  At end of message
 * the body hashes are finished and each waiting signature is judged
 * with its key: the key record read, its checks, the signature checked
 * over the header hash, then our policy.
 */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "log.h"
#include "util.h"
#include "dns.h"
#include "dkim_canon.h"
#include "dkim_verify.h"

#define DKIM_WHOLE		SIZE_MAX /* d=, s=, i=, a= are never cut */
#define DKIM_ALG_MAX		32	/* a=, k= in a comment at most */
#define DKIM_REASON_MAX		64	/* bytes of network text in a reason */
#define MAX_UNKNOWN_TAGS	32	/* distinct unknown tags in a list */
#define KEY_CACHE_LOCKS		16
#define ED25519_KEYLEN		32
#define ED25519_SIGLEN		64

enum dkim_vstate {
	VS_HEADERS,		/* taking header fields */
	VS_BODY,		/* after eoh: taking the body */
	VS_DONE			/* after eom: results are ready */
};

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

/* one header field: offsets of its name and value in the verifier's hbuf */
struct vhdr {
	size_t		 name, value;
};

/* the fields of one name, for bottom-up selection (RFC 6376 5.4.2) */
struct hgroup {
	size_t		 start, count;	/* in hindex.order */
	size_t		 used;		/* taken by the current signature */
};

/*
 * The fields sorted by name (without case), then by position: the fields
 * of one name are a group, and the groups are in name order, so a name
 * of h= is found by binary search.  No input has a bad case (a hash
 * table would, for names chosen to collide).
 */
struct hindex {
	size_t		*order;		/* field indexes, sorted */
	struct hgroup	*g;		/* in name order */
	size_t		 ng;
	size_t		*touched;	/* groups the signature used */
	size_t		 ntouched;
	uint64_t	 steps;		/* name comparisons of the lookups */
};

/* why the header is over the limits, and nothing of it is kept */
enum dkim_over {
	OVER_NONE,
	OVER_COUNT,		/* more than DKIM_MAX_HEADERS fields */
	OVER_BYTES		/* more than DKIM_MAX_HEADER_BYTES */
};

/* one distinct body hash: canonicalization, digest and l= */
struct vbh {
	enum dkim_canon	 canon;
	const EVP_MD	*md;
	uint64_t	 limit;
	long		 idx;		/* in the canonicalizer, -1: none */
	unsigned char	 digest[EVP_MAX_MD_SIZE];
	unsigned int	 dlen;
	int		 ok;		/* digest computed */
};

/* one DKIM-Signature field */
struct vsig {
	struct dkim_sig	 sig;
	size_t		 hdr;		/* its header field */
	int		 wait;		/* judged at eom, with its key */
	char		*keyname;	/* s._domainkey.d */
	const EVP_MD	*md;
	unsigned char	 hhash[EVP_MAX_MD_SIZE];
	unsigned int	 hhlen;
	size_t		 bh;		/* in v->bhs */
};

struct dkim_verifier {
	struct dkim_engine	*eng;
	char			*jobid;
	struct dkim_verify_opts	 opts;
	enum dkim_vstate	 state;
	struct strbuf		 hbuf;		/* names, values, NUL ended */
	struct vhdr		*hdrs;
	size_t			 nhdrs, hcap;
	size_t			 hbytes;	/* names and values so far */
	enum dkim_over		 over;		/* past the header limits */
	int			 sig_seen;	/* a DKIM-Signature, kept or not */
	uint64_t		 index_steps;	/* for the tests */
	struct vsig		*sigs;		/* DKIM-Signature fields */
	size_t			 nsigs;
	size_t			 nsigs_over;	/* more past DKIM_MAX_RESULTS */
	struct dkim_body	*body[2];	/* by enum dkim_canon */
	struct vbh		*bhs;
	size_t			 nbhs;
	struct dns_batch	*batch;		/* key lookups in flight */
	struct strbuf		 scratch;
	struct dkim_sig_result	*res;
	size_t			 nres;
};

/* one tag-spec of a tag-list */
struct tag {
	const char	*name, *val;	/* val: trimmed of FWS */
	size_t		 nlen, vlen;
	const char	*raw, *rawend;	/* after '=' up to ';' or the end */
};

/* the tags of one tag-list seen so far, for repeats */
struct tagset {
	const char *const *known;
	size_t		 nknown;
	struct tag	 tag[16];	/* first occurrence of known[i] */
	unsigned	 have;		/* bit i: known[i] seen */
	struct tag	 unknown[MAX_UNKNOWN_TAGS];
	size_t		 nunknown;
	const char	*bad;		/* the tag of the first error, if one */
	size_t		 badlen;
};

static const char *const sig_tags[] = {
	"v", "a", "b", "bh", "c", "d", "h", "i", "l", "q", "s", "t", "x",
	"z"
};
enum {
	ST_V, ST_A, ST_B, ST_BH, ST_C, ST_D, ST_H, ST_I, ST_L, ST_Q, ST_S,
	ST_T, ST_X, ST_Z
};

static const char *const key_tags[] = { "v", "h", "k", "n", "p", "s", "t" };
enum { KT_V, KT_H, KT_K, KT_N, KT_P, KT_S, KT_T };

/* dkim_result_name - the RFC 8601 token of a result */
const char *
dkim_result_name(enum dkim_result r)
{
	switch (r) {
	case DKIM_RES_NONE:
		return "none";
	case DKIM_RES_PASS:
		return "pass";
	case DKIM_RES_FAIL:
		return "fail";
	case DKIM_RES_POLICY:
		return "policy";
	case DKIM_RES_NEUTRAL:
		return "neutral";
	case DKIM_RES_TEMPERROR:
		return "temperror";
	case DKIM_RES_PERMERROR:
		return "permerror";
	}
	return "permerror";
}

/* ---- small helpers ---- */

/* is_fws - folding white space inside a tag-list */
static int
is_fws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* span_caseeq - whether n bytes at p are the word w, ignoring case */
static int
span_caseeq(const char *p, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i] == '\0' || ascii_tolower((unsigned char)p[i]) !=
		    ascii_tolower((unsigned char)w[i]))
			return 0;
	return w[n] == '\0';
}

/* printable - a bounded printable copy of a C string */
static char *
printable(const char *p, size_t max)
{
	struct strbuf sb;
	char *s;

	sb_init(&sb);
	sb_put_printable(&sb, p != NULL ? p : "", max);
	s = sb_detach(&sb);
	sb_free(&sb);
	return s;
}

/* strip_fws - a copy of n bytes without their white space */
static char *
strip_fws(const char *p, size_t n)
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
static int
b64_decode(const char *s, unsigned char **out, size_t *outlen)
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

/* parse_number - 1*DIGIT, saturating at UINT64_MAX; 0 or -1 */
static int
parse_number(const char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!ascii_isdigit((unsigned char)p[i]))
			return -1;
		if (v > (UINT64_MAX - 9) / 10)
			v = UINT64_MAX;
		else
			v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * is_domain - labels of letters, digits, '-' and '_' between dots, none
 * empty (lengths are left to DNS: a name that cannot exist has no key)
 */
static int
is_domain(const char *p, size_t n)
{
	size_t i, label = 0;
	int c;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (ascii_isalpha(c) || ascii_isdigit(c) || c == '-' || c == '_')
			label++;
		else
			return 0;
	}
	return label > 0;
}

/* domain_within - whether domain d2 is d or a subdomain of it */
static int
domain_within(const char *d2, size_t n2, const char *d, int exact)
{
	size_t n = strlen(d);

	if (n2 == n)
		return span_caseeq(d2, n2, d);
	if (exact || n2 < n + 1 || d2[n2 - n - 1] != '.')
		return 0;
	return span_caseeq(d2 + n2 - n, n, d);
}

/* list_next - the next item of a ':'-separated list, FWS trimmed */
static int
list_next(const char **pp, const char *end, const char **item, size_t *len)
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
static const char *
tagset_read(struct tagset *ts, const char *p, const char *end)
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

/* tagset_why - the reason of a tag-list error, naming its tag */
static void
tagset_why(const struct tagset *ts, const char *why, struct strbuf *err)
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

/* tag_dup - a copy of a tag's value, NULL if the tag is absent */
static char *
tag_dup(const struct tagset *ts, int i)
{
	if ((ts->have & (1u << i)) == 0)
		return NULL;
	return xstrndup(ts->tag[i].val, ts->tag[i].vlen);
}

/* set_why - the reason of a parse error, with a bounded tag value */
static void
set_why(struct strbuf *err, const char *why, const struct tag *t)
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

/* ---- DKIM-Signature (RFC 6376 3.5) ---- */

/* sig_b64 - a base64 tag value decoded; -1 (why set) if bad or empty */
static int
sig_b64(const struct tag *t, const char *name, unsigned char **out,
    size_t *outlen, struct strbuf *err)
{
	char *s = strip_fws(t->val, t->vlen);
	int rc = 0;

	if (*s == '\0') {
		set_why(err, name, NULL);
		set_why(err, " is empty", NULL);
		rc = -1;
	} else if (b64_decode(s, out, outlen) != 0) {
		set_why(err, name, NULL);
		set_why(err, " is not base64", NULL);
		rc = -1;
	}
	free(s);
	return rc;
}

/* sig_canon - c= into header and body canonicalization; 0 or -1 */
static int
sig_canon(const struct tag *t, struct dkim_sig *sig)
{
	const char *slash = memchr(t->val, '/', t->vlen);
	size_t hn = slash != NULL ? (size_t)(slash - t->val) : t->vlen;
	const char *b = slash != NULL ? slash + 1 : NULL;
	size_t bn = slash != NULL ? t->vlen - hn - 1 : 0;

	if (span_caseeq(t->val, hn, "simple"))
		sig->hcanon = SIGN_CANON_SIMPLE;
	else if (span_caseeq(t->val, hn, "relaxed"))
		sig->hcanon = SIGN_CANON_RELAXED;
	else
		return -1;
	if (b == NULL || span_caseeq(b, bn, "simple"))
		sig->bcanon = SIGN_CANON_SIMPLE;
	else if (span_caseeq(b, bn, "relaxed"))
		sig->bcanon = SIGN_CANON_RELAXED;
	else
		return -1;
	return 0;
}

/* sig_h - h= into its names; -1 (why set) if a name is bad or no From */
static int
sig_h(const struct tag *t, struct dkim_sig *sig, struct strbuf *err)
{
	const char *p = t->val, *end = t->val + t->vlen, *item;
	size_t len, i, cap = 8;
	int from = 0;

	sig->h = xcalloc(cap, sizeof(*sig->h));
	while (list_next(&p, end, &item, &len)) {
		for (i = 0; i < len; i++)
			if ((unsigned char)item[i] < 0x21 ||
			    (unsigned char)item[i] > 0x7e)
				break;
		if (len == 0 || i < len) {
			set_why(err, "h= holds a bad header name", NULL);
			return -1;
		}
		if (sig->nh + 1 == cap) {
			cap *= 2;
			sig->h = xrealloc(sig->h, cap * sizeof(*sig->h));
		}
		sig->h[sig->nh++] = xstrndup(item, len);
		if (span_caseeq(item, len, "from"))
			from = 1;
	}
	if (!from) {
		set_why(err, "h= does not include From", NULL);
		return -1;
	}
	return 0;
}

/* sig_q - whether q= names dns/txt */
static int
sig_q(const struct tag *t)
{
	const char *p = t->val, *end = t->val + t->vlen, *item;
	size_t len;

	while (list_next(&p, end, &item, &len))
		if (span_caseeq(item, len, "dns/txt") ||
		    span_caseeq(item, len, "dns"))
			return 1;
	return 0;
}

/* sig_check - the tags of a signature checked and decoded; 0 or -1 */
static int
sig_check(const struct tagset *ts, const char *value, struct dkim_sig *sig,
    struct strbuf *err)
{
	static const int required[] = { ST_V, ST_A, ST_B, ST_BH, ST_D, ST_H,
	    ST_S };
	const struct tag *t;
	const char *at;
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(required); i++)
		if ((ts->have & (1u << required[i])) == 0) {
			set_why(err, "no ", NULL);
			set_why(err, sig_tags[required[i]], NULL);
			set_why(err, "= tag", NULL);
			return -1;
		}
	t = &ts->tag[ST_V];
	if (t->vlen != 1 || t->val[0] != '1') {
		set_why(err, "v= is not 1: ", t);
		return -1;
	}
	t = &ts->tag[ST_A];
	if (span_caseeq(t->val, t->vlen, "rsa-sha256"))
		sig->alg = DKIM_ALG_RSA_SHA256;
	else if (span_caseeq(t->val, t->vlen, "ed25519-sha256"))
		sig->alg = DKIM_ALG_ED25519_SHA256;
	else if (span_caseeq(t->val, t->vlen, "rsa-sha1"))
		sig->alg = DKIM_ALG_RSA_SHA1;
	else {
		set_why(err, "unknown algorithm a=", t);
		return -1;
	}
	if (!is_domain(ts->tag[ST_D].val, ts->tag[ST_D].vlen)) {
		set_why(err, "d= is not a domain name: ", &ts->tag[ST_D]);
		return -1;
	}
	if (!is_domain(ts->tag[ST_S].val, ts->tag[ST_S].vlen)) {
		set_why(err, "s= is not a selector: ", &ts->tag[ST_S]);
		return -1;
	}
	if (sig_h(&ts->tag[ST_H], sig, err) != 0)
		return -1;
	if (sig_b64(&ts->tag[ST_B], "b=", &sig->b, &sig->blen, err) != 0 ||
	    sig_b64(&ts->tag[ST_BH], "bh=", &sig->bh, &sig->bhlen, err) != 0)
		return -1;
	sig->hcanon = sig->bcanon = SIGN_CANON_SIMPLE;
	if ((ts->have & (1u << ST_C)) && sig_canon(&ts->tag[ST_C], sig) != 0) {
		set_why(err, "unknown canonicalization c=", &ts->tag[ST_C]);
		return -1;
	}
	if (ts->have & (1u << ST_I)) {
		t = &ts->tag[ST_I];
		at = NULL;
		for (i = 0; i < t->vlen; i++)
			if (t->val[i] == '@')
				at = t->val + i;
		if (at == NULL) {
			set_why(err, "i= has no @: ", t);
			return -1;
		}
		n = t->vlen - (size_t)(at + 1 - t->val);
		if (!is_domain(at + 1, n) || !domain_within(at + 1, n, sig->d,
		    0)) {
			set_why(err, "i= is not in d= or a subdomain of it: ",
			    t);
			return -1;
		}
	}
	if (ts->have & (1u << ST_L)) {
		sig->has_l = 1;
		if (parse_number(ts->tag[ST_L].val, ts->tag[ST_L].vlen,
		    &sig->l) != 0) {
			set_why(err, "l= is not a number: ", &ts->tag[ST_L]);
			return -1;
		}
	}
	if (ts->have & (1u << ST_T)) {
		sig->has_t = 1;
		if (parse_number(ts->tag[ST_T].val, ts->tag[ST_T].vlen,
		    &sig->t) != 0) {
			set_why(err, "t= is not a number: ", &ts->tag[ST_T]);
			return -1;
		}
	}
	if (ts->have & (1u << ST_X)) {
		sig->has_x = 1;
		if (parse_number(ts->tag[ST_X].val, ts->tag[ST_X].vlen,
		    &sig->x) != 0) {
			set_why(err, "x= is not a number: ", &ts->tag[ST_X]);
			return -1;
		}
	}
	if (sig->has_t && sig->has_x && sig->x < sig->t) {
		set_why(err, "x= is before t=", NULL);
		return -1;
	}
	if ((ts->have & (1u << ST_Q)) && !sig_q(&ts->tag[ST_Q])) {
		set_why(err, "q= does not offer dns/txt: ", &ts->tag[ST_Q]);
		return -1;
	}
	t = &ts->tag[ST_B];
	sig->b_off = (size_t)(t->raw - value);
	sig->b_len = (size_t)(t->rawend - t->raw);
	return 0;
}

/* dkim_sig_parse - read a DKIM-Signature field value */
int
dkim_sig_parse(const char *value, struct dkim_sig *sig, struct strbuf *err)
{
	struct tagset ts;
	const char *why;

	memset(sig, 0, sizeof(*sig));
	memset(&ts, 0, sizeof(ts));
	ts.known = sig_tags;
	ts.nknown = ARRAY_SIZE(sig_tags);
	why = tagset_read(&ts, value, value + strlen(value));
	sig->d = tag_dup(&ts, ST_D);
	sig->s = tag_dup(&ts, ST_S);
	sig->i = tag_dup(&ts, ST_I);
	sig->a = tag_dup(&ts, ST_A);
	if (ts.have & (1u << ST_B))
		sig->b64 = strip_fws(ts.tag[ST_B].val, ts.tag[ST_B].vlen);
	if (why != NULL) {
		set_why(err, "signature syntax: ", NULL);
		tagset_why(&ts, why, err);
		return -1;
	}
	return sig_check(&ts, value, sig, err);
}

/* dkim_sig_timecheck - whether t= and x= are acceptable at now */
enum dkim_result
dkim_sig_timecheck(const struct dkim_sig *sig, time_t now,
    struct strbuf *why)
{
	uint64_t n = now > 0 ? (uint64_t)now : 0;

	if (sig->has_t && sig->t > n + DKIM_CLOCK_DRIFT) {
		if (why != NULL)
			sb_puts(why, "signature t= is in the future");
		return DKIM_RES_PERMERROR;
	}
	if (sig->has_x && sig->x + DKIM_CLOCK_DRIFT < n &&
	    sig->x < UINT64_MAX - DKIM_CLOCK_DRIFT) {
		if (why != NULL)
			sb_puts(why, "signature expired (x= in the past)");
		return DKIM_RES_POLICY;
	}
	return DKIM_RES_NONE;
}

/* dkim_sig_clear - free what dkim_sig_parse() allocated */
void
dkim_sig_clear(struct dkim_sig *sig)
{
	size_t i;

	free(sig->d);
	free(sig->s);
	free(sig->i);
	free(sig->a);
	free(sig->b64);
	for (i = 0; i < sig->nh; i++)
		free(sig->h[i]);
	free(sig->h);
	free(sig->b);
	free(sig->bh);
	memset(sig, 0, sizeof(*sig));
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
		while (list_next(&p, end, &item, &len)) {
			if (span_caseeq(item, len, "sha1"))
				key->hashes |= DKIM_KEY_SHA1;
			else if (span_caseeq(item, len, "sha256"))
				key->hashes |= DKIM_KEY_SHA256;
		}
	}
	key->email = 1;
	if (ts->have & (1u << KT_S)) {
		key->email = 0;
		p = ts->tag[KT_S].val;
		end = p + ts->tag[KT_S].vlen;
		while (list_next(&p, end, &item, &len))
			if (span_caseeq(item, len, "*") ||
			    span_caseeq(item, len, "email"))
				key->email = 1;
	}
	if (ts->have & (1u << KT_T)) {
		p = ts->tag[KT_T].val;
		end = p + ts->tag[KT_T].vlen;
		while (list_next(&p, end, &item, &len)) {
			if (span_caseeq(item, len, "y"))
				key->testing = 1;
			else if (span_caseeq(item, len, "s"))
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
		    !span_caseeq(t.val, t.vlen, "DKIM1"))
			return 0;
	}
	why = tagset_read(&ts, txt, end);
	if (why == NULL && (ts.have & (1u << KT_V)) &&
	    ts.tag[KT_V].name != first)
		why = "v= is not the first tag";
	if (why == NULL && (ts.have & (1u << KT_P)) == 0)
		why = "no p= tag";
	if (why != NULL) {
		tagset_why(&ts, why, err);
		return -1;
	}
	key->k = (ts.have & (1u << KT_K)) ? tag_dup(&ts, KT_K) :
	    xstrdup("rsa");
	key_flags(&ts, key);
	key->p = strip_fws(ts.tag[KT_P].val, ts.tag[KT_P].vlen);
	if (*key->p != '\0' && b64_decode(key->p, NULL, &n) != 0) {
		set_why(err, "p= is not base64", NULL);
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

	if (b64_decode(key->p, &der, &n) != 0)
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
static EVP_PKEY *
key_get(struct dkim_engine *eng, const struct dkim_key *key, int ed,
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

/* ---- header fields ---- */

/* hname - a field's name */
static const char *
hname(const struct dkim_verifier *v, size_t i)
{
	return v->hbuf.s + v->hdrs[i].name;
}

/* hvalue - a field's value */
static const char *
hvalue(const struct dkim_verifier *v, size_t i)
{
	return v->hbuf.s + v->hdrs[i].value;
}

/*
 * name_char - a header name's byte for comparing, lowercase; white space
 * that only runs to the end counts as the end ("Subject :" is Subject,
 * RFC 5322 4.5.3, for relaxed and simple canonicalization alike)
 */
static int
name_char(const char *p)
{
	const char *q = p;

	while (*q == ' ' || *q == '\t')
		q++;
	return *q == '\0' ? '\0' : ascii_tolower((unsigned char)*p);
}

/* name_cmp - compare two header names without case */
static int
name_cmp(const char *a, const char *b)
{
	int ca, cb;

	for (;; a++, b++) {
		ca = name_char(a);
		cb = name_char(b);
		if (ca != cb || ca == '\0')
			return ca - cb;
	}
}

/* one field to sort: its name and position */
struct hsort {
	const char	*name;
	size_t		 i;
};

/* hsort_cmp - order by name (without case), then by position */
static int
hsort_cmp(const void *a, const void *b)
{
	const struct hsort *x = a, *y = b;
	int c;

	if ((c = name_cmp(x->name, y->name)) != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* hindex_find - the group of fields named name, or NULL */
static struct hgroup *
hindex_find(const struct dkim_verifier *v, struct hindex *ix,
    const char *name)
{
	size_t lo = 0, hi = ix->ng, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		ix->steps++;
		c = name_cmp(name, hname(v, ix->order[ix->g[mid].start]));
		if (c == 0)
			return &ix->g[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* hindex_build - group the fields by name, for h= selection */
static void
hindex_build(struct dkim_verifier *v, struct hindex *ix)
{
	struct hsort *e;
	size_t i;

	e = xcalloc(v->nhdrs + 1, sizeof(*e));
	for (i = 0; i < v->nhdrs; i++) {
		e[i].name = hname(v, i);
		e[i].i = i;
	}
	qsort(e, v->nhdrs, sizeof(*e), hsort_cmp);
	ix->order = xcalloc(v->nhdrs + 1, sizeof(*ix->order));
	ix->g = xcalloc(v->nhdrs + 1, sizeof(*ix->g));
	ix->touched = xcalloc(v->nhdrs + 1, sizeof(*ix->touched));
	ix->ng = ix->ntouched = 0;
	ix->steps = 0;
	for (i = 0; i < v->nhdrs; i++) {
		ix->order[i] = e[i].i;
		if (i == 0 || name_cmp(e[i - 1].name, e[i].name) != 0)
			ix->g[ix->ng++].start = i;
		ix->g[ix->ng - 1].count++;
	}
	free(e);
}

/* hindex_free - free the index */
static void
hindex_free(struct hindex *ix)
{
	free(ix->order);
	free(ix->g);
	free(ix->touched);
}

/*
 * header_hash - the hash of a signature's header data (RFC 6376 3.7):
 * the fields h= names, bottom-up per name, then the DKIM-Signature
 * field with b= emptied, without its CRLF
 */
static int
header_hash(struct dkim_verifier *v, struct hindex *ix, struct vsig *s)
{
	struct strbuf *c = &v->scratch, self;
	struct hgroup *g;
	const char *val = hvalue(v, s->hdr);
	size_t i;

	for (i = 0; i < ix->ntouched; i++)
		ix->g[ix->touched[i]].used = 0;
	ix->ntouched = 0;
	sb_truncate(c, 0);
	for (i = 0; i < s->sig.nh; i++) {
		g = hindex_find(v, ix, s->sig.h[i]);
		if (g == NULL || g->used == g->count)
			continue;	/* no field (left): nothing */
		if (g->used++ == 0)
			ix->touched[ix->ntouched++] = (size_t)(g - ix->g);
		dkim_canon_header(c, s->sig.hcanon, hname(v,
		    ix->order[g->start + g->count - g->used]), hvalue(v,
		    ix->order[g->start + g->count - g->used]));
	}
	sb_init(&self);
	sb_append(&self, val, s->sig.b_off);
	sb_puts(&self, val + s->sig.b_off + s->sig.b_len);
	dkim_canon_header(c, s->sig.hcanon, hname(v, s->hdr), self.s);
	sb_free(&self);
	sb_truncate(c, c->len - 2);		/* without its CRLF */
	if (EVP_Digest(c->s, c->len, s->hhash, &s->hhlen, s->md, NULL) != 1) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

/* ---- a message ---- */

/* dkim_verifier_new - a verifier for one message */
struct dkim_verifier *
dkim_verifier_new(struct dkim_engine *eng, const struct dkim_verify_opts *opts,
    const char *jobid)
{
	struct dkim_verifier *v = xcalloc(1, sizeof(*v));

	v->eng = eng;
	if (opts != NULL)
		v->opts = *opts;
	if (v->opts.max_sigs == 0)
		v->opts.max_sigs = DKIM_DEFAULT_MAX_SIGS;
	if (v->opts.min_key_bits == 0)
		v->opts.min_key_bits = DKIM_DEFAULT_MIN_KEY_BITS;
	v->jobid = xstrdup(jobid != NULL ? jobid : "");
	sb_init(&v->hbuf);
	sb_init(&v->scratch);
	v->state = VS_HEADERS;
	return v;
}

/* headers_drop - past the header limits: nothing of the header is kept */
static void
headers_drop(struct dkim_verifier *v, enum dkim_over why)
{
	v->over = why;
	if (v->nsigs > 0)
		v->sig_seen = 1;
	free(v->sigs);
	v->sigs = NULL;
	v->nsigs = v->nsigs_over = 0;
	sb_free(&v->hbuf);
	free(v->hdrs);
	v->hdrs = NULL;
	v->nhdrs = v->hcap = 0;
}

/* dkim_verifier_header - one header field, as the MTA gives it */
void
dkim_verifier_header(struct dkim_verifier *v, const char *name,
    const char *value)
{
	struct vhdr *h;
	size_t nlen, vlen;

	if (v->state != VS_HEADERS || name == NULL || value == NULL)
		return;
	if (v->over != OVER_NONE) {
		if (str_caseeq(name, "DKIM-Signature"))
			v->sig_seen = 1;
		return;
	}
	nlen = strlen(name);
	vlen = strlen(value);
	v->hbytes += nlen + vlen;
	if (v->nhdrs == DKIM_MAX_HEADERS ||
	    v->hbytes > DKIM_MAX_HEADER_BYTES) {
		headers_drop(v, v->nhdrs == DKIM_MAX_HEADERS ? OVER_COUNT :
		    OVER_BYTES);
		if (str_caseeq(name, "DKIM-Signature"))
			v->sig_seen = 1;
		return;
	}
	if (v->nhdrs == v->hcap) {
		v->hcap = v->hcap ? 2 * v->hcap : 32;
		v->hdrs = xrealloc(v->hdrs, v->hcap * sizeof(*v->hdrs));
	}
	h = &v->hdrs[v->nhdrs];
	h->name = v->hbuf.len;
	sb_append(&v->hbuf, name, nlen + 1);
	h->value = v->hbuf.len;
	sb_append(&v->hbuf, value, vlen + 1);
	if (str_caseeq(name, "DKIM-Signature")) {
		if (v->nsigs == DKIM_MAX_RESULTS) {
			v->nsigs_over++;
		} else {
			v->sigs = xrealloc(v->sigs, (v->nsigs + 1) *
			    sizeof(*v->sigs));
			memset(&v->sigs[v->nsigs], 0, sizeof(*v->sigs));
			v->sigs[v->nsigs++].hdr = v->nhdrs;
		}
	}
	v->nhdrs++;
}

/* result_set - fill a result's verdict and comment */
static void
result_set(struct dkim_sig_result *res, enum dkim_result r,
    const struct strbuf *c)
{
	res->result = r;
	free(res->comment);
	res->comment = xstrdup(c->s);
}

/* body_hash_of - the index of a body hash, added if new */
static size_t
body_hash_of(struct dkim_verifier *v, struct vsig *s)
{
	enum dkim_canon c = s->sig.bcanon;
	uint64_t limit = s->sig.has_l ? s->sig.l : UINT64_MAX;
	struct vbh *b;
	size_t i;

	for (i = 0; i < v->nbhs; i++)
		if (v->bhs[i].canon == c && v->bhs[i].md == s->md &&
		    v->bhs[i].limit == limit)
			return i;
	if (v->body[c] == NULL) {
		v->body[c] = xmalloc(sizeof(*v->body[c]));
		dkim_body_init(v->body[c], c);
	}
	v->bhs = xrealloc(v->bhs, (v->nbhs + 1) * sizeof(*v->bhs));
	b = &v->bhs[v->nbhs];
	memset(b, 0, sizeof(*b));
	b->canon = c;
	b->md = s->md;
	b->limit = limit;
	b->idx = dkim_body_add_hash(v->body[c], s->md, limit);
	return v->nbhs++;
}

/* sig_md - the digest of a signature's algorithm */
static const EVP_MD *
sig_md(const struct dkim_verifier *v, enum dkim_alg alg)
{
	if (alg == DKIM_ALG_RSA_SHA1)
		return v->eng != NULL ? v->eng->sha1 : dkim_md_sha1();
	return v->eng != NULL ? v->eng->sha256 : dkim_md_sha256();
}

/*
 * sig_prepare - read one signature at end of headers: judged now
 * (res set) or made to wait for its key (header hash, body hash, key
 * name)
 */
static void
sig_prepare(struct dkim_verifier *v, struct hindex *ix, size_t idx,
    time_t now, struct dkim_sig_result *res)
{
	struct vsig *s = &v->sigs[idx];
	struct strbuf c;
	enum dkim_result r;

	sb_init(&c);
	if (idx >= v->opts.max_sigs) {
		sb_printf(&c, "not checked: more than %u signatures",
		    v->opts.max_sigs);
		result_set(res, DKIM_RES_NEUTRAL, &c);
		goto out;
	}
	if (dkim_sig_parse(hvalue(v, s->hdr), &s->sig, &c) != 0) {
		result_set(res, DKIM_RES_PERMERROR, &c);
		goto out;
	}
	if ((r = dkim_sig_timecheck(&s->sig, now, &c)) != DKIM_RES_NONE) {
		result_set(res, r, &c);
		goto out;
	}
	s->md = sig_md(v, s->sig.alg);
	if (s->md == NULL && s->sig.alg == DKIM_ALG_RSA_SHA1) {
		/* no SHA-1 here: it could only be policy anyway */
		sb_puts(&c, "rsa-sha1 is not accepted (RFC 8301)");
		result_set(res, DKIM_RES_POLICY, &c);
		goto out;
	}
	if (s->md == NULL || header_hash(v, ix, s) != 0) {
		log_msg(LOG_ERR, "dkim: %s: cannot compute a header hash",
		    v->jobid);
		sb_puts(&c, "cannot compute the header hash");
		result_set(res, DKIM_RES_TEMPERROR, &c);
		goto out;
	}
	s->bh = body_hash_of(v, s);
	sb_truncate(&c, 0);
	sb_printf(&c, "%s._domainkey.%s", s->sig.s, s->sig.d);
	s->keyname = sb_detach(&c);
	s->wait = 1;
out:
	sb_free(&c);
}

/* result_fields - d=, i=, s=, a= (whole) and b= (8) of a result, printable */
static void
result_fields(struct dkim_verifier *v, size_t idx,
    struct dkim_sig_result *res)
{
	struct vsig *s = &v->sigs[idx];
	struct dkim_sig tmp;
	const struct dkim_sig *sig = &s->sig;
	struct strbuf sb;

	if (idx >= v->opts.max_sigs) {
		/* not evaluated, only shown */
		(void)dkim_sig_parse(hvalue(v, s->hdr), &tmp, NULL);
		sig = &tmp;
	}
	res->domain = printable(sig->d, DKIM_WHOLE);
	if (sig->i != NULL)
		res->identity = printable(sig->i, DKIM_WHOLE);
	else {
		sb_init(&sb);
		sb_putc(&sb, '@');
		sb_put_printable(&sb, sig->d != NULL ? sig->d : "",
		    DKIM_WHOLE);
		res->identity = sb_detach(&sb);
		sb_free(&sb);
	}
	res->selector = printable(sig->s, DKIM_WHOLE);
	res->algorithm = printable(sig->a, DKIM_WHOLE);
	res->b8 = printable(sig->b64, 8);
	if (sig == &tmp)
		dkim_sig_clear(&tmp);
}

/*
 * over_result - a header past the limits: one permerror for all its
 * signatures, none checked (no result without a signature)
 */
static void
over_result(struct dkim_verifier *v)
{
	struct strbuf c;

	if (!v->sig_seen)
		return;
	sb_init(&c);
	if (v->over == OVER_COUNT)
		sb_printf(&c, "not verified: more than %d header fields",
		    DKIM_MAX_HEADERS);
	else
		sb_printf(&c, "not verified: header fields over %d bytes",
		    DKIM_MAX_HEADER_BYTES);
	v->sigs = xcalloc(1, sizeof(*v->sigs));
	v->nsigs = 1;
	v->res = xcalloc(1, sizeof(*v->res));
	result_set(&v->res[0], DKIM_RES_PERMERROR, &c);
	sb_free(&c);
}

/*
 * over_count_result - the DKIM-Signature fields past DKIM_MAX_RESULTS:
 * one neutral result that counts them, after the others (res has room
 * for it: made with nsigs + 1 entries)
 */
static void
over_count_result(struct dkim_verifier *v)
{
	struct strbuf c;

	sb_init(&c);
	sb_printf(&c, "%zu more DKIM-Signature fields not checked: over %d",
	    v->nsigs_over, DKIM_MAX_RESULTS);
	result_set(&v->res[v->nres++], DKIM_RES_NEUTRAL, &c);
	sb_free(&c);
}

/* dkim_verifier_index_steps - name comparisons of the h= lookups */
uint64_t
dkim_verifier_index_steps(const struct dkim_verifier *v)
{
	return v->index_steps;
}

/* dkim_verifier_eoh - end of headers: start every key lookup at once */
void
dkim_verifier_eoh(struct dkim_verifier *v, struct dns_client *dc)
{
	struct hindex ix;
	const char **names;
	uint16_t *types;
	size_t i, k, n = 0;
	time_t now;

	if (v->state != VS_HEADERS)
		return;
	v->state = VS_BODY;
	if (v->over != OVER_NONE) {
		over_result(v);
		return;
	}
	if (v->nsigs > 0) {
		now = time(NULL);
		memset(&ix, 0, sizeof(ix));
		hindex_build(v, &ix);
		v->res = xcalloc(v->nsigs + 1, sizeof(*v->res));
		for (i = 0; i < v->nsigs; i++) {
			sig_prepare(v, &ix, i, now, &v->res[i]);
			result_fields(v, i, &v->res[i]);
		}
		v->index_steps += ix.steps;
		hindex_free(&ix);
		names = xcalloc(v->nsigs + 1, sizeof(*names));
		types = xcalloc(v->nsigs + 1, sizeof(*types));
		for (i = 0; i < v->nsigs; i++) {
			if (!v->sigs[i].wait)
				continue;
			for (k = 0; k < n; k++)
				if (str_caseeq(names[k], v->sigs[i].keyname))
					break;
			if (k == n) {
				names[n] = v->sigs[i].keyname;
				types[n++] = DNS_T_TXT;
			}
		}
		if (n > 0 && dc != NULL)
			v->batch = dns_batch_start(dc, names, types, n);
		free(names);
		free(types);
	}
	/* the headers are hashed: they are not needed any more */
	sb_free(&v->hbuf);
	free(v->hdrs);
	v->hdrs = NULL;
	v->nhdrs = v->hcap = 0;
}

/* dkim_verifier_body - a chunk of the body, hashed as it comes */
void
dkim_verifier_body(struct dkim_verifier *v, const unsigned char *p,
    size_t len)
{
	if (v->state == VS_HEADERS)
		dkim_verifier_eoh(v, NULL);
	if (v->state != VS_BODY || len == 0)
		return;
	if (v->body[SIGN_CANON_RELAXED] != NULL)
		dkim_body_feed(v->body[SIGN_CANON_RELAXED], p, len);
	if (v->body[SIGN_CANON_SIMPLE] != NULL)
		dkim_body_feed(v->body[SIGN_CANON_SIMPLE], p, len);
}

/* key_name - the name of a signature's key record, for comments */
static void
key_name(struct strbuf *c, const struct vsig *s)
{
	sb_put_printable(c, s->sig.s, DKIM_WHOLE);
	sb_puts(c, "._domainkey.");
	sb_put_printable(c, s->sig.d, DKIM_WHOLE);
}

/*
 * key_fetch - the key record of a signature: 1 with *key filled, else
 * the result is set (DNS failure, no key, bad record)
 */
static int
key_fetch(struct dkim_verifier *v, struct dns_client *dc, struct vsig *s,
    struct dkim_key *key, struct dkim_sig_result *res, struct strbuf *c)
{
	struct dns_reply *r = NULL;
	struct strbuf why;
	size_t i;
	int rc, found = 0;

	if (v->batch != NULL)
		r = dns_batch_reply(v->batch, s->keyname, DNS_T_TXT);
	if (r == NULL && dc != NULL)
		r = dns_lookup(dc, s->keyname, DNS_T_TXT);
	if (r == NULL || r->status == DNS_TEMPFAIL) {
		sb_puts(c, "key lookup failed (DNS): ");
		key_name(c, s);
		result_set(res, DKIM_RES_TEMPERROR, c);
		dns_reply_free(r);
		return 0;
	}
	sb_init(&why);
	for (i = 0; r->status == DNS_DATA && i < r->count && !found; i++) {
		if (r->rr[i].type != DNS_T_TXT || r->rr[i].text == NULL)
			continue;
		rc = dkim_key_parse(r->rr[i].text, r->rr[i].len, key,
		    why.len == 0 ? &why : NULL);
		if (rc == 1)
			found = 1;
		else
			dkim_key_clear(key);
	}
	if (!found) {
		if (r->cause == DNS_CAUSE_BAD_NAME) {
			sb_puts(c, "no key: no such name ");
			key_name(c, s);
		} else if (why.len > 0) {
			sb_puts(c, "bad key record at ");
			key_name(c, s);
			sb_puts(c, ": ");
			sb_puts(c, why.s);
		} else {
			sb_puts(c, "no key published at ");
			key_name(c, s);
		}
		result_set(res, DKIM_RES_PERMERROR, c);
	}
	sb_free(&why);
	dns_reply_free(r);
	return found;
}

/* key_usable - the key's own checks against the signature; 0: res set */
static int
key_usable(const struct vsig *s, const struct dkim_key *key,
    struct dkim_sig_result *res, struct strbuf *c)
{
	const char *at;
	int ed = s->sig.alg == DKIM_ALG_ED25519_SHA256;

	if (*key->p == '\0') {
		sb_puts(c, "key revoked (empty p=)");
		goto bad;
	}
	if (!str_caseeq(key->k, ed ? "ed25519" : "rsa")) {
		sb_puts(c, "key k=");
		sb_put_printable(c, key->k, DKIM_ALG_MAX);
		sb_puts(c, " does not match a=");
		sb_put_printable(c, s->sig.a, DKIM_ALG_MAX);
		goto bad;
	}
	if ((key->hashes & (s->sig.alg == DKIM_ALG_RSA_SHA1 ?
	    DKIM_KEY_SHA1 : DKIM_KEY_SHA256)) == 0) {
		sb_puts(c, "key h= does not allow the signature's hash");
		goto bad;
	}
	if (!key->email) {
		sb_puts(c, "key s= does not allow email");
		goto bad;
	}
	if (key->strict && s->sig.i != NULL) {
		at = strrchr(s->sig.i, '@');
		if (!domain_within(at + 1, strlen(at + 1), s->sig.d, 1)) {
			sb_puts(c, "key t=s: the i= domain is not d=");
			goto bad;
		}
	}
	return 1;
bad:
	result_set(res, DKIM_RES_PERMERROR, c);
	return 0;
}

/* sig_verify - whether the signature is good over the header hash */
static int
sig_verify(const struct vsig *s, EVP_PKEY *pk)
{
	EVP_PKEY_CTX *pctx;
	EVP_MD_CTX *mctx;
	int ok = 0;

	if (s->sig.alg == DKIM_ALG_ED25519_SHA256) {
		/* RFC 8463 3: PureEdDSA over the SHA-256 of the data */
		if (s->sig.blen != ED25519_SIGLEN ||
		    (mctx = EVP_MD_CTX_new()) == NULL)
			return 0;
		if (EVP_DigestVerifyInit(mctx, NULL, NULL, NULL, pk) == 1)
			ok = EVP_DigestVerify(mctx, s->sig.b, s->sig.blen,
			    s->hhash, s->hhlen) == 1;
		EVP_MD_CTX_free(mctx);
	} else if ((pctx = EVP_PKEY_CTX_new(pk, NULL)) != NULL) {
		if (EVP_PKEY_verify_init(pctx) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) ==
		    1 && EVP_PKEY_CTX_set_signature_md(pctx, s->md) == 1)
			ok = EVP_PKEY_verify(pctx, s->sig.b, s->sig.blen,
			    s->hhash, s->hhlen) == 1;
		EVP_PKEY_CTX_free(pctx);
	}
	ERR_clear_error();
	return ok;
}

/*
 * judge - the result of a signature that waited for its key: the key,
 * its checks, the signature and body hash, then our policy (rsa-sha1,
 * key size, l=)
 */
static void
judge(struct dkim_verifier *v, struct dns_client *dc, struct vsig *s,
    struct dkim_sig_result *res)
{
	struct dkim_key key;
	struct strbuf c;
	struct vbh *bh = &v->bhs[s->bh];
	EVP_PKEY *pk = NULL;
	uint64_t total;
	int ed = s->sig.alg == DKIM_ALG_ED25519_SHA256, good;

	sb_init(&c);
	memset(&key, 0, sizeof(key));
	if (!key_fetch(v, dc, s, &key, res, &c))
		goto out;
	res->testing = key.testing;
	if (!key_usable(s, &key, res, &c))
		goto out;
	if ((pk = key_get(v->eng, &key, ed, &res->key_bits)) == NULL) {
		sb_puts(&c, ed ? "key p= is not an Ed25519 key" :
		    "key p= is not an RSA key");
		result_set(res, DKIM_RES_PERMERROR, &c);
		goto out;
	}
	total = dkim_body_length(v->body[s->sig.bcanon]);
	if (s->sig.has_l && s->sig.l > total) {
		sb_puts(&c, "l= is larger than the body");
		result_set(res, DKIM_RES_FAIL, &c);
		goto out;
	}
	good = sig_verify(s, pk);
	if (!good || !bh->ok || bh->dlen != s->sig.bhlen ||
	    memcmp(bh->digest, s->sig.bh, bh->dlen) != 0) {
		sb_puts(&c, good ? "body hash did not verify" :
		    "signature did not verify");
		result_set(res, DKIM_RES_FAIL, &c);
		goto out;
	}
	if (s->sig.alg == DKIM_ALG_RSA_SHA1) {
		sb_puts(&c, "rsa-sha1 is not accepted (RFC 8301)");
		result_set(res, DKIM_RES_POLICY, &c);
		goto out;
	}
	if (!ed && res->key_bits < v->opts.min_key_bits) {
		sb_printf(&c, "%u-bit key, under %u bits", res->key_bits,
		    v->opts.min_key_bits);
		result_set(res, DKIM_RES_POLICY, &c);
		goto out;
	}
	if (s->sig.has_l && s->sig.l < total) {
		sb_printf(&c, "l= leaves %llu bytes unsigned",
		    (unsigned long long)(total - s->sig.l));
		result_set(res, DKIM_RES_POLICY, &c);
		goto out;
	}
	if (ed)
		sb_puts(&c, "ed25519 key");
	else
		sb_printf(&c, "%u-bit key", res->key_bits);
	if (s->sig.has_l)
		sb_puts(&c, "; l= covers the whole body");
	result_set(res, DKIM_RES_PASS, &c);
out:
	if (res->testing) {
		sb_puts(&c, "; testing key (t=y)");
		result_set(res, res->result, &c);
	}
	EVP_PKEY_free(pk);
	dkim_key_clear(&key);
	sb_free(&c);
}

/* dkim_verifier_eom - finish: one result per DKIM-Signature */
size_t
dkim_verifier_eom(struct dkim_verifier *v, struct dns_client *dc,
    const struct dkim_sig_result **res)
{
	struct vbh *b;
	size_t i;

	if (v->state == VS_HEADERS)
		dkim_verifier_eoh(v, dc);
	if (v->state == VS_BODY) {
		v->state = VS_DONE;
		for (i = 0; i < 2; i++)
			if (v->body[i] != NULL)
				dkim_body_finish(v->body[i]);
		for (i = 0; i < v->nbhs; i++) {
			b = &v->bhs[i];
			b->ok = b->idx >= 0 && dkim_body_digest(v->body[b->canon],
			    (size_t)b->idx, b->digest, &b->dlen) == 0;
		}
		dns_batch_wait(v->batch);
		for (i = 0; i < v->nsigs; i++)
			if (v->sigs[i].wait)
				judge(v, dc, &v->sigs[i], &v->res[i]);
		v->nres = v->nsigs;
		if (v->res == NULL)
			v->res = xcalloc(1, sizeof(*v->res));
		if (v->nsigs_over > 0)
			over_count_result(v);
	}
	if (res != NULL)
		*res = v->res;
	return v->nres;
}

/* dkim_verifier_free - free a verifier and its results */
void
dkim_verifier_free(struct dkim_verifier *v)
{
	size_t i;

	if (v == NULL)
		return;
	dns_batch_free(v->batch);
	for (i = 0; i < v->nsigs; i++) {
		dkim_sig_clear(&v->sigs[i].sig);
		free(v->sigs[i].keyname);
	}
	free(v->sigs);
	for (i = 0; i < 2; i++)
		if (v->body[i] != NULL) {
			dkim_body_clear(v->body[i]);
			free(v->body[i]);
		}
	free(v->bhs);
	if (v->res != NULL)
		for (i = 0; i < v->nsigs || i < v->nres; i++) {
			free(v->res[i].domain);
			free(v->res[i].identity);
			free(v->res[i].selector);
			free(v->res[i].algorithm);
			free(v->res[i].b8);
			free(v->res[i].comment);
		}
	free(v->res);
	free(v->hdrs);
	sb_free(&v->hbuf);
	sb_free(&v->scratch);
	free(v->jobid);
	free(v);
}
