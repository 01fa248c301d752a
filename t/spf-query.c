/*
 * spf-query - evaluate SPF for one transaction against a given DNS server
 *
 * usage: spf-query -s ADDR[:PORT] [-t timeout_ms] [-r tries] [-R receiver]
 *		[-H] IP SENDER HELO
 *
 * Checks the MAIL FROM identity (SENDER, "" for the null sender), or with
 * -H the HELO identity, of a client at IP.  Prints exactly three lines,
 * empty when there is nothing to say, so that scripts can rely on them:
 *
 *	result		none, neutral, pass, fail, softfail, temperror,
 *			permerror
 *	explanation	the expanded exp= text (fail only)
 *	problem		what went wrong (permerror, temperror only)
 *
 * Exit status 0, or 2 for a usage error.  Used by t/spf-suite.t.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "dns.h"
#include "spf.h"

/* usage - say how to call us, and stop */
static void
usage(void)
{
	fprintf(stderr, "usage: spf-query -s ADDR[:PORT] [-t timeout_ms] "
	    "[-r tries] [-R receiver] [-H] IP SENDER HELO\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct dns_options opt;
	struct dns_ctx *ctx;
	struct dns_client *dc;
	struct spf_request req;
	struct spf_outcome out;
	enum spf_identity id = SPF_ID_MAILFROM;
	const char *server = NULL;
	int ch;

	memset(&opt, 0, sizeof(opt));
	opt.timeout_ms = 500;
	opt.tries = 1;
	opt.cache_entries = 0;
	memset(&req, 0, sizeof(req));
	while ((ch = getopt(argc, argv, "s:t:r:R:H")) != -1) {
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
		case 'R':
			req.receiver = optarg;
			break;
		case 'H':
			id = SPF_ID_HELO;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3 || server == NULL || opt.timeout_ms <= 0 ||
	    opt.tries <= 0)
		usage();
	if (dns_parse_server(server, &opt.servers[0]) < 0) {
		fprintf(stderr, "spf-query: bad server %s\n", server);
		return 2;
	}
	opt.nservers = 1;
	if (inet_pton(AF_INET, argv[0], req.addr) == 1)
		req.family = AF_INET;
	else if (inet_pton(AF_INET6, argv[0], req.addr) == 1)
		req.family = AF_INET6;
	else {
		fprintf(stderr, "spf-query: bad address %s\n", argv[0]);
		return 2;
	}
	req.sender = argv[1];
	req.helo = argv[2];

	ctx = dns_ctx_new(&opt);
	dc = dns_client_new(ctx);
	spf_check(dc, &req, id, &out);
	printf("%s\n%s\n%s\n", spf_result_name(out.result),
	    out.explanation != NULL ? out.explanation : "",
	    out.problem != NULL ? out.problem : "");
	spf_outcome_free(&out);
	dns_client_free(dc);
	dns_ctx_free(ctx);
	return 0;
}
