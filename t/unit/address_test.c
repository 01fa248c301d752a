/*
 * address_test - RFC 5322 address-list parsing (lib/address.c): every
 *	form of sections 3.4 and 4.4, hostile input, IDNA conversion
 *	against the RFC 3492 samples, and a mutation loop
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "address.h"
#include "tap.h"

/* show - the list as "local@domain, ..." ("[L]" marks a literal) */
static char *
show(const struct address_list *l)
{
	struct strbuf sb;
	size_t i;

	sb_init(&sb);
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			sb_puts(&sb, ", ");
		sb_printf(&sb, "%s@%s%s", l->v[i].local, l->v[i].domain,
		    l->v[i].literal ? "[L]" : "");
	}
	return sb_detach(&sb);
}

/* parses - value parses (0) to exactly the addresses in want */
static void
parses(const char *value, const char *want, const char *what)
{
	struct address_list l;
	char *got;
	int r;

	r = address_parse_list(value, &l);
	got = show(&l);
	if (!is_int(r, 0, "%s: parses", what))
		printf("#   error: %s\n", l.error ? l.error : "(none)");
	is_str(got, want, "%s: addresses", what);
	free(got);
	address_list_free(&l);
}

/* refused - value is refused (-1) with an error containing why */
static void
refused(const char *value, const char *why, const char *what)
{
	struct address_list l;
	int r;

	r = address_parse_list(value, &l);
	is_int(r, -1, "%s: refused", what);
	if (!ok(l.error != NULL && strstr(l.error, why) != NULL,
	    "%s: error says \"%s\"", what, why))
		printf("#   error: %s\n", l.error ? l.error : "(none)");
	address_list_free(&l);
}

