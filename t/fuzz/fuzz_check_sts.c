/*
 * fuzz_check_sts - libFuzzer target for what authmilter-check reads from
 * a partner's MTA-STS policy server (no DNS, no network)
 *
 * The input is a policy body as an HTTPS server sent it (any bytes: the
 * fetch caps the size, not the content), parsed by
 * check_mta_sts_policy().  Its first two lines are also tried as an mx
 * pattern and an MX host name with check_mta_sts_match().  Besides the
 * sanitizers it checks the promises authmilter-check's report and the
 * Postfix policy file rely on, and aborts when one breaks: the area
 * serializes as JSON (every string valid UTF-8), "mode" is null or a
 * string, "max_age" null or an integer from 0 to 10 digits, "mx" an
 * array of strings, each finding has a severity and a text; a match is
 * 0 or 1, and a "*." pattern never matches a host with another number
 * of labels (RFC 8461 4.1: "*" is exactly one label).
 * Built and run by t/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util.h"
#include "dns.h"
#include "stub_dns.h"	/* no DNS: a lookup aborts */
#include "check.h"
#include "check_tls.h"

/* labels - the dots of name without its final one, plus one */
static size_t
labels(const char *name)
{
	size_t n = 1, len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		len--;
	while (len-- > 0)
		if (name[len] == '.')
			n++;
	return n;
}

/* check_area - the promises about the parsed policy */
static void
check_area(json_t *area)
{
	json_t *v, *f;
	char *dump;
	size_t i;

	if ((dump = json_dumps(area, JSON_COMPACT)) == NULL)
		abort();
	free(dump);
	v = json_object_get(area, "mode");
	if (v != NULL && !json_is_null(v) && !json_is_string(v))
		abort();
	v = json_object_get(area, "max_age");
	if (v == NULL || !(json_is_null(v) || (json_is_integer(v) &&
	    json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= 9999999999LL)))
		abort();
	v = json_object_get(area, "mx");
	if (!json_is_array(v))
		abort();
	json_array_foreach(v, i, f)
		if (!json_is_string(f))
			abort();
	json_array_foreach(json_object_get(area, "findings"), i, f)
		if (!json_is_string(json_object_get(f, "severity")) ||
		    !json_is_string(json_object_get(f, "text")))
			abort();
}

/* check_match - the first two lines as pattern and host */
static void
check_match(const uint8_t *data, size_t size)
{
	const uint8_t *nl, *end = data + size;
	char *pattern, *host;
	size_t plen, hlen;
	int m;

	if ((nl = memchr(data, '\n', size)) == NULL)
		return;
	plen = (size_t)(nl - data);
	hlen = (size_t)(end - nl - 1);
	if ((nl = memchr(nl + 1, '\n', hlen)) != NULL)
		hlen = (size_t)(nl - (data + plen + 1));
	pattern = xstrndup((const char *)data, plen);
	host = xstrndup((const char *)data + plen + 1, hlen);
	m = check_mta_sts_match(pattern, host);
	if (m != 0 && m != 1)
		abort();
	/* strndup stops at a NUL byte: compare what the function saw */
	if (m == 1 && pattern[0] == '*' && pattern[1] == '.' &&
	    labels(host) != labels(pattern))
		abort();
	free(pattern);
	free(host);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *area = json_object();

	check_mta_sts_policy(area, (const char *)data, size);
	check_area(area);
	json_decref(area);
	check_match(data, size);
	return 0;
}
