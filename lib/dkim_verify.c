/*
 * dkim_verify.c - verify every DKIM signature of a message with
 *	libopendkim; key lookups prefetched in parallel at end of headers
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

#include "log.h"
#include "util.h"
#include "dns.h"
#include "dkim_dns.h"
#include "dkim_verify.h"

#define DKIM_FIELD_MAX		255	/* d=, s=, i= kept at most */
#define DKIM_ALG_MAX		32	/* a= kept at most */
#define DKIM_COMMENT_MAX	200	/* bytes of network text in a comment */

enum dkim_vstate {
	VS_HEADERS,		/* taking header fields */
	VS_BODY,		/* after eoh: taking the body */
	VS_DONE			/* after eom: results are ready */
};

/* one DKIM-Signature header field as we read it ourselves */
struct dkim_sighdr {
	char		*d, *i, *s, *a, *b8;	/* printable, bounded */
	char		*b;			/* b= without white space */
	DKIM_SIGINFO	*sig;			/* libopendkim's, matched */
};

/*
 * canonical body length so far, for both body canonicalizations
 * (RFC 6376 3.4.3 and 3.4.4), counted without keeping the body
 */
struct dkim_bodylen {
	uint64_t	 simple, relaxed;	/* bytes of complete lines */
	uint64_t	 s_empty, r_empty;	/* empty lines held back */
	uint64_t	 s_line, r_line;	/* current line, so far */
	int		 r_wsp;			/* in a run of WSP */
	int		 cr;			/* a CR waits for its LF */
};

struct dkim_engine {
	DKIM_LIB	*lib;
};

struct dkim_verifier {
	struct dkim_engine	*eng;
	DKIM			*dkim;
	char			*jobid;		/* libopendkim keeps the pointer */
	struct dkim_verify_opts	 opts;
	enum dkim_vstate	 state;
	struct strbuf		 line;		/* "Name: value" for dkim_header */
	struct dkim_sighdr	*hdrs;		/* DKIM-Signature fields, in order */
	size_t			 nhdrs;
	DKIM_STAT		 eoh_status;
	char			*eoh_error;	/* printable, if eoh failed */
	struct dns_batch	*batch;		/* key lookups in flight */
	struct dkim_bodylen	 blen;
	struct dkim_sig_result	*res;
	size_t			 nres;
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

/* ---- the engine ---- */

/* dkim_engine_new - the process's one DKIM_LIB, DNS through lib/dns */
struct dkim_engine *
dkim_engine_new(void)
{
	struct dkim_engine *eng = xcalloc(1, sizeof(*eng));
	u_int flags, bits = 0;

	if ((eng->lib = dkim_init(NULL, NULL)) == NULL) {
		log_msg(LOG_ERR, "dkim: libopendkim cannot initialize");
		abort();
	}
	/*
	 * BADSIGHANDLES: a handle for every signature, however broken, so
	 * each gets a result; DELAYSIGPROC: no key lookups inside
	 * dkim_eoh(), we start them all at once and libopendkim finds the
	 * answers at dkim_eom(); FIXCRLF: bare LFs from an MTA are lines.
	 */
	flags = DKIM_LIBFLAGS_BADSIGHANDLES | DKIM_LIBFLAGS_DELAYSIGPROC |
	    DKIM_LIBFLAGS_FIXCRLF;
	(void)dkim_options(eng->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags));
	/* key sizes are our policy (a result of its own), not a failure */
	(void)dkim_options(eng->lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS,
	    &bits, sizeof(bits));
	dkim_dns_attach(eng->lib);
	return eng;
}

/* dkim_engine_free - close the DKIM_LIB */
void
dkim_engine_free(struct dkim_engine *eng)
{
	if (eng == NULL)
		return;
	dkim_close(eng->lib);
	free(eng);
}

/* ---- our own reading of a DKIM-Signature ---- */

