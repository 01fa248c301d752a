/*
 * table_test - the per-domain table: every option parsed and
 * validated with exact "PATH:LINE: message" errors, all errors
 * reported, and lookup resolving each option from the most specific
 * pattern that sets it (exact, .parents longest first, then *).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "table.h"
#include "tap.h"

/* 66 letters: more than any label may hold, cut to size with %.Ns */
#define A66 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static char tmpdir[] = "/tmp/table_test.XXXXXX";
static int nfiles;

/* write_file - put text into a new file under tmpdir; return its path */
static char *
write_file(const char *text)
{
	struct strbuf path;
	FILE *fp;

	sb_init(&path);
	sb_printf(&path, "%s/table%d", tmpdir, ++nfiles);
	if ((fp = fopen(path.s, "w")) == NULL) {
		perror(path.s);
		exit(2);
	}
	fputs(text, fp);
	fclose(fp);
	return path.s;
}

/* load_text - load a table from text; errors go to *err */
static struct table *
load_text(const char *text, char **path, struct strbuf *err)
{
	*path = write_file(text);
	sb_init(err);
	return table_load(*path, err);
}

/* expect_errors - a bad table is refused with exactly these lines */
static void
expect_errors(const char *name, const char *text, const char *lines)
{
	struct strbuf err, want;
	struct table *t;
	const char *p;
	char *path;

	t = load_text(text, &path, &err);
	ok(t == NULL, "%s: table refused", name);
	sb_init(&want);
	for (p = lines; *p; p++) {
		if (*p == '@')
			sb_puts(&want, path);
		else
			sb_putc(&want, *p);
	}
	is_str(err.s, want.s, "%s: error lines", name);
	table_free(t);
	sb_free(&want);
	sb_free(&err);
	unlink(path);
	free(path);
}

