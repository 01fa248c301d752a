/*
 * dmarc.c - DMARC (RFC 9989): the record parser, the DNS tree walk for
 * policy discovery and organizational domains, alignment and the result
 *
 * The contract is in dmarc.h.  Every _dmarc name asked during one
 * evaluation is kept in a small per-call cache (struct walk), so that the
 * walks for the author, SPF and DKIM domains, which share their parents,
 * ask each name once and find each organizational domain once.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "dns.h"
#include "dmarc.h"

#define VALUE_SHOWN	32	/* bytes of a bad value quoted in a note */
#define DOMAIN_SHOWN	100	/* bytes of a domain quoted in a reason */

/* ---- the record parser ---- */

enum tag {
	TAG_P, TAG_SP, TAG_NP, TAG_ADKIM, TAG_ASPF, TAG_PSD, TAG_T,
	TAG_RUA, TAG_RUF, TAG_FO, TAG_PCT, TAG_RF, TAG_RI, TAG_V,
	TAG_UNKNOWN
};

static const char *const tag_names[] = {
	[TAG_P] = "p", [TAG_SP] = "sp", [TAG_NP] = "np",
	[TAG_ADKIM] = "adkim", [TAG_ASPF] = "aspf", [TAG_PSD] = "psd",
	[TAG_T] = "t", [TAG_RUA] = "rua", [TAG_RUF] = "ruf", [TAG_FO] = "fo",
	[TAG_PCT] = "pct", [TAG_RF] = "rf", [TAG_RI] = "ri", [TAG_V] = "v",
};

/* a span of the record: not NUL-terminated, may hold any byte */
struct span {
	const char	*p;
	size_t		 n;
};

/* is_wsp - white space allowed around tags, '=' and ';' */
static int
is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* span_trim - strip white space at both ends */
static struct span
span_trim(struct span s)
{
	while (s.n > 0 && is_wsp((unsigned char)s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && is_wsp((unsigned char)s.p[s.n - 1]))
		s.n--;
	return s;
}

/* span_is - does s equal word, ignoring ASCII case? */
static int
span_is(struct span s, const char *word)
{
	size_t i;

	if (s.n != strlen(word))
		return 0;
	for (i = 0; i < s.n; i++)
		if (tolower((unsigned char)s.p[i]) !=
		    tolower((unsigned char)word[i]))
			return 0;
	return 1;
}

/* span_printable - only printable ASCII in s (no NUL, no controls)? */
static int
span_printable(struct span s)
{
	size_t i;

	for (i = 0; i < s.n; i++)
		if ((unsigned char)s.p[i] < 0x20 ||
		    (unsigned char)s.p[i] > 0x7e)
			return 0;
	return 1;
}

/* put_span - append s to sb as printable ASCII, cut to max bytes */
static void
put_span(struct strbuf *sb, struct span s, size_t max)
{
	size_t i;

	for (i = 0; i < s.n && i < max; i++) {
		unsigned char c = (unsigned char)s.p[i];

		sb_putc(sb, c >= 0x20 && c <= 0x7e ? c : '?');
	}
	if (s.n > max)
		sb_puts(sb, "...");
}

/* note - add one remark to err ("; " between remarks) */
static void __attribute__((format(printf, 3, 4)))
note(struct strbuf *err, size_t start, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	if (err->len > start)
		sb_puts(err, "; ");
	va_start(ap, fmt);
	sb_vprintf(err, fmt, ap);
	va_end(ap);
}

/* note_value - add "bad TAG= value 'VALUE' ignored" style remark */
static void
note_value(struct strbuf *err, size_t start, const char *what,
    const char *tag, struct span v)
{
	if (err == NULL)
		return;
	note(err, start, "%s %s= value '", what, tag);
	put_span(err, v, VALUE_SHOWN);
	sb_puts(err, "'");
}

/* tag_of - which tag a name is */
static enum tag
tag_of(struct span name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tag_names); i++)
		if (span_is(name, tag_names[i]))
			return (enum tag)i;
	return TAG_UNKNOWN;
}

/* policy_of - parse none/quarantine/reject, or UNSET */
static enum dmarc_policy_word
policy_of(struct span v)
{
	if (span_is(v, "none"))
		return DMARC_POLICY_NONE;
	if (span_is(v, "quarantine"))
		return DMARC_POLICY_QUARANTINE;
	if (span_is(v, "reject"))
		return DMARC_POLICY_REJECT;
	return DMARC_POLICY_UNSET;
}

/* domain_ok - a plausible mail domain: letters, digits, '-', '.' */
static int
domain_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || p[0] == '.' || p[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '.' && p[i + 1] == '.')
			return 0;
		if (!isalnum(c) && c != '-' && c != '.' && c != '_')
			return 0;
	}
	return 1;
}

