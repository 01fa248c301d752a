/*
 * check_domains.c - authmilter-check's domains mode: SPF, DKIM, DMARC,
 * TLS-RPT, and (unless --skip-tls) MX STARTTLS and MTA-STS, for each
 * DOMAIN given; a readable report or one JSON object per domain, and
 * the worst finding as exit status (authmilter-check(8))
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "dns.h"
#include "config.h"
#include "table.h"
#include "report_dest.h"
#include "check.h"
#include "check_spf.h"
#include "check_dkim.h"
#include "check_dmarc.h"
#include "check_tlsrpt.h"
#include "check_tls.h"
#include "check_cmd.h"
#include "check_render.h"

#define CHECK_MAX_SELECTORS	32	/* --selector options */

/* what the command line asks */
struct domains_opts {
	int			 json;
	int			 skip_tls;
	const char		*config;
	const char		*selectors[CHECK_MAX_SELECTORS];
	size_t			 nselectors;
	struct check_net_opts	 net;
};

/* usage - the synopsis on stderr; the status of bad arguments */
static int
usage(void)
{
	fputs("usage: authmilter-check [--json] [--selector S]... "
	    "[--nameserver ADDR[:PORT]]...\n"
	    "           [-c authmilter.conf] [--skip-tls] [--ca-file FILE] "
	    "[--cert-days WARN,CRIT]\n"
	    "           [--timeout S] [--smtp-port N] [--https-port N] "
	    "DOMAIN...\n", stderr);
	return CHECK_UNKNOWN;
}

/* parse_args - the options into o; optind left at the first DOMAIN */
static int
parse_args(int argc, char **argv, struct domains_opts *o)
{
	enum { OPT_JSON = 256, OPT_SKIP_TLS };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "selector", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "skip-tls", no_argument, NULL, OPT_SKIP_TLS },
		{ "help", no_argument, NULL, 'h' },
		CHECK_NET_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c, taken;

	memset(o, 0, sizeof(*o));
	check_net_init(&o->net);
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:s:h", longopts, NULL)) != -1) {
		if ((taken = check_net_option(c, optarg, &o->net)) != 0) {
			if (taken < 0)
				return -1;
			continue;
		}
		switch (c) {
		case OPT_JSON:
			o->json = 1;
			break;
		case 's':
			if (o->nselectors == CHECK_MAX_SELECTORS) {
				fprintf(stderr, "authmilter-check: more than "
				    "%d --selector\n", CHECK_MAX_SELECTORS);
				return -1;
			}
			o->selectors[o->nselectors++] = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case OPT_SKIP_TLS:
			o->skip_tls = 1;
			break;
		default:
			return -1;
		}
	}
	return optind < argc ? 0 : -1;
}

/* norm_domain - DOMAIN lowercased without its final dot, or NULL */
static char *
norm_domain(const char *arg)
{
	char *d = xstrdup(arg);
	size_t n = strlen(d);

	if (n > 0 && d[n - 1] == '.')
		d[n - 1] = '\0';
	str_lower(d);
	if (!report_dest_is_host(d)) {
		fprintf(stderr, "authmilter-check: %s: not a domain name "
		    "(letters, digits and hyphens, at least two labels; an "
		    "international name in A-labels, xn--...)\n", arg);
		free(d);
		return NULL;
	}
	return d;
}

/* selectors - the table's sign= selectors for domain, then --selector */
static size_t
selectors(const struct domains_opts *o, const struct config *cf,
    const char *domain, struct check_dkim_sel *out)
{
	struct domain_policy pol;
	size_t n = 0, i, j;

	if (cf != NULL && cf->table != NULL) {
		table_lookup(cf->table, domain, &pol);
		for (i = 0; i < pol.nsign && n < CHECK_MAX_SELECTORS; i++) {
			out[n].selector = pol.sign[i].selector;
			out[n].keyfile = pol.sign[i].keyfile;
			out[n++].key = pol.sign[i].key;
		}
	}
	for (i = 0; i < o->nselectors && n < 2 * CHECK_MAX_SELECTORS; i++) {
		for (j = 0; j < n && !str_caseeq(out[j].selector,
		    o->selectors[i]); j++)
			;
		if (j < n)
			continue;	/* the table's, with its key file */
		out[n].selector = o->selectors[i];
		out[n].keyfile = NULL;
		out[n++].key = NULL;
	}
	return n;
}