/* test_resolution - most specific entry per option */
static void
test_resolution(void)
{
	struct domain_policy p;
	struct strbuf err;
	struct table *t;
	char *path;

	t = load_text(
	    "# test table\n"
	    "\n"
	    "*                 spf-fail=reject checks=yes\n"
	    ".example.com      spf-helo=no sign=s1:/k/a.pem\n"
	    "example.com       spf=no   # trailing comment\n"
	    "mail.example.com  spf-temperror=tempfail\n"
	    "\t.mail.example.com checks=no\r\n"
	    ".b.example.com    sign=s2:/k/b.pem,s3:/k/c.pem\n"
	    "nosign.example.com sign=none\n"
	    "Upper.Example.NET. spf=no\n"
	    "marked.example.org\n",
	    &path, &err);
	ok(t != NULL, "good table loads");
	is_str(err.s, "", "no errors for a good table");
	if (t == NULL)
		return;

	table_lookup(t, "example.com", &p);
	is_str(p.matched, "example.com", "example.com: exact matched");
	is_int(p.spf, 0, "example.com: spf from exact entry");
	is_int(p.spf_helo, 1,
	    "example.com: .example.com does not apply to example.com");
	is_int(p.nsign, 0, "example.com: no keys (.example.com not itself)");
	is_int(p.spf_fail, SPF_FAIL_REJECT, "example.com: spf-fail from *");
	is_int(p.spf_temperror, TEMPERROR_ACCEPT,
	    "example.com: spf-temperror default");
	is_int(p.checks, 1, "example.com: checks from *");

	table_lookup(t, "mail.example.com", &p);
	is_str(p.matched, "mail.example.com", "mail: exact matched");
	is_int(p.spf_temperror, TEMPERROR_TEMPFAIL, "mail: temperror exact");
	is_int(p.spf_helo, 0, "mail: spf-helo from .example.com");
	is_int(p.spf, 1, "mail: example.com's spf=no not inherited");
	is_int(p.checks, 1, "mail: .mail.example.com not itself");
	is_int(p.nsign, 1, "mail: one key from .example.com");
	if (p.nsign == 1) {
		is_str(p.sign[0].selector, "s1", "mail: selector");
		is_str(p.sign[0].keyfile, "/k/a.pem", "mail: keyfile");
	}

	table_lookup(t, "a.mail.example.com", &p);
	is_str(p.matched, ".mail.example.com", "a.mail: .mail matched");
	is_int(p.checks, 0, "a.mail: checks=no from .mail.example.com");
	is_int(p.spf_temperror, TEMPERROR_ACCEPT,
	    "a.mail: exact mail.example.com not applied to subdomain");
	is_int(p.spf_helo, 0, "a.mail: spf-helo from .example.com");
	is_int(p.spf_fail, SPF_FAIL_REJECT, "a.mail: spf-fail from *");

	table_lookup(t, "x.y.z.example.com", &p);
	is_str(p.matched, ".example.com", "deep subdomain: .example.com");
	is_int(p.nsign, 1, "deep subdomain signs with s1");

	/* longest parent wins over a shorter one */
	table_lookup(t, "x.b.example.com", &p);
	is_str(p.matched, ".b.example.com", "x.b: .b.example.com matched");
	is_int(p.nsign, 2, "x.b: two keys from .b.example.com");
	if (p.nsign == 2) {
		is_str(p.sign[0].selector, "s2", "x.b: first key in order");
		is_str(p.sign[1].keyfile, "/k/c.pem", "x.b: second key file");
	}
	is_int(p.spf_helo, 0, "x.b: spf-helo still from .example.com");
	table_lookup(t, "b.example.com", &p);
	is_int(p.nsign, 1, "b.example.com itself signs with .example.com key");
	is_str(p.nsign ? p.sign[0].selector : NULL, "s1", "b: key s1");

	table_lookup(t, "nosign.example.com", &p);
	is_int(p.nsign, 0, "sign=none overrides .example.com keys");
	ok(p.sign == NULL, "sign=none: no key array");
	is_int(p.spf_helo, 0, "sign=none entry still inherits spf-helo");

	/* case and trailing dot, in the table and in the lookup */
	table_lookup(t, "MAIL.Example.COM.", &p);
	is_str(p.matched, "mail.example.com", "lookup ignores case and dot");
	is_int(p.spf_temperror, TEMPERROR_TEMPFAIL, "case: exact options");
	table_lookup(t, "upper.example.net", &p);
	is_str(p.matched, "upper.example.net", "pattern case/dot normalized");
	is_int(p.spf, 0, "normalized pattern's option applies");

	table_lookup(t, "marked.example.org", &p);
	is_str(p.matched, "marked.example.org", "option-less entry matches");
	is_int(p.spf_fail, SPF_FAIL_REJECT, "option-less: * still applies");

	table_lookup(t, "other.org", &p);
	is_str(p.matched, "*", "unlisted domain: * matched");
	is_int(p.spf_fail, SPF_FAIL_REJECT, "unlisted: spf-fail from *");
	is_int(p.spf, 1, "unlisted: spf default");

	table_lookup(t, "com", &p);
	is_str(p.matched, "*", "a parent of listed names only gets *");

	/* invalid and empty domains fall through to * */
	table_lookup(t, "", &p);
	is_str(p.matched, "*", "empty domain: *");
	table_lookup(t, NULL, &p);
	is_str(p.matched, "*", "NULL domain: *");
	table_lookup(t, ".", &p);
	is_str(p.matched, "*", "'.' domain: *");
	table_lookup(t, "a..example.com", &p);
	is_str(p.matched, "*", "empty label: *");
	table_lookup(t, "bad domain.example.com", &p);
	is_str(p.matched, "*", "blank in domain: * not .example.com");
	table_lookup(t, "\xc3\xa9.example.com", &p);
	is_str(p.matched, "*", "8-bit domain: *");
	table_lookup(t, ".example.com", &p);
	is_str(p.matched, "*", "leading dot domain: *");
	{
		char big[600];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		table_lookup(t, big, &p);
		is_str(p.matched, "*", "600-char domain: *");
		/* 4 labels of 63 = 255 characters: too long */
		memset(big, 'a', 255);
		big[63] = big[127] = big[191] = '.';
		big[255] = '\0';
		table_lookup(t, big, &p);
		is_str(p.matched, "*", "255-char domain: *");
		/* 253 characters exactly is allowed */
		strcpy(big + 240, ".example.com");
		table_lookup(t, big, &p);
		is_int((long)strlen(big), 252, "built a 252-char name");
		is_str(p.matched, ".example.com", "252-char subdomain matches");
	}

	table_free(t);
	sb_free(&err);
	unlink(path);
	free(path);
}

