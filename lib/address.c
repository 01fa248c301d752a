/*
 * address - RFC 5322 address-list parser and IDNA domain normalisation
 *
 * The parser reads the header value as a stream of tokens (atom,
 * quoted-string, domain-literal and the specials of RFC 5322 3.2.3),
 * dropping CFWS between them, and runs a recursive descent over the
 * address-list grammar of sections 3.4 and 4.4 on that stream with one
 * token of look-ahead.  Because the obsolete syntax allows CFWS around
 * every atom and every "." of a local part or domain, dropping CFWS
 * between tokens gives exactly the RFC's reading.  Recursion is at most
 * address-list > group > mailbox > angle-addr; comments nest by a
 * counter, not by recursion.  See address.h for the contract.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "util.h"
#include "address.h"

#define DOMAIN_MAX_INPUT	1024	/* bytes of UTF-8 we will convert */
#define DOMAIN_MAX_NAME		253
#define DOMAIN_MAX_LABEL	63

/* tokens besides the specials, which are their own character */
#define TOK_END		256
#define TOK_ATOM	257
#define TOK_QSTRING	258
#define TOK_LITERAL	259

/* what scan() found */
#define CH_END		0	/* end of the value */
#define CH_BAD		1	/* an error, already recorded */
#define CH_WSP		2	/* SP or HTAB */
#define CH_FOLD		3	/* CRLF or LF followed by WSP */
#define CH_TEXT		4	/* printable ASCII or UTF-8 */

/* shapes of a run of words and dots (words()) */
#define W_EMPTY		0
#define W_PHRASE	1	/* starts with a word: a display-name */
#define W_LOCAL		2	/* word *("." word): a local-part */
#define W_DOT		4	/* starts with '.': neither */

struct parser {
	const unsigned char	*s;
	size_t			 len;
	size_t			 pos;	/* next byte to read */
	int			 tok;	/* current token, from tokpos */
	size_t			 tokpos;
	struct strbuf		 text;	/* atom, unquoted string, literal */
	int			 raw8;	/* the token holds a byte that is
					   not UTF-8 */
	struct address_list	*out;
};

static int	 next(struct parser *);
static int	 address(struct parser *, int);

/* utf8_decode - decode one well-formed UTF-8 character; 0 if invalid */
static size_t
utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
	uint32_t v;
	size_t n, i;

	if (avail == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xc2)
		return 0;	/* continuation byte or overlong */
	if (s[0] < 0xe0) {
		n = 2;
		v = s[0] & 0x1f;
	} else if (s[0] < 0xf0) {
		n = 3;
		v = s[0] & 0x0f;
	} else if (s[0] < 0xf5) {
		n = 4;
		v = s[0] & 0x07;
	} else
		return 0;
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (v >= 0xd800 && v <= 0xdfff) ||
	    (n == 4 && (v < 0x10000 || v > 0x10ffff)))
		return 0;
	*cp = v;
	return n;
}

/* is_atext - an ASCII atext character (RFC 5322 3.2.3) */
static int
is_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* fail - record the first error of a parse; returns -1 */
static int __attribute__((format(printf, 3, 4)))
fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;

	if (p->out->error != NULL)
		return -1;
	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	if (pos != (size_t)-1)
		sb_printf(&sb, " at %zu", pos);
	p->out->error = sb_detach(&sb);
	return -1;
}

/* scan - classify the character at s[i] and give its length in *n */
static int
scan(struct parser *p, size_t i, size_t *n)
{
	uint32_t cp;
	int c;

	*n = 1;
	if (i >= p->len)
		return CH_END;
	c = p->s[i];
	if (c == ' ' || c == '\t')
		return CH_WSP;
	if (c == '\r' || c == '\n') {
		if (c == '\r') {
			if (i + 1 >= p->len || p->s[i + 1] != '\n') {
				fail(p, i, "CR not followed by LF");
				return CH_BAD;
			}
			*n = 2;
		}
		if (i + *n >= p->len ||
		    (p->s[i + *n] != ' ' && p->s[i + *n] != '\t')) {
			fail(p, i, "line break not followed by white space");
			return CH_BAD;
		}
		return CH_FOLD;
	}
	if (c == 0) {
		fail(p, i, "NUL byte");
		return CH_BAD;
	}
	if (c < 0x20 || c == 0x7f) {
		fail(p, i, "control character 0x%02x", c);
		return CH_BAD;
	}
	if (c < 0x80)
		return CH_TEXT;
	if ((*n = utf8_decode(p->s + i, p->len - i, &cp)) == 0) {
		/* legacy 8-bit text: the caller refuses it in an address */
		*n = 1;
		p->raw8 = 1;
		return CH_TEXT;
	}
	if (cp < 0xa0) {
		fail(p, i, "control character U+%04X", (unsigned)cp);
		return CH_BAD;
	}
	return CH_TEXT;
}

