/*
 * migrate_opendkim.c - authmilter-migrate: an OpenDKIM configuration
 * into authmilter.conf settings, and its KeyTable and SigningTable (or
 * Domain, Selector and KeyFile) into sign= entries of the domains
 * table.  The contract is in migrate.h.
 *
 * A signing rule is carried over only when authmilter makes the very
 * same signature (d= and s=): authmilter signs with d= the From
 * domain, looked up by domain pattern (example.com, .example.com, *),
 * the most specific entry winning.  A rule that cannot be carried over
 * is warned about, and where it covered a domain pattern that pattern
 * gets sign=none, so that authmilter never signs where OpenDKIM signed
 * otherwise.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "cidr.h"
#include "signkey.h"
#include "migrate.h"

#define DOMAIN_MAX	253

enum pat_kind {
	PAT_NONE,		/* no domain pattern */
	PAT_EXACT,		/* example.com */
	PAT_SUB,		/* .example.com */
	PAT_ALL			/* * */
};

struct pat {
	enum pat_kind	kind;
	char		dom[DOMAIN_MAX + 1];
};

/* one SigningTable rule that maps to a domain pattern */
struct rule {
	struct pat	 pat;
	const struct mig_elem *elem;
	char		*selector;	/* NULL: not carried over */
	char		*keyfile;
};

struct dkim_ctx {
	struct migrate		*m;
	const struct mig_conf	*c;
	char			*basedir;	/* BaseDirectory, or NULL */
	int			 require_safe;
	unsigned long		 min_bits;	/* MinimumKeyBits */
};

/* name_ok - labels of letters, digits, '-' and '_', as the table wants */
static int
name_ok(const char *s)
{
	size_t label = 0, len = strlen(s);

	if (len == 0 || len > DOMAIN_MAX)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (ascii_isalnum((unsigned char)*s) || *s == '-' ||
		    *s == '_') {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return label > 0;
}

/* pat_text - the table's spelling of a pattern */
static void
pat_text(const struct pat *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", p->kind == PAT_SUB ? "." : "",
	    p->kind == PAT_ALL ? "*" : p->dom);
}

/* pat_set - kind and domain; 0, or -1 when dom is not a domain name */
static int
pat_set(struct pat *p, enum pat_kind kind, const char *dom)
{
	p->kind = kind;
	p->dom[0] = '\0';
	if (kind == PAT_ALL)
		return 0;
	if (!name_ok(dom))
		return -1;
	snprintf(p->dom, sizeof(p->dom), "%s", dom);
	str_lower(p->dom);
	return 0;
}

/* map_pattern - a SigningTable key as a domain pattern; why on failure */
static int
map_pattern(const char *key, int refile, struct pat *p, const char **why)
{
	const char *at = strchr(key, '@'), *rest;

	p->kind = PAT_NONE;
	*why = "a wildcard that authmilter's domain patterns (example.com, "
	    ".example.com, *) cannot express";
	if (strcmp(key, "*") == 0 || (refile && strcmp(key, "*@*") == 0))
		return pat_set(p, PAT_ALL, NULL);
	if (!refile) {
		if (at != NULL) {
			*why = "a rule for particular addresses: "
			    "authmilter signs per domain";
			return -1;
		}
		*why = "not a domain name";
		if (key[0] == '.')
			return pat_set(p, PAT_SUB, key + 1);
		return pat_set(p, PAT_EXACT, key);
	}
	if (strncmp(key, "*@", 2) == 0)
		rest = key + 2;
	else if (strncmp(key, "*.", 2) == 0 && at == NULL)
		rest = key + 1;
	else {
		if (at != NULL && strchr(key, '*') == NULL)
			*why = "a rule for particular addresses: "
			    "authmilter signs per domain";
		else if (at == NULL && strchr(key, '*') == NULL)
			*why = "a pattern without '@' that no address matches";
		return -1;
	}
	if (strncmp(rest, "*.", 2) == 0 && strchr(rest + 2, '*') == NULL &&
	    strchr(rest + 2, '@') == NULL)
		return pat_set(p, PAT_SUB, rest + 2);
	if (rest[0] == '.' && strchr(rest + 1, '*') == NULL &&
	    strchr(rest + 1, '@') == NULL)
		return pat_set(p, PAT_SUB, rest + 1);
	if (strchr(rest, '*') != NULL || strchr(rest, '@') != NULL)
		return -1;
	*why = "not a domain name";
	return pat_set(p, PAT_EXACT, rest);
}

/* specificity - OpenDKIM's lookup order: exact, longest .parent, * */
static size_t
specificity(const struct pat *p)
{
	if (p->kind == PAT_EXACT)
		return 2 * DOMAIN_MAX + 2;
	if (p->kind == PAT_SUB)
		return strlen(p->dom) + 1;
	return 0;
}