/* is_fws - folding white space inside a tag-list */
static int
is_fws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* printable - a bounded printable copy of n bytes */
static char *
printable(const char *p, size_t n, size_t max)
{
	struct strbuf sb;
	char *s;
	size_t i;

	sb_init(&sb);
	for (i = 0; i < n && i < max; i++)
		sb_putc(&sb, p[i] >= 0x20 && p[i] <= 0x7e ? p[i] : '?');
	s = sb_detach(&sb);
	sb_free(&sb);
	return s;
}

/*
 * sighdr_parse - d=, i=, s=, a= and b= of a tag-list (RFC 6376 3.2);
 * the first of a repeated tag counts (libopendkim judges the syntax)
 */
static void
sighdr_parse(const char *value, struct dkim_sighdr *h)
{
	const char *p = value, *tag, *tend, *val, *vend, *semi;
	struct strbuf b;
	size_t tlen, k;

	sb_init(&b);
	while (*p != '\0') {
		if ((semi = strchr(p, ';')) == NULL)
			semi = p + strlen(p);
		tag = p;
		while (tag < semi && is_fws((unsigned char)*tag))
			tag++;
		for (tend = tag; tend < semi && *tend != '=' &&
		    !is_fws((unsigned char)*tend); tend++)
			;
		val = tend;
		while (val < semi && is_fws((unsigned char)*val))
			val++;
		if (val < semi && *val == '=') {
			val++;
			while (val < semi && is_fws((unsigned char)*val))
				val++;
			vend = semi;
			while (vend > val && is_fws((unsigned char)vend[-1]))
				vend--;
			tlen = (size_t)(tend - tag);
			k = (size_t)(vend - val);
			if (tlen == 1 && *tag == 'd' && h->d == NULL)
				h->d = printable(val, k, DKIM_FIELD_MAX);
			else if (tlen == 1 && *tag == 'i' && h->i == NULL)
				h->i = printable(val, k, DKIM_FIELD_MAX);
			else if (tlen == 1 && *tag == 's' && h->s == NULL)
				h->s = printable(val, k, DKIM_FIELD_MAX);
			else if (tlen == 1 && *tag == 'a' && h->a == NULL)
				h->a = printable(val, k, DKIM_ALG_MAX);
			else if (tlen == 1 && *tag == 'b' && h->b == NULL) {
				for (; val < vend; val++)
					if (!is_fws((unsigned char)*val))
						sb_putc(&b, *val);
				h->b = sb_detach(&b);
			}
		}
		p = *semi == ';' ? semi + 1 : semi;
	}
	sb_free(&b);
	if (h->d == NULL)
		h->d = xstrdup("");
	if (h->i == NULL) {
		sb_init(&b);
		sb_printf(&b, "@%s", h->d);
		h->i = sb_detach(&b);
		sb_free(&b);
	}
	if (h->s == NULL)
		h->s = xstrdup("");
	if (h->a == NULL)
		h->a = xstrdup("");
	if (h->b == NULL)
		h->b = xstrdup("");
	h->b8 = printable(h->b, strlen(h->b), 8);
}

/* b_equal - whether libopendkim's b= of a signature is this one */
static int
b_equal(DKIM_SIGINFO *sig, const char *b)
{
	const unsigned char *v = dkim_sig_gettagvalue(sig, 0,
	    (u_char *)"b");

	if (v == NULL)
		return *b == '\0';
	for (;; v++) {
		while (is_fws(*v))
			v++;
		if (*v != (unsigned char)*b)
			return 0;
		if (*v == '\0')
			return 1;
		b++;
	}
}

/*
 * match_sigs - pair libopendkim's signatures with our header fields:
 * by b=, then the rest in order
 */