/* check_domain - every check of one domain, as one JSON object */
static json_t *
check_domain(const struct domains_opts *o, const struct config *cf,
    struct dns_client *dc, const char *domain)
{
	struct check_dkim_sel sels[2 * CHECK_MAX_SELECTORS];
	json_t *report = json_object();
	struct dns_reply *r;
	size_t n;

	json_object_set_new(report, "domain", json_string(domain));
	json_object_set_new(report, "status", json_string("OK"));
	r = dns_lookup(dc, domain, DNS_T_TXT);
	if (r->status == DNS_TEMPFAIL) {
		check_finding(report, CHECK_UNKNOWN, "check the name servers "
		    "(--nameserver, Nameservers) and that they answer for "
		    "the domain", "DNS did not answer for %s TXT (timeout or "
		    "server failure): nothing checked", domain);
		dns_reply_free(r);
		goto out;
	}
	dns_reply_free(r);
	check_spf(report, dc, domain);
	n = selectors(o, cf, domain, sels);
	if (n == 0)
		check_finding(report, CHECK_OK, "name one with --selector, or "
		    "give -c with a table that signs for the domain", "DKIM "
		    "not checked: no selector given and none in the table "
		    "for %s", domain);
	check_dkim(report, dc, domain, sels, n);
	check_dmarc(report, dc, domain);
	check_tlsrpt(report, dc, domain);
	if (!o->skip_tls) {
		check_mx(report, dc, domain, &o->net.tls);
		check_mta_sts(report, dc, domain, &o->net.tls);
	}
out:
	json_object_set_new(report, "status",
	    json_string(check_sev_name(check_worst(report))));
	return report;
}

/* check_cmd_domains - authmilter-check DOMAIN... */
int
check_cmd_domains(int argc, char **argv)
{
	struct domains_opts o;
	struct config *cf = NULL;
	struct dns_ctx *ctx;
	struct dns_client *dc;
	struct strbuf errors;
	enum check_sev worst = CHECK_OK, sev;
	json_t *report;
	char **domains;
	int i, n;

	if (parse_args(argc, argv, &o) < 0)
		return usage();
	n = argc - optind;
	domains = xcalloc((size_t)n, sizeof(char *));
	for (i = 0; i < n; i++)
		if ((domains[i] = norm_domain(argv[optind + i])) == NULL) {
			while (i-- > 0)
				free(domains[i]);
			free(domains);
			return CHECK_UNKNOWN;
		}
	if (o.config != NULL) {
		sb_init(&errors);
		if ((cf = config_load(o.config, &errors)) == NULL) {
			fputs(errors.s, stderr);
			fprintf(stderr, "authmilter-check: %s: configuration "
			    "not usable, nothing checked\n", o.config);
			sb_free(&errors);
			for (i = 0; i < n; i++)
				free(domains[i]);
			free(domains);
			return CHECK_UNKNOWN;
		}
		sb_free(&errors);
	}
	ctx = check_net_dns(&o.net, cf);
	dc = dns_client_new(ctx);
	for (i = 0; i < n; i++) {
		report = check_domain(&o, cf, dc, domains[i]);
		if ((sev = check_worst(report)) > worst)
			worst = sev;
		if (o.json) {
			json_dumpf(report, stdout, JSON_COMPACT);
			putchar('\n');
		} else
			check_render(stdout, report, i > 0);
		fflush(stdout);
		json_decref(report);
		free(domains[i]);
	}
	free(domains);
	dns_client_free(dc);
	dns_ctx_free(ctx);
	if (cf != NULL)
		config_unref(cf);
	return worst;
}
