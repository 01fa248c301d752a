/*
 * check-tls-probe - run check_mx() and check_mta_sts() on one domain and
 * print the report as JSON (t/check-tls.t; authmilter-check(8) is the
 * real command)
 *
 *	t/check-tls-probe --nameserver ADDR:PORT [--smtp-port N]
 *	    [--https-port N] [--ca-file F] [--cert-days W,C] [--timeout S]
 *	    [--only mx|mta-sts] DOMAIN
 *
 * Exit status: the worst finding (0 OK, 1 WARNING, 2 CRITICAL, 3
 * UNKNOWN), or 3 for bad arguments.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_tls.h"
#include "dns.h"

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "nameserver", required_argument, NULL, 'n' },
		{ "smtp-port", required_argument, NULL, 's' },
		{ "https-port", required_argument, NULL, 'h' },
		{ "ca-file", required_argument, NULL, 'c' },
		{ "cert-days", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "only", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct check_tls_opts opts;
	struct dns_options dopt;
	struct dns_ctx *ctx;
	struct dns_client *dc;
	const char *only = NULL;
	json_t *report;
	enum check_sev worst;
	int c;

	check_tls_opts_init(&opts);
	memset(&dopt, 0, sizeof(dopt));
	dopt.timeout_ms = 2000;
	dopt.tries = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (dns_parse_server(optarg, &dopt.servers[0]) < 0)
				return CHECK_UNKNOWN;
			dopt.nservers = 1;
			break;
		case 's':
			opts.smtp_port = atoi(optarg);
			break;
		case 'h':
			opts.https_port = atoi(optarg);
			break;
		case 'c':
			opts.ca_file = optarg;
			break;
		case 'd':
			if (sscanf(optarg, "%d,%d", &opts.warn_days,
			    &opts.crit_days) != 2)
				return CHECK_UNKNOWN;
			break;
		case 't':
			opts.timeout = atoi(optarg);
			break;
		case 'o':
			only = optarg;
			break;
		default:
			return CHECK_UNKNOWN;
		}
	}
	if (optind != argc - 1 || dopt.nservers == 0) {
		fprintf(stderr, "usage: check-tls-probe --nameserver ADDR:PORT "
		    "[options] DOMAIN\n");
		return CHECK_UNKNOWN;
	}
	ctx = dns_ctx_new(&dopt);
	dc = dns_client_new(ctx);
	report = json_object();
	json_object_set_new(report, "domain", json_string(argv[optind]));
	if (only == NULL || strcmp(only, "mx") == 0)
		check_mx(report, dc, argv[optind], &opts);
	if (only == NULL || strcmp(only, "mta-sts") == 0)
		check_mta_sts(report, dc, argv[optind], &opts);
	worst = check_worst(report);
	json_object_set_new(report, "status",
	    json_string(check_sev_name(worst)));
	json_dumpf(report, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(report);
	dns_client_free(dc);
	dns_ctx_free(ctx);
	return (int)worst;
}