static void
match_sigs(struct dkim_verifier *v, DKIM_SIGINFO **sigs, int nsigs)
{
	char *used = xcalloc((size_t)nsigs + 1, 1);
	size_t i;
	int k;

	for (i = 0; i < v->nhdrs; i++)
		for (k = 0; k < nsigs; k++)
			if (!used[k] && b_equal(sigs[k], v->hdrs[i].b)) {
				v->hdrs[i].sig = sigs[k];
				used[k] = 1;
				break;
			}
	for (i = 0; i < v->nhdrs; i++) {
		if (v->hdrs[i].sig != NULL)
			continue;
		for (k = 0; k < nsigs; k++)
			if (!used[k]) {
				v->hdrs[i].sig = sigs[k];
				used[k] = 1;
				break;
			}
	}
	free(used);
}

/* ---- canonical body length ---- */

/* bodylen_line - a line ended: hold it back if empty, else count it */
static void
bodylen_line(struct dkim_bodylen *bl)
{
	if (bl->s_line == 0)
		bl->s_empty++;
	else {
		bl->simple += bl->s_empty * 2 + bl->s_line + 2;
		bl->s_empty = 0;
	}
	if (bl->r_line == 0)
		bl->r_empty++;
	else {
		bl->relaxed += bl->r_empty * 2 + bl->r_line + 2;
		bl->r_empty = 0;
	}
	bl->s_line = bl->r_line = 0;
	bl->r_wsp = 0;
}

/* bodylen_byte - one byte of line content */
static void
bodylen_byte(struct dkim_bodylen *bl, unsigned char c)
{
	bl->s_line++;
	if (c == ' ' || c == '\t')
		bl->r_wsp = 1;
	else {
		bl->r_line += bl->r_wsp ? 2 : 1;
		bl->r_wsp = 0;
	}
}

/* bodylen_feed - count a chunk of the body (CRLF or bare LF lines) */
static void
bodylen_feed(struct dkim_bodylen *bl, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (bl->cr) {
			bl->cr = 0;
			if (p[i] == '\n') {
				bodylen_line(bl);
				continue;
			}
			bodylen_byte(bl, '\r');
		}
		if (p[i] == '\r')
			bl->cr = 1;
		else if (p[i] == '\n')
			bodylen_line(bl);
		else
			bodylen_byte(bl, p[i]);
	}
}

/* bodylen_total - canonical length of the whole body */
static uint64_t
bodylen_total(const struct dkim_bodylen *cur, int relaxed)
{
	struct dkim_bodylen bl = *cur;

	if (bl.cr)
		bodylen_byte(&bl, '\r');
	/* a last line without CRLF gets one */
	if (bl.s_line > 0 || bl.r_line > 0)
		bodylen_line(&bl);
	if (relaxed)
		return bl.relaxed;
	return bl.simple == 0 ? 2 : bl.simple;	/* empty: one CRLF */
}

/* ---- a message ---- */

/* dkim_verifier_new - a verifier for one message */
struct dkim_verifier *
dkim_verifier_new(struct dkim_engine *eng, const struct dkim_verify_opts *opts,
    const char *jobid)
{
	struct dkim_verifier *v = xcalloc(1, sizeof(*v));
	DKIM_STAT st;

	v->eng = eng;
	if (opts != NULL)
		v->opts = *opts;
	if (v->opts.max_sigs == 0)
		v->opts.max_sigs = DKIM_DEFAULT_MAX_SIGS;
	if (v->opts.min_key_bits == 0)
		v->opts.min_key_bits = DKIM_DEFAULT_MIN_KEY_BITS;
	v->jobid = xstrdup(jobid != NULL ? jobid : "");
	sb_init(&v->line);
	v->state = VS_HEADERS;
	v->dkim = dkim_verify(eng->lib, (u_char *)v->jobid, NULL, &st);
	if (v->dkim == NULL) {
		log_msg(LOG_ERR, "dkim: libopendkim cannot make a handle: %s",
		    dkim_getresultstr(st) != NULL ? dkim_getresultstr(st) :
		    "?");
		abort();
	}
	return v;
}

