/*
 * signkey.c - DKIM private keys: load, check, describe
 *
 * A key file is opened once, checked through its descriptor (so the
 * file checked is the file read), parsed from memory by OpenSSL's PEM
 * decoders and wiped.  Passphrase prompts are refused outright: a
 * daemon has no terminal, and OpenSSL would otherwise try to open one.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "util.h"
#include "signkey.h"

#define KEYFILE_MAX	(64 * 1024)	/* far above any RSA-16384 PEM */

/* no_passphrase - PEM password callback: note the attempt and refuse */
static int
no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(int *)arg = 1;
	return -1;
}

/* key_error - append "PATH: text" to err */
static void __attribute__((format(printf, 3, 4)))
key_error(struct strbuf *err, const char *path, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	sb_printf(err, "%s: ", path ? path : "(key)");
	va_start(ap, fmt);
	sb_vprintf(err, fmt, ap);
	va_end(ap);
	sb_putc(err, '\n');
}

/* file_unsafe - the RequireSafeKeys test; 0 or -1 with err set */
static int
file_unsafe(const char *path, const struct stat *st, struct strbuf *err)
{
	unsigned mode = (unsigned)st->st_mode & 07777;
	const char *what;

	if ((mode & 077) != 0) {
		if ((mode & 044) != 0)
			what = "readable";
		else if ((mode & 022) != 0)
			what = "writable";
		else
			what = "accessible";
		key_error(err, path, "key file is %s by group or others "
		    "(mode %04o); chmod 600 it or set RequireSafeKeys no",
		    what, mode);
		return -1;
	}
	if (st->st_uid != geteuid() && st->st_uid != 0) {
		key_error(err, path, "key file is owned by uid %lu, not by "
		    "this process's user (uid %lu) or root; chown it or set "
		    "RequireSafeKeys no", (unsigned long)st->st_uid,
		    (unsigned long)geteuid());
		return -1;
	}
	return 0;
}