/* comment - skip one comment, nested comments and quoted-pairs in it */
static int
comment(struct parser *p)
{
	size_t open = p->pos, n;
	int depth = 0;

	for (;;) {
		switch (scan(p, p->pos, &n)) {
		case CH_END:
			return fail(p, open, "unterminated comment");
		case CH_BAD:
			return -1;
		case CH_TEXT:
			if (p->s[p->pos] == '(') {
				if (++depth > ADDRESS_MAX_NEST) {
					p->out->over_limit = 1;
					return fail(p, p->pos,
					    "comments nested deeper than %d",
					    ADDRESS_MAX_NEST);
				}
			} else if (p->s[p->pos] == ')') {
				if (--depth == 0) {
					p->pos++;
					return 0;
				}
			} else if (p->s[p->pos] == '\\') {
				switch (scan(p, p->pos + 1, &n)) {
				case CH_END:
					return fail(p, open,
					    "unterminated comment");
				case CH_BAD:
					return -1;
				case CH_FOLD:
					return fail(p, p->pos,
					    "line break after '\\'");
				}
				n++;
			}
			break;
		}
		p->pos += n;
	}
}

/* skip_cfws - skip white space, folding and comments */
static int
skip_cfws(struct parser *p)
{
	size_t n;

	for (;;) {
		switch (scan(p, p->pos, &n)) {
		case CH_BAD:
			return -1;
		case CH_WSP:
		case CH_FOLD:
			p->pos += n;
			break;
		case CH_TEXT:
			if (p->s[p->pos] != '(')
				return 0;
			if (comment(p) < 0)
				return -1;
			break;
		default:
			return 0;
		}
	}
}

/* quoted_string - read a quoted-string token, unquoted, into p->text */
static int
quoted_string(struct parser *p)
{
	size_t open = p->pos, n;

	sb_truncate(&p->text, 0);
	p->pos++;
	for (;;) {
		switch (scan(p, p->pos, &n)) {
		case CH_END:
			return fail(p, open, "unterminated quoted string");
		case CH_BAD:
			return -1;
		case CH_FOLD:
			break;		/* unfolding drops it */
		case CH_WSP:
			sb_append(&p->text, (const char *)p->s + p->pos, n);
			break;
		case CH_TEXT:
			if (p->s[p->pos] == '"') {
				p->pos++;
				p->tok = TOK_QSTRING;
				return 0;
			}
			if (p->s[p->pos] == '\\') {
				switch (scan(p, p->pos + 1, &n)) {
				case CH_END:
					return fail(p, open,
					    "unterminated quoted string");
				case CH_BAD:
					return -1;
				case CH_FOLD:
					return fail(p, p->pos,
					    "line break after '\\'");
				}
				p->pos++;
			}
			sb_append(&p->text, (const char *)p->s + p->pos, n);
			break;
		}
		p->pos += n;
	}
}

/* domain_literal - read a [domain-literal] token, FWS dropped */
static int
domain_literal(struct parser *p)
{
	size_t open = p->pos, n;
	int c;

	sb_truncate(&p->text, 0);
	sb_putc(&p->text, '[');
	p->pos++;
	for (;;) {
		switch (scan(p, p->pos, &n)) {
		case CH_END:
			return fail(p, open, "unterminated domain literal");
		case CH_BAD:
			return -1;
		case CH_TEXT:
			c = p->s[p->pos];
			if (c == ']') {
				p->pos++;
				if (p->text.len == 1)
					return fail(p, open,
					    "empty domain literal");
				sb_putc(&p->text, ']');
				p->tok = TOK_LITERAL;
				return 0;
			}
			if (c == '[')
				return fail(p, p->pos,
				    "'[' inside a domain literal");
			if (c == '\\')
				return fail(p, p->pos,
				    "quoted-pair in a domain literal");
			sb_append(&p->text, (const char *)p->s + p->pos, n);
			break;
		}
		p->pos += n;
	}
}