/* dkim_verifier_header - one header field, as the MTA gives it */
void
dkim_verifier_header(struct dkim_verifier *v, const char *name,
    const char *value)
{
	struct dkim_sighdr *h;

	if (v->state != VS_HEADERS || name == NULL || value == NULL)
		return;
	sb_truncate(&v->line, 0);
	sb_printf(&v->line, "%s: %s", name, value);
	(void)dkim_header(v->dkim, (u_char *)v->line.s, v->line.len);
	if (!str_caseeq(name, "DKIM-Signature"))
		return;
	if (v->nhdrs >= DKIM_MAX_RESULTS)
		return;
	v->hdrs = xrealloc(v->hdrs, (v->nhdrs + 1) * sizeof(*v->hdrs));
	h = &v->hdrs[v->nhdrs++];
	memset(h, 0, sizeof(*h));
	sighdr_parse(value, h);
}

/*
 * sig_active - whether libopendkim is to process a signature: one of
 * the first max_sigs header fields, not already judged (syntax, x=)
 */
static int
sig_active(const struct dkim_verifier *v, DKIM_SIGINFO *sig)
{
	size_t i;

	if (dkim_sig_geterror(sig) != DKIM_SIGERROR_UNKNOWN)
		return 0;
	for (i = 0; i < v->nhdrs && i < v->opts.max_sigs; i++)
		if (v->hdrs[i].sig == sig)
			return 1;
	return 0;
}

/* dkim_verifier_eoh - end of headers: start every key lookup at once */
void
dkim_verifier_eoh(struct dkim_verifier *v, struct dns_client *dc)
{
	DKIM_SIGINFO **sigs = NULL;
	const char **names;
	uint16_t *types;
	struct strbuf *keys;
	const char *err;
	size_t i, n = 0;
	int nsigs = 0, k;

	if (v->state != VS_HEADERS)
		return;
	v->state = VS_BODY;
	v->eoh_status = dkim_eoh(v->dkim);
	if (v->nhdrs == 0)
		return;
	if (v->eoh_status != DKIM_STAT_OK ||
	    dkim_getsiglist(v->dkim, &sigs, &nsigs) != DKIM_STAT_OK ||
	    nsigs <= 0) {
		if (v->eoh_status == DKIM_STAT_OK)
			v->eoh_status = DKIM_STAT_CANTVRFY;
		err = dkim_geterror(v->dkim);
		v->eoh_error = printable(err != NULL ? err : "",
		    err != NULL ? strlen(err) : 0, DKIM_COMMENT_MAX);
		return;
	}
	match_sigs(v, sigs, nsigs);

	/*
	 * Past the cap, or already judged (syntax, x=): libopendkim need
	 * not process it, nor look its key up.  The others' keys are
	 * asked for now, all at once.
	 */
	for (k = 0; k < nsigs; k++)
		if (!sig_active(v, sigs[k]))
			dkim_sig_ignore(sigs[k]);
	keys = xcalloc(v->nhdrs, sizeof(*keys));
	for (i = 0; i < v->nhdrs; i++) {
		if (v->hdrs[i].sig == NULL || !sig_active(v, v->hdrs[i].sig))
			continue;
		sb_init(&keys[n]);
		sb_printf(&keys[n++], "%s._domainkey.%s",
		    (const char *)dkim_sig_getselector(v->hdrs[i].sig),
		    (const char *)dkim_sig_getdomain(v->hdrs[i].sig));
	}
	names = xcalloc(n + 1, sizeof(*names));
	types = xcalloc(n + 1, sizeof(*types));
	for (i = 0; i < n; i++) {
		names[i] = keys[i].s;
		types[i] = DNS_T_TXT;
	}
	if (n > 0 && dc != NULL)
		v->batch = dns_batch_start(dc, names, types, n);
	for (i = 0; i < n; i++)
		sb_free(&keys[i]);
	free(keys);
	free(names);
	free(types);
}

