/*
 * dkim_verify_test.c - lib/dkim_verify's parsers: DKIM-Signature
 * tag-lists (RFC 6376 3.2, 3.5) and key records (3.6.1), good and
 * hostile (repeated tags, empty values, huge numbers, bad base64, FWS
 * inside b= and bh=, i= outside d=, x= before t=, t= in the future,
 * control characters, NULs, too many tags); every error says why in
 * printable ASCII, and what the field says is still there to show.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "dkim_verify.h"
#include "tap.h"

#define BH	"2jmj7l5rSw0yVb/vlWAYkK/YBwk1QZdtG2j0ZHp2O8w="
#define B	"dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ=="

/* printable_str - only printable ASCII in s */
static int
printable_str(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* sig - parse value; the return code, the reason in *why (freed later) */
static int
sig(const char *value, struct dkim_sig *s, char **why)
{
	struct strbuf err;
	int rc;

	sb_init(&err);
	rc = dkim_sig_parse(value, s, &err);
	*why = sb_detach(&err);
	sb_free(&err);
	return rc;
}

/* sig_err - the reason a signature is refused, "" if it is not */
static char *
sig_err(const char *value)
{
	struct dkim_sig s;
	char *why;
	int rc;

	rc = sig(value, &s, &why);
	dkim_sig_clear(&s);
	if (rc == 0) {
		free(why);
		return xstrdup("");
	}
	if (*why == '\0' || !printable_str(why)) {
		free(why);
		return xstrdup("(error without a printable reason)");
	}
	return why;
}

/* err_like - the signature is refused and the reason contains want */
static void
err_like(const char *value, const char *want, const char *name)
{
	char *why = sig_err(value);

	if (!ok(*why != '\0' && strstr(why, want) != NULL, "%s", name))
		printf("#   reason: '%s'\n#   wanted: '%s'\n", why, want);
	free(why);
}

/* good - the signature parses */
static void
good(const char *value, const char *name)
{
	char *why = sig_err(value);

	is_str(why, "", "%s", name);
	free(why);
}

/* test_good - a complete signature and what it says */
static void
test_good(void)
{
	struct dkim_sig s;
	char *why;
	int rc;

	rc = sig("v=1; a=rsa-sha256; d=example.com; s=sel; h=From:To:"
	    "Subject; bh=" BH "; b=" B, &s, &why);
	is_int(rc, 0, "a minimal signature parses");
	is_str(why, "", "... without a reason");
	is_int(s.alg, DKIM_ALG_RSA_SHA256, "a=rsa-sha256");
	is_int(s.hcanon, SIGN_CANON_SIMPLE, "c= absent: simple header");
	is_int(s.bcanon, SIGN_CANON_SIMPLE, "c= absent: simple body");
	is_str(s.d, "example.com", "d=");
	is_str(s.s, "sel", "s=");
	ok(s.i == NULL, "i= absent: NULL (the result says @d)");
	is_int((long)s.nh, 3, "h= has 3 names");
	is_str(s.nh == 3 ? s.h[2] : NULL, "Subject", "h= names as written");
	is_int((long)s.bhlen, 32, "bh= decoded: 32 bytes");
	is_int((long)s.blen, 28, "b= decoded");
	ok(!s.has_l && !s.has_t && !s.has_x, "no l=, t=, x=");
	dkim_sig_clear(&s);
	free(why);

	rc = sig("v=1; a=ed25519-sha256; c=relaxed/relaxed; d=Example.COM; "
	    "i=joe@mail.example.com; s=ed.2026; t=1700000000; x=1700086400; "
	    "l=1234; q=dns/txt; z=From:foo@bar|To:\xc3\xa9t\xc3\xa9; "
	    "h=from; bh=" BH "; b=" B ";", &s, &why);
	is_int(rc, 0, "a signature with every tag parses (8-bit z= too)");
	free(why);
	is_int(s.alg, DKIM_ALG_ED25519_SHA256, "a=ed25519-sha256");
	ok(s.hcanon == SIGN_CANON_RELAXED && s.bcanon == SIGN_CANON_RELAXED,
	    "c=relaxed/relaxed");
	ok(s.has_l && s.l == 1234, "l=1234");
	ok(s.has_t && s.t == 1700000000 && s.has_x && s.x == 1700086400,
	    "t= and x=");
	is_str(s.i, "joe@mail.example.com", "i= in a subdomain of d= "
	    "(d= compared without case)");
	dkim_sig_clear(&s);

	rc = sig("v=1; a=rsa-sha256; c=relaxed; d=example.com; s=s; h=from;"
	    " bh=" BH "; b=" B, &s, &why);
	ok(rc == 0 && s.hcanon == SIGN_CANON_RELAXED &&
	    s.bcanon == SIGN_CANON_SIMPLE, "c=relaxed is relaxed/simple");
	dkim_sig_clear(&s);
	free(why);
	rc = sig("v=1; a=rsa-sha1; c=simple/relaxed; d=example.com; s=s; "
	    "h=from; bh=" BH "; b=" B, &s, &why);
	ok(rc == 0 && s.alg == DKIM_ALG_RSA_SHA1 &&
	    s.hcanon == SIGN_CANON_SIMPLE && s.bcanon == SIGN_CANON_RELAXED,
	    "a=rsa-sha1 is read (judged policy later), c=simple/relaxed");
	dkim_sig_clear(&s);
	free(why);
}

/* test_fws - white space where RFC 6376 allows it, b= span */
static void
test_fws(void)
{
	const char *v = "v=1;\r\n\ta=rsa-sha256 ;  d = example.com ;s=sel;"
	    "\r\n h = from : to\r\n\t: subject ; bh=2jmj7l5rSw0yVb/vlWAY\r\n"
	    "\tkK/YBwk1QZdtG2j0ZHp2O8w=;\r\n\tb= dGhpcyBpcyBub3QgYSBy\r\n"
	    "\t ZWFsIHNpZ25hdHVyZQ== \r\n";
	struct dkim_sig s;
	char *why, *span;
	int rc;

	rc = sig(v, &s, &why);
	is_int(rc, 0, "FWS around tags, '=', ';' and inside b=, bh=, h=");
	if (rc != 0)
		printf("#   reason: %s\n", why);
	free(why);
	is_str(s.b64, "dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ==",
	    "b= kept without its white space");
	is_int((long)s.bhlen, 32, "folded bh= decodes to 32 bytes");
	is_str(s.nh == 3 ? s.h[1] : NULL, "to", "h= names trimmed of FWS");
	is_str(s.d, "example.com", "d= trimmed of white space");
	span = xstrndup(v + s.b_off, s.b_len);
	is_str(span, " dGhpcyBpcyBub3QgYSBy\r\n\t ZWFsIHNpZ25hdHVyZQ== \r\n",
	    "the b= span: its value and the white space around it");
	free(span);
	dkim_sig_clear(&s);

	good("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B ";;; ", "empty tag-specs and a final ';' are tolerated");
}

/* test_hostile - every way a signature can be refused */
static void
test_hostile(void)
{
	struct dkim_sig s;
	struct strbuf many;
	char *why;
	int i, rc;

	err_like("v=1; a=rsa-sha256; d=example.com; d=evil.example; s=s; "
	    "h=from; bh=" BH "; b=" B, "a repeated tag (d=)",
	    "a repeated d=, named");
	rc = sig("v=1; a=rsa-sha256; d=example.com; d=evil.example; s=s; "
	    "h=from; bh=" BH "; b=" B, &s, &why);
	is_str(s.d, "example.com", "a repeated tag: the first is shown");
	dkim_sig_clear(&s);
	free(why);
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; foo=1; foo=2", "repeated", "a repeated unknown tag");
	good("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; foo=1; Foo=2; D=x", "unknown tags ignored; names are "
	    "case-sensitive (D= is not d=)");
	sb_init(&many);
	sb_puts(&many, "v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh="
	    BH "; b=" B);
	for (i = 0; i < 40; i++)
		sb_printf(&many, "; t%d=x", i);
	err_like(many.s, "too many tags", "40 distinct unknown tags");
	sb_free(&many);

	err_like("a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH "; b=" B,
	    "no v= tag", "v= missing");
	err_like("v=2; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B, "v= is not 1", "v=2");
	err_like("v=; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B, "v= is not 1", "v= empty");
	err_like("v=1; d=example.com; s=s; h=from; bh=" BH "; b=" B,
	    "no a= tag", "a= missing");
	err_like("v=1; a=rsa-sha512; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B, "unknown algorithm a=rsa-sha512", "a=rsa-sha512");
	err_like("v=1; a=rsa-sha256; s=s; h=from; bh=" BH "; b=" B,
	    "no d= tag", "d= missing");
	err_like("v=1; a=rsa-sha256; d=; s=s; h=from; bh=" BH "; b=" B,
	    "d= is not a domain name", "d= empty");
	err_like("v=1; a=rsa-sha256; d=exa mple.com; s=s; h=from; bh=" BH
	    "; b=" B, "d= is not a domain name", "d= with a space");
	err_like("v=1; a=rsa-sha256; d=example..com; s=s; h=from; bh=" BH
	    "; b=" B, "d= is not a domain name", "d= with an empty label");
	err_like("v=1; a=rsa-sha256; d=ex\xffmple.com; s=s; h=from; bh=" BH
	    "; b=" B, "d= is not a domain name: ex?mple.com",
	    "d= with a byte over 0x7f: refused, shown with ?");
	err_like("v=1; a=rsa-sha256; d=example.com; s=; h=from; bh=" BH
	    "; b=" B, "s= is not a selector", "s= empty");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; bh=" BH "; b=" B,
	    "no h= tag", "h= missing");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=; bh=" BH
	    "; b=" B, "bad header name", "h= empty");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from::to; bh=" BH
	    "; b=" B, "bad header name", "h= with an empty name");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=to:subject; bh="
	    BH "; b=" B, "h= does not include From", "h= without From");
	good("v=1; a=rsa-sha256; d=example.com; s=s; h=To:FROM; bh=" BH
	    "; b=" B, "h= with FROM in capitals");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; b=" B,
	    "no bh= tag", "bh= missing");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=; b=" B,
	    "bh= is empty", "bh= empty");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=", "b= is empty", "b= empty");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=\r\n\t ", "b= is empty", "b= of white space only");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=%%%%", "b= is not base64", "b= of bad base64");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=AAAAA", "b= is not base64", "b= of 5 characters");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=AA=A", "b= is not base64", "b= with '=' inside");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=AB*D; "
	    "b=" B, "bh= is not base64", "bh= of bad base64");
	good("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=AA", "b= without its padding");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; c=relaxed/fancy", "unknown canonicalization",
	    "c=relaxed/fancy");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; c=", "unknown canonicalization", "c= empty");

	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; i=@evil.example", "i= is not in d=",
	    "i= outside d=");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; i=joe@notexample.com", "i= is not in d=",
	    "i= in a domain that only ends like d=");
	err_like("v=1; a=rsa-sha256; d=mail.example.com; s=s; h=from; bh="
	    BH "; b=" B "; i=@example.com", "i= is not in d=",
	    "i= a parent of d=");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; i=example.com", "i= has no @", "i= without @");
	good("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; i=\"a@b\"@EXAMPLE.com", "i= with @ in the local-part,"
	    " d= in other case");

	rc = sig("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; l=99999999999999999999999999999999999999999", &s,
	    &why);
	ok(rc == 0 && s.has_l && s.l == UINT64_MAX,
	    "a huge l= saturates (and is larger than any body)");
	dkim_sig_clear(&s);
	free(why);
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; l=-1", "l= is not a number", "l=-1");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; l=", "l= is not a number", "l= empty");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; t=12x", "t= is not a number", "t=12x");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; t=1700000000; x=1699999999", "x= is before t=",
	    "x= before t=");
	good("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; t=1700000000; x=1700000000", "x= equal to t=");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; q=http/well-known", "q= does not offer dns/txt",
	    "q= without dns/txt");
	good("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; q=foo/bar : dns/txt", "q= listing dns/txt second");

	err_like("v=1; a=rsa-sha256; 1d=example.com; s=s; h=from; bh=" BH
	    "; b=" B, "bad tag name", "a tag name starting with a digit");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH
	    "; b=" B "; garbage", "no '='", "a tag-spec without '='");
	err_like("v=1; a=rsa-sha256; d=example.com; s=s\x1b[31m; h=from; bh="
	    BH "; b=" B, "control character in a tag value (s=)",
	    "an escape in s=, named");
	rc = sig("v=1; a=rsa-sha256; d=example.com; s=s\x1b[31m; h=from; "
	    "bh=" BH "; b=" B, &s, &why);
	ok(rc == -1 && s.s != NULL && strcmp(s.s, "s\x1b[31m") == 0,
	    "a tag with a control character is still there to show");
	dkim_sig_clear(&s);
	free(why);
	err_like("", "no v= tag", "an empty value");
	err_like(";", "no v= tag", "only ';'");
	err_like("===", "bad tag name", "only '='");
	ok(dkim_sig_parse("v=1; a=rsa-sha256; d=example.com", &s, NULL) == -1,
	    "no err buffer: still refused");
	dkim_sig_clear(&s);
}

