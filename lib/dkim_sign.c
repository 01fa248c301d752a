/*
 * dkim_sign.c - our DKIM signer (RFC 6376, RFC 8463, RFC 8301)
 *
 * The body goes through lib/dkim_canon's canonicalizer into one
 * SHA-256, whatever the number of keys.  Headers with a signed name are
 * kept until the end, when h= is chosen and each key makes its
 * signature over the same canonical headers: RSA-SHA256 through
 * EVP_DigestSign, Ed25519 as PureEdDSA over the SHA-256 of that data
 * (RFC 8463 3).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "log.h"
#include "util.h"
#include "signkey.h"
#include "dkim_canon.h"
#include "dkim_sign.h"
#include "metrics.h"

#define FOLD_COLUMN	78	/* RFC 5322 2.1.1: SHOULD NOT exceed */
#define SIG_HEADER	"DKIM-Signature"

const char *const dkim_sign_default_headers[] = {
	"From", "Reply-To", "Subject", "Date", "To", "Cc",
	"Resent-Date", "Resent-From", "Resent-To", "Resent-Cc",
	"In-Reply-To", "References",
	"List-Id", "List-Help", "List-Unsubscribe", "List-Subscribe",
	"List-Post", "List-Owner", "List-Archive", "List-Unsubscribe-Post",
	"Sender", "Message-ID", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding",
	NULL
};

static const char *const default_oversign[] = { "From", NULL };

struct sign_header {
	char	*name;
	char	*value;
};

struct dkim_signer {
	struct dkim_sign_opts	 opts;
	char			*domain;
	struct signkey		**keys;
	size_t			 nkeys;
	struct sign_header	*hdrs;
	size_t			 nhdrs;
	size_t			 hcap;
	struct dkim_body	 body;
	int			 broken;	/* no digest context */
	int			 eom;
	time_t			 now;
	char			**values;
	size_t			 nvalues;
};

/* one entry of h=: the header it stands for (-1: oversigned, none) */
struct hsel {
	long		 idx;
	const char	*name;
};

/* in_list - name is in the NULL-terminated list, ignoring case */
static int
in_list(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (str_caseeq(*list, name))
			return 1;
	return 0;
}

/* is_signed - the signer signs headers of this name */
static int
is_signed(const struct dkim_signer *s, const char *name)
{
	return str_caseeq(name, "From") ||
	    in_list(s->opts.sign_headers, name) ||
	    in_list(s->opts.oversign_headers, name);
}

/* dkim_signer_new - a signer for one message */
struct dkim_signer *
dkim_signer_new(const struct dkim_sign_opts *o, const char *domain,
    struct signkey *const *keys, size_t n)
{
	struct dkim_signer *s = xcalloc(1, sizeof(*s));

	if (o != NULL)
		s->opts = *o;
	if (s->opts.sign_headers == NULL)
		s->opts.sign_headers = dkim_sign_default_headers;
	if (s->opts.oversign_headers == NULL)
		s->opts.oversign_headers = default_oversign;
	s->domain = xstrdup(domain);
	s->nkeys = n;
	if (n > 0) {
		s->keys = xcalloc(n, sizeof(*s->keys));
		memcpy(s->keys, keys, n * sizeof(*s->keys));
	}
	dkim_body_init(&s->body, s->opts.body_canon);
	if (dkim_body_add_hash(&s->body, dkim_md_sha256(), UINT64_MAX) != 0) {
		log_msg(LOG_ERR, "dkim sign: %s: cannot start SHA-256", domain);
		s->broken = 1;
	}
	return s;
}

/* dkim_signer_set_time - fix t= instead of taking the clock at eom */
void
dkim_signer_set_time(struct dkim_signer *s, time_t t)
{
	s->now = t;
}

/* dkim_signer_header - one header as the MTA gives it */
void
dkim_signer_header(struct dkim_signer *s, const char *name,
    const char *value)
{
	if (s->eom || !is_signed(s, name))
		return;
	if (s->nhdrs == s->hcap) {
		s->hcap = s->hcap ? 2 * s->hcap : 16;
		s->hdrs = xrealloc(s->hdrs, s->hcap * sizeof(*s->hdrs));
	}
	s->hdrs[s->nhdrs].name = xstrdup(name);
	s->hdrs[s->nhdrs].value = xstrdup(value ? value : "");
	s->nhdrs++;
}

/* dkim_signer_eoh - end of the headers */
void
dkim_signer_eoh(struct dkim_signer *s)
{
	(void)s;		/* headers are chosen at eom */
}

/* dkim_signer_body - one chunk of the body */
void
dkim_signer_body(struct dkim_signer *s, const unsigned char *p, size_t len)
{
	if (!s->eom)
		dkim_body_feed(&s->body, p, len);
}

