/*
 * NAME
 *	check_tls - authmilter-check's network checks: every MX host's
 *	STARTTLS and certificate, and the domain's MTA-STS policy
 * SYNOPSIS
 *	#include "check_tls.h"
 *
 *	void check_tls_opts_init(struct check_tls_opts *opts);
 *	void check_mx(json_t *report, struct dns_client *dc,
 *	    const char *domain, const struct check_tls_opts *opts);
 *	void check_mta_sts(json_t *report, struct dns_client *dc,
 *	    const char *domain, const struct check_tls_opts *opts);
 * DESCRIPTION
 *	check_mx() looks up domain's MX set with dc and fills
 *	report["mx"], one object per MX host (authmilter-check(8) lists
 *	the keys: host, starttls, tls_version, cipher, cert{verified,
 *	name_match, days_left, key_type, key_bits}, findings).
 *
 *	check_mta_sts() fills report["mta_sts"]: the _mta-sts TXT record,
 *	the policy fetched over HTTPS, and the MX hosts the policy does
 *	not cover (it reads report["mx"][].host when check_mx() ran, else
 *	looks the MX set up itself).
 *
 *	opts carries the command line's choices; check_tls_opts_init()
 *	sets the defaults (system CA store, --cert-days 21,7, port 25 and
 *	443).
 */
#ifndef AUTHMILTER_CHECK_TLS_H
#define AUTHMILTER_CHECK_TLS_H

#include <jansson.h>

#include "dns.h"

struct check_tls_opts {
	const char	*ca_file;	/* --ca-file; NULL: the system store */
	int		 warn_days;	/* --cert-days WARN,CRIT */
	int		 crit_days;
	int		 timeout;	/* seconds, each connection or fetch */
	int		 smtp_port;	/* 25 */
	int		 https_port;	/* 443 */
};

void	check_tls_opts_init(struct check_tls_opts *);
void	check_mx(json_t *, struct dns_client *, const char *,
	    const struct check_tls_opts *);
void	check_mta_sts(json_t *, struct dns_client *, const char *,
	    const struct check_tls_opts *);

#endif