/* uri_ok - one DMARC URI: mailto:local@domain[?headers][!size] */
static int
uri_ok(struct span u)
{
	const char *at, *end;
	size_t i;

	u = span_trim(u);
	if (u.n < 7 || !span_is((struct span){ u.p, 7 }, "mailto:"))
		return 0;
	u.p += 7;
	u.n -= 7;
	for (i = 0; i < u.n; i++)
		if (u.p[i] == '!' || u.p[i] == '?')
			break;
	u.n = i;
	if (!span_printable(u))
		return 0;
	at = memchr(u.p, '@', u.n);
	if (at == NULL || at == u.p)
		return 0;
	for (i = 0; u.p + i < at; i++)
		if (u.p[i] == ' ' || u.p[i] == ',' || u.p[i] == ';')
			return 0;
	end = u.p + u.n;
	return domain_ok(at + 1, (size_t)(end - (at + 1)));
}

/* rua_ok - at least one valid URI in a comma-separated list */
static int
rua_ok(struct span v)
{
	const char *p = v.p, *end = v.p + v.n, *comma;
	int more = 1;

	while (more) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (comma == NULL) {
			comma = end;
			more = 0;
		}
		if (uri_ok((struct span){ p, (size_t)(comma - p) }))
			return 1;
		p = more ? comma + 1 : end;
	}
	return 0;
}

/* pct_of - pct value 0..100, or -1 */
static int
pct_of(struct span v)
{
	size_t i;
	int n = 0;

	if (v.n == 0)
		return -1;
	for (i = 0; i < v.n; i++) {
		if (!isdigit((unsigned char)v.p[i]))
			return -1;
		n = n * 10 + (v.p[i] - '0');
		if (n > 100)
			return -1;
	}
	return n;
}

/* version_ok - is the first tag v=DMARC1? */
static int
version_ok(struct span part)
{
	const char *eq;
	struct span name, value;

	eq = memchr(part.p, '=', part.n);
	if (eq == NULL)
		return 0;
	name = span_trim((struct span){ part.p, (size_t)(eq - part.p) });
	value = span_trim((struct span){ eq + 1,
	    part.n - (size_t)(eq + 1 - part.p) });
	return span_is(name, "v") && span_is(value, "DMARC1");
}

/* tag_name_ok - a tag name is letters, digits and '_' */
static int
tag_name_ok(struct span name)
{
	size_t i;

	if (name.n == 0)
		return 0;
	for (i = 0; i < name.n; i++)
		if (!isalnum((unsigned char)name.p[i]) && name.p[i] != '_')
			return 0;
	return 1;
}

/* store_text - keep rua, ruf or fo as written, if printable */
static void
store_text(char **dst, struct span v, const char *tag, struct strbuf *err,
    size_t start)
{
	if (!span_printable(v)) {
		note_value(err, start, "unprintable", tag, v);
		return;
	}
	*dst = xstrndup(v.p, v.n);
}

/* dmarc_record_clear - free what a parsed record holds */
void
dmarc_record_clear(struct dmarc_record *rec)
{
	free(rec->rua);
	free(rec->ruf);
	free(rec->fo);
	memset(rec, 0, sizeof(*rec));
}

/* dmarc_parse_record - parse one TXT record; 1 DMARC, 0 not, -1 invalid */
int
dmarc_parse_record(const char *text, size_t len, struct dmarc_record *rec,
    struct strbuf *err)
{
	const char *p, *end, *semi, *eq;
	struct span part, name, value, bad_policy = { "", 0 };
	const char *bad_tag = NULL;
	unsigned seen = 0;
	int first = 1, more = 1, have_p = 0, rua_valid = 0;
	size_t start = err != NULL ? err->len : 0;
	enum dmarc_policy_word w;
	enum tag t;
	int pct;

