/*
 * spf.c - RFC 7208 SPF: record parsing and check_host() on lib/dns
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "dns.h"
#include "spf.h"
#include "spf_int.h"

#define SPF_MAX_DEPTH	(SPF_MAX_DNS_TERMS + 2)	/* never reached */
#define SHOW_TERM	64	/* bytes of a term quoted in a problem */
#define PROBLEM_MAX	512	/* a problem phrase is cut beyond this */

/* one evaluation: the request, the limits, and what went wrong */
struct spf_eval {
	struct dns_client	*dc;
	int			 family;	/* IPv4-mapped folded */
	unsigned char		 addr[16];
	struct spf_macro_env	 env;
	unsigned		 terms;		/* DNS terms so far */
	unsigned		 voids;		/* void lookups so far */
	enum spf_result		 err;		/* after a -1 */
	struct strbuf		 problem;
	char			*mechanism;
	char			*explanation;
	long long		 deadline;	/* monotonic ms */
	int			 timed_out;
	int			 ptr_done;	/* %{p} looked up */
	char			*ptr_valid[SPF_MAX_PTR];
	size_t			 nptr_valid;
};

static enum spf_result check_host(struct spf_eval *, const char *,
	    unsigned, int);

/* ---- small helpers ---- */

/* ncaseeq - compare n bytes ignoring ASCII case */
static int
ncaseeq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ascii_tolower((unsigned char)a[i]) != ascii_tolower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* word_is - is the counted string p, n equal to word, ignoring case */
static int
word_is(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && ncaseeq(p, word, n);
}

/* printable - a copy of s (n bytes) with non-printable bytes as '?' */
static char *
printable(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		p[i] = (c >= 0x20 && c <= 0x7e) ? (char)c : '?';
	}
	p[n] = '\0';
	return p;
}