/* split_fields - value split at blanks and ':' into at most max fields */
static size_t
split_fields(char *value, char **f, size_t max)
{
	size_t n = 0;
	char *p = value;

	while (n < max && p != NULL) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		f[n++] = p;
		if (n == max)
			break;
		p += strcspn(p, " \t:");
		if (*p == '\0')
			break;
		*p++ = '\0';
	}
	return n;
}

/* table_safe - can the table name this file (no blank, '#' or ',')? */
static int
table_safe(struct dkim_ctx *x, const char *path, const char *file,
    unsigned line, const char *keyword)
{
	if (strpbrk(path, " \t#,") == NULL)
		return 0;
	mig_warn(x->m, file, line, keyword, "key file %s: the table cannot "
	    "name a file with a blank, '#' or ',' in its name: not carried "
	    "over; rename it and run again", path);
	return -1;
}

/* key_usable - a key authmilter can load, and OpenDKIM signed with */
static int
key_usable(struct dkim_ctx *x, const char *path, const char *file,
    unsigned line, const char *keyword)
{
	struct strbuf err;
	struct signkey *k;
	int rc = 0;

	sb_init(&err);
	if ((k = signkey_load("migrate", path, 0, &err)) == NULL) {
		if (err.len > 0 && err.s[err.len - 1] == '\n')
			sb_truncate(&err, err.len - 1);
		mig_warn(x->m, file, line, keyword, "%s: not carried over",
		    err.s);
		rc = -1;
	} else if (k->type == SIGNKEY_RSA && k->bits < x->min_bits) {
		mig_warn(x->m, file, line, keyword, "key file %s holds a "
		    "%u-bit RSA key, under MinimumKeyBits %lu: OpenDKIM "
		    "refused to sign with it, so it is not carried over; "
		    "make a larger key (authmilter-keygen)", path, k->bits,
		    x->min_bits);
		rc = -1;
	}
	signkey_free(k);
	sb_free(&err);
	return rc;
}

/* key_file_check - warn about a key file authmilter would refuse */
static int
key_file_check(struct dkim_ctx *x, const char *path, const char *file,
    unsigned line, const char *keyword)
{
	struct stat st;
	struct passwd *pw;

	if (table_safe(x, path, file, line, keyword) == -1)
		return -1;
	if (stat(path, &st) == -1) {
		mig_warn(x->m, file, line, keyword, "key file %s: %s: not "
		    "carried over; make the key readable and run again", path,
		    strerror(errno));
		return -1;
	}
	if (x->require_safe && (st.st_mode & 077) != 0)
		mig_warn(x->m, file, line, keyword, "key file %s has mode "
		    "%04o: authmilter refuses a key that group or others "
		    "may use (RequireSafeKeys); chmod 600 it", path,
		    (unsigned)st.st_mode & 07777);
	if (x->require_safe && st.st_uid != 0 && st.st_uid != geteuid()) {
		pw = getpwuid(st.st_uid);
		mig_warn(x->m, file, line, keyword, "key file %s is owned "
		    "by %s: authmilter refuses a key owned by another user "
		    "than root or its own (RequireSafeKeys); chown it", path,
		    pw ? pw->pw_name : "another user");
	}
	return key_usable(x, path, file, line, keyword);
}

/* key_path - a KeyTable key file for pattern p (malloc'd), or NULL */
static char *
key_path(struct dkim_ctx *x, const char *kf, const struct pat *p,
    const char *keyname, const struct mig_elem *ke)
{
	struct strbuf sb;
	const char *s;

	if (kf[0] != '/' && strncmp(kf, "./", 2) != 0 &&
	    strncmp(kf, "../", 3) != 0) {
		mig_warn(x->m, ke->file, ke->line, NULL, "key %s holds the "
		    "private key itself: authmilter reads keys from files; "
		    "save it to a file (mode 0600), name the file in the "
		    "KeyTable and run again", keyname);
		return NULL;
	}
	if (kf[0] != '/' && x->basedir == NULL) {
		mig_warn(x->m, ke->file, ke->line, NULL, "key %s: relative "
		    "key file %s depends on OpenDKIM's working directory: "
		    "give its absolute path and run again", keyname, kf);
		return NULL;
	}
	if (strchr(kf, '%') != NULL && p->kind != PAT_EXACT) {
		mig_warn(x->m, ke->file, ke->line, NULL, "key %s: key file %s "
		    "depends on the sender's domain, which a wildcard rule "
		    "does not fix: write one rule per domain and run again",
		    keyname, kf);
		return NULL;
	}
	sb_init(&sb);
	if (kf[0] != '/')
		sb_printf(&sb, "%s/", x->basedir);
	for (s = kf; *s != '\0'; s++)
		if (*s == '%')
			sb_puts(&sb, p->dom);
		else
			sb_putc(&sb, *s);
	return sb_detach(&sb);
}