	memset(rec, 0, sizeof(*rec));
	if (text == NULL)
		return 0;
	p = text;
	end = text + len;
	while (more) {
		semi = memchr(p, ';', (size_t)(end - p));
		if (semi == NULL) {
			semi = end;
			more = 0;
		}
		part = span_trim((struct span){ p, (size_t)(semi - p) });
		p = more ? semi + 1 : end;
		if (first) {
			if (!version_ok(part))
				return 0;
			first = 0;
			continue;
		}
		if (part.n == 0)
			continue;
		eq = memchr(part.p, '=', part.n);
		if (eq == NULL) {
			note(err, start, "ignored '");
			if (err != NULL) {
				put_span(err, part, VALUE_SHOWN);
				sb_puts(err, "' (no '=')");
			}
			continue;
		}
		name = span_trim((struct span){ part.p,
		    (size_t)(eq - part.p) });
		value = span_trim((struct span){ eq + 1,
		    part.n - (size_t)(eq + 1 - part.p) });
		if (!tag_name_ok(name)) {
			note(err, start, "ignored bad tag name '");
			if (err != NULL) {
				put_span(err, name, VALUE_SHOWN);
				sb_puts(err, "'");
			}
			continue;
		}
		t = tag_of(name);
		if (t == TAG_UNKNOWN)
			continue;		/* RFC 9989: ignored */
		if (seen & (1u << t)) {
			note(err, start, "repeated %s= ignored", tag_names[t]);
			continue;
		}
		seen |= 1u << t;
		switch (t) {
		case TAG_P:
		case TAG_SP:
		case TAG_NP:
			w = policy_of(value);
			if (w == DMARC_POLICY_UNSET) {
				if (bad_tag == NULL) {
					bad_tag = tag_names[t];
					bad_policy = value;
				}
			} else if (t == TAG_P)
				rec->p = w;
			else if (t == TAG_SP)
				rec->sp = w;
			else
				rec->np = w;
			if (t == TAG_P)
				have_p = 1;
			break;
		case TAG_ADKIM:
		case TAG_ASPF:
			if (span_is(value, "r") || span_is(value, "s")) {
				enum dmarc_align a = span_is(value, "s") ?
				    DMARC_ALIGN_STRICT : DMARC_ALIGN_RELAXED;

				if (t == TAG_ADKIM)
					rec->adkim = a;
				else
					rec->aspf = a;
			} else
				note_value(err, start, "ignored bad",
				    tag_names[t], value);
			break;
		case TAG_PSD:
			if (span_is(value, "y"))
				rec->psd = DMARC_PSD_YES;
			else if (span_is(value, "n"))
				rec->psd = DMARC_PSD_NO;
			else if (!span_is(value, "u"))
				note_value(err, start, "ignored bad", "psd",
				    value);
			break;
		case TAG_T:
			if (span_is(value, "y"))
				rec->testing = 1;
			else if (!span_is(value, "n"))
				note_value(err, start, "ignored bad", "t",
				    value);
			break;
		case TAG_PCT:
			pct = pct_of(value);
			if (pct == 0)
				rec->testing = 1;
			else if (pct < 0)
				note_value(err, start, "ignored bad", "pct",
				    value);
			break;
		case TAG_RUA:
			store_text(&rec->rua, value, "rua", err, start);
			if (rec->rua != NULL)
				rua_valid = rua_ok(value);
			if (rec->rua != NULL && !rua_valid)
				note_value(err, start, "no valid URI in",
				    "rua", value);
			break;
		case TAG_RUF:
			store_text(&rec->ruf, value, "ruf", err, start);
			break;
		case TAG_FO:
			store_text(&rec->fo, value, "fo", err, start);
			break;
		case TAG_V:
			note(err, start, "repeated v= ignored");
			break;
		case TAG_RF:
		case TAG_RI:
		case TAG_UNKNOWN:
			break;
		}
	}
	if (first)
		return 0;

	if (bad_tag != NULL || !have_p) {
		if (!rua_valid) {
			dmarc_record_clear(rec);
			if (err == NULL)
				return -1;
			sb_truncate(err, start);
			if (bad_tag != NULL) {
				sb_printf(err, "bad %s= value '", bad_tag);
				put_span(err, bad_policy, VALUE_SHOWN);
				sb_puts(err, "' and no valid rua=");
			} else
				sb_puts(err, "no p= tag and no valid rua=");
			return -1;
		}
		if (bad_tag != NULL) {
			note_value(err, start, "bad", bad_tag, bad_policy);
			note(err, start, "record taken as p=none (valid rua=)");
			rec->sp = rec->np = DMARC_POLICY_UNSET;
		} else
			note(err, start, "no p=, taken as p=none (valid rua=)");
		rec->p = DMARC_POLICY_NONE;
	}
	return 1;
}

/* ---- names ---- */

/* norm_domain - lowercase copy without a final dot */
static char *
norm_domain(const char *d)
{
	char *s = xstrdup(d != NULL ? d : "");
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == '.')
		s[n - 1] = '\0';
	str_lower(s);
	return s;
}

/* count_labels - labels in a non-empty name */
static size_t
count_labels(const char *d)
{
	size_t n = 1;

	for (; *d != '\0'; d++)
		if (*d == '.')
			n++;
	return n;
}

/* last_labels - the suffix of d holding its last k labels (k >= 1) */
static const char *
last_labels(const char *d, size_t k)
{
	const char *p = d + strlen(d);

	while (p > d) {
		if (p[-1] == '.' && --k == 0)
			return p;
		p--;
	}
	return d;
}

/*
 * walk_names - the names the tree walk of RFC 9989 4.10 asks, in order:
 * the domain, then (8 labels or more) its last 7 labels, then one label
 * fewer each time, down to one label.  Returns how many (at most
 * DMARC_MAX_WALK); each is a suffix of d.  A name with an empty label
 * has none: it cannot be asked, and "_dmarc." alone would be the root's.
 */
static size_t
walk_names(const char *d, const char **names)
{
	size_t x, k, n = 0;

	if (*d == '\0' || *d == '.' || d[strlen(d) - 1] == '.' ||
	    strstr(d, "..") != NULL)
		return 0;
	x = count_labels(d);
	names[n++] = d;
	for (k = x >= 8 ? 7 : x - 1; k >= 1 && n < DMARC_MAX_WALK; k--)
		names[n++] = last_labels(d, k);
	return n;
}

