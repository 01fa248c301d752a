/*
 * fuzz_dkim - libFuzzer target for lib/dkim_verify: the DKIM-Signature
 * and key record parsers, and the whole verifier over a message whose
 * key lookups all answer one fuzzed key record (no network)
 *
 * The input is parsed as a DKIM-Signature value and as a key record.
 * Then its first line is taken as the key record that DNS publishes at
 * every name (or, if the line is "TEMPFAIL", "NXDOMAIN" or "NODATA",
 * that answer), and the rest as a message (headers, empty line, body)
 * handed to a verifier as an MTA would, the body in chunks whose size
 * comes from the input.  The seeds in t/fuzz/corpus/dkim/ are signed
 * messages with their keys (made by t/fuzz/corpus/dkim/make-seeds.py),
 * so that mutations reach the signature checks.  Besides the
 * sanitizers, it checks the promises of lib/dkim_verify.h and aborts
 * when one breaks: parse results are 0/-1 (signatures) or 1/0/-1
 * (keys), every error says why in printable ASCII, a parsed signature
 * has what the rest of the verifier needs, b='s span is inside the
 * value; the verifier gives one result per DKIM-Signature field (past
 * DKIM_MAX_RESULTS, one more that counts the rest), each with a known
 * result and printable, bounded strings.  Built and run by t/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "dns.h"
#include "dkim_verify.h"

#define FUZZ_MAX	65536
#define FIELD_MAX	1500	/* a parse error is at most this long */

static struct dns_reply *answer;	/* what every lookup gets */
static struct dkim_engine *engine;	/* made once, with its key cache */
static int dummy_batch, dummy_client;

/* reply_new - the answer the first line describes */
static struct dns_reply *
reply_new(const char *line, size_t len)
{
	struct dns_reply *r = xcalloc(1, sizeof(*r));

	r->refs = 1;
	r->qtype = DNS_T_TXT;
	if (len == 8 && memcmp(line, "TEMPFAIL", 8) == 0)
		r->status = DNS_TEMPFAIL;
	else if (len == 8 && memcmp(line, "NXDOMAIN", 8) == 0)
		r->status = DNS_NXDOMAIN;
	else if (len == 6 && memcmp(line, "NODATA", 6) == 0)
		r->status = DNS_NODATA;
	else {
		r->status = DNS_DATA;
		r->count = 1;
		r->rr = xcalloc(1, sizeof(*r->rr));
		r->rr[0].type = DNS_T_TXT;
		r->rr[0].text = xmalloc(len + 1);
		memcpy(r->rr[0].text, line, len);	/* NULs kept */
		r->rr[0].text[len] = '\0';
		r->rr[0].len = len;
	}
	return r;
}

/* dns_reply_ref - one more reference */
struct dns_reply *
dns_reply_ref(struct dns_reply *r)
{
	r->refs++;
	return r;
}

/* dns_reply_free - drop a reference */
void
dns_reply_free(struct dns_reply *r)
{
	if (r == NULL || --r->refs > 0)
		return;
	if (r->rr != NULL)
		free(r->rr[0].text);
	free(r->rr);
	free(r);
}

/* dns_batch_start - a batch that answers from the fuzzed record */
struct dns_batch *
dns_batch_start(struct dns_client *dc, const char *const *names,
    const uint16_t *types, size_t n)
{
	size_t i;

	if (dc != (struct dns_client *)&dummy_client || n == 0)
		abort();
	for (i = 0; i < n; i++)
		if (names[i] == NULL || types[i] != DNS_T_TXT)
			abort();
	return (struct dns_batch *)&dummy_batch;
}

/* dns_batch_wait - nothing to wait for */
void
dns_batch_wait(struct dns_batch *b)
{
	(void)b;
}

/* dns_batch_reply - the fuzzed answer */
struct dns_reply *
dns_batch_reply(struct dns_batch *b, const char *name, uint16_t qtype)
{
	if (b != (struct dns_batch *)&dummy_batch || name == NULL ||
	    qtype != DNS_T_TXT)
		abort();
	return dns_reply_ref(answer);
}

/* dns_batch_free - nothing to free */
void
dns_batch_free(struct dns_batch *b)
{
	(void)b;
}

/* dns_lookup - not used: keys come from the batch */
struct dns_reply *
dns_lookup(struct dns_client *dc, const char *name, uint16_t qtype)
{
	(void)dc;
	(void)name;
	(void)qtype;
	abort();
}

/* printable_max - only printable ASCII in s, at most max bytes */
static int
printable_max(const char *s, size_t max)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; *s != '\0'; s++, n++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return n <= max;
}

/* printable - only printable ASCII in s, and not too long */
static int
printable(const char *s)
{
	return printable_max(s, FIELD_MAX);
}

/*
 * whole - only printable ASCII in a result field, NULL allowed only past
 * the header limits; d=, i=, s=, a= are never cut, so only the input
 * bounds them
 */
static int
whole(const char *s, int over)
{
	return (over && s == NULL) || printable_max(s, 2 * FUZZ_MAX);
}

