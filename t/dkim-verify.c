/*
 * dkim-verify - verify the DKIM signatures of a message with lib/dkim_verify
 *
 * usage: dkim-verify -s ADDR:PORT [-m max_sigs] [-k min_key_bits]
 *	      [-t timeout_ms] [-r tries] [-c cache_entries] [-b chunk]
 *	      [-n repeat] [-P] [-N] < message
 *
 * Reads an RFC 5322 message (LF or CRLF line ends) and hands it to a
 * dkim_verifier as an MTA's milter would: each header field as name and
 * value, the value every byte after the colon (as with SMFIP_HDR_LEADSPC)
 * and with continuation lines kept behind CRLF; then end of headers (the key lookups start);
 * then the body with CRLF line ends in chunks of -b bytes (default 100);
 * then end of message.  Prints one line per DKIM-Signature, in header
 * order, in this stable format:
 *
 *	RESULT d=DOMAIN i=IDENTITY s=SELECTOR a=ALG b=FIRST8 (COMMENT)
 *
 * RESULT is the RFC 8601 token (pass, fail, policy, neutral, temperror,
 * permerror); a message without a signature prints "none".  DNS goes to
 * -s only, with -t ms per try (default 1000), -r tries (default 2) and a
 * cache of -c entries (default 0: none, so that answers at end of message
 * can only come from the lookups started at end of headers).  -n repeats
 * the whole verification that many times in one process (results of the
 * last are printed; VmRSS at the start, middle and end goes to stderr),
 * for memory checks.  -P passes no DNS client at end of headers, so
 * nothing is prefetched and the verifier looks the keys up one after
 * the other at end of message (the control case of the parallel lookup
 * test).  -N passes no DNS client at all, neither at end of headers
 * nor at end of message.  Exit status 0, or 2 for a usage
 * or input error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rss.h"
#include "util.h"
#include "dns.h"
#include "dkim_verify.h"

/* one header field, split as an MTA hands it to a milter */
struct field {
	char	*name;
	char	*value;
};

/* usage - complain and exit */
static void
usage(void)
{
	fprintf(stderr, "usage: dkim-verify -s ADDR:PORT [-m max_sigs] "
	    "[-k min_key_bits] [-t timeout_ms] [-r tries] [-c cache] "
	    "[-b chunk] [-n repeat] [-P] [-N] < message\n");
	exit(2);
}

/* read_all - standard input, whole */
static struct strbuf
read_all(void)
{
	struct strbuf sb;
	char buf[8192];
	size_t n;

	sb_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		sb_append(&sb, buf, n);
	return sb;
}

/* next_line - the line at *p (without its LF or CRLF); NULL at the end */
static const char *
next_line(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *nl;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(end - s));
	if (nl == NULL) {
		*len = (size_t)(end - s);
		*p = end;
	} else {
		*len = (size_t)(nl - s);
		*p = nl + 1;
	}
	if (*len > 0 && s[*len - 1] == '\r')
		(*len)--;
	return s;
}

/*
 * split_message - header fields and the body (CRLF line ends) of a
 * message
 */
static size_t
split_message(const char *msg, size_t len, struct field **fieldsp,
    struct strbuf *body)
{
	const char *p = msg, *end = msg + len, *line, *colon;
	struct field *fields = NULL;
	struct strbuf val;
	size_t n = 0, ll, i;

	while ((line = next_line(&p, end, &ll)) != NULL) {
		if (ll == 0)
			break;				/* end of headers */
		if ((line[0] == ' ' || line[0] == '\t') && n > 0) {
			/* a continuation line: kept behind CRLF */
			sb_init(&val);
			sb_puts(&val, fields[n - 1].value);
			sb_append(&val, "\r\n", 2);
			sb_append(&val, line, ll);
			free(fields[n - 1].value);
			fields[n - 1].value = sb_detach(&val);
			sb_free(&val);
			continue;
		}
		if ((colon = memchr(line, ':', ll)) == NULL)
			continue;			/* not a field */
		fields = xrealloc(fields, (n + 1) * sizeof(*fields));
		fields[n].name = xstrndup(line, (size_t)(colon - line));
		i = (size_t)(colon - line) + 1;
		fields[n].value = xstrndup(line + i, ll - i);
		n++;
	}
	sb_init(body);
	while ((line = next_line(&p, end, &ll)) != NULL) {
		sb_append(body, line, ll);
		if (p <= end && (p[-1] == '\n'))
			sb_append(body, "\r\n", 2);
	}
	*fieldsp = fields;
	return n;
}