/* ---- the per-evaluation cache of _dmarc answers ---- */

enum at_state {
	AT_NONE,		/* nothing that counts (or several records) */
	AT_VALID,		/* exactly one DMARC record, valid */
	AT_INVALID,		/* exactly one DMARC record, invalid */
	AT_TEMPFAIL
};

struct at_entry {
	char			*name;
	enum at_state		 state;
	size_t			 ndmarc;	/* DMARC records seen */
	struct dmarc_record	 rec;		/* AT_VALID */
	char			*error;		/* AT_INVALID */
};

struct org_entry {
	char	*domain;
	char	*org;		/* NULL: temporary failure */
};

struct walk {
	struct dns_client	*dc;
	struct at_entry		*at;
	size_t			 nat, capat;
	struct org_entry	*org;
	size_t			 norg, caporg;
};

/* walk_init - an empty cache on dc */
static void
walk_init(struct walk *w, struct dns_client *dc)
{
	memset(w, 0, sizeof(*w));
	w->dc = dc;
}

/* walk_free - free a cache */
static void
walk_free(struct walk *w)
{
	size_t i;

	for (i = 0; i < w->nat; i++) {
		free(w->at[i].name);
		dmarc_record_clear(&w->at[i].rec);
		free(w->at[i].error);
	}
	for (i = 0; i < w->norg; i++) {
		free(w->org[i].domain);
		free(w->org[i].org);
	}
	free(w->at);
	free(w->org);
}

/* classify - what the TXT answer for _dmarc.NAME means */
static void
classify(struct at_entry *e, const struct dns_reply *r)
{
	struct dmarc_record rec;
	struct strbuf err;
	size_t i;
	int rc;

	if (r->status == DNS_TEMPFAIL) {
		e->state = AT_TEMPFAIL;
		return;
	}
	e->state = AT_NONE;
	if (r->status != DNS_DATA)
		return;
	for (i = 0; i < r->count; i++) {
		if (r->rr[i].text == NULL)
			continue;
		sb_init(&err);
		rc = dmarc_parse_record(r->rr[i].text, r->rr[i].len, &rec,
		    &err);
		if (rc != 0 && ++e->ndmarc == 1) {
			if (rc == 1) {
				e->state = AT_VALID;
				e->rec = rec;
			} else {
				e->state = AT_INVALID;
				e->error = sb_detach(&err);
			}
		} else if (rc == 1)
			dmarc_record_clear(&rec);
		sb_free(&err);
	}
	if (e->ndmarc > 1) {		/* several: none counts (4.10) */
		dmarc_record_clear(&e->rec);
		free(e->error);
		e->error = NULL;
		e->state = AT_NONE;
	}
}

/* at_find - the cache entry for _dmarc.NAME, or NULL */
static struct at_entry *
at_find(struct walk *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->nat; i++)
		if (strcmp(w->at[i].name, name) == 0)
			return &w->at[i];
	return NULL;
}