/* test_time - t= in the future, x= in the past, with the clock drift */
static void
test_time(void)
{
	struct dkim_sig s;
	struct strbuf why;
	time_t now = 1800000000;

	memset(&s, 0, sizeof(s));
	is_int(dkim_sig_timecheck(&s, now, NULL), DKIM_RES_NONE,
	    "no t=, no x=: fine");
	s.has_t = 1;
	s.t = (uint64_t)now + 3600;
	sb_init(&why);
	is_int(dkim_sig_timecheck(&s, now, &why), DKIM_RES_PERMERROR,
	    "t= an hour in the future: permerror");
	is_str(why.s, "signature t= is in the future", "... saying so");
	s.t = (uint64_t)now + DKIM_CLOCK_DRIFT;
	is_int(dkim_sig_timecheck(&s, now, NULL), DKIM_RES_NONE,
	    "t= within the clock drift: fine");
	s.t = UINT64_MAX;
	is_int(dkim_sig_timecheck(&s, now, NULL), DKIM_RES_PERMERROR,
	    "a huge t=: permerror");
	s.has_t = 0;
	s.has_x = 1;
	s.x = (uint64_t)now - 3600;
	sb_truncate(&why, 0);
	is_int(dkim_sig_timecheck(&s, now, &why), DKIM_RES_POLICY,
	    "x= an hour ago: policy");
	is_str(why.s, "signature expired (x= in the past)", "... saying so");
	s.x = (uint64_t)now - DKIM_CLOCK_DRIFT;
	is_int(dkim_sig_timecheck(&s, now, NULL), DKIM_RES_NONE,
	    "x= within the clock drift: fine");
	s.x = UINT64_MAX;
	is_int(dkim_sig_timecheck(&s, now, NULL), DKIM_RES_NONE,
	    "a huge x=: fine");
	sb_free(&why);
}

