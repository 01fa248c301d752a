/*
 * fuzz_spf - libFuzzer target for the SPF record parser and the macro
 *	expander (no DNS)
 *
 * The input is used three ways: as a TXT record as it came from DNS, as
 * the terms of a record behind "v=spf1 ", and, split at its first
 * newline, as a macro-string and the value every macro letter takes
 * (its first byte picks the expansion flags).  Besides the sanitizers,
 * it checks a few promises of lib/spf_int.h and aborts when one breaks.
 * Built and run by t/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "dns.h"
#include "stub_dns.h"	/* no DNS: a lookup aborts */
#include "spf.h"
#include "spf_int.h"

#define FUZZ_MAX	65536

/* fuzz_p - %{p}: the fuzzed value too */
static const char *
fuzz_p(void *arg, const char *domain)
{
	(void)domain;
	return arg;
}

/* check_record - parse a record and check what a parse promises */
static void
check_record(const char *txt, size_t len)
{
	struct spf_record rec;
	struct strbuf err;
	size_t i;

	sb_init(&err);
	if (spf_record_parse(txt, len, &rec, &err) == 0) {
		if (!spf_record_is_spf(txt, len))
			abort();
		for (i = 0; i < rec.nterms; i++)
			if (rec.terms[i].text == NULL ||
			    rec.terms[i].cidr4 > 32 ||
			    rec.terms[i].cidr6 > 128)
				abort();
		spf_record_free(&rec);
	} else if (err.len == 0)
		abort();	/* every error says why */
	sb_free(&err);
}

/* check_macro - check and expand s with every letter set to value */
static void
check_macro(const char *s, size_t n, const char *value, int flags)
{
	struct spf_macro_env env;
	struct strbuf out, err;
	int checked, expanded;

	memset(&env, 0, sizeof(env));
	env.s = env.l = env.o = env.d = env.i = env.c = env.v = env.h =
	    env.r = env.t = value;
	env.p = fuzz_p;
	env.parg = (void *)value;
	sb_init(&err);
	checked = spf_macro_check(s, n, flags & SPF_MACRO_EXP, &err);
	(void)spf_domain_spec_check(s, n, &err);
	sb_free(&err);

	sb_init(&out);
	sb_init(&err);
	expanded = spf_macro_expand(s, n, &env, flags, &out, &err);
	if (expanded == 0 && checked < 0)
		abort();	/* expansion accepted what the check refused */
	if (expanded < 0 && checked == 0 &&
	    strstr(err.s, "too long") == NULL)
		abort();	/* only length may fail a checked string */
	if (expanded == 0 && (flags & SPF_MACRO_DOMAIN) &&
	    out.len > SPF_MAX_NAME)
		abort();	/* names are cut to 253 */
	if (expanded == 0 && out.len > SPF_MACRO_MAX)
		abort();
	(void)spf_name_valid(out.s);
	sb_free(&out);
	sb_free(&err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nl;
	char *value;
	struct strbuf sb;
	size_t n;

	if (size == 0 || size > FUZZ_MAX)
		return 0;

	check_record(in, size);
	sb_init(&sb);
	sb_puts(&sb, "v=spf1 ");
	sb_append(&sb, in, size);
	check_record(sb.s, sb.len);
	sb_free(&sb);

	nl = memchr(in + 1, '\n', size - 1);
	n = nl != NULL ? (size_t)(nl - (in + 1)) : size - 1;
	value = nl != NULL ? xstrndup(nl + 1, size - n - 2) : xstrdup("");
	check_macro(in + 1, n, value, data[0] & 3);
	(void)spf_name_valid(value);
	free(value);
	return 0;
}
