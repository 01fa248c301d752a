/*
 * check_test - the findings tree of lib/check.c: severities, the worst
 * finding, strings from hostile DNS answers, and values shown in a
 * finding's text (cut with a marker, never silently)
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "check.h"
#include "tap.h"

/* shown - check_show(s) compared with want */
static void
shown(const char *s, const char *want, const char *name)
{
	char *got = check_show(s);

	is_str(got, want, "%s", name);
	free(got);
}

static void
test_show(void)
{
	char name[CHECK_SHOW_MAX + 2], want[CHECK_SHOW_MAX + 32];
	char *got;

	shown("selector._domainkey.example.org",
	    "selector._domainkey.example.org", "a short name is shown whole");
	shown("", "", "an empty value is shown empty");

	memset(name, 'a', CHECK_SHOW_MAX);
	name[CHECK_SHOW_MAX] = '\0';
	shown(name, name, "a value of exactly CHECK_SHOW_MAX bytes is whole");

	name[CHECK_SHOW_MAX] = 'b';
	name[CHECK_SHOW_MAX + 1] = '\0';
	memcpy(want, name, CHECK_SHOW_MAX);
	strcpy(want + CHECK_SHOW_MAX, "...(121 bytes)");
	shown(name, want, "one byte over is cut at CHECK_SHOW_MAX, marked with the whole length");

	got = check_show(name);
	ok(strncmp(got + CHECK_SHOW_MAX, "...(", 4) == 0,
	    "the byte past the cut is replaced by the marker");
	free(got);

	shown("a\tb\nc", "a?b?c",
	    "control bytes become ?, never pass through");
}

/* test_put_shown - a value with a length: NUL bytes and the cut */
static void
test_put_shown(void)
{
	char line[200];
	struct strbuf sb;

	sb_init(&sb);
	sb_puts(&sb, "reply: ");
	check_put_shown(&sb, "250\0ok", 6);
	is_str(sb.s, "reply: 250?ok",
	    "a NUL byte inside the value is shown as ?, the rest kept");
	sb_free(&sb);

	memset(line, 'x', sizeof(line));
	memcpy(line, "220 ", 4);
	sb_init(&sb);
	check_put_shown(&sb, line, sizeof(line));
	ok(sb.len == CHECK_SHOW_MAX + strlen("...(200 bytes)") &&
	    strcmp(sb.s + CHECK_SHOW_MAX, "...(200 bytes)") == 0,
	    "a 200-byte server reply is cut at CHECK_SHOW_MAX and marked");
	sb_free(&sb);
}

static void
test_findings(void)
{
	json_t *dom = json_object(), *area = json_object();
	json_t *s;

	json_object_set_new(dom, "spf", area);
	is_int(check_worst(dom), CHECK_OK, "no finding: OK");
	check_finding(area, CHECK_WARNING, "fix it", "a %s", "warning");
	is_int(check_worst(dom), CHECK_WARNING, "a warning: WARNING");
	check_finding(area, CHECK_CRITICAL, NULL, "bad");
	is_int(check_worst(dom), CHECK_CRITICAL, "a critical finding wins");
	check_finding(area, CHECK_UNKNOWN, NULL, "DNS down");
	is_int(check_worst(dom), CHECK_UNKNOWN,
	    "UNKNOWN outranks CRITICAL (monitoring convention)");
	is_str(json_string_value(json_object_get(json_array_get(
	    json_object_get(area, "findings"), 0), "text")), "a warning",
	    "the text is formatted");
	is_str(check_sev_name(CHECK_CRITICAL), "CRITICAL",
	    "severity names as JSON spells them");
	json_decref(dom);

	s = check_string("ok\xff\0x", 5);
	ok(s != NULL && json_string_length(s) == 5 &&
	    memcmp(json_string_value(s), "ok?", 3) == 0,
	    "bytes that are not UTF-8 become '?', keeping the length");
	json_decref(s);
}

int
main(void)
{
	test_show();
	test_put_shown();
	test_findings();
	return tap_done();
}
