/*
 * fuzz_report_dest - libFuzzer target for the rua list reader,
 *	report_rua_parse()
 *
 * A rua value comes from anyone's DNS.  The input, as a C string, is
 * read as a rua list; besides the sanitizers, the target checks the
 * promises of lib/report_dest.h and aborts when one breaks: at most
 * REPORT_RUA_MAX addresses, each at most REPORT_ADDR_MAX bytes, one @,
 * a host name after it, printable ASCII without white space, and a
 * NULL after the last.  The DNS side (report_dest_check()) is not
 * fuzzed here: its lookups are stubbed.  Built and run by t/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "dns.h"
#include "stub_dns.h"	/* no DNS: a lookup aborts */
#include "dmarc.h"
#include "report_dest.h"

#define FUZZ_MAX	8192

/* report_dest_check() is not called by this target: no DNS, no alignment */
int
dmarc_aligned(struct dns_client *dc, const char *a, const char *b,
    enum dmarc_align mode)
{
	(void)dc;
	(void)a;
	(void)b;
	(void)mode;
	abort();
}

/* check - one address keeps report_dest.h's promises */
static void
check(const char *a)
{
	const char *at = strchr(a, '@'), *p;

	if (strlen(a) > REPORT_ADDR_MAX || at == NULL || at == a ||
	    strchr(at + 1, '@') != NULL || !report_dest_is_host(at + 1))
		abort();
	for (p = a; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf notes;
	char *s, **addrs;
	size_t n, i;

	if (size > FUZZ_MAX)
		return 0;
	s = xstrndup((const char *)data, size);
	sb_init(&notes);
	n = report_rua_parse(s, &addrs, &notes);
	if (n > REPORT_RUA_MAX || addrs[n] != NULL)
		abort();
	for (i = 0; i < n; i++)
		check(addrs[i]);
	report_rua_free(addrs);
	sb_free(&notes);
	free(s);
	return 0;
}