/* next - skip CFWS and read the next token */
static int
next(struct parser *p)
{
	size_t n;
	int c;

	if (skip_cfws(p) < 0)
		return -1;
	p->tokpos = p->pos;
	p->raw8 = 0;
	switch (scan(p, p->pos, &n)) {
	case CH_END:
		p->tok = TOK_END;
		return 0;
	case CH_TEXT:
		break;
	default:
		return -1;	/* CH_BAD; no WSP after skip_cfws */
	}
	c = p->s[p->pos];
	if (c >= 0x80 || is_atext(c)) {
		sb_truncate(&p->text, 0);
		do {
			sb_append(&p->text, (const char *)p->s + p->pos, n);
			p->pos += n;
			if (p->pos >= p->len)
				break;
			c = p->s[p->pos];
			if (c < 0x80 && !is_atext(c))
				break;
			if (scan(p, p->pos, &n) != CH_TEXT)
				return -1;
		} while (1);
		p->tok = TOK_ATOM;
		return 0;
	}
	switch (c) {
	case '"':
		return quoted_string(p);
	case '[':
		return domain_literal(p);
	case '<': case '>': case '@': case ',': case ';': case ':': case '.':
		p->tok = c;
		p->pos++;
		return 0;
	case ')':
		return fail(p, p->pos, "unbalanced ')'");
	case ']':
		return fail(p, p->pos, "unbalanced ']'");
	case '\\':
		return fail(p, p->pos, "'\\' outside a quoted string");
	default:
		return fail(p, p->pos, "unexpected '%c'", c);
	}
}

/* unexpected - report the current token as out of place */
static int
unexpected(struct parser *p)
{
	switch (p->tok) {
	case TOK_END:
		return fail(p, p->tokpos, "unexpected end of value");
	case TOK_ATOM:
		return fail(p, p->tokpos, "unexpected word");
	case TOK_QSTRING:
		return fail(p, p->tokpos, "unexpected quoted string");
	case TOK_LITERAL:
		return fail(p, p->tokpos, "unexpected domain literal");
	case '>':
		return fail(p, p->tokpos, "unbalanced angle bracket '>'");
	default:
		return fail(p, p->tokpos, "unexpected '%c'", p->tok);
	}
}

/*
 * words - read a run of words and dots: a display-name or local-part;
 * *raw8 tells whether a word held a byte that is not UTF-8 (allowed in
 * a display name, refused in a local part by the caller)
 */
static int
words(struct parser *p, struct strbuf *sb, int *shape, int *raw8)
{
	int last = 0, local = 1, first = 0;

	sb_truncate(sb, 0);
	*raw8 = 0;
	while (p->tok == TOK_ATOM || p->tok == TOK_QSTRING ||
	    p->tok == '.') {
		if (first == 0)
			first = p->tok;
		*raw8 |= p->raw8;
		if (p->tok == '.') {
			if (last != TOK_ATOM)
				local = 0;
			sb_putc(sb, '.');
			last = '.';
		} else {
			if (last == TOK_ATOM)
				local = 0;
			sb_append(sb, p->text.s, p->text.len);
			last = TOK_ATOM;
		}
		if (next(p) < 0)
			return -1;
	}
	if (last == '.')
		local = 0;
	if (first == 0)
		*shape = W_EMPTY;
	else if (first == '.')
		*shape = W_DOT;
	else
		*shape = W_PHRASE | (local ? W_LOCAL : 0);
	return 0;
}