/* prefix_match - do a and b agree in their first bits bits */
static int
prefix_match(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[whole] ^ b[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* ---- record parsing (RFC 7208 4.5, 4.6, 5, 6) ---- */

/* spf_record_is_spf - "v=spf1" followed by a space or the end */
int
spf_record_is_spf(const char *txt, size_t len)
{
	if (len < 6 || !ncaseeq(txt, "v=spf1", 6))
		return 0;
	return len == 6 || txt[6] == ' ';
}

/* parse_err - say which term is wrong and why */
static int
parse_err(struct strbuf *err, const char *term, size_t n, const char *why)
{
	char *show = printable(term, n > SHOW_TERM ? SHOW_TERM : n);

	sb_printf(err, "syntax error near '%s%s' (%s)", show,
	    n > SHOW_TERM ? "..." : "", why);
	free(show);
	return -1;
}

/* parse_len - a CIDR length: digits, no leading zero, at most max */
static int
parse_len(const char *p, size_t n, unsigned max, unsigned *out)
{
	size_t i;
	unsigned v = 0;

	if (n == 0 || n > 3 || (n > 1 && p[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (!ascii_isdigit(p[i]))
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* parse_ip4 - strict dotted quad: four decimal octets, no leading zeros */
static int
parse_ip4(const char *p, size_t n, unsigned char out[4])
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		size_t start = i;
		unsigned v = 0;

		while (i < n && ascii_isdigit(p[i]) && i - start < 4)
			v = v * 10 + (unsigned)(p[i++] - '0');
		if (i == start || i - start > 3 || v > 255 ||
		    (i - start > 1 && p[start] == '0'))
			return -1;
		out[part] = (unsigned char)v;
		if (part < 3) {
			if (i >= n || p[i] != '.')
				return -1;
			i++;
		}
	}
	return i == n ? 0 : -1;
}

/* parse_ip6 - an IPv6 address by inet_pton, bounded */
static int
parse_ip6(const char *p, size_t n, unsigned char out[16])
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

/*
 * parse_dual_cidr - strip [ "/" ip4-len ] [ "//" ip6-len ] from the end
 *	of p, n; *rest gets what is left before it
 */
static int
parse_dual_cidr(const char *p, size_t n, struct spf_term *t, size_t *rest,
    const char **why)
{
	size_t end = n, j;

	j = end;
	while (j > 0 && ascii_isdigit(p[j - 1]))
		j--;
	if (j < end && j >= 2 && p[j - 1] == '/' && p[j - 2] == '/') {
		if (parse_len(p + j, end - j, 128, &t->cidr6) < 0) {
			*why = "bad IPv6 CIDR length";
			return -1;
		}
		end = j - 2;
		j = end;
		while (j > 0 && ascii_isdigit(p[j - 1]))
			j--;
	}
	if (j < end && j >= 1 && p[j - 1] == '/') {
		if (parse_len(p + j, end - j, 32, &t->cidr4) < 0) {
			*why = "bad IPv4 CIDR length";
			return -1;
		}
		end = j - 1;
	}
	*rest = end;
	return 0;
}

/* add_term - append a parsed mechanism to the record */
static void
add_term(struct spf_record *rec, const struct spf_term *t)
{
	size_t n = rec->nterms;

	if ((n & (n - 1)) == 0)		/* 0, 1, 2, 4, 8...: grow */
		rec->terms = xrealloc(rec->terms,
		    (n ? 2 * n : 1) * sizeof(*rec->terms));
	rec->terms[rec->nterms++] = *t;
}

/* parse_domain_arg - ":" domain-spec into t->domain */
static int
parse_domain_arg(const char *p, size_t n, struct spf_term *t,
    struct strbuf *err, const char *term, size_t tn)
{
	struct strbuf why;
	int rc = 0;

	if (n == 0 || p[0] != ':')
		return parse_err(err, term, tn, "expected ':' and a domain");
	sb_init(&why);
	if (spf_domain_spec_check(p + 1, n - 1, &why) < 0)
		rc = parse_err(err, term, tn, why.s);
	else
		t->domain = xstrndup(p + 1, n - 1);
	sb_free(&why);
	return rc;
}

/* parse_mechanism - one directive: [qualifier] mechanism */
static int
parse_mechanism(struct spf_record *rec, const char *term, size_t tn,
    struct strbuf *err)
{
	struct spf_term t;
	const char *p = term, *why = NULL;
	size_t n = tn, k, rest;
	unsigned cidr;

	memset(&t, 0, sizeof(t));
	t.qual = SPF_PASS;
	t.cidr4 = 32;
	t.cidr6 = 128;
	switch (*p) {
	case '+': t.qual = SPF_PASS; p++; n--; break;
	case '-': t.qual = SPF_FAIL; p++; n--; break;
	case '~': t.qual = SPF_SOFTFAIL; p++; n--; break;
	case '?': t.qual = SPF_NEUTRAL; p++; n--; break;
	}
	for (k = 0; k < n && p[k] != ':' && p[k] != '/'; k++)
		;
	if (word_is(p, k, "all")) {
		t.mech = SPF_MECH_ALL;
		if (k != n)
			return parse_err(err, term, tn, "all takes nothing");
	} else if (word_is(p, k, "include") || word_is(p, k, "exists")) {
		t.mech = word_is(p, k, "include") ? SPF_MECH_INCLUDE :
		    SPF_MECH_EXISTS;
		if (parse_domain_arg(p + k, n - k, &t, err, term, tn) < 0)
			return -1;
	} else if (word_is(p, k, "a") || word_is(p, k, "mx")) {
		t.mech = word_is(p, k, "a") ? SPF_MECH_A : SPF_MECH_MX;
		if (parse_dual_cidr(p + k, n - k, &t, &rest, &why) < 0)
			return parse_err(err, term, tn, why);
		if (rest > 0 && parse_domain_arg(p + k, rest, &t, err,
		    term, tn) < 0)
			return -1;
	} else if (word_is(p, k, "ptr")) {
		t.mech = SPF_MECH_PTR;
		if (k < n && parse_domain_arg(p + k, n - k, &t, err,
		    term, tn) < 0)
			return -1;
	} else if (word_is(p, k, "ip4") || word_is(p, k, "ip6")) {
		int six = word_is(p, k, "ip6");
		size_t a, slash;

		t.mech = six ? SPF_MECH_IP6 : SPF_MECH_IP4;
		if (k >= n || p[k] != ':')
			return parse_err(err, term, tn, "expected ':' and "
			    "an address");
		a = k + 1;
		for (slash = a; slash < n && p[slash] != '/'; slash++)
			;
		if (six ? parse_ip6(p + a, slash - a, t.addr) :
		    parse_ip4(p + a, slash - a, t.addr))
			return parse_err(err, term, tn, six ?
			    "bad IPv6 address" : "bad IPv4 address");
		cidr = six ? 128 : 32;
		if (slash < n && parse_len(p + slash + 1, n - slash - 1,
		    cidr, &cidr) < 0)
			return parse_err(err, term, tn, "bad CIDR length");
		if (six)
			t.cidr6 = cidr;
		else
			t.cidr4 = cidr;
	} else
		return parse_err(err, term, tn, "unknown mechanism");
	t.text = xstrndup(term, tn);
	add_term(rec, &t);
	return 0;
}

/* parse_modifier - name "=" value; redirect= and exp= at most once */
static int
parse_modifier(struct spf_record *rec, const char *term, size_t tn,
    size_t eq, struct strbuf *err)
{
	const char *v = term + eq + 1;
	size_t vn = tn - eq - 1;
	struct strbuf why;
	char **slot = NULL;
	int rc = 0;

	if (word_is(term, eq, "redirect"))
		slot = &rec->redirect;
	else if (word_is(term, eq, "exp"))
		slot = &rec->exp;
	if (slot != NULL && *slot != NULL)
		return parse_err(err, term, tn, "modifier given twice");
	sb_init(&why);
	if (slot != NULL) {
		if (spf_domain_spec_check(v, vn, &why) < 0)
			rc = parse_err(err, term, tn, why.s);
		else
			*slot = xstrndup(v, vn);
	} else if (spf_macro_check(v, vn, SPF_MACRO_EXP, &why) < 0)
		rc = parse_err(err, term, tn, why.s);
	sb_free(&why);
	return rc;
}

/* parse_term - a modifier if it starts with name "=", else a directive */
static int
parse_term(struct spf_record *rec, const char *term, size_t tn,
    struct strbuf *err)
{
	size_t k = 0;
	unsigned char c = (unsigned char)term[0];

	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
		for (k = 1; k < tn; k++) {
			c = (unsigned char)term[k];
			if (!((c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z') || ascii_isdigit(c) ||
			    c == '-' || c == '_' || c == '.'))
				break;
		}
		if (k < tn && term[k] == '=')
			return parse_modifier(rec, term, tn, k, err);
	}
	return parse_mechanism(rec, term, tn, err);
}

/* spf_record_parse - parse and check a whole SPF record */
int
spf_record_parse(const char *txt, size_t len, struct spf_record *rec,
    struct strbuf *err)
{
	size_t i, start;

	memset(rec, 0, sizeof(*rec));
	if (!spf_record_is_spf(txt, len)) {
		sb_puts(err, "not an SPF version 1 record");
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)txt[i];

		if (c < 0x20 || c > 0x7e) {
			sb_printf(err, "invalid byte 0x%02x at offset %zu",
			    c, i);
			return -1;
		}
	}
	for (i = 6; i < len; ) {
		while (i < len && txt[i] == ' ')
			i++;
		start = i;
		while (i < len && txt[i] != ' ')
			i++;
		if (i > start && parse_term(rec, txt + start, i - start,
		    err) < 0) {
			spf_record_free(rec);
			return -1;
		}
	}
	return 0;
}

/* spf_record_free - release a parsed record */
void
spf_record_free(struct spf_record *rec)
{
	size_t i;

	for (i = 0; i < rec->nterms; i++) {
		free(rec->terms[i].text);
		free(rec->terms[i].domain);
	}
	free(rec->terms);
	free(rec->redirect);
	free(rec->exp);
	memset(rec, 0, sizeof(*rec));
}

/* ---- evaluation (RFC 7208 4, 5, 6) ---- */

/* fail - record the first error of the evaluation and return -1 */
static int __attribute__((format(printf, 3, 4)))
fail(struct spf_eval *ev, enum spf_result result, const char *fmt, ...)
{
	va_list ap;
	char msg[PROBLEM_MAX];
	int n;

	ev->err = result;
	if (ev->problem.len == 0) {
		va_start(ap, fmt);
		n = vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		if (n < 0)
			return -1;
		sb_puts(&ev->problem, msg);
		if ((size_t)n >= sizeof(msg))
			sb_puts(&ev->problem, "...");	/* truncated */
	}
	return -1;
}

/* type_name - the text of a query type, for problems */
static const char *
type_name(uint16_t type)
{
	switch (type) {
	case DNS_T_A: return "A";
	case DNS_T_AAAA: return "AAAA";
	case DNS_T_MX: return "MX";
	case DNS_T_PTR: return "PTR";
	case DNS_T_TXT: return "TXT";
	}
	return "?";
}

/* addr_type - A for an IPv4 client, AAAA for an IPv6 one */
static uint16_t
addr_type(const struct spf_eval *ev)
{
	return ev->family == AF_INET ? DNS_T_A : DNS_T_AAAA;
}

/* now_ms - monotonic clock in milliseconds */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * query - dns_lookup within the time limit of 4.6.4; NULL (and
 *	temperror noted) once the evaluation has run out of time
 */
static struct dns_reply *
query(struct spf_eval *ev, const char *name, uint16_t type)
{
	if (!ev->timed_out && now_ms() > ev->deadline) {
		ev->timed_out = 1;
		fail(ev, SPF_TEMPERROR, "SPF evaluation took over %d seconds",
		    SPF_MAX_SECONDS);
	}
	if (ev->timed_out) {
		ev->err = SPF_TEMPERROR;
		return NULL;
	}
	return dns_lookup(ev->dc, name, type);
}

/* count_term - one more term that queries DNS (RFC 7208 4.6.4) */
static int
count_term(struct spf_eval *ev, const char *what)
{
	if (++ev->terms > SPF_MAX_DNS_TERMS) {
		char *show = printable(what, strlen(what) > SHOW_TERM ?
		    SHOW_TERM : strlen(what));
		int rc = fail(ev, SPF_PERMERROR, "more than %d DNS lookups "
		    "(at '%s')", SPF_MAX_DNS_TERMS, show);

		free(show);
		return rc;
	}
	return 0;
}

/* note_void - a lookup gave no answer; permerror past the limit */
static int
note_void(struct spf_eval *ev)
{
	if (++ev->voids > SPF_MAX_VOID)
		return fail(ev, SPF_PERMERROR, "%d void lookups exceeded",
		    SPF_MAX_VOID);
	return 0;
}

/* rr_matches - is the client inside this A or AAAA record's prefix */
static int
rr_matches(const struct spf_eval *ev, const struct dns_rr *rr,
    unsigned cidr4, unsigned cidr6)
{
	if (ev->family == AF_INET)
		return rr->type == DNS_T_A && rr->family == AF_INET &&
		    prefix_match(ev->addr, rr->addr, cidr4);
	return rr->type == DNS_T_AAAA && rr->family == AF_INET6 &&
	    prefix_match(ev->addr, rr->addr, cidr6);
}

/* reply_matches - does any address in the reply contain the client */
static int
reply_matches(const struct spf_eval *ev, const struct dns_reply *r,
    unsigned cidr4, unsigned cidr6)
{
	size_t i;

	if (r->status != DNS_DATA)
		return 0;
	for (i = 0; i < r->count; i++)
		if (rr_matches(ev, &r->rr[i], cidr4, cidr6))
			return 1;
	return 0;
}

/* target - expand a domain-spec (NULL: the current domain) to a name */
static int
target(struct spf_eval *ev, const char *spec, struct strbuf *out)
{
	struct strbuf why;
	int rc = 0;

	if (spec == NULL) {
		sb_puts(out, ev->env.d);
		return 0;
	}
	sb_init(&why);
	if (spf_macro_expand(spec, strlen(spec), &ev->env, SPF_MACRO_DOMAIN,
	    out, &why) < 0)
		rc = fail(ev, SPF_PERMERROR, "%s in '%s'", why.s, spec);
	sb_free(&why);
	return rc;
}

/* name_below - is name equal to domain or one of its subdomains */
static int
name_below(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (d > 0 && domain[d - 1] == '.')
		d--;
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (d == 0 || n < d || !ncaseeq(name + n - d, domain, d))
		return 0;
	return n == d || name[n - d - 1] == '.';
}

/* reverse_name - the in-addr.arpa or ip6.arpa name of the client */
static void
reverse_name(const struct spf_eval *ev, struct strbuf *out)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	if (ev->family == AF_INET) {
		sb_printf(out, "%u.%u.%u.%u.in-addr.arpa", ev->addr[3],
		    ev->addr[2], ev->addr[1], ev->addr[0]);
		return;
	}
	for (i = 15; i >= 0; i--) {
		sb_putc(out, hex[ev->addr[i] & 15]);
		sb_putc(out, '.');
		sb_putc(out, hex[ev->addr[i] >> 4]);
		sb_putc(out, '.');
	}
	sb_puts(out, "ip6.arpa");
}

/* validates - does name resolve back to the client address (5.5) */
static int
validates(struct spf_eval *ev, const char *name)
{
	struct dns_reply *r;
	int ok;

	if (!spf_name_valid(name))
		return 0;
	if ((r = query(ev, name, addr_type(ev))) == NULL)
		return 0;
	ok = reply_matches(ev, r, 32, 128);
	dns_reply_free(r);
	return ok;
}

/* ptr_macro - %{p}: a validated name of the client, preferring domain */
static const char *
ptr_macro(void *arg, const char *domain)
{
	struct spf_eval *ev = arg;
	size_t i, seen = 0;

	if (!ev->ptr_done) {
		struct strbuf rn;
		struct dns_reply *r;

		ev->ptr_done = 1;
		sb_init(&rn);
		reverse_name(ev, &rn);
		r = query(ev, rn.s, DNS_T_PTR);
		sb_free(&rn);
		for (i = 0; r != NULL && r->status == DNS_DATA &&
		    i < r->count && seen < SPF_MAX_PTR; i++) {
			if (r->rr[i].type != DNS_T_PTR ||
			    r->rr[i].text == NULL)
				continue;
			seen++;
			if (validates(ev, r->rr[i].text))
				ev->ptr_valid[ev->nptr_valid++] =
				    xstrdup(r->rr[i].text);
		}
		if (r != NULL)
			dns_reply_free(r);
	}
	for (i = 0; i < ev->nptr_valid; i++)
		if (name_below(ev->ptr_valid[i], domain) &&
		    strlen(ev->ptr_valid[i]) == strlen(domain))
			return ev->ptr_valid[i];
	for (i = 0; i < ev->nptr_valid; i++)
		if (name_below(ev->ptr_valid[i], domain))
			return ev->ptr_valid[i];
	return ev->nptr_valid > 0 ? ev->ptr_valid[0] : "unknown";
}

/* lookup_counted - the first query of a term, counting void answers */
static int
lookup_counted(struct spf_eval *ev, const char *name, uint16_t type,
    struct dns_reply **out)
{
	struct dns_reply *r;

	*out = NULL;
	if (!spf_name_valid(name))
		return 0;	/* no such name can exist: no match */
	if ((r = query(ev, name, type)) == NULL)
		return -1;
	if (r->status == DNS_TEMPFAIL) {
		dns_reply_free(r);
		return fail(ev, SPF_TEMPERROR, "DNS failure for %s %s",
		    name, type_name(type));
	}
	if (r->status != DNS_DATA) {
		dns_reply_free(r);
		return note_void(ev);
	}
	*out = r;
	return 0;
}

/* mech_a - "a": an address of the target is the client (5.3) */
static int
mech_a(struct spf_eval *ev, const struct spf_term *t)
{
	struct strbuf name;
	struct dns_reply *r;
	int rc;

	if (count_term(ev, t->text) < 0)
		return -1;
	sb_init(&name);
	if ((rc = target(ev, t->domain, &name)) == 0 &&
	    (rc = lookup_counted(ev, name.s, addr_type(ev), &r)) == 0 &&
	    r != NULL) {
		rc = reply_matches(ev, r, t->cidr4, t->cidr6);
		dns_reply_free(r);
	}
	sb_free(&name);
	return rc;
}

/* mech_mx - "mx": an address of an MX host is the client (5.4) */
static int
mech_mx(struct spf_eval *ev, const struct spf_term *t)
{
	struct strbuf name;
	struct dns_reply *r, *a;
	size_t i, nmx = 0;
	int rc;

	if (count_term(ev, t->text) < 0)
		return -1;
	sb_init(&name);
	if ((rc = target(ev, t->domain, &name)) < 0 ||
	    (rc = lookup_counted(ev, name.s, DNS_T_MX, &r)) < 0 ||
	    r == NULL) {
		sb_free(&name);
		return rc;
	}
	for (i = 0; i < r->count; i++)
		if (r->rr[i].type == DNS_T_MX)
			nmx++;
	if (nmx > SPF_MAX_MX)
		rc = fail(ev, SPF_PERMERROR, "more than %d MX records for %s",
		    SPF_MAX_MX, name.s);
	for (i = 0; rc == 0 && i < r->count; i++) {
		const char *host = r->rr[i].text;

		if (r->rr[i].type != DNS_T_MX || host == NULL ||
		    !spf_name_valid(host))
			continue;	/* e.g. the null MX "." */
		if ((a = query(ev, host, addr_type(ev))) == NULL) {
			rc = -1;
			break;
		}
		if (a->status == DNS_TEMPFAIL)
			rc = fail(ev, SPF_TEMPERROR, "DNS failure for %s %s",
			    host, type_name(addr_type(ev)));
		else if (reply_matches(ev, a, t->cidr4, t->cidr6))
			rc = 1;
		dns_reply_free(a);
	}
	dns_reply_free(r);
	sb_free(&name);
	return rc;
}

/* mech_ptr - "ptr": a validated name of the client is below target (5.5) */
static int
mech_ptr(struct spf_eval *ev, const struct spf_term *t)
{
	struct strbuf name, rn;
	struct dns_reply *r;
	size_t i, seen = 0;
	int rc;

	if (count_term(ev, t->text) < 0)
		return -1;
	sb_init(&name);
	if (target(ev, t->domain, &name) < 0) {
		sb_free(&name);
		return -1;
	}
	sb_init(&rn);
	reverse_name(ev, &rn);
	r = query(ev, rn.s, DNS_T_PTR);
	sb_free(&rn);
	if (r == NULL) {
		sb_free(&name);
		return -1;
	}
	rc = 0;
	if (r->status == DNS_NXDOMAIN || r->status == DNS_NODATA)
		rc = note_void(ev);
	/* a DNS error on the PTR lookup is no match (5.5) */
	for (i = 0; rc == 0 && r->status == DNS_DATA && i < r->count &&
	    seen < SPF_MAX_PTR; i++) {
		if (r->rr[i].type != DNS_T_PTR || r->rr[i].text == NULL)
			continue;
		seen++;
		if (name_below(r->rr[i].text, name.s) &&
		    validates(ev, r->rr[i].text))
			rc = 1;
	}
	dns_reply_free(r);
	sb_free(&name);
	return ev->timed_out ? -1 : rc;
}

/* mech_exists - "exists": the target has an A record (5.7) */
static int
mech_exists(struct spf_eval *ev, const struct spf_term *t)
{
	struct strbuf name;
	struct dns_reply *r;
	int rc;

	if (count_term(ev, t->text) < 0)
		return -1;
	sb_init(&name);
	if ((rc = target(ev, t->domain, &name)) == 0 &&
	    (rc = lookup_counted(ev, name.s, DNS_T_A, &r)) == 0 &&
	    r != NULL) {
		rc = 1;
		dns_reply_free(r);
	}
	sb_free(&name);
	return rc;
}

/* mech_include - "include": the target's check_host() passes (5.2) */
static int
mech_include(struct spf_eval *ev, const struct spf_term *t, unsigned depth)
{
	struct strbuf name;
	const char *saved = ev->env.d;
	enum spf_result res;
	int rc = 0;

	if (count_term(ev, t->text) < 0)
		return -1;
	sb_init(&name);
	if (target(ev, t->domain, &name) < 0) {
		sb_free(&name);
		return -1;
	}
	res = check_host(ev, name.s, depth + 1, 0);
	ev->env.d = saved;
	switch (res) {
	case SPF_PASS:
		rc = 1;
		break;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
		rc = 0;
		break;
	case SPF_NONE:
		rc = fail(ev, SPF_PERMERROR, "no SPF record at %s "
		    "(included)", name.s);
		break;
	case SPF_TEMPERROR:
	case SPF_PERMERROR:
		ev->err = res;
		rc = -1;
		break;
	}
	sb_free(&name);
	return rc;
}

/* mech_match - evaluate one mechanism: 1 match, 0 not, -1 error */
static int
mech_match(struct spf_eval *ev, const struct spf_term *t, unsigned depth)
{
	switch (t->mech) {
	case SPF_MECH_ALL:
		return 1;
	case SPF_MECH_INCLUDE:
		return mech_include(ev, t, depth);
	case SPF_MECH_A:
		return mech_a(ev, t);
	case SPF_MECH_MX:
		return mech_mx(ev, t);
	case SPF_MECH_PTR:
		return mech_ptr(ev, t);
	case SPF_MECH_IP4:
		return ev->family == AF_INET &&
		    prefix_match(ev->addr, t->addr, t->cidr4);
	case SPF_MECH_IP6:
		return ev->family == AF_INET6 &&
		    prefix_match(ev->addr, t->addr, t->cidr6);
	case SPF_MECH_EXISTS:
		return mech_exists(ev, t);
	}
	return 0;
}

/*
 * find_record - the one SPF record of domain (4.4, 4.5): -1 and *txt
 *	set when found, else NONE, TEMPERROR or PERMERROR
 */
static int
find_record(struct spf_eval *ev, const char *domain, char **txt,
    size_t *len)
{
	struct dns_reply *r;
	size_t i, found = 0;

	*txt = NULL;
	if (!spf_name_valid(domain))
		return SPF_NONE;
	if ((r = query(ev, domain, DNS_T_TXT)) == NULL)
		return SPF_TEMPERROR;
	if (r->status == DNS_TEMPFAIL) {
		dns_reply_free(r);
		fail(ev, SPF_TEMPERROR, "DNS failure for %s TXT", domain);
		return SPF_TEMPERROR;
	}
	for (i = 0; r->status == DNS_DATA && i < r->count; i++) {
		const struct dns_rr *rr = &r->rr[i];

		if (rr->type != DNS_T_TXT || rr->text == NULL ||
		    !spf_record_is_spf(rr->text, rr->len))
			continue;
		if (++found > 1)
			break;
		*txt = xmalloc(rr->len + 1);
		memcpy(*txt, rr->text, rr->len);
		(*txt)[rr->len] = '\0';
		*len = rr->len;
	}
	dns_reply_free(r);
	if (found > 1) {
		free(*txt);
		*txt = NULL;
		fail(ev, SPF_PERMERROR, "more than one SPF record at %s",
		    domain);
		return SPF_PERMERROR;
	}
	return found ? -1 : SPF_NONE;
}

/* explain - exp= on a fail (6.2); every failure means no explanation */
static void
explain(struct spf_eval *ev, const char *spec)
{
	struct strbuf name, text, why;
	struct dns_reply *r;
	size_t i, n = 0, which = 0;
	unsigned char c;

	sb_init(&name);
	sb_init(&text);
	sb_init(&why);
	if (spf_macro_expand(spec, strlen(spec), &ev->env, SPF_MACRO_DOMAIN,
	    &name, &why) < 0 || !spf_name_valid(name.s))
		goto out;
	if ((r = query(ev, name.s, DNS_T_TXT)) == NULL)
		goto out;
	for (i = 0; r->status == DNS_DATA && i < r->count; i++)
		if (r->rr[i].type == DNS_T_TXT && r->rr[i].text != NULL) {
			n++;
			which = i;
		}
	if (n == 1) {
		const struct dns_rr *rr = &r->rr[which];

		for (i = 0; i < rr->len; i++) {
			c = (unsigned char)rr->text[i];
			if (c < 0x20 || c > 0x7e)
				break;
		}
		if (i == rr->len && spf_macro_expand(rr->text, rr->len,
		    &ev->env, SPF_MACRO_EXP, &text, &why) == 0) {
			free(ev->explanation);
			ev->explanation = printable(text.s, text.len);
		}
	}
	dns_reply_free(r);
out:
	sb_free(&name);
	sb_free(&text);
	sb_free(&why);
}

/*
 * check_host - RFC 7208 4: evaluate domain's record; top is set for the
 *	checked identity and its redirect chain (not inside include), which
 *	alone record the deciding mechanism and the explanation
 */
static enum spf_result
check_host(struct spf_eval *ev, const char *domain, unsigned depth, int top)
{
	struct spf_record rec;
	struct strbuf why, name;
	enum spf_result res = SPF_NEUTRAL;
	char *txt;
	size_t len = 0, i;
	int rc;

	if (depth > SPF_MAX_DEPTH) {
		fail(ev, SPF_PERMERROR, "SPF records nested too deeply");
		return SPF_PERMERROR;
	}
	if ((rc = find_record(ev, domain, &txt, &len)) != -1)
		return (enum spf_result)rc;
	sb_init(&why);
	if (spf_record_parse(txt, len, &rec, &why) < 0) {
		fail(ev, SPF_PERMERROR, "%s in SPF record of %s", why.s,
		    domain);
		sb_free(&why);
		free(txt);
		return SPF_PERMERROR;
	}
	sb_free(&why);
	free(txt);
	ev->env.d = domain;

	for (i = 0; i < rec.nterms; i++) {
		rc = mech_match(ev, &rec.terms[i], depth);
		ev->env.d = domain;
		if (rc < 0 || ev->timed_out) {
			res = rc < 0 ? ev->err : SPF_TEMPERROR;
			goto done;
		}
		if (rc > 0)
			break;
	}
	if (i < rec.nterms) {
		res = rec.terms[i].qual;
		if (top) {
			free(ev->mechanism);
			ev->mechanism = printable(rec.terms[i].text,
			    strlen(rec.terms[i].text));
			if (res == SPF_FAIL && rec.exp != NULL)
				explain(ev, rec.exp);
		}
	} else if (rec.redirect != NULL) {
		/* 6.1: only when no mechanism matched */
		if (count_term(ev, "redirect") < 0) {
			res = ev->err;
			goto done;
		}
		sb_init(&name);
		if (target(ev, rec.redirect, &name) < 0)
			res = ev->err;
		else {
			res = check_host(ev, name.s, depth + 1, top);
			if (res == SPF_NONE) {
				fail(ev, SPF_PERMERROR, "no SPF record at %s "
				    "(redirect)", name.s);
				res = SPF_PERMERROR;
			}
		}
		sb_free(&name);
	}
done:
	ev->env.d = domain;
	spf_record_free(&rec);
	return res;
}

/* identity_ok - a domain we may check: multi-label LDH name (4.3) */
static int
identity_ok(const char *d)
{
	const char *p, *last;
	int alpha = 0;

	if (!spf_name_valid(d) || strchr(d, '.') == NULL)
		return 0;
	for (p = d; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    ascii_isdigit(c) || c == '-' || c == '_' || c == '.'))
			return 0;
	}
	last = strrchr(d, '.') + 1;
	for (p = last; *p != '\0'; p++)
		if (!ascii_isdigit((unsigned char)*p))
			alpha = 1;
	return alpha;
}