/* check_sig - parse a signature value and check what a parse promises */
static void
check_sig(const char *value)
{
	struct dkim_sig s;
	struct strbuf err;
	int rc;

	sb_init(&err);
	rc = dkim_sig_parse(value, &s, &err);
	if (rc != 0 && rc != -1)
		abort();
	if (rc == -1 && (err.len == 0 || !printable(err.s)))
		abort();
	if (rc == 0) {
		if (err.len != 0 || s.d == NULL || s.s == NULL || s.a == NULL ||
		    s.b64 == NULL || s.b == NULL || s.bh == NULL ||
		    s.nh == 0 || s.alg == DKIM_ALG_NONE ||
		    s.b_off + s.b_len > strlen(value))
			abort();
		(void)dkim_sig_timecheck(&s, 1800000000, NULL);
	}
	dkim_sig_clear(&s);
	sb_free(&err);
}

/* check_key - parse a key record and check what a parse promises */
static void
check_key(const char *txt, size_t len)
{
	struct dkim_key k;
	struct strbuf err;
	int rc;

	sb_init(&err);
	rc = dkim_key_parse(txt, len, &k, &err);
	if (rc != 1 && rc != 0 && rc != -1)
		abort();
	if (rc == -1 && (err.len == 0 || !printable(err.s)))
		abort();
	if (rc == 1 && (k.k == NULL || k.p == NULL || err.len != 0))
		abort();
	dkim_key_clear(&k);
	sb_free(&err);
}

/* next_line - the line at *p without its LF or CRLF; NULL at the end */
static const char *
next_line(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *nl;

	if (s >= end)
		return NULL;
	if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL) {
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

/* cstr - n bytes as a C string, NULs made '?' (the MTA's strings have none) */
static char *
cstr(const char *p, size_t n)
{
	char *s = xmalloc(n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = p[i] != '\0' ? p[i] : '?';
	s[n] = '\0';
	return s;
}

/* verify - the message through a verifier; checks the results */
static void
verify(const char *p, const char *end, size_t chunk)
{
	struct dkim_verifier *v;
	const struct dkim_sig_result *res;
	struct strbuf val, body;
	const char *line, *colon;
	char *name = NULL;
	size_t ll, i, n, nsig = 0, off, nfields = 0;
	int over, extra;

	if (engine == NULL)
		engine = dkim_engine_new();
	v = dkim_verifier_new(engine, NULL, "fuzz");
	sb_init(&val);
	for (;;) {
		line = next_line(&p, end, &ll);
		if (line != NULL && ll > 0 && (line[0] == ' ' ||
		    line[0] == '\t') && name != NULL) {
			sb_append(&val, "\r\n", 2);
			sb_append(&val, line, ll);
			continue;
		}
		if (name != NULL) {
			char *value = cstr(val.s, val.len);

			dkim_verifier_header(v, name, value);
			nfields++;
			if (str_caseeq(name, "DKIM-Signature")) {
				nsig++;
				check_sig(value);
			}
			free(value);
			free(name);
			name = NULL;
		}
		if (line == NULL || ll == 0)
			break;
		if ((colon = memchr(line, ':', ll)) == NULL)
			continue;
		name = cstr(line, (size_t)(colon - line));
		i = (size_t)(colon - line) + 1;	/* the value as sent */
		sb_truncate(&val, 0);
		sb_append(&val, line + i, ll - i);
	}
	sb_free(&val);
	dkim_verifier_eoh(v, (struct dns_client *)&dummy_client);
	sb_init(&body);
	while ((line = next_line(&p, end, &ll)) != NULL) {
		sb_append(&body, line, ll);
		sb_append(&body, "\r\n", 2);
	}
	for (off = 0; off < body.len; off += n) {
		n = body.len - off < chunk ? body.len - off : chunk;
		dkim_verifier_body(v, (const unsigned char *)body.s + off, n);
	}
	sb_free(&body);
	n = dkim_verifier_eom(v, (struct dns_client *)&dummy_client, &res);
	/* FUZZ_MAX is far under DKIM_MAX_HEADER_BYTES: only the count */
	over = nfields > DKIM_MAX_HEADERS;
	if (over ? n != (nsig > 0) || (n == 1 &&
	    res[0].result != DKIM_RES_PERMERROR) :
	    n != (nsig <= DKIM_MAX_RESULTS ? nsig : DKIM_MAX_RESULTS + 1))
		abort();
	for (i = 0; i < n; i++) {
		/* the result after the first DKIM_MAX_RESULTS counts the
		 * fields not checked: neutral, without fields */
		extra = !over && i == DKIM_MAX_RESULTS;
		if (res[i].result < DKIM_RES_PASS ||
		    res[i].result > DKIM_RES_PERMERROR ||
		    (extra && res[i].result != DKIM_RES_NEUTRAL) ||
		    !whole(res[i].domain, over || extra) ||
		    !whole(res[i].identity, over || extra) ||
		    !whole(res[i].selector, over || extra) ||
		    !whole(res[i].algorithm, over || extra) ||
		    !whole(res[i].b8, over || extra) ||
		    !whole(res[i].comment, 0) || *res[i].comment == '\0')
			abort();
	}
	dkim_verifier_free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	char *s;
	size_t klen;

	if (size > FUZZ_MAX)
		return 0;
	s = cstr(p, size);
	check_sig(s);
	free(s);
	check_key(p, size);

	nl = memchr(p, '\n', size);
	klen = nl != NULL ? (size_t)(nl - p) : size;
	check_key(p, klen);
	answer = reply_new(p, klen);
	verify(nl != NULL ? nl + 1 : end, end, size > 0 ?
	    (size_t)data[size - 1] % 64 + 1 : 1);
	dns_reply_free(answer);
	answer = NULL;
	return 0;
}
