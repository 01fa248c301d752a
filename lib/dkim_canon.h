/*
 * NAME
 *	dkim_canon - DKIM canonicalization (RFC 6376 3.4) and body hashes,
 *	shared by the signer and the verifier
 * SYNOPSIS
 *	#include "dkim_canon.h"
 *
 *	const char *dkim_canon_name(enum dkim_canon c);
 *	void dkim_canon_header(struct strbuf *out, enum dkim_canon c,
 *	         const char *name, const char *value);
 *	const EVP_MD *dkim_md_sha256(void);
 *	const EVP_MD *dkim_md_sha1(void);
 *
 *	void dkim_body_init(struct dkim_body *b, enum dkim_canon c);
 *	long dkim_body_add_hash(struct dkim_body *b, const EVP_MD *md,
 *	         uint64_t limit);
 *	void dkim_body_feed(struct dkim_body *b, const unsigned char *p,
 *	         size_t len);
 *	void dkim_body_finish(struct dkim_body *b);
 *	uint64_t dkim_body_length(const struct dkim_body *b);
 *	int dkim_body_digest(struct dkim_body *b, size_t i,
 *	         unsigned char *out, unsigned int *outlen);
 *	void dkim_body_clear(struct dkim_body *b);
 * DESCRIPTION
 *	DKIM_MAX_HEADERS and DKIM_MAX_HEADER_BYTES are the limits of a
 *	message's header for DKIM, verifying and signing alike: the number
 *	of header fields and the bytes of their names and values (folds
 *	included).  A message past either is not verified (one permerror
 *	result, dkim_verify.h) and not signed (lib/session.c).
 *
 *	dkim_canon_name() gives the c= word, "relaxed" or "simple".  (The
 *	enum's names, SIGN_CANON_*, date from when only the signer had it.)
 *
 *	dkim_canon_header() appends one header field in canonical form,
 *	CRLF included.  Fields are given as they are in the message: the
 *	name, and the value as every byte after the colon (its leading
 *	white space included, as an MTA passes it to a milter that
 *	negotiated SMFIP_HDR_LEADSPC) with continuation lines behind
 *	"\r\n" or "\n".  Simple sees "Name:value", the field as sent; a
 *	"\n" not preceded by "\r" counts as CRLF.
 *	Relaxed follows RFC 6376 3.4.2 and nothing more: it lowercases
 *	the name, drops white space before the colon, unfolds (a line end,
 *	"\r\n" or "\n", goes), turns every run of WSP into one space and
 *	drops WSP at both ends of the value.  A bare CR is content and is
 *	kept, so "12\r34" and "1234" stay different.
 *
 *	dkim_md_sha256() and dkim_md_sha1() give the process's one fetched
 *	EVP_MD of each (EVP_MD_fetch on first use, thread-safe, kept until
 *	exit), so that no digest operation does OpenSSL 3's implicit fetch
 *	(a lock in its method store) again.  NULL if the provider lacks it.
 *
 *	A dkim_body canonicalizes one body for one canonicalization and
 *	feeds the canonical bytes to any number of hashes, each with its
 *	own limit (l=; UINT64_MAX for none): the canonical body is made
 *	once however many signatures share the canonicalization.  The
 *	body is streamed in chunks of any size (CRLF line ends; a bare LF
 *	is a line end too, a bare CR is data) and never kept: a pending
 *	CR, a pending WSP run and the count of held-back line ends are
 *	state, and the output goes through a fixed buffer of
 *	DKIM_BODY_BUFSIZE bytes.  Runs of plain bytes are copied whole.
 *
 *	dkim_body_init() starts one (no hash yet); dkim_body_add_hash()
 *	adds a hash before the first byte is fed and returns its index, or
 *	-1 when the digest cannot start (logged).  dkim_body_finish() ends
 *	the body (the last CRLF, trailing empty lines dropped, the empty
 *	body as the canonicalization wants it); after it
 *	dkim_body_length() is the whole canonical length (counted past
 *	every limit) and dkim_body_digest() gives hash i (at most once
 *	each; 0, or -1 on failure).  Bytes fed after the finish, and a
 *	second finish, are ignored.  dkim_body_clear() frees the hashes;
 *	the struct itself belongs to the caller.
 */
#ifndef AUTHMILTER_DKIM_CANON_H
#define AUTHMILTER_DKIM_CANON_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "util.h"

#define DKIM_BODY_BUFSIZE	4096
#define DKIM_MAX_HEADERS	1000	/* header fields of a message */
#define DKIM_MAX_HEADER_BYTES	1048576	/* their names and values */

enum dkim_canon {
	SIGN_CANON_RELAXED = 0,	/* "relaxed" */
	SIGN_CANON_SIMPLE		/* "simple" */
};

struct dkim_body_hash {
	EVP_MD_CTX	*ctx;
	uint64_t	 left;		/* bytes still to hash (l=) */
};

struct dkim_body {
	enum dkim_canon		 canon;
	int			 cr;	/* a CR waits for its LF */
	int			 wsp;	/* relaxed: a WSP run waits */
	int			 inline_; /* this line has content */
	int			 any;	/* some line had content */
	int			 hashing; /* some hash wants more bytes */
	int			 finished; /* dkim_body_finish() was called */
	uint64_t		 eols;	/* line ends held back */
	uint64_t		 length; /* canonical bytes so far */
	struct dkim_body_hash	*hash;
	size_t			 nhash;
	size_t			 n;
	unsigned char		 buf[DKIM_BODY_BUFSIZE];
};

const char	*dkim_canon_name(enum dkim_canon);
void		 dkim_canon_header(struct strbuf *, enum dkim_canon,
		    const char *, const char *);
const EVP_MD	*dkim_md_sha256(void);
const EVP_MD	*dkim_md_sha1(void);

void		 dkim_body_init(struct dkim_body *, enum dkim_canon);
long		 dkim_body_add_hash(struct dkim_body *, const EVP_MD *,
		    uint64_t);
void		 dkim_body_feed(struct dkim_body *, const unsigned char *,
		    size_t);
void		 dkim_body_finish(struct dkim_body *);
uint64_t	 dkim_body_length(const struct dkim_body *);
int		 dkim_body_digest(struct dkim_body *, size_t,
		    unsigned char *, unsigned int *);
void		 dkim_body_clear(struct dkim_body *);

#endif
