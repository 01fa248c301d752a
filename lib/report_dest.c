/*
 * report_dest.c - a rua list read, and external destinations checked
 * (see report_dest.h)
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "dns.h"
#include "dmarc.h"
#include "report_dest.h"

/* note - one line about a URI skipped, the URI shown printable */
static void
note(struct strbuf *notes, const char *uri, size_t len, const char *why)
{
	sb_puts(notes, "rua URI \"");
	sb_put_printable(notes, uri, len > 100 ? 100 : len);
	sb_printf(notes, "%s\" skipped: %s\n", len > 100 ? "..." : "", why);
}

/* hexval - the value of one hex digit, or -1 */
static int
hexval(int c)
{
	if (ascii_isdigit(c))
		return c - '0';
	c = ascii_tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* is_atext - a character of a dot-atom (RFC 5322 3.2.3) */
static int
is_atext(int c)
{
	return ascii_isalnum(c) || (c != '\0' &&
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* good_local - a dot-atom: atext runs separated by single dots */
static int
good_local(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!(is_atext((unsigned char)s[i]) ||
		    (s[i] == '.' && s[i + 1] != '.')))
			return 0;
	return 1;
}

/* report_dest_is_host - letters, digits, hyphens; labels 1..63; 253 */
int
report_dest_is_host(const char *s)
{
	size_t n = strlen(s), label = 0, i;

	if (n == 0 || n > 253 || s[n - 1] == '.' || strchr(s, '.') == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if (ascii_isalnum((unsigned char)s[i]) ||
		    (s[i] == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return s[n - 1] != '-';
}

/* decode - %XX decoded copy of s[0..n), NULL if a %XX is bad or NUL */
static char *
decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= n) {
			free(out);
			return NULL;
		}
		hi = hexval((unsigned char)s[i + 1]);
		lo = hi < 0 ? -1 : hexval((unsigned char)s[i + 2]);
		if (lo < 0 || (hi == 0 && lo == 0)) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*o = '\0';
	return out;
}

/* one_uri - the address of one mailto: URI, or NULL with a note */
static char *
one_uri(const char *uri, size_t len, struct strbuf *notes)
{
	const char *p, *end = uri + len;
	char *addr, *at;

	if (len < 7 || strncasecmp(uri, "mailto:", 7) != 0) {
		note(notes, uri, len, "not a mailto: URI");
		return NULL;
	}
	/* "!size" is obsolete (RFC 9990), "?hfields" not ours to use */
	for (p = uri + 7; p < end && *p != '!' && *p != '?'; p++)
		;
	if ((addr = decode(uri + 7, (size_t)(p - uri - 7))) == NULL) {
		note(notes, uri, len, "bad %-escape");
		return NULL;
	}
	if (strlen(addr) > REPORT_ADDR_MAX ||
	    (at = strrchr(addr, '@')) == NULL ||
	    !good_local(addr, (size_t)(at - addr)) ||
	    !report_dest_is_host(at + 1)) {
		note(notes, uri, len, "not a plain local@domain address");
		free(addr);
		return NULL;
	}
	str_lower(at + 1);
	return addr;
}

/* report_rua_parse - the mailto: addresses of a rua list */
size_t
report_rua_parse(const char *rua, char ***addrs, struct strbuf *notes)
{
	const char *p = rua, *start, *end;
	char **out = xcalloc(REPORT_RUA_MAX + 1, sizeof(char *));
	char *a;
	size_t n = 0, i;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		start = p;
		while (*p != '\0' && *p != ',')
			p++;
		end = p;
		if (*p == ',')
			p++;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == start)
			continue;
		if (n == REPORT_RUA_MAX) {
			note(notes, start, (size_t)(end - start),
			    "more than REPORT_RUA_MAX addresses");
			continue;
		}
		if ((a = one_uri(start, (size_t)(end - start), notes)) == NULL)
			continue;
		for (i = 0; i < n && !str_caseeq(out[i], a); i++)
			;
		if (i < n)
			free(a);	/* twice: once is enough */
		else
			out[n++] = a;
	}
	*addrs = out;
	return n;
}

/* report_rua_free - the array of report_rua_parse() */
void
report_rua_free(char **addrs)
{
	size_t i;

	if (addrs == NULL)
		return;
	for (i = 0; addrs[i] != NULL; i++)
		free(addrs[i]);
	free(addrs);
}

/* report_dest_check - may a report about policy_domain go to addr? */
enum report_dest_verdict
report_dest_check(struct dns_client *dc, const char *policy_domain,
    const char *addr, struct strbuf *why)
{
	const char *host = strrchr(addr, '@');
	struct dns_reply *r;
	struct strbuf name;
	size_t i;
	int aligned;

	host = host != NULL ? host + 1 : addr;
	aligned = dmarc_aligned(dc, policy_domain, host, DMARC_ALIGN_RELAXED);
	if (aligned == 1) {
		sb_printf(why, "%s is in %s's organizational domain", host,
		    policy_domain);
		return REPORT_DEST_OK;
	}
	if (aligned == -1) {
		sb_printf(why, "DNS temporary failure finding the "
		    "organizational domains of %s and %s", policy_domain, host);
		return REPORT_DEST_TEMPFAIL;
	}
	sb_init(&name);
	sb_printf(&name, "%s._report._dmarc.%s", policy_domain, host);
	r = dns_lookup(dc, name.s, DNS_T_TXT);
	if (r->status == DNS_TEMPFAIL) {
		sb_printf(why, "DNS temporary failure asking %s TXT", name.s);
		dns_reply_free(r);
		sb_free(&name);
		return REPORT_DEST_TEMPFAIL;
	}
	for (i = 0; r->status == DNS_DATA && i < r->count; i++)
		if (r->rr[i].text != NULL &&
		    strncmp(r->rr[i].text, "v=DMARC1", 8) == 0 &&
		    (r->rr[i].text[8] == '\0' || r->rr[i].text[8] == ';' ||
		    r->rr[i].text[8] == ' ' || r->rr[i].text[8] == '\t')) {
			sb_printf(why, "external, authorized by %s", name.s);
			dns_reply_free(r);
			sb_free(&name);
			return REPORT_DEST_OK;
		}
	sb_printf(why, "external, and %s has no v=DMARC1 TXT record (%s)",
	    name.s, dns_status_name(r->status));
	dns_reply_free(r);
	sb_free(&name);
	return REPORT_DEST_REFUSED;
}
