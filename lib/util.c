/*
 * util.c - memory, growable strings and small string helpers
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

/* oom - report that memory ran out, and stop */
static void
oom(size_t n)
{
	log_msg(LOG_CRIT, "out of memory allocating %zu bytes", n);
	abort();
}

/* xmalloc - malloc that never returns NULL */
void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

/* xcalloc - calloc that never returns NULL */
void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

/* xrealloc - realloc that never returns NULL */
void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

/* xstrdup - strdup that never returns NULL */
char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* xstrndup - copy at most n bytes of s into a new string */
char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* sb_init - make an empty string buffer */
void
sb_init(struct strbuf *sb)
{
	sb->cap = 64;
	sb->len = 0;
	sb->s = xmalloc(sb->cap);
	sb->s[0] = '\0';
}

/* sb_reserve - make room for n more bytes and the terminator */
static void
sb_reserve(struct strbuf *sb, size_t n)
{
	if (sb->s == NULL || sb->cap == 0)
		sb_init(sb);
	if (n >= ((size_t)-1) / 2 - sb->len)
		oom(n);
	if (sb->len + n + 1 <= sb->cap)
		return;
	while (sb->len + n + 1 > sb->cap)
		sb->cap *= 2;
	sb->s = xrealloc(sb->s, sb->cap);
}

/* sb_append - append n bytes */
void
sb_append(struct strbuf *sb, const char *p, size_t n)
{
	sb_reserve(sb, n);
	memcpy(sb->s + sb->len, p, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

/* sb_puts - append a C string */
void
sb_puts(struct strbuf *sb, const char *s)
{
	sb_append(sb, s, strlen(s));
}

/* sb_putc - append one byte */
void
sb_putc(struct strbuf *sb, int c)
{
	char ch = (char)c;

	sb_append(sb, &ch, 1);
}

/* sb_printf - append formatted text */
void
sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

/* sb_vprintf - append formatted text from a va_list */
void
sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	char probe[1];
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(probe, sizeof(probe), fmt, ap);
	if (n >= 0) {
		sb_reserve(sb, (size_t)n);
		vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, again);
		sb->len += (size_t)n;
	}
	va_end(again);
}

/* sb_truncate - cut the string to len bytes (no-op if shorter) */
void
sb_truncate(struct strbuf *sb, size_t len)
{
	if (sb->s == NULL)
		sb_init(sb);
	if (len < sb->len) {
		sb->len = len;
		sb->s[len] = '\0';
	}
}

/* sb_put_printable - append network text with non-printables as '?' */
void
sb_put_printable(struct strbuf *sb, const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		sb_putc(sb, c >= 0x20 && c <= 0x7e ? c : '?');
	}
}

/* sb_detach - hand the string to the caller; the buffer is left unused */
char *
sb_detach(struct strbuf *sb)
{
	char *s;

	if (sb->s == NULL)
		sb_init(sb);
	s = sb->s;
	sb->s = NULL;
	sb->len = sb->cap = 0;
	return s;
}

/* sb_free - release the buffer */
void
sb_free(struct strbuf *sb)
{
	free(sb->s);
	sb->s = NULL;
	sb->len = sb->cap = 0;
}

/* str_caseeq - ASCII case-insensitive equality */
int
str_caseeq(const char *a, const char *b)
{
	while (*a && ascii_tolower((unsigned char)*a) ==
	    ascii_tolower((unsigned char)*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

/* str_casesuffix - does s end with suffix, ignoring ASCII case? */
int
str_casesuffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return lx <= ls && str_caseeq(s + ls - lx, suffix);
}

/* str_lower - lowercase ASCII in place */
void
str_lower(char *s)
{
	for (; *s; s++)
		*s = (char)ascii_tolower((unsigned char)*s);
}

/* str_trim - strip ASCII white space at both ends, in place */
char *
str_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

/* str_parse_bool - yes/no/true/false/on/off/1/0 */
int
str_parse_bool(const char *s, int *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (str_caseeq(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (str_caseeq(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* hostname_valid - letters, digits and '-' in dot-separated labels */
int
hostname_valid(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > HOSTNAME_MAX)
		return 0;
	for (; len > 0; s++, len--) {
		if (*s == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (ascii_isalnum((unsigned char)*s) || *s == '-') {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return label > 0;
}