/* select_headers - the h= list, in order; returns its length */
static size_t
select_headers(const struct dkim_signer *s, struct hsel **out)
{
	const char *const *o;
	struct hsel *v;
	size_t i, j, k, n = 0, max;
	char *done = xcalloc(s->nhdrs + 1, 1);

	/* each header once, an extra per name present, one per absent */
	for (max = 2 * s->nhdrs, o = s->opts.oversign_headers; *o != NULL;
	    o++)
		max++;
	v = xcalloc(max + 1, sizeof(*v));
	for (i = 0; i < s->nhdrs; i++) {
		if (done[i])
			continue;
		for (j = s->nhdrs; j-- > i;) {
			if (!done[j] && str_caseeq(s->hdrs[j].name,
			    s->hdrs[i].name)) {
				done[j] = 1;
				v[n].idx = (long)j;
				v[n++].name = s->hdrs[j].name;
			}
		}
		if (in_list(s->opts.oversign_headers, s->hdrs[i].name)) {
			v[n].idx = -1;
			v[n++].name = s->hdrs[i].name;
		}
	}
	for (o = s->opts.oversign_headers; *o != NULL; o++) {
		for (k = 0; k < n; k++)
			if (str_caseeq(v[k].name, *o))
				break;
		if (k == n) {
			v[n].idx = -1;
			v[n++].name = *o;
		}
	}
	free(done);
	*out = v;
	return n;
}

/* fold_tag - append "; " or a fold, then the tag, to a header value */
static void
fold_tag(struct strbuf *v, size_t *col, const char *tag, int first,
    int newline)
{
	size_t len = strlen(tag) + 1;	/* with its ';' */

	if (!first) {
		sb_putc(v, ';');
		(*col)++;
		if (newline || *col + 1 + len > FOLD_COLUMN) {
			sb_puts(v, "\n\t");
			*col = 1;
		} else {
			sb_putc(v, ' ');
			(*col)++;
		}
	}
	sb_puts(v, tag);
	*col += len - 1;
}

/* fold_h - append the h= tag, folding after colons */
static void
fold_h(struct strbuf *v, size_t *col, const struct hsel *h, size_t nh)
{
	size_t i, len;
	const char *p;

	sb_puts(v, ";");
	(*col)++;
	len = nh > 0 ? strlen(h[0].name) : 0;
	if (*col + 3 + len + 1 > FOLD_COLUMN) {
		sb_puts(v, "\n\t");
		*col = 1;
	} else {
		sb_putc(v, ' ');
		(*col)++;
	}
	sb_puts(v, "h=");
	*col += 2;
	for (i = 0; i < nh; i++) {
		len = strlen(h[i].name);
		if (i > 0) {
			sb_putc(v, ':');
			(*col)++;
			if (*col + len + 1 > FOLD_COLUMN) {
				sb_puts(v, "\n\t");
				*col = 1;
			}
		}
		for (p = h[i].name; *p != '\0'; p++)
			sb_putc(v, ascii_tolower((unsigned char)*p));
		*col += len;
	}
}

/* sign_data - the signature of data with key, base64; NULL on failure */
static char *
sign_data(const struct signkey *k, const struct strbuf *data)
{
	unsigned char hash[EVP_MAX_MD_SIZE], *sig = NULL;
	unsigned int hlen = 0;
	const unsigned char *tbs = (const unsigned char *)data->s;
	size_t tbslen = data->len, siglen = 0;
	EVP_MD_CTX *ctx;
	const EVP_MD *md = dkim_md_sha256();
	char *b64 = NULL;

	if (k->type == SIGNKEY_ED25519) {
		/* RFC 8463 3: Ed25519 (pure) over the SHA-256 hash */
		if (EVP_Digest(data->s, data->len, hash, &hlen, md,
		    NULL) != 1)
			goto out;
		tbs = hash;
		tbslen = hlen;
		md = NULL;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestSignInit(ctx, NULL, md, NULL, k->pkey) == 1 &&
	    EVP_DigestSign(ctx, NULL, &siglen, tbs, tbslen) == 1) {
		sig = xmalloc(siglen);
		if (EVP_DigestSign(ctx, sig, &siglen, tbs, tbslen) == 1) {
			b64 = xmalloc(4 * ((siglen + 2) / 3) + 1);
			EVP_EncodeBlock((unsigned char *)b64, sig,
			    (int)siglen);
		}
	}
	EVP_MD_CTX_free(ctx);
out:
	if (b64 == NULL) {
		log_msg(LOG_ERR, "dkim sign: key %s (%s): signing failed: %s",
		    k->selector, k->path, ERR_reason_error_string(
		    ERR_peek_last_error()) ? ERR_reason_error_string(
		    ERR_peek_last_error()) : "unknown error");
		ERR_clear_error();
	}
	free(sig);
	return b64;
}

