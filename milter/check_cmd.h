/*
 * NAME
 *	check_cmd - the three modes of authmilter-check
 * SYNOPSIS
 *	#include "check_cmd.h"
 *
 *	int check_cmd_domains(int argc, char **argv);
 *	int check_cmd_message(int argc, char **argv);
 *	int check_cmd_tls_policy(int argc, char **argv);
 *
 *	void check_net_init(struct check_net_opts *o);
 *	int  check_net_option(int c, const char *arg,
 *	    struct check_net_opts *o);
 *	struct dns_ctx *check_net_dns(const struct check_net_opts *o,
 *	    const struct config *cf);
 * DESCRIPTION
 *	authmilter-check(8) has three modes, each in its own file:
 *	check_domains.c checks DOMAIN... (the default), check_message.c
 *	evaluates a message file (--message), check_tls_policy.c writes a
 *	Postfix smtp_tls_policy_maps file (--postfix-tls-policy).  main()
 *	picks the mode from argv and hands it the whole argv, so each
 *	mode parses its own options with getopt_long() from the start.
 *
 *	Each returns the exit status, the monitoring plugins' convention:
 *	CHECK_OK (0), CHECK_WARNING (1), CHECK_CRITICAL (2), or
 *	CHECK_UNKNOWN (3) when it could not check (bad arguments, bad
 *	config, DNS down).
 *
 *	The modes that go to the network share their options
 *	(check_net.c): a mode puts CHECK_NET_LONGOPTS in its getopt_long()
 *	table and hands each option to check_net_option(), which returns
 *	1 when it took it, 0 when the option is not one of them, and -1
 *	(after saying why on stderr) for a bad value.  check_net_dns()
 *	makes the resolver: --nameserver, else the config's Nameservers
 *	(cf may be NULL), else /etc/resolv.conf, with a cache.
 */
#ifndef AUTHMILTER_CHECK_CMD_H
#define AUTHMILTER_CHECK_CMD_H

#include "dns.h"
#include "config.h"
#include "check_tls.h"

/* getopt_long() values of the shared network options */
enum {
	CHECK_OPT_NAMESERVER = 512,
	CHECK_OPT_CA_FILE,
	CHECK_OPT_CERT_DAYS,
	CHECK_OPT_TIMEOUT,
	CHECK_OPT_SMTP_PORT,
	CHECK_OPT_HTTPS_PORT
};

#define CHECK_NET_LONGOPTS \
	{ "nameserver", required_argument, NULL, CHECK_OPT_NAMESERVER }, \
	{ "ca-file", required_argument, NULL, CHECK_OPT_CA_FILE }, \
	{ "cert-days", required_argument, NULL, CHECK_OPT_CERT_DAYS }, \
	{ "timeout", required_argument, NULL, CHECK_OPT_TIMEOUT }, \
	{ "smtp-port", required_argument, NULL, CHECK_OPT_SMTP_PORT }, \
	{ "https-port", required_argument, NULL, CHECK_OPT_HTTPS_PORT }

struct check_net_opts {
	struct dns_server	 servers[DNS_MAX_SERVERS];	/* --nameserver */
	size_t			 nservers;
	struct check_tls_opts	 tls;
};

int	check_cmd_domains(int, char **);
int	check_cmd_message(int, char **);
int	check_cmd_tls_policy(int, char **);

void	check_net_init(struct check_net_opts *);
int	check_net_option(int, const char *, struct check_net_opts *);
struct dns_ctx *check_net_dns(const struct check_net_opts *,
	    const struct config *);

#endif
