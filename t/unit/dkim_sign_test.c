/*
 * dkim_sign_test.c - lib/dkim_sign: canonicalization (RFC 6376 3.4)
 * header and body vectors, the body fed in every split to pin chunk
 * boundaries, h= selection and oversigning, tag layout and folding,
 * and signatures that verify over the data RFC 6376 3.7 and RFC 8463 3
 * say is signed; threads sharing the keys make the same signatures.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util.h"
#include "signkey.h"
#include "dkim_sign.h"
#include "tap.h"

#define T0	1700000000

static struct signkey *edkey, *rsakey;

/* canon_header - one header through dkim_canon_header */
static char *
canon_header(enum dkim_canon c, const char *name, const char *value)
{
	struct strbuf sb;

	sb_init(&sb);
	dkim_canon_header(&sb, c, name, value);
	return sb_detach(&sb);
}

/* b64_sha256 - base64 of the SHA-256 of p */
static char *
b64_sha256(const char *p, size_t len)
{
	unsigned char d[32];
	unsigned int dl;
	char *b = xmalloc(64);

	EVP_Digest(p, len, d, &dl, EVP_sha256(), NULL);
	EVP_EncodeBlock((unsigned char *)b, d, (int)dl);
	return b;
}

/* unfold - a copy of v without the "\n\t" folds */
static char *
unfold(const char *v)
{
	struct strbuf sb;

	sb_init(&sb);
	for (; *v != '\0'; v++)
		if (*v == '\n' && v[1] == '\t')
			v++;
		else
			sb_putc(&sb, *v);
	return sb_detach(&sb);
}

/* tag - a copy of tag t's value from an unfolded signature */
static char *
tag(const char *v, const char *t)
{
	char *u = unfold(v), *p, *e, *r = NULL;
	size_t tl = strlen(t);

	for (p = u; p != NULL && *p != '\0'; p = e ? e + 1 : NULL) {
		while (*p == ' ' || *p == '\t')
			p++;
		e = strchr(p, ';');
		if (strncmp(p, t, tl) == 0 && p[tl] == '=') {
			r = e ? xstrndup(p + tl + 1, (size_t)(e - p - tl - 1))
			    : xstrdup(p + tl + 1);
			break;
		}
	}
	free(u);
	return r;
}

/* body_bh - bh= of the body fed as pieces cut at a and b */
static char *
body_bh(enum dkim_canon bc, const char *body, size_t len, size_t a,
    size_t b)
{
	struct dkim_sign_opts o;
	struct dkim_signer *s;
	char **v, *bh = NULL;

	memset(&o, 0, sizeof(o));
	o.body_canon = bc;
	s = dkim_signer_new(&o, "example.com", &edkey, 1);
	dkim_signer_header(s, "From", " a@example.com");
	dkim_signer_eoh(s);
	dkim_signer_body(s, (const unsigned char *)body, a);
	dkim_signer_body(s, (const unsigned char *)body + a, b - a);
	dkim_signer_body(s, (const unsigned char *)body + b, len - b);
	if (dkim_signer_eom(s, &v) == 1)
		bh = tag(v[0], "bh");
	dkim_signer_free(s);
	return bh;
}

/* body_case - the canonical body's hash, for every split of body */
static void
body_case(enum dkim_canon bc, const char *body, const char *want,
    const char *name)
{
	size_t len = strlen(body), a, b, bad = 0, tried = 0;
	char *exp = b64_sha256(want, strlen(want)), *got, *first = NULL;

	for (a = 0; a <= len; a++) {
		for (b = a; b <= len; b++) {
			got = body_bh(bc, body, len, a, b);
			tried++;
			if (got == NULL || strcmp(got, exp) != 0) {
				if (bad++ == 0)
					first = got ? xstrdup(got) : NULL;
			}
			free(got);
		}
	}
	if (!ok(bad == 0, "%s body: %s (%zu splits)",
	    dkim_canon_name(bc), name, tried))
		printf("#   %zu splits wrong, first bh=%s, want %s\n", bad,
		    first ? first : "(none)", exp);
	free(first);
	free(exp);
}

/* sign_msg - sign a small message; values to *v, count returned */
static size_t
sign_msg(struct dkim_signer *s, const char *const *hdrs, const char *body,
    char ***v)
{
	for (; hdrs[0] != NULL; hdrs += 2)
		dkim_signer_header(s, hdrs[0], hdrs[1]);
	dkim_signer_eoh(s);
	dkim_signer_body(s, (const unsigned char *)body, strlen(body));
	return dkim_signer_eom(s, v);
}

