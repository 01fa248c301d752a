/*
 * check_net.c - the network options authmilter-check's modes share
 * (--nameserver, --ca-file, --cert-days, --timeout, --smtp-port,
 * --https-port) and the resolver they choose
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "dns.h"
#include "config.h"
#include "check_tls.h"
#include "check_cmd.h"

#define CHECK_DNS_CACHE		4096	/* entries, when the config has none */

/* parse_days - "WARN,CRIT", WARN >= CRIT >= 0; 0 or -1 */
static int
parse_days(const char *s, int *warn, int *crit)
{
	char *end;
	long w, c;

	w = strtol(s, &end, 10);
	if (end == s || *end != ',' || w < 0 || w > 36500)
		return -1;
	s = end + 1;
	c = strtol(s, &end, 10);
	if (end == s || *end != '\0' || c < 0 || c > w)
		return -1;
	*warn = (int)w;
	*crit = (int)c;
	return 0;
}

/* parse_number - a decimal number from 1 to max */
static int
parse_number(const char *s, int max, int *out)
{
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || v < 1 || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* check_net_init - no --nameserver, the TLS defaults */
void
check_net_init(struct check_net_opts *o)
{
	memset(o, 0, sizeof(*o));
	check_tls_opts_init(&o->tls);
}

/* check_net_option - one CHECK_NET_LONGOPTS option: 1 taken, 0 not ours, -1 bad */
int
check_net_option(int c, const char *arg, struct check_net_opts *o)
{
	const char *name;
	int *out, max = 65535;

	switch (c) {
	case CHECK_OPT_NAMESERVER:
		if (o->nservers == DNS_MAX_SERVERS ||
		    dns_parse_server(arg, &o->servers[o->nservers]) < 0) {
			fprintf(stderr, "authmilter-check: --nameserver %s: not "
			    "ADDR[:PORT], or more than %d\n", arg,
			    DNS_MAX_SERVERS);
			return -1;
		}
		o->nservers++;
		return 1;
	case CHECK_OPT_CA_FILE:
		o->tls.ca_file = arg;
		return 1;
	case CHECK_OPT_CERT_DAYS:
		if (parse_days(arg, &o->tls.warn_days, &o->tls.crit_days) < 0) {
			fprintf(stderr, "authmilter-check: --cert-days %s: want "
			    "WARN,CRIT with WARN >= CRIT >= 0\n", arg);
			return -1;
		}
		return 1;
	case CHECK_OPT_TIMEOUT:
		name = "--timeout";
		out = &o->tls.timeout;
		max = CHECK_TLS_TIMEOUT_MAX;
		break;
	case CHECK_OPT_SMTP_PORT:
		name = "--smtp-port";
		out = &o->tls.smtp_port;
		break;
	case CHECK_OPT_HTTPS_PORT:
		name = "--https-port";
		out = &o->tls.https_port;
		break;
	default:
		return 0;
	}
	if (parse_number(arg, max, out) < 0) {
		fprintf(stderr, "authmilter-check: %s %s: want a number from 1 "
		    "to %d\n", name, arg, max);
		return -1;
	}
	return 1;
}

/* check_net_dns - the resolver: --nameserver, else the config's, else resolv.conf */
struct dns_ctx *
check_net_dns(const struct check_net_opts *o, const struct config *cf)
{
	struct dns_options opts;

	if (cf != NULL)
		opts = cf->dns_opts;
	else {
		memset(&opts, 0, sizeof(opts));
		dns_servers_from_resolv_conf(NULL, &opts);
	}
	if (o->nservers > 0) {
		memcpy(opts.servers, o->servers, sizeof(o->servers));
		opts.nservers = o->nservers;
	}
	/* the walks ask some names twice: the cache answers those */
	if (opts.cache_entries == 0)
		opts.cache_entries = CHECK_DNS_CACHE;
	return dns_ctx_new(&opts);
}
