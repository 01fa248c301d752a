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
 * DESCRIPTION
 *	A dkim_signer signs one message for one domain (d=) with every key
 *	given, each making its own DKIM-Signature: rsa-sha256 or
 *	ed25519-sha256 according to the key.  Headers are given as the
 *	MTA passes them (value without the leading space, continuation
 *	lines as "\r\n\t..." or "\n\t..."); the body is streamed in chunks
 *	with CRLF line ends and hashed as it comes, never kept.
 *
 *	Canonicalization is o->header_canon/o->body_canon (relaxed/relaxed
 *	by default).  Signed headers are those of o->sign_headers present
 *	in the message (RFC 6376 5.4 list by default), each as many times
 *	as it occurs, bottom-up; the names in o->oversign_headers (From by
 *	default) are listed once more than they occur, so that none can be
 *	added later.  No l= is ever written.  With o->ttl > 0 an x= of
 *	t= + ttl is added.
 *
 *	dkim_signer_eom() returns the number of signatures and, in
 *	*values, an array of header values (without "DKIM-Signature: "),
 *	folded for a 78-column line, owned by the signer until
 *	dkim_signer_free().  They are to be inserted at the top of the
 *	header block, in the order given.  A signing failure (which needs
 *	a broken key) gives fewer signatures and is logged.
 */
#ifndef AUTHMILTER_DKIM_SIGN_H
#define AUTHMILTER_DKIM_SIGN_H

#include <stddef.h>

#include "signkey.h"

enum dkim_canon {
	SIGN_CANON_RELAXED = 0,	/* "relaxed" */
	SIGN_CANON_SIMPLE		/* "simple" */
};

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

#endif
