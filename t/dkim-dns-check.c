/*
 * dkim-dns-check - libopendkim looking up DKIM keys through our DNS layer
 *
 * usage: dkim-dns-check ADDR:PORT KEYFILE
 *
 * Signs a message with libopendkim (key KEYFILE, d=example.org) under
 * the selectors "sel" (key published), "missing" (NXDOMAIN) and "temp"
 * (the server never answers), then verifies each with a DKIM_LIB whose
 * queries go through lib/dkim_dns.c, and prints TAP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

#include "dkim_dns.h"
#include "dns.h"
#include "util.h"
#include "unit/tap.h"

static const char *headers[] = {
	"From: Alice <alice@example.org>",
	"To: bob@example.net",
	"Subject: through our DNS",
	"Date: Sun, 22 Nov 2026 12:00:00 +0000",
};
static const char body[] = "Hello,\r\n\r\nthis is signed.\r\n";

/* feed - headers and body of the test message into a handle */
static DKIM_STAT
feed(DKIM *d, const char *sighdr)
{
	size_t i;

	if (sighdr != NULL)
		dkim_header(d, (u_char *)sighdr, strlen(sighdr));
	for (i = 0; i < ARRAY_SIZE(headers); i++)
		dkim_header(d, (u_char *)headers[i], strlen(headers[i]));
	dkim_eoh(d);
	dkim_body(d, (u_char *)body, sizeof(body) - 1);
	return dkim_eom(d, NULL);
}

/* sign - a DKIM-Signature header for the message under selector */
static char *
sign(DKIM_LIB *lib, const char *key, const char *selector)
{
	DKIM_STAT st;
	DKIM *d;
	u_char buf[4096];
	struct strbuf sb;

	d = dkim_sign(lib, (u_char *)"sign", NULL, (dkim_sigkey_t)key,
	    (u_char *)selector, (u_char *)"example.org", DKIM_CANON_RELAXED,
	    DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256, -1, &st);
	if (d == NULL || feed(d, NULL) != DKIM_STAT_OK ||
	    dkim_getsighdr(d, buf, sizeof(buf), strlen("DKIM-Signature: ")) !=
	    DKIM_STAT_OK) {
		fprintf(stderr, "cannot sign (status %d)\n", st);
		exit(2);
	}
	dkim_free(d);
	sb_init(&sb);
	sb_printf(&sb, "DKIM-Signature: %s", buf);
	return sb_detach(&sb);
}

/* verify - the status of verifying the message with sighdr */
static DKIM_STAT
verify(DKIM_LIB *lib, const char *sighdr)
{
	DKIM_STAT st;
	DKIM *d = dkim_verify(lib, (u_char *)"verify", NULL, &st);

	if (d == NULL)
		return st;
	st = feed(d, sighdr);
	dkim_free(d);
	return st;
}

/* slurp - a whole file */
static char *
slurp(const char *path)
{
	struct strbuf sb;
	char buf[4096];
	size_t n;
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		perror(path);
		exit(2);
	}
	sb_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		sb_append(&sb, buf, n);
	fclose(fp);
	return sb_detach(&sb);
}

int
main(int argc, char **argv)
{
	struct dns_options opt;
	struct dns_ctx *ctx;
	struct dns_client *dc;
	DKIM_LIB *signer, *verifier;
	char *key, *sig;

	if (argc != 3) {
		fprintf(stderr, "usage: dkim-dns-check ADDR:PORT KEYFILE\n");
		return 2;
	}
	memset(&opt, 0, sizeof(opt));
	if (dns_parse_server(argv[1], &opt.servers[0]) != 0)
		return 2;
	opt.nservers = 1;
	opt.timeout_ms = 500;
	opt.tries = 1;
	opt.cache_entries = 100;
	ctx = dns_ctx_new(&opt);
	dc = dns_client_new(ctx);
	key = slurp(argv[2]);

	signer = dkim_init(NULL, NULL);
	verifier = dkim_init(NULL, NULL);
	dkim_dns_attach(verifier);

	dkim_dns_bind(dc);
	sig = sign(signer, key, "sel");
	is_int(verify(verifier, sig), DKIM_STAT_OK,
	    "a signature verifies with the key found through our DNS layer");
	free(sig);

	sig = sign(signer, key, "missing");
	is_int(verify(verifier, sig), DKIM_STAT_NOKEY,
	    "a selector with no key (NXDOMAIN) is a permanent 'no key'");
	free(sig);

	sig = sign(signer, key, "temp");
	is_int(verify(verifier, sig), DKIM_STAT_KEYFAIL,
	    "a DNS timeout is a temporary key retrieval failure, not no key");

	dkim_dns_bind(NULL);
	is_int(verify(verifier, sig), DKIM_STAT_KEYFAIL,
	    "with no DNS client bound a lookup fails as temporary");
	free(sig);

	dkim_close(signer);
	dkim_close(verifier);
	dns_client_free(dc);
	dns_ctx_free(ctx);
	free(key);
	return tap_done();
}