/* find_key - the KeyTable element of a key name, or NULL */
static const struct mig_elem *
find_key(const struct mig_dataset *kt, const struct mig_index *kix,
    const char *name)
{
	long i = mig_index_get(kix, name);

	return i == -1 ? NULL : &kt->v[i];
}

/* resolve_rule - the selector and key file of one rule, or a warning */
static void
resolve_rule(struct dkim_ctx *x, const struct mig_dataset *kt,
    const struct mig_index *kix, struct rule *r)
{
	const struct mig_elem *e = r->elem, *ke;
	char *val, *f[3], *kv, *kf[3], pt[DOMAIN_MAX + 2];
	const char *keyname;
	size_t n;

	pat_text(&r->pat, pt, sizeof(pt));
	val = xstrdup(e->value ? e->value : "");
	if ((n = split_fields(val, f, 3)) == 0) {
		mig_warn(x->m, e->file, e->line, NULL, "%s: no key name: "
		    "not carried over", e->key);
		free(val);
		return;
	}
	keyname = f[0];
	if (n > 1)
		mig_warn(x->m, e->file, e->line, NULL, "%s: the signer %s "
		    "(i=) is not carried over: authmilter's signatures have "
		    "no i=, which verifiers take as @%s", e->key, f[1],
		    r->pat.kind == PAT_EXACT ? r->pat.dom : "the d= domain");
	if (strcmp(keyname, "%") == 0) {
		if (r->pat.kind != PAT_EXACT) {
			mig_warn(x->m, e->file, e->line, NULL, "%s: the key "
			    "name %% (the sender's domain) needs one key per "
			    "domain: write one rule per domain and run again",
			    e->key);
			goto out;
		}
		keyname = r->pat.dom;
	}
	if ((ke = find_key(kt, kix, keyname)) == NULL || ke->value == NULL) {
		mig_warn(x->m, e->file, e->line, NULL, "%s: key %s is not in "
		    "the KeyTable: not carried over", e->key, keyname);
		goto out;
	}
	kv = xstrdup(ke->value);
	/* domain:selector:keyfile, the key file may hold ':' */
	kf[0] = kv;
	kf[1] = strchr(kv, ':');
	kf[2] = kf[1] ? strchr(kf[1] + 1, ':') : NULL;
	if (kf[1] == NULL || kf[2] == NULL || kf[1] == kf[0] ||
	    kf[2] == kf[1] + 1 || kf[2][1] == '\0') {
		mig_warn(x->m, ke->file, ke->line, NULL, "key %s: expected "
		    "DOMAIN:SELECTOR:KEYFILE, got '%s': not carried over",
		    keyname, ke->value);
		free(kv);
		goto out;
	}
	*kf[1]++ = '\0';
	*kf[2]++ = '\0';
	if (strcmp(kf[0], "%") != 0 && (r->pat.kind != PAT_EXACT ||
	    strcasecmp(kf[0], r->pat.dom) != 0)) {
		mig_warn(x->m, e->file, e->line, NULL, "%s: key %s signs "
		    "with d=%s, but authmilter signs with d= the From "
		    "domain%s%s: not carried over; publish a key for each "
		    "From domain and give it a sign= in the table", e->key,
		    keyname, kf[0], r->pat.kind == PAT_EXACT ? ", " : "",
		    r->pat.kind == PAT_EXACT ? r->pat.dom : "");
		free(kv);
		goto out;
	}
	if (!name_ok(kf[1])) {
		mig_warn(x->m, ke->file, ke->line, NULL, "key %s: bad "
		    "selector '%s': not carried over", keyname, kf[1]);
		free(kv);
		goto out;
	}
	r->keyfile = key_path(x, kf[2], &r->pat, keyname, ke);
	if (r->keyfile != NULL && key_file_check(x, r->keyfile, ke->file,
	    ke->line, NULL) == 0)
		r->selector = xstrdup(kf[1]);
	free(kv);
out:
	free(val);
}

/* the rules of a SigningTable, indexed by their pattern */
struct rules {
	struct rule		*v;
	size_t			 n;
	size_t			*next;		/* next rule of the same pattern */
	struct mig_index	 ix;		/* pattern text to first rule */
};

