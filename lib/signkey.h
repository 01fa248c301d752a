/*
 * NAME
 *	signkey - DKIM private keys, loaded once and kept
 * SYNOPSIS
 *	#include "signkey.h"
 *
 *	struct signkey *signkey_load(const char *selector, const char *path,
 *	         int require_safe, struct strbuf *err);
 *	void signkey_free(struct signkey *k);
 *
 *	struct signkey *signkey_from_pkey(const char *selector,
 *	         const char *path, EVP_PKEY *pkey, struct strbuf *err);
 *	int signkey_public_b64(const struct signkey *k, struct strbuf *out);
 *	const char *signkey_algorithm(const struct signkey *k);
 *	const char *signkey_type_name(enum signkey_type type);
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
 *
 *	signkey_from_pkey() wraps a key already in memory (the key
 *	generator's, the unit tests'); it takes over pkey on success and
 *	applies the same type and size rules as signkey_load(); path is
 *	only kept for messages (may be NULL).
 *
 *	signkey_public_b64() appends the base64 public key as the p= tag of
 *	the DKIM key record wants it: the DER SubjectPublicKeyInfo for RSA
 *	(RFC 6376 3.6.1), the raw 32-byte key for Ed25519 (RFC 8463 4.2).
 *	It returns 0, or -1 when OpenSSL cannot export the key.
 *
 *	signkey_algorithm() gives the a= value ("rsa-sha256",
 *	"ed25519-sha256"); signkey_type_name() the k= value ("rsa",
 *	"ed25519").
 * DIAGNOSTICS
 *	The lines appended to err start with the file name, e.g.
 *	"/etc/k.pem: key file is readable by group or others (mode 0644);
 *	chmod 600 it or set RequireSafeKeys no".  A passphrase-protected
 *	key is refused (the daemon has no one to ask), never prompted for.
 */
#ifndef AUTHMILTER_SIGNKEY_H
#define AUTHMILTER_SIGNKEY_H

#include <openssl/evp.h>

#include "util.h"

enum signkey_type {
	SIGNKEY_RSA,		/* rsa-sha256 */
	SIGNKEY_ED25519		/* ed25519-sha256 (RFC 8463) */
};

#define SIGNKEY_RSA_MIN_BITS	1024	/* RFC 8301 3.2: signers MUST use >= */

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

struct signkey	*signkey_from_pkey(const char *, const char *, EVP_PKEY *,
		    struct strbuf *);
int		 signkey_public_b64(const struct signkey *, struct strbuf *);
const char	*signkey_algorithm(const struct signkey *);
const char	*signkey_type_name(enum signkey_type);

#endif