/* dkim_verifier_body - a chunk of the body, hashed as it comes */
void
dkim_verifier_body(struct dkim_verifier *v, const unsigned char *p,
    size_t len)
{
	if (v->state == VS_HEADERS)
		dkim_verifier_eoh(v, NULL);
	if (v->state != VS_BODY || v->nhdrs == 0 ||
	    v->eoh_status != DKIM_STAT_OK || len == 0)
		return;
	(void)dkim_body(v->dkim, (u_char *)p, len);
	bodylen_feed(&v->blen, p, len);
}

/* result_set - fill a result's verdict and comment */
static void
result_set(struct dkim_sig_result *res, enum dkim_result r, struct strbuf *c)
{
	res->result = r;
	free(res->comment);
	res->comment = xstrdup(c->s);
}

/* key_type_ok - whether the key's k= is the type a= names (RFC 6376) */
static int
key_type_ok(DKIM_SIGINFO *sig, const char *a, struct strbuf *c)
{
	const char *k, *dash;

	if (dkim_sig_gettagvalue(sig, 1, (u_char *)"p") == NULL)
		return 1;		/* no key record seen */
	k = (const char *)dkim_sig_gettagvalue(sig, 1, (u_char *)"k");
	if (k == NULL)
		k = "rsa";
	dash = strchr(a, '-');
	if (dash != NULL && strlen(k) == (size_t)(dash - a) &&
	    strncmp(k, a, (size_t)(dash - a)) == 0)
		return 1;
	sb_puts(c, "key k=");
	sb_put_printable(c, k, DKIM_ALG_MAX);
	sb_puts(c, " does not match a=");
	sb_puts(c, a);
	return 0;
}

/*
 * judge_verified - the result of a signature libopendkim processed with
 * a key in hand: pass only with signature and body hash good, then our
 * policy (rsa-sha1, key size, l=)
 */
static void
judge_verified(struct dkim_verifier *v, struct dkim_sighdr *h,
    struct dkim_sig_result *res, struct strbuf *c)
{
	DKIM_SIGINFO *sig = h->sig;
	dkim_alg_t alg = DKIM_SIGN_UNKNOWN;
	dkim_canon_t hc, bc = DKIM_CANON_SIMPLE;
	ssize_t msglen = -1, canonlen = -1, signlen = -1;
	uint64_t total;

	if (!key_type_ok(sig, h->a, c)) {
		result_set(res, DKIM_RES_PERMERROR, c);
		return;
	}
	if (dkim_sig_geterror(sig) == DKIM_SIGERROR_BADSIG ||
	    !DKIM_SIG_CHECK(sig)) {
		if ((dkim_sig_getflags(sig) & DKIM_SIGFLAG_PASSED) != 0 &&
		    dkim_sig_getbh(sig) != DKIM_SIGBH_MATCH)
			sb_puts(c, "body hash did not verify");
		else
			sb_puts(c, "signature did not verify");
		result_set(res, DKIM_RES_FAIL, c);
		return;
	}
	(void)dkim_sig_getsignalg(sig, &alg);
	if (alg == DKIM_SIGN_RSASHA1) {
		sb_puts(c, "rsa-sha1 is not accepted (RFC 8301)");
		result_set(res, DKIM_RES_POLICY, c);
		return;
	}
	if (alg != DKIM_SIGN_ED25519SHA256 &&
	    res->key_bits < v->opts.min_key_bits) {
		sb_printf(c, "%u-bit key, under %u bits", res->key_bits,
		    v->opts.min_key_bits);
		result_set(res, DKIM_RES_POLICY, c);
		return;
	}
	(void)dkim_sig_getcanons(sig, &hc, &bc);
	(void)dkim_sig_getcanonlen(v->dkim, sig, &msglen, &canonlen,
	    &signlen);
	if (signlen >= 0) {
		total = bodylen_total(&v->blen, bc == DKIM_CANON_RELAXED);
		if (canonlen != signlen || total < (uint64_t)signlen) {
			sb_printf(c, "l=%lld does not match the body",
			    (long long)signlen);
			result_set(res, DKIM_RES_POLICY, c);
			return;
		}
		if (total > (uint64_t)signlen) {
			sb_printf(c, "l= leaves %llu bytes unsigned",
			    (unsigned long long)(total - (uint64_t)signlen));
			result_set(res, DKIM_RES_POLICY, c);
			return;
		}
	}
	if (alg == DKIM_SIGN_ED25519SHA256)
		sb_puts(c, "ed25519 key");
	else
		sb_printf(c, "%u-bit key", res->key_bits);
	if (signlen >= 0)
		sb_puts(c, "; l= covers the whole body");
	result_set(res, DKIM_RES_PASS, c);
}

