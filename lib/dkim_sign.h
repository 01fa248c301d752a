/*
 * NAME
 *	dkim_sign - sign a message with one or more DKIM keys (RFC 6376,
 *	RFC 8463), our own signer on OpenSSL
 * SYNOPSIS
 *	#include "dkim_sign.h"
 *
 *	struct dkim_signer *dkim_signer_new(const struct dkim_sign_opts *o,
 *	         const char *domain, struct signkey *const *keys, size_t n);
 *	void dkim_signer_header(struct dkim_signer *s, const char *name,
 *	         const char *value);
 *	void dkim_signer_eoh(struct dkim_signer *s);
 *	void dkim_signer_body(struct dkim_signer *s, const unsigned char *p,
 *	         size_t len);
 *	size_t dkim_signer_eom(struct dkim_signer *s, char ***values);
 *	void dkim_signer_free(struct dkim_signer *s);
 *
 *	extern const char *const dkim_sign_default_headers[];
 *	void dkim_signer_set_time(struct dkim_signer *s, time_t t);
 * DESCRIPTION
 *	A dkim_signer signs one message for one domain (d=) with every key
 *	given, each making its own DKIM-Signature: rsa-sha256 or
 *	ed25519-sha256 according to the key.  Headers are given as they
 *	are in the message (value: every byte after the colon, leading
 *	white space included; continuation lines as "\r\n\t..." or
 *	"\n\t..."); the body is streamed in chunks
 *	with CRLF line ends and hashed as it comes, never kept.
 *
 *	Canonicalization is o->header_canon/o->body_canon (relaxed/relaxed
 *	by default), done by lib/dkim_canon as for the verifier.  Signed
 *	headers are those of o->sign_headers present in the message (RFC
 *	6376 5.4 list by default), each as many times as it occurs,
 *	bottom-up; the names in o->oversign_headers (From by default) are
 *	listed once more than they occur, so that none can be added
 *	later.  No l= is ever written.  With o->ttl > 0 an x= of
 *	t= + ttl is added.
 *
 *	dkim_signer_eom() returns the number of signatures and, in
 *	*values, an array of header values (without "DKIM-Signature: "),
 *	folded for a 78-column line, owned by the signer until
 *	dkim_signer_free().  They are to be inserted at the top of the
 *	header block, in the order given.  A signing failure (which needs
 *	a broken key) gives fewer signatures and is logged.
 *
 *	Details the contract above leaves open:
 *
 *	o The header lists are NULL-terminated arrays borrowed from the
 *	  caller (the configuration), which must outlive the signer; an
 *	  array holding only NULL means none.  Names compare without
 *	  regard to case; h= lists them in lowercase.  From is always
 *	  signed (RFC 6376 5.4), whatever the list says, and an oversigned
 *	  name is signed even when it is not in the sign list.
 *	o h= follows the message: at the first occurrence of a signed
 *	  name, all its occurrences bottom-up (RFC 6376 5.4.2), then the
 *	  extra entry if it is oversigned; oversigned names absent from
 *	  the message come last (one entry each: signs their absence).
 *	o Only headers with a signed name are kept (until free); the body
 *	  costs a fixed 4 KB buffer whatever its size (see dkim_canon.h:
 *	  a bare LF in the body is a line end, a bare CR is data).
 *	o Simple header canonicalization sees "Name:value", the field as
 *	  it is; a "\n" not preceded by "\r" in a value counts as CRLF (as
 *	  on the wire).  The signature's own field is signed as
 *	  "DKIM-Signature: " and the value: whoever inserts it must put
 *	  exactly one space after the colon.
 *	o Digests use the process's fetched SHA-256 (dkim_md_sha256()).
 *	o The values from dkim_signer_eom() fold with "\n\t" (no CR), the
 *	  form libmilter's smfi_insheader() expects and Postfix and
 *	  Sendmail turn into CRLF TAB.  The tags are v, a, c, d, s, t, x
 *	  (with a ttl), h, bh, b, in that order; b= starts its own line.
 *	o All keys share one body hash; one signature per key, in the
 *	  order of the keys.
 *	o Each signature made is counted in lib/metrics by its algorithm
 *	  (metrics_signature()).
 *
 *	dkim_sign_default_headers is the default sign list: RFC 6376
 *	5.4.1's recommended set (From, Reply-To, Subject, Date, To, Cc,
 *	Resent-*, In-Reply-To, References, List-*), plus Sender,
 *	Message-ID, MIME-Version, Content-Type, Content-Transfer-Encoding
 *	and List-Unsubscribe-Post (RFC 8058 wants it signed).
 *
 *	dkim_signer_set_time() fixes t= (tests; default: the time of
 *	dkim_signer_eom()).
 */
#ifndef AUTHMILTER_DKIM_SIGN_H
#define AUTHMILTER_DKIM_SIGN_H

#include <stddef.h>
#include <time.h>

#include "dkim_canon.h"
#include "signkey.h"
#include "util.h"

struct dkim_sign_opts {
	enum dkim_canon	  header_canon;
	enum dkim_canon	  body_canon;
	const char *const *sign_headers;	/* NULL: RFC 6376 5.4 list */
	const char *const *oversign_headers;	/* NULL: From */
	unsigned	  ttl;			/* x= seconds after t=, 0: none */
};

struct dkim_signer;

struct dkim_signer	*dkim_signer_new(const struct dkim_sign_opts *,
			    const char *, struct signkey *const *, size_t);
void			 dkim_signer_header(struct dkim_signer *,
			    const char *, const char *);
void			 dkim_signer_eoh(struct dkim_signer *);
void			 dkim_signer_body(struct dkim_signer *,
			    const unsigned char *, size_t);
size_t			 dkim_signer_eom(struct dkim_signer *, char ***);
void			 dkim_signer_free(struct dkim_signer *);

extern const char *const dkim_sign_default_headers[];
void			 dkim_signer_set_time(struct dkim_signer *, time_t);

#endif
