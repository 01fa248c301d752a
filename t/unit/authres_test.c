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
	char big[512];
	const char *want;
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

	/* issue 9 item 2: a long value is whole or absent, never cut */
	memset(big, 'a', 245);
	strcpy(big + 245, "@paypal.com.attacker.example");
	authres_init(&ar, "mx.example.net");
	authres_add(&ar, "spf", "pass", NULL);
	authres_prop(&ar, "smtp", "mailfrom", big);
	h = authres_finish(&ar);
	want = strstr(h, "smtp.mailfrom=");
	ok(want != NULL && strcmp(want + strlen("smtp.mailfrom="), big) == 0,
	    "a 273-byte MAIL FROM is written whole, ending in its real "
	    "domain, not at @paypal.com");
	free(h);
	sb_free(&ar.sb);

	memset(big, 'a', 400);
	strcpy(big + 400, "@paypal.com.attacker.example");
	authres_init(&ar, "mx.example.net");
	authres_add(&ar, "spf", "pass", NULL);
	authres_prop(&ar, "smtp", "mailfrom", big);
	authres_prop(&ar, "smtp", "helo", "mail.example.org");
	h = authres_finish(&ar);
	is_str(h, "mx.example.net;\n\tspf=pass (smtp.mailfrom not shown: "
	    "428 bytes, over 320) smtp.helo=mail.example.org",
	    "a value over AUTHRES_MAX_VALUE is left out, a comment says why");
	free(h);
	sb_free(&ar.sb);

	memset(big, 'x', 300);
	strcpy(big + 300, ".example");
	h = value(big);
	is_int((long)strlen(h), 308, "authres_put_value never cuts a value");
	free(h);

	memset(big, 'c', 300);
	big[300] = '\0';
	sb_init(&sb);
	authres_put_comment(&sb, big);
	ok(sb.len == 1 + 256 + strlen("... [44 bytes cut]") + 1 &&
	    strcmp(sb.s + sb.len - 20, "c... [44 bytes cut])") == 0,
	    "a long comment is cut with a visible marker");
	sb_free(&sb);

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
