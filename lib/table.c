/*
 * table.c - the per-domain table: parse, validate, resolve by pattern
 *
 * Entries live in one array in file order; an open-addressing hash of
 * their normalized patterns (lowercase, no trailing dot, "." kept in
 * front of subdomain patterns) finds an entry in constant time, so a
 * lookup costs one probe per label of the domain, whatever the size of
 * the table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signkey.h"
#include "tls_version.h"
#include "util.h"
#include "table.h"

#define DOMAIN_MAX	253	/* RFC 1035: presentation form, no final dot */
#define LABEL_MAX	63

/* one bit per option, recording which options an entry sets */
#define OPT_CHECKS		0x01u
#define OPT_SPF			0x02u
#define OPT_SPF_HELO		0x04u
#define OPT_SPF_FAIL		0x08u
#define OPT_SPF_TEMPERROR	0x10u
#define OPT_SIGN		0x20u
#define OPT_DMARC		0x40u
#define OPT_DMARC_REJECT	0x80u
#define OPT_TLS			0x100u
#define OPT_TLS_MIN		0x200u

struct table_entry {
	char			*pattern;	/* normalized */
	unsigned		 line;
	unsigned		 set;		/* OPT_* bits given */
	int			 checks;
	int			 spf;
	int			 spf_helo;
	enum spf_fail_action	 spf_fail;
	enum temperror_action	 spf_temperror;
	struct sign_key		*sign;
	size_t			 nsign;
	enum dmarc_local	 dmarc;
	int			 dmarc_reject;
	int			 tls_require;
	char			*tls_min;	/* as written in the file */
	int			 tls_min_rank;	/* tls_version_rank() */
};

struct table {
	struct table_entry	*v;
	size_t			 n;
	size_t			 cap;
	size_t			*slots;		/* entry index + 1; 0 is free */
	size_t			 nslots;	/* a power of two */
	int			 any_tls;	/* some entry: tls=require */
};

/* load_ctx - what the parser needs to report an error */
struct load_ctx {
	const char	*path;
	unsigned	 line;
	struct strbuf	*errors;
	unsigned	 nerrors;
};

/* load_error - append "PATH:LINE: message" to the error list */
static void __attribute__((format(printf, 2, 3)))
load_error(struct load_ctx *lc, const char *fmt, ...)
{
	va_list ap;

	if (lc->line > 0)
		sb_printf(lc->errors, "%s:%u: ", lc->path, lc->line);
	else
		sb_printf(lc->errors, "%s: ", lc->path);
	va_start(ap, fmt);
	sb_vprintf(lc->errors, fmt, ap);
	va_end(ap);
	sb_putc(lc->errors, '\n');
	lc->nerrors++;
}

/* label_char - may c appear in a domain label (or selector)? */
static int
label_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* name_valid - are s[0..len) dot-separated labels within DNS limits? */
static int
name_valid(const char *s, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > DOMAIN_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (label_char((unsigned char)s[i])) {
			if (++label > LABEL_MAX)
				return 0;
		} else
			return 0;
	}
	return label > 0;
}

