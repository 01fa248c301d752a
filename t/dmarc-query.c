/*
 * dmarc-query - lib/dmarc against a given DNS server, one line out
 *
 * usage: dmarc-query -s ADDR[:PORT] [-t timeout_ms] [-r tries]
 *		[-c cache_entries] COMMAND ARGS
 *
 *	discover DOMAIN		policy discovery:
 *				"found at=D p=P sp=S np=N adkim=r|s aspf=r|s
 *				psd=y|n|u t=y|n rua=(...)",
 *				"none", "invalid at=D error=(...)" or
 *				"temperror at=D"
 *	org DOMAIN		"org D" or "temperror"
 *	aligned A B strict|relaxed
 *				"aligned", "not-aligned" or "temperror"
 *	eval AUTHOR [-f SPF_DOMAIN] [-p] [-e] [-d DKIM_DOMAIN]...
 *	    [-T DKIM_DOMAIN]...
 *				"RESULT policy=TAG:WORD disposition=D
 *				testing=y|n record=D org=D aligned=HOW:D
 *				reason=(...)"; "-" for what is missing.
 *				-p: SPF passed for SPF_DOMAIN; -e: SPF
 *				gave temperror for it; -T: a signature
 *				of that d= gave temperror.
 *	evalmany AUTHOR... [same options]
 *				dmarc_evaluate_authors(): one line as
 *				above per author, "AUTHOR: " first.
 *
 * The DNS cache is off unless -c is given, so that a query log shows
 * every query lib/dmarc makes.  Exit status 0, or 2 for a usage error.
 * Used by t/dmarc.t.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "dns.h"
#include "dmarc.h"

/* usage - say how to call us, and stop */
static void
usage(void)
{
	fprintf(stderr, "usage: dmarc-query -s ADDR[:PORT] [-t timeout_ms] "
	    "[-r tries] [-c cache_entries]\n"
	    "\tdiscover DOMAIN | org DOMAIN | aligned A B strict|relaxed |\n"
	    "\teval AUTHOR [-f SPF_DOMAIN] [-p] [-e] [-d DKIM_DOMAIN]... "
	    "[-T DKIM_DOMAIN]...\n"
	    "\tevalmany AUTHOR... [the options of eval]\n");
	exit(2);
}

/* or_dash - s, or "-" for nothing */
static const char *
or_dash(const char *s)
{
	return s != NULL ? s : "-";
}

/* do_discover - print what policy discovery found */
static void
do_discover(struct dns_client *dc, const char *domain)
{
	struct dmarc_policy pol;
	const struct dmarc_record *r = &pol.rec;
	static const char psd[] = { 'u', 'y', 'n' };

	dmarc_discover(dc, domain, &pol);
	if (pol.status == DMARC_TEMPERROR)
		printf("temperror at=%s\n", pol.at);
	else if (pol.invalid)
		printf("invalid at=%s error=(%s)\n", pol.at, pol.error);
	else if (pol.status == DMARC_NOT_FOUND)
		printf("none\n");
	else
		printf("found at=%s p=%s sp=%s np=%s adkim=%c aspf=%c psd=%c "
		    "t=%c rua=(%s)\n", pol.at, dmarc_policy_name(r->p),
		    dmarc_policy_name(r->sp), dmarc_policy_name(r->np),
		    r->adkim == DMARC_ALIGN_STRICT ? 's' : 'r',
		    r->aspf == DMARC_ALIGN_STRICT ? 's' : 'r', psd[r->psd],
		    r->testing ? 'y' : 'n', r->rua != NULL ? r->rua : "");
	dmarc_policy_clear(&pol);
}

/* print_outcome - the line of one evaluation */
static void
print_outcome(const struct dmarc_outcome *out)
{
	printf("%s policy=%s:%s disposition=%s testing=%s record=%s org=%s "
	    "aligned=%s%s%s reason=(%s)\n", dmarc_result_name(out->result),
	    or_dash(out->policy_tag), dmarc_policy_name(out->policy),
	    dmarc_disposition_name(out->disposition),
	    out->testing ? "y" : "n", or_dash(out->record_domain),
	    or_dash(out->org_domain), or_dash(out->aligned_by),
	    out->aligned_domain != NULL ? ":" : "",
	    out->aligned_domain != NULL ? out->aligned_domain : "",
	    or_dash(out->reason));
}