/* domain - read a domain into sb, normalised; *literal if [literal] */
static int
domain(struct parser *p, size_t at, struct strbuf *sb, int *literal)
{
	struct strbuf raw;
	size_t start = p->tokpos;
	int r;

	*literal = 0;
	if ((p->tok == TOK_LITERAL || p->tok == TOK_ATOM) && p->raw8)
		return fail(p, p->tokpos, "byte that is not UTF-8 in a domain");
	if (p->tok == TOK_LITERAL) {
		sb_truncate(sb, 0);
		sb_append(sb, p->text.s, p->text.len);
		*literal = 1;
		return next(p);
	}
	if (p->tok == '.')
		return fail(p, p->tokpos, "domain starts with '.'");
	if (p->tok != TOK_ATOM)
		return fail(p, at, "address without domain");
	sb_init(&raw);
	r = -1;
	for (;;) {
		sb_append(&raw, p->text.s, p->text.len);
		if (next(p) < 0)
			goto out;
		if (p->tok != '.')
			break;
		if (next(p) < 0)
			goto out;
		if (p->tok == '.') {
			fail(p, p->tokpos, "empty label in domain");
			goto out;
		}
		if (p->tok != TOK_ATOM)
			break;		/* one trailing dot */
		if (p->raw8) {
			fail(p, p->tokpos, "byte that is not UTF-8 in a domain");
			goto out;
		}
		sb_putc(&raw, '.');
	}
	if (domain_to_ascii(raw.s, sb) < 0)
		fail(p, start, "invalid domain name");
	else
		r = 0;
out:
	sb_free(&raw);
	return r;
}

/* add - append one address to the list */
static int
add(struct parser *p, size_t pos, const char *local, struct strbuf *dom,
    int literal)
{
	struct address_list *l = p->out;
	struct address *a;

	if (l->n >= ADDRESS_MAX_ADDRS) {
		l->over_limit = 1;
		return fail(p, pos, "too many addresses (over %d)",
		    ADDRESS_MAX_ADDRS);
	}
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	a = &l->v[l->n++];
	a->local = xstrdup(local);
	a->domain = xstrdup(dom->s);
	a->literal = literal;
	return 0;
}

/* addr_spec - at the '@' after a local part: read the domain, add */
static int
addr_spec(struct parser *p, const char *local, size_t start)
{
	struct strbuf dom;
	size_t at = p->tokpos;
	int literal, r = -1;

	sb_init(&dom);
	if (next(p) < 0 || domain(p, at, &dom, &literal) < 0)
		goto out;
	if (p->tok == '@') {
		fail(p, p->tokpos, "more than one '@' in an address");
		goto out;
	}
	r = add(p, start, local, &dom, literal);
out:
	sb_free(&dom);
	return r;
}

/* route - skip an obs-route ("@a,@b:") after '<' */
static int
route(struct parser *p)
{
	struct strbuf dom;
	int literal, r = -1;

	sb_init(&dom);
	while (p->tok == ',')
		if (next(p) < 0)
			goto out;
	if (p->tok != '@') {
		fail(p, p->tokpos, "invalid route");
		goto out;
	}
	for (;;) {
		if (next(p) < 0 || domain(p, p->tokpos, &dom, &literal) < 0)
			goto out;
		if (p->tok == ',') {
			while (p->tok == ',')
				if (next(p) < 0)
					goto out;
			if (p->tok == '@')
				continue;
		}
		if (p->tok != ':') {
			fail(p, p->tokpos, "invalid route");
			goto out;
		}
		r = next(p);
		break;
	}
out:
	sb_free(&dom);
	return r;
}

/* angle_addr - read "<" [route] addr-spec ">" */
static int
angle_addr(struct parser *p)
{
	struct strbuf w;
	size_t open = p->tokpos, start;
	int shape, raw8, r = -1;

	sb_init(&w);
	if (next(p) < 0)
		goto out;
	if ((p->tok == '@' || p->tok == ',') && route(p) < 0)
		goto out;
	if (p->tok == '>') {
		fail(p, open, "empty angle address");
		goto out;
	}
	start = p->tokpos;
	if (words(p, &w, &shape, &raw8) < 0)
		goto out;
	if (p->tok != '@') {
		if (shape != W_EMPTY)
			fail(p, p->tokpos, "address without domain");
		else if (p->tok == TOK_END)
			fail(p, open, "unbalanced angle bracket '<'");
		else
			unexpected(p);
		goto out;
	}
	if (shape == W_EMPTY) {
		fail(p, p->tokpos, "address without local part");
		goto out;
	}
	if (!(shape & W_LOCAL)) {
		fail(p, start, "invalid local part");
		goto out;
	}
	if (raw8) {
		fail(p, start, "byte that is not UTF-8 in a local part");
		goto out;
	}
	if (addr_spec(p, w.s, start) < 0)
		goto out;
	if (p->tok == TOK_END)
		fail(p, open, "unbalanced angle bracket '<'");
	else if (p->tok != '>')
		unexpected(p);
	else
		r = next(p);
out:
	sb_free(&w);
	return r;
}

