/*
 * check_spf.c - the SPF record and its include/redirect tree, walked
 * and counted as a receiver does (see check_spf.h)
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "dns.h"
#include "spf.h"
#include "spf_int.h"
#include "check.h"
#include "check_spf.h"

/* where the walk is: counts, and the records on the current path */
struct walk {
	struct dns_client	*dc;
	json_t			*area;		/* report["spf"] */
	unsigned		 terms;		/* DNS terms so far */
	unsigned		 voids;
	int			 capped;	/* CHECK_SPF_MAX_TERMS reached */
	int			 loop;		/* a loop was found */
	const char		*path[CHECK_SPF_MAX_DEPTH + 1];
	size_t			 depth;
};

enum fetched {
	FETCH_ONE,
	FETCH_NONE,
	FETCH_SEVERAL,
	FETCH_TEMPFAIL
};

static enum fetched walk_node(struct walk *, const char *, json_t *, int);

/* fetch - the SPF records at name: the first one in *txt (caller frees) */
static enum fetched
fetch(struct walk *w, const char *name, char **txt, size_t *len,
    size_t *count)
{
	struct dns_reply *r;
	size_t i;

	*txt = NULL;
	*count = 0;
	r = dns_lookup(w->dc, name, DNS_T_TXT);
	if (r->status == DNS_TEMPFAIL) {
		dns_reply_free(r);
		return FETCH_TEMPFAIL;
	}
	for (i = 0; r->status == DNS_DATA && i < r->count; i++) {
		const struct dns_rr *rr = &r->rr[i];

		if (rr->type != DNS_T_TXT || rr->text == NULL ||
		    !spf_record_is_spf(rr->text, rr->len))
			continue;
		if ((*count)++ == 0) {
			/* len bytes: a record may hold a NUL byte */
			*txt = xmalloc(rr->len + 1);
			memcpy(*txt, rr->text, rr->len + 1);
			*len = rr->len;
		}
	}
	dns_reply_free(r);
	if (*count == 0)
		return FETCH_NONE;
	return *count == 1 ? FETCH_ONE : FETCH_SEVERAL;
}

/* count - one more DNS term: its running number in tj; -1 when capped */
static int
count(struct walk *w, json_t *tj)
{
	if (w->terms >= CHECK_SPF_MAX_TERMS) {
		w->capped = 1;
		json_object_set_new(tj, "note", json_string("not walked: "
		    "the walk stops at CHECK_SPF_MAX_TERMS lookups"));
		return -1;
	}
	w->terms++;
	json_object_set_new(tj, "lookup", json_integer(w->terms));
	return 0;
}

/*
 * target - the name a domain-spec (NULL: domain) names, in out: 1, or
 *	0 when it holds a macro (known only per message)
 */
static int
target(const char *spec, const char *domain, struct strbuf *out)
{
	size_t n;

	if (spec == NULL) {
		sb_puts(out, domain);
		return 1;
	}
	if (strchr(spec, '%') != NULL)
		return 0;
	n = strlen(spec);
	if (n > 0 && spec[n - 1] == '.')
		n--;
	sb_append(out, spec, n);
	str_lower(out->s);
	return 1;
}

/* tempfail - a DNS failure: the check could not be made */
static void
tempfail(struct walk *w, json_t *tj, const char *name, const char *type)
{
	char *s = check_show(name);

	if (tj != NULL)
		json_object_set_new(tj, "note", json_string("DNS failure"));
	check_finding(w->area, CHECK_UNKNOWN, "check the name servers, "
	    "then run the check again", "DNS failure asking %s %s: the "
	    "SPF tree could not be walked completely", s, type);
	free(s);
}

/*
 * lookup - the query of an a, mx or exists term: the reply when it has
 *	data, else NULL (a void lookup is counted, a failure reported)
 */
static struct dns_reply *
lookup(struct walk *w, json_t *tj, const char *name, uint16_t type)
{
	struct dns_reply *r;

	if (!spf_name_valid(name)) {
		json_object_set_new(tj, "note", json_string("not a valid DNS "
		    "name: never matches"));
		return NULL;
	}
	r = dns_lookup(w->dc, name, type);
	if (r->status == DNS_DATA)
		return r;
	if (r->status == DNS_TEMPFAIL)
		tempfail(w, tj, name, type == DNS_T_MX ? "MX" : "A");
	else {
		w->voids++;
		json_object_set_new(tj, "void", json_true());
		json_object_set_new(tj, "note", json_string(r->status ==
		    DNS_NXDOMAIN ? "void lookup: no such name" :
		    type == DNS_T_MX ? "void lookup: no MX record" :
		    "void lookup: no A record"));
	}
	dns_reply_free(r);
	return NULL;
}

