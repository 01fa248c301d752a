/*
 * authres.c - build our Authentication-Results header, spot forged ones
 */
#include <string.h>

#include "authres.h"
#include "util.h"

/* is_atext - RFC 5322 atext */
static int
is_atext(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* is_token_char - RFC 2045 token character (no tspecials, no CTLs) */
static int
is_token_char(int c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* is_dot_atom - RFC 5322 dot-atom-text over [p, end) */
static int
is_dot_atom(const char *p, const char *end)
{
	int prev_dot = 1;

	if (p == end)
		return 0;
	for (; p < end; p++) {
		if (*p == '.') {
			if (prev_dot)
				return 0;
			prev_dot = 1;
		} else if (is_atext((unsigned char)*p)) {
			prev_dot = 0;
		} else {
			return 0;
		}
	}
	return !prev_dot;
}

/* is_domain_name - letters, digits, hyphens and underscores in dotted labels */
static int
is_domain_name(const char *p, const char *end)
{
	size_t label = 0;

	if (p == end || end - p > 253)
		return 0;
	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0;
}

/* is_plain_value - may value be written without quoting? */
static int
is_plain_value(const char *v, size_t len)
{
	const char *end = v + len, *at = memchr(v, '@', len), *p;

	if (len == 0)
		return 0;
	if (at != NULL)		/* [local-part] "@" domain-name */
		return (at == v || is_dot_atom(v, at)) &&
		    is_domain_name(at + 1, end);
	for (p = v; p < end; p++)
		if (!is_token_char((unsigned char)*p))
			return 0;
	return 1;
}

/* put_escaped - copy text, escaping the given specials, '?' for non-ASCII */
static void
put_escaped(struct strbuf *sb, const char *text, size_t len,
    const char *specials)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20 || c > 0x7e)
			c = '?';
		else if (strchr(specials, c) != NULL)
			sb_putc(sb, '\\');
		sb_putc(sb, c);
	}
}

/* authres_put_value - a token, address or domain as is; else quoted */
void
authres_put_value(struct strbuf *sb, const char *value)
{
	size_t len = strlen(value);

	if (is_plain_value(value, len)) {
		sb_append(sb, value, len);
		return;
	}
	sb_putc(sb, '"');
	put_escaped(sb, value, len, "\"\\");
	sb_putc(sb, '"');
}

/* authres_put_comment - a comment with its specials escaped; long: marked */
void
authres_put_comment(struct strbuf *sb, const char *text)
{
	size_t len = strlen(text);

	sb_putc(sb, '(');
	if (len <= AUTHRES_MAX_COMMENT) {
		put_escaped(sb, text, len, "()\\");
	} else {
		put_escaped(sb, text, AUTHRES_MAX_COMMENT, "()\\");
		sb_printf(sb, "... [%zu bytes cut]", len - AUTHRES_MAX_COMMENT);
	}
	sb_putc(sb, ')');
}

/* authres_init - start a header for our authserv-id */
void
authres_init(struct authres *ar, const char *authserv_id)
{
	sb_init(&ar->sb);
	authres_put_value(&ar->sb, authserv_id);
	ar->nresults = 0;
}

/* authres_add - start one result: method=result (comment) */
void
authres_add(struct authres *ar, const char *method, const char *result,
    const char *comment)
{
	sb_printf(&ar->sb, ";\n\t%s=%s", method, result);
	if (comment != NULL && *comment != '\0') {
		sb_putc(&ar->sb, ' ');
		authres_put_comment(&ar->sb, comment);
	}
	ar->nresults++;
}

/* authres_prop - add ptype.property=value to the latest result */
void
authres_prop(struct authres *ar, const char *ptype, const char *property,
    const char *value)
{
	size_t len = strlen(value);

	if (len > AUTHRES_MAX_VALUE) {
		/* a property is optional (RFC 8601): say why it is missing */
		sb_printf(&ar->sb, " (%s.%s not shown: %zu bytes, over %d)",
		    ptype, property, len, AUTHRES_MAX_VALUE);
		return;
	}
	sb_printf(&ar->sb, " %s.%s=", ptype, property);
	authres_put_value(&ar->sb, value);
}

/* authres_finish - the header value; "ID; none" when nothing was added */
char *
authres_finish(struct authres *ar)
{
	if (ar->nresults == 0)
		sb_puts(&ar->sb, "; none");
	ar->nresults = 0;
	return sb_detach(&ar->sb);
}

/* skip_cfws - skip white space and (nested) comments */
static const char *
skip_cfws(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (depth > 0) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
		} else if (*p == '(') {
			depth++;
		} else if (*p != ' ' && *p != '\t' && *p != '\r' &&
		    *p != '\n') {
			break;
		}
	}
	return p;
}

/* id_eq - same authserv-id, case-insensitively, a final dot ignored */
static int
id_eq(const char *id, size_t len, const char *ours)
{
	size_t olen = strlen(ours), i;

	if (len > 0 && id[len - 1] == '.')
		len--;
	if (olen > 0 && ours[olen - 1] == '.')
		olen--;
	if (len == 0 || len != olen)
		return 0;
	for (i = 0; i < len; i++)
		if (ascii_tolower((unsigned char)id[i]) !=
		    ascii_tolower((unsigned char)ours[i]))
			return 0;
	return 1;
}

/* authres_is_ours - does this header value carry our authserv-id? */
int
authres_is_ours(const char *value, const char *authserv_id)
{
	struct strbuf id;
	const char *p = skip_cfws(value);
	int ours;

	sb_init(&id);
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			sb_putc(&id, *p);
		}
	} else {
		/* an authserv-id is a token; a domain-name fits in one */
		for (; is_token_char((unsigned char)*p); p++)
			sb_putc(&id, *p);
	}
	ours = id_eq(id.s, id.len, authserv_id);
	sb_free(&id);
	return ours;
}