/* rules_add - one more rule; the new one */
static struct rule *
rules_add(struct rules *rs, const struct pat *p, const struct mig_elem *e)
{
	char pt[DOMAIN_MAX + 2];
	struct rule *r;
	long first;
	size_t i;

	rs->v = xrealloc(rs->v, (rs->n + 1) * sizeof(*rs->v));
	rs->next = xrealloc(rs->next, (rs->n + 1) * sizeof(*rs->next));
	r = &rs->v[rs->n];
	memset(r, 0, sizeof(*r));
	r->pat = *p;
	r->elem = e;
	rs->next[rs->n] = (size_t)-1;
	pat_text(p, pt, sizeof(pt));
	if ((first = mig_index_get(&rs->ix, pt)) == -1)
		mig_index_put(&rs->ix, pt, rs->n);
	else {
		for (i = (size_t)first; rs->next[i] != (size_t)-1;
		    i = rs->next[i])
			;
		rs->next[i] = rs->n;
	}
	rs->n++;
	return r;
}

/* rules_free - the rules and what they hold */
static void
rules_free(struct rules *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].selector);
		free(rs->v[i].keyfile);
	}
	free(rs->v);
	free(rs->next);
	mig_index_free(&rs->ix);
}

/* add_pattern - the rules of one pattern text into out */
static size_t
add_pattern(const struct rules *rs, const char *pt, size_t *out, size_t k)
{
	long i = mig_index_get(&rs->ix, pt);
	size_t j;

	if (i == -1)
		return k;
	for (j = (size_t)i; j != (size_t)-1; j = rs->next[j])
		out[k++] = j;
	return k;
}

/* by_index - qsort: rule numbers in file order */
static int
by_index(const void *a, const void *b)
{
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;

	return ia < ib ? -1 : ia > ib;
}

/* covering - the rules whose pattern covers p, in file order; their
 * count (out has room for every rule) */
static size_t
covering(const struct rules *rs, const struct pat *p, size_t *out)
{
	char pt[DOMAIN_MAX + 2];
	const char *d;
	size_t k = 0;

	k = add_pattern(rs, "*", out, k);
	if (p->kind != PAT_ALL) {
		pat_text(p, pt, sizeof(pt));
		k = add_pattern(rs, pt, out, k);
		for (d = strchr(p->dom, '.'); d != NULL;
		    d = strchr(d + 1, '.')) {
			snprintf(pt, sizeof(pt), "%s", d);
			k = add_pattern(rs, pt, out, k);
		}
	}
	qsort(out, k, sizeof(*out), by_index);
	return k;
}

/* emit_single - first match wins: one entry a pattern */
static void
emit_single(struct dkim_ctx *x, struct rules *rs)
{
	struct mig_entry *e;
	char pt[DOMAIN_MAX + 2];
	struct rule *r;
	size_t i;

	for (i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		pat_text(&r->pat, pt, sizeof(pt));
		e = mig_entry(x->m, pt, r->elem->file, r->elem->line);
		if (r->selector != NULL)
			mig_entry_add_key(x->m, e, r->selector, r->keyfile,
			    r->elem->file, r->elem->line);
		else
			e->sign_none = 1;
	}
}

/* by_specificity - qsort: the most specific rule first, else in order */
static int
by_specificity(const void *a, const void *b)
{
	const struct rule *const *ra = a, *const *rb = b;
	size_t sa = specificity(&(*ra)->pat), sb = specificity(&(*rb)->pat);

	if (sa != sb)
		return sa > sb ? -1 : 1;
	return *ra < *rb ? -1 : *ra > *rb;
}

/* emit_multiple - MultipleSignatures: every matching rule signs */
static void
emit_multiple(struct dkim_ctx *x, struct rules *rs, int refile)
{
	struct mig_entry *e;
	struct rule **match = xcalloc(rs->n ? rs->n : 1, sizeof(*match));
	size_t *idx = xcalloc(rs->n ? rs->n : 1, sizeof(*idx));
	char pt[DOMAIN_MAX + 2];
	size_t i, j, k;

	for (i = 0; i < rs->n; i++) {
		pat_text(&rs->v[i].pat, pt, sizeof(pt));
		e = mig_entry(x->m, pt, rs->v[i].elem->file,
		    rs->v[i].elem->line);
		if (e->nkeys > 0 || e->sign_none)
			continue;	/* the pattern's keys are in already */
		k = covering(rs, &rs->v[i].pat, idx);
		for (j = 0; j < k; j++)
			match[j] = &rs->v[idx[j]];
		/* refile: in file order; else OpenDKIM's lookup order */
		if (!refile)
			qsort(match, k, sizeof(*match), by_specificity);
		for (j = 0; j < k; j++)
			if (match[j]->selector != NULL)
				mig_entry_add_key(x->m, e, match[j]->selector,
				    match[j]->keyfile, match[j]->elem->file,
				    match[j]->elem->line);
		if (e->nkeys == 0)
			e->sign_none = 1;
	}
	free(match);
	free(idx);
}