/* test_defaults - NULL table and a table without * */
static void
test_defaults(void)
{
	struct domain_policy p;
	struct strbuf err;
	struct table *t;
	char *path;

	memset(&p, 0x55, sizeof(p));
	table_lookup(NULL, "example.com", &p);
	ok(p.matched == NULL, "no table: nothing matched");
	is_int(p.checks, 1, "default checks yes");
	is_int(p.spf, 1, "default spf yes");
	is_int(p.spf_helo, 1, "default spf-helo yes");
	is_int(p.spf_fail, SPF_FAIL_ACCEPT, "default spf-fail accept");
	is_int(p.spf_temperror, TEMPERROR_ACCEPT, "default temperror accept");
	ok(p.sign == NULL && p.nsign == 0, "default no keys");

	t = load_text("example.com SPF=No Spf-Fail=REJECT\n", &path, &err);
	ok(t != NULL, "option names and words are case-insensitive");
	memset(&p, 0x55, sizeof(p));
	table_lookup(t, "example.net", &p);
	ok(p.matched == NULL, "no * and no match: matched is NULL");
	is_int(p.spf, 1, "no match: defaults");
	table_lookup(t, "example.com", &p);
	is_int(p.spf, 0, "SPF=No read");
	is_int(p.spf_fail, SPF_FAIL_REJECT, "Spf-Fail=REJECT read");
	table_free(t);
	sb_free(&err);
	unlink(path);
	free(path);

	t = load_text("", &path, &err);
	ok(t != NULL, "empty file is a valid empty table");
	table_lookup(t, "example.com", &p);
	ok(p.matched == NULL, "empty table matches nothing");
	table_free(t);
	sb_free(&err);
	unlink(path);
	free(path);

	t = load_text("# only a comment\n   \n\t\n", &path, &err);
	ok(t != NULL, "comments and blank lines only");
	table_free(t);
	sb_free(&err);
	unlink(path);
	free(path);
}

