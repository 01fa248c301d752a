/*
 * dkim_canon_test.c - lib/dkim_canon's body canonicalizer against a
 * plain reading of RFC 6376 3.4.3/3.4.4 written here line by line: the
 * RFC's example, then thousands of random bodies (made of the bytes
 * that matter: letters, spaces, tabs, CR, LF) fed in random chunks, in
 * both canonicalizations, with the canonical length and several l=
 * hashes (all, none, some, more than the body) checked each time; so
 * the word-at-a-time scan, the runs kept across single spaces and
 * CRLFs, and every chunk boundary are pinned.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util.h"
#include "dkim_canon.h"
#include "tap.h"

/*
 * reference - the canonical body, the slow way: split into lines (CRLF
 * or a bare LF ends one, a bare CR is data), relaxed WSP runs to one
 * space and no WSP at a line end, trailing empty lines dropped, every
 * line with CRLF; the empty body is CRLF for simple and nothing for
 * relaxed
 */
static void
reference(enum dkim_canon c, const unsigned char *p, size_t n,
    struct strbuf *out)
{
	struct strbuf line, all;
	size_t i, keep = 0;
	int wsp;

	sb_init(&line);
	sb_init(&all);
	for (i = 0; i <= n; i++) {
		int eol = i == n || p[i] == '\n' ||
		    (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n');

		if (!eol) {
			sb_putc(&line, p[i]);
			continue;
		}
		if (i < n && p[i] == '\r')
			i++;
		if (c == SIGN_CANON_RELAXED) {
			struct strbuf r;
			size_t k;

			sb_init(&r);
			wsp = 0;
			for (k = 0; k < line.len; k++) {
				if (line.s[k] == ' ' || line.s[k] == '\t') {
					wsp = 1;
					continue;
				}
				if (wsp)
					sb_putc(&r, ' ');
				wsp = 0;
				sb_putc(&r, line.s[k]);
			}
			sb_truncate(&line, 0);
			sb_append(&line, r.s, r.len);
			sb_free(&r);
		}
		if (i == n && line.len == 0)
			break;		/* no last line */
		sb_append(&all, line.s, line.len);
		sb_append(&all, "\r\n", 2);
		if (line.len > 0)
			keep = all.len;
		sb_truncate(&line, 0);
	}
	sb_truncate(&all, keep);	/* trailing empty lines */
	if (all.len == 0 && c == SIGN_CANON_SIMPLE)
		sb_puts(&all, "\r\n");
	sb_append(out, all.s, all.len);
	sb_free(&line);
	sb_free(&all);
}

/* digest - SHA-256 of at most limit bytes */
static void
digest(const struct strbuf *s, uint64_t limit, unsigned char *d)
{
	unsigned int dl;
	size_t n = limit < s->len ? (size_t)limit : s->len;

	EVP_Digest(s->s, n, d, &dl, EVP_sha256(), NULL);
}

/*
 * check - feed body in the chunks cut[] gives and compare length and
 * four hashes (no limit, 0, half, more than the body) with the
 * reference; 1 if all agree
 */
static int
check(enum dkim_canon c, const unsigned char *body, size_t n,
    const size_t *cut, size_t ncut, char *why, size_t whylen)
{
	struct dkim_body b;
	struct strbuf ref;
	unsigned char got[EVP_MAX_MD_SIZE], want[EVP_MAX_MD_SIZE];
	unsigned int gl;
	uint64_t limits[4];
	size_t i, at = 0;
	int good = 1;

	sb_init(&ref);
	reference(c, body, n, &ref);
	limits[0] = UINT64_MAX;
	limits[1] = 0;
	limits[2] = ref.len / 2;
	limits[3] = ref.len + 7;
	dkim_body_init(&b, c);
	for (i = 0; i < 4; i++)
		(void)dkim_body_add_hash(&b, dkim_md_sha256(), limits[i]);
	for (i = 0; i < ncut; i++) {
		dkim_body_feed(&b, body + at, cut[i] - at);
		at = cut[i];
	}
	dkim_body_feed(&b, body + at, n - at);
	dkim_body_finish(&b);
	if (dkim_body_length(&b) != ref.len) {
		snprintf(why, whylen, "length %llu, want %zu",
		    (unsigned long long)dkim_body_length(&b), ref.len);
		good = 0;
	}
	for (i = 0; i < 4 && good; i++) {
		digest(&ref, limits[i], want);
		if (dkim_body_digest(&b, i, got, &gl) != 0 || gl != 32 ||
		    memcmp(got, want, 32) != 0) {
			snprintf(why, whylen, "hash %zu (limit %llu) differs",
			    i, (unsigned long long)limits[i]);
			good = 0;
		}
	}
	dkim_body_clear(&b);
	sb_free(&ref);
	return good;
}

/* show - a body with its special bytes visible, for a diagnostic */
static void
show(const unsigned char *p, size_t n)
{
	size_t i;

	printf("#   body: '");
	for (i = 0; i < n; i++) {
		if (p[i] == '\r')
			printf("\\r");
		else if (p[i] == '\n')
			printf("\\n");
		else if (p[i] == '\t')
			printf("\\t");
		else
			putchar(p[i]);
	}
	printf("'\n");
}

/* test_rfc - RFC 6376 3.4.5's example body, whole and byte by byte */
static void
test_rfc(void)
{
	const char *body = " C \r\nD \t E\r\n\r\n\r\n";
	struct strbuf out;
	size_t cut[32], i, n = strlen(body);
	char why[100];

	sb_init(&out);
	reference(SIGN_CANON_RELAXED, (const unsigned char *)body, n, &out);
	is_str(out.s, " C\r\nD E\r\n", "the reference gives RFC 6376 "
	    "3.4.5's relaxed body");
	sb_truncate(&out, 0);
	reference(SIGN_CANON_SIMPLE, (const unsigned char *)body, n, &out);
	is_str(out.s, " C \r\nD \t E\r\n", "... and its simple body");
	sb_free(&out);
	for (i = 0; i + 1 < n; i++)
		cut[i] = i + 1;
	ok(check(SIGN_CANON_RELAXED, (const unsigned char *)body, n, NULL, 0,
	    why, sizeof(why)), "relaxed, whole");
	ok(check(SIGN_CANON_RELAXED, (const unsigned char *)body, n, cut,
	    n - 1, why, sizeof(why)), "relaxed, a byte at a time");
	ok(check(SIGN_CANON_SIMPLE, (const unsigned char *)body, n, cut,
	    n - 1, why, sizeof(why)), "simple, a byte at a time");
}

/* test_random - random bodies in random chunks, both canonicalizations */
static void
test_random(void)
{
	static const char alphabet[] = "ab  \t\r\n\r\nxy z";
	unsigned char body[600];
	size_t cut[8], n, i, k, tries = 0;
	unsigned seed = 20261122;
	char why[100];
	int c, bad[2] = { 0, 0 };

	for (k = 0; k < 6000; k++) {
		n = (size_t)(rand_r(&seed) % sizeof(body));
		for (i = 0; i < n; i++) {
			/* mostly text, so that the word scan has runs */
			if (rand_r(&seed) % 3 == 0)
				body[i] = (unsigned char)alphabet[
				    rand_r(&seed) % (sizeof(alphabet) - 1)];
			else
				body[i] = (unsigned char)('a' +
				    rand_r(&seed) % 26);
		}
		for (i = 0; i < ARRAY_SIZE(cut); i++)
			cut[i] = n > 0 ? (size_t)(rand_r(&seed) % (n + 1)) : 0;
		for (i = 1; i < ARRAY_SIZE(cut); i++)	/* sorted */
			if (cut[i] < cut[i - 1])
				cut[i] = cut[i - 1];
		for (c = 0; c < 2; c++) {
			tries++;
			if (check(c ? SIGN_CANON_SIMPLE : SIGN_CANON_RELAXED,
			    body, n, cut, (size_t)(k % 9), why, sizeof(why)))
				continue;
			if (bad[c]++ == 0) {
				printf("# %s: %s\n", c ? "simple" : "relaxed",
				    why);
				show(body, n);
			}
		}
	}
	ok(bad[0] == 0, "relaxed: %zu random bodies in random chunks agree "
	    "with the reference", tries / 2);
	ok(bad[1] == 0, "simple: %zu random bodies in random chunks agree "
	    "with the reference", tries / 2);
}

/* test_after - bytes after the finish and a second finish change nothing */
static void
test_after(void)
{
	struct dkim_body b;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl;

	dkim_body_init(&b, SIGN_CANON_SIMPLE);
	(void)dkim_body_add_hash(&b, dkim_md_sha256(), UINT64_MAX);
	dkim_body_feed(&b, (const unsigned char *)"a\r\n", 3);
	dkim_body_finish(&b);
	dkim_body_feed(&b, (const unsigned char *)"more\r\n", 6);
	dkim_body_finish(&b);
	is_int((long)dkim_body_length(&b), 3, "fed after the finish: "
	    "ignored");
	ok(dkim_body_digest(&b, 0, d, &dl) == 0 &&
	    dkim_body_digest(&b, 0, d, &dl) == -1,
	    "a digest is given once");
	ok(dkim_body_digest(&b, 5, d, &dl) == -1, "no such hash: -1");
	dkim_body_clear(&b);
	ok(dkim_md_sha256() != NULL && dkim_md_sha256() == dkim_md_sha256(),
	    "one fetched SHA-256 for the process");
	ok(dkim_md_sha1() != NULL, "SHA-1 is there (rsa-sha1 is verified)");
}

/* canon_header - one header field through dkim_canon_header, as a string */
static char *
canon_header(enum dkim_canon c, const char *name, const char *value)
{
	struct strbuf sb;

	sb_init(&sb);
	dkim_canon_header(&sb, c, name, value);
	return sb_detach(&sb);
}

/* body_canon - a whole body through the canonicalizer, as a string */
static char *
body_canon(enum dkim_canon c, const char *body)
{
	struct dkim_body b;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl;
	char *hex = malloc(2 * EVP_MAX_MD_SIZE + 1);
	unsigned int i;

	dkim_body_init(&b, c);
	(void)dkim_body_add_hash(&b, dkim_md_sha256(), UINT64_MAX);
	dkim_body_feed(&b, (const unsigned char *)body, strlen(body));
	dkim_body_finish(&b);
	(void)dkim_body_digest(&b, 0, d, &dl);
	dkim_body_clear(&b);
	for (i = 0; i < dl; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return hex;
}

/*
 * test_bare_cr - RFC 6376 3.4.2: relaxed header canonicalization only
 * unfolds CRLF, turns WSP runs into one SP and strips WSP at the end and
 * around the colon; a bare CR is content and stays, so a CR slipped into
 * a signed header after signing breaks the signature.  The body
 * canonicalizers keep a bare CR too.
 */
static void
test_bare_cr(void)
{
	char *a, *b;

	a = canon_header(SIGN_CANON_RELAXED, "Subject", "Pay invoice 12\r34");
	b = canon_header(SIGN_CANON_RELAXED, "Subject", "Pay invoice 1234");
	is_str(a, "subject:Pay invoice 12\r34\r\n",
	    "relaxed header: a bare CR is kept");
	ok(strcmp(a, b) != 0, "relaxed header: 12<CR>34 and 1234 differ");
	free(a);
	free(b);
	a = canon_header(SIGN_CANON_RELAXED, "Subject", "x\r \r");
	is_str(a, "subject:x\r \r\r\n",
	    "relaxed header: a bare CR is not white space, also at the end");
	free(a);
	a = canon_header(SIGN_CANON_RELAXED, "Subject ",
	    " \tPay\r\n \t invoice \n\t1234 \t");
	is_str(a, "subject:Pay invoice 1234\r\n",
	    "relaxed header: CRLF and LF unfold, WSP runs are one SP, WSP "
	    "around the colon and at the end goes");
	free(a);
	a = canon_header(SIGN_CANON_RELAXED, "Subject", "a\r\r\n b");
	is_str(a, "subject:a\r b\r\n",
	    "relaxed header: a CR before a CRLF fold stays");
	free(a);
	a = body_canon(SIGN_CANON_RELAXED, "Pay invoice 12\r34\r\n");
	b = body_canon(SIGN_CANON_RELAXED, "Pay invoice 1234\r\n");
	ok(strcmp(a, b) != 0, "relaxed body: 12<CR>34 and 1234 differ");
	free(a);
	free(b);
	a = body_canon(SIGN_CANON_SIMPLE, "Pay invoice 12\r34\r\n");
	b = body_canon(SIGN_CANON_SIMPLE, "Pay invoice 1234\r\n");
	ok(strcmp(a, b) != 0, "simple body: 12<CR>34 and 1234 differ");
	free(a);
	free(b);
}

int
main(void)
{
	test_rfc();
	test_random();
	test_after();
	test_bare_cr();
	return tap_done();
}