/* group - after "display-name": read the mailboxes up to ';' */
static int
group(struct parser *p)
{
	size_t open = p->tokpos;

	if (next(p) < 0)
		return -1;
	for (;;) {
		while (p->tok == ',')
			if (next(p) < 0)
				return -1;
		if (p->tok == ';')
			return next(p);
		if (p->tok == TOK_END)
			return fail(p, open, "group not closed by ';'");
		if (address(p, 1) < 0)
			return -1;
		if (p->tok == ',')
			continue;
		if (p->tok == ';')
			return next(p);
		if (p->tok == TOK_END)
			return fail(p, open, "group not closed by ';'");
		return unexpected(p);
	}
}

/* address - read one mailbox, or a group when not in_group */
static int
address(struct parser *p, int in_group)
{
	struct strbuf w;
	size_t start = p->tokpos;
	int shape, raw8, r = -1;

	sb_init(&w);
	if (words(p, &w, &shape, &raw8) < 0)
		goto out;
	switch (p->tok) {
	case '<':
		if (shape == W_EMPTY || (shape & W_PHRASE))
			r = angle_addr(p);
		else
			fail(p, start, "display name starts with '.'");
		break;
	case ':':
		if (in_group)
			fail(p, p->tokpos, "group inside a group");
		else if (shape == W_EMPTY)
			fail(p, p->tokpos, "group without a name");
		else if (!(shape & W_PHRASE))
			fail(p, start, "group name starts with '.'");
		else
			r = group(p);
		break;
	case '@':
		if (shape == W_EMPTY)
			fail(p, p->tokpos, "address without local part");
		else if (!(shape & W_LOCAL))
			fail(p, start, "invalid local part");
		else if (raw8)
			fail(p, start,
			    "byte that is not UTF-8 in a local part");
		else
			r = addr_spec(p, w.s, start);
		break;
	default:
		if (shape != W_EMPTY || p->tok == TOK_END)
			fail(p, p->tokpos, "address without domain");
		else
			unexpected(p);
		break;
	}
out:
	sb_free(&w);
	return r;
}

/* address_list - read the whole value as an address-list */
static int
address_list(struct parser *p)
{
	int elements = 0;

	if (next(p) < 0)
		return -1;
	for (;;) {
		while (p->tok == ',')
			if (next(p) < 0)
				return -1;
		if (p->tok == TOK_END)
			break;
		if (address(p, 0) < 0)
			return -1;
		elements++;
		if (p->tok == ',')
			continue;
		if (p->tok == TOK_END)
			break;
		if (p->tok == '@')
			return fail(p, p->tokpos,
			    "more than one '@' in an address");
		return unexpected(p);
	}
	if (elements == 0)
		return fail(p, (size_t)-1, "no address");
	return 0;
}

/* address_parse_buf - parse len bytes of a header value */
int
address_parse_buf(const char *value, size_t len, struct address_list *out)
{
	struct parser p;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.out = out;
	if (value == NULL)
		return fail(&p, (size_t)-1, "no value");
	if (len > ADDRESS_MAX_INPUT) {
		out->over_limit = 1;
		return fail(&p, (size_t)-1, "too long (over %d bytes)",
		    ADDRESS_MAX_INPUT);
	}
	p.s = (const unsigned char *)value;
	p.len = len;
	sb_init(&p.text);
	r = address_list(&p);
	sb_free(&p.text);
	if (r < 0 && out->error == NULL)
		fail(&p, p.pos, "syntax error");
	return r;
}