/* test_every_option - each option's good and bad values */
static void
test_every_option(void)
{
	static const struct {
		const char *line;
		const char *error;	/* NULL: accepted */
	} cases[] = {
		{ "d.example checks=yes", NULL },
		{ "d.example checks=no", NULL },
		{ "d.example checks=perhaps",
		    "checks: expected yes or no, got 'perhaps'" },
		{ "d.example spf=on", NULL },
		{ "d.example spf=maybe",
		    "spf: expected yes or no, got 'maybe'" },
		{ "d.example spf-helo=false", NULL },
		{ "d.example spf-helo=2",
		    "spf-helo: expected yes or no, got '2'" },
		{ "d.example spf-fail=accept", NULL },
		{ "d.example spf-fail=reject", NULL },
		{ "d.example spf-fail=drop",
		    "spf-fail: expected accept or reject, got 'drop'" },
		{ "d.example spf-temperror=accept", NULL },
		{ "d.example spf-temperror=tempfail", NULL },
		{ "d.example spf-temperror=reject",
		    "spf-temperror: expected accept or tempfail, "
		    "got 'reject'" },
		{ "d.example sign=s1:/etc/k.pem", NULL },
		{ "d.example sign=s1.sub_x:/etc/k.pem,S-2:/etc/k2.pem", NULL },
		{ "d.example sign=NONE", NULL },
		{ "d.example sign=s1",
		    "sign: expected SELECTOR:KEYFILE, got 's1'" },
		{ "d.example sign=s1:keys/a.pem",
		    "sign: key file must be an absolute path, "
		    "got 'keys/a.pem'" },
		{ "d.example sign=s1:",
		    "sign: key file must be an absolute path, got ''" },
		{ "d.example sign=:/k.pem",
		    "sign: bad selector '' (expected DNS labels: letters, "
		    "digits, '-', '_')" },
		{ "d.example sign=s@1:/k.pem",
		    "sign: bad selector 's@1' (expected DNS labels: letters, "
		    "digits, '-', '_')" },
		{ "d.example sign=a..b:/k.pem",
		    "sign: bad selector 'a..b' (expected DNS labels: letters, "
		    "digits, '-', '_')" },
		{ "d.example sign=s1:/a.pem,s1:/b.pem",
		    "sign: selector 's1' listed twice" },
		{ "d.example sign=s1:/a.pem,",
		    "sign: empty key in list 's1:/a.pem,'" },
		{ "d.example spf-fial=reject", "unknown option 'spf-fial'" },
		{ "d.example spf", "expected option=value, got 'spf'" },
		{ "d.example =yes", "expected option=value, got '=yes'" },
		{ "d.example spf=", "spf: missing value" },
		{ "d.example spf=yes spf=no", "spf: option given twice" },
		{ "d.example spf=yes,no",
		    "spf: expected yes or no, got 'yes,no'" },
		{ "d.example tls=require", NULL },
		{ "d.example tls=Optional", NULL },
		{ "d.example tls=yes",
		    "tls: expected optional or require, got 'yes'" },
		{ "d.example tls-min=TLSv1", NULL },
		{ "d.example tls-min=tlsv1.3", NULL },
		{ "d.example tls=require tls-min=TLSv1.2", NULL },
		{ "d.example tls-min=TLSv1.0",
		    "tls-min: expected TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3, "
		    "got 'TLSv1.0'" },
		{ "d.example tls-min=SSLv3",
		    "tls-min: expected TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3, "
		    "got 'SSLv3'" },
		{ "d.example tls-min=1.2",
		    "tls-min: expected TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3, "
		    "got '1.2'" },
		{ "d.example tls=optional tls-min=TLSv1.2",
		    "tls-min: needs TLS, but tls=optional is given" },
	};
	struct strbuf err, want;
	struct table *t;
	char *path;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		t = load_text(cases[i].line, &path, &err);
		if (cases[i].error == NULL) {
			ok(t != NULL && err.len == 0, "accepted: %s",
			    cases[i].line);
		} else {
			sb_init(&want);
			sb_printf(&want, "%s:1: %s\n", path, cases[i].error);
			ok(t == NULL, "refused: %s", cases[i].line);
			is_str(err.s, want.s, "error text: %s", cases[i].line);
			sb_free(&want);
		}
		table_free(t);
		sb_free(&err);
		unlink(path);
		free(path);
	}
}

/* test_patterns - which domain patterns are valid */
static void
test_patterns(void)
{
	static const char *good[] = {
		"example.com", ".example.com", "*", "localhost", ".com",
		"a-b_c.example", "EXAMPLE.COM.", ".example.com.",
		"xn--bcher-kva.example", "123.example",
	};
	static const char *bad[] = {
		"..example.com", "example..com", "exa!mple.com", ".",
		"*.example.com", "**", "ex*ample.com", "example.com/24",
		"\xc3\xa9.example", "a.*", "..",
	};
	struct strbuf err, line, want;
	struct table *t;
	char *path;
	size_t i;

	sb_init(&line);
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		sb_truncate(&line, 0);
		sb_printf(&line, "%s spf=yes\n", good[i]);
		t = load_text(line.s, &path, &err);
		ok(t != NULL, "good pattern '%s'", good[i]);
		table_free(t);
		sb_free(&err);
		unlink(path);
		free(path);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		sb_truncate(&line, 0);
		sb_printf(&line, "%s spf=yes\n", bad[i]);
		t = load_text(line.s, &path, &err);
		ok(t == NULL, "bad pattern '%s' refused", bad[i]);
		ok(strstr(err.s, ":1: bad domain pattern '") != NULL,
		    "bad pattern '%s' named in error", bad[i]);
		table_free(t);
		sb_free(&err);
		unlink(path);
		free(path);
	}
	t = load_text("*.example.com spf=no\n", &path, &err);
	sb_init(&want);
	sb_printf(&want, "%s:1: bad domain pattern '*.example.com' (write "
	    "'.example.com' for the subdomains of example.com)\n", path);
	is_str(err.s, want.s, "*.example.com gets a hint");
	table_free(t);
	sb_free(&want);
	sb_free(&err);
	unlink(path);
	free(path);

	/* label and name length limits */
	sb_truncate(&line, 0);
	for (i = 0; i < 63; i++)
		sb_putc(&line, 'a');
	sb_puts(&line, ".example spf=no\n");
	t = load_text(line.s, &path, &err);
	ok(t != NULL, "63-char label accepted");
	table_free(t);
	sb_free(&err);
	unlink(path);
	free(path);

	sb_truncate(&line, 0);
	for (i = 0; i < 64; i++)
		sb_putc(&line, 'a');
	sb_puts(&line, ".example spf=no\n");
	t = load_text(line.s, &path, &err);
	ok(t == NULL, "64-char label refused");
	table_free(t);
	sb_free(&err);
	unlink(path);
	free(path);

	sb_truncate(&line, 0);		/* 4 * 63 + 3 dots = 255 chars */
	for (i = 0; i < 4; i++)
		sb_printf(&line, "%s%.63s", i ? "." : "",
		    A66);
	sb_puts(&line, " spf=no\n");
	t = load_text(line.s, &path, &err);
	ok(t == NULL, "255-char name refused");
	table_free(t);
	sb_free(&err);
	unlink(path);
	free(path);

	sb_truncate(&line, 0);		/* 3 * 63 + 61 + 3 dots = 253 */
	for (i = 0; i < 3; i++)
		sb_printf(&line, "%.63s.",
		    A66);
	sb_printf(&line, "%.61s spf=no\n",
	    A66);
	t = load_text(line.s, &path, &err);
	ok(t != NULL, "253-char name accepted");
	table_free(t);
	sb_free(&err);
	unlink(path);
	free(path);
	sb_free(&line);
}