/* mx_term - the mx mechanism: its MX query, and the RFC's 10 MX limit */
static void
mx_term(struct walk *w, json_t *tj, const char *name)
{
	struct dns_reply *r;
	size_t i, n = 0;
	char *s;

	if ((r = lookup(w, tj, name, DNS_T_MX)) == NULL)
		return;
	for (i = 0; i < r->count; i++)
		if (r->rr[i].type == DNS_T_MX)
			n++;
	dns_reply_free(r);
	if (n > SPF_MAX_MX) {
		s = check_show(name);
		check_finding(w->area, CHECK_CRITICAL, "list the hosts with "
		    "ip4:/ip6: or a: instead of mx", "%s has %zu MX records: "
		    "an mx mechanism allows %d (RFC 7208 4.6.4), receivers "
		    "return permerror", s, n, SPF_MAX_MX);
		free(s);
	}
}

/* on_path - is name a record on the current include/redirect path */
static int
on_path(const struct walk *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->depth; i++)
		if (str_caseeq(w->path[i], name))
			return 1;
	return 0;
}

/* follow - an include or redirect: the target's record, as tj's target */
static void
follow(struct walk *w, json_t *tj, const char *spec, const char *domain,
    int top, const char *what)
{
	struct strbuf name;
	json_t *child;
	char *s;

	sb_init(&name);
	if (!target(spec, domain, &name)) {
		json_object_set_new(tj, "note", json_string("holds a macro: "
		    "its record depends on the message, not followed"));
		sb_free(&name);
		return;
	}
	s = check_show(name.s);
	if (on_path(w, name.s)) {
		w->loop = 1;
		json_object_set_new(tj, "note", json_string("loop: this "
		    "record is already on the path, not followed"));
		check_finding(w->area, CHECK_CRITICAL, "remove the include "
		    "or redirect that leads back", "%s loop: %s leads back to "
		    "itself; receivers count its lookups until the limit and "
		    "return permerror", what, s);
	} else if (w->depth >= CHECK_SPF_MAX_DEPTH) {
		json_object_set_new(tj, "note", json_string("nested too "
		    "deeply: not followed"));
		check_finding(w->area, CHECK_CRITICAL, "flatten the records",
		    "%s %s is nested more than %d records deep: not walked",
		    what, s, CHECK_SPF_MAX_DEPTH);
	} else {
		child = json_object();
		json_object_set_new(tj, "target", child);
		if (walk_node(w, name.s, child, top) == FETCH_NONE)
			check_finding(w->area, CHECK_CRITICAL, "fix or remove "
			    "the term", "%s:%s names no SPF record: receivers "
			    "return permerror", what, s);
	}
	free(s);
	sb_free(&name);
}

/* one_term - count and look up one mechanism; 1 when it is "all" */
static int
one_term(struct walk *w, const struct spf_term *t, const char *domain,
    json_t *tj, int top)
{
	struct strbuf name;
	struct dns_reply *r;
	char *s;

	switch (t->mech) {
	case SPF_MECH_ALL:
		if (t->qual == SPF_PASS) {
			s = check_show(domain);
			check_finding(w->area, CHECK_CRITICAL, "end the record "
			    "with -all or ~all", "the SPF record of %s has "
			    "+all: every host on the Internet passes", s);
			free(s);
		} else if (t->qual == SPF_NEUTRAL && top) {
			s = check_show(domain);
			check_finding(w->area, CHECK_WARNING, "end the record "
			    "with -all or ~all", "the SPF record of %s ends "
			    "with ?all: mail from any other host is neutral, "
			    "SPF protects nothing", s);
			free(s);
		}
		return 1;
	case SPF_MECH_IP4:
	case SPF_MECH_IP6:
		return 0;
	case SPF_MECH_INCLUDE:
		if (count(w, tj) == 0)
			follow(w, tj, t->domain, domain, 0, "include");
		return 0;
	case SPF_MECH_PTR:
		if (count(w, tj) < 0)
			return 0;
		json_object_set_new(tj, "note", json_string("not looked up: "
		    "depends on the client address"));
		s = check_show(domain);
		check_finding(w->area, CHECK_WARNING, "list the senders with "
		    "ip4:, ip6: or a: instead", "the SPF record of %s uses "
		    "ptr: slow, unreliable, and RFC 7208 5.5 says not to "
		    "use it", s);
		free(s);
		return 0;
	case SPF_MECH_A:
	case SPF_MECH_MX:
	case SPF_MECH_EXISTS:
		break;
	}
	if (count(w, tj) < 0)
		return 0;
	sb_init(&name);
	if (!target(t->domain, domain, &name))
		json_object_set_new(tj, "note", json_string("holds a macro: "
		    "looked up per message"));
	else if (t->mech == SPF_MECH_MX)
		mx_term(w, tj, name.s);
	else if ((r = lookup(w, tj, name.s, DNS_T_A)) != NULL)
		dns_reply_free(r);
	sb_free(&name);
	return 0;
}