/* key_index - KeyTable names to their first element */
static void
key_index(const struct mig_dataset *kt, struct mig_index *ix)
{
	size_t i;

	for (i = 0; i < kt->n; i++)
		mig_index_put(ix, kt->v[i].key, i);
}

/* signing_tables - KeyTable and SigningTable into sign= entries */
static void
signing_tables(struct dkim_ctx *x, const struct mig_setting *kts,
    const struct mig_setting *sts)
{
	struct mig_dataset kt, st;
	struct mig_index kix = { 0 };
	struct rules rs = { 0 };
	const struct mig_setting *ms;
	const struct rule *first;
	size_t *idx = NULL, k;
	char pt[DOMAIN_MAX + 2];
	const char *why;
	struct pat p;
	size_t i;
	long j;
	int multiple = 0;

	if ((ms = mig_conf_get(x->c, "MultipleSignatures")) != NULL &&
	    mig_bool(x->m, ms, &multiple) == -1)
		multiple = 0;
	if (mig_dataset(x->m, kts, x->basedir, &kt) == -1)
		return;
	if (mig_dataset(x->m, sts, x->basedir, &st) == -1) {
		mig_dataset_free(&kt);
		return;
	}
	key_index(&kt, &kix);
	idx = xcalloc(st.n ? st.n : 1, sizeof(*idx));
	for (i = 0; i < st.n; i++) {
		if (map_pattern(st.v[i].key, st.refile, &p, &why) == -1) {
			mig_warn(x->m, st.v[i].file, st.v[i].line, NULL, "%s: "
			    "%s: not carried over", st.v[i].key, why);
			continue;
		}
		first = NULL;
		if (!multiple && st.refile &&
		    (k = covering(&rs, &p, idx)) > 0)
			first = &rs.v[idx[0]];
		pat_text(&p, pt, sizeof(pt));
		if (!multiple && !st.refile &&
		    (j = mig_index_get(&rs.ix, pt)) != -1)
			first = &rs.v[j];
		if (first != NULL) {
			mig_warn(x->m, st.v[i].file, st.v[i].line, NULL, "%s: "
			    "never used by OpenDKIM (%s line %u matches "
			    "first): not carried over", st.v[i].key,
			    first->elem->file, first->elem->line);
			continue;
		}
		resolve_rule(x, &kt, &kix, rules_add(&rs, &p, &st.v[i]));
	}
	if (multiple)
		emit_multiple(x, &rs, st.refile);
	else
		emit_single(x, &rs);
	free(idx);
	rules_free(&rs);
	mig_index_free(&kix);
	mig_dataset_free(&kt);
	mig_dataset_free(&st);
}

/* single_key - Domain, Selector and KeyFile (no KeyTable) */
static void
single_key(struct dkim_ctx *x, const struct mig_setting *dom,
    const struct mig_setting *sel, const struct mig_setting *kf)
{
	struct mig_dataset ds;
	const struct mig_setting *sub;
	struct mig_entry *e;
	char *path;
	size_t i;
	int subdomains = 0;

	if (dom == NULL || sel == NULL || kf == NULL) {
		const struct mig_setting *s = dom ? dom : sel ? sel : kf;

		mig_warn(x->m, s->file, s->line, s->keyword, "signing needs "
		    "Domain, Selector and KeyFile together (OpenDKIM does "
		    "not start without them): not carried over");
		return;
	}
	if (!name_ok(sel->value)) {
		mig_warn(x->m, sel->file, sel->line, sel->keyword, "bad "
		    "selector '%s': not carried over", sel->value);
		return;
	}
	if (kf->value[0] != '/' && x->basedir == NULL) {
		mig_warn(x->m, kf->file, kf->line, kf->keyword, "relative key "
		    "file %s depends on OpenDKIM's working directory: give "
		    "its absolute path and run again", kf->value);
		return;
	}
	path = mig_path(x->basedir, kf->value);
	if (key_file_check(x, path, kf->file, kf->line, kf->keyword) == -1) {
		free(path);
		return;
	}
	if (mig_dataset(x->m, dom, x->basedir, &ds) == -1) {
		free(path);
		return;
	}
	if ((sub = mig_conf_get(x->c, "SubDomains")) != NULL &&
	    mig_bool(x->m, sub, &subdomains) == 0 && subdomains)
		mig_warn(x->m, sub->file, sub->line, sub->keyword, "OpenDKIM "
		    "signed the subdomains' mail with d= the listed domain; "
		    "authmilter signs with d= the From domain: not carried "
		    "over (publish a key under each subdomain and give it a "
		    ".DOMAIN sign= entry to sign them)");
	for (i = 0; i < ds.n; i++) {
		if (!name_ok(ds.v[i].key)) {
			mig_warn(x->m, ds.v[i].file, ds.v[i].line, NULL,
			    "Domain %s: not a domain name: not carried over",
			    ds.v[i].key);
			continue;
		}
		e = mig_entry(x->m, ds.v[i].key, ds.v[i].file, ds.v[i].line);
		mig_entry_add_key(x->m, e, sel->value, path, kf->file,
		    kf->line);
	}
	mig_dataset_free(&ds);
	free(path);
}

