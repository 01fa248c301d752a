/*
 * NAME
 *	dkim_int - what dkim_verify.c and dkim_key.c share, private to
 *	the DKIM modules (callers use dkim_verify.h)
 * SYNOPSIS
 *	#include "dkim_verify.h"
 *	#include "dkim_int.h"
 *
 *	int dkim_span_caseeq(const char *p, size_t n, const char *w);
 *	char *dkim_strip_fws(const char *p, size_t n);
 *	int dkim_b64_decode(const char *s, unsigned char **out,
 *	         size_t *outlen);
 *	int dkim_list_next(const char **pp, const char *end,
 *	         const char **item, size_t *len);
 *
 *	const char *dkim_tagset_read(struct tagset *ts, const char *p,
 *	         const char *end);
 *	void dkim_tagset_why(const struct tagset *ts, const char *why,
 *	         struct strbuf *err);
 *	char *dkim_tag_dup(const struct tagset *ts, int i);
 *	void dkim_set_why(struct strbuf *err, const char *why,
 *	         const struct tag *t);
 *
 *	const EVP_MD *dkim_engine_md(const struct dkim_engine *eng,
 *	         int sha1);
 *	EVP_PKEY *dkim_key_get(struct dkim_engine *eng,
 *	         const struct dkim_key *key, int ed, unsigned *bits);
 * DESCRIPTION
 *	The tag-list reader of RFC 6376 3.2, used for DKIM-Signature
 *	fields (dkim_verify.c) and key records (dkim_key.c).  The caller
 *	zeroes a struct tagset and sets known/nknown (at most 16 names);
 *	dkim_tagset_read() reads a whole tag-list into it and returns
 *	NULL or the first error, a static string.  Tags point into the
 *	caller's text, which must outlive the tagset.
 *	dkim_tagset_why() and dkim_set_why() append a reason to err
 *	(if not NULL) with a bounded, printable tag name or value.
 *	dkim_tag_dup() copies a known tag's value (NULL if absent; the
 *	caller frees it).
 *
 *	dkim_span_caseeq() compares n bytes with a word, ignoring ASCII
 *	case.  dkim_strip_fws() copies n bytes without white space
 *	(caller frees).  dkim_b64_decode() decodes base64 without white
 *	space into a buffer the caller frees (out NULL: only checks);
 *	0, or -1 if not base64.  dkim_list_next() steps through a
 *	':'-separated list.
 *
 *	dkim_engine_md() gives the engine's fetched digest.
 *	dkim_key_get() gives the public key of a key record, from the
 *	engine's cache (eng may be NULL: no cache) or decoded; a
 *	reference the caller frees with EVP_PKEY_free(), with its size in
 *	*bits, or NULL if p= is not a valid key of the type (ed: Ed25519).
 * DIAGNOSTICS
 *	None logged; errors are returned as above.  Out of memory is
 *	handled by xmalloc() (util.h).
 */
#ifndef AUTHMILTER_DKIM_INT_H
#define AUTHMILTER_DKIM_INT_H

#include <stddef.h>

#include <openssl/evp.h>

#include "util.h"
#include "dkim_verify.h"

#define DKIM_REASON_MAX		64	/* bytes of network text in a reason */
#define MAX_UNKNOWN_TAGS	32	/* distinct unknown tags in a list */

/* one tag-spec of a tag-list */
struct tag {
	const char	*name, *val;	/* val: trimmed of FWS */
	size_t		 nlen, vlen;
	const char	*raw, *rawend;	/* after '=' up to ';' or the end */
};

/* the tags of one tag-list seen so far, for repeats */
struct tagset {
	const char *const *known;
	size_t		 nknown;
	struct tag	 tag[16];	/* first occurrence of known[i] */
	unsigned	 have;		/* bit i: known[i] seen */
	struct tag	 unknown[MAX_UNKNOWN_TAGS];
	size_t		 nunknown;
	const char	*bad;		/* the tag of the first error, if one */
	size_t		 badlen;
};

int		 dkim_span_caseeq(const char *, size_t, const char *);
char		*dkim_strip_fws(const char *, size_t);
int		 dkim_b64_decode(const char *, unsigned char **, size_t *);
int		 dkim_list_next(const char **, const char *, const char **,
			    size_t *);
const char	*dkim_tagset_read(struct tagset *, const char *,
			    const char *);
void		 dkim_tagset_why(const struct tagset *, const char *,
			    struct strbuf *);
char		*dkim_tag_dup(const struct tagset *, int);
void		 dkim_set_why(struct strbuf *, const char *,
			    const struct tag *);
const EVP_MD	*dkim_engine_md(const struct dkim_engine *, int);
EVP_PKEY	*dkim_key_get(struct dkim_engine *, const struct dkim_key *,
			    int, unsigned *);

#endif /* AUTHMILTER_DKIM_INT_H */
