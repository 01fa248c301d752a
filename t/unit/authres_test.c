/*
 * authres_test - building Authentication-Results and spotting ours
 */
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "tap.h"

/* value - what authres_put_value writes for v */
static char *
value(const char *v)
{
	struct strbuf sb;

	sb_init(&sb);
	authres_put_value(&sb, v);
	return sb_detach(&sb);
}

/* check_value - one authres_put_value case */
static void
check_value(const char *in, const char *want, const char *name)
{
	char *got = value(in);

	is_str(got, want, "value %s", name);
	free(got);
}

int
main(void)
{
	struct authres ar;
	struct strbuf sb;
	char *h;

	check_value("example.com", "example.com", "domain is written as is");
	check_value("user@example.com", "user@example.com", "address as is");
	check_value("@example.com", "@example.com", "@domain as is");
	check_value("x; dkim=pass", "\"x; dkim=pass\"", "HELO with ; is quoted");
	check_value("a\"b\\c", "\"a\\\"b\\\\c\"", "quote and backslash are escaped");
	check_value("bad..dots@example.com", "\"bad..dots@example.com\"",
	    "a local part that is no dot-atom is quoted");
	check_value("user@exa mple.com", "\"user@exa mple.com\"",
	    "a domain with a space is quoted");
	check_value("a\r\nX-Injected: 1", "\"a??X-Injected: 1\"",
	    "CR LF cannot start a new header");
	check_value("", "\"\"", "the empty value is a quoted-string");

	sb_init(&sb);
	authres_put_comment(&sb, "a (nested) \\ comment");
	is_str(sb.s, "(a \\(nested\\) \\\\ comment)", "comment specials escaped");
	sb_free(&sb);

	authres_init(&ar, "mx.example.net");
	h = authres_finish(&ar);
	is_str(h, "mx.example.net; none", "no results gives none");
	free(h);
	sb_free(&ar.sb);

	authres_init(&ar, "mx.example.net");
	authres_add(&ar, "spf", "pass", "ip4:192.0.2.0/24 matched");
	authres_prop(&ar, "smtp", "mailfrom", "user@example.com");
	authres_add(&ar, "spf", "none", NULL);
	authres_prop(&ar, "smtp", "helo", "x; dkim=pass");
	h = authres_finish(&ar);
	is_str(h, "mx.example.net;\n\tspf=pass (ip4:192.0.2.0/24 matched) "
	    "smtp.mailfrom=user@example.com;\n\tspf=none "
	    "smtp.helo=\"x; dkim=pass\"", "two results, folded, quoted");
	free(h);
	sb_free(&ar.sb);

	ok(authres_is_ours("mx.example.net; spf=pass", "mx.example.net"),
	    "our id is ours");
	ok(authres_is_ours("  (comment) MX.Example.NET 1; none", "mx.example.net"),
	    "comment, case and version do not hide our id");
	ok(authres_is_ours("\"mx.example.net\"; none", "mx.example.net"),
	    "a quoted authserv-id is read");
	ok(!authres_is_ours("mx.example.net.evil; none", "mx.example.net"),
	    "a longer id is not ours");
	ok(authres_is_ours("mx.example.net.; spf=pass", "mx.example.net"),
	    "our id written with a final dot is ours");
	ok(authres_is_ours("MX.EXAMPLE.NET.; spf=pass", "mx.example.net"),
	    "our id with a final dot, in capitals, is ours");
	ok(authres_is_ours("\"mx.example.net.\"; spf=pass", "mx.example.net"),
	    "our id quoted, with a final dot, is ours");
	ok(authres_is_ours("mx.example.net; spf=pass", "mx.example.net."),
	    "an AuthservID configured with a final dot matches one without");
	ok(!authres_is_ours("mx.example.net..; spf=pass", "mx.example.net"),
	    "two final dots are another id");
	ok(!authres_is_ours(".; spf=pass", "."),
	    "a lone dot is no id");
	ok(!authres_is_ours("other.example; spf=pass", "mx.example.net"),
	    "another id is not ours");
	ok(!authres_is_ours("", "mx.example.net"), "an empty value is not ours");
	ok(!authres_is_ours("(unterminated comment", "mx.example.net"),
	    "an unterminated comment is not ours");
	return tap_done();
}