/* at_add - a new, empty cache entry for _dmarc.NAME */
static struct at_entry *
at_add(struct walk *w, const char *name)
{
	struct at_entry *e;

	if (w->nat == w->capat) {
		w->capat = w->capat ? w->capat * 2 : 16;
		w->at = xrealloc(w->at, w->capat * sizeof(*w->at));
	}
	e = &w->at[w->nat++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	return e;
}

/* walk_at - what _dmarc.NAME holds, asked at most once per walk cache */
static const struct at_entry *
walk_at(struct walk *w, const char *name)
{
	struct at_entry *e;
	struct dns_reply *r;
	struct strbuf q;

	if ((e = at_find(w, name)) != NULL)
		return e;
	e = at_add(w, name);
	sb_init(&q);
	sb_puts(&q, "_dmarc.");
	sb_puts(&q, name);
	r = dns_lookup(w->dc, q.s, DNS_T_TXT);
	classify(e, r);
	dns_reply_free(r);
	sb_free(&q);
	return e;
}

/*
 * prefetch - ask, in one DNS batch, every _dmarc name of the tree walks
 * of n normalized domains that the cache does not hold yet, and put
 * the answers into it.  Policy discovery and the organizational domain
 * walk of a domain read the names of its walk (the latter all of them
 * unless a psd= tag stops it), so afterwards they find them there: the
 * walks of several domains cost one round trip, not one per name.  It
 * asks what walking one name after the other asks, except when a walk
 * would have stopped early (a temporary failure, an invalid record, a
 * psd= tag): at most DMARC_MAX_WALK names a domain.  An answer the
 * batch does not give is asked later by walk_at().
 */
static void
prefetch(struct walk *w, char *const *domains, size_t n)
{
	const char *names[DMARC_MAX_WALK];
	char **q = NULL, **at = NULL;
	uint16_t *types = NULL;
	struct dns_batch *b;
	struct dns_reply *r;
	struct strbuf sb;
	size_t i, j, k, nq = 0, nn;

	for (i = 0; i < n; i++) {
		nn = walk_names(domains[i], names);
		for (j = 0; j < nn; j++) {
			if (at_find(w, names[j]) != NULL)
				continue;
			for (k = 0; k < nq; k++)
				if (strcmp(at[k], names[j]) == 0)
					break;
			if (k < nq)
				continue;
			q = xrealloc(q, (nq + 1) * sizeof(*q));
			at = xrealloc(at, (nq + 1) * sizeof(*at));
			types = xrealloc(types, (nq + 1) * sizeof(*types));
			sb_init(&sb);
			sb_puts(&sb, "_dmarc.");
			sb_puts(&sb, names[j]);
			q[nq] = sb_detach(&sb);
			at[nq] = xstrdup(names[j]);
			types[nq++] = DNS_T_TXT;
		}
	}
	if (nq > 1) {
		b = dns_batch_start(w->dc, (const char *const *)q, types, nq);
		dns_batch_wait(b);
		for (k = 0; k < nq; k++) {
			if ((r = dns_batch_reply(b, q[k], DNS_T_TXT)) == NULL)
				continue;
			classify(at_add(w, at[k]), r);
			dns_reply_free(r);
		}
		dns_batch_free(b);
	}
	for (k = 0; k < nq; k++) {
		free(q[k]);
		free(at[k]);
	}
	free(q);
	free(at);
	free(types);
}

/* record_copy - a deep copy of a parsed record */
static void
record_copy(struct dmarc_record *dst, const struct dmarc_record *src)
{
	*dst = *src;
	dst->rua = src->rua != NULL ? xstrdup(src->rua) : NULL;
	dst->ruf = src->ruf != NULL ? xstrdup(src->ruf) : NULL;
	dst->fo = src->fo != NULL ? xstrdup(src->fo) : NULL;
}

/* discover - policy discovery (RFC 9989 4.10.1) of a normalized domain */
static void
discover(struct walk *w, const char *d, struct dmarc_policy *out)
{
	const char *names[DMARC_MAX_WALK];
	const struct at_entry *e;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	out->status = DMARC_NOT_FOUND;
	n = walk_names(d, names);
	for (i = 0; i < n; i++) {
		e = walk_at(w, names[i]);
		switch (e->state) {
		case AT_NONE:
			continue;
		case AT_TEMPFAIL:
			out->status = DMARC_TEMPERROR;
			out->at = xstrdup(names[i]);
			return;
		case AT_VALID:
			out->status = DMARC_FOUND;
			record_copy(&out->rec, &e->rec);
			out->at = xstrdup(names[i]);
			return;
		case AT_INVALID:
			out->invalid = 1;
			out->error = xstrdup(e->error);
			out->at = xstrdup(names[i]);
			return;
		}
	}
}

/*
 * org_walk - the organizational domain (RFC 9989 4.10.2) of a normalized
 * domain, from the cache when found before; NULL on temporary failure.
 * The string belongs to the cache.
 */
static const char *
org_walk(struct walk *w, const char *d)
{
	const char *names[DMARC_MAX_WALK], *org = NULL;
	const struct at_entry *e;
	struct org_entry *oe;
	size_t i, n;
	int failed = 0;

	for (i = 0; i < w->norg; i++)
		if (strcmp(w->org[i].domain, d) == 0)
			return w->org[i].org;
	n = walk_names(d, names);
	for (i = 0; i < n; i++) {
		e = walk_at(w, names[i]);
		if (e->state == AT_TEMPFAIL) {
			failed = 1;
			break;
		}
		if (e->state != AT_VALID)
			continue;
		if (e->rec.psd == DMARC_PSD_NO) {
			org = names[i];
			break;
		}
		if (e->rec.psd == DMARC_PSD_YES) {
			/* the name one label below; a PSD is its own */
			org = i == 0 ? names[i] :
			    last_labels(d, count_labels(names[i]) + 1);
			break;
		}
		org = names[i];		/* fewer labels each time */
	}
	if (org == NULL)
		org = d;
	if (w->norg == w->caporg) {
		w->caporg = w->caporg ? w->caporg * 2 : 8;
		w->org = xrealloc(w->org, w->caporg * sizeof(*w->org));
	}
	oe = &w->org[w->norg++];
	oe->domain = xstrdup(d);
	oe->org = failed ? NULL : xstrdup(org);
	return oe->org;
}

/* last_label_eq - do a and b end in the same label? */
static int
last_label_eq(const char *a, const char *b)
{
	return strcmp(last_labels(a, 1), last_labels(b, 1)) == 0;
}

/* aligned - alignment of two normalized domains; 1, 0 or -1 */
static int
aligned(struct walk *w, const char *a, const char *b, enum dmarc_align mode)
{
	const char *oa, *ob;

	if (strcmp(a, b) == 0)
		return 1;
	if (mode == DMARC_ALIGN_STRICT || *a == '\0' || *b == '\0' ||
	    !last_label_eq(a, b))
		return 0;
	if ((oa = org_walk(w, a)) == NULL || (ob = org_walk(w, b)) == NULL)
		return -1;
	return strcmp(oa, ob) == 0;
}

/* ---- the public walks ---- */

/* dmarc_policy_clear - free what a discovery holds */
void
dmarc_policy_clear(struct dmarc_policy *out)
{
	dmarc_record_clear(&out->rec);
	free(out->at);
	free(out->error);
	memset(out, 0, sizeof(*out));
}

/* dmarc_discover - the policy record for an author domain */
void
dmarc_discover(struct dns_client *dc, const char *domain,
    struct dmarc_policy *out)
{
	struct walk w;
	char *d = norm_domain(domain);

	walk_init(&w, dc);
	discover(&w, d, out);
	walk_free(&w);
	free(d);
}

/* dmarc_org_domain - a domain's organizational domain; 0 or -1 */
int
dmarc_org_domain(struct dns_client *dc, const char *domain,
    struct strbuf *out)
{
	struct walk w;
	const char *org;
	char *d = norm_domain(domain);
	int rc = -1;

	walk_init(&w, dc);
	if ((org = org_walk(&w, d)) != NULL) {
		sb_puts(out, org);
		rc = 0;
	}
	walk_free(&w);
	free(d);
	return rc;
}

/* dmarc_aligned - are a and b aligned?  1, 0, or -1 on DNS failure */
int
dmarc_aligned(struct dns_client *dc, const char *a, const char *b,
    enum dmarc_align mode)
{
	struct walk w;
	char *na = norm_domain(a), *nb = norm_domain(b);
	int rc;

	walk_init(&w, dc);
	rc = aligned(&w, na, nb, mode);
	walk_free(&w);
	free(na);
	free(nb);
	return rc;
}

/* ---- evaluation ---- */

/*
 * non_existent - is the author domain NXDOMAIN?  A, then AAAA, then MX;
 * the first answer that is not a temporary failure decides; all failing
 * counts as existing.
 */
static int
non_existent(struct dns_client *dc, const char *d)
{
	static const uint16_t types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX };
	struct dns_reply *r;
	enum dns_status st;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		r = dns_lookup(dc, d, types[i]);
		st = r->status;
		dns_reply_free(r);
		if (st != DNS_TEMPFAIL)
			return st == DNS_NXDOMAIN;
	}
	return 0;
}