/* key - parse a key record of len bytes; return code, reason in *why */
static int
key(const char *txt, size_t len, struct dkim_key *k, char **why)
{
	struct strbuf err;
	int rc;

	sb_init(&err);
	rc = dkim_key_parse(txt, len, k, &err);
	*why = sb_detach(&err);
	sb_free(&err);
	return rc;
}

/* key_rc - the return code of a key record, checking the reason */
static int
key_rc(const char *txt, const char *want, const char *name)
{
	struct dkim_key k;
	char *why;
	int rc;

	rc = key(txt, strlen(txt), &k, &why);
	dkim_key_clear(&k);
	if (rc == -1 && (!printable_str(why) || strstr(why, want) == NULL))
		printf("# %s: reason '%s', wanted '%s'\n", name, why, want);
	if (rc == -1 && (!printable_str(why) || strstr(why, want) == NULL))
		rc = -2;
	free(why);
	return rc;
}

/* test_key - key records, RFC 6376 3.6.1 */
static void
test_key(void)
{
	struct dkim_key k;
	char *why;
	int rc;

	rc = key("v=DKIM1; k=rsa; p=MIGfMA0G", 26, &k, &why);
	ok(rc == 1 && strcmp(k.k, "rsa") == 0 && strcmp(k.p, "MIGfMA0G") ==
	    0, "v=DKIM1; k=rsa; p=...: a key");
	ok(k.hashes == (DKIM_KEY_SHA1 | DKIM_KEY_SHA256) && k.email &&
	    !k.testing && !k.strict, "defaults: any hash, email, no flags");
	dkim_key_clear(&k);
	free(why);
	rc = key("p=AAAA", 6, &k, &why);
	ok(rc == 1 && strcmp(k.k, "rsa") == 0, "only p=: an RSA key");
	dkim_key_clear(&k);
	free(why);
	rc = key("v=DKIM1; p=AAAAjunk", 15, &k, &why);
	ok(rc == 1 && strcmp(k.p, "AAAA") == 0,
	    "only len bytes are read (no NUL needed)");
	dkim_key_clear(&k);
	free(why);
	rc = key("v=DKIM1; k=ed25519; h=sha256; s=email; t=y:s; n=hi there; "
	    "p=AA AA\r\n\tAA", 70, &k, &why);
	ok(rc == 1 && strcmp(k.k, "ed25519") == 0 &&
	    k.hashes == DKIM_KEY_SHA256 && k.email && k.testing && k.strict &&
	    strcmp(k.p, "AAAAAA") == 0, "k=, h=, s=, t=y:s, n=, p= with FWS");
	dkim_key_clear(&k);
	free(why);
	rc = key("v=DKIM1; p=", 11, &k, &why);
	ok(rc == 1 && *k.p == '\0', "p= empty: a key record, revoked");
	dkim_key_clear(&k);
	free(why);
	rc = key("v=DKIM1; h=md5:sha512; s=other:x; t=x; p=AAAA", 45, &k,
	    &why);
	ok(rc == 1 && k.hashes == 0 && !k.email && !k.testing,
	    "unknown hashes, services and flags: none allowed, not email");
	dkim_key_clear(&k);
	free(why);
	rc = key("v=DKIM1; h=SHA1 : sha256; s=* ; p=AAAA", 38, &k, &why);
	ok(rc == 1 && k.hashes == (DKIM_KEY_SHA1 | DKIM_KEY_SHA256) &&
	    k.email, "h=SHA1 : sha256 and s=*");
	dkim_key_clear(&k);
	free(why);

	is_int(key_rc("v=DKIM2; p=AAAA", "", "v=DKIM2"), 0,
	    "v=DKIM2: not a key record");
	is_int(key_rc("v=spf1 -all", "", "spf"), 0,
	    "an SPF record at the name: not a key record");
	is_int(key_rc("p=AAAA; v=DKIM1", "v= is not the first tag", "v late"),
	    -1, "v= not first: bad");
	is_int(key_rc("v=DKIM1; k=rsa", "no p= tag", "no p"), -1,
	    "no p=: bad");
	is_int(key_rc("", "no p= tag", "empty"), -1, "an empty record: bad");
	is_int(key_rc("v=DKIM1; p=AAAA; p=BBBB", "repeated", "p twice"), -1,
	    "a repeated p=: bad");
	is_int(key_rc("v=DKIM1; k=rsa; k=ed25519; p=AAAA", "repeated",
	    "k twice"), -1, "a repeated k=: bad");
	is_int(key_rc("v=DKIM1; p=%%%%", "not base64", "p bad"), -1,
	    "p= of bad base64: bad");
	is_int(key_rc("v=DKIM1; foo=bar; p=AAAA", "", "unknown"), 1,
	    "an unknown tag is ignored");
	is_int(key_rc("v=DKIM1; p=AA\x01" "AA", "control character", "ctl"),
	    -1, "a control character in p=: bad");
	rc = key("v=DKIM1; p=AA\0AA", 16, &k, &why);
	ok(rc == -1 && printable_str(why) && *why != '\0',
	    "a NUL inside the record: bad, said in printable text");
	dkim_key_clear(&k);
	free(why);
}