/* walk_record - the terms of a parsed record, then its redirect= */
static void
walk_record(struct walk *w, const struct spf_record *rec,
    const char *domain, json_t *node, int top)
{
	json_t *terms = json_array(), *tj;
	int has_all = 0;
	size_t i;
	char *s;

	json_object_set_new(node, "terms", terms);
	for (i = 0; i < rec->nterms && !w->capped; i++) {
		tj = json_object();
		json_object_set_new(tj, "term", check_string(rec->terms[i].text,
		    strlen(rec->terms[i].text)));
		json_array_append_new(terms, tj);
		has_all |= one_term(w, &rec->terms[i], domain, tj, top);
	}
	if (rec->redirect != NULL && !w->capped) {
		struct strbuf text;

		sb_init(&text);
		sb_printf(&text, "redirect=%s", rec->redirect);
		tj = json_object();
		json_object_set_new(tj, "term", check_string(text.s,
		    text.len));
		sb_free(&text);
		json_array_append_new(terms, tj);
		if (has_all)
			json_object_set_new(tj, "note", json_string("ignored: "
			    "the record has an all mechanism (RFC 7208 6.1)"));
		else if (count(w, tj) == 0)
			follow(w, tj, rec->redirect, domain, top, "redirect");
	}
	if (top && !has_all && rec->redirect == NULL && !w->capped) {
		s = check_show(domain);
		check_finding(w->area, CHECK_WARNING, "end the record with "
		    "-all or ~all", "the SPF record of %s has no all "
		    "mechanism: mail from any other host is neutral", s);
		free(s);
	}
}

/* walk_node - the record at domain into node, and all below it */
static enum fetched
walk_node(struct walk *w, const char *domain, json_t *node, int top)
{
	unsigned terms0 = w->terms, voids0 = w->voids;
	struct spf_record rec;
	struct strbuf why;
	enum fetched got;
	size_t len = 0, n;
	char *txt, *s;

	json_object_set_new(node, "domain", check_string(domain,
	    strlen(domain)));
	if (!spf_name_valid(domain)) {
		json_object_set_new(node, "error", json_string("not a valid "
		    "DNS name"));
		return FETCH_NONE;
	}
	s = check_show(domain);
	got = fetch(w, domain, &txt, &len, &n);
	if (txt != NULL)
		json_object_set_new(node, "record", check_string(txt, len));
	switch (got) {
	case FETCH_TEMPFAIL:
		json_object_set_new(node, "error", json_string("DNS failure"));
		tempfail(w, NULL, domain, "TXT");
		goto out;
	case FETCH_NONE:
		json_object_set_new(node, "error", json_string("no SPF "
		    "record"));
		goto out;
	case FETCH_SEVERAL:
		json_object_set_new(node, "error", json_string("several SPF "
		    "records"));
		check_finding(w->area, CHECK_CRITICAL, "merge them into one "
		    "record", "%s has %zu SPF records: receivers return "
		    "permerror (RFC 7208 4.5)", s, n);
		goto out;
	case FETCH_ONE:
		break;
	}
	if (len > CHECK_SPF_MAX_OCTETS)
		check_finding(w->area, CHECK_WARNING, "shorten the record, "
		    "e.g. with an include", "the SPF record of %s is %zu "
		    "octets, over %d: its answer may not fit a UDP packet "
		    "(RFC 7208 3.4)", s, len, CHECK_SPF_MAX_OCTETS);
	sb_init(&why);
	if (spf_record_parse(txt, len, &rec, &why) < 0) {
		json_object_set_new(node, "error", check_string(why.s,
		    why.len));
		check_finding(w->area, CHECK_CRITICAL, "correct the record's "
		    "syntax", "syntax error in the SPF record of %s: %s; "
		    "receivers return permerror", s, why.s);
		sb_free(&why);
		goto out;
	}
	sb_free(&why);
	w->path[w->depth++] = domain;
	walk_record(w, &rec, domain, node, top);
	w->depth--;
	spf_record_free(&rec);
out:
	json_object_set_new(node, "lookups", json_integer(w->terms - terms0));
	json_object_set_new(node, "void_lookups",
	    json_integer(w->voids - voids0));
	free(txt);
	free(s);
	return got;
}