/* test_errors - several errors, duplicates with first line, files */
static void
test_errors(void)
{
	struct strbuf err;
	struct table *t;

	expect_errors("many errors",
	    "example.com spf=maybe\n"
	    "# comment\n"
	    "other.example checks=yes\n"
	    "EXAMPLE.com. spf-fial=yes\n"
	    "bad..domain checks=yes\n"
	    "*  spf=yes\n"
	    "*  spf=no\n"
	    ".other.example sign=s1:/a.pem\n"
	    ".Other.Example sign=s1\n",
	    "@:1: spf: expected yes or no, got 'maybe'\n"
	    "@:4: duplicate pattern 'EXAMPLE.com.' (first on line 1)\n"
	    "@:4: unknown option 'spf-fial'\n"
	    "@:5: bad domain pattern 'bad..domain'\n"
	    "@:7: duplicate pattern '*' (first on line 6)\n"
	    "@:9: duplicate pattern '.Other.Example' (first on line 8)\n"
	    "@:9: sign: expected SELECTOR:KEYFILE, got 's1'\n");
	expect_errors("one line, two bad options",
	    "x.example spf=1 spf-helo=x spf-fail=y\n",
	    "@:1: spf-helo: expected yes or no, got 'x'\n"
	    "@:1: spf-fail: expected accept or reject, got 'y'\n");
	expect_errors("subdomain pattern is not a duplicate of the domain",
	    "example.com spf=no\n.example.com spf=no\nexample.com spf=no\n",
	    "@:3: duplicate pattern 'example.com' (first on line 1)\n");

	sb_init(&err);
	t = table_load("/nonexistent/authmilter-domains", &err);
	ok(t == NULL, "missing file refused");
	is_str(err.s, "/nonexistent/authmilter-domains: cannot open: "
	    "No such file or directory\n", "missing file error text");
	sb_free(&err);

	sb_init(&err);
	t = table_load(tmpdir, &err);
	ok(t == NULL, "a directory is refused");
	ok(strstr(err.s, "read error") != NULL ||
	    strstr(err.s, "cannot open") != NULL, "directory error named");
	sb_free(&err);

	t = table_load("/nonexistent/x", NULL);
	ok(t == NULL, "NULL error buffer tolerated");
}

