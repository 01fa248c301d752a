/*
 * NAME
 *	dkim_verify - verify every DKIM signature of a message (RFC 6376,
 *	RFC 8463, RFC 8301), our own verifier on OpenSSL
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
 *	uint64_t dkim_verifier_index_steps(const struct dkim_verifier *v);
 *
 *	int dkim_sig_parse(const char *value, struct dkim_sig *sig,
 *	         struct strbuf *err);
 *	enum dkim_result dkim_sig_timecheck(const struct dkim_sig *sig,
 *	         time_t now, struct strbuf *why);
 *	void dkim_sig_clear(struct dkim_sig *sig);
 *	int dkim_key_parse(const char *txt, size_t len, struct dkim_key *key,
 *	         struct strbuf *err);
 *	void dkim_key_clear(struct dkim_key *key);
 * DESCRIPTION
 *	A dkim_engine holds what all verifiers of the process share: the
 *	fetched SHA-256 and SHA-1 (dkim_md_sha256() in dkim_canon.h) and a
 *	bounded cache of decoded public keys, keyed by the key record's
 *	k= and p= text (DKIM_KEY_CACHE_SLOTS entries, each slot replaced
 *	by the newest key that hashes to it; sharded locks held only to
 *	copy a reference).  Made once before threads start, shared by all
 *	threads, freed at exit (after every verifier made from it).
 *
 *	A dkim_verifier verifies one message.  Headers go in as they
 *	arrive (name, and the value with its leading white space: every
 *	byte after the colon); dkim_verifier_eoh() ends the headers and starts
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
 *	- pass needs the signature good over the hash (of a=) of the
 *	  canonical header data (RFC 6376 3.7; for Ed25519, PureEdDSA over
 *	  the SHA-256 of that data, RFC 8463 3) AND the body hash matching,
 *	  the key's k= naming the type of a=, then none of the policy
 *	  cases below.
 *	- policy, checked in this order: a=rsa-sha1 ("rsa-sha1 is not
 *	  accepted (RFC 8301)"; verified with SHA-1 first, so a bad one is
 *	  fail); an RSA key under opts->min_key_bits ("512-bit key, under
 *	  1024 bits"; Ed25519 keys are 256 bits and exempt); an l= shorter
 *	  than the canonical body ("l= leaves N bytes unsigned", N counted
 *	  by the same canonicalizer that hashes the body, RFC 6376
 *	  3.4.3/3.4.4); l= equal to the canonical body length is a pass
 *	  ("l= covers the whole body").  An expired signature (x= more
 *	  than DKIM_CLOCK_DRIFT seconds in the past) is policy too: RFC
 *	  6376 3.5 lets a verifier ignore it, and it is not verified at
 *	  all (nor its key looked up), so it is neither pass nor a proven
 *	  fail.
 *	- fail: signature or body hash bad ("signature did not verify";
 *	  "body hash did not verify" when only the body hash is wrong);
 *	  l= larger than the canonical body.
 *	- temperror: key lookup failed (DNS timeout, SERVFAIL, hostile
 *	  answer: DNS_TEMPFAIL), or no DNS client to ask; OpenSSL unable
 *	  to hash (logged).
 *	- permerror: no key (NXDOMAIN, NODATA, TXT records of which none
 *	  is a DKIM key record, a name that cannot exist), revoked key (p=
 *	  empty), key h= not allowing the hash, key k= not matching a=,
 *	  key s= not allowing email, key t=s with an i= domain other than
 *	  d=, bad key or signature syntax, t= more than DKIM_CLOCK_DRIFT
 *	  seconds in the future, h= without From, i= outside d=.
 *
 *	Header fields are given as they are in the message (name, and
 *	every byte after the colon; see dkim_canon_header()), so that
 *	simple header canonicalization sees them as they were sent.  h= takes fields bottom-up per
 *	name (RFC 6376 5.4.2); a name with no field left contributes
 *	nothing.  The DKIM-Signature field itself goes last, with the
 *	value of b= and the white space around it removed, without its
 *	CRLF.  When several TXT records are published at the key's name,
 *	the first that parses as a DKIM key record is used (RFC 6376
 *	3.6.2.2 leaves it undefined); a record whose v= is not DKIM1 is
 *	skipped.  RSA keys are base64 DER SubjectPublicKeyInfo or a bare
 *	PKCS#1 RSAPublicKey; Ed25519 keys the raw 32 bytes (RFC 8463) or
 *	a SubjectPublicKeyInfo.
 *
 *	Limits: at most DKIM_MAX_RESULTS DKIM-Signature fields get a
 *	result each (the first ones); the others are not evaluated and get
 *	one neutral result after them, without fields, that counts them
 *	("N more DKIM-Signature fields not checked: over 50").  Of the
 *	first ones, the first opts->max_sigs are evaluated and the rest are
 *	neutral ("not checked: more than N signatures").
 *	An opts field of 0 takes its default.
 *
 *	A message whose header has more than DKIM_MAX_HEADERS fields or
 *	more than DKIM_MAX_HEADER_BYTES bytes of names and values
 *	(dkim_canon.h) is not verified: from the field that crosses the
 *	limit on, nothing of the header is kept, and dkim_verifier_eom()
 *	gives one result, permerror ("not verified: more than 1000 header
 *	fields", or "... over N bytes"), with no d=, i=, s=, a=, b8, when
 *	the header has a DKIM-Signature anywhere; none when it has none.
 *	No signature of such a message can pass.
 *
 *	h= names are looked up in an index of the fields sorted by name
 *	(binary search, no hash table: no set of names is slow);
 *	dkim_verifier_index_steps() counts the name comparisons of those
 *	lookups so far, for the tests.  Header fields are kept
 *	until dkim_verifier_eoh(), which hashes each signature's header
 *	data and drops them.  Memory per message then does not grow with
 *	the body: each distinct (c=, hash, l=) body hash is computed once
 *	as the body streams by (at most one canonicalizer per body
 *	canonicalization, dkim_canon.h), and the canonical length is
 *	counted, not kept.
 *
 *	Key lookups: dkim_verifier_eoh() starts one DNS batch (see
 *	dns_batch_start() in dns.h) with the TXT query of every
 *	signature to be evaluated (each name once), and returns at once.
 *	dkim_verifier_eom() waits for the batch and judges each
 *	signature with its answer, even with the DNS cache turned off.
 *	With dc NULL at eoh nothing is prefetched, and the keys are looked
 *	up at eom, one after the other, through the dc given there (NULL
 *	there too: temperror).  Both take a client of the calling thread;
 *	the batch uses it until dkim_verifier_free().
 *
 *	Every string in a result is printable ASCII (bytes from the
 *	network outside 0x20..0x7e become '?').  d=, i=, s= and a= are
 *	kept whole, never cut (a cut i= could end in another domain): they
 *	are bounded only by the header limits (DKIM_MAX_HEADER_BYTES);
 *	b8 is the first 8 characters of b= (header.b, RFC 6008).
 *
 *	The parsers, public for the tests and the fuzzer:
 *	dkim_sig_parse() reads a DKIM-Signature value (RFC 6376 3.2, 3.5):
 *	returns 0, or -1 with the reason (printable, bounded) appended to
 *	err (which may be NULL).  Either way sig->d, s, i, a and b64 hold
 *	what the field says (NULL when absent) for the result; the rest is
 *	set only on 0.  Tag names are case-sensitive, repeated tags are an
 *	error, unknown tags are ignored, FWS is allowed around tags, '='
 *	and ';', inside b= and bh= and around the ':' of h= and q=.  A
 *	tag value may hold bytes over 0x7f (RFC 8616) but no control
 *	characters.  Numbers saturate at UINT64_MAX.  dkim_sig_timecheck()
 *	gives DKIM_RES_NONE for a signature whose t= and x= are acceptable
 *	at now, else permerror (t= in the future) or policy (expired),
 *	with the reason in why.  dkim_key_parse() reads a key record (RFC
 *	6376 3.6.1) of len bytes: returns 1 for a key record (p= empty:
 *	revoked), 0 for a record that is not one (v= first but not
 *	DKIM1), -1 with the reason in err for a broken one.  The _clear
 *	functions free what a parse allocated (also after an error).
 */