/* key_name - the name of a signature's key record, for comments */
static void
key_name(struct strbuf *c, const struct dkim_sighdr *h)
{
	sb_put_printable(c, h->s, 63);
	sb_puts(c, "._domainkey.");
	sb_put_printable(c, h->d, DKIM_FIELD_MAX);
}

/* judge - the result of one DKIM-Signature header field */
static void
judge(struct dkim_verifier *v, size_t idx, struct dkim_sig_result *res)
{
	struct dkim_sighdr *h = &v->hdrs[idx];
	DKIM_SIGINFO *sig = h->sig;
	struct dns_reply *r;
	struct strbuf c, name;
	const char *why;
	int err;

	sb_init(&c);
	if (idx >= v->opts.max_sigs) {
		sb_printf(&c, "not checked: more than %u signatures",
		    v->opts.max_sigs);
		result_set(res, DKIM_RES_NEUTRAL, &c);
		goto out;
	}
	if (v->eoh_status != DKIM_STAT_OK) {
		sb_puts(&c, "message cannot be verified");
		if (v->eoh_error != NULL && *v->eoh_error != '\0') {
			sb_puts(&c, ": ");
			sb_puts(&c, v->eoh_error);
		}
		result_set(res, DKIM_RES_PERMERROR, &c);
		goto out;
	}
	if (sig == NULL) {
		sb_puts(&c, "signature not understood");
		result_set(res, DKIM_RES_PERMERROR, &c);
		goto out;
	}
	if (dkim_sig_getkeysize(sig, &res->key_bits) != DKIM_STAT_OK)
		res->key_bits = 0;
	res->testing = (dkim_sig_getflags(sig) & DKIM_SIGFLAG_TESTKEY) != 0;
	err = dkim_sig_geterror(sig);
	switch (err) {
	case DKIM_SIGERROR_OK:
	case DKIM_SIGERROR_UNKNOWN:
	case DKIM_SIGERROR_BADSIG:
		if ((dkim_sig_getflags(sig) & DKIM_SIGFLAG_PROCESSED) == 0) {
			sb_puts(&c, "signature not evaluated");
			result_set(res, DKIM_RES_TEMPERROR, &c);
		} else
			judge_verified(v, h, res, &c);
		break;
	case DKIM_SIGERROR_KEYFAIL:
		sb_init(&name);
		sb_printf(&name, "%s._domainkey.%s",
		    (const char *)dkim_sig_getselector(sig),
		    (const char *)dkim_sig_getdomain(sig));
		r = dns_batch_reply(v->batch, name.s, DNS_T_TXT);
		sb_free(&name);
		if (r != NULL && r->status == DNS_NXDOMAIN) {
			sb_puts(&c, "no key: no such name ");
			key_name(&c, h);
			result_set(res, DKIM_RES_PERMERROR, &c);
		} else {
			sb_puts(&c, "key lookup failed (DNS): ");
			key_name(&c, h);
			result_set(res, DKIM_RES_TEMPERROR, &c);
		}
		dns_reply_free(r);
		break;
	case DKIM_SIGERROR_NOKEY:
		sb_puts(&c, "no key published at ");
		key_name(&c, h);
		result_set(res, DKIM_RES_PERMERROR, &c);
		break;
	case DKIM_SIGERROR_KEYREVOKED:
		sb_puts(&c, "key revoked (empty p=)");
		result_set(res, DKIM_RES_PERMERROR, &c);
		break;
	case DKIM_SIGERROR_EXPIRED:
		sb_puts(&c, "signature expired (x= in the past)");
		result_set(res, DKIM_RES_POLICY, &c);
		break;
	case DKIM_SIGERROR_TOOLARGE_L:
		sb_puts(&c, "l= is larger than the body");
		result_set(res, DKIM_RES_FAIL, &c);
		break;
	case DKIM_SIGERROR_KEYHASHMISMATCH:
		sb_puts(&c, "key h= does not allow the signature's hash");
		result_set(res, DKIM_RES_PERMERROR, &c);
		break;
	default:
		why = dkim_sig_geterrorstr(err);
		if (!key_type_ok(sig, h->a, &c))
			;		/* the likely cause, said */
		else if (why != NULL)
			sb_put_printable(&c, why, DKIM_COMMENT_MAX);
		else
			sb_printf(&c, "signature error %d", err);
		result_set(res, DKIM_RES_PERMERROR, &c);
		break;
	}
	if (res->testing)
		sb_puts(&c, "; testing key (t=y)");
	result_set(res, res->result, &c);
out:
	sb_free(&c);
}