/* test_large - many entries resolve through the hash */
static void
test_large(void)
{
	struct domain_policy p;
	struct strbuf text, err;
	struct table *t;
	char *path;
	int i;

	sb_init(&text);
	for (i = 0; i < 20000; i++)
		sb_printf(&text, "%sd%d.example sign=s%d:/k/%d.pem\n",
		    i % 2 ? "." : "", i, i, i);
	sb_puts(&text, "* spf=no\n");
	t = load_text(text.s, &path, &err);
	ok(t != NULL, "20000-entry table loads");
	table_lookup(t, "d12344.example", &p);
	is_str(p.matched, "d12344.example", "entry 12344 found");
	is_str(p.nsign ? p.sign[0].keyfile : NULL, "/k/12344.pem",
	    "entry 12344's key");
	table_lookup(t, "x.d12345.example", &p);
	is_str(p.matched, ".d12345.example", "subdomain entry 12345 found");
	table_lookup(t, "d12345.example", &p);
	is_str(p.matched, "*", ".d12345 does not match d12345 itself");
	is_int(p.spf, 0, "falls to *");
	table_free(t);
	sb_free(&text);
	sb_free(&err);
	unlink(path);
	free(path);
}

/* test_refuses_dmarc_reject - only a dmarc-reject=no entry needs RCPT */
static void
test_refuses_dmarc_reject(void)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
		{ "", 0 },
		{ "a.example spf=no\n* checks=yes\n", 0 },
		{ "a.example dmarc-reject=yes\n", 0 },
		{ "a.example spf=no\n.b.example dmarc-reject=no\n", 1 },
		{ "* dmarc-reject=NO\n", 1 },
	};
	struct strbuf err;
	struct table *t;
	char *path;
	size_t i;

	ok(table_refuses_dmarc_reject(NULL) == 0,
	    "no table: recipients are not needed");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = load_text(cases[i].text, &path, &err);
		ok(t != NULL && table_refuses_dmarc_reject(t) == cases[i].want,
		    "table %zu: dmarc-reject=no %s", i,
		    cases[i].want ? "found" : "absent");
		table_free(t);
		sb_free(&err);
		unlink(path);
		free(path);
	}
}

/*
 * test_tls - tls= and tls-min= resolve like every option (tls-min
 * implying tls=require on its line), table_requires_tls() sees them,
 * and the entry walk gives each pattern what it resolves to
 */
