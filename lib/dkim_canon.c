/*
 * dkim_canon.c - DKIM header and body canonicalization (RFC 6376 3.4)
 *	and body hashes, for the signer and the verifier
 *
 * The body goes through a canonicalizer that keeps its state (a pending
 * CR, a pending WSP run, a count of held-back line ends) in a few words
 * and writes into a fixed buffer; the held-back line ends are what make
 * trailing empty lines disappear without buffering them.  The buffer is
 * flushed into every hash, each up to its own limit (l=).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "log.h"
#include "util.h"
#include "dkim_canon.h"

static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256, *md_sha1;

/* dkim_canon_name - the c= word for a canonicalization */
const char *
dkim_canon_name(enum dkim_canon c)
{
	return c == SIGN_CANON_SIMPLE ? "simple" : "relaxed";
}

/* is_wsp - RFC 5234 WSP */
static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* md_fetch - fetch the digests once for the process */
static void
md_fetch(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	if (md_sha256 == NULL)
		log_msg(LOG_ERR, "dkim: OpenSSL has no SHA-256");
	ERR_clear_error();
}

/* dkim_md_sha256 - the process's fetched SHA-256 */
const EVP_MD *
dkim_md_sha256(void)
{
	(void)pthread_once(&md_once, md_fetch);
	return md_sha256;
}

/* dkim_md_sha1 - the process's fetched SHA-1 */
const EVP_MD *
dkim_md_sha1(void)
{
	(void)pthread_once(&md_once, md_fetch);
	return md_sha1;
}

/* dkim_canon_header - append one header in canonical form */
void
dkim_canon_header(struct strbuf *out, enum dkim_canon c, const char *name,
    const char *value)
{
	const char *p, *run;
	size_t nlen, start, i;
	int wsp = 0, started = 0;

	if (c == SIGN_CANON_SIMPLE) {
		sb_puts(out, name);
		sb_putc(out, ':');
		for (p = value; (run = strchr(p, '\n')) != NULL; p = run + 1) {
			sb_append(out, p, (size_t)(run - p));
			if (run == value || run[-1] != '\r')
				sb_putc(out, '\r');
			sb_putc(out, '\n');
		}
		sb_puts(out, p);
		sb_append(out, "\r\n", 2);
		return;
	}
	nlen = strlen(name);
	while (nlen > 0 && is_wsp((unsigned char)name[nlen - 1]))
		nlen--;
	start = out->len;
	sb_append(out, name, nlen);
	for (i = start; i < out->len; i++)
		out->s[i] = (char)ascii_tolower((unsigned char)out->s[i]);
	sb_putc(out, ':');
	for (p = value; *p != '\0';) {
		if (*p == '\n' || (*p == '\r' && p[1] == '\n')) {
			p += *p == '\r' ? 2 : 1;	/* unfold: a line end goes */
			continue;
		}
		if (is_wsp((unsigned char)*p)) {
			wsp = 1;
			p++;
			continue;
		}
		/* content, a bare CR included (RFC 6376 3.4.2 keeps it) */
		for (run = p++; *p != '\0' && *p != '\n' &&
		    !(*p == '\r' && p[1] == '\n') &&
		    !is_wsp((unsigned char)*p); p++)
			;
		if (wsp && started)
			sb_putc(out, ' ');
		sb_append(out, run, (size_t)(p - run));
		wsp = 0;
		started = 1;
	}
	sb_append(out, "\r\n", 2);
}

/* dkim_body_init - a canonicalizer without hashes yet */
void
dkim_body_init(struct dkim_body *b, enum dkim_canon c)
{
	memset(b, 0, offsetof(struct dkim_body, buf));
	b->canon = c;
}