/*
 * test_whole_identity - a 300-character i= comes out of the verifier
 * whole: cut at 255 it would end in "@paypal.com" and show another
 * domain beside the attacker's dkim result
 */
static void
test_whole_identity(void)
{
	struct dkim_verifier *v;
	const struct dkim_sig_result *res;
	struct strbuf i, val;
	size_t n;

	sb_init(&i);
	while (i.len < 300 - strlen("@paypal.com.attacker.example"))
		sb_putc(&i, 'a');
	sb_puts(&i, "@paypal.com.attacker.example");
	sb_init(&val);
	sb_printf(&val, " v=1; a=rsa-sha256; d=attacker.example; s=sel; "
	    "i=%s; h=From; bh=" BH "; b=" B, i.s);
	v = dkim_verifier_new(NULL, NULL, "test");
	dkim_verifier_header(v, "From", " x@attacker.example");
	dkim_verifier_header(v, "DKIM-Signature", val.s);
	dkim_verifier_eoh(v, NULL);
	dkim_verifier_body(v, (const unsigned char *)"\r\n", 2);
	n = dkim_verifier_eom(v, NULL, &res);
	is_int((long)n, 1, "one signature, one result");
	is_int(n == 1 ? (long)strlen(res[0].identity) : -1, 300,
	    "a 300-character i= is 300 characters in the result");
	is_str(n == 1 ? res[0].identity : NULL, i.s, "... the whole i=");
	dkim_verifier_free(v);
	sb_free(&i);
	sb_free(&val);
}