/* address_parse_list - parse a NUL-terminated header value */
int
address_parse_list(const char *value, struct address_list *out)
{
	return address_parse_buf(value,
	    value == NULL ? 0 : strnlen(value, ADDRESS_MAX_INPUT + 1), out);
}

/* address_list_free - release what a parse left in l; zero it */
void
address_list_free(struct address_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n && l->v != NULL; i++) {
		free(l->v[i].local);
		free(l->v[i].domain);
	}
	free(l->v);
	free(l->error);
	memset(l, 0, sizeof(*l));
}

/* cp_refused - invisible, format, private-use or control code points */
static int
cp_refused(uint32_t c)
{
	return (c >= 0x80 && c <= 0xa0) || c == 0xad || c == 0x34f ||
	    c == 0x115f || c == 0x1160 || (c >= 0x180b && c <= 0x180e) ||
	    (c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
	    (c >= 0x205f && c <= 0x206f) || c == 0x3000 || c == 0x3164 ||
	    (c >= 0xe000 && c <= 0xf8ff) || (c >= 0xfe00 && c <= 0xfe0f) ||
	    c == 0xfeff || (c >= 0xfff0 && c <= 0xffff) || c >= 0xe0000;
}

/* is_label_ascii - letters, digits, hyphen and underscore */
static int
is_label_ascii(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_';
}

/* put_label - append one ASCII label, lowercased; 0, or -1 if invalid */
static int
put_label(const unsigned char *l, size_t n, struct strbuf *out)
{
	size_t j;
	int c;

	if (n == 0 || n > DOMAIN_MAX_LABEL)
		return -1;
	for (j = 0; j < n; j++) {
		c = ascii_tolower(l[j]);
		if (!is_label_ascii((uint32_t)c))
			return -1;
		sb_putc(out, c);
	}
	return 0;
}

/*
 * uts46 - a non-ASCII domain through the UTS #46 mapping (libidn2,
 * nontransitional, NFC first) to A-labels in asc; 0 or -1.  Code points
 * we refuse (cp_refused()) are refused before: UTS #46 would drop some
 * of them silently (soft hyphen, zero-width joiners).
 */
static int
uts46(const unsigned char *s, size_t len, struct strbuf *asc)
{
	uint32_t c;
	size_t i, k;
	char *a = NULL;

	for (i = 0; i < len; i += k)
		if ((k = utf8_decode(s + i, len - i, &c)) == 0 ||
		    cp_refused(c))
			return -1;
	if (idn2_to_ascii_8z((const char *)s, &a,
	    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK || a == NULL) {
		free(a);
		return -1;
	}
	sb_truncate(asc, 0);
	sb_puts(asc, a);
	idn2_free(a);
	return 0;
}

/* domain_to_ascii - a domain name, UTF-8 or ASCII, as lowercase A-labels */
int
domain_to_ascii(const char *in, struct strbuf *out)
{
	const unsigned char *s = (const unsigned char *)in;
	struct strbuf asc;
	size_t len, i, label;
	int r = -1;

	sb_truncate(out, 0);
	if (in == NULL || (len = strnlen(in, DOMAIN_MAX_INPUT + 1)) == 0 ||
	    len > DOMAIN_MAX_INPUT)
		return -1;
	for (i = 0; i < len && s[i] < 0x80; i++)
		;
	if (i < len) {
		/* not ASCII: UTS #46, then the ASCII rules below */
		sb_init(&asc);
		r = uts46(s, len, &asc) < 0 || asc.len == 0 ||
		    asc.len > DOMAIN_MAX_INPUT ? -1 :
		    domain_to_ascii(asc.s, out);
		sb_free(&asc);
		return r;
	}
	if (s[len - 1] == '.')
		len--;		/* the root */
	for (i = 0, label = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (label > 0)
			sb_putc(out, '.');
		if (put_label(s + label, i - label, out) < 0)
			goto out;
		label = i + 1;
	}
	if (len > 0 && out->len <= DOMAIN_MAX_NAME)
		r = 0;
out:
	if (r < 0)
		sb_truncate(out, 0);
	return r;
}