/* lower - one step less: what t=y does */
static enum dmarc_disposition
lower(enum dmarc_disposition d)
{
	return d == DMARC_DIS_REJECT ? DMARC_DIS_QUARANTINE : DMARC_DIS_NONE;
}

/* disposition_of - the disposition a policy word asks for */
static enum dmarc_disposition
disposition_of(enum dmarc_policy_word p)
{
	if (p == DMARC_POLICY_REJECT)
		return DMARC_DIS_REJECT;
	if (p == DMARC_POLICY_QUARANTINE)
		return DMARC_DIS_QUARANTINE;
	return DMARC_DIS_NONE;
}

/* put_domain - a domain into a reason, printable and bounded */
static void
put_domain(struct strbuf *sb, const char *d)
{
	sb_put_printable(sb, d, DOMAIN_SHOWN);
	if (strlen(d) > DOMAIN_SHOWN)
		sb_puts(sb, "...");
}

/* finish_reason - bound the reason and hand it to out */
static void
finish_reason(struct dmarc_outcome *out, struct strbuf *sb)
{
	if (sb->len > DMARC_REASON_MAX)
		sb_truncate(sb, DMARC_REASON_MAX);
	out->reason = sb_detach(sb);
}

/* apply_policy - which tag applies (p, sp, np) and its word */
static void
apply_policy(struct dns_client *dc, const char *d,
    const struct dmarc_policy *pol, struct dmarc_outcome *out)
{
	const struct dmarc_record *rec = &pol->rec;

	if (strcmp(pol->at, d) == 0) {
		out->policy_tag = "p";
		out->policy = rec->p;
	} else if (rec->np != DMARC_POLICY_UNSET && non_existent(dc, d)) {
		out->policy_tag = "np";
		out->policy = rec->np;
	} else if (rec->sp != DMARC_POLICY_UNSET) {
		out->policy_tag = "sp";
		out->policy = rec->sp;
	} else {
		out->policy_tag = "p";
		out->policy = rec->p;
	}
	out->testing = rec->testing && out->policy != DMARC_POLICY_NONE;
}

/*
 * temp_aligned - the first identifier aligned with d whose SPF or DKIM
 * check failed temporarily (RFC 9989: the evaluation could not be
 * completed), or NULL; *by gets "SPF" or "DKIM d=", *failed is set
 * when an alignment could not be decided.  The caller frees it.
 */
