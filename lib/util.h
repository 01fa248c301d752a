/*
 * NAME
 *	util - memory, growable strings and small string helpers
 * SYNOPSIS
 *	#include "util.h"
 *
 *	void *xmalloc(size_t n);
 *	void *xcalloc(size_t n, size_t size);
 *	void *xrealloc(void *p, size_t n);
 *	char *xstrdup(const char *s);
 *	char *xstrndup(const char *s, size_t n);
 *
 *	void  sb_init(struct strbuf *sb);
 *	void  sb_append(struct strbuf *sb, const char *p, size_t n);
 *	void  sb_puts(struct strbuf *sb, const char *s);
 *	void  sb_putc(struct strbuf *sb, int c);
 *	void  sb_printf(struct strbuf *sb, const char *fmt, ...);
 *	void  sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
 *	void  sb_truncate(struct strbuf *sb, size_t len);
 *	void  sb_put_printable(struct strbuf *sb, const char *s, size_t max);
 *	char *sb_detach(struct strbuf *sb);
 *	void  sb_free(struct strbuf *sb);
 *
 *	int   str_caseeq(const char *a, const char *b);
 *	int   str_casesuffix(const char *s, const char *suffix);
 *	void  str_lower(char *s);
 *	char *str_trim(char *s);
 *	int   str_parse_bool(const char *s, int *out);
 *	int   hostname_valid(const char *s);
 *
 *	int   ascii_isdigit(int c);
 *	int   ascii_isalpha(int c);
 *	int   ascii_isalnum(int c);
 *	int   ascii_tolower(int c);
 * DESCRIPTION
 *	Out of memory is handled here and only here: the x* allocators and
 *	every strbuf operation log the failure and abort the process, so
 *	callers never test for NULL.  A milter that cannot allocate cannot
 *	do its job; libmilter's default action (milter_default_action) then
 *	decides what the MTA does with the message.
 *
 *	struct strbuf is a growable, always NUL-terminated string.  After
 *	sb_init() its .s is "" (never NULL).  sb_detach() hands the string
 *	to the caller (free() it) and leaves the buffer without storage
 *	(.s NULL): appending to it again starts a new string, and
 *	sb_free() of it is harmless.
 *
 *	sb_put_printable() appends at most max bytes of s with every byte
 *	outside printable ASCII written as '?': the form in which text
 *	from the network goes into logs and SMTP replies.
 *
 *	str_caseeq() compares ASCII case-insensitively (locale-free).
 *	str_casesuffix() is true when s ends with suffix, ignoring case.
 *	str_lower() lowercases ASCII in place.  str_trim() strips leading
 *	and trailing ASCII white space in place and returns the start.
 *	str_parse_bool() accepts yes/no/true/false/on/off/1/0 and returns
 *	0, or -1 for anything else.
 *	hostname_valid() is true for a host name: dot-separated labels of
 *	ASCII letters, digits and '-' (RFC 1123 2.1), labels of 1 to 63
 *	bytes, at most HOSTNAME_MAX (253) bytes, one final dot allowed.
 *
 *	The ascii_* functions classify and lowercase one byte as ASCII,
 *	whatever the locale: text from the network is not in the locale.
 */
#ifndef AUTHMILTER_UTIL_H
#define AUTHMILTER_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#define HOSTNAME_MAX	253	/* bytes of a host name, final dot not counted */

struct strbuf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

void	 sb_init(struct strbuf *);
void	 sb_append(struct strbuf *, const char *, size_t);
void	 sb_puts(struct strbuf *, const char *);
void	 sb_putc(struct strbuf *, int);
void	 sb_printf(struct strbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 sb_vprintf(struct strbuf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
void	 sb_truncate(struct strbuf *, size_t);
void	 sb_put_printable(struct strbuf *, const char *, size_t);
char	*sb_detach(struct strbuf *);
void	 sb_free(struct strbuf *);

int	 str_caseeq(const char *, const char *);
int	 str_casesuffix(const char *, const char *);
void	 str_lower(char *);
char	*str_trim(char *);
int	 str_parse_bool(const char *, int *);
int	 hostname_valid(const char *);

/* ascii_isdigit - ASCII decimal digit */
static inline int
ascii_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

/* ascii_isalpha - ASCII letter */
static inline int
ascii_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ascii_isalnum - ASCII letter or digit */
static inline int
ascii_isalnum(int c)
{
	return ascii_isdigit(c) || ascii_isalpha(c);
}

/* ascii_tolower - ASCII lowercase of one byte */
static inline int
ascii_tolower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif
