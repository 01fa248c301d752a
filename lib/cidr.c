/*
 * cidr.c - IPv4 and IPv6 addresses and prefixes, and matching them
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "cidr.h"

/* v4mapped_prefix - the first 12 bytes of ::ffff:a.b.c.d */
static const unsigned char v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* mask_host_bits - clear every bit of addr below the prefix length */
static void
mask_host_bits(unsigned char *addr, size_t len, unsigned bits)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		addr[i] &= (unsigned char)(0xff00 >> bits);
		bits = 0;
	}
}

/* parse_prefix_len - read 1 to 3 decimal digits, at most max */
static int
parse_prefix_len(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 3)
			return -1;
		v = v * 10 + (unsigned)(s[n] - '0');
	}
	if (n == 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* cidr_parse - read an address or address/prefix */
int
cidr_parse(const char *text, struct cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 1];
	const char *slash;
	size_t alen;
	struct cidr c;
	unsigned max;

	if (text == NULL)
		return -1;
	slash = strchr(text, '/');
	alen = slash ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, text, alen);
	buf[alen] = '\0';

	memset(&c, 0, sizeof(c));
	if (strchr(buf, ':') != NULL) {
		if (inet_pton(AF_INET6, buf, c.addr) != 1)
			return -1;
		c.family = AF_INET6;
		max = 128;
	} else {
		if (inet_pton(AF_INET, buf, c.addr) != 1)
			return -1;
		c.family = AF_INET;
		max = 32;
	}
	if (slash == NULL)
		c.bits = max;
	else if (parse_prefix_len(slash + 1, max, &c.bits) == -1)
		return -1;
	mask_host_bits(c.addr, max / 8, c.bits);
	*out = c;
	return 0;
}

/* prefix_equal - do the first bits bits of a and b agree? */
static int
prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	size_t whole = bits / 8;
	unsigned rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff00 >> rest);
	return (a[whole] & mask) == (b[whole] & mask);
}

/* cidr_match - is addr inside the prefix c? */
int
cidr_match(const struct cidr *c, int family, const unsigned char *addr)
{
	if (c == NULL || addr == NULL)
		return 0;
	if (family == AF_INET6 && c->family == AF_INET &&
	    memcmp(addr, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0) {
		family = AF_INET;
		addr += sizeof(v4mapped_prefix);
	}
	if (family != c->family)
		return 0;
	return prefix_equal(c->addr, addr, c->bits);
}

/* cidr_list_add - append a copy of c, growing the array by doubling */
void
cidr_list_add(struct cidr_list *l, const struct cidr *c)
{
	/* capacity is the next power of two: grow when n is one */
	if (l->n == 0 || (l->n & (l->n - 1)) == 0)
		l->v = xrealloc(l->v, (l->n ? l->n * 2 : 1) * sizeof(*l->v));
	l->v[l->n++] = *c;
}

/* cidr_list_match - is addr inside any prefix of the list? */
int
cidr_list_match(const struct cidr_list *l, int family,
    const unsigned char *addr)
{
	size_t i;

	if (l == NULL)
		return 0;
	for (i = 0; i < l->n; i++)
		if (cidr_match(&l->v[i], family, addr))
			return 1;
	return 0;
}

/* cidr_list_free - release the array; the list becomes empty */
void
cidr_list_free(struct cidr_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* addr_from_sockaddr - copy the address out of an AF_INET/6 sockaddr */
int
addr_from_sockaddr(const struct sockaddr *sa, int *family,
    unsigned char *addr)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	if (sa == NULL)
		return -1;
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		memcpy(addr, &sin->sin_addr, 4);
		*family = AF_INET;
		return 0;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		memcpy(addr, &sin6->sin6_addr, 16);
		*family = AF_INET6;
		return 0;
	default:
		return -1;
	}
}

/* addr_format - print an address; "?" if it cannot be printed */
void
addr_format(int family, const unsigned char *addr, char *buf, size_t size)
{
	if (size == 0)
		return;
	if ((family != AF_INET && family != AF_INET6) ||
	    size > (size_t)INT32_MAX ||
	    inet_ntop(family, addr, buf, (socklen_t)size) == NULL) {
		buf[0] = size > 1 ? '?' : '\0';
		if (size > 1)
			buf[1] = '\0';
	}
}