#ifndef AUTHMILTER_DKIM_VERIFY_H
#define AUTHMILTER_DKIM_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dkim_canon.h"
#include "dns.h"
#include "util.h"

#define DKIM_DEFAULT_MAX_SIGS		5
#define DKIM_DEFAULT_MIN_KEY_BITS	1024
#define DKIM_MAX_RESULTS		50	/* DKIM-Signature fields reported */
#define DKIM_CLOCK_DRIFT		300	/* seconds allowed for t=, x= */
#define DKIM_KEY_CACHE_SLOTS		512	/* decoded keys kept (> 0) */

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

enum dkim_alg {
	DKIM_ALG_NONE,
	DKIM_ALG_RSA_SHA256,
	DKIM_ALG_RSA_SHA1,
	DKIM_ALG_ED25519_SHA256
};

struct dkim_sig_result {
	enum dkim_result result;
	char		*domain;	/* d= */
	char		*identity;	/* i= (default @d) */
	char		*selector;	/* s= */
	char		*algorithm;	/* a= */
	enum dkim_alg	 alg;		/* a= known, or DKIM_ALG_NONE */
	char		*b8;		/* first 8 characters of b= */
	char		*comment;	/* why, for the A-R and the log */
	unsigned	 key_bits;	/* 0 if unknown */
	int		 testing;	/* key has t=y */
};

/* a DKIM-Signature as dkim_sig_parse() reads it */
struct dkim_sig {
	char		*d, *s, *i, *a;	/* as written, NULL if absent */
	char		*b64;		/* b= without its white space */
	enum dkim_alg	 alg;
	enum dkim_canon	 hcanon, bcanon;
	char		**h;		/* h= names, as written */
	size_t		 nh;
	unsigned char	*b, *bh;	/* b= and bh= decoded */
	size_t		 blen, bhlen;
	int		 has_l, has_t, has_x;
	uint64_t	 l, t, x;
	size_t		 b_off, b_len;	/* b='s value and the WSP around it */
};

#define DKIM_KEY_SHA1		0x1	/* struct dkim_key hashes */
#define DKIM_KEY_SHA256		0x2

/* a key record as dkim_key_parse() reads it */
struct dkim_key {
	char		*k;		/* k= as written, "rsa" if absent */
	unsigned	 hashes;	/* h=: DKIM_KEY_*, all if absent */
	int		 email;		/* s= absent, "*" or "email" */
	int		 testing;	/* t=y */
	int		 strict;	/* t=s */
	char		*p;		/* p= without white space, base64 */
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
uint64_t		 dkim_verifier_index_steps(const struct dkim_verifier *);

int			 dkim_sig_parse(const char *, struct dkim_sig *,
			    struct strbuf *);
enum dkim_result	 dkim_sig_timecheck(const struct dkim_sig *, time_t,
			    struct strbuf *);
void			 dkim_sig_clear(struct dkim_sig *);
int			 dkim_key_parse(const char *, size_t,
			    struct dkim_key *, struct strbuf *);
void			 dkim_key_clear(struct dkim_key *);

#endif