/* read_keyfile - the whole file into *data; its length, or -1 */
static ssize_t
read_keyfile(const char *path, int require_safe, char **data,
    struct strbuf *err)
{
	struct stat st;
	ssize_t n, len = 0;
	char *buf;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		key_error(err, path, "cannot open key file: %s",
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		key_error(err, path, "cannot stat key file: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		key_error(err, path, "key file is not a regular file");
		close(fd);
		return -1;
	}
	if (require_safe && file_unsafe(path, &st, err) == -1) {
		close(fd);
		return -1;
	}
	if (st.st_size > KEYFILE_MAX) {
		key_error(err, path, "key file is too large (%lld bytes) to "
		    "be a PEM private key", (long long)st.st_size);
		close(fd);
		return -1;
	}
	buf = xmalloc(KEYFILE_MAX + 1);
	for (;;) {
		n = read(fd, buf + len, KEYFILE_MAX - (size_t)len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		if (len == KEYFILE_MAX)
			break;
	}
	if (n == -1) {
		key_error(err, path, "cannot read key file: %s",
		    strerror(errno));
		OPENSSL_cleanse(buf, KEYFILE_MAX);
		free(buf);
		close(fd);
		return -1;
	}
	close(fd);
	buf[len] = '\0';
	*data = buf;
	return len;
}

/* parse_pem - the private key in data, or NULL with err set */
static EVP_PKEY *
parse_pem(const char *path, const char *data, size_t len,
    struct strbuf *err)
{
	EVP_PKEY *pkey;
	BIO *bio;
	int asked = 0;
	unsigned long e;

	if (len == 0) {
		key_error(err, path, "key file is empty");
		return NULL;
	}
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL) {
		key_error(err, path, "cannot read key: out of memory");
		return NULL;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked);
	BIO_free(bio);
	if (pkey != NULL) {
		ERR_clear_error();
		return pkey;
	}
	e = ERR_peek_last_error();
	if (asked)
		key_error(err, path, "key is protected by a passphrase; "
		    "store it unencrypted (openssl pkey -in KEY -out NEW) "
		    "with mode 0600");
	else if (strstr(data, "-----BEGIN ") == NULL)
		key_error(err, path, "not a PEM private key (expected "
		    "\"-----BEGIN PRIVATE KEY-----\" or \"-----BEGIN RSA "
		    "PRIVATE KEY-----\")");
	else
		key_error(err, path, "cannot parse the PEM private key%s%s",
		    e != 0 && ERR_reason_error_string(e) ? ": " : "",
		    e != 0 && ERR_reason_error_string(e) ?
		    ERR_reason_error_string(e) : "");
	ERR_clear_error();
	return NULL;
}

/* signkey_from_pkey - wrap a parsed key, checking its type and size */
struct signkey *
signkey_from_pkey(const char *selector, const char *path, EVP_PKEY *pkey,
    struct strbuf *err)
{
	struct signkey *k;
	enum signkey_type type;
	int bits = EVP_PKEY_get_bits(pkey);

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		type = SIGNKEY_RSA;
		if (bits < SIGNKEY_RSA_MIN_BITS) {
			key_error(err, path, "RSA key of %d bits is too weak "
			    "(RFC 8301 requires at least %d; use 2048)",
			    bits, SIGNKEY_RSA_MIN_BITS);
			return NULL;
		}
		break;
	case EVP_PKEY_ED25519:
		type = SIGNKEY_ED25519;
		break;
	default:
		key_error(err, path, "unsupported key type %s; DKIM signs "
		    "with RSA or Ed25519 keys",
		    OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
		return NULL;
	}
	k = xcalloc(1, sizeof(*k));
	k->selector = xstrdup(selector ? selector : "");
	k->path = xstrdup(path ? path : "");
	k->type = type;
	k->bits = bits > 0 ? (unsigned)bits : 0;
	k->pkey = pkey;
	return k;
}

/* signkey_load - read, check and keep one private key */
struct signkey *
signkey_load(const char *selector, const char *path, int require_safe,
    struct strbuf *err)
{
	struct signkey *k;
	EVP_PKEY *pkey;
	char *data = NULL;
	ssize_t len;

	if ((len = read_keyfile(path, require_safe, &data, err)) == -1)
		return NULL;
	pkey = parse_pem(path, data, (size_t)len, err);
	OPENSSL_cleanse(data, (size_t)len);
	free(data);
	if (pkey == NULL)
		return NULL;
	if ((k = signkey_from_pkey(selector, path, pkey, err)) == NULL)
		EVP_PKEY_free(pkey);
	return k;
}

/* signkey_free - release a key */
void
signkey_free(struct signkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k->selector);
	free(k->path);
	free(k);
}

/* signkey_public_b64 - the p= value of the key's DNS record */
int
signkey_public_b64(const struct signkey *k, struct strbuf *out)
{
	unsigned char *der = NULL, raw[64];
	size_t rawlen = sizeof(raw);
	const unsigned char *p;
	char *b64;
	int len;

	if (k->type == SIGNKEY_ED25519) {
		if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &rawlen) != 1) {
			ERR_clear_error();
			return -1;
		}
		p = raw;
		len = (int)rawlen;
	} else {
		if ((len = i2d_PUBKEY(k->pkey, &der)) <= 0) {
			ERR_clear_error();
			return -1;
		}
		p = der;
	}
	b64 = xmalloc(4 * (((size_t)len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, p, len);
	sb_puts(out, b64);
	free(b64);
	OPENSSL_free(der);
	return 0;
}

/* signkey_algorithm - the a= tag value for signatures by the key */
const char *
signkey_algorithm(const struct signkey *k)
{
	return k->type == SIGNKEY_ED25519 ? "ed25519-sha256" : "rsa-sha256";
}

/* signkey_type_name - the k= tag value for a key type */
const char *
signkey_type_name(enum signkey_type type)
{
	return type == SIGNKEY_ED25519 ? "ed25519" : "rsa";
}