/*
 * test_signatures_past_results - 52 DKIM-Signature fields: the first
 * DKIM_MAX_RESULTS get a result each, the 2 past them one neutral
 * result that counts them, never nothing
 */
static void
test_signatures_past_results(void)
{
	struct dkim_verifier *v;
	const struct dkim_sig_result *res;
	size_t n, k;

	v = dkim_verifier_new(NULL, NULL, "test");
	dkim_verifier_header(v, "From", " x@example.org");
	for (k = 0; k < DKIM_MAX_RESULTS + 2; k++)
		dkim_verifier_header(v, "DKIM-Signature", " v=1; "
		    "a=rsa-sha256; d=example.org; s=sel; h=From; bh=" BH
		    "; b=" B);
	dkim_verifier_eoh(v, NULL);
	dkim_verifier_body(v, (const unsigned char *)"\r\n", 2);
	n = dkim_verifier_eom(v, NULL, &res);
	is_int((long)n, DKIM_MAX_RESULTS + 1,
	    "52 signatures: 50 results and one for the rest");
	is_int(n == DKIM_MAX_RESULTS + 1 ? (long)res[n - 1].result : -1,
	    DKIM_RES_NEUTRAL, "... the last is neutral");
	is_str(n == DKIM_MAX_RESULTS + 1 ? res[n - 1].comment : NULL,
	    "2 more DKIM-Signature fields not checked: over 50",
	    "... and counts the fields past the limit");
	ok(n == DKIM_MAX_RESULTS + 1 && res[n - 1].domain == NULL,
	    "... with no d=: it is no signature's result");
	dkim_verifier_free(v);
}