static void
test_tls(void)
{
	static const struct {
		const char *pattern;
		int require;
		const char *min;
	} walk[] = {
		{ ".partner.example", 1, NULL },
		{ "mx.partner.example", 1, "TLSv1.3" },
		{ "old.partner.example", 0, NULL },
		{ "partner.example", 0, NULL },
		{ ".deep.partner.example", 1, "TLSv1.2" },
		{ "other.example", 0, NULL },
	};
	struct domain_policy p;
	struct strbuf err;
	struct table *t;
	const char *pat;
	char *path;
	size_t i;

	ok(!table_requires_tls(NULL), "no table: no TLS required");
	t = load_text("other.example spf=no\n", &path, &err);
	ok(t != NULL && !table_requires_tls(t), "no tls= entry: none");
	table_lookup(t, "other.example", &p);
	ok(p.tls_require == 0 && p.tls_min == NULL && p.tls_min_rank == -1,
	    "defaults: tls=optional, no tls-min");
	table_free(t);
	sb_free(&err);
	unlink(path);
	free(path);

	t = load_text(
	    ".partner.example      tls=require\n"
	    "mx.partner.example    tls-min=TLSv1.3\n"
	    "old.partner.example   tls=optional\n"
	    "partner.example       spf=no\n"
	    ".deep.partner.example tls-min=TLSv1.2\n"
	    "other.example         spf=no\n", &path, &err);
	ok(t != NULL && table_requires_tls(t), "tls= table loads, requires");
	if (t == NULL)
		return;
	table_lookup(t, "a.partner.example", &p);
	ok(p.tls_require && p.tls_min == NULL, "subdomain: tls=require");
	table_lookup(t, "partner.example", &p);
	ok(!p.tls_require, ".partner.example does not cover partner.example");
	table_lookup(t, "mx.partner.example", &p);
	ok(p.tls_require && p.tls_min != NULL &&
	    strcmp(p.tls_min, "TLSv1.3") == 0, "tls-min implies tls=require");
	table_lookup(t, "old.partner.example", &p);
	ok(!p.tls_require, "a more specific tls=optional lifts it");
	table_lookup(t, "x.deep.partner.example", &p);
	ok(p.tls_require && strcmp(p.tls_min, "TLSv1.2") == 0,
	    "a deeper subdomain pattern's tls-min");
	is_int((int)table_size(t), 6, "table_size counts the entries");
	ok(table_pattern_lookup(t, ".Deep.Partner.Example.", &p) &&
	    p.tls_require && strcmp(p.tls_min, "TLSv1.2") == 0,
	    "table_pattern_lookup finds an entry by its pattern, any case");
	ok(!table_pattern_lookup(t, ".other.example", &p),
	    "... and says when there is no such entry");
	for (i = 0; i < ARRAY_SIZE(walk) && i < table_size(t); i++) {
		pat = table_entry_lookup(t, i, &p);
		ok(strcmp(pat, walk[i].pattern) == 0 &&
		    p.tls_require == walk[i].require &&
		    (walk[i].min == NULL ? p.tls_min == NULL :
		    p.tls_min != NULL && strcmp(p.tls_min, walk[i].min) == 0),
		    "entry walk %zu: %s resolves to tls=%s%s", i,
		    walk[i].pattern, walk[i].require ? "require" : "optional",
		    walk[i].min ? " with tls-min" : "");
	}
	table_free(t);
	sb_free(&err);
	unlink(path);
	free(path);

	t = load_text("* tls=require\nplain.example tls=optional\n", &path,
	    &err);
	ok(t != NULL && table_entry_lookup(t, 0, &p) != NULL &&
	    p.tls_require, "* tls=require: the * entry resolves to require");
	table_lookup(t, "bad..name", &p);
	ok(p.tls_require, "a name that is not valid gets * (require)");
	table_free(t);
	sb_free(&err);
	unlink(path);
	free(path);

	t = load_text("x.example tls-min=tlsV1.3\n", &path, &err);
	table_lookup(t, "x.example", &p);
	is_str(p.tls_min, "TLSv1.3", "tls-min keeps Postfix's spelling");
	table_free(t);
	sb_free(&err);
	unlink(path);
	free(path);
}

/* checks=no: the domain's own DMARC failures are only recorded */
static void
test_checks_no(void)
{
	struct domain_policy p;
	struct strbuf err;
	struct table *t;
	char *path;

	t = load_text(
	    "*                   dmarc=enforce\n"
	    "legacy.example      checks=no\n"
	    "strict.example      checks=no dmarc=no-reject\n"
	    ".sub.example        dmarc=no-reject\n"
	    "a.sub.example       checks=no\n"
	    "b.sub.example       checks=yes\n",
	    &path, &err);
	ok(t != NULL, "checks table loads");
	if (t == NULL)
		return;
	table_lookup(t, "legacy.example", &p);
	is_int(p.checks, 0, "legacy: checks=no");
	is_int(p.dmarc, DMARC_LOCAL_MONITOR,
	    "legacy: checks=no makes its DMARC failures monitor-only, "
	    "over a less specific dmarc=");
	table_lookup(t, "strict.example", &p);
	is_int(p.dmarc, DMARC_LOCAL_NO_REJECT,
	    "an explicit dmarc= beside checks=no wins");
	table_lookup(t, "a.sub.example", &p);
	is_int(p.dmarc, DMARC_LOCAL_MONITOR,
	    "checks=no on the exact name beats a parent's dmarc=");
	table_lookup(t, "b.sub.example", &p);
	is_int(p.dmarc, DMARC_LOCAL_NO_REJECT, "checks=yes implies nothing");
	table_lookup(t, "victim.example", &p);
	is_int(p.checks, 1, "another domain keeps its checks");
	is_int(p.dmarc, DMARC_LOCAL_ENFORCE, "and its DMARC enforcement");
	table_free(t);
	sb_free(&err);
	unlink(path);
	free(path);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_resolution();
	test_defaults();
	test_every_option();
	test_patterns();
	test_tls();
	test_errors();
	test_large();
	test_refuses_dmarc_reject();
	test_checks_no();
	rmdir(tmpdir);
	return tap_done();
}