/* dkim_body_add_hash - one more hash of the canonical body, up to limit */
long
dkim_body_add_hash(struct dkim_body *b, const EVP_MD *md, uint64_t limit)
{
	EVP_MD_CTX *ctx;

	if (md == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		goto fail;
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		goto fail;
	}
	b->hash = xrealloc(b->hash, (b->nhash + 1) * sizeof(*b->hash));
	b->hash[b->nhash].ctx = ctx;
	b->hash[b->nhash].left = limit;
	if (limit > 0)
		b->hashing = 1;
	return (long)b->nhash++;
fail:
	log_msg(LOG_ERR, "dkim: cannot start a body hash");
	ERR_clear_error();
	return -1;
}

/* body_flush - hash what the buffer holds, each hash up to its limit */
static void
body_flush(struct dkim_body *b)
{
	struct dkim_body_hash *h;
	size_t i, take;
	int more = 0;

	for (i = 0; i < b->nhash; i++) {
		h = &b->hash[i];
		take = h->left < b->n ? (size_t)h->left : b->n;
		if (take > 0) {
			(void)EVP_DigestUpdate(h->ctx, b->buf, take);
			h->left -= take;
		}
		if (h->left > 0)
			more = 1;
	}
	b->hashing = more;
	b->n = 0;
}

/* body_out - append canonical body bytes */
static void
body_out(struct dkim_body *b, const char *p, size_t n)
{
	size_t k;

	b->length += n;
	if (!b->hashing)
		return;			/* every limit reached: count only */
	while (n > 0) {
		if (b->n == sizeof(b->buf))
			body_flush(b);
		k = sizeof(b->buf) - b->n;
		if (k > n)
			k = n;
		memcpy(b->buf + b->n, p, k);
		b->n += k;
		p += k;
		n -= k;
	}
}

/* body_run - line content, after what was held back */
static void
body_run(struct dkim_body *b, const unsigned char *p, size_t n)
{
	for (; b->eols > 0; b->eols--)
		body_out(b, "\r\n", 2);
	if (b->wsp) {
		body_out(b, " ", 1);
		b->wsp = 0;
	}
	body_out(b, (const char *)p, n);
	b->inline_ = 1;
	b->any = 1;
}

/* body_content - one byte of line content */
static void
body_content(struct dkim_body *b, int c)
{
	unsigned char ch = (unsigned char)c;

	body_run(b, &ch, 1);
}

/* body_eol - a line end: held back until content follows */
static void
body_eol(struct dkim_body *b)
{
	b->wsp = 0;		/* relaxed: WSP at the end of a line goes */
	b->inline_ = 0;
	b->eols++;
}

/* plain - a byte that is content as it stands (no CR, LF or relaxed WSP) */
static int
plain(const struct dkim_body *b, int c)
{
	if (c == '\r' || c == '\n')
		return 0;
	return b->canon != SIGN_CANON_RELAXED || !is_wsp(c);
}

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WORD_SCAN	1
#define ONES		0x0101010101010101ULL
#define LOW7		0x7f7f7f7f7f7f7f7fULL
#define HIGHS		0x8080808080808080ULL
#define NOT_LAST	0x0080808080808080ULL	/* bytes 0 to 6 */

/* eq_byte - the high bit of every byte of x that equals c, exactly */
static inline uint64_t
eq_byte(uint64_t x, unsigned char c)
{
	uint64_t v = x ^ (ONES * c);

	return ~(((v & LOW7) + LOW7) | v | LOW7);
}

/*
 * word_stop - the bytes of the 8 at x that may end a run: CR and LF,
 * and for relaxed TAB and a space followed by a special byte (or in
 * the last byte, its neighbour being unknown).  Only the first one
 * counts, so a space after a special byte need not be marked: that
 * byte stops the run first.
 */
static inline uint64_t
word_stop(uint64_t x, int relaxed)
{
	uint64_t sp, special;

	special = eq_byte(x, '\r') | eq_byte(x, '\n');
	if (!relaxed)
		return special;
	sp = eq_byte(x, ' ');
	special |= sp | eq_byte(x, '\t');
	sp &= ~(special >> 8) & NOT_LAST;	/* followed by a plain byte */
	return special & ~sp;
}
#endif

