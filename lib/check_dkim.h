/*
 * NAME
 *	check_dkim - authmilter-check's DKIM check: each selector's
 *	published key, its type and size, and the local private key
 * SYNOPSIS
 *	#include "check_dkim.h"
 *
 *	void check_dkim(json_t *report, struct dns_client *dc,
 *	    const char *domain, const struct check_dkim_sel *sels,
 *	    size_t n);
 * DESCRIPTION
 *	check_dkim() fills report["dkim"], an array with one object per
 *	selector of sels (in that order): "selector", "name" (the DNS name
 *	asked, SELECTOR._domainkey.DOMAIN), "record", "key_type" ("rsa",
 *	"ed25519", or as published), "bits", "testing" (t=y), "revoked"
 *	(empty p=), "keyfile" and "key_match" (when a private key is
 *	known), and "findings" (check.h).
 *
 *	The key record is chosen as the verifier (dkim_verify.h) chooses
 *	it: the first TXT record at the name that parses as a DKIM key
 *	record.  A selector with a keyfile is one the local table signs
 *	with: its private key is compared with the published public key
 *	(sel->key when the configuration loaded it, else the file is read
 *	here with signkey_load(), the file's permissions not checked), and
 *	a revoked key is CRITICAL for it (only WARNING for a selector
 *	given on the command line).
 * DIAGNOSTICS
 *	None: what goes wrong is a finding (a DNS temporary failure or an
 *	unreadable key file is UNKNOWN).
 */
#ifndef AUTHMILTER_CHECK_DKIM_H
#define AUTHMILTER_CHECK_DKIM_H

#include <stddef.h>

#include <jansson.h>

#include "dns.h"
#include "signkey.h"

#define CHECK_DKIM_RSA_CRIT	1024	/* RSA bits under this: CRITICAL */
#define CHECK_DKIM_RSA_WARN	2048	/* ... under this: WARNING */

struct check_dkim_sel {
	const char		*selector;
	const char		*keyfile;	/* NULL: no private key known */
	const struct signkey	*key;		/* loaded, or NULL */
};

void	check_dkim(json_t *, struct dns_client *, const char *,
	    const struct check_dkim_sel *, size_t);

#endif