/* hash_name - FNV-1a over a normalized (lowercase) pattern */
static size_t
hash_name(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* table_find - the entry whose normalized pattern is key, or NULL */
static const struct table_entry *
table_find(const struct table *t, const char *key)
{
	size_t i, idx;

	if (t->nslots == 0)
		return NULL;
	for (i = hash_name(key) & (t->nslots - 1); (idx = t->slots[i]) != 0;
	    i = (i + 1) & (t->nslots - 1))
		if (strcmp(t->v[idx - 1].pattern, key) == 0)
			return &t->v[idx - 1];
	return NULL;
}

/* slot_insert - put entry index idx into the hash (no duplicate check) */
static void
slot_insert(struct table *t, size_t idx)
{
	size_t i;

	for (i = hash_name(t->v[idx].pattern) & (t->nslots - 1);
	    t->slots[i] != 0; i = (i + 1) & (t->nslots - 1))
		;
	t->slots[i] = idx + 1;
}

/* table_add - append an entry and index it, keeping the hash half empty */
static void
table_add(struct table *t, const struct table_entry *e)
{
	size_t i;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = *e;
	if (t->n * 2 > t->nslots) {
		free(t->slots);
		t->nslots = t->nslots ? t->nslots * 2 : 32;
		while (t->n * 2 > t->nslots)
			t->nslots *= 2;
		t->slots = xcalloc(t->nslots, sizeof(*t->slots));
		for (i = 0; i < t->n; i++)
			slot_insert(t, i);
	} else
		slot_insert(t, t->n - 1);
}

/* entry_free - release what an entry owns */
static void
entry_free(struct table_entry *e)
{
	size_t i;

	for (i = 0; i < e->nsign; i++) {
		free(e->sign[i].selector);
		free(e->sign[i].keyfile);
		signkey_free(e->sign[i].key);
	}
	free(e->sign);
	free(e->tls_min);
	free(e->pattern);
}

/* normalize_pattern - check a pattern and make its lookup key */
static char *
normalize_pattern(const char *tok)
{
	size_t len = strlen(tok), skip = 0;
	char *key;

	if (strcmp(tok, "*") == 0)
		return xstrdup("*");
	if (tok[0] == '.')
		skip = 1;
	if (len > skip + 1 && tok[len - 1] == '.')
		len--;
	if (!name_valid(tok + skip, len - skip))
		return NULL;
	key = xstrndup(tok, len);
	str_lower(key);
	return key;
}

/* parse_yesno - a yes/no option value into *out */
static int
parse_yesno(struct load_ctx *lc, const char *opt, const char *val, int *out)
{
	if (str_parse_bool(val, out) == 0)
		return 0;
	load_error(lc, "%s: expected yes or no, got '%s'", opt, val);
	return -1;
}

/* parse_choice - one of two words: 0 for first, 1 for second */
static int
parse_choice(struct load_ctx *lc, const char *opt, const char *val,
    const char *first, const char *second, int *out)
{
	if (str_caseeq(val, first))
		*out = 0;
	else if (str_caseeq(val, second))
		*out = 1;
	else {
		load_error(lc, "%s: expected %s or %s, got '%s'", opt, first,
		    second, val);
		return -1;
	}
	return 0;
}

/* parse_dmarc - enforce, monitor or no-reject */
static int
parse_dmarc(struct load_ctx *lc, const char *val, enum dmarc_local *out)
{
	if (str_caseeq(val, "enforce"))
		*out = DMARC_LOCAL_ENFORCE;
	else if (str_caseeq(val, "monitor"))
		*out = DMARC_LOCAL_MONITOR;
	else if (str_caseeq(val, "no-reject"))
		*out = DMARC_LOCAL_NO_REJECT;
	else {
		load_error(lc, "dmarc: expected enforce, monitor or no-reject, "
		    "got '%s'", val);
		return -1;
	}
	return 0;
}

/* parse_tls - optional or require */
static int
parse_tls(struct load_ctx *lc, const char *val, int *out)
{
	return parse_choice(lc, "tls", val, "optional", "require", out);
}

/* parse_tls_min - a TLS version the outbound policy can name too */
static int
parse_tls_min(struct load_ctx *lc, const char *val, struct table_entry *e)
{
	const char *name = tls_version_policy_name(val);

	if (name == NULL) {
		load_error(lc, "tls-min: expected TLSv1, TLSv1.1, TLSv1.2 or "
		    "TLSv1.3, got '%s'", val);
		return -1;
	}
	e->tls_min = xstrdup(name);	/* as Postfix spells it */
	e->tls_min_rank = tls_version_rank(name);
	return 0;
}

/* parse_sign - SEL:KEYFILE[,SEL:KEYFILE...] or "none" into e */
static int
parse_sign(struct load_ctx *lc, const char *val, struct table_entry *e)
{
	const char *item, *end, *colon;
	size_t i, n, bad = 0;
	struct sign_key k;

	if (str_caseeq(val, "none"))
		return 0;
	for (item = val;; item = end + 1) {
		end = strchr(item, ',');
		n = end ? (size_t)(end - item) : strlen(item);
		colon = memchr(item, ':', n);
		if (n == 0) {
			load_error(lc, "sign: empty key in list '%s'", val);
			bad++;
		} else if (colon == NULL) {
			load_error(lc, "sign: expected SELECTOR:KEYFILE, "
			    "got '%.*s'", (int)n, item);
			bad++;
		} else if (!name_valid(item, (size_t)(colon - item))) {
			load_error(lc, "sign: bad selector '%.*s' (expected "
			    "DNS labels: letters, digits, '-', '_')",
			    (int)(colon - item), item);
			bad++;
		} else if (colon[1] != '/') {
			load_error(lc, "sign: key file must be an absolute "
			    "path, got '%.*s'", (int)(n - (size_t)(colon -
			    item) - 1), colon + 1);
			bad++;
		} else {
			k.key = NULL;
			k.selector = xstrndup(item, (size_t)(colon - item));
			k.keyfile = xstrndup(colon + 1,
			    n - (size_t)(colon - item) - 1);
			for (i = 0; i < e->nsign; i++)
				if (str_caseeq(e->sign[i].selector,
				    k.selector))
					break;
			if (i < e->nsign) {
				load_error(lc, "sign: selector '%s' listed "
				    "twice", k.selector);
				free(k.selector);
				free(k.keyfile);
				bad++;
			} else {
				e->sign = xrealloc(e->sign, (e->nsign + 1) *
				    sizeof(*e->sign));
				e->sign[e->nsign++] = k;
			}
		}
		if (end == NULL)
			break;
	}
	return bad ? -1 : 0;
}

/* parse_option - one option=value token into e */
static void
parse_option(struct load_ctx *lc, const char *tok, struct table_entry *e)
{
	static const struct {
		const char	*name;
		unsigned	 bit;
	} options[] = {
		{ "checks", OPT_CHECKS }, { "spf", OPT_SPF },
		{ "spf-helo", OPT_SPF_HELO }, { "spf-fail", OPT_SPF_FAIL },
		{ "spf-temperror", OPT_SPF_TEMPERROR }, { "sign", OPT_SIGN },
		{ "dmarc", OPT_DMARC }, { "dmarc-reject", OPT_DMARC_REJECT },
		{ "tls", OPT_TLS }, { "tls-min", OPT_TLS_MIN },
	};
	const char *eq = strchr(tok, '='), *val;
	char *name;
	size_t i;
	int r, v = 0;

	if (eq == NULL || eq == tok) {
		load_error(lc, "expected option=value, got '%s'", tok);
		return;
	}
	name = xstrndup(tok, (size_t)(eq - tok));
	val = eq + 1;
	for (i = 0; i < ARRAY_SIZE(options); i++)
		if (str_caseeq(name, options[i].name))
			break;
	if (i == ARRAY_SIZE(options)) {
		load_error(lc, "unknown option '%s'", name);
		free(name);
		return;
	}
	free(name);
	name = NULL;
	if (e->set & options[i].bit) {
		load_error(lc, "%s: option given twice", options[i].name);
		return;
	}
	if (*val == '\0') {
		load_error(lc, "%s: missing value", options[i].name);
		return;
	}
	switch (options[i].bit) {
	case OPT_CHECKS:
		r = parse_yesno(lc, "checks", val, &e->checks);
		break;
	case OPT_SPF:
		r = parse_yesno(lc, "spf", val, &e->spf);
		break;
	case OPT_SPF_HELO:
		r = parse_yesno(lc, "spf-helo", val, &e->spf_helo);
		break;
	case OPT_SPF_FAIL:
		r = parse_choice(lc, "spf-fail", val, "accept", "reject", &v);
		e->spf_fail = v ? SPF_FAIL_REJECT : SPF_FAIL_ACCEPT;
		break;
	case OPT_SPF_TEMPERROR:
		r = parse_choice(lc, "spf-temperror", val, "accept",
		    "tempfail", &v);
		e->spf_temperror = v ? TEMPERROR_TEMPFAIL : TEMPERROR_ACCEPT;
		break;
	case OPT_DMARC:
		r = parse_dmarc(lc, val, &e->dmarc);
		break;
	case OPT_DMARC_REJECT:
		r = parse_yesno(lc, "dmarc-reject", val, &e->dmarc_reject);
		break;
	case OPT_TLS:
		r = parse_tls(lc, val, &e->tls_require);
		break;
	case OPT_TLS_MIN:
		r = parse_tls_min(lc, val, e);
		break;
	default:
		r = parse_sign(lc, val, e);
		break;
	}
	if (r == 0)
		e->set |= options[i].bit;
}

/* next_token - split off the next blank-separated word, or NULL */
static char *
next_token(char **cursor)
{
	char *p = *cursor, *start;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0') {
		*cursor = p;
		return NULL;
	}
	start = p;
	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	if (*p != '\0')
		*p++ = '\0';
	*cursor = p;
	return start;
}

