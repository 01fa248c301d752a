/*
 * NAME
 *	signkey - DKIM private keys, loaded once and kept
 * SYNOPSIS
 *	#include "signkey.h"
 *
 *	struct signkey *signkey_load(const char *selector, const char *path,
 *	         int require_safe, struct strbuf *err);
 *	void signkey_free(struct signkey *k);
 * DESCRIPTION
 *	signkey_load() reads a PEM private key (PKCS#1 "RSA PRIVATE KEY" or
 *	PKCS#8 "PRIVATE KEY"; RSA or Ed25519), and detects its type and
 *	size from the key itself.  With require_safe (OpenDKIM's
 *	RequireSafeKeys, on by default) a key file that is readable or
 *	writable by group or others, or owned by someone other than the
 *	process's user or root, is refused.  An RSA key under 1024 bits
 *	is refused.  On error it returns NULL and appends one line to err
 *	naming the file and what is wrong.
 *
 *	The key object (an OpenSSL EVP_PKEY) is kept for the life of the
 *	configuration and shared read-only by every thread: signing never
 *	parses a key per message.
 */
#ifndef AUTHMILTER_SIGNKEY_H
#define AUTHMILTER_SIGNKEY_H

#include <openssl/evp.h>

#include "util.h"

enum signkey_type {
	SIGNKEY_RSA,		/* rsa-sha256 */
	SIGNKEY_ED25519		/* ed25519-sha256 (RFC 8463) */
};

struct signkey {
	char			*selector;
	char			*path;
	enum signkey_type	 type;
	unsigned		 bits;
	EVP_PKEY		*pkey;
};

struct signkey	*signkey_load(const char *, const char *, int,
		    struct strbuf *);
void		 signkey_free(struct signkey *);

#endif
