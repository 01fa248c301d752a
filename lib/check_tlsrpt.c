/*
 * check_tlsrpt.c - the SMTP TLS reporting record of RFC 8460 (see
 * check_tlsrpt.h)
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "dns.h"
#include "check.h"
#include "check_tlsrpt.h"

/* is_tlsrpt - the record starts "v=TLSRPTv1" then ';', space or the end */
static int
is_tlsrpt(const char *s, size_t n)
{
	return n >= 10 && strncmp(s, "v=TLSRPTv1", 10) == 0 &&
	    (n == 10 || s[10] == ';' || s[10] == ' ' || s[10] == '\t');
}

/* trim - [*p, *end) without white space at either end */
static void
trim(const char **p, const char **end)
{
	while (*p < *end && (**p == ' ' || **p == '\t'))
		(*p)++;
	while (*end > *p && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
		(*end)--;
}

/* uris - the rua= value: its URIs into list, a finding for each bad one */
static void
uris(json_t *area, json_t *list, const char *p, const char *end)
{
	const char *start, *stop;
	struct strbuf sb;

	while (p < end) {
		start = p;
		while (p < end && *p != ',')
			p++;
		stop = p;
		if (p < end)
			p++;
		trim(&start, &stop);
		if (start == stop)
			continue;
		sb_init(&sb);
		check_put_shown(&sb, start, (size_t)(stop - start));
		if (json_array_size(list) == CHECK_TLSRPT_MAX_RUA)
			check_finding(area, CHECK_WARNING, "list fewer "
			    "destinations", "rua URI %s skipped: more than %d",
			    sb.s, CHECK_TLSRPT_MAX_RUA);
		else if (strncasecmp(start, "mailto:", 7) != 0 &&
		    strncasecmp(start, "https:", 6) != 0)
			check_finding(area, CHECK_CRITICAL, "use mailto: or "
			    "https: URIs", "rua URI %s is neither mailto: nor "
			    "https: (RFC 8460 3)", sb.s);
		else
			json_array_append_new(list, check_string(start,
			    (size_t)(stop - start)));
		sb_free(&sb);
	}
}

/* parse - the fields of one record; the rua= URIs into area["rua"] */
static void
parse(json_t *area, const char *txt, size_t n)
{
	const char *p = txt, *end = txt + n, *f, *fe, *eq;
	json_t *list = json_array();
	int have_rua = 0;

	json_object_set_new(area, "rua", list);
	while (p < end) {
		f = p;
		while (p < end && *p != ';')
			p++;
		fe = p;
		if (p < end)
			p++;
		trim(&f, &fe);
		eq = memchr(f, '=', (size_t)(fe - f));
		if (eq == NULL)
			continue;
		if (eq - f == 3 && strncasecmp(f, "rua", 3) == 0 && !have_rua) {
			have_rua = 1;
			uris(area, list, eq + 1, fe);
		}
	}
	if (!have_rua)
		check_finding(area, CHECK_CRITICAL, "add rua=mailto:ADDRESS",
		    "the TLS-RPT record has no rua=: it is not valid "
		    "(RFC 8460 3)");
	else if (json_array_size(list) == 0)
		check_finding(area, CHECK_CRITICAL, "give at least one mailto: "
		    "or https: URI", "the TLS-RPT record's rua= names no "
		    "usable destination");
	else
		check_finding(area, CHECK_OK, NULL, "TLS-RPT reports go to "
		    "%zu destination%s", json_array_size(list),
		    json_array_size(list) == 1 ? "" : "s");
}

/* check_tlsrpt - fill report["tls_rpt"] for domain */
void
check_tlsrpt(json_t *report, struct dns_client *dc, const char *domain)
{
	json_t *area = json_object();
	struct dns_reply *r;
	struct strbuf name, s;
	size_t i, found = 0, which = 0;

	json_object_set_new(report, "tls_rpt", area);
	sb_init(&name);
	sb_printf(&name, "_smtp._tls.%s", domain);
	sb_init(&s);
	check_put_shown(&s, name.s, name.len);
	r = dns_lookup(dc, name.s, DNS_T_TXT);
	for (i = 0; r->status == DNS_DATA && i < r->count; i++)
		if (r->rr[i].text != NULL &&
		    is_tlsrpt(r->rr[i].text, r->rr[i].len) && found++ == 0)
			which = i;
	if (found > 0)
		json_object_set_new(area, "record", check_string(
		    r->rr[which].text, r->rr[which].len));
	else
		json_object_set_new(area, "record", json_null());
	if (r->status == DNS_TEMPFAIL) {
		json_object_set_new(area, "rua", json_array());
		check_finding(area, CHECK_UNKNOWN, "check the name servers, "
		    "then run the check again", "DNS failure asking %s TXT",
		    s.s);
	} else if (found == 0) {
		json_object_set_new(area, "rua", json_array());
		check_finding(area, CHECK_WARNING, "publish TXT "
		    "\"v=TLSRPTv1; rua=mailto:ADDRESS\" there", "no TLS-RPT "
		    "record at %s: senders report no TLS failures to you", s.s);
	} else if (found > 1) {
		json_object_set_new(area, "rua", json_array());
		check_finding(area, CHECK_CRITICAL, "keep one record", "%zu "
		    "TLS-RPT records at %s: senders use none (RFC 8460 3)",
		    found, s.s);
	} else
		parse(area, r->rr[which].text, r->rr[which].len);
	dns_reply_free(r);
	sb_free(&name);
	sb_free(&s);
}
