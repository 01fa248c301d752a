/*
 * spf_macro.c - SPF macro syntax, expansion and domain-spec rules
 *	(RFC 7208 section 7, and the domain-end rule of 7.1)
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "spf_int.h"

#define DELIMITERS	".-+,/_="

struct span {
	const char	*p;
	size_t		 n;
};

/* to_lower - ASCII lower case */
static int
to_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* letter_allowed - is this macro letter allowed in this context */
static int
letter_allowed(int c, int flags)
{
	c = to_lower(c);
	if (strchr("slodipvh", c) != NULL)
		return 1;
	if (strchr("crt", c) != NULL)
		return (flags & SPF_MACRO_EXP) != 0;
	return 0;
}

/* letter_value - the value of one macro letter */
static const char *
letter_value(int c, const struct spf_macro_env *env)
{
	const char *v = NULL;

	switch (to_lower(c)) {
	case 's': v = env->s; break;
	case 'l': v = env->l; break;
	case 'o': v = env->o; break;
	case 'd': v = env->d; break;
	case 'i': v = env->i; break;
	case 'c': v = env->c; break;
	case 'v': v = env->v; break;
	case 'h': v = env->h; break;
	case 'r': v = env->r; break;
	case 't': v = env->t; break;
	case 'p':
		v = env->p != NULL ? env->p(env->parg, env->d) : "unknown";
		break;
	}
	return v != NULL ? v : "";
}

/* url_escape - append s to out, %XX-escaping all but RFC 3986 unreserved */
static void
url_escape(struct strbuf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (ascii_isalpha(c) || ascii_isdigit(c) || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			sb_putc(out, c);
		} else {
			sb_putc(out, '%');
			sb_putc(out, hex[c >> 4]);
			sb_putc(out, hex[c & 15]);
		}
	}
}

/*
 * transform - split value on delimiters, maybe reverse, keep the
 *	rightmost digits parts, join with dots, append to out
 */
static void
transform(struct strbuf *out, const char *value, unsigned digits,
    int reverse, const char *delims, size_t ndelims)
{
	struct span *parts;
	size_t nparts = 1, i, first, n = strlen(value);
	const char *p, *start;

	for (i = 0; i < n; i++)
		if (memchr(delims, value[i], ndelims) != NULL)
			nparts++;
	parts = xcalloc(nparts, sizeof(*parts));
	nparts = 0;
	for (start = p = value; ; p++) {
		if (*p == '\0' || memchr(delims, *p, ndelims) != NULL) {
			parts[nparts].p = start;
			parts[nparts].n = (size_t)(p - start);
			nparts++;
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	if (reverse) {
		for (i = 0; i < nparts / 2; i++) {
			struct span t = parts[i];

			parts[i] = parts[nparts - 1 - i];
			parts[nparts - 1 - i] = t;
		}
	}
	first = (digits > 0 && digits < nparts) ? nparts - digits : 0;
	for (i = first; i < nparts; i++) {
		if (i > first)
			sb_putc(out, '.');
		sb_append(out, parts[i].p, parts[i].n);
	}
	free(parts);
}

/*
 * macro_scan - check, and when env is set expand, a macro-string;
 *	*endmacro tells whether it ends with a macro-expand and *litstart
 *	where its final literal run begins
 */
static int
macro_scan(const char *s, size_t len, int flags,
    const struct spf_macro_env *env, struct strbuf *out, struct strbuf *err,
    int *endmacro, size_t *litstart)
{
	size_t i = 0, k;
	struct strbuf one;

	*endmacro = 0;
	*litstart = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c != '%') {
			if (env != NULL)
				sb_putc(out, c);
			if (*endmacro)
				*litstart = i;
			*endmacro = 0;
			i++;
			continue;
		}
		if (i + 1 >= len) {
			sb_puts(err, "'%' at end of macro-string");
			return -1;
		}
		c = (unsigned char)s[i + 1];
		if (c == '%' || c == '_' || c == '-') {
			if (env != NULL)
				sb_puts(out, c == '%' ? "%" :
				    c == '_' ? " " : "%20");
			i += 2;
			*endmacro = 1;
			*litstart = i;
			continue;
		}
		if (c != '{') {
			sb_printf(err, "invalid macro '%%%c'",
			    c >= 0x21 && c <= 0x7e ? c : '?');
			return -1;
		}
		/* %{ letter *DIGIT [r] *delimiter } */
		k = i + 2;
		if (k >= len || !letter_allowed(s[k], flags)) {
			if (k < len && (unsigned char)s[k] >= 0x21 &&
			    (unsigned char)s[k] <= 0x7e)
				sb_printf(err, "invalid macro letter '%c'",
				    s[k]);
			else
				sb_puts(err, "invalid macro letter");
			return -1;
		} else {
			int letter = (unsigned char)s[k];
			unsigned digits = 0;
			int ndig = 0, reverse = 0;
			size_t dstart, dend;

			k++;
			while (k < len && ascii_isdigit(s[k])) {
				if (digits <= SPF_MAX_DIGITS)
					digits = digits * 10 +
					    (unsigned)(s[k] - '0');
				ndig++;
				k++;
			}
			if (ndig > 0 && digits == 0) {
				sb_puts(err, "macro digit transformer of 0");
				return -1;
			}
			if (k < len && (s[k] == 'r' || s[k] == 'R')) {
				reverse = 1;
				k++;
			}
			dstart = k;
			while (k < len && strchr(DELIMITERS, s[k]) != NULL &&
			    s[k] != '\0')
				k++;
			dend = k;
			if (k >= len || s[k] != '}') {
				sb_puts(err, "unterminated or malformed "
				    "macro '%{'");
				return -1;
			}
			k++;
			if (env != NULL) {
				const char *v = letter_value(letter, env);

				sb_init(&one);
				if (dend > dstart)
					transform(&one, v, digits, reverse,
					    s + dstart, dend - dstart);
				else
					transform(&one, v, digits, reverse,
					    ".", 1);
				if (letter >= 'A' && letter <= 'Z')
					url_escape(out, one.s, one.len);
				else
					sb_append(out, one.s, one.len);
				sb_free(&one);
			}
			i = k;
			*endmacro = 1;
			*litstart = i;
		}
		if (env != NULL && out->len > SPF_MACRO_MAX) {
			sb_puts(err, "macro expansion too long");
			return -1;
		}
	}
	if (env != NULL && out->len > SPF_MACRO_MAX) {
		sb_puts(err, "macro expansion too long");
		return -1;
	}
	return 0;
}

