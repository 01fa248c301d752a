/*
 * NAME
 *	check_tlsrpt - authmilter-check's TLS-RPT check: the SMTP TLS
 *	reporting record (RFC 8460) and its rua
 * SYNOPSIS
 *	#include "check_tlsrpt.h"
 *
 *	void check_tlsrpt(json_t *report, struct dns_client *dc,
 *	    const char *domain);
 * DESCRIPTION
 *	check_tlsrpt() fills report["tls_rpt"] from the TXT records at
 *	_smtp._tls.DOMAIN (RFC 8460 3): "record" (the one starting
 *	"v=TLSRPTv1"), "rua" (its URIs, each mailto: or https:, at most
 *	CHECK_TLSRPT_MAX_RUA) and "findings".  No record is a WARNING;
 *	several, no rua= or a URI of another scheme make the record
 *	unusable (CRITICAL).
 * DIAGNOSTICS
 *	None: what goes wrong is a finding (a DNS temporary failure is
 *	UNKNOWN).
 */
#ifndef AUTHMILTER_CHECK_TLSRPT_H
#define AUTHMILTER_CHECK_TLSRPT_H

#include <jansson.h>

#include "dns.h"

#define CHECK_TLSRPT_MAX_RUA	8	/* rua URIs listed */

void	check_tlsrpt(json_t *, struct dns_client *, const char *);

#endif