/*
 * run_end - the end of the run of content at p that goes out as it
 * stands: plain bytes, and between two plain bytes a single space
 * (which relaxed leaves as it is) or a CRLF (a line end followed by
 * content is written as it is).  Eight bytes at a time where it can.
 */
static const unsigned char *
run_end(const struct dkim_body *b, const unsigned char *p,
    const unsigned char *end)
{
	const unsigned char *run = p;
#ifdef WORD_SCAN
	int relaxed = b->canon == SIGN_CANON_RELAXED;
	uint64_t x, m;
#endif

	if (p == end || !plain(b, *p))
		return p;
	for (;;) {
#ifdef WORD_SCAN
		/* p is where the run starts (plain) or after a plain byte */
		while (end - p >= 8) {
			memcpy(&x, p, sizeof(x));
			if ((m = word_stop(x, relaxed)) != 0) {
				p += __builtin_ctzll(m) >> 3;
				break;
			}
			p += 8;
		}
#endif
		while (p < end && plain(b, *p))
			p++;
		if (p == end || p == run)
			return p;
		if (*p == ' ' && p + 1 < end && plain(b, p[1]))
			p += 2;
		else if (*p == '\r' && p + 2 < end && p[1] == '\n' &&
		    plain(b, p[2]))
			p += 3;
		else
			return p;
	}
}

/*
 * dkim_body_feed - canonicalize a chunk
 *
 * Runs that go out as they stand (see run_end) are copied whole.
 * Everything else (CR, LF, other WSP) goes through the state machine a
 * byte at a time.
 */
void
dkim_body_feed(struct dkim_body *b, const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len, *run;
	int c;

	if (b->finished)
		return;
	while (p < end) {
		if (b->cr) {
			b->cr = 0;
			if (*p == '\n') {
				body_eol(b);
				p++;
				continue;
			}
			body_content(b, '\r');	/* a bare CR is data */
		}
		run = p;
		p = run_end(b, p, end);
		if (p > run) {
			body_run(b, run, (size_t)(p - run));
			continue;
		}
		c = *p++;
		if (c == '\r')
			b->cr = 1;
		else if (c == '\n')
			body_eol(b);		/* bare LF: a line end */
		else
			b->wsp = 1;		/* relaxed WSP */
	}
}

/* dkim_body_finish - end of body: the last line end, or the empty body */
void
dkim_body_finish(struct dkim_body *b)
{
	if (b->finished)
		return;
	b->finished = 1;
	if (b->cr) {
		b->cr = 0;
		body_content(b, '\r');
	}
	if (b->inline_)
		body_eol(b);	/* no CRLF at the end: one is added */
	b->eols = 0;		/* trailing empty lines are dropped */
	b->wsp = 0;
	if (b->any || b->canon == SIGN_CANON_SIMPLE)
		body_out(b, "\r\n", 2);
	body_flush(b);
}

/* dkim_body_length - canonical length of the body so far */
uint64_t
dkim_body_length(const struct dkim_body *b)
{
	return b->length;
}

/* dkim_body_digest - the digest of hash i, once the body is finished */
int
dkim_body_digest(struct dkim_body *b, size_t i, unsigned char *out,
    unsigned int *outlen)
{
	if (i >= b->nhash || b->hash[i].ctx == NULL)
		return -1;
	if (EVP_DigestFinal_ex(b->hash[i].ctx, out, outlen) != 1) {
		ERR_clear_error();
		return -1;
	}
	EVP_MD_CTX_free(b->hash[i].ctx);
	b->hash[i].ctx = NULL;
	return 0;
}

/* dkim_body_clear - free the hashes */
void
dkim_body_clear(struct dkim_body *b)
{
	size_t i;

	for (i = 0; i < b->nhash; i++)
		EVP_MD_CTX_free(b->hash[i].ctx);
	free(b->hash);
	b->hash = NULL;
	b->nhash = 0;
}