/* parse_line - one table line (comment already removed) into t */
static void
parse_line(struct load_ctx *lc, struct table *t, char *line)
{
	struct table_entry e;
	const struct table_entry *first;
	char *cursor = line, *tok, *pat;

	if ((pat = next_token(&cursor)) == NULL)
		return;
	memset(&e, 0, sizeof(e));
	e.line = lc->line;
	if ((e.pattern = normalize_pattern(pat)) == NULL) {
		if (pat[0] == '*' && pat[1] == '.')
			load_error(lc, "bad domain pattern '%s' (write '%s' "
			    "for the subdomains of %s)", pat, pat + 1,
			    pat + 2);
		else
			load_error(lc, "bad domain pattern '%s'", pat);
	} else if ((first = table_find(t, e.pattern)) != NULL) {
		load_error(lc, "duplicate pattern '%s' (first on line %u)",
		    pat, first->line);
		free(e.pattern);
		e.pattern = NULL;
	}
	while ((tok = next_token(&cursor)) != NULL)
		parse_option(lc, tok, &e);
	/* a minimum version is a requirement: tls-min implies tls=require */
	if ((e.set & OPT_TLS_MIN) && (e.set & OPT_TLS) && !e.tls_require)
		load_error(lc, "tls-min: needs TLS, but tls=optional is given");
	else if (e.set & OPT_TLS_MIN) {
		e.tls_require = 1;
		e.set |= OPT_TLS;
	}
	if (e.tls_require)
		t->any_tls = 1;
	/* kept even after errors, so later duplicates are still found */
	if (e.pattern != NULL)
		table_add(t, &e);
	else
		entry_free(&e);
}