/* has_mail - does domain receive mail: 1, 0 (null MX or no MX/A/AAAA), -1 */
static int
has_mail(struct dns_client *dc, const char *domain)
{
	static const uint16_t types[] = { DNS_T_MX, DNS_T_A, DNS_T_AAAA };
	struct dns_reply *r;
	size_t i;
	int rc = 0;

	for (i = 0; i < ARRAY_SIZE(types) && rc == 0; i++) {
		r = dns_lookup(dc, domain, types[i]);
		if (r->status == DNS_TEMPFAIL)
			rc = -1;
		else if (r->status == DNS_DATA && types[i] == DNS_T_MX &&
		    r->count == 1 && r->rr[0].text != NULL &&
		    r->rr[0].text[0] == '\0') {
			dns_reply_free(r);
			return 0;	/* null MX, RFC 7505 */
		} else if (r->status == DNS_DATA)
			rc = 1;
		dns_reply_free(r);
	}
	return rc;
}

/* authorizes - does the record let some host pass (anything but -all) */
static int
authorizes(const char *txt)
{
	struct spf_record rec;
	struct strbuf why;
	size_t i;
	int any = 0;

	sb_init(&why);
	if (spf_record_parse(txt, strlen(txt), &rec, &why) < 0) {
		sb_free(&why);
		return 0;
	}
	sb_free(&why);
	any = rec.redirect != NULL;
	for (i = 0; i < rec.nterms; i++)
		if (rec.terms[i].mech != SPF_MECH_ALL ||
		    rec.terms[i].qual == SPF_PASS ||
		    rec.terms[i].qual == SPF_NEUTRAL)
			any = 1;
	spf_record_free(&rec);
	return any;
}

/* check_spf - fill report["spf"] for domain */
void
check_spf(json_t *report, struct dns_client *dc, const char *domain)
{
	json_t *area = json_object(), *tree = json_object(), *rec;
	struct walk w;
	enum fetched got;
	char *s = check_show(domain);

	json_object_set_new(report, "spf", area);
	memset(&w, 0, sizeof(w));
	w.dc = dc;
	w.area = area;
	got = walk_node(&w, domain, tree, 1);
	rec = json_object_get(tree, "record");
	json_object_set(area, "record", rec != NULL ? rec : json_null());
	json_object_set_new(area, "lookups", json_integer(w.terms));
	json_object_set_new(area, "void_lookups", json_integer(w.voids));
	json_object_set_new(area, "walk_stopped", json_boolean(w.capped));
	json_object_set_new(area, "tree", tree);
	if (got == FETCH_NONE)
		check_finding(area, CHECK_WARNING, "publish one TXT record "
		    "\"v=spf1 ... -all\" (\"v=spf1 -all\" if the domain "
		    "sends no mail)", "%s has no SPF record: receivers get "
		    "SPF none for its mail", s);
	if (got != FETCH_ONE) {
		free(s);
		return;
	}
	if (w.capped)
		check_finding(area, CHECK_CRITICAL, "flatten the includes",
		    "the walk stopped after %d DNS lookups "
		    "(CHECK_SPF_MAX_TERMS): far over the limit of %d",
		    CHECK_SPF_MAX_TERMS, SPF_MAX_DNS_TERMS);
	else if (w.terms > SPF_MAX_DNS_TERMS)
		check_finding(area, CHECK_CRITICAL, "remove or flatten "
		    "includes (the tree shows which ones cost most)", "%u DNS "
		    "lookups, over the limit of %d (RFC 7208 4.6.4): "
		    "receivers return permerror", w.terms, SPF_MAX_DNS_TERMS);
	if (w.voids > SPF_MAX_VOID)
		check_finding(area, CHECK_CRITICAL, "remove the terms whose "
		    "names do not exist or have no records", "%u void "
		    "lookups, over the limit of %d (RFC 7208 4.6.4): "
		    "receivers return permerror", w.voids, SPF_MAX_VOID);
	if (!w.capped && !w.loop && w.terms <= SPF_MAX_DNS_TERMS &&
	    w.voids <= SPF_MAX_VOID)
		check_finding(area, CHECK_OK, NULL, "%u of %d DNS lookups, "
		    "%u of %d void lookups", w.terms, SPF_MAX_DNS_TERMS,
		    w.voids, SPF_MAX_VOID);
	if (authorizes(json_string_value(rec)) && has_mail(dc, domain) == 0)
		check_finding(area, CHECK_WARNING, "publish \"v=spf1 -all\" "
		    "if the domain sends no mail, or give it an MX", "%s "
		    "receives no mail (null MX, or no MX, A or AAAA record) "
		    "but its SPF record authorizes senders: bounces to its "
		    "mail cannot be delivered", s);
	free(s);
}
