/*
 * dkim-sign.c - test helper: sign a message with lib/dkim_sign
 *
 * dkim-sign -d DOMAIN -k SEL:KEYFILE [-k SEL:KEYFILE ...] [-c HDR/BODY]
 *	[-x TTL] [-t TIME] [-H NAME,...] [-O NAME,...|none] [-s CHUNK]
 *	[-n COUNT] [-u] < message > signed-message
 *
 * Reads a message (LF or CRLF line ends), gives its headers to the
 * signer as an MTA would (value: every byte after the colon,
 * continuation lines joined with "\r\n" for CRLF input and "\n" for LF
 * input), streams the body in chunks of varying size (1, 7, 100, 2, 13
 * bytes in turn, or -s CHUNK each) so that CRLF pairs, WSP runs and
 * trailing empty lines straddle chunk boundaries, and writes the
 * message in CRLF form with the DKIM-Signature headers on top.
 *
 * -n COUNT signs the message COUNT times in this process (a new signer
 * each time) and prints VmRSS at the start, middle and end on stderr,
 * for the memory soak.  -u loads keys without RequireSafeKeys.  Exit 0,
 * 1 on failure, 64 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rss.h"
#include "util.h"
#include "signkey.h"
#include "dkim_sign.h"

struct hdr {
	char	*name;
	char	*value;
};

struct msg {
	struct strbuf	 wire;		/* the message, CRLF */
	struct hdr	*h;
	size_t		 nh;
	size_t		 body;		/* offset of the body in wire */
};

/* usage - print the synopsis and exit 64 */
static void
usage(void)
{
	fprintf(stderr, "usage: dkim-sign -d DOMAIN -k SEL:KEYFILE "
	    "[-k ...] [-c HDR/BODY] [-x TTL] [-t TIME]\n"
	    "       [-H NAME,...] [-O NAME,...|none] [-s CHUNK] [-n COUNT] "
	    "[-u] < message\n");
	exit(64);
}

/* split_names - "a,b,c" into a NULL-terminated array ("none": empty) */
static char **
split_names(const char *s)
{
	char **v, *copy = xstrdup(s), *p, *save = NULL;
	size_t n = 0;

	v = xcalloc(strlen(s) + 2, sizeof(*v));
	if (strcmp(s, "none") != 0)
		for (p = strtok_r(copy, ",: ", &save); p != NULL;
		    p = strtok_r(NULL, ",: ", &save))
			v[n++] = xstrdup(p);
	free(copy);
	return v;
}

/* read_message - stdin into m: CRLF wire form and the header list */
static void
read_message(struct msg *m)
{
	struct strbuf in, val;
	char buf[65536], *line, *end, *colon;
	size_t n, i, pos;
	int crlf = -1;

	sb_init(&in);
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		sb_append(&in, buf, n);
	sb_init(&m->wire);
	for (i = 0; i < in.len; i++) {
		if (in.s[i] == '\n' && (i == 0 || in.s[i - 1] != '\r'))
			sb_putc(&m->wire, '\r');
		if (in.s[i] == '\n' && crlf == -1)
			crlf = i > 0 && in.s[i - 1] == '\r';
		sb_putc(&m->wire, in.s[i]);
	}
	sb_free(&in);
	m->h = NULL;
	m->nh = 0;
	m->body = m->wire.len;
	for (pos = 0; pos < m->wire.len; pos = (size_t)(end - m->wire.s) + 2) {
		line = m->wire.s + pos;
		if ((end = strstr(line, "\r\n")) == NULL)
			end = m->wire.s + m->wire.len;
		if (end == line) {		/* the empty line */
			m->body = pos + 2;
			break;
		}
		if ((*line == ' ' || *line == '\t') && m->nh > 0) {
			sb_init(&val);
			sb_puts(&val, m->h[m->nh - 1].value);
			sb_puts(&val, crlf ? "\r\n" : "\n");
			sb_append(&val, line, (size_t)(end - line));
			free(m->h[m->nh - 1].value);
			m->h[m->nh - 1].value = sb_detach(&val);
		} else if ((colon = memchr(line, ':', (size_t)(end - line)))
		    != NULL) {
			m->h = xrealloc(m->h, (m->nh + 1) * sizeof(*m->h));
			m->h[m->nh].name = xstrndup(line,
			    (size_t)(colon - line));
			m->h[m->nh].value = xstrndup(colon + 1,
			    (size_t)(end - colon - 1));
			m->nh++;
		} else {
			fprintf(stderr, "dkim-sign: not a header line: %.*s\n",
			    (int)(end - line), line);
			exit(1);
		}
		if (end == m->wire.s + m->wire.len) {
			m->body = m->wire.len;
			break;
		}
	}
}