/* make_signature - one DKIM-Signature value for one key, or NULL */
static char *
make_signature(const struct dkim_signer *s, const struct signkey *k,
    const char *bh, const struct hsel *h, size_t nh)
{
	struct strbuf v, data, tag, self;
	size_t col = strlen(SIG_HEADER ": "), i, dlen, take;
	const char *p;
	char *b;

	sb_init(&v);
	sb_init(&tag);
	fold_tag(&v, &col, "v=1", 1, 0);
	sb_printf(&tag, "a=%s", signkey_algorithm(k));
	fold_tag(&v, &col, tag.s, 0, 0);
	sb_truncate(&tag, 0);
	sb_printf(&tag, "c=%s/%s", dkim_canon_name(s->opts.header_canon),
	    dkim_canon_name(s->opts.body_canon));
	fold_tag(&v, &col, tag.s, 0, 0);
	sb_truncate(&tag, 0);
	sb_printf(&tag, "d=%s", s->domain);
	fold_tag(&v, &col, tag.s, 0, 0);
	sb_truncate(&tag, 0);
	sb_printf(&tag, "s=%s", k->selector);
	fold_tag(&v, &col, tag.s, 0, 0);
	sb_truncate(&tag, 0);
	sb_printf(&tag, "t=%lld", (long long)s->now);
	fold_tag(&v, &col, tag.s, 0, 0);
	if (s->opts.ttl > 0) {
		sb_truncate(&tag, 0);
		sb_printf(&tag, "x=%lld",
		    (long long)s->now + (long long)s->opts.ttl);
		fold_tag(&v, &col, tag.s, 0, 0);
	}
	fold_h(&v, &col, h, nh);
	sb_truncate(&tag, 0);
	sb_printf(&tag, "bh=%s", bh);
	fold_tag(&v, &col, tag.s, 0, 0);
	fold_tag(&v, &col, "b=", 0, 1);
	sb_free(&tag);

	/* the data signed: selected headers, then this one with b= empty */
	sb_init(&data);
	for (i = 0; i < nh; i++)
		if (h[i].idx >= 0)
			dkim_canon_header(&data, s->opts.header_canon,
			    s->hdrs[h[i].idx].name, s->hdrs[h[i].idx].value);
	/* the field as inserted: "DKIM-Signature: v=1; ..." */
	sb_init(&self);
	sb_putc(&self, ' ');
	sb_puts(&self, v.s);
	dkim_canon_header(&data, s->opts.header_canon, SIG_HEADER, self.s);
	sb_free(&self);
	sb_truncate(&data, data.len - 2);	/* without its CRLF */
	b = sign_data(k, &data);
	sb_free(&data);
	if (b == NULL) {
		sb_free(&v);
		return NULL;
	}
	for (p = b, dlen = strlen(b); dlen > 0; p += take, dlen -= take) {
		take = FOLD_COLUMN - col;
		if (take > dlen)
			take = dlen;
		sb_append(&v, p, take);
		col += take;
		if (dlen > take) {
			sb_puts(&v, "\n\t");
			col = 1;
		}
	}
	free(b);
	return sb_detach(&v);
}

/* dkim_signer_eom - finish: one signature value per key */
size_t
dkim_signer_eom(struct dkim_signer *s, char ***values)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	char bh[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	struct hsel *h;
	size_t nh, i;
	char *v;

	*values = s->values;
	if (s->eom)
		return s->nvalues;
	s->eom = 1;
	dkim_body_finish(&s->body);
	if (s->broken || s->nkeys == 0)
		return 0;
	if (dkim_body_digest(&s->body, 0, digest, &dlen) != 0) {
		log_msg(LOG_ERR, "dkim sign: %s: body hash failed", s->domain);
		return 0;
	}
	EVP_EncodeBlock((unsigned char *)bh, digest, (int)dlen);
	if (s->now == 0)
		s->now = time(NULL);
	nh = select_headers(s, &h);
	s->values = xcalloc(s->nkeys + 1, sizeof(*s->values));
	for (i = 0; i < s->nkeys; i++)
		if ((v = make_signature(s, s->keys[i], bh, h, nh)) != NULL) {
			s->values[s->nvalues++] = v;
			metrics_signature(s->keys[i]->type);
		}
	free(h);
	*values = s->values;
	return s->nvalues;
}

/* dkim_signer_free - release the signer and its signature values */
void
dkim_signer_free(struct dkim_signer *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nhdrs; i++) {
		free(s->hdrs[i].name);
		free(s->hdrs[i].value);
	}
	for (i = 0; i < s->nvalues; i++)
		free(s->values[i]);
	free(s->values);
	free(s->hdrs);
	free(s->keys);
	free(s->domain);
	dkim_body_clear(&s->body);
	free(s);
}
