/*
 * cidr_test - cidr_parse accepts exactly addresses and prefixes;
 * cidr_match and cidr_list_match decide membership bit by bit,
 * IPv4-mapped IPv6 addresses match IPv4 prefixes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "cidr.h"
#include "tap.h"

/* in_prefix - does the address text lie inside the prefix text? */
static int
in_prefix(const char *prefix, const char *addr)
{
	struct cidr c;
	unsigned char a[16];

	if (cidr_parse(prefix, &c) != 0)
		return -1;
	if (inet_pton(AF_INET, addr, a) == 1)
		return cidr_match(&c, AF_INET, a);
	if (inet_pton(AF_INET6, addr, a) == 1)
		return cidr_match(&c, AF_INET6, a);
	return -1;
}

/* test_parse_good - forms that must parse, with family and bits */
static void
test_parse_good(void)
{
	static const struct {
		const char	*text;
		int		 family;
		unsigned	 bits;
	} good[] = {
		{ "192.0.2.1", AF_INET, 32 },
		{ "192.0.2.0/24", AF_INET, 24 },
		{ "0.0.0.0/0", AF_INET, 0 },
		{ "10.0.0.0/8", AF_INET, 8 },
		{ "192.0.2.1/32", AF_INET, 32 },
		{ "2001:db8::1", AF_INET6, 128 },
		{ "2001:db8::/32", AF_INET6, 32 },
		{ "::/0", AF_INET6, 0 },
		{ "::1", AF_INET6, 128 },
		{ "::1/128", AF_INET6, 128 },
		{ "::ffff:192.0.2.1", AF_INET6, 128 },
		{ "fe80::/10", AF_INET6, 10 },
	};
	struct cidr c;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		memset(&c, 0xaa, sizeof(c));
		is_int(cidr_parse(good[i].text, &c), 0, "parse '%s'",
		    good[i].text);
		is_int(c.family, good[i].family, "'%s' family", good[i].text);
		is_int(c.bits, good[i].bits, "'%s' bits", good[i].text);
	}
}

/* test_parse_bad - junk must be refused */
static void
test_parse_bad(void)
{
	static const char *bad[] = {
		"", "/24", "1.2.3.4/33", "1.2.3", "1.2.3.4.5", "::1/129",
		"1.2.3.4/", "1.2.3.4/24x", "1.2.3.4 ", " 1.2.3.4",
		"1.2.3.4/-1", "1.2.3.4/+8", "1.2.3.4/0008", "256.1.1.1",
		"2001:db8::/32/1", "2001:db8:::1", "example.com",
		"1.2.3.4/24/8", "fe80::1%eth0", "1.2.3.4x", "::1/1 28",
		"1.2.3.4/2 4", "01.2.3.4",
	};
	struct cidr c;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		is_int(cidr_parse(bad[i], &c), -1, "reject '%s'", bad[i]);
	is_int(cidr_parse(NULL, &c), -1, "reject NULL");
}

/* test_match - membership at prefix boundaries */
static void
test_match(void)
{
	is_int(in_prefix("192.0.2.0/24", "192.0.2.0"), 1, "/24 first");
	is_int(in_prefix("192.0.2.0/24", "192.0.2.255"), 1, "/24 last");
	is_int(in_prefix("192.0.2.0/24", "192.0.3.0"), 0, "/24 next net");
	is_int(in_prefix("192.0.2.0/24", "192.0.1.255"), 0, "/24 before");
	is_int(in_prefix("192.0.2.128/25", "192.0.2.127"), 0, "/25 below");
	is_int(in_prefix("192.0.2.128/25", "192.0.2.128"), 1, "/25 start");
	is_int(in_prefix("10.0.0.0/9", "10.127.255.255"), 1, "/9 inside");
	is_int(in_prefix("10.0.0.0/9", "10.128.0.0"), 0, "/9 outside");
	is_int(in_prefix("192.0.2.1", "192.0.2.1"), 1, "host equal");
	is_int(in_prefix("192.0.2.1", "192.0.2.2"), 0, "host other");
	is_int(in_prefix("0.0.0.0/0", "203.0.113.9"), 1, "/0 matches v4");
	is_int(in_prefix("0.0.0.0/0", "2001:db8::1"), 0,
	    "v4 /0 does not match native v6");
	is_int(in_prefix("192.0.2.77/24", "192.0.2.1"), 1,
	    "host bits below prefix ignored");

	is_int(in_prefix("2001:db8::/32", "2001:db8:ffff::1"), 1, "v6 /32");
	is_int(in_prefix("2001:db8::/32", "2001:db9::1"), 0, "v6 /32 out");
	is_int(in_prefix("2001:db8::/33", "2001:db8:8000::"), 0, "v6 /33");
	is_int(in_prefix("2001:db8::/33", "2001:db8:7fff::"), 1, "v6 /33 in");
	is_int(in_prefix("::/0", "2001:db8::1"), 1, "v6 /0");
	is_int(in_prefix("::/0", "192.0.2.1"), 0, "v6 /0 not v4");
	is_int(in_prefix("::1", "::1"), 1, "::1");
	is_int(in_prefix("::1", "::2"), 0, "::1 vs ::2");
	is_int(in_prefix("2001:db8::1", "192.0.2.1"), 0, "family mismatch");

	/* IPv4-mapped IPv6 clients match IPv4 prefixes */
	is_int(in_prefix("127.0.0.1", "::ffff:127.0.0.1"), 1,
	    "mapped loopback matches 127.0.0.1");
	is_int(in_prefix("192.0.2.0/24", "::ffff:192.0.2.9"), 1,
	    "mapped matches v4 /24");
	is_int(in_prefix("192.0.2.0/24", "::ffff:192.0.3.9"), 0,
	    "mapped outside v4 /24");
	is_int(in_prefix("0.0.0.0/0", "::ffff:1.2.3.4"), 1, "mapped in /0");
	is_int(in_prefix("192.0.2.1", "::192.0.2.1"), 0,
	    "compatible (not mapped) address does not match v4");
	is_int(in_prefix("192.0.2.1", "64:ff9b::192.0.2.1"), 0,
	    "NAT64 address does not match v4");
	is_int(in_prefix("::ffff:0:0/96", "::ffff:10.1.1.1"), 1,
	    "v6 prefix of mapped space matches mapped address");
}

/* test_list - growth, order independence, empty list */
static void
test_list(void)
{
	struct cidr_list l = { NULL, 0 };
	struct cidr c;
	unsigned char a[16];
	char text[32];
	int i, all = 1;

	inet_pton(AF_INET, "127.0.0.1", a);
	is_int(cidr_list_match(&l, AF_INET, a), 0, "empty list matches none");
	for (i = 0; i < 100; i++) {
		snprintf(text, sizeof(text), "10.%d.0.0/16", i);
		if (cidr_parse(text, &c) != 0)
			all = 0;
		cidr_list_add(&l, &c);
	}
	ok(all, "100 prefixes parsed");
	is_int((long)l.n, 100, "list holds 100");
	inet_pton(AF_INET, "10.99.1.2", a);
	is_int(cidr_list_match(&l, AF_INET, a), 1, "last entry matches");
	inet_pton(AF_INET, "10.0.255.255", a);
	is_int(cidr_list_match(&l, AF_INET, a), 1, "first entry matches");
	inet_pton(AF_INET, "10.100.0.1", a);
	is_int(cidr_list_match(&l, AF_INET, a), 0, "no entry matches");
	inet_pton(AF_INET6, "::ffff:10.50.0.1", a);
	is_int(cidr_list_match(&l, AF_INET6, a), 1, "mapped in list");
	cidr_list_free(&l);
	ok(l.v == NULL && l.n == 0, "free empties the list");
	cidr_list_free(&l);
	ok(1, "second free is harmless");
}

/* test_sockaddr - extraction and formatting */
static void
test_sockaddr(void)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr sa;
	unsigned char a[16];
	char buf[64];
	int family = 0;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "198.51.100.7", &sin.sin_addr);
	is_int(addr_from_sockaddr((struct sockaddr *)&sin, &family, a), 0,
	    "sockaddr_in accepted");
	is_int(family, AF_INET, "family AF_INET");
	addr_format(family, a, buf, sizeof(buf));
	is_str(buf, "198.51.100.7", "v4 formatted");

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::5", &sin6.sin6_addr);
	is_int(addr_from_sockaddr((struct sockaddr *)&sin6, &family, a), 0,
	    "sockaddr_in6 accepted");
	is_int(family, AF_INET6, "family AF_INET6");
	addr_format(family, a, buf, sizeof(buf));
	is_str(buf, "2001:db8::5", "v6 formatted");

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	is_int(addr_from_sockaddr(&sa, &family, a), -1, "AF_UNIX refused");

	addr_format(AF_INET6, a, buf, 4);
	is_str(buf, "?", "too small a buffer gives '?'");
	addr_format(12345, a, buf, sizeof(buf));
	is_str(buf, "?", "unknown family gives '?'");
}

int
main(void)
{
	test_parse_good();
	test_parse_bad();
	test_match();
	test_list();
	test_sockaddr();
	return tap_done();
}