/* lines_ok - every line within 78 columns, folds are "\n\t", no CR */
static int
lines_ok(const char *v)
{
	size_t col = strlen("DKIM-Signature: ");
	const char *p;

	for (p = v; *p != '\0'; p++) {
		if (*p == '\r')
			return 0;
		if (*p == '\n') {
			if (p[1] != '\t')
				return 0;
			col = 0;
			continue;
		}
		if (++col > 78)
			return 0;
	}
	return 1;
}

/* verify - the signature v verifies over the data RFC 6376 3.7 names */
static int
verify(const struct signkey *k, const char *signed_hdrs, const char *v,
    enum dkim_canon hc)
{
	struct strbuf data;
	char *b64 = tag(v, "b"), *cut, *bare;
	unsigned char sig[1024], hash[32];
	unsigned int hl;
	int siglen, r;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	bare = xstrdup(v);
	cut = strstr(bare, ";\n\tb=");
	if (b64 == NULL || cut == NULL) {
		free(b64);
		free(bare);
		EVP_MD_CTX_free(ctx);
		return 0;
	}
	cut[5] = '\0';
	sb_init(&data);
	sb_puts(&data, signed_hdrs);
	cut = bare;
	bare = xmalloc(strlen(cut) + 2);	/* inserted after ": " */
	bare[0] = ' ';
	strcpy(bare + 1, cut);
	free(cut);
	dkim_canon_header(&data, hc, "DKIM-Signature", bare);
	sb_truncate(&data, data.len - 2);
	if (strlen(b64) > 4 * sizeof(sig) / 3 || EVP_DecodeBlock(sig,
	    (unsigned char *)b64, (int)strlen(b64)) < 0) {
		free(b64);
		free(bare);
		sb_free(&data);
		EVP_MD_CTX_free(ctx);
		return 0;
	}
	/* EVP_DecodeBlock counts the padding; the key gives the size */
	siglen = k->type == SIGNKEY_ED25519 ? 64 : EVP_PKEY_get_size(k->pkey);
	if (k->type == SIGNKEY_ED25519) {
		EVP_Digest(data.s, data.len, hash, &hl, EVP_sha256(), NULL);
		r = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
		    EVP_DigestVerify(ctx, sig, (size_t)siglen, hash, hl) == 1;
	} else
		r = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL,
		    k->pkey) == 1 && EVP_DigestVerify(ctx, sig,
		    (size_t)siglen, (unsigned char *)data.s, data.len) == 1;
	EVP_MD_CTX_free(ctx);
	sb_free(&data);
	free(b64);
	free(bare);
	return r;
}

/* test_headers - relaxed and simple header vectors */
static void
test_headers(void)
{
	static const struct {
		enum dkim_canon c;
		const char *name, *value, *want, *what;
	} v[] = {
		{ SIGN_CANON_RELAXED, "A", "X", "a:X\r\n",
		    "RFC 6376 3.4.5 example, first header" },
		{ SIGN_CANON_RELAXED, "B ", "Y\t\r\n\tZ  ", "b:Y Z\r\n",
		    "RFC 6376 3.4.5 example, WSP before the colon, folded" },
		{ SIGN_CANON_RELAXED, "SUBJect", " \tHello   world \n\t again  ",
		    "subject:Hello world again\r\n",
		    "lowercase name, unfold LF, collapse WSP, strip ends" },
		{ SIGN_CANON_RELAXED, "X-Empty", "", "x-empty:\r\n",
		    "empty value" },
		{ SIGN_CANON_RELAXED, "X-Ws", " \t ", "x-ws:\r\n",
		    "all-WSP value" },
		{ SIGN_CANON_RELAXED, "To", "a@b,\r\n c@d", "to:a@b, c@d\r\n",
		    "CRLF fold becomes one SP" },
		{ SIGN_CANON_SIMPLE, "SUBJect", " Hello  \n\tworld ",
		    "SUBJect: Hello  \r\n\tworld \r\n",
		    "simple keeps case and WSP, LF fold written as CRLF" },
		{ SIGN_CANON_SIMPLE, "To", " a@b,\r\n c@d", "To: a@b,\r\n c@d\r\n",
		    "simple keeps CRLF folds as they are" },
		{ SIGN_CANON_SIMPLE, "Subject", "x", "Subject:x\r\n",
		    "simple: no space after the colon stays none" },
		{ SIGN_CANON_SIMPLE, "To", "\tx", "To:\tx\r\n",
		    "simple: a TAB after the colon stays a TAB" },
		{ SIGN_CANON_SIMPLE, "To", "  x", "To:  x\r\n",
		    "simple: two spaces after the colon stay two" },
	};
	size_t i;
	char *got;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		got = canon_header(v[i].c, v[i].name, v[i].value);
		is_str(got, v[i].want, "%s header: %s",
		    dkim_canon_name(v[i].c), v[i].what);
		free(got);
	}
}

