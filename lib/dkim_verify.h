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
 *	Precisely:
 *	- pass needs libopendkim's signature check good AND the body hash
 *	  matching (DKIM_SIG_CHECK: DKIM_SIGFLAG_PASSED and
 *	  dkim_sig_getbh() == DKIM_SIGBH_MATCH), the key's k= naming the
 *	  type of a=, then none of the policy cases below.
 *	- policy, checked in this order: a=rsa-sha1 ("rsa-sha1 is not
 *	  accepted (RFC 8301)"; libopendkim would call it good); an RSA
 *	  key under opts->min_key_bits ("512-bit key, under 1024 bits";
 *	  Ed25519 keys are 256 bits and exempt); an l= shorter than the
 *	  canonical body ("l= leaves N bytes unsigned", N counted in the
 *	  signature's body canonicalization, RFC 6376 3.4.3/3.4.4, while
 *	  the body streams by); l= equal to the canonical body length is
 *	  a pass ("l= covers the whole body").  An expired signature (x=
 *	  in the past, beyond libopendkim's clock drift) is policy too:
 *	  RFC 6376 3.5 lets a verifier ignore it, and libopendkim does not
 *	  verify it at all, so it is neither pass nor a proven fail.
 *	- fail: signature or body hash bad; l= larger than the body.
 *	- temperror: key lookup failed (DNS timeout, SERVFAIL, hostile
 *	  answer): libopendkim's DKIM_SIGERROR_KEYFAIL.
 *	- permerror: no key (NXDOMAIN, NODATA, a name that cannot exist),
 *	  revoked key (p= empty), key h= not allowing the hash
 *	  (KEYHASHMISMATCH), key k= not matching a=, bad key or signature
 *	  syntax, t= in the future, h= without From, and every signature
 *	  when libopendkim refuses the whole header block.
 *
 *	Header fields go to libopendkim as "name: value" (one space put
 *	back after the colon, as OpenDKIM does when the MTA strips it), so
 *	a field signed with simple header canonicalization and without
 *	that one space does not verify.
 *
 *	Limits: at most DKIM_MAX_RESULTS DKIM-Signature fields are
 *	reported (the first ones; the others are neither evaluated nor
 *	reported); of those, the first opts->max_sigs are evaluated and
 *	the rest are neutral ("not checked: more than N signatures").
 *	An opts field of 0 takes its default.  Memory per message does not
 *	grow with the body: libopendkim hashes each chunk as it comes
 *	(no temporary files), and the canonical length is counted, not
 *	kept.
 *
 *	Key lookups: dkim_verifier_eoh() starts one DNS batch (see
 *	dns_batch_start() in dns.h) with the TXT query of every signature
 *	to be evaluated, and returns at once; libopendkim is built with
 *	DKIM_LIBFLAGS_DELAYSIGPROC so that it looks nothing up before end
 *	of message.  dkim_verifier_eom() waits for the batch, binds it to
 *	the thread (dkim_dns_bind_batch(); dc too with dkim_dns_bind(),
 *	unless NULL: then the client already bound stays) and lets
 *	libopendkim process the signatures: its sequential lookups find
 *	the answers already there, even with the DNS cache turned off.
 *	With dc NULL at eoh nothing is prefetched, and lookups at eom go
 *	to the thread's bound client.  Both take a client of the calling
 *	thread; the batch uses it until dkim_verifier_free().
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
#define DKIM_MAX_RESULTS		50	/* DKIM-Signature fields reported */

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
