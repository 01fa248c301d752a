/*
 * NAME
 *	dkim_verify - verify every DKIM signature of a message (libopendkim)
 * SYNOPSIS
 *	#include "dkim_verify.h"
 *
 *	struct dkim_engine *dkim_engine_new(void);
 *	void dkim_engine_free(struct dkim_engine *eng);
 *
 *	struct dkim_verifier *dkim_verifier_new(struct dkim_engine *eng,
 *	         const struct dkim_verify_opts *opts, const char *jobid);
 *	void dkim_verifier_header(struct dkim_verifier *v, const char *name,
 *	         const char *value);
 *	void dkim_verifier_eoh(struct dkim_verifier *v, struct dns_client *dc);
 *	void dkim_verifier_body(struct dkim_verifier *v,
 *	         const unsigned char *p, size_t len);
 *	size_t dkim_verifier_eom(struct dkim_verifier *v,
 *	         struct dns_client *dc, const struct dkim_sig_result **res);
 *	void dkim_verifier_free(struct dkim_verifier *v);
 *	const char *dkim_result_name(enum dkim_result r);
 * DESCRIPTION
 *	A dkim_engine wraps the one DKIM_LIB of the process: made once
 *	before threads start (dkim_dns_attach() routes its DNS through
 *	lib/dns), shared by all threads, freed at exit.
 *
 *	A dkim_verifier verifies one message.  Headers go in as they
 *	arrive (name and value as the MTA gives them, value without the
 *	leading space); dkim_verifier_eoh() ends the headers and starts
 *	the key lookups of every signature at once through dc, so that
 *	end of message waits for the slowest lookup, not their sum.  The
 *	body is streamed in chunks (CRLF line ends, as the MTA sends it);
 *	nothing is kept whole.  dkim_verifier_eom() finishes and returns
 *	one result per DKIM-Signature header, in header order, in *res
 *	(owned by the verifier, valid until dkim_verifier_free()); it
 *	returns their count (0: the message has no signature).
 *
 *	Results, with a comment saying why (RFC 8601 reason):
 *	pass		signature and body hash good, key acceptable
 *	fail		bad signature or body hash, or a signed header
 *			changed
 *	neutral		a signature past opts->max_sigs (not evaluated)
 *	policy		verified, but local policy does not accept it:
 *			rsa-sha1 (RFC 8301), a key shorter than
 *			opts->min_key_bits, l= leaving body content
 *			unsigned, an expired signature (x=)
 *	temperror	the key could not be fetched (DNS timeout, SERVFAIL)
 *	permerror	no key (NXDOMAIN/NODATA), revoked key (empty p=),
 *			key syntax, h=/k= mismatch, signature syntax
 *	A testing key (t=y) keeps its result and says so in the comment.
 *
 *	Every string in a result is printable ASCII (bytes from the
 *	network outside 0x20..0x7e become '?') and bounded.
 */
#ifndef AUTHMILTER_DKIM_VERIFY_H
#define AUTHMILTER_DKIM_VERIFY_H

#include <stddef.h>

#include "dns.h"

#define DKIM_DEFAULT_MAX_SIGS		5
#define DKIM_DEFAULT_MIN_KEY_BITS	1024

enum dkim_result {
	DKIM_RES_NONE,
	DKIM_RES_PASS,
	DKIM_RES_FAIL,
	DKIM_RES_POLICY,
	DKIM_RES_NEUTRAL,
	DKIM_RES_TEMPERROR,
	DKIM_RES_PERMERROR
};

struct dkim_verify_opts {
	unsigned	max_sigs;	/* MaximumSignaturesToVerify */
	unsigned	min_key_bits;	/* MinimumKeyBits */
};

struct dkim_sig_result {
	enum dkim_result result;
	char		*domain;	/* d= */
	char		*identity;	/* i= (default @d) */
	char		*selector;	/* s= */
	char		*algorithm;	/* a= */
	char		*b8;		/* first 8 characters of b= */
	char		*comment;	/* why, for the A-R and the log */
	unsigned	 key_bits;	/* 0 if unknown */
	int		 testing;	/* key has t=y */
};

struct dkim_engine;
struct dkim_verifier;

struct dkim_engine	*dkim_engine_new(void);
void			 dkim_engine_free(struct dkim_engine *);
struct dkim_verifier	*dkim_verifier_new(struct dkim_engine *,
			    const struct dkim_verify_opts *, const char *);
void			 dkim_verifier_header(struct dkim_verifier *,
			    const char *, const char *);
void			 dkim_verifier_eoh(struct dkim_verifier *,
			    struct dns_client *);
void			 dkim_verifier_body(struct dkim_verifier *,
			    const unsigned char *, size_t);
size_t			 dkim_verifier_eom(struct dkim_verifier *,
			    struct dns_client *,
			    const struct dkim_sig_result **);
void			 dkim_verifier_free(struct dkim_verifier *);
const char		*dkim_result_name(enum dkim_result);

#endif