/* spf_check - evaluate one identity of one transaction */
void
spf_check(struct dns_client *dc, const struct spf_request *req,
    enum spf_identity id, struct spf_outcome *out)
{
	struct spf_eval ev;
	const char *helo = req->helo != NULL ? req->helo : "";
	const char *sender = req->sender != NULL ? req->sender : "";
	const char *at;
	char *local, *domain, *full, ip_i[80], ip_c[INET6_ADDRSTRLEN];
	char tbuf[32];
	struct strbuf sb;
	size_t dl;
	int i;

	memset(out, 0, sizeof(*out));
	memset(&ev, 0, sizeof(ev));
	ev.dc = dc;
	sb_init(&ev.problem);

	/* 5 / 9: an IPv4-mapped IPv6 address is an IPv4 client */
	ev.family = req->family == AF_INET6 ? AF_INET6 : AF_INET;
	if (ev.family == AF_INET6) {
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0,
		    0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(req->addr, mapped, 12) == 0) {
			ev.family = AF_INET;
			memcpy(ev.addr, req->addr + 12, 4);
		} else
			memcpy(ev.addr, req->addr, 16);
	} else
		memcpy(ev.addr, req->addr, 4);

	/* 2.3, 2.4, 4.3: the identity, postmaster when there is no local */
	if (id == SPF_ID_HELO || sender[0] == '\0') {
		local = xstrdup("postmaster");
		domain = xstrdup(helo);
	} else if ((at = strrchr(sender, '@')) == NULL) {
		local = xstrdup("postmaster");
		domain = xstrdup(sender);
	} else {
		local = at == sender ? xstrdup("postmaster") :
		    xstrndup(sender, (size_t)(at - sender));
		domain = xstrdup(at + 1);
	}
	dl = strlen(domain);
	if (dl > 0 && domain[dl - 1] == '.')
		domain[dl - 1] = '\0';
	sb_init(&sb);
	sb_puts(&sb, local);
	sb_putc(&sb, '@');
	sb_puts(&sb, domain);
	full = sb_detach(&sb);
	sb_free(&sb);
	out->domain = printable(domain, strlen(domain));

	if (ev.family == AF_INET) {
		snprintf(ip_i, sizeof(ip_i), "%u.%u.%u.%u", ev.addr[0],
		    ev.addr[1], ev.addr[2], ev.addr[3]);
		memcpy(ip_c, ip_i, strlen(ip_i) + 1);
		ev.env.v = "in-addr";
	} else {
		static const char hex[] = "0123456789ABCDEF";
		char *p = ip_i;

		for (i = 0; i < 16; i++) {
			*p++ = hex[ev.addr[i] >> 4];
			*p++ = '.';
			*p++ = hex[ev.addr[i] & 15];
			*p++ = i < 15 ? '.' : '\0';
		}
		if (inet_ntop(AF_INET6, ev.addr, ip_c, sizeof(ip_c)) == NULL)
			ip_c[0] = '\0';
		ev.env.v = "ip6";
	}
	snprintf(tbuf, sizeof(tbuf), "%lld", (long long)time(NULL));
	ev.env.s = full;
	ev.env.l = local;
	ev.env.o = domain;
	ev.env.d = domain;
	ev.env.i = ip_i;
	ev.env.c = ip_c;
	ev.env.h = helo;
	ev.env.r = req->receiver != NULL && req->receiver[0] != '\0' ?
	    req->receiver : "unknown";
	ev.env.t = tbuf;
	ev.env.p = ptr_macro;
	ev.env.parg = &ev;

	ev.deadline = now_ms() + SPF_MAX_SECONDS * 1000LL;
	if (!identity_ok(domain))
		out->result = SPF_NONE;
	else
		out->result = check_host(&ev, domain, 0, 1);
	if (ev.timed_out)
		out->result = SPF_TEMPERROR;

	if (out->result == SPF_PERMERROR || out->result == SPF_TEMPERROR) {
		out->problem = printable(ev.problem.s, ev.problem.len);
		free(ev.mechanism);
	} else {
		out->mechanism = ev.mechanism;
		if (out->result == SPF_FAIL)
			out->explanation = ev.explanation;
		else
			free(ev.explanation);
		ev.explanation = NULL;
	}
	if (out->result == SPF_PERMERROR || out->result == SPF_TEMPERROR)
		free(ev.explanation);
	out->dns_terms = ev.terms;
	out->void_lookups = ev.voids;
	for (dl = 0; dl < ev.nptr_valid; dl++)
		free(ev.ptr_valid[dl]);
	sb_free(&ev.problem);
	free(full);
	free(local);
	free(domain);
}

/* spf_outcome_free - release the strings of an outcome */
void
spf_outcome_free(struct spf_outcome *out)
{
	free(out->domain);
	free(out->mechanism);
	free(out->explanation);
	free(out->problem);
	out->domain = out->mechanism = out->explanation = out->problem = NULL;
}

/* spf_result_name - the RFC 8601 / RFC 7208 token of a result */
const char *
spf_result_name(enum spf_result result)
{
	switch (result) {
	case SPF_NONE: return "none";
	case SPF_NEUTRAL: return "neutral";
	case SPF_PASS: return "pass";
	case SPF_FAIL: return "fail";
	case SPF_SOFTFAIL: return "softfail";
	case SPF_TEMPERROR: return "temperror";
	case SPF_PERMERROR: return "permerror";
	}
	return "permerror";
}