/* table_load - read and validate a table file */
struct table *
table_load(const char *path, struct strbuf *errors)
{
	struct load_ctx lc;
	struct strbuf scratch;
	struct table *t;
	char *line = NULL, *hash;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;

	sb_init(&scratch);
	lc.path = path;
	lc.line = 0;
	lc.errors = errors ? errors : &scratch;
	lc.nerrors = 0;
	if ((fp = fopen(path, "r")) == NULL) {
		load_error(&lc, "cannot open: %s", strerror(errno));
		sb_free(&scratch);
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	while ((n = getline(&line, &cap, fp)) != -1) {
		lc.line++;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		parse_line(&lc, t, str_trim(line));
	}
	if (ferror(fp)) {
		lc.line = 0;
		load_error(&lc, "read error: %s", strerror(errno));
	}
	free(line);
	fclose(fp);
	sb_free(&scratch);
	if (lc.nerrors > 0) {
		table_free(t);
		return NULL;
	}
	return t;
}

/* policy_apply - take from e each option that no more specific entry set */
static void
policy_apply(const struct table_entry *e, unsigned *have,
    struct domain_policy *out)
{
	unsigned take = e->set & ~*have, implied = 0;

	if (out->matched == NULL)
		out->matched = e->pattern;
	if (take & OPT_CHECKS) {
		out->checks = e->checks;
		/* checks=no: DMARC failures of the domain are only recorded */
		if (!e->checks && !(take & OPT_DMARC) && !(*have & OPT_DMARC)) {
			out->dmarc = DMARC_LOCAL_MONITOR;
			implied = OPT_DMARC;
		}
	}
	if (take & OPT_SPF)
		out->spf = e->spf;
	if (take & OPT_SPF_HELO)
		out->spf_helo = e->spf_helo;
	if (take & OPT_SPF_FAIL)
		out->spf_fail = e->spf_fail;
	if (take & OPT_SPF_TEMPERROR)
		out->spf_temperror = e->spf_temperror;
	if (take & OPT_SIGN) {
		out->sign = e->nsign ? e->sign : NULL;
		out->nsign = e->nsign;
	}
	if (take & OPT_DMARC)
		out->dmarc = e->dmarc;
	if (take & OPT_DMARC_REJECT)
		out->dmarc_reject = e->dmarc_reject;
	if (take & OPT_TLS)
		out->tls_require = e->tls_require;
	if (take & OPT_TLS_MIN) {
		out->tls_min = e->tls_min;
		out->tls_min_rank = e->tls_min_rank;
	}
	*have |= e->set | implied;
}

/* policy_defaults - the built-in value of every option */
static void
policy_defaults(struct domain_policy *out)
{
	out->matched = NULL;
	out->checks = 1;
	out->spf = 1;
	out->spf_helo = 1;
	out->spf_fail = SPF_FAIL_ACCEPT;
	out->spf_temperror = TEMPERROR_ACCEPT;
	out->sign = NULL;
	out->nsign = 0;
	out->dmarc = DMARC_LOCAL_ENFORCE;
	out->dmarc_reject = 1;
	out->tls_require = 0;
	out->tls_min = NULL;
	out->tls_min_rank = -1;
}

/*
 * resolve - apply the entries for key (".name", lowercase) from
 * key + start on: start 1 tries the exact name first, start 0 only the
 * ".parent" patterns, from key itself up; then "*"
 */
static void
resolve(const struct table *t, const char *key, size_t start,
    struct domain_policy *out)
{
	const struct table_entry *e;
	unsigned have = 0;
	size_t i;

	if (start == 1 && (e = table_find(t, key + 1)) != NULL)
		policy_apply(e, &have, out);
	for (i = start; key[i] != '\0'; i++)
		if (key[i] == '.' && (e = table_find(t, key + i)) != NULL)
			policy_apply(e, &have, out);
	if ((e = table_find(t, "*")) != NULL)
		policy_apply(e, &have, out);
}

/* table_lookup - resolve every option for one domain */
void
table_lookup(const struct table *t, const char *domain,
    struct domain_policy *out)
{
	char key[1 + DOMAIN_MAX + 2];	/* ".", the name, final dot, NUL */
	size_t len;

	policy_defaults(out);
	if (t == NULL)
		return;

	len = domain ? strnlen(domain, DOMAIN_MAX + 2) : 0;
	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len > 0 && name_valid(domain, len)) {
		key[0] = '.';
		memcpy(key + 1, domain, len);
		key[len + 1] = '\0';
		str_lower(key);
		/* the domain itself, then ".parent" from longest to shortest */
		resolve(t, key, 1, out);
	} else {
		resolve(t, "", 0, out);		/* "*" only */
	}
}

