/*
 * NAME
 *	check_dmarc - authmilter-check's DMARC check: the policy record
 *	as receivers find it, and its report destinations
 * SYNOPSIS
 *	#include "check_dmarc.h"
 *
 *	void check_dmarc(json_t *report, struct dns_client *dc,
 *	    const char *domain);
 * DESCRIPTION
 *	check_dmarc() fills report["dmarc"]: the record the RFC 9989
 *	tree walk (dmarc_discover()) finds for domain, "record" (its
 *	text), "at" (the domain it was found at), "p", "sp", "np" (the
 *	policy words as they apply: sp defaults to p, np to sp),
 *	"adkim", "aspf", "testing", "psd", "org_domain"
 *	(dmarc_org_domain()), "rua" and "ruf" (arrays of {"uri",
 *	"address", "authorized", "why"}: each destination checked with
 *	report_dest_check(), the RFC 9990 authorization of destinations
 *	outside the policy domain's organizational domain), and
 *	"findings".
 * DIAGNOSTICS
 *	None: what goes wrong is a finding (a DNS temporary failure is
 *	UNKNOWN).
 */
#ifndef AUTHMILTER_CHECK_DMARC_H
#define AUTHMILTER_CHECK_DMARC_H

#include <jansson.h>

#include "dns.h"

void	check_dmarc(json_t *, struct dns_client *, const char *);

#endif
