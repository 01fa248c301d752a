/*
 * check.c - the findings of authmilter-check, kept in its JSON tree
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "check.h"

static const char *const sev_names[] = {
	[CHECK_OK] = "OK",
	[CHECK_WARNING] = "WARNING",
	[CHECK_CRITICAL] = "CRITICAL",
	[CHECK_UNKNOWN] = "UNKNOWN",
};

/* check_sev_name - "OK", "WARNING", "CRITICAL" or "UNKNOWN" */
const char *
check_sev_name(enum check_sev sev)
{
	if ((size_t)sev >= ARRAY_SIZE(sev_names))
		return "UNKNOWN";
	return sev_names[sev];
}

/* check_sev_of - the severity a finding object names */
enum check_sev
check_sev_of(const json_t *finding)
{
	const char *name;
	size_t i;

	name = json_string_value(json_object_get(finding, "severity"));
	if (name == NULL)
		return CHECK_UNKNOWN;
	for (i = 0; i < ARRAY_SIZE(sev_names); i++)
		if (strcmp(name, sev_names[i]) == 0)
			return (enum check_sev)i;
	return CHECK_UNKNOWN;
}

/*
 * check_string - s as a JSON string; a DNS answer's bytes outside
 * well-formed UTF-8 become '?' (jansson refuses them)
 */
json_t *
check_string(const char *s, size_t len)
{
	json_t *js;
	char *copy;
	size_t i;

	if ((js = json_stringn(s, len)) != NULL)
		return js;
	/* not xstrndup(): it stops at a NUL, and a TXT string may hold one */
	copy = xmalloc(len + 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	for (i = 0; i < len; i++)
		if ((unsigned char)copy[i] >= 0x80 || copy[i] == '\0')
			copy[i] = '?';
	js = json_stringn(copy, len);
	free(copy);
	return js;
}

/* check_put_shown - len bytes of s for a finding's text, cut with a marker */
void
check_put_shown(struct strbuf *sb, const char *s, size_t len)
{
	size_t i, n = len > CHECK_SHOW_MAX ? CHECK_SHOW_MAX : len;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		sb_putc(sb, c >= 0x20 && c <= 0x7e ? (char)c : '?');
	}
	if (len > CHECK_SHOW_MAX)
		sb_printf(sb, "...(%zu bytes)", len);
}

/* check_show - s for a finding's text, cut with a marker (caller frees) */
char *
check_show(const char *s)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_puts(&sb, "");
	check_put_shown(&sb, s, strlen(s));
	return sb_detach(&sb);
}

/* check_finding - append one finding to area's "findings" */
void
check_finding(json_t *area, enum check_sev sev, const char *fix,
    const char *fmt, ...)
{
	json_t *list, *finding;
	struct strbuf text;
	va_list ap;

	if ((list = json_object_get(area, "findings")) == NULL) {
		list = json_array();
		json_object_set_new(area, "findings", list);
	}
	sb_init(&text);
	va_start(ap, fmt);
	sb_vprintf(&text, fmt, ap);
	va_end(ap);
	finding = json_object();
	json_object_set_new(finding, "severity",
	    json_string(check_sev_name(sev)));
	json_object_set_new(finding, "text", check_string(text.s, text.len));
	sb_free(&text);
	if (fix != NULL)
		json_object_set_new(finding, "fix", json_string(fix));
	json_array_append_new(list, finding);
}

/* check_worst - the most severe finding in node and below */
enum check_sev
check_worst(const json_t *node)
{
	enum check_sev worst = CHECK_OK, sev;
	const char *key;
	json_t *value;
	size_t i;

	if (json_is_array(node)) {
		json_array_foreach(node, i, value)
			if ((sev = check_worst(value)) > worst)
				worst = sev;
		return worst;
	}
	if (!json_is_object(node))
		return CHECK_OK;
	if (json_object_get(node, "severity") != NULL &&
	    json_object_get(node, "text") != NULL)
		return check_sev_of(node);
	json_object_foreach((json_t *)node, key, value)
		if ((sev = check_worst(value)) > worst)
			worst = sev;
	return worst;
}
