/*
 * authmilter-keygen.c - make a DKIM signing key and say what to publish
 *
 * authmilter-keygen -d DOMAIN -s SELECTOR [-t rsa|ed25519] [-b BITS]
 *	[-D DIR]
 *
 * Writes DIR/DOMAIN.SELECTOR.pem (PKCS#8 PEM, mode 0600, never over an
 * existing file) and prints the DNS TXT record to publish (zone-file
 * form with strings of at most 255 bytes, and the one-line form DNS web
 * panels want) and the line for the domains table.  The public key is
 * taken from the key as lib/signkey loads it, so what is printed is
 * what authmilter will sign with.  Exit 0, 1 on failure, 64 on a usage
 * error; messages go to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "util.h"
#include "signkey.h"

#define EX_USAGE_	64
#define RSA_DEFAULT_BITS 2048
#define RSA_MAX_BITS	8192
#define TXT_STRING_MAX	250	/* <= 255 bytes per TXT string */

static const char *progname = "authmilter-keygen";

/* usage - the synopsis on stderr (or stdout for -h), then exit */
static void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: %s -d DOMAIN -s SELECTOR "
	    "[-t rsa|ed25519] [-b BITS] [-D DIR]\n", progname);
	exit(status);
}

/* fail - an error message on stderr, then exit with status */
static void __attribute__((format(printf, 2, 3), noreturn))
fail(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* valid_name - letters, digits, hyphens in dot-separated labels */
static int
valid_name(const char *s)
{
	size_t label = 0, len = strlen(s);
	const char *p;

	if (len == 0 || len > 253)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
		if (*p == '-' && label == 0)
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && p[-1] != '-';
}

/* write_key - the PEM into a new file of mode 0600; exits on failure */
static void
write_key(const char *path, EVP_PKEY *pkey)
{
	BIO *bio;
	char *pem;
	long len;
	ssize_t n;
	size_t off = 0;
	int fd;

	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL,
	    NULL) != 1)
		fail(1, "cannot encode the private key");
	len = BIO_get_mem_data(bio, &pem);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 && errno == EEXIST)
		fail(1, "%s already exists; not overwriting it (remove it "
		    "first, or choose another selector)", path);
	if (fd == -1)
		fail(1, "cannot create %s: %s", path, strerror(errno));
	if (fchmod(fd, 0600) == -1)
		goto bad;
	while (off < (size_t)len) {
		n = write(fd, pem + off, (size_t)len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			goto bad;
		off += (size_t)n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto bad;
	}
	BIO_free(bio);
	return;
bad:
	fprintf(stderr, "%s: cannot write %s: %s\n", progname, path,
	    strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(path);
	exit(1);
}

/* print_record - what to publish and what to add to the table */
static void
print_record(const char *domain, const char *selector, const char *path,
    const struct signkey *k)
{
	struct strbuf p;
	const char *s;
	size_t len, take;

	sb_init(&p);
	if (signkey_public_b64(k, &p) == -1)
		fail(1, "cannot export the public key");
	printf("# Private key written to %s\n# (%s", path,
	    signkey_type_name(k->type));
	if (k->type == SIGNKEY_RSA)
		printf(", %u bits", k->bits);
	printf("; mode 0600: make it owned by the user authmilter runs "
	    "as).\n#\n");
	printf("# 1. Publish this TXT record (zone-file form):\n");
	printf("%s._domainkey.%s. IN TXT ( \"v=DKIM1; k=%s; \"", selector,
	    domain, signkey_type_name(k->type));
	for (s = p.s, len = p.len; len > 0; s += take, len -= take) {
		take = len > TXT_STRING_MAX - 2 ? TXT_STRING_MAX - 2 : len;
		printf("\n\t\"%s%.*s\"", s == p.s ? "p=" : "", (int)take, s);
	}
	printf(" )\n#\n");
	printf("#    or, in a DNS web panel: name %s._domainkey "
	    "(in zone %s), type TXT,\n#    value:\n", selector, domain);
	printf("v=DKIM1; k=%s; p=%s\n#\n", signkey_type_name(k->type), p.s);
	printf("# 2. Once the record is visible in DNS, add this line to "
	    "the domains table\n#    (authmilter.domains(5)) and reload "
	    "authmilter:\n");
	printf("%s\tsign=%s:%s\n", domain, selector, path);
	sb_free(&p);
}

/* main - check the options, make the key, write it, print the record */
int
main(int argc, char **argv)
{
	const char *domain = NULL, *selector = NULL, *type = "rsa";
	const char *dir = ".";
	char absdir[PATH_MAX], *end;
	struct strbuf path, err;
	struct signkey *k;
	EVP_PKEY *pkey;
	long bits = 0;
	int ch, ed25519;
	size_t dlen;

	if (argv[0] != NULL && strrchr(argv[0], '/') != NULL)
		progname = strrchr(argv[0], '/') + 1;
	while ((ch = getopt(argc, argv, "b:D:d:hs:t:")) != -1) {
		switch (ch) {
		case 'b':
			errno = 0;
			bits = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || bits <= 0)
				fail(EX_USAGE_, "-b: expected a number of "
				    "bits, got '%s'", optarg);
			break;
		case 'D':
			dir = optarg;
			break;
		case 'd':
			domain = optarg;
			break;
		case 'h':
			usage(0);
			break;
		case 's':
			selector = optarg;
			break;
		case 't':
			type = optarg;
			break;
		default:
			usage(EX_USAGE_);
		}
	}
	if (optind != argc || domain == NULL || selector == NULL)
		usage(EX_USAGE_);
	dlen = strlen(domain);
	if (dlen > 1 && domain[dlen - 1] == '.')
		domain = xstrndup(domain, dlen - 1);
	if (!valid_name(domain))
		fail(EX_USAGE_, "-d: '%s' is not a domain name", domain);
	if (!valid_name(selector))
		fail(EX_USAGE_, "-s: '%s' is not a selector (letters, digits, "
		    "hyphens, dots)", selector);
	if (strcmp(type, "rsa") == 0) {
		ed25519 = 0;
		if (bits == 0)
			bits = RSA_DEFAULT_BITS;
		if (bits < SIGNKEY_RSA_MIN_BITS)
			fail(EX_USAGE_, "-b %ld: RSA keys under %d bits are "
			    "refused by verifiers (RFC 8301); use 2048",
			    bits, SIGNKEY_RSA_MIN_BITS);
		if (bits > RSA_MAX_BITS)
			fail(EX_USAGE_, "-b %ld: more than %d bits is not "
			    "useful for DKIM", bits, RSA_MAX_BITS);
		if (bits == SIGNKEY_RSA_MIN_BITS)
			fprintf(stderr, "%s: warning: 1024-bit RSA is the "
			    "least RFC 8301 allows and is weak; prefer "
			    "2048\n", progname);
	} else if (strcmp(type, "ed25519") == 0) {
		ed25519 = 1;
		if (bits != 0)
			fail(EX_USAGE_, "-b: Ed25519 keys have a fixed size; "
			    "leave -b out");
	} else
		fail(EX_USAGE_, "-t: expected rsa or ed25519, got '%s'",
		    type);
	if (realpath(dir, absdir) == NULL)
		fail(1, "%s: %s", dir, strerror(errno));

	pkey = ed25519 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") :
	    EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	if (pkey == NULL)
		fail(1, "cannot generate the key: %s",
		    ERR_reason_error_string(ERR_get_error()));
	sb_init(&path);
	sb_printf(&path, "%s%s%s.%s.pem", absdir,
	    strcmp(absdir, "/") == 0 ? "" : "/", domain, selector);
	sb_init(&err);
	if ((k = signkey_from_pkey(selector, path.s, pkey, &err)) == NULL)
		fail(1, "%s", str_trim(err.s));
	write_key(path.s, k->pkey);
	print_record(domain, selector, path.s, k);
	if (fflush(stdout) != 0)
		fail(1, "cannot write to standard output");
	signkey_free(k);
	sb_free(&path);
	sb_free(&err);
	return 0;
}