/* table_size - the number of entries */
size_t
table_size(const struct table *t)
{
	return t != NULL ? t->n : 0;
}

/* resolve_pattern - what a normalized pattern's entry resolves to */
static void
resolve_pattern(const struct table *t, const char *pat,
    struct domain_policy *out)
{
	policy_defaults(out);
	if (strcmp(pat, "*") == 0)
		resolve(t, "", 0, out);
	else if (pat[0] == '.')
		resolve(t, pat, 0, out);	/* from the entry up */
	else
		table_lookup(t, pat, out);
}

/* table_entry_lookup - the pattern of entry i, and what it resolves to */
const char *
table_entry_lookup(const struct table *t, size_t i, struct domain_policy *out)
{
	resolve_pattern(t, t->v[i].pattern, out);
	return t->v[i].pattern;
}

/* table_pattern_lookup - like table_entry_lookup() for a pattern */
int
table_pattern_lookup(const struct table *t, const char *pattern,
    struct domain_policy *out)
{
	char *key;
	int found;

	if (t == NULL || (key = normalize_pattern(pattern)) == NULL)
		return 0;
	if ((found = table_find(t, key) != NULL))
		resolve_pattern(t, key, out);
	free(key);
	return found;
}

/* table_requires_tls - whether some entry sets tls=require */
int
table_requires_tls(const struct table *t)
{
	return t != NULL && t->any_tls;
}

/* table_load_keys - load every signing key the table names */
int
table_load_keys(struct table *t, const char *path, int require_safe,
    struct strbuf *errors)
{
	struct load_ctx lc;
	struct strbuf err;
	struct sign_key *k;
	size_t i, j;

	if (t == NULL)
		return 0;
	memset(&lc, 0, sizeof(lc));
	lc.path = path;
	lc.errors = errors;
	sb_init(&err);
	for (i = 0; i < t->n; i++) {
		lc.line = t->v[i].line;
		for (j = 0; j < t->v[i].nsign; j++) {
			k = &t->v[i].sign[j];
			if (k->key != NULL)
				continue;
			sb_truncate(&err, 0);
			k->key = signkey_load(k->selector, k->keyfile,
			    require_safe, &err);
			if (k->key == NULL)
				load_error(&lc, "sign: %s",
				    str_trim(err.s));
		}
	}
	sb_free(&err);
	return lc.nerrors > 0 ? -1 : 0;
}

/* table_refuses_dmarc_reject - whether some entry sets dmarc-reject=no */
int
table_refuses_dmarc_reject(const struct table *t)
{
	size_t i;

	for (i = 0; t != NULL && i < t->n; i++)
		if ((t->v[i].set & OPT_DMARC_REJECT) && !t->v[i].dmarc_reject)
			return 1;
	return 0;
}

/* table_free - release a table and everything it owns */
void
table_free(struct table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		entry_free(&t->v[i]);
	free(t->v);
	free(t->slots);
	free(t);
}