/* signing - whichever way the configuration gives its keys */
static void
signing(struct dkim_ctx *x)
{
	const struct mig_setting *kt = mig_conf_get(x->c, "KeyTable"),
	    *st = mig_conf_get(x->c, "SigningTable"),
	    *dom = mig_conf_get(x->c, "Domain"),
	    *sel = mig_conf_get(x->c, "Selector"),
	    *kf = mig_conf_get(x->c, "KeyFile"), *s;

	if (kt != NULL) {
		for (s = dom; s != NULL; s = s == dom ? sel : s == sel ? kf :
		    NULL)
			if (s != NULL)
				mig_warn(x->m, s->file, s->line, s->keyword,
				    "ignored by OpenDKIM beside a KeyTable: "
				    "not carried over");
		if (st == NULL)
			mig_warn(x->m, kt->file, kt->line, kt->keyword, "no "
			    "SigningTable says which key signs what: not "
			    "carried over");
		else
			signing_tables(x, kt, st);
		return;
	}
	if (st != NULL) {
		mig_warn(x->m, st->file, st->line, st->keyword, "no KeyTable "
		    "names the keys: not carried over");
		return;
	}
	if (dom != NULL || sel != NULL || kf != NULL)
		single_key(x, dom, sel, kf);
}

/* list_add - append an item to a ", " list unless it is there */
static void
list_add(struct strbuf *sb, const char *item)
{
	const char *p = sb->s;
	size_t len = strlen(item);

	while ((p = strstr(p, item)) != NULL) {
		if ((p == sb->s || p[-1] == ' ') && (p[len] == ',' ||
		    p[len] == '\0'))
			return;
		p += len;
	}
	if (sb->len > 0)
		sb_puts(sb, ", ");
	sb_puts(sb, item);
}

/* internal_hosts - InternalHosts: addresses and CIDRs only */
static void
internal_hosts(struct dkim_ctx *x, const struct mig_setting *s)
{
	struct mig_dataset ds;
	struct strbuf list;
	struct cidr c;
	char *item;
	size_t i, len;

	if (mig_dataset(x->m, s, x->basedir, &ds) == -1)
		return;
	sb_init(&list);
	for (i = 0; i < ds.n; i++) {
		item = ds.v[i].key;
		len = strlen(item);
		if (item[0] == '!') {
			mig_warn(x->m, ds.v[i].file, ds.v[i].line, s->keyword,
			    "the exception %s cannot be expressed: authmilter "
			    "has no exceptions; list the internal addresses "
			    "and networks without it", item);
			continue;
		}
		if (len > 2 && item[0] == '[' && item[len - 1] == ']') {
			item[len - 1] = '\0';
			item++;
		}
		if (cidr_parse(item, &c) == 0)
			list_add(&list, item);
		else if (strcasecmp(item, "localhost") == 0) {
			list_add(&list, "127.0.0.1");
			list_add(&list, "::1");
		} else
			mig_warn(x->m, ds.v[i].file, ds.v[i].line, s->keyword,
			    "the host name %s is not carried over: authmilter "
			    "matches client addresses only; add the host's "
			    "addresses", item);
	}
	mig_set(x->m, "InternalHosts", list.len ? list.s : "none", s);
	sb_free(&list);
	mig_dataset_free(&ds);
}

/* header_list - SignHeaders or OversignHeaders: names only */
static void
header_list(struct dkim_ctx *x, const struct mig_setting *s,
    const char *keyword)
{
	struct mig_dataset ds;
	struct strbuf list;
	size_t i;

	if (mig_dataset(x->m, s, x->basedir, &ds) == -1)
		return;
	sb_init(&list);
	for (i = 0; i < ds.n; i++) {
		if (strpbrk(ds.v[i].key, "*!:") != NULL) {
			mig_warn(x->m, ds.v[i].file, ds.v[i].line, s->keyword,
			    "'%s' is not carried over: authmilter takes a "
			    "list of header names, without '*' or '!'",
			    ds.v[i].key);
			continue;
		}
		list_add(&list, ds.v[i].key);
	}
	if (list.len > 0)
		mig_set(x->m, keyword, list.s, s);
	else if (strcasecmp(keyword, "OversignHeaders") == 0)
		mig_set(x->m, keyword, "none", s);
	sb_free(&list);
	mig_dataset_free(&ds);
}

