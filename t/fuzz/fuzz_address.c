/*
 * fuzz_address - libFuzzer target for the RFC 5322 address-list parser
 *	and domain_to_ascii()
 *
 * The input is parsed three ways: as a C string (a NUL-terminated copy,
 * so a NUL in the input ends the value as it would from the MTA), as a
 * buffer of its full length with address_parse_buf() (where a NUL is an
 * error), and as a domain for domain_to_ascii().  Besides the
 * sanitizers, it checks the promises of lib/address.h and aborts when
 * one breaks.  Built and run by t/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "address.h"

#define FUZZ_MAX	(ADDRESS_MAX_INPUT + 16)

/* ascii_name - only what domain_to_ascii() may produce */
static int
ascii_name(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

/* check_domain - a converted name is ASCII, bounded and a fixed point */
static void
check_domain(const char *name)
{
	struct strbuf a, b;

	sb_init(&a);
	sb_init(&b);
	if (domain_to_ascii(name, &a) == 0) {
		if (a.len == 0 || a.len > 253 || !ascii_name(a.s) ||
		    a.s[0] == '.' || a.s[a.len - 1] == '.' ||
		    strstr(a.s, "..") != NULL)
			abort();
		if (domain_to_ascii(a.s, &b) != 0 || strcmp(a.s, b.s) != 0)
			abort();	/* not idempotent */
	} else if (a.len != 0)
		abort();
	sb_free(&a);
	sb_free(&b);
}

/* check_list - what a parse promises */
static void
check_list(int r, struct address_list *l)
{
	struct strbuf sb;
	size_t i;

	if (r != 0 && r != -1)
		abort();
	if ((r == 0) != (l->error == NULL))
		abort();	/* an error iff -1 */
	if (l->n > ADDRESS_MAX_ADDRS || (l->n > 0 && l->v == NULL))
		abort();
	sb_init(&sb);
	for (i = 0; i < l->n; i++) {
		if (l->v[i].local == NULL || l->v[i].domain == NULL ||
		    l->v[i].domain[0] == '\0')
			abort();
		if (l->v[i].literal) {
			if (l->v[i].domain[0] != '[')
				abort();
		} else if (domain_to_ascii(l->v[i].domain, &sb) != 0 ||
		    strcmp(sb.s, l->v[i].domain) != 0)
			abort();	/* a domain is already normalised */
	}
	sb_free(&sb);
	address_list_free(l);
	address_list_free(l);		/* safe twice */
	if (l->v != NULL || l->n != 0 || l->error != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct address_list l;
	char *value;
	int r;

	if (size > FUZZ_MAX)
		return 0;
	value = xmalloc(size + 1);
	memcpy(value, data, size);
	value[size] = '\0';

	r = address_parse_list(value, &l);
	check_list(r, &l);
	r = address_parse_buf(value, size, &l);
	if (memchr(value, '\0', size) != NULL && r == 0)
		abort();	/* a NUL inside the buffer is an error */
	check_list(r, &l);
	check_domain(value);

	free(value);
	return 0;
}