/* dkim_verifier_eom - finish: one result per DKIM-Signature */
size_t
dkim_verifier_eom(struct dkim_verifier *v, struct dns_client *dc,
    const struct dkim_sig_result **res)
{
	struct dkim_sig_result *r;
	size_t i;

	if (v->state == VS_HEADERS)
		dkim_verifier_eoh(v, dc);
	if (v->state == VS_BODY) {
		v->state = VS_DONE;
		if (v->nhdrs > 0 && v->eoh_status == DKIM_STAT_OK) {
			dns_batch_wait(v->batch);
			if (dc != NULL)
				dkim_dns_bind(dc);
			dkim_dns_bind_batch(v->batch);
			(void)dkim_eom(v->dkim, NULL);
			dkim_dns_bind_batch(NULL);
		}
		v->res = xcalloc(v->nhdrs + 1, sizeof(*v->res));
		for (i = 0; i < v->nhdrs; i++) {
			r = &v->res[i];
			r->domain = xstrdup(v->hdrs[i].d);
			r->identity = xstrdup(v->hdrs[i].i);
			r->selector = xstrdup(v->hdrs[i].s);
			r->algorithm = xstrdup(v->hdrs[i].a);
			r->b8 = xstrdup(v->hdrs[i].b8);
			judge(v, i, r);
		}
		v->nres = v->nhdrs;
	}
	if (res != NULL)
		*res = v->res;
	return v->nres;
}

/* dkim_verifier_free - free a verifier, its handle and its results */
void
dkim_verifier_free(struct dkim_verifier *v)
{
	size_t i;

	if (v == NULL)
		return;
	dkim_free(v->dkim);
	dns_batch_free(v->batch);
	for (i = 0; i < v->nhdrs; i++) {
		free(v->hdrs[i].d);
		free(v->hdrs[i].i);
		free(v->hdrs[i].s);
		free(v->hdrs[i].a);
		free(v->hdrs[i].b);
		free(v->hdrs[i].b8);
	}
	free(v->hdrs);
	for (i = 0; i < v->nres; i++) {
		free(v->res[i].domain);
		free(v->res[i].identity);
		free(v->res[i].selector);
		free(v->res[i].algorithm);
		free(v->res[i].b8);
		free(v->res[i].comment);
	}
	free(v->res);
	free(v->eoh_error);
	free(v->jobid);
	sb_free(&v->line);
	free(v);
}