/* mode - Mode: s signs, v verifies */
static void
mode(struct dkim_ctx *x, const struct mig_setting *s)
{
	if (strspn(s->value, "sv") != strlen(s->value)) {
		mig_warn(x->m, s->file, s->line, s->keyword, "'%s' is not a "
		    "mode (s, v or sv): not carried over", s->value);
		return;
	}
	if (strchr(s->value, 's') == NULL)
		mig_set(x->m, "DKIMSign", "no", s);
	if (strchr(s->value, 'v') == NULL)
		mig_set(x->m, "DKIMVerify", "no", s);
}

/* socket_spec - Socket, unless its port is not a number */
static void
socket_spec(struct dkim_ctx *x, const struct mig_setting *s)
{
	const char *v = s->value, *port = strchr(v, ':');

	if (port != NULL && strncasecmp(v, "inet", 4) == 0 &&
	    (strspn(port + 1, "0123456789") != strcspn(port + 1, "@") ||
	    strcspn(port + 1, "@") == 0)) {
		mig_warn(x->m, s->file, s->line, s->keyword, "'%s' has no "
		    "port number: not carried over (authmilter listens on "
		    "unix:/run/authmilter/authmilter.sock)", v);
		return;
	}
	mig_set(x->m, "Socket", v, s);
}

/* boolean - a Boolean keyword under the same name */
static void
boolean(struct dkim_ctx *x, const struct mig_setting *s, const char *kw)
{
	int v;

	if (mig_bool(x->m, s, &v) == 0)
		mig_set(x->m, kw, v ? "yes" : "no", s);
}

/* numeric - a number carried over when it lies in [lo, hi] */
static void
numeric(struct dkim_ctx *x, const struct mig_setting *s, const char *kw,
    unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s->value, &end, 10);
	if (errno != 0 || *end != '\0' || s->value[0] == '-' || v < lo ||
	    v > hi) {
		mig_warn(x->m, s->file, s->line, s->keyword, "'%s' is not "
		    "carried over: authmilter takes %lu to %lu", s->value,
		    lo, hi);
		return;
	}
	mig_set(x->m, kw, s->value, s);
}

/* settings OpenDKIM has and authmilter does without, and why */
static const struct {
	const char	*keyword;
	const char	*say;
} dkim_dropped[] = {
	{ "ExternalIgnoreList", "it only silences OpenDKIM's \"external "
	    "host tried to send mail as\" log lines, which authmilter does "
	    "not write: not needed" },
	{ "SyslogSuccess", "authmilter logs one line for every message at "
	    "LogLevel info: not needed" },
	{ "LogWhy", "authmilter's line for every message gives each result "
	    "and its reason (LogLevel info; debug says more): not needed" },
	{ "LogResults", "authmilter's line for every message gives each "
	    "result (LogLevel info): not needed" },
	{ "SyslogName", "authmilter logs as authmilter: not carried over" },
	{ "TrustAnchorFile", "authmilter does not validate DNSSEC itself: "
	    "point Nameservers at a validating resolver" },
	{ "Background", "run authmilter under systemd (or with -f): not "
	    "needed" },
	{ "AutoRestart", "let systemd restart authmilter (Restart=): not "
	    "carried over" },
	{ "AutoRestartRate", "let systemd restart authmilter: not carried "
	    "over" },
	{ "AutoRestartCount", "let systemd restart authmilter: not carried "
	    "over" },
	{ "ChangeRootDirectory", "authmilter does not chroot itself: use "
	    "the systemd unit's sandboxing (ProtectSystem=, ReadWritePaths=)" },
	{ "SoftwareHeader", "authmilter adds no header naming itself: not "
	    "carried over" },
	{ "AlwaysAddARHeader", "authmilter adds an Authentication-Results "
	    "header to all inbound mail: not needed" },
	{ "SendReports", "authmilter sends no DKIM failure reports (RFC "
	    "6651): not carried over" },
	{ "ReportAddress", "authmilter sends no DKIM failure reports: not "
	    "carried over" },
	{ "PeerList", "authmilter has no list of clients it skips: "
	    "InternalHosts are signed and not checked, TrustedForwarders' "
	    "DMARC failures are not acted on; not carried over" },
	{ "SenderHeaders", "authmilter signs for the From header's domain "
	    "only: not carried over" },
	{ "SignatureAlgorithm", "authmilter takes the algorithm from each "
	    "key file (RSA: rsa-sha256, Ed25519: ed25519-sha256): not "
	    "needed" },
	{ "UnprotectedKey", "authmilter does not validate DNSSEC: not "
	    "carried over" },
};