/* verify - one verification of the message; prints if asked */
static void
verify(struct dkim_engine *eng, struct dns_client *dc,
    const struct dkim_verify_opts *opts, const struct field *fields,
    size_t nfields, const struct strbuf *body, size_t chunk, int prefetch,
    int nodns, int print)
{
	struct dkim_verifier *v;
	const struct dkim_sig_result *res;
	size_t i, n, off;

	v = dkim_verifier_new(eng, opts, "dkim-verify");
	for (i = 0; i < nfields; i++)
		dkim_verifier_header(v, fields[i].name, fields[i].value);
	dkim_verifier_eoh(v, prefetch && !nodns ? dc : NULL);
	for (off = 0; off < body->len; off += n) {
		n = body->len - off < chunk ? body->len - off : chunk;
		dkim_verifier_body(v, (const unsigned char *)body->s + off, n);
	}
	n = dkim_verifier_eom(v, nodns ? NULL : dc, &res);
	if (print && n == 0)
		printf("none\n");
	for (i = 0; print && i < n; i++)
		printf("%s d=%s i=%s s=%s a=%s b=%s (%s)\n",
		    dkim_result_name(res[i].result), res[i].domain,
		    res[i].identity, res[i].selector, res[i].algorithm,
		    res[i].b8, res[i].comment);
	dkim_verifier_free(v);
}

int
main(int argc, char **argv)
{
	struct dns_options dopt;
	struct dkim_verify_opts opts = { 0, 0 };
	struct dns_ctx *ctx;
	struct dns_client *dc;
	struct dkim_engine *eng;
	struct field *fields;
	struct strbuf msg, body;
	size_t nfields, i, chunk = 100;
	long repeat = 1, k, rss0 = 0, rss1 = 0;
	int ch, have_server = 0, prefetch = 1, nodns = 0;

	memset(&dopt, 0, sizeof(dopt));
	dopt.timeout_ms = 1000;
	dopt.tries = 2;
	while ((ch = getopt(argc, argv, "b:c:k:m:n:NPr:s:t:")) != -1) {
		switch (ch) {
		case 'b':
			if ((chunk = strtoul(optarg, NULL, 10)) == 0)
				usage();
			break;
		case 'c':
			dopt.cache_entries = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			opts.min_key_bits = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			opts.max_sigs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			if ((repeat = strtol(optarg, NULL, 10)) < 1)
				usage();
			break;
		case 'N':
			nodns = 1;
			break;
		case 'P':
			prefetch = 0;
			break;
		case 'r':
			dopt.tries = atoi(optarg);
			break;
		case 's':
			if (dns_parse_server(optarg,
			    &dopt.servers[dopt.nservers]) != 0)
				usage();
			if (dopt.nservers < DNS_MAX_SERVERS - 1)
				dopt.nservers++;
			have_server = 1;
			break;
		case 't':
			dopt.timeout_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (!have_server || optind != argc)
		usage();

	msg = read_all();
	nfields = split_message(msg.s, msg.len, &fields, &body);
	ctx = dns_ctx_new(&dopt);
	dc = dns_client_new(ctx);
	eng = dkim_engine_new();
	for (k = 0; k < repeat; k++) {
		if (k == 1)
			rss0 = rss_kb();
		if (k == repeat / 2)
			rss1 = rss_kb();
		verify(eng, dc, &opts, fields, nfields, &body, chunk,
		    prefetch, nodns, k == repeat - 1);
	}
	if (repeat > 1)
		fprintf(stderr, "dkim-verify: %ld messages, VmRSS kB: start %ld, "
		    "middle %ld, end %ld\n", repeat, rss0, rss1, rss_kb());
	dkim_engine_free(eng);
	dns_client_free(dc);
	dns_ctx_free(ctx);
	for (i = 0; i < nfields; i++) {
		free(fields[i].name);
		free(fields[i].value);
	}
	free(fields);
	sb_free(&body);
	sb_free(&msg);
	return 0;
}