static char *
temp_aligned(struct walk *w, const char *d, const struct dmarc_input *in,
    const struct dmarc_record *rec, const char **by, int *failed)
{
	char *id;
	size_t i, n;
	int rc;

	if (in->spf_temperror && in->spf_domain != NULL &&
	    in->spf_domain[0] != '\0') {
		id = norm_domain(in->spf_domain);
		if ((rc = aligned(w, d, id, rec->aspf)) == 1) {
			*by = "SPF ";
			return id;
		}
		*failed |= rc < 0;
		free(id);
	}
	n = in->ndkim_temp < DMARC_MAX_DKIM ? in->ndkim_temp : DMARC_MAX_DKIM;
	for (i = 0; in->dkim_temp_domains != NULL && i < n; i++) {
		if (in->dkim_temp_domains[i] == NULL)
			continue;
		id = norm_domain(in->dkim_temp_domains[i]);
		rc = *id != '\0' ? aligned(w, d, id, rec->adkim) : 0;
		if (rc == 1) {
			*by = "DKIM d=";
			return id;
		}
		*failed |= rc < 0;
		free(id);
	}
	return NULL;
}

/* evaluate - DMARC for the author domain d (normalized), on cache w */
static void
evaluate(struct walk *w, const char *d, const struct dmarc_input *in,
    struct dmarc_outcome *out)
{
	struct dns_client *dc = w->dc;
	struct dmarc_policy pol;
	struct strbuf reason;
	const char *org, *by;
	char *id = NULL;
	size_t i, n;
	int rc, failed = 0;

	memset(out, 0, sizeof(*out));
	sb_init(&reason);
	if (*d == '\0') {
		out->result = DMARC_RES_NONE;
		sb_puts(&reason, "no author domain");
		goto done;
	}
	discover(w, d, &pol);
	if (pol.at != NULL)
		out->record_domain = xstrdup(pol.at);
	if (pol.status == DMARC_TEMPERROR) {
		out->result = DMARC_RES_TEMPERROR;
		sb_puts(&reason, "DNS temporary failure for _dmarc.");
		put_domain(&reason, pol.at);
		goto policy_done;
	}
	if (pol.invalid) {
		out->result = DMARC_RES_PERMERROR;
		sb_puts(&reason, "invalid DMARC record at ");
		put_domain(&reason, pol.at);
		sb_puts(&reason, ": ");
		sb_put_printable(&reason, pol.error, DMARC_REASON_MAX);
		goto policy_done;
	}
	if ((org = org_walk(w, d)) != NULL)
		out->org_domain = xstrdup(org);
	if (pol.status == DMARC_NOT_FOUND) {
		out->result = DMARC_RES_NONE;
		sb_puts(&reason, "no DMARC record");
		goto policy_done;
	}
	apply_policy(dc, d, &pol, out);

	/* SPF: the MAIL FROM (or HELO) domain, when SPF passed */
	if (in->spf_pass && in->spf_domain != NULL &&
	    in->spf_domain[0] != '\0') {
		id = norm_domain(in->spf_domain);
		rc = aligned(w, d, id, pol.rec.aspf);
		if (rc == 1) {
			out->aligned_by = xstrdup("spf");
			goto pass;
		}
		failed |= rc < 0;
		free(id);
		id = NULL;
	}
	n = in->ndkim < DMARC_MAX_DKIM ? in->ndkim : DMARC_MAX_DKIM;
	for (i = 0; in->dkim_domains != NULL && i < n; i++) {
		if (in->dkim_domains[i] == NULL)
			continue;
		id = norm_domain(in->dkim_domains[i]);
		rc = *id != '\0' ? aligned(w, d, id, pol.rec.adkim) : 0;
		if (rc == 1) {
			out->aligned_by = xstrdup("dkim");
			goto pass;
		}
		failed |= rc < 0;
		free(id);
		id = NULL;
	}
	/* nothing aligned passed: was one left undecided? */
	if ((id = temp_aligned(w, d, in, &pol.rec, &by, &failed)) != NULL ||
	    failed) {
		out->result = DMARC_RES_TEMPERROR;
		if (id != NULL) {
			sb_puts(&reason, by);
			put_domain(&reason, id);
			sb_puts(&reason, " aligned but its check failed "
			    "temporarily");
			free(id);
			id = NULL;
		} else
			sb_puts(&reason, "DNS temporary failure finding "
			    "organizational domains for alignment");
		goto policy_done;
	}
	out->result = DMARC_RES_FAIL;
	out->disposition = disposition_of(out->policy);
	if (out->testing)
		out->disposition = lower(out->disposition);
	sb_puts(&reason, "no aligned identifier");
	if (!in->spf_pass && in->ndkim == 0)
		sb_puts(&reason, ": SPF did not pass, no DKIM signature "
		    "passed");
	goto policy_done;

pass:
	out->result = DMARC_RES_PASS;
	out->aligned_domain = id;
	sb_puts(&reason, strcmp(out->aligned_by, "spf") == 0 ? "SPF " :
	    "DKIM d=");
	put_domain(&reason, id);
	sb_printf(&reason, " aligned, %s",
	    (strcmp(out->aligned_by, "spf") == 0 ? pol.rec.aspf :
	    pol.rec.adkim) == DMARC_ALIGN_STRICT ? "strict" : "relaxed");
policy_done:
	if (pol.status == DMARC_FOUND && !pol.invalid) {
		out->rec = pol.rec;	/* moved: the report needs it */
		out->has_record = 1;
		memset(&pol.rec, 0, sizeof(pol.rec));
	}
	dmarc_policy_clear(&pol);
done:
	finish_reason(out, &reason);
}

