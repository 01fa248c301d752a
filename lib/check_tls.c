/*
 * check_tls.c - the defaults of the network checks, and the MX set and
 * host addresses that check_mx.c and check_mta_sts.c both look up
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "check.h"
#include "check_tls.h"
#include "check_tls_int.h"

/* check_tls_opts_init - the defaults authmilter-check(8) names */
void
check_tls_opts_init(struct check_tls_opts *opts)
{
	opts->ca_file = NULL;
	opts->warn_days = 21;
	opts->crit_days = 7;
	opts->timeout = 10;
	opts->smtp_port = 25;
	opts->https_port = 443;
}

/* mx_cmp - order MX hosts by preference, then by name */
static int
mx_cmp(const void *a, const void *b)
{
	const struct check_mx_host *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* check_mx_set - domain's MX hosts by preference; -1: not known */
ssize_t
check_mx_set(struct dns_client *dc, const char *domain,
    struct check_mx_host **hosts, size_t max, json_t *report)
{
	struct dns_reply *r;
	struct check_mx_host *list;
	size_t i, n = 0;
	char *shown;

	*hosts = NULL;
	r = dns_lookup(dc, domain, DNS_T_MX);
	switch (r->status) {
	case DNS_TEMPFAIL:
		if (report != NULL)
			check_finding(report, CHECK_UNKNOWN, NULL,
			    "MX: the lookup of %s MX failed (DNS %s)", domain,
			    dns_status_name(r->status));
		dns_reply_free(r);
		return -1;
	case DNS_NXDOMAIN:
		if (report != NULL)
			check_finding(report, CHECK_CRITICAL,
			    "publish the domain and its MX records",
			    "MX: %s does not exist (NXDOMAIN)", domain);
		dns_reply_free(r);
		return -1;
	case DNS_NODATA:
		dns_reply_free(r);
		if (report != NULL)
			check_finding(report, CHECK_WARNING,
			    "publish an MX record naming the mail servers",
			    "MX: %s has no MX record; senders use its own "
			    "address (implicit MX, RFC 5321 5.1)", domain);
		list = xcalloc(1, sizeof(*list));
		list[0].name = xstrdup(domain);
		str_lower(list[0].name);
		*hosts = list;
		return 1;
	case DNS_DATA:
		break;
	}
	list = xcalloc(r->count, sizeof(*list));
	for (i = 0; i < r->count; i++) {
		if (r->rr[i].type != DNS_T_MX)
			continue;
		if (r->rr[i].text[0] == '\0') {
			if (report != NULL)
				check_finding(report, r->count == 1 ?
				    CHECK_OK : CHECK_CRITICAL,
				    r->count == 1 ? NULL : "a null MX must "
				    "be the only MX record (RFC 7505 3)",
				    "MX: %s publishes a null MX: it accepts "
				    "no mail", domain);
			continue;
		}
		if (!hostname_valid(r->rr[i].text)) {
			if (report != NULL) {
				shown = check_show(r->rr[i].text);
				check_finding(report, CHECK_CRITICAL, "publish "
				    "a host name (letters, digits, '-') as "
				    "the MX", "MX: %s is not a host name; "
				    "MTAs will not deliver to it, it is not "
				    "probed", shown);
				free(shown);
			}
			continue;
		}
		list[n].name = xstrdup(r->rr[i].text);
		list[n].pref = r->rr[i].pref;
		n++;
	}
	dns_reply_free(r);
	if (n == 0) {		/* a null MX, or no MX is a host name */
		free(list);
		return 0;
	}
	qsort(list, n, sizeof(*list), mx_cmp);
	if (max > 0 && n > max) {
		if (report != NULL)
			check_finding(report, CHECK_WARNING, NULL,
			    "MX: %zu MX hosts; only the first %zu by "
			    "preference are checked", n, max);
		for (i = max; i < n; i++)
			free(list[i].name);
		n = max;
	}
	*hosts = list;
	return (ssize_t)n;
}

/* check_mx_set_free - free what check_mx_set() returned */
void
check_mx_set_free(struct check_mx_host *hosts, size_t n)
{
	size_t i;

	if (hosts == NULL)
		return;
	for (i = 0; i < n; i++)
		free(hosts[i].name);
	free(hosts);
}

/* check_addrs - name's A then AAAA records, at most max */
size_t
check_addrs(struct dns_client *dc, const char *name, struct dns_rr *out,
    size_t max)
{
	static const uint16_t types[] = { DNS_T_A, DNS_T_AAAA };
	struct dns_reply *r;
	size_t t, i, n = 0;

	for (t = 0; t < ARRAY_SIZE(types) && n < max; t++) {
		r = dns_lookup(dc, name, types[t]);
		for (i = 0; r->status == DNS_DATA && i < r->count &&
		    n < max; i++) {
			if (r->rr[i].type != types[t])
				continue;
			out[n] = r->rr[i];
			out[n].text = NULL;
			n++;
		}
		dns_reply_free(r);
	}
	return n;
}
