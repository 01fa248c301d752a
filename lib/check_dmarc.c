/*
 * check_dmarc.c - the DMARC record as the tree walk finds it, its
 * tags, and its report destinations (see check_dmarc.h)
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "dns.h"
#include "dmarc.h"
#include "report_dest.h"
#include "check.h"
#include "check_dmarc.h"

/*
 * record_text - the text of the DMARC record at _dmarc.AT (the walk
 *	read it already: the cache answers), valid ones first
 */
static json_t *
record_text(struct dns_client *dc, const char *at)
{
	struct dmarc_record rec;
	struct dns_reply *r;
	struct strbuf name;
	json_t *text = NULL;
	size_t i;
	int rc;

	sb_init(&name);
	sb_printf(&name, "_dmarc.%s", at);
	r = dns_lookup(dc, name.s, DNS_T_TXT);
	for (i = 0; r->status == DNS_DATA && i < r->count; i++) {
		if (r->rr[i].text == NULL)
			continue;
		rc = dmarc_parse_record(r->rr[i].text, r->rr[i].len, &rec,
		    NULL);
		if (rc == 1)
			dmarc_record_clear(&rec);
		if (rc == 0 || (rc < 0 && text != NULL))
			continue;
		if (text != NULL)
			json_decref(text);
		text = check_string(r->rr[i].text, r->rr[i].len);
		if (rc == 1)
			break;
	}
	dns_reply_free(r);
	sb_free(&name);
	return text != NULL ? text : json_null();
}

/* destinations - a rua or ruf list: each address and its authorization */
static void
destinations(json_t *area, struct dns_client *dc, const char *tag,
    const char *list, const char *policy_domain)
{
	json_t *arr = json_array(), *obj;
	struct strbuf notes, why, fix;
	enum report_dest_verdict v;
	char **addrs, *line, *next, *s;
	size_t i;

	json_object_set_new(area, tag, arr);
	sb_init(&notes);
	report_rua_parse(list, &addrs, &notes);
	for (line = notes.s; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		check_finding(area, CHECK_WARNING, "give mailto: URIs of "
		    "plain addresses", "%s: %s", tag, line);
	}
	for (i = 0; addrs[i] != NULL; i++) {
		obj = json_object();
		json_array_append_new(arr, obj);
		sb_init(&why);
		sb_printf(&why, "mailto:%s", addrs[i]);
		json_object_set_new(obj, "uri", check_string(why.s, why.len));
		json_object_set_new(obj, "address", check_string(addrs[i],
		    strlen(addrs[i])));
		sb_truncate(&why, 0);
		v = report_dest_check(dc, policy_domain, addrs[i], &why);
		json_object_set_new(obj, "authorized", v == REPORT_DEST_OK ?
		    json_true() : v == REPORT_DEST_REFUSED ? json_false() :
		    json_null());
		json_object_set_new(obj, "why", check_string(why.s, why.len));
		s = check_show(addrs[i]);
		if (v == REPORT_DEST_REFUSED) {
			sb_init(&fix);
			sb_printf(&fix, "have the destination publish TXT "
			    "\"v=DMARC1\" at %s._report._dmarc.%s",
			    policy_domain, strrchr(addrs[i], '@') + 1);
			check_finding(area, CHECK_WARNING, fix.s, "%s "
			    "destination %s is not authorized (%s): "
			    "receivers send it no reports", tag, s, why.s);
			sb_free(&fix);
		} else if (v == REPORT_DEST_TEMPFAIL)
			check_finding(area, CHECK_UNKNOWN, "check the name "
			    "servers, then run the check again", "%s "
			    "destination %s could not be checked: %s", tag,
			    s, why.s);
		free(s);
		sb_free(&why);
	}
	report_rua_free(addrs);
	sb_free(&notes);
}

/* policy_word - a word as it applies; UNSET takes the default */
static const char *
policy_word(enum dmarc_policy_word w, enum dmarc_policy_word dflt)
{
	return dmarc_policy_name(w == DMARC_POLICY_UNSET ? dflt : w);
}

