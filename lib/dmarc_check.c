/*
 * dmarc_check.c - DMARC for one message: From headers, evaluation,
 * local policy
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "address.h"
#include "cidr.h"
#include "config.h"
#include "dmarc.h"
#include "dmarc_check.h"
#include "table.h"
#include "util.h"

/* the outcomes of collect_authors() */
#define AUTHORS_OK		0
#define AUTHORS_BAD		(-1)	/* no From, or one that does not parse */
#define AUTHORS_OVER		(-2)	/* over a limit: refused */

/*
 * collect_authors - distinct author domains of all From values, every
 * one of them: over DMARC_CHECK_MAX_FROM From headers, over
 * DMARC_CHECK_MAX_AUTHORS distinct domains, or a value over one of
 * lib/address's limits is AUTHORS_OVER, never a shorter list
 */
static int
collect_authors(const struct dmarc_check_input *in, char **authors,
    size_t *nauthors, size_t *naddrs, struct strbuf *problem)
{
	struct address_list l;
	size_t i, j, k;

	*nauthors = *naddrs = 0;
	if (in->nfrom == 0) {
		sb_puts(problem, "no From header");
		return AUTHORS_BAD;
	}
	if (in->nfrom_seen > in->nfrom || in->nfrom > DMARC_CHECK_MAX_FROM) {
		sb_printf(problem, "%zu From headers, over the limit of %d",
		    in->nfrom_seen > in->nfrom ? in->nfrom_seen : in->nfrom,
		    DMARC_CHECK_MAX_FROM);
		return AUTHORS_OVER;
	}
	for (i = 0; i < in->nfrom; i++) {
		memset(&l, 0, sizeof(l));
		if (address_parse_list(in->from_values[i], &l) != 0 ||
		    l.n == 0) {
			sb_puts(problem, l.error != NULL ? l.error :
			    "From header without an address");
			k = l.over_limit;
			address_list_free(&l);
			return k ? AUTHORS_OVER : AUTHORS_BAD;
		}
		for (j = 0; j < l.n; j++) {
			(*naddrs)++;
			for (k = 0; k < *nauthors; k++)
				if (strcmp(authors[k], l.v[j].domain) == 0)
					break;
			if (k < *nauthors)
				continue;
			if (*nauthors == DMARC_CHECK_MAX_AUTHORS) {
				sb_printf(problem, "more than %d author "
				    "domains", DMARC_CHECK_MAX_AUTHORS);
				address_list_free(&l);
				return AUTHORS_OVER;
			}
			authors[(*nauthors)++] = xstrdup(l.v[j].domain);
		}
		address_list_free(&l);
	}
	return AUTHORS_OK;
}

/* severity - how strict an outcome is, for "the strictest wins" */
static int
severity(const struct dmarc_outcome *o)
{
	static const int by_result[] = {
		[DMARC_RES_PASS] = 0, [DMARC_RES_NONE] = 1,
		[DMARC_RES_PERMERROR] = 2, [DMARC_RES_TEMPERROR] = 3,
		[DMARC_RES_FAIL] = 4,
	};

	return (int)o->disposition * 10 + by_result[o->result];
}

/*
 * forward_confirmed - does name have an A or AAAA record that is the
 * client's address?  The MTA's client name cannot be taken on trust:
 * Sendmail hands the milter the PTR name even when its forward lookup
 * failed ({client_resolve} FORGED or FAIL), and the owner of an address
 * chooses its PTR.  No answer (or a DNS failure) is not confirmed.
 */
static int
forward_confirmed(struct dns_client *dc, const char *name, int family,
    const unsigned char *addr)
{
	struct dns_reply *r;
	size_t i;
	int found = 0;

	if (dc == NULL || (family != AF_INET && family != AF_INET6))
		return 0;
	r = dns_lookup(dc, name, family == AF_INET ? DNS_T_A : DNS_T_AAAA);
	if (r != NULL && r->status == DNS_DATA)
		for (i = 0; i < r->count && !found; i++)
			found = r->rr[i].family == family &&
			    memcmp(r->rr[i].addr, addr,
			    family == AF_INET ? 4 : 16) == 0;
	dns_reply_free(r);
	return found;
}

/*
 * trusted_forwarder - is the client one of TrustedForwarders?  By
 * address, or by a name that matches and resolves back to the client.
 */
static int
trusted_forwarder(struct dns_client *dc, const struct config *cf,
    const struct dmarc_check_input *in)
{
	char **n;
	const char *name = in->hostname;

	if ((in->family == AF_INET || in->family == AF_INET6) &&
	    cidr_list_match(&cf->trusted_forwarder_addrs, in->family,
	    in->addr))
		return 1;
	if (name == NULL || cf->trusted_forwarder_names == NULL)
		return 0;
	for (n = cf->trusted_forwarder_names; *n != NULL; n++)
		if ((*n)[0] == '.' ? str_casesuffix(name, *n) :
		    str_caseeq(name, *n))
			return forward_confirmed(dc, name, in->family,
			    in->addr);
	return 0;
}

