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
 *
 *	int  check_mta_sts_match(const char *pattern, const char *host);
 *	void check_mta_sts_policy(json_t *area, const char *body,
 *	    size_t len);
 * DESCRIPTION
 *	check_mx() looks up domain's MX set with dc and fills
 *	report["mx"], one object per MX host (authmilter-check(8) lists
 *	the keys: host, pref, address, starttls, tls_version, cipher,
 *	cert{verified, verify_error, name_match, days_left, not_after,
 *	key_type, key_bits}, findings).  Each host is asked over SMTP
 *	(greeting, EHLO, STARTTLS, the TLS handshake with the MX name as
 *	SNI) within opts->timeout seconds in all; findings about the MX
 *	set itself (none, a null MX, DNS failure) go to report's own
 *	"findings".  Every name and address comes from dc, never from the
 *	system resolver.
 *
 *	check_mta_sts() fills report["mta_sts"]: the _mta-sts TXT record,
 *	the policy fetched over HTTPS (libcurl; no redirects, text/plain,
 *	CHECK_STS_POLICY_MAX bytes at most, mta-sts.DOMAIN resolved with
 *	dc and pinned), and the MX hosts the policy covers and those it
 *	does not ("covered_mx", "uncovered_mx", over the whole MX set,
 *	not only the hosts check_mx() probed).  Under mode enforce it also turns an MX whose
 *	certificate check_mx() found unverified or misnamed into a
 *	CRITICAL finding, since senders that honour the policy will not
 *	deliver to it.
 *
 *	check_mta_sts_match() is RFC 8461 section 4.1's rule: pattern is
 *	a host name, or "*." and a host name, where the "*" stands for
 *	exactly one left-most label; case and one final dot do not
 *	matter.  It returns 1 when host matches, else 0.
 *
 *	check_mta_sts_policy() parses a policy body (RFC 8461 section
 *	3.2) into area: "version", "mode", "max_age" and "mx" (the
 *	patterns), with a finding for each fault (a missing or bad field,
 *	max_age outside CHECK_STS_MAX_AGE_MIN..CHECK_STS_MAX_AGE_MAX).  It
 *	touches no network: for the unit tests.
 *
 *	opts carries the command line's choices; check_tls_opts_init()
 *	sets the defaults (system CA store, --cert-days 21,7, --timeout
 *	10, port 25 and 443).
 */
#ifndef AUTHMILTER_CHECK_TLS_H
#define AUTHMILTER_CHECK_TLS_H

#include <stddef.h>

#include <jansson.h>

#include "dns.h"

#define CHECK_TLS_TIMEOUT_MAX	300	/* --timeout: at most 5 minutes */
#define CHECK_STS_POLICY_MAX	65536		/* RFC 8461 3.3: 64 KB */
#define CHECK_STS_MAX_AGE_MIN	86400		/* one day: less is WARNING */
#define CHECK_STS_MAX_AGE_MAX	31557600	/* RFC 8461 3.2: one year */

struct check_tls_opts {
	const char	*ca_file;	/* --ca-file; NULL: the system store */
	int		 warn_days;	/* --cert-days WARN,CRIT */
	int		 crit_days;
	int		 timeout;	/* seconds, each MX host or fetch */
	int		 smtp_port;	/* 25; --smtp-port (lab option) */
	int		 https_port;	/* 443; --https-port (lab option) */
};

void	check_tls_opts_init(struct check_tls_opts *);
void	check_mx(json_t *, struct dns_client *, const char *,
	    const struct check_tls_opts *);
void	check_mta_sts(json_t *, struct dns_client *, const char *,
	    const struct check_tls_opts *);
int	check_mta_sts_match(const char *, const char *);
void	check_mta_sts_policy(json_t *, const char *, size_t);

#endif