/* test_bodies - body vectors, every two-cut split of each */
static void
test_bodies(void)
{
	static const struct {
		const char *body, *relaxed, *simple, *what;
	} v[] = {
		{ " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n",
		    " C \r\nD \t E\r\n", "RFC 6376 3.4.5 example" },
		{ "", "", "\r\n", "empty body" },
		{ "\r\n\r\n\r\n", "", "\r\n", "only empty lines" },
		{ "abc", "abc\r\n", "abc\r\n", "no final CRLF" },
		{ "abc  \t", "abc\r\n", "abc  \t\r\n",
		    "no final CRLF, trailing WSP" },
		{ "a  \t b \t\r\n", "a b\r\n", "a  \t b \t\r\n",
		    "WSP runs inside and at line end" },
		{ "  \r\n \t\r\n", "", "  \r\n \t\r\n",
		    "WSP-only lines at the end" },
		{ "x\r\n\r\n \r\ny\r\n\r\n", "x\r\n\r\n\r\ny\r\n",
		    "x\r\n\r\n \r\ny\r\n", "empty lines inside are kept" },
		{ "a\rb\r\n\r", "a\rb\r\n\r\r\n", "a\rb\r\n\r\r\n",
		    "bare CR is data" },
		{ "l1\nl2\n\n", "l1\r\nl2\r\n", "l1\r\nl2\r\n",
		    "bare LF is a line end" },
		{ "\tlead\r\n", " lead\r\n", "\tlead\r\n",
		    "leading WSP becomes one SP" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		body_case(SIGN_CANON_RELAXED, v[i].body, v[i].relaxed,
		    v[i].what);
		body_case(SIGN_CANON_SIMPLE, v[i].body, v[i].simple,
		    v[i].what);
	}
}

/* test_long_body - many trailing empty lines are a counter, not data */
static void
test_long_body(void)
{
	struct strbuf body, want;
	char *exp, *got;
	size_t i;

	sb_init(&body);
	sb_puts(&body, "a\r\n");
	for (i = 0; i < 100000; i++)
		sb_puts(&body, "\r\n");
	sb_puts(&body, "b  \r\n");
	for (i = 0; i < 100000; i++)
		sb_puts(&body, " \r\n");
	sb_init(&want);
	sb_puts(&want, "a\r\n");
	for (i = 0; i < 100000; i++)
		sb_puts(&want, "\r\n");
	sb_puts(&want, "b\r\n");
	exp = b64_sha256(want.s, want.len);
	got = body_bh(SIGN_CANON_RELAXED, body.s, body.len, body.len / 3,
	    body.len / 3 * 2 + 1);
	is_str(got, exp, "relaxed body: 100000 empty lines inside kept, "
	    "100000 WSP lines at the end dropped");
	free(got);
	free(exp);
	sb_free(&body);
	sb_free(&want);
}

/* test_tags - tag order and values, h= selection, folding */
static void
test_tags(void)
{
	static const char *const hdrs[] = {
		"From", " a@example.com",
		"To", " b@example.net",
		"Received", " from x by y",
		"Subject", " hi",
		"to", " c@example.net",
		NULL
	};
	static const char *const over[] = { "From", "Reply-To", NULL };
	static const char *const none[] = { NULL };
	static const char *const only_subject[] = { "Subject", NULL };
	struct dkim_sign_opts o;
	struct dkim_signer *s;
	struct signkey *two[2];
	char **v, *t, *t2;
	size_t n;

	memset(&o, 0, sizeof(o));
	o.body_canon = SIGN_CANON_SIMPLE;
	o.ttl = 3600;
	s = dkim_signer_new(&o, "example.com", &edkey, 1);
	dkim_signer_set_time(s, T0);
	n = sign_msg(s, hdrs, "hello\r\n", &v);
	is_int((long)n, 1, "one key, one signature");
	t = n == 1 ? xstrdup(v[0]) : NULL;
	for (t2 = t; t2 != NULL && (t2 = strstr(t2, "\n\t")) != NULL;)
		memmove(t2, t2 + 1, strlen(t2));	/* fold to one SP */
	for (t2 = t; t2 != NULL && (t2 = strchr(t2, '\t')) != NULL;)
		*t2 = ' ';
	ok(t != NULL && strncmp(t, "v=1; a=ed25519-sha256; c=relaxed/simple;"
	    " d=example.com; s=ed; t=1700000000; x=1700003600; h=", 88) == 0,
	    "tags v a c d s t x h first, in order");
	free(t);
	t = n == 1 ? tag(v[0], "h") : NULL;
	is_str(t, "from:from:to:to:subject", "h=: From oversigned, the two "
	    "To bottom-up, Received not signed");
	free(t);
	t = n == 1 ? tag(v[0], "bh") : NULL;
	t2 = b64_sha256("hello\r\n", 7);
	is_str(t, t2, "bh= is SHA-256 of the canonical body");
	free(t);
	free(t2);
	ok(n == 1 && strstr(v[0], "; l=") == NULL &&
	    strstr(v[0], "; i=") == NULL, "no l= and no i=");
	ok(n == 1 && lines_ok(v[0]), "folded with \\n\\t within 78 columns");
	ok(n == 1 && strstr(v[0], ";\n\tb=") != NULL, "b= starts its own line");
	t = n == 1 ? tag(v[0], "b") : NULL;
	is_int(t ? (long)strlen(t) : 0, 88, "Ed25519 b= is 64 bytes base64");
	free(t);
	ok(n == 1 && verify(edkey, "from:a@example.com\r\nto:c@example.net\r\n"
	    "to:b@example.net\r\nsubject:hi\r\n", v[0], SIGN_CANON_RELAXED),
	    "ed25519-sha256 verifies as Ed25519 over SHA-256 of the "
	    "signed data (RFC 8463)");
	dkim_signer_free(s);

	memset(&o, 0, sizeof(o));
	o.header_canon = SIGN_CANON_SIMPLE;
	o.oversign_headers = over;
	s = dkim_signer_new(&o, "example.com", &rsakey, 1);
	n = sign_msg(s, hdrs, "", &v);
	t = n == 1 ? tag(v[0], "h") : NULL;
	is_str(t, "from:from:to:to:subject:reply-to", "h=: an absent "
	    "oversigned name comes last, once");
	free(t);
	ok(n == 1 && strstr(v[0], "a=rsa-sha256; c=simple/relaxed;") != NULL,
	    "a=rsa-sha256 for an RSA key, c= simple/relaxed");
	ok(n == 1 && strstr(v[0], "; x=") == NULL, "no x= without a ttl");
	ok(n == 1 && verify(rsakey, "From: a@example.com\r\n"
	    "to: c@example.net\r\nTo: b@example.net\r\nSubject: hi\r\n", v[0],
	    SIGN_CANON_SIMPLE), "rsa-sha256 over simple headers verifies");
	ok(n == 1 && lines_ok(v[0]), "RSA signature folded within 78 columns");
	dkim_signer_free(s);

	memset(&o, 0, sizeof(o));
	o.oversign_headers = none;
	o.sign_headers = only_subject;
	s = dkim_signer_new(&o, "example.com", &edkey, 1);
	n = sign_msg(s, hdrs, "", &v);
	t = n == 1 ? tag(v[0], "h") : NULL;
	is_str(t, "from:subject", "h=: no oversigning; From signed though "
	    "not listed");
	free(t);
	dkim_signer_free(s);

	two[0] = rsakey;
	two[1] = edkey;
	s = dkim_signer_new(NULL, "example.com", two, 2);
	n = sign_msg(s, hdrs, "x \r\n\r\n", &v);
	is_int((long)n, 2, "two keys, two signatures");
	if (n == 2) {
		t = tag(v[0], "bh");
		t2 = tag(v[1], "bh");
		is_str(t, t2, "both signatures share the body hash");
		free(t);
		free(t2);
		ok(strstr(v[0], "a=rsa-sha256") && strstr(v[1],
		    "a=ed25519-sha256") && strstr(v[0], "s=rsa;") &&
		    strstr(v[1], "s=ed;"), "in the order of the keys");
	} else {
		ok(0, "both signatures share the body hash");
		ok(0, "in the order of the keys");
	}
	dkim_signer_free(s);

	s = dkim_signer_new(NULL, "example.com", NULL, 0);
	is_int((long)sign_msg(s, hdrs, "", &v), 0, "no keys, no signature");
	dkim_signer_free(s);
}

/* test_keys - signkey_from_pkey rules and the public key */
static void
test_keys(void)
{
	struct strbuf err, p;
	EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512);
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	sb_init(&err);
	ok(signkey_from_pkey("s", "/k/small.pem", small, &err) == NULL &&
	    strstr(err.s, "/k/small.pem: RSA key of 512 bits") != NULL,
	    "RSA-512 refused, naming the file");
	sb_truncate(&err, 0);
	ok(signkey_from_pkey("s", "/k/ec.pem", ec, &err) == NULL &&
	    strstr(err.s, "/k/ec.pem: unsupported key type") != NULL,
	    "EC key refused");
	EVP_PKEY_free(small);
	EVP_PKEY_free(ec);
	sb_free(&err);
	is_int(edkey->bits, 256, "Ed25519 size from the key");
	is_int(rsakey->bits, 1024, "RSA size from the key");
	sb_init(&p);
	ok(signkey_public_b64(edkey, &p) == 0 && p.len == 44,
	    "Ed25519 p= is the raw 32-byte key");
	sb_truncate(&p, 0);
	ok(signkey_public_b64(rsakey, &p) == 0 &&
	    strncmp(p.s, "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ", 38) == 0,
	    "RSA p= is the SubjectPublicKeyInfo");
	sb_free(&p);
}