/* sign_once - run one signer over m; the number of signatures */
static size_t
sign_once(const struct dkim_sign_opts *o, const char *domain,
    struct signkey **keys, size_t nkeys, const struct msg *m, long now,
    size_t chunk, struct strbuf *out)
{
	static const size_t sizes[] = { 1, 7, 100, 2, 13 };
	struct dkim_signer *s = dkim_signer_new(o, domain, keys, nkeys);
	size_t i, n, k, pos, len;
	char **v, *p;

	if (now > 0)
		dkim_signer_set_time(s, (time_t)now);
	for (i = 0; i < m->nh; i++)
		dkim_signer_header(s, m->h[i].name, m->h[i].value);
	dkim_signer_eoh(s);
	for (pos = m->body, k = 0; pos < m->wire.len; pos += len, k++) {
		len = chunk ? chunk : sizes[k % ARRAY_SIZE(sizes)];
		if (len > m->wire.len - pos)
			len = m->wire.len - pos;
		dkim_signer_body(s, (const unsigned char *)m->wire.s + pos,
		    len);
	}
	n = dkim_signer_eom(s, &v);
	if (out != NULL) {
		sb_truncate(out, 0);
		for (i = 0; i < n; i++) {
			sb_puts(out, "DKIM-Signature: ");
			for (p = v[i]; *p != '\0'; p++) {
				if (*p == '\n')
					sb_putc(out, '\r');
				sb_putc(out, *p);
			}
			sb_puts(out, "\r\n");
		}
		sb_append(out, m->wire.s, m->wire.len);
	}
	dkim_signer_free(s);
	return n;
}

/* main - sign stdin with the keys given, write the signed message */
int
main(int argc, char **argv)
{
	struct dkim_sign_opts o;
	struct signkey **keys = NULL;
	struct strbuf err, out;
	struct msg m;
	const char *domain = NULL;
	char *colon, *sel, **hl = NULL, **ol = NULL;
	size_t nkeys = 0, chunk = 0, i, n;
	long count = 0, now = 0, rss0 = 0, rss1 = 0;
	int ch, safe = 1;
	struct { char *sel, *path; } *ks = NULL;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt(argc, argv, "c:d:H:k:n:O:s:t:ux:")) != -1) {
		switch (ch) {
		case 'c':
			if (strncmp(optarg, "simple", 6) == 0)
				o.header_canon = SIGN_CANON_SIMPLE;
			else if (strncmp(optarg, "relaxed", 7) != 0)
				usage();
			colon = strchr(optarg, '/');
			o.body_canon = colon != NULL &&
			    strcmp(colon + 1, "relaxed") == 0 ?
			    SIGN_CANON_RELAXED : SIGN_CANON_SIMPLE;
			if (colon != NULL && strcmp(colon + 1, "relaxed") &&
			    strcmp(colon + 1, "simple"))
				usage();
			break;
		case 'd':
			domain = optarg;
			break;
		case 'H':
			hl = split_names(optarg);
			o.sign_headers = (const char *const *)hl;
			break;
		case 'k':
			if ((colon = strchr(optarg, ':')) == NULL)
				usage();
			ks = xrealloc(ks, (nkeys + 1) * sizeof(*ks));
			ks[nkeys].sel = xstrndup(optarg,
			    (size_t)(colon - optarg));
			ks[nkeys].path = xstrdup(colon + 1);
			nkeys++;
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'O':
			ol = split_names(optarg);
			o.oversign_headers = (const char *const *)ol;
			break;
		case 's':
			chunk = strtoul(optarg, NULL, 10);
			break;
		case 't':
			now = strtol(optarg, NULL, 10);
			break;
		case 'u':
			safe = 0;
			break;
		case 'x':
			o.ttl = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (domain == NULL || nkeys == 0 || optind != argc)
		usage();
	sb_init(&err);
	keys = xcalloc(nkeys, sizeof(*keys));
	for (i = 0; i < nkeys; i++) {
		sel = ks[i].sel;
		if ((keys[i] = signkey_load(sel, ks[i].path, safe, &err))
		    == NULL) {
			fprintf(stderr, "dkim-sign: %s", err.s);
			return 1;
		}
	}
	read_message(&m);
	sb_init(&out);
	if (count > 0) {
		for (i = 0; i < (size_t)count; i++) {
			if (i == 1)
				rss0 = rss_kb();
			if (i == (size_t)count / 2)
				rss1 = rss_kb();
			(void)sign_once(&o, domain, keys, nkeys, &m, now,
			    chunk, NULL);
		}
		fprintf(stderr, "dkim-sign: %ld messages, VmRSS kB: start %ld, "
		    "middle %ld, end %ld\n", count, rss0, rss1, rss_kb());
	}
	n = sign_once(&o, domain, keys, nkeys, &m, now, chunk, &out);
	fwrite(out.s, 1, out.len, stdout);
	if (fflush(stdout) != 0 || n != nkeys) {
		fprintf(stderr, "dkim-sign: %zu of %zu signatures made\n", n,
		    nkeys);
		return 1;
	}
	sb_free(&out);
	sb_free(&err);
	sb_free(&m.wire);
	for (i = 0; i < m.nh; i++) {
		free(m.h[i].name);
		free(m.h[i].value);
	}
	free(m.h);
	for (i = 0; i < nkeys; i++) {
		signkey_free(keys[i]);
		free(ks[i].sel);
		free(ks[i].path);
	}
	free(ks);
	free(keys);
	for (i = 0; hl != NULL && hl[i] != NULL; i++)
		free(hl[i]);
	free(hl);
	for (i = 0; ol != NULL && ol[i] != NULL; i++)
		free(ol[i]);
	free(ol);
	return 0;
}
