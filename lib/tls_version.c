/*
 * tls_version.c - TLS protocol version names, in order
 */
#include <stddef.h>

#include "util.h"
#include "tls_version.h"

/* read_number - a decimal 0..TLS_VERSION_MAX_PART at *p, or -1 */
static int
read_number(const char **p)
{
	int n = 0;

	if (**p < '0' || **p > '9')
		return -1;
	for (; **p >= '0' && **p <= '9'; (*p)++) {
		n = n * 10 + (**p - '0');
		if (n > TLS_VERSION_MAX_PART)
			return -1;
	}
	return n;
}

/* prefix - name starts with word (any case): the rest, or NULL */
static const char *
prefix(const char *name, const char *word)
{
	for (; *word != '\0'; word++, name++)
		if (ascii_tolower((unsigned char)*name) != *word)
			return NULL;
	return name;
}

/* tls_version_rank - a number that orders the versions, or -1 */
int
tls_version_rank(const char *name)
{
	const char *p;
	int major, minor = 0;

	if (name == NULL)
		return -1;
	if ((p = prefix(name, "sslv")) != NULL) {
		if ((major = read_number(&p)) < 0 || *p != '\0')
			return -1;
		return major;			/* below every TLS rank */
	}
	if ((p = prefix(name, "tlsv")) == NULL ||
	    (major = read_number(&p)) < 1)
		return -1;
	if (*p == '.') {
		p++;
		if ((minor = read_number(&p)) < 0)
			return -1;
	}
	if (*p != '\0')
		return -1;
	return (TLS_VERSION_MAX_PART + 1) * (major + 1) + minor;
}

/* tls_version_policy_name - TLSv1, TLSv1.1, TLSv1.2, TLSv1.3, or NULL */
const char *
tls_version_policy_name(const char *name)
{
	static const char *const names[] = {
		"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (str_caseeq(name, names[i]))
			return names[i];
	return NULL;
}
