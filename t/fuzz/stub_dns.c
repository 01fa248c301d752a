/*
 * stub_dns - the DNS of the fuzz targets (see stub_dns.h)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "util.h"
#include "dns.h"
#include "stub_dns.h"

enum kind { K_TXT, K_A, K_AAAA, K_MX, K_TEMPFAIL };

struct zline {
	char		*name;		/* lowercase, no final dot */
	enum kind	 kind;
	char		*data;		/* TXT bytes, MX host */
	size_t		 len;
	uint16_t	 pref;
	unsigned char	 addr[16];
};

static int have_zone;
static struct zline zone[STUB_DNS_MAX_RR];
static size_t nzone, nlookups;
static int dummy_batch;

/* clear - forget the zone */
static void
clear(void)
{
	size_t i;

	for (i = 0; i < nzone; i++) {
		free(zone[i].name);
		free(zone[i].data);
	}
	nzone = 0;
	nlookups = 0;
}

void
stub_dns_none(void)
{
	clear();
	have_zone = 0;
}

size_t
stub_dns_lookups(void)
{
	return nlookups;
}

/* canon - name lowercased, without its final dot (caller frees) */
static char *
canon(const char *s, size_t n)
{
	char *c;

	if (n > 0 && s[n - 1] == '.')
		n--;
	c = xstrndup(s, n);
	str_lower(c);
	return c;
}

/* word - the next space-separated word of [*p, end) */
static int
word(const char **p, const char *end, const char **w, size_t *n)
{
	while (*p < end && **p == ' ')
		(*p)++;
	*w = *p;
	while (*p < end && **p != ' ')
		(*p)++;
	*n = (size_t)(*p - *w);
	return *n > 0;
}

/* parse_line - one zone line into zone[nzone]; 0 when it is none */
static int
parse_line(const char *p, const char *end)
{
	struct zline *z = &zone[nzone];
	const char *name, *type, *w;
	size_t nn, tn, wn;
	char buf[64];

	memset(z, 0, sizeof(*z));
	if (!word(&p, end, &name, &nn) || !word(&p, end, &type, &tn))
		return 0;
	if (tn == 3 && memcmp(type, "TXT", 3) == 0) {
		z->kind = K_TXT;
		if (p < end)
			p++;
		z->len = (size_t)(end - p);
		z->data = xmalloc(z->len + 1);
		memcpy(z->data, p, z->len);
		z->data[z->len] = '\0';
	} else if (tn == 1 && type[0] == 'A') {
		z->kind = K_A;
		memcpy(z->addr, "\xc0\x00\x02\x01", 4);
		if (word(&p, end, &w, &wn) && wn < sizeof(buf)) {
			memcpy(buf, w, wn);
			buf[wn] = '\0';
			(void)inet_pton(AF_INET, buf, z->addr);
		}
	} else if (tn == 4 && memcmp(type, "AAAA", 4) == 0) {
		z->kind = K_AAAA;
		memcpy(z->addr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01",
		    16);
	} else if (tn == 2 && memcmp(type, "MX", 2) == 0) {
		z->kind = K_MX;
		z->pref = 10;
		if (!word(&p, end, &w, &wn))
			return 0;
		if (w[0] >= '0' && w[0] <= '9' && wn < 6) {
			memcpy(buf, w, wn);
			buf[wn] = '\0';
			z->pref = (uint16_t)atoi(buf);
			if (!word(&p, end, &w, &wn))
				return 0;
		}
		z->data = wn == 1 && w[0] == '.' ? xstrdup("") :
		    canon(w, wn);
		z->len = strlen(z->data);
	} else if (tn == 8 && memcmp(type, "TEMPFAIL", 8) == 0)
		z->kind = K_TEMPFAIL;
	else
		return 0;
	z->name = canon(name, nn);
	return 1;
}

void
stub_dns_zone(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;

	clear();
	have_zone = 1;
	while (p < end && nzone < STUB_DNS_MAX_RR) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (parse_line(p, nl))
			nzone++;
		p = nl < end ? nl + 1 : end;
	}
}

