/*
 * spf_test - the SPF record parser and macro expander, without DNS:
 *	RFC 7208 7.4 examples, domain-spec rules, and malformed records
 *	that must be permerror with a clear problem
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tap.h"
#include "util.h"
#include "spf.h"
#include "spf_int.h"

static const char *p_name;

/* fake_p - %{p} for the tests: a fixed validated name */
static const char *
fake_p(void *arg, const char *domain)
{
	(void)arg;
	(void)domain;
	return p_name;
}

/* env4 - the RFC 7208 7.4 example transaction, IPv4 client 192.0.2.3 */
static void
env4(struct spf_macro_env *e)
{
	memset(e, 0, sizeof(*e));
	e->s = "strong-bad@email.example.com";
	e->l = "strong-bad";
	e->o = "email.example.com";
	e->d = "email.example.com";
	e->i = "192.0.2.3";
	e->c = "192.0.2.3";
	e->v = "in-addr";
	e->h = "mx.example.org";
	e->r = "receiver.example.net";
	e->t = "1234567890";
	e->p = fake_p;
	p_name = "mx.example.org";
}

/* expand - expand s (flags), returning a new string or NULL on error */
static char *
expand(const struct spf_macro_env *e, const char *s, int flags)
{
	struct strbuf out, err;
	char *r = NULL;

	sb_init(&out);
	sb_init(&err);
	if (spf_macro_expand(s, strlen(s), e, flags, &out, &err) == 0)
		r = sb_detach(&out);
	sb_free(&out);
	sb_free(&err);
	return r;
}

/* check_exp - expansion of s gives want */
static void
check_exp(const struct spf_macro_env *e, const char *s, int flags,
    const char *want)
{
	char *got = expand(e, s, flags);

	is_str(got, want, "expand %s", s);
	free(got);
}

/* macro_bad - s is a macro syntax error (in the given context) */
static void
macro_bad(const char *s, int flags, const char *why)
{
	struct strbuf err;
	int rc;

	sb_init(&err);
	rc = spf_macro_check(s, strlen(s), flags, &err);
	ok(rc < 0 && err.len > 0, "macro '%s' rejected: %s (%s)", s, why,
	    err.s);
	sb_free(&err);
}

/* parse_ok - a record parses, with nterms terms */
static void
parse_ok(const char *txt, size_t nterms)
{
	struct spf_record rec;
	struct strbuf err;
	int rc;

	sb_init(&err);
	rc = spf_record_parse(txt, strlen(txt), &rec, &err);
	ok(rc == 0 && rec.nterms == nterms, "parses: '%s' (%s)", txt,
	    rc == 0 ? "ok" : err.s);
	if (rc == 0)
		spf_record_free(&rec);
	sb_free(&err);
}

/* parse_bad_n - a record of len bytes is a syntax error naming the cause */
static void
parse_bad_n(const char *txt, size_t len, const char *want)
{
	struct spf_record rec;
	struct strbuf err;
	char *show = xmalloc(len + 1);
	int rc;

	memcpy(show, txt, len);
	show[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)show[i] < 0x20 ||
		    (unsigned char)show[i] > 0x7e)
			show[i] = '?';
	sb_init(&err);
	rc = spf_record_parse(txt, len, &rec, &err);
	ok(rc < 0 && strstr(err.s, want) != NULL,
	    "permerror: '%s' -> %s", show, err.s);
	if (rc == 0)
		spf_record_free(&rec);
	sb_free(&err);
	free(show);
}

/* parse_bad - a record is a syntax error whose problem names the cause */
static void
parse_bad(const char *txt, const char *want)
{
	parse_bad_n(txt, strlen(txt), want);
}