/* put_utf8 - append code point c as UTF-8 */
static void
put_utf8(struct strbuf *sb, uint32_t c)
{
	if (c < 0x80)
		sb_putc(sb, (int)c);
	else if (c < 0x800) {
		sb_putc(sb, (int)(0xc0 | (c >> 6)));
		sb_putc(sb, (int)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		sb_putc(sb, (int)(0xe0 | (c >> 12)));
		sb_putc(sb, (int)(0x80 | ((c >> 6) & 0x3f)));
		sb_putc(sb, (int)(0x80 | (c & 0x3f)));
	} else {
		sb_putc(sb, (int)(0xf0 | (c >> 18)));
		sb_putc(sb, (int)(0x80 | ((c >> 12) & 0x3f)));
		sb_putc(sb, (int)(0x80 | ((c >> 6) & 0x3f)));
		sb_putc(sb, (int)(0x80 | (c & 0x3f)));
	}
}

/* RFC 3492 section 7.1 samples: code points (0-terminated), encoding */
static const struct {
	const char	*name;
	uint32_t	 cp[64];
	const char	*puny;
} samples[] = {
	{ "(A) Arabic (Egyptian)", { 0x644, 0x64a, 0x647, 0x645, 0x627,
	    0x628, 0x62a, 0x643, 0x644, 0x645, 0x648, 0x634, 0x639, 0x631,
	    0x628, 0x64a, 0x61f }, "egbpdaj6bu4bxfgehfvwxn" },
	{ "(B) Chinese (simplified)", { 0x4ed6, 0x4eec, 0x4e3a, 0x4ec0,
	    0x4e48, 0x4e0d, 0x8bf4, 0x4e2d, 0x6587 },
	    "ihqwcrb4cv8a8dqg056pqjye" },
	{ "(C) Chinese (traditional)", { 0x4ed6, 0x5011, 0x7232, 0x4ec0,
	    0x9ebd, 0x4e0d, 0x8aaa, 0x4e2d, 0x6587 },
	    "ihqwctvzc91f659drss3x8bo0yb" },
	{ "(D) Czech", { 0x50, 0x72, 0x6f, 0x10d, 0x70, 0x72, 0x6f, 0x73,
	    0x74, 0x11b, 0x6e, 0x65, 0x6d, 0x6c, 0x75, 0x76, 0xed, 0x10d,
	    0x65, 0x73, 0x6b, 0x79 }, "proprostnemluvesky-uyb24dma41a" },
	{ "(E) Hebrew", { 0x5dc, 0x5de, 0x5d4, 0x5d4, 0x5dd, 0x5e4, 0x5e9,
	    0x5d5, 0x5d8, 0x5dc, 0x5d0, 0x5de, 0x5d3, 0x5d1, 0x5e8, 0x5d9,
	    0x5dd, 0x5e2, 0x5d1, 0x5e8, 0x5d9, 0x5ea },
	    "4dbcagdahymbxekheh6e0a7fei0b" },
	{ "(F) Hindi (Devanagari)", { 0x92f, 0x939, 0x932, 0x94b, 0x917,
	    0x939, 0x93f, 0x928, 0x94d, 0x926, 0x940, 0x915, 0x94d, 0x92f,
	    0x94b, 0x902, 0x928, 0x939, 0x940, 0x902, 0x92c, 0x94b, 0x932,
	    0x938, 0x915, 0x924, 0x947, 0x939, 0x948, 0x902 },
	    "i1baa7eci9glrd9b2ae1bj0hfcgg6iyaf8o0a1dig0cd" },
	{ "(G) Japanese (kanji and hiragana)", { 0x306a, 0x305c, 0x307f,
	    0x3093, 0x306a, 0x65e5, 0x672c, 0x8a9e, 0x3092, 0x8a71, 0x3057,
	    0x3066, 0x304f, 0x308c, 0x306a, 0x3044, 0x306e, 0x304b },
	    "n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa" },
	{ "(I) Russian (Cyrillic)", { 0x43f, 0x43e, 0x447, 0x435, 0x43c,
	    0x443, 0x436, 0x435, 0x43e, 0x43d, 0x438, 0x43d, 0x435, 0x433,
	    0x43e, 0x432, 0x43e, 0x440, 0x44f, 0x442, 0x43f, 0x43e, 0x440,
	    0x443, 0x441, 0x441, 0x43a, 0x438 },
	    "b1abfaaepdrnnbgefbadotcwatmq2g4l" },
	{ "(K) Vietnamese", { 0x54, 0x1ea1, 0x69, 0x73, 0x61, 0x6f, 0x68,
	    0x1ecd, 0x6b, 0x68, 0xf4, 0x6e, 0x67, 0x74, 0x68, 0x1ec3, 0x63,
	    0x68, 0x1ec9, 0x6e, 0xf3, 0x69, 0x74, 0x69, 0x1ebf, 0x6e, 0x67,
	    0x56, 0x69, 0x1ec7, 0x74 },
	    "tisaohkhngthchnitingvit-kjcr8268qyxafd2f1b9g" },
	{ "(L) 3<nen>B<gumi><kinpachi><sensei>", { 0x33, 0x5e74, 0x42,
	    0x7d44, 0x91d1, 0x516b, 0x5148, 0x751f },
	    "3b-ww4c5e180e575a65lsy2b" },
	{ "(O) <hitotsu><yane><no><shita>2", { 0x3072, 0x3068, 0x3064,
	    0x5c4b, 0x6839, 0x306e, 0x4e0b, 0x32 }, "2-u9tlzr9756bt3uc0v" },
	{ "(Q) <pafii>de<runba>", { 0x30d1, 0x30d5, 0x30a3, 0x30fc, 0x64,
	    0x65, 0x30eb, 0x30f3, 0x30d0 }, "de-jg4avhby1noc0d" },
	{ "(R) <sono><supiido><de>", { 0x305d, 0x306e, 0x30b9, 0x30d4,
	    0x30fc, 0x30c9, 0x3067 }, "d9juau41awczczp" },
};

/* conv - domain_to_ascii(in) gives want (NULL: refused) */
static void
conv(const char *in, const char *want, const char *what)
{
	struct strbuf out;
	int r;

	sb_init(&out);
	r = domain_to_ascii(in, &out);
	if (want == NULL) {
		is_int(r, -1, "domain_to_ascii refuses %s", what);
		is_str(out.s, "", "domain_to_ascii leaves nothing for %s", what);
	} else {
		is_int(r, 0, "domain_to_ascii converts %s", what);
		is_str(out.s, want, "domain_to_ascii: %s", what);
	}
	sb_free(&out);
}

/* test_punycode - domain_to_ascii against the RFC 3492 samples */
static void
test_punycode(void)
{
	struct strbuf in, out, want;
	size_t i, j;

	sb_init(&in);
	sb_init(&out);
	sb_init(&want);
	for (i = 0; i < ARRAY_SIZE(samples); i++) {
		sb_truncate(&in, 0);
		for (j = 0; samples[i].cp[j] != 0; j++)
			put_utf8(&in, samples[i].cp[j]);
		sb_puts(&in, ".example");
		if (samples[i].cp[j - 1] == 0x61f) {
			/* ends in U+061F ARABIC QUESTION MARK: IDNA2008
			   (RFC 5892) disallows it in a domain name */
			conv(in.s, NULL, samples[i].name);
			continue;
		}
		sb_truncate(&want, 0);
		sb_printf(&want, "xn--%s.example", samples[i].puny);
		is_int(domain_to_ascii(in.s, &out), 0,
		    "RFC 3492 7.1 %s converts", samples[i].name);
		is_str(out.s, want.s, "RFC 3492 7.1 %s encodes as the RFC says",
		    samples[i].name);
	}
	sb_free(&in);
	sb_free(&out);
	sb_free(&want);
}

/* test_domains - normalisation rules of domain_to_ascii */
static void
test_domains(void)
{
	struct strbuf sb;
	int i;

	conv("Example.COM.", "example.com", "case and the trailing dot");
	conv("b\xc3\xbc" "cher.example", "xn--bcher-kva.example",
	    "bücher.example (UTF-8)");
	conv("B\xc3\x9c" "CHER.Example", "xn--bcher-kva.example",
	    "BÜCHER.Example (Latin-1 capitals lowercased)");
	conv("xn--bcher-kva.example", "xn--bcher-kva.example",
	    "an A-label as it is");
	conv("b\xc3\xbc" "cher\xe3\x80\x82" "example", "xn--bcher-kva.example",
	    "U+3002 IDEOGRAPHIC FULL STOP separates labels");
	conv("_dmarc.example.com", "_dmarc.example.com", "underscore");
	/* UTS #46: the forms an MUA shows alike map to one A-label */
	conv("\xef\xbd\x90\xef\xbd\x81\xef\xbd\x99pal.com", "paypal.com",
	    "full-width letters (UTS #46 maps them to ASCII)");
	conv("PAY\xef\xbc\xb0" "AL.COM", "paypal.com",
	    "a full-width capital");
	conv("paypal\xef\xbc\x8e" "com", "paypal.com",
	    "U+FF0E FULLWIDTH FULL STOP separates labels");
	conv("paypal\xef\xbd\xa1" "com", "paypal.com",
	    "U+FF61 HALFWIDTH IDEOGRAPHIC FULL STOP separates labels");
	conv("bu\xcc\x88" "cher.example", "xn--bcher-kva.example",
	    "u + COMBINING DIAERESIS (not NFC) is bücher.example");
	conv("stra\xc3\x9f" "e.de", "xn--strae-oqa.de",
	    "sharp s is kept (nontransitional), not mapped to ss");
	conv("\xf0\x9f\x98\x80.example", NULL,
	    "an emoji (disallowed by IDNA2008)");
	conv("a\xc2\xad" "b.example", NULL,
	    "SOFT HYPHEN (UTS #46 would drop it: refused)");
	conv("", NULL, "the empty name");
	conv(".", NULL, "the root alone");
	conv("a..b", NULL, "an empty label");
	conv(".a", NULL, "a leading dot");
	conv("a.b..", NULL, "two trailing dots");
	conv("exa mple.com", NULL, "a space");
	conv("exa!mple.com", NULL, "'!' in a label");
	conv("b\xfc" "cher.example", NULL, "Latin-1 (not UTF-8)");
	conv("\xc0\xaf.example", NULL, "an overlong UTF-8 sequence");
	conv("\xed\xa0\x80.example", NULL, "a UTF-8 surrogate");
	conv("a\xe2\x80\x8b" "b.example", NULL, "ZERO WIDTH SPACE");
	conv("a\xe2\x80\xae" "b.example", NULL, "RIGHT-TO-LEFT OVERRIDE");
	conv("ab--\xc3\xbc.example", NULL, "'--' in positions 3-4 of a U-label");
	conv("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".example", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaa.example", "a 63-octet label");
	conv("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".example", NULL, "a 64-octet label");
	conv("\xc3\xbc" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".example", NULL, "a U-label whose A-label is over 63 octets");
	sb_init(&sb);
	for (i = 0; i < 63; i++)
		sb_puts(&sb, "abc.");
	sb_puts(&sb, "a");		/* 253 octets */
	conv(sb.s, sb.s, "a 253-octet name");
	sb_puts(&sb, "b");
	conv(sb.s, NULL, "a 254-octet name");
	sb_free(&sb);
}

/* test_forms - the forms of RFC 5322 3.4 and 4.4 */
static void
test_forms(void)
{
	parses("a@Example.COM.", "a@example.com",
	    "addr-spec: domain lowercased, trailing dot removed");
	parses("\"Joe Q. Public\" <john.q.public@example.com>",
	    "john.q.public@example.com", "RFC 5322 A.1.2 quoted display name");
	parses("Mary Smith <mary@x.test>, jdoe@example.org, "
	    "Who? <one@y.test>", "mary@x.test, jdoe@example.org, one@y.test",
	    "RFC 5322 A.1.2 list of three");
	parses("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
	    "boss@nil.test, sysservices@example.net",
	    "RFC 5322 A.1.2 specials quoted in a display name");
	parses("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	    "pete@silly.test", "RFC 5322 A.5 comments everywhere");
	parses("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
	    "c@a.test, joe@where.test, jdoe@one.test", "RFC 5322 A.1.3 group");
	parses("Undisclosed recipients:;", "", "RFC 5322 A.1.3 empty group");
	parses("A Group(Some people)\r\n"
	    "     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
	    "         joe@example.org,\r\n"
	    "  John <jdoe@one.test> (my dear friend); (the end of the group)",
	    "c@public.example, joe@example.org, jdoe@one.test",
	    "RFC 5322 A.5 group with comments and folding");
	parses("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;",
	    "", "RFC 5322 A.5 empty group with nested comments");
	parses("Joe Q. Public <john.q.public@example.com>",
	    "john.q.public@example.com", "RFC 5322 A.6.3 obs-phrase with '.'");
	parses("John Doe <jdoe@machine(comment).  example>",
	    "jdoe@machine.example", "RFC 5322 A.6.3 obs-domain with CFWS");
	parses("Mary Smith\n\t<mary@example.net>", "mary@example.net",
	    "folding with a bare LF");
	parses("=?utf-8?q?J=C3=B6rg?= <joerg@example.de>", "joerg@example.de",
	    "RFC 2047 encoded word is an atom of the display name");
	parses("=?utf-8?b?Sm9yZw==?= <joerg@example.de>", "joerg@example.de",
	    "RFC 2047 B encoding in a display name");
	refused("=?utf-8?q?a@evil.example?= <joerg@example.de>", "invalid domain",
	    "an encoded word is never part of the address ('@' in it)");
	parses("user@b\xc3\xbc" "cher.example", "user@xn--bcher-kva.example",
	    "IDN domain to A-label");
	parses("J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc" "cher.example>",
	    "j\xc3\xb6rg@xn--bcher-kva.example",
	    "RFC 6532 UTF-8 in display name and local part");
	parses("\"J\xc3\xb6rg\" <joerg@example.de>", "joerg@example.de",
	    "RFC 6532 UTF-8 in a quoted string");
	/* legacy 8-bit display names and comments: liberal */
	parses("J\xf6rg <joerg@example.de>", "joerg@example.de",
	    "raw Latin-1 in a display name");
	parses("\"J\xf6rg M\xfc" "ller\" <joerg@example.de>",
	    "joerg@example.de", "raw Latin-1 in a quoted display name");
	parses("\"\xc3(\xa0\xa1\" <joerg@example.de>",
	    "joerg@example.de", "invalid UTF-8 in a quoted display name");
	parses("joerg@example.de (J\xf6rg \x92s)", "joerg@example.de",
	    "raw 8-bit in a comment");
	parses("Team: J\xf6rg <joerg@example.de>, a@b.example;",
	    "joerg@example.de, a@b.example",
	    "raw Latin-1 in a group's display name");
	parses("<@a.test,@b.test:user@d.test>", "user@d.test",
	    "obs-route dropped");
	parses("Joe <,@a.test,,@b.test,:user@d.test>", "user@d.test",
	    "obs-route with empty elements");
	parses("\"a b\"@example.com", "a b@example.com",
	    "quoted local part, kept unquoted");
	parses("\"a\\\"b\\\\c\"@example.com", "a\"b\\c@example.com",
	    "quoted-pairs in a quoted local part");
	parses("\"\"@example.com", "@example.com", "empty quoted local part");
	parses("john . \"q\" . public@example.com", "john.q.public@example.com",
	    "obs-local-part: words, dots and CFWS");
	parses("a@[192.0.2.1]", "a@[192.0.2.1][L]", "domain literal");
	parses("a@[ IPv6:2001:DB8::1 ]", "a@[IPv6:2001:DB8::1][L]",
	    "domain literal kept as written, white space dropped");
	parses("a@x.com, b@y.com", "a@x.com, b@y.com", "two addresses");
	parses(",a@x.com,, ,b@y.com,", "a@x.com, b@y.com",
	    "obs-addr-list empty elements");
	parses("g1:a@x.com;, b@y.com, g2:;", "a@x.com, b@y.com",
	    "groups and mailboxes mixed");
	parses("a@example.net(.example.com)", "a@example.net",
	    "comment after the domain is not part of it");
	parses("a@example.net (.example.com)", "a@example.net",
	    "comment after white space is not part of the domain");
	parses("a@example.net(x).example.com", "a@example.net.example.com",
	    "obs-domain: a comment between atoms is dropped, the dot joins");
	parses("a@example.net((((x))))", "a@example.net",
	    "nested comments within the limit");
	parses("a@example.com\r\n (tail)", "a@example.com",
	    "CRLF folding before a trailing comment");
	parses("<a@example.com>", "a@example.com", "angle-addr alone");
	parses("a!#$%&'*+-/=?^_`{|}~@example.com",
	    "a!#$%&'*+-/=?^_`{|}~@example.com", "every atext in a local part");
}

/* test_hostile - input an attacker writes */
static void
test_hostile(void)
{
	struct address_list l;
	struct strbuf sb;
	int i;

	refused("<a@b", "unbalanced angle bracket '<' at 0", "'<' not closed");
	refused("Joe <a@b.example", "unbalanced angle bracket '<' at 4",
	    "'<' not closed after a name");
	refused("a@b>", "unbalanced angle bracket '>' at 3", "'>' not opened");
	refused("<<a@b>>", "unexpected '<'", "doubled '<'");
	refused("<>", "empty angle address", "empty angle address");
	refused("a@b <c@d>", "unexpected '<'", "addr-spec then angle-addr");
	refused("a@example.net(.example.com", "unterminated comment at 13",
	    "unterminated comment swallowing the rest");
	refused("\"a@b", "unterminated quoted string at 0",
	    "unterminated quoted string");
	refused("\"a\\", "unterminated quoted string",
	    "quoted string ending in a backslash");
	refused("a@[1.2.3.4", "unterminated domain literal",
	    "unterminated domain literal");
	refused("a@[]", "empty domain literal", "empty domain literal");
	refused("a@[1\\]", "quoted-pair in a domain literal",
	    "quoted-pair in a domain literal");
	refused("a@[1[2]", "'[' inside", "'[' inside a domain literal");
	refused("a@b)", "unbalanced ')'", "')' without '('");
	refused("a@b]", "unbalanced ']'", "']' without '['");
	refused("a\\b@c", "'\\' outside a quoted string", "bare backslash");
	refused("user@", "address without domain", "user@");
	refused("user", "address without domain", "user");
	refused("Joe Public", "address without domain", "a phrase alone");
	refused("<user>", "address without domain", "<user>");
	refused("@example.com", "address without local part", "@example.com");
	refused("<@example.com>", "invalid route", "<@example.com> is a bad route");
	refused("a@b@c", "more than one '@'", "two '@'");
	refused("<a@b@c>", "more than one '@'", "two '@' in angle brackets");
	refused("a..b@x.com", "invalid local part", "empty word in local part");
	refused(".a@x.com", "invalid local part", "leading dot in local part");
	refused("a.@x.com", "invalid local part", "trailing dot in local part");
	refused("a b@x.com", "invalid local part", "two words as local part");
	refused("a@x..com", "empty label", "empty label in domain");
	refused("a@.x.com", "domain starts with '.'", "leading dot in domain");
	refused("a@x com", "unexpected word", "two atoms as domain");
	refused("a@ex!ample.com", "invalid domain name", "'!' in a domain");
	refused("a@ex_ample.com;", "unexpected ';'", "';' outside a group");
	refused("a@b.c\x01", "control character 0x01", "control character");
	refused("\"a\x7f\"@b.c", "control character 0x7f",
	    "DEL in a quoted string");
	refused("a@b.c (\x1b[31m)", "control character 0x1b",
	    "escape in a comment");
	refused("a@b.c \xc2\x85", "control character U+0085", "C1 control");
	refused("J\xf6rg@b.c", "not UTF-8 in a local part",
	    "raw Latin-1 in a local part");
	refused("<J\xf6rg@b.c>", "not UTF-8 in a local part",
	    "raw Latin-1 in an angle-addr local part");
	refused("\"J\xf6rg\"@b.c", "not UTF-8 in a local part",
	    "raw Latin-1 in a quoted local part");
	refused("a@b\xfc" "cher.example", "not UTF-8 in a domain",
	    "raw Latin-1 in a domain");
	refused("a@x.b\xfc" "cher.example", "not UTF-8 in a domain",
	    "raw Latin-1 in a later label of a domain");
	refused("a@[1.2.3.\xfc]", "not UTF-8 in a domain",
	    "raw Latin-1 in a domain literal");
	refused("J\xf6rg <a@b.c> \xff", "unexpected word",
	    "raw 8-bit after the address is still a syntax error");
	refused("a@b.c\r\nBcc: x@y", "line break not followed by white space",
	    "header injection with CRLF");
	refused("a@b.c\nX", "line break not followed by white space",
	    "header injection with LF");
	refused("a@b.c\r x@y", "CR not followed by LF", "bare CR");
	refused("a@b.c\r\n", "line break not followed by white space",
	    "trailing CRLF");
	refused("", "no address", "empty value");
	refused("  (just a comment)  ", "no address", "only CFWS");
	refused(",,", "no address", "only commas");
	refused("g: a@b.c", "group not closed by ';'", "group without ';'");
	refused("g: h: a@b.c;;", "group inside a group", "nested group");
	refused(": a@b.c;", "group without a name", "group without a name");
	refused(". Joe <a@b.c>", "display name starts with '.'",
	    "display name starting with '.'");
	refused("a@b.c d@e.f", "unexpected word", "missing comma");
	refused(NULL, "no value", "NULL value");

	/* NUL: a C string ends at it; the buffer form refuses it */
	parses("a@b.c\0<evil@x.y>", "a@b.c",
	    "a NUL ends a C-string value: nothing after it is seen");
	is_int(address_parse_buf("a@b.c\0x", 7, &l), -1,
	    "address_parse_buf refuses an embedded NUL");
	ok(l.error != NULL && strcmp(l.error, "NUL byte at 5") == 0,
	    "address_parse_buf: error is \"NUL byte at 5\"");
	address_list_free(&l);
	is_int(address_parse_buf("a@b.cXXXX", 5, &l), 0,
	    "address_parse_buf reads only len bytes");
	is_str(l.n == 1 ? l.v[0].domain : NULL, "b.c",
	    "address_parse_buf: domain from len bytes");
	address_list_free(&l);
	address_list_free(&l);
	ok(l.v == NULL && l.n == 0 && l.error == NULL,
	    "address_list_free twice leaves a zeroed list");

	/* nesting */
	sb_init(&sb);
	sb_puts(&sb, "a@b.c ");
	for (i = 0; i < ADDRESS_MAX_NEST; i++)
		sb_putc(&sb, '(');
	for (i = 0; i < ADDRESS_MAX_NEST; i++)
		sb_putc(&sb, ')');
	parses(sb.s, "a@b.c", "comments nested ADDRESS_MAX_NEST deep");
	sb_truncate(&sb, 0);
	sb_puts(&sb, "a@b.c ");
	for (i = 0; i < 100000; i++)
		sb_putc(&sb, '(');
	refused(sb.s, "too long", "100000 '(' is over ADDRESS_MAX_INPUT");
	sb_truncate(&sb, 0);
	sb_puts(&sb, "a@b.c ");
	for (i = 0; i < 60000; i++)
		sb_putc(&sb, '(');
	refused(sb.s, "comments nested deeper than 50 at 56",
	    "60000 '(' stops at the nesting limit");

	/* length: ADDRESS_MAX_INPUT bytes parse, one more is refused */
	sb_truncate(&sb, 0);
	sb_puts(&sb, "\"");
	while (sb.len < ADDRESS_MAX_INPUT - strlen("\" <a@b.example>"))
		sb_putc(&sb, 'x');
	sb_puts(&sb, "\" <a@b.example>");
	is_int((long)sb.len, ADDRESS_MAX_INPUT, "long value is exactly the limit");
	parses(sb.s, "a@b.example", "a value of ADDRESS_MAX_INPUT bytes parses");
	sb_truncate(&sb, 1);
	sb_putc(&sb, 'x');
	while (sb.len < ADDRESS_MAX_INPUT + 1 - strlen("\" <a@b.example>"))
		sb_putc(&sb, 'x');
	sb_puts(&sb, "\" <a@b.example>");
	refused(sb.s, "too long (over 65536 bytes)",
	    "a value of ADDRESS_MAX_INPUT + 1 bytes is refused");
	sb_truncate(&sb, 0);
	while (sb.len < 100 * 1024)
		sb_puts(&sb, "a@b.example,");
	refused(sb.s, "too long", "a 100 KB From is refused");

	/* count: ADDRESS_MAX_ADDRS addresses parse, one more is refused */
	sb_truncate(&sb, 0);
	for (i = 0; i < ADDRESS_MAX_ADDRS; i++)
		sb_printf(&sb, "%su%d@d%d.example", i ? ", " : "", i, i);
	is_int(address_parse_list(sb.s, &l), 0, "ADDRESS_MAX_ADDRS addresses parse");
	is_int((long)l.n, ADDRESS_MAX_ADDRS, "all of them, in order");
	is_str(l.n == ADDRESS_MAX_ADDRS ? l.v[99].domain : NULL, "d99.example",
	    "the last one is the last written");
	address_list_free(&l);
	sb_puts(&sb, ", one@more.example");
	refused(sb.s, "too many addresses (over 100)",
	    "ADDRESS_MAX_ADDRS + 1 addresses are refused");
	sb_truncate(&sb, 0);
	for (i = 0; i < 1000; i++)
		sb_printf(&sb, "%su@d.example", i ? "," : "");
	is_int(address_parse_list(sb.s, &l), -1, "1000 addresses are refused");
	is_int((long)l.n, ADDRESS_MAX_ADDRS,
	    "the addresses before the error are kept");
	address_list_free(&l);
	sb_free(&sb);

	/* partially filled list after an error */
	is_int(address_parse_list("a@x.com, b@y.com, c@", &l), -1,
	    "error after two addresses");
	is_int((long)l.n, 2, "the two are still in the list");
	address_list_free(&l);
}

/* rnd - xorshift32, a fixed sequence */
static uint32_t
rnd(void)
{
	static uint32_t x = 2463534242u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* check_parse - parse b and check what a parse promises */
static int
check_parse(const char *b, size_t len, int use_buf)
{
	struct address_list l;
	struct strbuf sb;
	size_t i;
	int r, good = 1;

	r = use_buf ? address_parse_buf(b, len, &l) :
	    address_parse_list(b, &l);
	if (r == 0 && l.error != NULL)
		good = 0;
	if (r == -1 && l.error == NULL)
		good = 0;
	if (r != 0 && r != -1)
		good = 0;
	sb_init(&sb);
	for (i = 0; i < l.n; i++) {
		if (l.v[i].local == NULL || l.v[i].domain == NULL ||
		    l.v[i].domain[0] == '\0')
			good = 0;
		else if (!l.v[i].literal &&
		    (domain_to_ascii(l.v[i].domain, &sb) != 0 ||
		    strcmp(sb.s, l.v[i].domain) != 0))
			good = 0;
	}
	sb_free(&sb);
	address_list_free(&l);
	address_list_free(&l);
	return good;
}

/* test_mutations - random edits of good values never break a promise */
static void
test_mutations(void)
{
	static const char *seeds[] = {
		"\"Joe Q. Public\" <john.q.public@example.com>",
		"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
		"A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
		"=?utf-8?q?J=C3=B6rg?= <joerg@b\xc3\xbc\x63her.example>",
		"<@a.test,@b.test:\"a b\"@[192.0.2.1]>, x@y.z.",
		"a@example.net(.example.com), Undisclosed recipients:;",
	};
	static const char inserts[] = "<>@,;:.()[]\"\\ \t\r\n\x01\x7f\xc3\xbc"
	    "\xe3\x80\x82\0";
	struct address_list l;
	char buf[512];
	size_t len, at, n;
	int i, j, bad = 0, parsed = 0;

	for (i = 0; i < 20000; i++) {
		const char *s = seeds[rnd() % ARRAY_SIZE(seeds)];

		len = strlen(s);
		memcpy(buf, s, len);
		for (j = 1 + rnd() % 4; j > 0; j--) {
			at = len > 0 ? rnd() % len : 0;
			switch (rnd() % 5) {
			case 0:		/* flip a byte */
				if (len > 0)
					buf[at] = (char)rnd();
				break;
			case 1:		/* insert a special */
				if (len + 1 < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = inserts[rnd() %
					    (sizeof(inserts) - 1)];
					len++;
				}
				break;
			case 2:		/* delete a run */
				n = rnd() % 4;
				if (at + n > len)
					n = len - at;
				memmove(buf + at, buf + at + n, len - at - n);
				len -= n;
				break;
			case 3:		/* duplicate a run */
				n = rnd() % 16;
				if (at + n > len)
					n = len - at;
				if (len + n < sizeof(buf)) {
					memmove(buf + at + n, buf + at, len - at);
					len += n;
				}
				break;
			default:	/* cut */
				len = at;
				break;
			}
		}
		buf[len] = '\0';
		if (!check_parse(buf, len, 0) || !check_parse(buf, len, 1))
			bad++;
		if (address_parse_list(buf, &l) == 0)
			parsed++;
		address_list_free(&l);
	}
	is_int(bad, 0, "20000 mutated values: every result keeps the promises");
	ok(parsed > 1000 && parsed < 19000,
	    "the mutations mix good and bad values (%d parsed)", parsed);
}

int
main(void)
{
	test_forms();
	test_hostile();
	test_domains();
	test_punycode();
	test_mutations();
	return tap_done();
}
