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
#include "dkim_int.h"

#define DKIM_WHOLE		SIZE_MAX /* d=, s=, i=, a= are never cut */
#define DKIM_ALG_MAX		32	/* a=, k= in a comment at most */
#define ED25519_SIGLEN		64

enum dkim_vstate {
	VS_HEADERS,		/* taking header fields */
	VS_BODY,		/* after eoh: taking the body */
	VS_DONE			/* after eom: results are ready */
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

static const char *const sig_tags[] = {
	"v", "a", "b", "bh", "c", "d", "h", "i", "l", "q", "s", "t", "x",
	"z"
};
enum {
	ST_V, ST_A, ST_B, ST_BH, ST_C, ST_D, ST_H, ST_I, ST_L, ST_Q, ST_S,
	ST_T, ST_X, ST_Z
};

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
		return dkim_span_caseeq(d2, n2, d);
	if (exact || n2 < n + 1 || d2[n2 - n - 1] != '.')
		return 0;
	return dkim_span_caseeq(d2 + n2 - n, n, d);
}

/* ---- DKIM-Signature (RFC 6376 3.5) ---- */

/* sig_b64 - a base64 tag value decoded; -1 (why set) if bad or empty */
static int
sig_b64(const struct tag *t, const char *name, unsigned char **out,
    size_t *outlen, struct strbuf *err)
{
	char *s = dkim_strip_fws(t->val, t->vlen);
	int rc = 0;

	if (*s == '\0') {
		dkim_set_why(err, name, NULL);
		dkim_set_why(err, " is empty", NULL);
		rc = -1;
	} else if (dkim_b64_decode(s, out, outlen) != 0) {
		dkim_set_why(err, name, NULL);
		dkim_set_why(err, " is not base64", NULL);
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

	if (dkim_span_caseeq(t->val, hn, "simple"))
		sig->hcanon = SIGN_CANON_SIMPLE;
	else if (dkim_span_caseeq(t->val, hn, "relaxed"))
		sig->hcanon = SIGN_CANON_RELAXED;
	else
		return -1;
	if (b == NULL || dkim_span_caseeq(b, bn, "simple"))
		sig->bcanon = SIGN_CANON_SIMPLE;
	else if (dkim_span_caseeq(b, bn, "relaxed"))
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
	while (dkim_list_next(&p, end, &item, &len)) {
		for (i = 0; i < len; i++)
			if ((unsigned char)item[i] < 0x21 ||
			    (unsigned char)item[i] > 0x7e)
				break;
		if (len == 0 || i < len) {
			dkim_set_why(err, "h= holds a bad header name", NULL);
			return -1;
		}
		if (sig->nh + 1 == cap) {
			cap *= 2;
			sig->h = xrealloc(sig->h, cap * sizeof(*sig->h));
		}
		sig->h[sig->nh++] = xstrndup(item, len);
		if (dkim_span_caseeq(item, len, "from"))
			from = 1;
	}
	if (!from) {
		dkim_set_why(err, "h= does not include From", NULL);
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

	while (dkim_list_next(&p, end, &item, &len))
		if (dkim_span_caseeq(item, len, "dns/txt") ||
		    dkim_span_caseeq(item, len, "dns"))
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
			dkim_set_why(err, "no ", NULL);
			dkim_set_why(err, sig_tags[required[i]], NULL);
			dkim_set_why(err, "= tag", NULL);
			return -1;
		}
	t = &ts->tag[ST_V];
	if (t->vlen != 1 || t->val[0] != '1') {
		dkim_set_why(err, "v= is not 1: ", t);
		return -1;
	}
	t = &ts->tag[ST_A];
	if (dkim_span_caseeq(t->val, t->vlen, "rsa-sha256"))
		sig->alg = DKIM_ALG_RSA_SHA256;
	else if (dkim_span_caseeq(t->val, t->vlen, "ed25519-sha256"))
		sig->alg = DKIM_ALG_ED25519_SHA256;
	else if (dkim_span_caseeq(t->val, t->vlen, "rsa-sha1"))
		sig->alg = DKIM_ALG_RSA_SHA1;
	else {
		dkim_set_why(err, "unknown algorithm a=", t);
		return -1;
	}
	if (!is_domain(ts->tag[ST_D].val, ts->tag[ST_D].vlen)) {
		dkim_set_why(err, "d= is not a domain name: ", &ts->tag[ST_D]);
		return -1;
	}
	if (!is_domain(ts->tag[ST_S].val, ts->tag[ST_S].vlen)) {
		dkim_set_why(err, "s= is not a selector: ", &ts->tag[ST_S]);
		return -1;
	}
	if (sig_h(&ts->tag[ST_H], sig, err) != 0)
		return -1;
	if (sig_b64(&ts->tag[ST_B], "b=", &sig->b, &sig->blen, err) != 0 ||
	    sig_b64(&ts->tag[ST_BH], "bh=", &sig->bh, &sig->bhlen, err) != 0)
		return -1;
	sig->hcanon = sig->bcanon = SIGN_CANON_SIMPLE;
	if ((ts->have & (1u << ST_C)) && sig_canon(&ts->tag[ST_C], sig) != 0) {
		dkim_set_why(err, "unknown canonicalization c=",
		    &ts->tag[ST_C]);
		return -1;
	}
	if (ts->have & (1u << ST_I)) {
		t = &ts->tag[ST_I];
		at = NULL;
		for (i = 0; i < t->vlen; i++)
			if (t->val[i] == '@')
				at = t->val + i;
		if (at == NULL) {
			dkim_set_why(err, "i= has no @: ", t);
			return -1;
		}
		n = t->vlen - (size_t)(at + 1 - t->val);
		if (!is_domain(at + 1, n) || !domain_within(at + 1, n, sig->d,
		    0)) {
			dkim_set_why(err,
			    "i= is not in d= or a subdomain of it: ", t);
			return -1;
		}
	}
	if (ts->have & (1u << ST_L)) {
		sig->has_l = 1;
		if (parse_number(ts->tag[ST_L].val, ts->tag[ST_L].vlen,
		    &sig->l) != 0) {
			dkim_set_why(err, "l= is not a number: ",
			    &ts->tag[ST_L]);
			return -1;
		}
	}
	if (ts->have & (1u << ST_T)) {
		sig->has_t = 1;
		if (parse_number(ts->tag[ST_T].val, ts->tag[ST_T].vlen,
		    &sig->t) != 0) {
			dkim_set_why(err, "t= is not a number: ",
			    &ts->tag[ST_T]);
			return -1;
		}
	}
	if (ts->have & (1u << ST_X)) {
		sig->has_x = 1;
		if (parse_number(ts->tag[ST_X].val, ts->tag[ST_X].vlen,
		    &sig->x) != 0) {
			dkim_set_why(err, "x= is not a number: ",
			    &ts->tag[ST_X]);
			return -1;
		}
	}
	if (sig->has_t && sig->has_x && sig->x < sig->t) {
		dkim_set_why(err, "x= is before t=", NULL);
		return -1;
	}
	if ((ts->have & (1u << ST_Q)) && !sig_q(&ts->tag[ST_Q])) {
		dkim_set_why(err, "q= does not offer dns/txt: ",
		    &ts->tag[ST_Q]);
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
	why = dkim_tagset_read(&ts, value, value + strlen(value));
	sig->d = dkim_tag_dup(&ts, ST_D);
	sig->s = dkim_tag_dup(&ts, ST_S);
	sig->i = dkim_tag_dup(&ts, ST_I);
	sig->a = dkim_tag_dup(&ts, ST_A);
	if (ts.have & (1u << ST_B))
		sig->b64 = dkim_strip_fws(ts.tag[ST_B].val, ts.tag[ST_B].vlen);
	if (why != NULL) {
		dkim_set_why(err, "signature syntax: ", NULL);
		dkim_tagset_why(&ts, why, err);
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
		return v->eng != NULL ? dkim_engine_md(v->eng, 1) :
		    dkim_md_sha1();
	return v->eng != NULL ? dkim_engine_md(v->eng, 0) : dkim_md_sha256();
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
	res->alg = sig->alg;
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
	if ((pk = dkim_key_get(v->eng, &key, ed, &res->key_bits)) == NULL) {
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