/* dmarc_evaluate - DMARC for one author domain */
void
dmarc_evaluate(struct dns_client *dc, const struct dmarc_input *in,
    struct dmarc_outcome *out)
{
	struct walk w;
	char *d = norm_domain(in->author_domain);

	walk_init(&w, dc);
	evaluate(&w, d, in, out);
	walk_free(&w);
	free(d);
}

/*
 * want_org - may the alignment of id with the author domain d (whose
 * policy record rec was found) need id's organizational domain?  Then
 * add id (normalized) to the list.
 */
static void
want_org(const char *d, const char *ident, enum dmarc_align mode,
    char ***ids, size_t *nids)
{
	char *id;

	if (ident == NULL || *ident == '\0' || mode == DMARC_ALIGN_STRICT)
		return;
	id = norm_domain(ident);
	if (*id == '\0' || strcmp(id, d) == 0 || !last_label_eq(id, d)) {
		free(id);
		return;
	}
	*ids = xrealloc(*ids, (*nids + 1) * sizeof(**ids));
	(*ids)[(*nids)++] = id;
}

/* dmarc_evaluate_authors - DMARC for several author domains at once */
void
dmarc_evaluate_authors(struct dns_client *dc, const struct dmarc_input *in,
    const char *const *authors, size_t n, struct dmarc_outcome *out)
{
	struct dmarc_policy pol;
	struct walk w;
	char **d, **ids = NULL;
	size_t i, j, nids = 0;

	walk_init(&w, dc);
	d = xcalloc(n + 1, sizeof(*d));
	for (i = 0; i < n; i++)
		d[i] = norm_domain(authors[i]);
	/* round 1: the walks of all authors */
	prefetch(&w, d, n);
	/* round 2: the walks of identifiers that relaxed alignment with
	   an author that has a record will need */
	for (i = 0; i < n; i++) {
		if (*d[i] == '\0')
			continue;
		discover(&w, d[i], &pol);
		if (pol.status == DMARC_FOUND) {
			if (in->spf_pass || in->spf_temperror)
				want_org(d[i], in->spf_domain, pol.rec.aspf,
				    &ids, &nids);
			for (j = 0; j < in->ndkim && j < DMARC_MAX_DKIM &&
			    in->dkim_domains != NULL; j++)
				want_org(d[i], in->dkim_domains[j],
				    pol.rec.adkim, &ids, &nids);
			for (j = 0; j < in->ndkim_temp &&
			    j < DMARC_MAX_DKIM &&
			    in->dkim_temp_domains != NULL; j++)
				want_org(d[i], in->dkim_temp_domains[j],
				    pol.rec.adkim, &ids, &nids);
		}
		dmarc_policy_clear(&pol);
	}
	prefetch(&w, ids, nids);
	for (i = 0; i < n; i++)
		evaluate(&w, d[i], in, &out[i]);
	for (i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	for (i = 0; i < n; i++)
		free(d[i]);
	free(d);
	walk_free(&w);
}

/* dmarc_outcome_free - free what an outcome holds */
void
dmarc_outcome_free(struct dmarc_outcome *out)
{
	free(out->record_domain);
	free(out->org_domain);
	free(out->aligned_by);
	free(out->aligned_domain);
	free(out->reason);
	dmarc_record_clear(&out->rec);
	memset(out, 0, sizeof(*out));
}

/* dmarc_result_name - the RFC 8601 word for a result */
const char *
dmarc_result_name(enum dmarc_result r)
{
	switch (r) {
	case DMARC_RES_PASS:
		return "pass";
	case DMARC_RES_FAIL:
		return "fail";
	case DMARC_RES_TEMPERROR:
		return "temperror";
	case DMARC_RES_PERMERROR:
		return "permerror";
	case DMARC_RES_NONE:
		break;
	}
	return "none";
}

/* dmarc_policy_name - the tag value of a policy word */
const char *
dmarc_policy_name(enum dmarc_policy_word p)
{
	switch (p) {
	case DMARC_POLICY_NONE:
		return "none";
	case DMARC_POLICY_QUARANTINE:
		return "quarantine";
	case DMARC_POLICY_REJECT:
		return "reject";
	case DMARC_POLICY_UNSET:
		break;
	}
	return "unset";
}

/* dmarc_disposition_name - the word for a disposition */
const char *
dmarc_disposition_name(enum dmarc_disposition d)
{
	switch (d) {
	case DMARC_DIS_QUARANTINE:
		return "quarantine";
	case DMARC_DIS_REJECT:
		return "reject";
	case DMARC_DIS_NONE:
		break;
	}
	return "none";
}