/* tags - the record's tags into area, and what they mean */
static void
tags(json_t *area, struct dns_client *dc, const struct dmarc_policy *pol,
    const char *domain)
{
	const struct dmarc_record *rec = &pol->rec;
	enum dmarc_policy_word sp, applied;
	char *s = check_show(domain);

	sp = rec->sp != DMARC_POLICY_UNSET ? rec->sp : rec->p;
	applied = str_caseeq(pol->at, domain) ? rec->p : sp;
	json_object_set_new(area, "p", json_string(policy_word(rec->p,
	    rec->p)));
	json_object_set_new(area, "sp", json_string(policy_word(sp, sp)));
	json_object_set_new(area, "np", json_string(policy_word(rec->np,
	    sp)));
	json_object_set_new(area, "adkim", json_string(rec->adkim ==
	    DMARC_ALIGN_STRICT ? "s" : "r"));
	json_object_set_new(area, "aspf", json_string(rec->aspf ==
	    DMARC_ALIGN_STRICT ? "s" : "r"));
	json_object_set_new(area, "testing", json_boolean(rec->testing));
	json_object_set_new(area, "psd", rec->psd == DMARC_PSD_UNSET ?
	    json_null() : json_string(rec->psd == DMARC_PSD_YES ? "y" : "n"));
	if (rec->fo != NULL)
		json_object_set_new(area, "fo", check_string(rec->fo,
		    strlen(rec->fo)));
	if (!str_caseeq(pol->at, domain))
		check_finding(area, CHECK_OK, NULL, "%s has no record of its "
		    "own: the record of %s applies (its sp=)", s, pol->at);
	if (applied == DMARC_POLICY_NONE)
		check_finding(area, CHECK_WARNING, "once the aggregate reports "
		    "show your mail aligned (authmilter-report summary), move "
		    "to p=quarantine, then p=reject", "policy none for %s: "
		    "monitoring only, receivers take no action on mail that "
		    "fails DMARC", s);
	else
		check_finding(area, CHECK_OK, NULL, "policy %s for %s: mail "
		    "that fails DMARC is %s", dmarc_policy_name(applied), s,
		    applied == DMARC_POLICY_REJECT ? "refused" :
		    "quarantined");
	if (rec->testing)
		check_finding(area, CHECK_WARNING, "remove t=y (or pct=0) "
		    "when the policy should apply", "t=y: testing, receivers "
		    "apply the policy one step lower");
	if (rec->rua == NULL)
		check_finding(area, CHECK_WARNING, "add rua=mailto:ADDRESS "
		    "(authmilter-report import reads the reports)", "no rua=: "
		    "no aggregate reports come back");
	destinations(area, dc, "rua", rec->rua != NULL ? rec->rua : "",
	    pol->at);
	destinations(area, dc, "ruf", rec->ruf != NULL ? rec->ruf : "",
	    pol->at);
	free(s);
}

/* check_dmarc - fill report["dmarc"] for domain */
void
check_dmarc(json_t *report, struct dns_client *dc, const char *domain)
{
	json_t *area = json_object();
	struct dmarc_policy pol;
	struct strbuf org;
	char *s = check_show(domain);

	json_object_set_new(report, "dmarc", area);
	dmarc_discover(dc, domain, &pol);
	json_object_set_new(area, "record", pol.at != NULL ?
	    record_text(dc, pol.at) : json_null());
	json_object_set_new(area, "at", pol.at != NULL ?
	    check_string(pol.at, strlen(pol.at)) : json_null());
	sb_init(&org);
	if (dmarc_org_domain(dc, domain, &org) == 0)
		json_object_set_new(area, "org_domain", check_string(org.s,
		    org.len));
	else
		json_object_set_new(area, "org_domain", json_null());
	sb_free(&org);
	if (pol.status == DMARC_TEMPERROR)
		check_finding(area, CHECK_UNKNOWN, "check the name servers, "
		    "then run the check again", "DNS failure in the DMARC tree "
		    "walk for %s: the policy could not be found", s);
	else if (pol.invalid)
		check_finding(area, CHECK_CRITICAL, "correct the record; "
		    "v=DMARC1 must come first, p= must be none, quarantine "
		    "or reject", "the DMARC record of %s at _dmarc.%s is "
		    "invalid (%s): receivers apply no DMARC", s, pol.at,
		    pol.error != NULL ? pol.error : "?");
	else if (pol.status == DMARC_NOT_FOUND)
		check_finding(area, CHECK_CRITICAL, "publish TXT \"v=DMARC1; "
		    "p=none; rua=mailto:ADDRESS\" at _dmarc of the domain, "
		    "then tighten p=", "no DMARC record for %s (the RFC 9989 "
		    "tree walk found none): anyone may use it in From, and "
		    "large receivers refuse bulk mail without one", s);
	else
		tags(area, dc, &pol, domain);
	dmarc_policy_clear(&pol);
	free(s);
}