/* known keywords handled elsewhere in this file */
static const char *const dkim_tables[] = {
	"KeyTable", "SigningTable", "MultipleSignatures", "Domain",
	"Selector", "KeyFile", "SubDomains", "BaseDirectory",
	"RequireSafeKeys", NULL
};

/* keywords whose value authmilter reads as OpenDKIM does */
static const char *const dkim_same[] = {
	"AuthservID", "Canonicalization", "UserID", "PidFile", "UMask",
	"SyslogFacility", "Nameservers", NULL
};

/* same_name - authmilter's spelling of a keyword it shares, or NULL */
static const char *
same_name(const char *keyword)
{
	size_t i;

	for (i = 0; dkim_same[i] != NULL; i++)
		if (strcasecmp(keyword, dkim_same[i]) == 0)
			return dkim_same[i];
	return NULL;
}

/* dkim_setting - one setting other than the signing tables */
static void
dkim_setting(struct dkim_ctx *x, const struct mig_setting *s)
{
	const char *k = s->keyword, *same;
	size_t i;

	for (i = 0; dkim_tables[i] != NULL; i++)
		if (strcasecmp(k, dkim_tables[i]) == 0)
			return;
	if (strcasecmp(k, "Socket") == 0)
		socket_spec(x, s);
	else if (strcasecmp(k, "Mode") == 0)
		mode(x, s);
	else if (strcasecmp(k, "InternalHosts") == 0)
		internal_hosts(x, s);
	else if (strcasecmp(k, "SignHeaders") == 0)
		header_list(x, s, "SignHeaders");
	else if (strcasecmp(k, "OversignHeaders") == 0)
		header_list(x, s, "OversignHeaders");
	else if (strcasecmp(k, "MTA") == 0) {
		struct mig_dataset ds;
		struct strbuf list;

		if (mig_dataset(x->m, s, x->basedir, &ds) == -1)
			return;
		sb_init(&list);
		for (i = 0; i < ds.n; i++)
			list_add(&list, ds.v[i].key);
		if (list.len > 0)
			mig_set(x->m, "SignDaemons", list.s, s);
		sb_free(&list);
		mig_dataset_free(&ds);
	} else if (strcasecmp(k, "Syslog") == 0)
		boolean(x, s, "Syslog");
	else if (strcasecmp(k, "MinimumKeyBits") == 0)
		numeric(x, s, "MinimumKeyBits", 0, 16384);
	else if (strcasecmp(k, "MaximumSignaturesToVerify") == 0)
		numeric(x, s, "MaximumSignaturesToVerify", 1, 50);
	else if (strcasecmp(k, "SignatureTTL") == 0)
		numeric(x, s, "SignatureTTL", 0, 315360000);
	else if (strcasecmp(k, "DNSTimeout") == 0)
		numeric(x, s, "DNSTimeout", 1, 60);
	else if ((same = same_name(k)) != NULL)
		mig_set(x->m, same, s->value, s);
	else {
		for (i = 0; i < sizeof(dkim_dropped) / sizeof(*dkim_dropped);
		    i++)
			if (strcasecmp(k, dkim_dropped[i].keyword) == 0) {
				mig_warn(x->m, s->file, s->line, k, "%s",
				    dkim_dropped[i].say);
				return;
			}
		mig_warn(x->m, s->file, s->line, k, "authmilter has no such "
		    "setting: not carried over (see authmilter.conf(5))");
	}
}

/* migrate_opendkim - every setting of an OpenDKIM configuration */
void
migrate_opendkim(struct migrate *m, const struct mig_conf *c)
{
	struct dkim_ctx x = { m, c, NULL, 1, 1024 };
	const struct mig_setting *s;
	size_t i;

	if ((s = mig_conf_get(c, "BaseDirectory")) != NULL)
		x.basedir = xstrdup(s->value);
	if ((s = mig_conf_get(c, "RequireSafeKeys")) != NULL &&
	    mig_bool(m, s, &x.require_safe) == 0)
		mig_set(m, "RequireSafeKeys", x.require_safe ? "yes" : "no",
		    s);
	if ((s = mig_conf_get(c, "MinimumKeyBits")) != NULL)
		x.min_bits = strtoul(s->value, NULL, 10);
	if (mig_conf_get(c, "Canonicalization") == NULL)
		/* OpenDKIM signs simple/simple unless told; so do we */
		mig_set(m, "Canonicalization", "simple/simple", NULL);
	for (i = 0; i < c->n; i++)
		dkim_setting(&x, &c->v[i]);
	signing(&x);
	free(x.basedir);
}