/* apply_local - local policy on top of the sender's */
static void
apply_local(struct dns_client *dc, const struct config *cf,
    const struct dmarc_check_input *in, struct dmarc_check *out)
{
	struct domain_policy pol;

	out->taken = out->out.disposition;
	if (out->out.result != DMARC_RES_FAIL)
		return;
	if (trusted_forwarder(dc, cf, in)) {
		out->taken = DMARC_DIS_NONE;
		out->local = "trusted forwarder";
		out->override = DMARC_OVERRIDE_FORWARDER;
		return;
	}
	table_lookup(cf->table, out->author, &pol);
	if (pol.dmarc == DMARC_LOCAL_MONITOR) {
		out->taken = DMARC_DIS_NONE;
		out->local = "monitor";
		out->override = DMARC_OVERRIDE_MONITOR;
	} else if (pol.dmarc == DMARC_LOCAL_NO_REJECT &&
	    out->taken == DMARC_DIS_REJECT) {
		out->taken = DMARC_DIS_QUARANTINE;
		out->local = "no-reject";
		out->override = DMARC_OVERRIDE_NO_REJECT;
	}
	if (out->taken == DMARC_DIS_REJECT && in->no_reject_rcpt) {
		out->taken = DMARC_DIS_QUARANTINE;
		out->local = "recipient domain dmarc-reject=no";
		out->override = DMARC_OVERRIDE_RECIPIENT;
	}
	if (out->taken == DMARC_DIS_REJECT && !cf->reject_failures) {
		out->taken = DMARC_DIS_QUARANTINE;
		out->local = "RejectFailures no";
		out->override = DMARC_OVERRIDE_REJECT_FAILURES;
	}
}

/* dmarc_check_run - evaluate every author domain; keep the strictest */
void
dmarc_check_run(struct dns_client *dc, const struct config *cf,
    const struct dmarc_check_input *in, struct dmarc_check *out)
{
	char *authors[DMARC_CHECK_MAX_AUTHORS];
	struct dmarc_input din;
	struct dmarc_outcome outs[DMARC_CHECK_MAX_AUTHORS];
	struct strbuf problem;
	size_t i, naddrs;
	int rc;

	memset(out, 0, sizeof(*out));
	sb_init(&problem);
	rc = collect_authors(in, authors, &out->nauthors, &naddrs, &problem);
	if (rc != AUTHORS_OK) {
		/* over a limit: refused whatever RejectMultiValueFrom says */
		out->state = rc == AUTHORS_OVER ? DMARC_CHECK_MULTI_FROM :
		    DMARC_CHECK_BAD_FROM;
		out->problem = sb_detach(&problem);
		for (i = 0; i < out->nauthors; i++)
			free(authors[i]);
		out->nauthors = 0;
		return;
	}
	if ((in->nfrom > 1 || naddrs > 1) && cf->reject_multi_from) {
		out->state = DMARC_CHECK_MULTI_FROM;
		sb_printf(&problem, "%zu From headers with %zu addresses",
		    in->nfrom, naddrs);
		out->problem = sb_detach(&problem);
		for (i = 0; i < out->nauthors; i++)
			free(authors[i]);
		return;
	}
	sb_free(&problem);
	memset(&din, 0, sizeof(din));
	din.spf_domain = in->spf_domain;
	din.spf_pass = in->spf_pass;
	din.dkim_domains = in->dkim_domains;
	din.ndkim = in->ndkim;
	din.dkim_temp_domains = in->dkim_temp_domains;
	din.ndkim_temp = in->ndkim_temp;
	din.spf_temperror = in->spf_temperror;
	dmarc_evaluate_authors(dc, &din, (const char *const *)authors,
	    out->nauthors, outs);
	for (i = 0; i < out->nauthors; i++) {
		if (out->author == NULL ||
		    severity(&outs[i]) > severity(&out->out)) {
			if (out->author != NULL)
				dmarc_outcome_free(&out->out);
			free(out->author);
			out->out = outs[i];
			out->author = authors[i];
		} else {
			dmarc_outcome_free(&outs[i]);
			free(authors[i]);
		}
	}
	out->state = DMARC_CHECK_DONE;
	apply_local(dc, cf, in, out);
}

/* dmarc_check_free - release what a check holds */
void
dmarc_check_free(struct dmarc_check *out)
{
	free(out->problem);
	if (out->author != NULL)
		dmarc_outcome_free(&out->out);
	free(out->author);
	memset(out, 0, sizeof(*out));
}