#define THREADS		4
#define PER_THREAD	100

static char *reference[2];

/* sign_fixed - the two signatures of a fixed message at a fixed time */
static int
sign_fixed(char **out)
{
	static const char *const hdrs[] = {
		"From", " a@example.com", "Subject", " threads", NULL
	};
	struct signkey *two[2] = { rsakey, edkey };
	struct dkim_signer *s = dkim_signer_new(NULL, "example.com", two, 2);
	char **v;
	size_t n;

	dkim_signer_set_time(s, T0);
	n = sign_msg(s, hdrs, "body  \r\n\r\n", &v);
	if (n == 2) {
		out[0] = xstrdup(v[0]);
		out[1] = xstrdup(v[1]);
	}
	dkim_signer_free(s);
	return n == 2 ? 0 : -1;
}

/* thread_main - sign PER_THREAD times; count results unlike the first */
static void *
thread_main(void *arg)
{
	long *bad = arg;
	char *v[2];
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		if (sign_fixed(v) != 0) {
			(*bad)++;
			continue;
		}
		if (strcmp(v[0], reference[0]) != 0 ||
		    strcmp(v[1], reference[1]) != 0)
			(*bad)++;
		free(v[0]);
		free(v[1]);
	}
	return NULL;
}

/* test_threads - one pair of keys shared by concurrent signers */
static void
test_threads(void)
{
	pthread_t t[THREADS];
	long bad[THREADS], total = 0;
	int i;

	if (!ok(sign_fixed(reference) == 0, "reference signatures"))
		return;
	for (i = 0; i < THREADS; i++) {
		bad[i] = 0;
		pthread_create(&t[i], NULL, thread_main, &bad[i]);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		total += bad[i];
	}
	is_int(total, 0, "%d threads x %d messages on shared keys: every "
	    "signature as the reference (RSA PKCS#1 v1.5 and Ed25519 are "
	    "deterministic)", THREADS, PER_THREAD);
	free(reference[0]);
	free(reference[1]);
}

/* main - make two keys in memory and run every test */
int
main(void)
{
	struct strbuf err;

	sb_init(&err);
	edkey = signkey_from_pkey("ed", NULL,
	    EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), &err);
	rsakey = signkey_from_pkey("rsa", NULL,
	    EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024), &err);
	if (edkey == NULL || rsakey == NULL) {
		printf("Bail out! cannot make test keys: %s\n", err.s);
		return 1;
	}
	test_headers();
	test_bodies();
	test_long_body();
	test_tags();
	test_keys();
	test_threads();
	signkey_free(edkey);
	signkey_free(rsakey);
	sb_free(&err);
	return tap_done();
}