/*
 * do_eval - print the evaluation of the author domains before the first
 * option: one with dmarc_evaluate(), or (many) dmarc_evaluate_authors()
 */
static void
do_eval(struct dns_client *dc, int argc, char **argv, int many)
{
	struct dmarc_input in;
	struct dmarc_outcome *out;
	const char **dkim, **temp;
	int i, nauthors;

	memset(&in, 0, sizeof(in));
	dkim = xcalloc((size_t)argc + 1, sizeof(*dkim));
	temp = xcalloc((size_t)argc + 1, sizeof(*temp));
	for (nauthors = 0; nauthors < argc && argv[nauthors][0] != '-';
	    nauthors++)
		;
	if (nauthors == 0 || (!many && nauthors != 1))
		usage();
	for (i = nauthors; i < argc; i++) {
		if (strcmp(argv[i], "-p") == 0)
			in.spf_pass = 1;
		else if (strcmp(argv[i], "-e") == 0)
			in.spf_temperror = 1;
		else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
			in.spf_domain = argv[++i];
		else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
			dkim[in.ndkim++] = argv[++i];
		else if (strcmp(argv[i], "-T") == 0 && i + 1 < argc)
			temp[in.ndkim_temp++] = argv[++i];
		else
			usage();
	}
	in.dkim_domains = dkim;
	in.dkim_temp_domains = temp;
	out = xcalloc((size_t)nauthors, sizeof(*out));
	if (many)
		dmarc_evaluate_authors(dc, &in, (const char *const *)argv,
		    (size_t)nauthors, out);
	else {
		in.author_domain = argv[0];
		dmarc_evaluate(dc, &in, &out[0]);
	}
	for (i = 0; i < nauthors; i++) {
		if (many)
			printf("%s: ", argv[i]);
		print_outcome(&out[i]);
		dmarc_outcome_free(&out[i]);
	}
	free(out);
	free(dkim);
	free(temp);
}

int
main(int argc, char **argv)
{
	struct dns_options opt;
	struct dns_ctx *ctx;
	struct dns_client *dc;
	struct strbuf sb;
	const char *server = NULL;
	int ch, rc;

	memset(&opt, 0, sizeof(opt));
	opt.timeout_ms = 500;
	opt.tries = 1;
	while ((ch = getopt(argc, argv, "+s:t:r:c:")) != -1) {
		switch (ch) {
		case 's':
			server = optarg;
			break;
		case 't':
			opt.timeout_ms = atoi(optarg);
			break;
		case 'r':
			opt.tries = atoi(optarg);
			break;
		case 'c':
			opt.cache_entries = (size_t)atol(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || server == NULL || opt.timeout_ms <= 0 ||
	    opt.tries <= 0)
		usage();
	if (dns_parse_server(server, &opt.servers[0]) < 0) {
		fprintf(stderr, "dmarc-query: bad server %s\n", server);
		return 2;
	}
	opt.nservers = 1;
	ctx = dns_ctx_new(&opt);
	dc = dns_client_new(ctx);

	if (strcmp(argv[0], "discover") == 0 && argc == 2)
		do_discover(dc, argv[1]);
	else if (strcmp(argv[0], "org") == 0 && argc == 2) {
		sb_init(&sb);
		if (dmarc_org_domain(dc, argv[1], &sb) == 0)
			printf("org %s\n", sb.s);
		else
			printf("temperror\n");
		sb_free(&sb);
	} else if (strcmp(argv[0], "aligned") == 0 && argc == 4 &&
	    (strcmp(argv[3], "strict") == 0 ||
	    strcmp(argv[3], "relaxed") == 0)) {
		rc = dmarc_aligned(dc, argv[1], argv[2],
		    strcmp(argv[3], "strict") == 0 ? DMARC_ALIGN_STRICT :
		    DMARC_ALIGN_RELAXED);
		printf("%s\n", rc == 1 ? "aligned" : rc == 0 ? "not-aligned" :
		    "temperror");
	} else if (strcmp(argv[0], "eval") == 0)
		do_eval(dc, argc - 1, argv + 1, 0);
	else if (strcmp(argv[0], "evalmany") == 0)
		do_eval(dc, argc - 1, argv + 1, 1);
	else
		usage();

	dns_client_free(dc);
	dns_ctx_free(ctx);
	return 0;
}