/* spf_macro_check - check the macro syntax of a macro-string */
int
spf_macro_check(const char *s, size_t len, int flags, struct strbuf *err)
{
	int endmacro;
	size_t litstart;

	return macro_scan(s, len, flags, NULL, NULL, err, &endmacro,
	    &litstart);
}

/* toplabel_ok - RFC 7208 7.1 toplabel: a letter, or inner dashes */
static int
toplabel_ok(const char *p, size_t n)
{
	size_t i;
	int alpha = 0, dash = 0;

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		if (ascii_isalpha(p[i]))
			alpha = 1;
		else if (p[i] == '-')
			dash = 1;
		else if (!ascii_isdigit(p[i]))
			return 0;
	}
	if (p[0] == '-' || p[n - 1] == '-')
		return 0;
	return alpha || dash;
}

/* spf_domain_spec_check - macro syntax plus the domain-end rule */
int
spf_domain_spec_check(const char *s, size_t len, struct strbuf *err)
{
	int endmacro;
	size_t litstart, tail, dot;

	if (len == 0) {
		sb_puts(err, "empty domain-spec");
		return -1;
	}
	if (macro_scan(s, len, 0, NULL, NULL, err, &endmacro,
	    &litstart) < 0)
		return -1;
	if (endmacro)
		return 0;
	tail = len;
	if (s[tail - 1] == '.')
		tail--;
	if (tail == litstart && litstart > 0)
		return 0;	/* "%{d}." */
	for (dot = tail; dot > litstart && s[dot - 1] != '.'; dot--)
		;
	if (dot == litstart) {
		sb_puts(err, "domain-spec needs a dot and a top-level label");
		return -1;
	}
	if (!toplabel_ok(s + dot, tail - dot)) {
		sb_puts(err, "invalid top-level label in domain-spec");
		return -1;
	}
	return 0;
}

/* spf_macro_expand - expand a macro-string (maybe as a domain name) */
int
spf_macro_expand(const char *s, size_t len, const struct spf_macro_env *env,
    int flags, struct strbuf *out, struct strbuf *err)
{
	struct strbuf tmp;
	int endmacro;
	size_t litstart, off;

	sb_init(&tmp);
	if (macro_scan(s, len, flags, env, &tmp, err, &endmacro,
	    &litstart) < 0) {
		sb_free(&tmp);
		return -1;
	}
	off = 0;
	if (flags & SPF_MACRO_DOMAIN) {
		if (tmp.len > 0 && tmp.s[tmp.len - 1] == '.')
			sb_truncate(&tmp, tmp.len - 1);
		/* RFC 7208 4.8: cut whole labels from the left */
		while (tmp.len - off > SPF_MAX_NAME) {
			const char *dot = memchr(tmp.s + off, '.',
			    tmp.len - off);

			if (dot == NULL) {
				off = tmp.len;
				break;
			}
			off = (size_t)(dot - tmp.s) + 1;
		}
	}
	sb_append(out, tmp.s + off, tmp.len - off);
	sb_free(&tmp);
	return 0;
}

/* spf_name_valid - can this name be asked of DNS */
int
spf_name_valid(const char *name)
{
	size_t len = strlen(name), lab = 0, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > SPF_MAX_NAME)
		return 0;
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
		} else if (++lab > 63)
			return 0;
	}
	return lab > 0;
}
