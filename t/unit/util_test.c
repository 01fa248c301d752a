/*
 * util_test - strbuf growth and formatting, string helpers
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "tap.h"

int
main(void)
{
	struct strbuf sb;
	char buf[32], name[HOSTNAME_MAX + 2], *s;
	int b, i;

	sb_init(&sb);
	is_str(sb.s, "", "a new strbuf is the empty string");
	for (i = 0; i < 1000; i++)
		sb_puts(&sb, "abc");
	is_int((long)sb.len, 3000, "strbuf grows past its first allocation");
	is_int((long)strlen(sb.s), 3000, "strbuf stays NUL-terminated");
	sb_truncate(&sb, 2);
	sb_printf(&sb, "%d-%s", 42, "x");
	is_str(sb.s, "ab42-x", "sb_truncate then sb_printf appends");
	s = sb_detach(&sb);
	is_str(s, "ab42-x", "sb_detach hands over the string");
	ok(sb.s == NULL && sb.len == 0, "sb_detach leaves the buffer unused");
	free(s);
	sb_put_printable(&sb, "a\r\nb\x80\x01" "c", 100);
	is_str(sb.s, "a??b??c", "sb_put_printable masks control and 8-bit bytes");
	sb_truncate(&sb, 0);
	sb_put_printable(&sb, "abcdef", 3);
	is_str(sb.s, "abc", "sb_put_printable stops at max");
	sb_free(&sb);

	ok(str_caseeq("Example.COM", "example.com"), "str_caseeq ignores case");
	ok(!str_caseeq("example.co", "example.com"), "str_caseeq: prefix is not equal");
	ok(str_casesuffix("mail.Example.com", "example.COM"), "str_casesuffix matches");
	ok(!str_casesuffix("com", "example.com"), "str_casesuffix: longer suffix");
	strcpy(buf, "  MiXeD \t\n");
	s = str_trim(buf);
	str_lower(s);
	is_str(s, "mixed", "str_trim and str_lower");
	ok(str_parse_bool("Yes", &b) == 0 && b == 1, "yes is true");
	ok(str_parse_bool("off", &b) == 0 && b == 0, "off is false");
	ok(str_parse_bool("maybe", &b) == -1, "maybe is refused");

	/* hostname_valid: letters, digits, '-', dots; one final dot */
	memset(name, 'a', sizeof(name));
	ok(hostname_valid("mx1.example.com") && hostname_valid("a-b.c."),
	    "hostname_valid: LDH labels, final dot");
	ok(!hostname_valid("mx 1.example") && !hostname_valid("mx\0331.x") &&
	    !hostname_valid("_mx.example") && !hostname_valid("m\xc3\xa9.x"),
	    "hostname_valid: space, ESC, '_', 8-bit refused");
	ok(!hostname_valid("") && !hostname_valid(".") &&
	    !hostname_valid("a..b") && !hostname_valid(".a"),
	    "hostname_valid: empty name or label refused");
	memcpy(name, "x.", 2);
	name[2 + 63] = '\0';
	ok(hostname_valid(name), "hostname_valid: a 63-byte label");
	name[2 + 63] = 'a';
	name[2 + 64] = '\0';
	ok(!hostname_valid(name), "hostname_valid: a 64-byte label refused");
	for (i = 0; i < HOSTNAME_MAX + 1; i++)
		name[i] = i % 50 == 49 ? '.' : 'a';
	name[HOSTNAME_MAX] = '\0';
	ok(hostname_valid(name), "hostname_valid: HOSTNAME_MAX bytes");
	name[HOSTNAME_MAX] = 'a';
	name[HOSTNAME_MAX + 1] = '\0';
	ok(!hostname_valid(name), "hostname_valid: one byte more refused");
	s = xstrndup("abcdef", 3);
	is_str(s, "abc", "xstrndup copies at most n bytes");
	free(s);
	return tap_done();
}