/* test_rfc_examples - RFC 7208 section 7.4, all of them */
static void
test_rfc_examples(void)
{
	struct spf_macro_env e;
	char *got;

	env4(&e);
	check_exp(&e, "%{s}", 0, "strong-bad@email.example.com");
	check_exp(&e, "%{o}", 0, "email.example.com");
	check_exp(&e, "%{d}", 0, "email.example.com");
	check_exp(&e, "%{d4}", 0, "email.example.com");
	check_exp(&e, "%{d3}", 0, "email.example.com");
	check_exp(&e, "%{d2}", 0, "example.com");
	check_exp(&e, "%{d1}", 0, "com");
	check_exp(&e, "%{dr}", 0, "com.example.email");
	check_exp(&e, "%{d2r}", 0, "example.email");
	check_exp(&e, "%{l}", 0, "strong-bad");
	check_exp(&e, "%{l-}", 0, "strong.bad");
	check_exp(&e, "%{lr}", 0, "strong-bad");
	check_exp(&e, "%{lr-}", 0, "bad.strong");
	check_exp(&e, "%{l1r-}", 0, "strong");
	check_exp(&e, "%{ir}.%{v}._spf.%{d2}", SPF_MACRO_DOMAIN,
	    "3.2.0.192.in-addr._spf.example.com");
	check_exp(&e, "%{lr-}.lp._spf.%{d2}", SPF_MACRO_DOMAIN,
	    "bad.strong.lp._spf.example.com");
	check_exp(&e, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", SPF_MACRO_DOMAIN,
	    "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
	check_exp(&e, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", SPF_MACRO_DOMAIN,
	    "3.2.0.192.in-addr.strong.lp._spf.example.com");
	check_exp(&e, "%{d2}.trusted-domains.example.net", SPF_MACRO_DOMAIN,
	    "example.com.trusted-domains.example.net");

	/*
	 * IPv6 2001:db8::cb01.  RFC 7208 prints the nibbles in lower case;
	 * the RFC 7208 test suite (v-macro-ip6) wants upper case, which is
	 * what we give.  DNS names compare without case, so both agree.
	 */
	e.i = "2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "C.B.0.1";
	e.c = "2001:db8::cb01";
	e.v = "ip6";
	got = expand(&e, "%{ir}.%{v}._spf.%{d2}", SPF_MACRO_DOMAIN);
	ok(got != NULL && strcasecmp(got, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com") == 0,
	    "expand %%{ir}.%%{v}._spf.%%{d2} for IPv6 (%s)",
	    got ? got : "error");
	free(got);
	check_exp(&e, "%{c}", SPF_MACRO_EXP, "2001:db8::cb01");
}

/* test_macro_rules - escapes, URL encoding, p, exp-only letters */
static void
test_macro_rules(void)
{
	struct spf_macro_env e;
	char *got, *longname;
	struct strbuf sb;
	int i;

	env4(&e);
	check_exp(&e, "%%%_%-", 0, "% %20");
	check_exp(&e, "a%%b", 0, "a%b");
	check_exp(&e, "%{p}", 0, "mx.example.org");
	check_exp(&e, "%{p2}", 0, "example.org");
	check_exp(&e, "%{v}", 0, "in-addr");
	check_exp(&e, "%{h}", 0, "mx.example.org");
	check_exp(&e, "%{c}", SPF_MACRO_EXP, "192.0.2.3");
	check_exp(&e, "%{r}", SPF_MACRO_EXP, "receiver.example.net");
	check_exp(&e, "%{t}", SPF_MACRO_EXP, "1234567890");
	check_exp(&e, "%{D2}", 0, "example.com");
	e.l = "~jack&jill=up-a_b3.c";
	check_exp(&e, "http://example.com/why.html?l=%{L}", SPF_MACRO_EXP,
	    "http://example.com/why.html?l=~jack%26jill%3Dup-a_b3.c");
	e.l = "foo-bar+zip+quux";
	check_exp(&e, "%{l2r+-}.user", 0, "bar.foo.user");
	e.l = "philip-gladstone-test";
	check_exp(&e, "%{l2r-}", 0, "gladstone.philip");
	check_exp(&e, "%{L-}", 0, "philip.gladstone.test");
	e.l = "a..b";
	check_exp(&e, "%{l}", 0, "a..b");
	check_exp(&e, "%{l1}", 0, "b");
	check_exp(&e, "%{l200}", 0, "a..b");
	check_exp(&e, "%{l99999999999999999999}", 0, "a..b");
	e.p = NULL;
	check_exp(&e, "%{p}", 0, "unknown");
	check_exp(&e, "example.com.", SPF_MACRO_DOMAIN, "example.com");
	check_exp(&e, "This is a test.", SPF_MACRO_EXP, "This is a test.");

	/* 4.8 / 7.3: long names lose labels on the left, down to 253 */
	sb_init(&sb);
	for (i = 0; i < 30; i++)
		sb_puts(&sb, "abcdefghi.");
	sb_puts(&sb, "example.com");
	longname = sb_detach(&sb);
	sb_free(&sb);
	got = expand(&e, longname, SPF_MACRO_DOMAIN);
	ok(got != NULL && strlen(got) <= 253 && strlen(got) > 240 &&
	    strncmp(got, "abcdefghi.", 10) == 0 &&
	    strcmp(got + strlen(got) - 11, "example.com") == 0,
	    "a 311-byte name is cut to whole labels under 253 (%zu)",
	    got ? strlen(got) : 0);
	free(got);
	free(longname);

	macro_bad("%{c}", 0, "c only in exp text");
	macro_bad("%{r}.example.com", 0, "r only in exp text");
	macro_bad("%{t}", 0, "t only in exp text");
	macro_bad("%{a}", SPF_MACRO_EXP, "no such letter");
	macro_bad("%(ir)", 0, "%( is not a macro");
	macro_bad("foo%", 0, "trailing %");
	macro_bad("foo%.bar", 0, "%.");
	macro_bad("%{d", 0, "unterminated");
	macro_bad("%{d0}", 0, "digit 0");
	macro_bad("%{d2x}", 0, "bad transformer");
	macro_bad("%{}", 0, "no letter");
	macro_bad("%x", 0, "%x");
}

/* test_domain_spec - the toplabel rule of RFC 7208 7.1 */
static void
test_domain_spec(void)
{
	static const char *good[] = {
		"example.com", "example.com.", "foo.example.xn--zckzah",
		"%{d}", "%{ir}.%{v}._spf.%{d2}", "foo:bar/baz.example.com",
		"mail.example...com", "%{H}.bar", "a.123-4", "%{d}.",
		"macro%%percent%_%_space%-url-space.example.com",
	};
	static const char *bad[] = {
		"", "museum", "museum.", "foo-bar", "111.222.33.44",
		"abc.123", "example.com:8080", "example.-com", "example.com-",
		"-all", "%{d}com", "example.com/24", "foo%.example.com",
	};
	struct strbuf err;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		sb_init(&err);
		ok(spf_domain_spec_check(good[i], strlen(good[i]), &err) == 0,
		    "domain-spec ok: '%s' %s", good[i], err.s);
		sb_free(&err);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		sb_init(&err);
		ok(spf_domain_spec_check(bad[i], strlen(bad[i]), &err) < 0 &&
		    err.len > 0, "domain-spec bad: '%s' (%s)", bad[i],
		    err.s);
		sb_free(&err);
	}
	ok(spf_name_valid("example.com"), "name valid: example.com");
	ok(spf_name_valid("example.com."), "name valid: example.com.");
	ok(!spf_name_valid(""), "name invalid: empty");
	ok(!spf_name_valid("."), "name invalid: root");
	ok(!spf_name_valid("a..b"), "name invalid: empty label");
	ok(!spf_name_valid("a1234567890123456789012345678901234567890123456"
	    "789012345678901234.com"), "name invalid: label of 64");
}

/* test_parse_good - records that parse, and what they hold */
static void
test_parse_good(void)
{
	static const char dual[] = "v=spf1 -a:foo.example.com/24//64 "
	    "?ip4:10.0.0.1/8 redirect=%{d}.example.net";
	struct spf_record rec;
	struct strbuf err;

	ok(spf_record_is_spf("v=spf1", 6), "is spf: v=spf1");
	ok(spf_record_is_spf("V=SpF1 -all", 11), "is spf: case-insensitive");
	ok(!spf_record_is_spf("v=spf10", 7), "not spf: v=spf10");
	ok(!spf_record_is_spf("v=spf1mx", 8), "not spf: v=spf1mx");
	ok(!spf_record_is_spf("v=spf", 5), "not spf: v=spf");

	parse_ok("v=spf1", 0);
	parse_ok("v=spf1 ", 0);
	parse_ok("v=spf1 a  -all", 2);
	parse_ok("v=spf1 +all ?all ~all -all", 4);
	parse_ok("v=spf1 a mx ptr a:x.example.com mx:x.example.com/24 "
	    "ptr:example.com exists:%{i}.x.example.com include:x.example.com "
	    "ip4:192.0.2.0/24 ip6:2001:db8::/32 ip4:1.1.1.1/0 -all", 12);
	parse_ok("v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all", 2);
	parse_ok("v=spf1 default=pass", 0);
	parse_ok("v=spf1 default=+", 0);
	parse_ok("v=spf1 A//64 MX/24//48 IP4:1.2.3.4", 3);
	parse_ok("v=spf1 -mx:%%%_/.Clara.de/27", 1);
	parse_ok("v=spf1 ip6:::FFFF:1.2.3.4 ip6:::1.1.1.1/0", 2);
	parse_ok("v=spf1 redirect=_spf.example.com exp=why.%{d}", 0);

	sb_init(&err);
	ok(spf_record_parse(dual, strlen(dual), &rec, &err) == 0,
	    "parse dual cidr record");
	ok(rec.nterms == 2 && rec.terms[0].mech == SPF_MECH_A &&
	    rec.terms[0].qual == SPF_FAIL && rec.terms[0].cidr4 == 24 &&
	    rec.terms[0].cidr6 == 64 &&
	    strcmp(rec.terms[0].domain, "foo.example.com") == 0,
	    "a:domain/24//64: fail, domain, both lengths");
	ok(rec.terms[1].mech == SPF_MECH_IP4 &&
	    rec.terms[1].qual == SPF_NEUTRAL && rec.terms[1].cidr4 == 8 &&
	    rec.terms[1].addr[0] == 10 && rec.terms[1].addr[3] == 1,
	    "?ip4:10.0.0.1/8");
	ok(rec.redirect != NULL && strcmp(rec.redirect, "%{d}.example.net")
	    == 0 && rec.exp == NULL, "redirect kept unexpanded");
	spf_record_free(&rec);
	sb_free(&err);
}

/* test_parse_bad - malformed records: permerror with a clear problem */
static void
test_parse_bad(void)
{
	parse_bad("v=spf1 ip4:1.2.3.4 -all moo", "unknown mechanism");
	parse_bad("v=spf1 moo.cow/far_out=man:dog/cat", "unknown mechanism");
	parse_bad("v=spf1 moo.cow:far_out=man:dog/cat", "unknown mechanism");
	parse_bad("v=spf1 redirect:t2.example.com", "unknown mechanism");
	parse_bad("v=spf1 1up=foo", "unknown mechanism");
	parse_bad("v=spf1 =all", "unknown mechanism");
	parse_bad("v=spf1 -all.", "unknown mechanism");
	parse_bad("v=spf1 -all:foobar", "all takes nothing");
	parse_bad("v=spf1 -all/8", "all takes nothing");
	parse_bad("v=spf1 a:foo-bar -all", "domain-spec");
	parse_bad("v=spf1 a:111.222.33.44", "top-level label");
	parse_bad("v=spf1 a:museum", "domain-spec");
	parse_bad("v=spf1 a:example.com:8080", "top-level label");
	parse_bad("v=spf1 a:", "empty domain-spec");
	parse_bad("v=spf1 a//33 a//129", "IPv6 CIDR");
	parse_bad("v=spf1 a/33", "IPv4 CIDR");
	parse_bad("v=spf1 a/24/64", "IPv4 CIDR");
	parse_bad("v=spf1 mx:%{a}.example.com", "macro letter");
	parse_bad("v=spf1 ptr/0 -all", "expected ':'");
	parse_bad("v=spf1 ptr:", "empty domain-spec");
	parse_bad("v=spf1 include", "expected ':'");
	parse_bad("v=spf1 include:ip5.example.com/24", "top-level label");
	parse_bad("v=spf1 exists", "expected ':'");
	parse_bad("v=spf1 exists:", "empty domain-spec");
	parse_bad("v=spf1 ip4", "expected ':'");
	parse_bad("v=spf1 ip4:1.2.3.4/33", "CIDR length");
	parse_bad("v=spf1 ip4:1.2.3.4/032", "CIDR length");
	parse_bad("v=spf1 ip4:1.2.3.4//32", "CIDR length");
	parse_bad("v=spf1 ip4:1.2.3.4:8080", "IPv4 address");
	parse_bad("v=spf1 ip4:1.2.3", "IPv4 address");
	parse_bad("v=spf1 ip4:1.2.03.4", "IPv4 address");
	parse_bad("v=spf1 ip4:1.2.3.256", "IPv4 address");
	parse_bad("v=spf1 ip6", "expected ':'");
	parse_bad("v=spf1 ip6::CAFE::BABE", "IPv6 address");
	parse_bad("v=spf1 ip6:::1.1.1.1/129", "CIDR length");
	parse_bad("v=spf1 ip6:::1.1.1.1//33", "CIDR length");
	parse_bad("v=spf1 exp=a.example.com exp=b.example.com",
	    "modifier given twice");
	parse_bad("v=spf1 redirect=a.example.com redirect=a.example.com",
	    "modifier given twice");
	parse_bad("v=spf1 exp= -all", "empty domain-spec");
	parse_bad("v=spf1 ?all redirect=", "empty domain-spec");
	parse_bad("v=spf1 exp=-all", "domain-spec");
	parse_bad("v=spf1 -all exp=%{r}.example.com", "macro letter");
	parse_bad("v=spf1 -all foo=%abc", "invalid macro");
	parse_bad("v=spf1 a:ctrl.example.com\rptr -all", "invalid byte 0x0d");
	parse_bad("v=spf1 ip4:192.0.2.5\n include:x.example.com",
	    "invalid byte 0x0a");
	parse_bad("v=spf1 \x80" "a:example.net -all", "invalid byte 0x80");
	parse_bad_n("v=spf1 a:foo.example.com\0", 25, "invalid byte 0x00");
	parse_bad("v=spf1\ta", "not an SPF");
	parse_bad("v=spf1 -exists:%(ir).sbl.example.com ?all",
	    "invalid macro");
}

/* test_names - result names are the RFC tokens */
static void
test_names(void)
{
	is_str(spf_result_name(SPF_NONE), "none", "name none");
	is_str(spf_result_name(SPF_NEUTRAL), "neutral", "name neutral");
	is_str(spf_result_name(SPF_PASS), "pass", "name pass");
	is_str(spf_result_name(SPF_FAIL), "fail", "name fail");
	is_str(spf_result_name(SPF_SOFTFAIL), "softfail", "name softfail");
	is_str(spf_result_name(SPF_TEMPERROR), "temperror", "name temperror");
	is_str(spf_result_name(SPF_PERMERROR), "permerror", "name permerror");
}

int
main(void)
{
	test_rfc_examples();
	test_macro_rules();
	test_domain_spec();
	test_parse_good();
	test_parse_bad();
	test_names();
	return tap_done();
}