/* reply - a new reply of status for qtype */
static struct dns_reply *
reply(enum dns_status st, uint16_t qtype)
{
	struct dns_reply *r = xcalloc(1, sizeof(*r));

	r->refs = 1;
	r->status = st;
	r->qtype = qtype;
	r->ttl = 300;
	r->cause = DNS_CAUSE_SERVER;
	return r;
}

/* matches - does zone line z answer qtype? */
static int
matches(const struct zline *z, uint16_t qtype)
{
	switch (z->kind) {
	case K_TXT:	return qtype == DNS_T_TXT || qtype == DNS_T_SPF;
	case K_A:	return qtype == DNS_T_A;
	case K_AAAA:	return qtype == DNS_T_AAAA;
	case K_MX:	return qtype == DNS_T_MX;
	default:	return 0;
	}
}

struct dns_reply *
dns_lookup(struct dns_client *dc, const char *name, uint16_t qtype)
{
	struct dns_reply *r;
	struct dns_rr *rr;
	size_t i, known = 0;
	char *n;

	(void)dc;
	if (!have_zone)
		abort();	/* this target's code must not ask DNS */
	nlookups++;
	n = canon(name, strlen(name));
	r = reply(DNS_NXDOMAIN, qtype);
	for (i = 0; i < nzone; i++) {
		if (strcmp(zone[i].name, n) != 0)
			continue;
		known = 1;
		if (zone[i].kind == K_TEMPFAIL) {
			r->status = DNS_TEMPFAIL;
			free(n);
			return r;
		}
	}
	if (known)
		r->status = DNS_NODATA;
	for (i = 0; known && i < nzone; i++) {
		if (strcmp(zone[i].name, n) != 0 ||
		    !matches(&zone[i], qtype) || r->count == DNS_MAX_RR)
			continue;
		r->rr = xrealloc(r->rr, (r->count + 1) * sizeof(*r->rr));
		rr = &r->rr[r->count++];
		memset(rr, 0, sizeof(*rr));
		rr->type = qtype;
		rr->pref = zone[i].pref;
		memcpy(rr->addr, zone[i].addr, sizeof(rr->addr));
		rr->family = qtype == DNS_T_A ? AF_INET :
		    qtype == DNS_T_AAAA ? AF_INET6 : 0;
		if (zone[i].data != NULL) {
			rr->text = xmalloc(zone[i].len + 1);
			memcpy(rr->text, zone[i].data, zone[i].len + 1);
			rr->len = zone[i].len;
		}
		r->status = DNS_DATA;
	}
	free(n);
	return r;
}

struct dns_reply *
dns_reply_ref(struct dns_reply *r)
{
	r->refs++;
	return r;
}

void
dns_reply_free(struct dns_reply *r)
{
	size_t i;

	if (r == NULL || --r->refs > 0)
		return;
	for (i = 0; i < r->count; i++)
		free(r->rr[i].text);
	free(r->rr);
	free(r);
}

const char *
dns_status_name(enum dns_status s)
{
	switch (s) {
	case DNS_DATA:		return "data";
	case DNS_NODATA:	return "nodata";
	case DNS_NXDOMAIN:	return "nxdomain";
	default:		return "tempfail";
	}
}

/* a batch asks each question when its reply is read */
struct dns_batch *
dns_batch_start(struct dns_client *dc, const char *const *names,
    const uint16_t *types, size_t n)
{
	(void)dc;
	(void)names;
	(void)types;
	(void)n;
	if (!have_zone)
		abort();
	return (struct dns_batch *)&dummy_batch;
}

void
dns_batch_wait(struct dns_batch *b)
{
	(void)b;
}

struct dns_reply *
dns_batch_reply(struct dns_batch *b, const char *name, uint16_t qtype)
{
	(void)b;
	return dns_lookup(NULL, name, qtype);
}

void
dns_batch_free(struct dns_batch *b)
{
	(void)b;
}