/* fnv1a - the unkeyed hash the old header index used, to pick its bad case */
static uint32_t
fnv1a(const char *p)
{
	uint32_t h = 2166136261u;

	for (; *p != '\0'; p++)
		h = (h ^ (unsigned char)(*p >= 'A' && *p <= 'Z' ? *p + 32 :
		    *p)) * 16777619u;
	return h;
}

/* run - feed n headers named by name(i) and a signature, the results */
static size_t
run(struct dkim_verifier *v, const struct dkim_sig_result **res)
{
	dkim_verifier_eoh(v, NULL);
	dkim_verifier_body(v, (const unsigned char *)"\r\n", 2);
	return dkim_verifier_eom(v, NULL, res);
}

#define SIG_VALUE	" v=1; a=rsa-sha256; d=example.com; s=sel; " \
			"h=From; bh=" BH "; b=" B

/*
 * test_header_limits - DKIM_MAX_HEADERS fields and DKIM_MAX_HEADER_BYTES
 * bytes: a message past either has one permerror result whatever its
 * signatures, none without a signature; at the limit it is checked
 */
static void
test_header_limits(void)
{
	struct dkim_verifier *v;
	const struct dkim_sig_result *res;
	char name[32];
	char *big;
	size_t n, i;

	v = dkim_verifier_new(NULL, NULL, "test");
	dkim_verifier_header(v, "DKIM-Signature", SIG_VALUE);
	for (i = 0; i < 100000; i++)
		dkim_verifier_header(v, "X-Filler", " x");
	n = run(v, &res);
	is_int((long)n, 1, "100,000 headers: one result");
	is_int(n == 1 ? (long)res[0].result : -1, DKIM_RES_PERMERROR,
	    "... permerror");
	is_str(n == 1 ? res[0].comment : NULL,
	    "not verified: more than 1000 header fields", "... saying why");
	ok(n == 1 && res[0].domain == NULL && res[0].identity == NULL,
	    "... with no d= or i= (no signature was read)");
	dkim_verifier_free(v);

	v = dkim_verifier_new(NULL, NULL, "test");
	for (i = 0; i < 100000; i++)
		dkim_verifier_header(v, "X-Filler", " x");
	dkim_verifier_header(v, "DKIM-Signature", SIG_VALUE);
	n = run(v, &res);
	ok(n == 1 && res[0].result == DKIM_RES_PERMERROR,
	    "a signature after 100,000 headers: permerror too");
	dkim_verifier_free(v);

	v = dkim_verifier_new(NULL, NULL, "test");
	for (i = 0; i < 100000; i++)
		dkim_verifier_header(v, "X-Filler", " x");
	n = run(v, &res);
	is_int((long)n, 0, "100,000 headers, no signature: no result");
	dkim_verifier_free(v);

	v = dkim_verifier_new(NULL, NULL, "test");
	dkim_verifier_header(v, "From", " a@example.com");
	for (i = 0; i < DKIM_MAX_HEADERS - 2; i++)
		dkim_verifier_header(v, "X-Filler", " x");
	dkim_verifier_header(v, "DKIM-Signature", SIG_VALUE);
	n = run(v, &res);
	ok(n == 1 && res[0].result == DKIM_RES_TEMPERROR &&
	    res[0].domain != NULL, "exactly 1000 headers: checked (no DNS "
	    "here: temperror)");
	dkim_verifier_free(v);

	big = xmalloc(DKIM_MAX_HEADER_BYTES / 2 + 2);
	memset(big, 'a', DKIM_MAX_HEADER_BYTES / 2 + 1);
	big[0] = ' ';
	big[DKIM_MAX_HEADER_BYTES / 2 + 1] = '\0';
	v = dkim_verifier_new(NULL, NULL, "test");
	dkim_verifier_header(v, "DKIM-Signature", SIG_VALUE);
	dkim_verifier_header(v, "X-Big", big);
	dkim_verifier_header(v, "X-Big", big);
	n = run(v, &res);
	is_int(n == 1 ? (long)res[0].result : -1, DKIM_RES_PERMERROR,
	    "two headers of 512 KB: permerror");
	is_str(n == 1 ? res[0].comment : NULL,
	    "not verified: header fields over 1048576 bytes",
	    "... saying why");
	dkim_verifier_free(v);
	free(big);

	/* names the old FNV-1a index put in one probe chain */
	v = dkim_verifier_new(NULL, NULL, "test");
	dkim_verifier_header(v, "From", " a@example.com");
	for (i = n = 0; n < DKIM_MAX_HEADERS - 2; i++) {
		snprintf(name, sizeof(name), "X-C%zu", i);
		if ((fnv1a(name) & 2047) == 0) {
			dkim_verifier_header(v, name, " x");
			n++;
		}
	}
	{
		struct strbuf h;

		sb_init(&h);
		sb_puts(&h, " v=1; a=rsa-sha256; d=example.com; s=sel; "
		    "bh=" BH "; b=" B "; h=From");
		/*
		 * 60,000 absent names that start their probe inside that
		 * chain (it fills the slots from 0 on), so each walked it
		 */
		for (n = 0; n < 60000; i++) {
			snprintf(name, sizeof(name), "X-C%zu", i);
			if ((fnv1a(name) & 2047) < 512) {
				sb_putc(&h, ':');
				sb_puts(&h, name);
				n++;
			}
		}
		dkim_verifier_header(v, "DKIM-Signature", h.s);
		sb_free(&h);
	}
	n = run(v, &res);
	ok(n == 1 && res[0].result == DKIM_RES_TEMPERROR,
	    "1,000 colliding names and 60,001 in h=: checked");
	/* binary search over at most 1000 names: 11 comparisons a name */
	ok(dkim_verifier_index_steps(v) <= (uint64_t)60001 * 11,
	    "... in at most 11 name comparisons per h= name (%llu in all)",
	    (unsigned long long)dkim_verifier_index_steps(v));
	dkim_verifier_free(v);
}

int
main(void)
{
	test_good();
	test_fws();
	test_hostile();
	test_time();
	test_key();
	test_whole_identity();
	test_signatures_past_results();
	test_header_limits();
	return tap_done();
}
