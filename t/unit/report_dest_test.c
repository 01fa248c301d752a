/*
 * report_dest_test - a rua list read as RFC 9990 wants: mailto: URIs
 * only (scheme in any case), "!size" and "?header" ignored, %XX decoded,
 * the host lowercased, an address given twice kept once, at most
 * REPORT_RUA_MAX addresses, and each URI skipped said in a note; hostile
 * input (bad escapes, %00, control bytes, quotes, no @) never becomes an
 * address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "report_dest.h"
#include "tap.h"

/* joined - the addresses of rua, joined by spaces; notes counted */
static char *
joined(const char *rua, size_t *nnotes)
{
	struct strbuf out, notes;
	char **a, *p;
	size_t n, i;

	sb_init(&out);
	sb_init(&notes);
	n = report_rua_parse(rua, &a, &notes);
	for (i = 0; i < n; i++)
		sb_printf(&out, "%s%s", i > 0 ? " " : "", a[i]);
	ok(a[n] == NULL, "the array of \"%.40s\" ends in NULL", rua);
	*nnotes = 0;
	for (p = notes.s; p != NULL && (p = strchr(p, '\n')) != NULL; p++)
		(*nnotes)++;
	report_rua_free(a);
	sb_free(&notes);
	if (out.s == NULL)
		sb_puts(&out, "");
	return sb_detach(&out);
}

/* check - rua gives want, with nnotes notes */
static void
check(const char *rua, const char *want, size_t nnotes, const char *name)
{
	size_t n;
	char *got = joined(rua, &n);

	is_str(got, want, "%s", name);
	ok(n == nnotes, "%s: %zu notes (got %zu)", name, nnotes, n);
	free(got);
}

int
main(void)
{
	struct strbuf many;
	int i;

	check("mailto:a@example.com", "a@example.com", 0, "one address");
	check(" mailto:a@example.com , MAILTO:b@Example.NET ",
	    "a@example.com b@example.net", 0,
	    "two, white space around, scheme in capitals, host lowercased");
	check("mailto:a@example.com!10m", "a@example.com", 0,
	    "the obsolete !size is ignored");
	check("mailto:a@example.com?subject=x", "a@example.com", 0,
	    "?header is ignored");
	check("mailto:d%2Bm@example.com", "d+m@example.com", 0,
	    "%XX decoded");
	check("mailto:a@example.com,mailto:A@EXAMPLE.com", "a@example.com", 0,
	    "the same address twice is kept once");
	check("https://example.com/r,mailto:a@example.com", "a@example.com", 1,
	    "another scheme skipped with a note");
	check("mailto:a%00b@example.com", "", 1, "%00 is refused");
	check("mailto:a%4@example.com", "", 1, "a cut %-escape is refused");
	check("mailto:a%", "", 1, "a % at the end is refused");
	check("mailto:noat.example.com", "", 1, "no @: refused");
	check("mailto:a@b@example.com", "", 1, "two @: refused");
	check("mailto:\"a b\"@example.com", "", 1,
	    "a quoted local part: refused");
	check("mailto:a%0d%0aBcc:x@example.com", "", 1,
	    "CR LF smuggled in: refused");
	check("mailto:a@-bad.example", "", 1,
	    "a label starting with -: refused");
	check("mailto:a@localhost", "", 1, "a host of one label: refused");
	check("mailto:a..b@example.com", "", 1, "two dots in a row: refused");
	check("", "", 0, "empty rua: nothing");
	check(",,, ,", "", 0, "only commas: nothing");
	sb_init(&many);
	for (i = 0; i < REPORT_RUA_MAX + 2; i++)
		sb_printf(&many, "%smailto:r%d@example.com", i ? "," : "", i);
	{
		size_t n;
		char *got = joined(many.s, &n);
		char *sp;
		int count = 1;

		for (sp = got; (sp = strchr(sp, ' ')) != NULL; sp++)
			count++;
		ok(count == REPORT_RUA_MAX, "at most REPORT_RUA_MAX addresses "
		    "(got %d)", count);
		ok(n == 2, "the ones over the limit are noted (%zu)", n);
		free(got);
	}
	sb_free(&many);
	ok(report_dest_is_host("a.example") &&
	    !report_dest_is_host("a_b.example") &&
	    !report_dest_is_host("example.") && !report_dest_is_host(""),
	    "report_dest_is_host");
	return tap_done();
}
