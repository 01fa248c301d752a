/*
 * fuzz_check_dns - libFuzzer target for what authmilter-check reads from
 * a domain's DNS: the SPF tree walk, the DKIM key, the DMARC record with
 * its report destinations, and the TLS-RPT record
 *
 * The input is a zone in t/fuzz/stub_dns.h's text form, whose first
 * line is instead the DKIM selector checked (empty: "s1").  The domain
 * checked is example.com, as authmilter-check's check_domains() checks
 * it: check_spf(), check_dkim(), check_dmarc() and check_tlsrpt() fill
 * one report.  Besides the sanitizers it checks the promises the
 * readable report, --json and the exit status rely on, and aborts when
 * one breaks: the report serializes as JSON; every finding has one of
 * the four severities and a text (and a fix, when there is one) of
 * printable ASCII only, so no DNS answer can write a line of its own
 * into the report; the worst severity is one of the four; the SPF walk
 * counts at most CHECK_SPF_MAX_TERMS lookups and asks DNS a bounded
 * number of times however the records nest and loop; TLS-RPT lists at
 * most CHECK_TLSRPT_MAX_RUA URIs.  Built and run by t/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util.h"
#include "dns.h"
#include "check.h"
#include "check_spf.h"
#include "check_dkim.h"
#include "check_dmarc.h"
#include "check_tlsrpt.h"
#include "stub_dns.h"

#define FUZZ_MAX	16384
/* DNS questions one check may ask: the SPF walk's terms, each MX term's
 * hosts, and the few names of the other checks, with room to spare */
#define LOOKUPS_MAX	(CHECK_SPF_MAX_TERMS * 12 + 64)

/* printable - only printable ASCII in a JSON string? */
static int
printable(const json_t *s)
{
	const char *p = json_string_value(s);
	size_t i, n = json_string_length(s);

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
			return 0;
	return 1;
}

/* check_findings - every finding below node keeps check.h's promises */
static void
check_findings(json_t *node)
{
	const char *key, *sev;
	json_t *v, *f;
	size_t i;

	if (json_is_array(node)) {
		json_array_foreach(node, i, v)
			check_findings(v);
		return;
	}
	if (!json_is_object(node))
		return;
	json_object_foreach(node, key, v) {
		if (strcmp(key, "findings") != 0) {
			check_findings(v);
			continue;
		}
		if (!json_is_array(v))
			abort();
		json_array_foreach(v, i, f) {
			sev = json_string_value(json_object_get(f, "severity"));
			if (sev == NULL || (strcmp(sev, "OK") != 0 &&
			    strcmp(sev, "WARNING") != 0 &&
			    strcmp(sev, "CRITICAL") != 0 &&
			    strcmp(sev, "UNKNOWN") != 0))
				abort();
			if (!json_is_string(json_object_get(f, "text")) ||
			    !printable(json_object_get(f, "text")))
				abort();
			if (json_object_get(f, "fix") != NULL &&
			    (!json_is_string(json_object_get(f, "fix")) ||
			    !printable(json_object_get(f, "fix"))))
				abort();
		}
	}
}

/* check_report - the promises about the whole report */
static void
check_report(json_t *report)
{
	json_t *spf = json_object_get(report, "spf"), *v;
	enum check_sev worst;
	char *dump;

	if ((dump = json_dumps(report, JSON_COMPACT)) == NULL)
		abort();
	free(dump);
	check_findings(report);
	worst = check_worst(report);
	if (worst != CHECK_OK && worst != CHECK_WARNING &&
	    worst != CHECK_CRITICAL && worst != CHECK_UNKNOWN)
		abort();
	v = json_object_get(spf, "lookups");
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > CHECK_SPF_MAX_TERMS)
		abort();
	v = json_object_get(json_object_get(report, "tls_rpt"), "rua");
	if (!json_is_array(v) || json_array_size(v) > CHECK_TLSRPT_MAX_RUA)
		abort();
	if (stub_dns_lookups() > LOOKUPS_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *nl;
	struct check_dkim_sel sel;
	json_t *report;
	char *selector;
	size_t slen;

	if (size > FUZZ_MAX)
		return 0;
	nl = memchr(text, '\n', size);
	slen = nl != NULL ? (size_t)(nl - text) : size;
	selector = slen > 0 ? xstrndup(text, slen) : xstrdup("s1");
	if (nl != NULL)
		stub_dns_zone(nl + 1, size - slen - 1);
	else
		stub_dns_zone("", 0);
	memset(&sel, 0, sizeof(sel));
	sel.selector = selector;
	report = json_object();
	json_object_set_new(report, "domain", json_string("example.com"));
	check_spf(report, NULL, "example.com");
	check_dkim(report, NULL, "example.com", &sel, 1);
	check_dmarc(report, NULL, "example.com");
	check_tlsrpt(report, NULL, "example.com");
	check_report(report);
	json_decref(report);
	free(selector);
	stub_dns_none();
	return 0;
}
