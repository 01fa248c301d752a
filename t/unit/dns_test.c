/*
 * dns_test - lib/dns without a network: server specs, resolv.conf,
 * classification and decoding of crafted and hostile answers, names that
 * cannot be asked, and the cache (keys, TTL, bounds in entries and
 * bytes, LRU, references, many threads), queries shared by many askers
 * (single-flight) and failures cached, against a fake name server the
 * test answers by hand.  The transport is tested by t/dns.t against testdns.py.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "dns.h"
#include "dns_cache.h"
#include "tap.h"

/* ---- a small DNS message builder, for crafted answers ---- */

struct msg {
	unsigned char	b[70000];
	size_t		len;
};

/* m_u8 - append one byte */
static void
m_u8(struct msg *m, unsigned v)
{
	if (m->len >= sizeof(m->b))
		abort();
	m->b[m->len++] = (unsigned char)v;
}

/* m_u16 - append a 16-bit value, network order */
static void
m_u16(struct msg *m, unsigned v)
{
	m_u8(m, v >> 8);
	m_u8(m, v & 0xff);
}

/* m_u32 - append a 32-bit value, network order */
static void
m_u32(struct msg *m, uint32_t v)
{
	m_u16(m, v >> 16);
	m_u16(m, v & 0xffff);
}

/* m_name - append a dotted name as uncompressed labels */
static void
m_name(struct msg *m, const char *name)
{
	const char *p = name, *dot;
	size_t n;

	while (*p != '\0') {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		m_u8(m, (unsigned)n);
		while (n-- > 0)
			m_u8(m, (unsigned char)*p++);
		if (*p == '.')
			p++;
	}
	m_u8(m, 0);
}

/* m_header - a response header with the question (name, type) */
static void
m_header(struct msg *m, unsigned flags, unsigned an, unsigned ns,
    const char *qname, unsigned qtype)
{
	m->len = 0;
	m_u16(m, 0x1234);
	m_u16(m, flags);
	m_u16(m, 1);
	m_u16(m, an);
	m_u16(m, ns);
	m_u16(m, 0);
	m_name(m, qname);
	m_u16(m, qtype);
	m_u16(m, 1);
}

/* m_rr - a record header with owner name, or a pointer if name is NULL */
static void
m_rr(struct msg *m, const char *name, unsigned type, uint32_t ttl,
    unsigned rdlen)
{
	if (name == NULL)
		m_u16(m, 0xc00c);		/* the question's name */
	else
		m_name(m, name);
	m_u16(m, type);
	m_u16(m, 1);
	m_u32(m, ttl);
	m_u16(m, rdlen);
}

/* m_a - an A record for the question's name */
static void
m_a(struct msg *m, uint32_t ttl, unsigned last)
{
	m_rr(m, NULL, DNS_T_A, ttl, 4);
	m_u8(m, 192);
	m_u8(m, 0);
	m_u8(m, 2);
	m_u8(m, last);
}

/* m_txt - a TXT record of one character-string for the question's name */
static void
m_txt(struct msg *m, uint32_t ttl, const char *text)
{
	size_t i, n = strlen(text);

	m_rr(m, NULL, DNS_T_TXT, ttl, (unsigned)(1 + n));
	m_u8(m, (unsigned)n);
	for (i = 0; i < n; i++)
		m_u8(m, (unsigned char)text[i]);
}

/* m_soa - an SOA record with a given TTL and minimum */
static void
m_soa(struct msg *m, uint32_t ttl, uint32_t minimum)
{
	m_rr(m, "test", DNS_T_SOA, ttl, 1 + 1 + 20);
	m_u8(m, 0);
	m_u8(m, 0);
	m_u32(m, 1);
	m_u32(m, 3600);
	m_u32(m, 600);
	m_u32(m, 86400);
	m_u32(m, minimum);
}

/* parse - classify the message m as an answer to (name, type) */
static struct dns_reply *
parse(const struct msg *m, const char *name, uint16_t type)
{
	return dns_reply_parse(name, type, m->b, m->len);
}

#define R_NOERROR	0x8180
#define R_NXDOMAIN	0x8183
#define R_SERVFAIL	0x8182

/* test_servers - server specs and resolv.conf */
static void
test_servers(void)
{
	struct dns_server s;
	struct dns_options opt;
	const struct sockaddr_in *sin = (const void *)&s.addr;
	const struct sockaddr_in6 *sin6 = (const void *)&s.addr;
	char path[] = "/tmp/dns_test.XXXXXX", addr[INET6_ADDRSTRLEN];
	static const char *bad[] = {
		"", "1.2.3", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536",
		"1.2.3.4:53x", "1.2.3.4:-1", "[::1", "[::1]x", "[::1]:",
		"host.example", "[1.2.3.4]:53", "1.2.3.4 ", ":::1:2",
		"fe80::1%", "fe80::1%nosuchif0",
	};
	FILE *fp;
	size_t i;
	int fd;

	is_int(dns_parse_server("192.0.2.1", &s), 0, "server: IPv4");
	is_int(s.addr.ss_family, AF_INET, "server: IPv4 family");
	is_int(ntohs(sin->sin_port), 53, "server: default port 53");
	is_int((long)s.addrlen, (long)sizeof(struct sockaddr_in),
	    "server: IPv4 addrlen");
	is_int(dns_parse_server("127.0.0.1:5353", &s), 0, "server: IPv4:port");
	is_int(ntohs(sin->sin_port), 5353, "server: port taken");
	is_str(inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr)),
	    "127.0.0.1", "server: address taken");
	is_int(dns_parse_server("::1", &s), 0, "server: bare IPv6");
	is_int(s.addr.ss_family, AF_INET6, "server: IPv6 family");
	is_int(ntohs(sin6->sin6_port), 53, "server: IPv6 default port");
	is_int(dns_parse_server("[2001:db8::1]:65535", &s), 0,
	    "server: [IPv6]:port");
	is_int(ntohs(sin6->sin6_port), 65535, "server: IPv6 port taken");
	is_str(inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr)),
	    "2001:db8::1", "server: IPv6 address taken");
	is_int(dns_parse_server("[::1]", &s), 0, "server: [IPv6]");
	is_int(dns_parse_server("fe80::1%lo", &s), 0, "server: IPv6 %%scope");
	is_int((long)sin6->sin6_scope_id, (long)if_nametoindex("lo"),
	    "server: scope id of lo");
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		is_int(dns_parse_server(bad[i], &s), -1, "server: bad \"%s\"",
		    bad[i]);

	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		ok(0, "resolv.conf: temporary file");
		return;
	}
	fputs("# a comment\n; another\nsearch example.test\n"
	    "nameserver 192.0.2.53\n"
	    "  nameserver\t::1   # trailing comment\n"
	    "nameserver bogus\n"
	    "nameserver\n"
	    "options timeout:1\n", fp);
	for (i = 0; i < 10; i++)
		fprintf(fp, "nameserver 10.0.0.%zu\n", i + 1);
	fclose(fp);
	memset(&opt, 0, sizeof(opt));
	opt.timeout_ms = 1234;
	is_int(dns_servers_from_resolv_conf(path, &opt), 0,
	    "resolv.conf: read");
	is_int((long)opt.nservers, DNS_MAX_SERVERS,
	    "resolv.conf: at most DNS_MAX_SERVERS, bad lines skipped");
	sin = (const void *)&opt.servers[0].addr;
	is_str(inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr)),
	    "192.0.2.53", "resolv.conf: first server first");
	is_int(opt.servers[1].addr.ss_family, AF_INET6,
	    "resolv.conf: IPv6 server with comment");
	sin = (const void *)&opt.servers[7].addr;
	is_str(inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr)),
	    "10.0.0.6", "resolv.conf: servers in file order");
	is_int(opt.timeout_ms, 1234, "resolv.conf: other options untouched");

	fp = fopen(path, "w");
	fputs("search example.test\n", fp);
	fclose(fp);
	is_int(dns_servers_from_resolv_conf(path, &opt), 0,
	    "resolv.conf without nameserver: read");
	sin = (const void *)&opt.servers[0].addr;
	ok(opt.nservers == 1 && strcmp(inet_ntop(AF_INET, &sin->sin_addr,
	    addr, sizeof(addr)), "127.0.0.1") == 0 &&
	    ntohs(sin->sin_port) == 53,
	    "resolv.conf without nameserver: 127.0.0.1:53");
	unlink(path);
	is_int(dns_servers_from_resolv_conf(path, &opt), -1,
	    "resolv.conf: missing file is -1");
}

/* test_classify - crafted answers classified and decoded */
static void
test_classify(void)
{
	static struct msg m;
	struct dns_reply *r;
	char addr[INET6_ADDRSTRLEN];
	int i;

	/* two A records, the smaller TTL wins */
	m_header(&m, R_NOERROR, 2, 0, "a.test", DNS_T_A);
	m_a(&m, 600, 1);
	m_a(&m, 300, 2);
	r = parse(&m, "a.test", DNS_T_A);
	is_str(dns_status_name(r->status), "data", "A: data");
	is_int((long)r->count, 2, "A: two records");
	is_int(r->ttl, 300, "A: smallest TTL");
	is_str(inet_ntop(r->rr[1].family, r->rr[1].addr, addr, sizeof(addr)),
	    "192.0.2.2", "A: address decoded");
	ok(r->cause == DNS_CAUSE_SERVER && r->size >= sizeof(*r) +
	    2 * sizeof(*r->rr) && r->size < 512,
	    "A: an answer, its decoded size accounted (%zu)", r->size);
	dns_reply_free(r);

	r = parse(&m, "A.TEST.", DNS_T_A);
	is_str(dns_status_name(r->status), "data",
	    "question matched without regard to case or final dot");
	dns_reply_free(r);
	r = parse(&m, "b.test", DNS_T_A);
	is_str(dns_status_name(r->status), "tempfail",
	    "answer to another name: tempfail");
	ok(r->cause == DNS_CAUSE_SERVER && r->count == 0,
	    "tempfail: no records");
	dns_reply_free(r);
	r = parse(&m, "a.test", DNS_T_AAAA);
	is_str(dns_status_name(r->status), "tempfail",
	    "answer to another type: tempfail");
	dns_reply_free(r);
	m.b[2] &= 0x7f;
	r = parse(&m, "a.test", DNS_T_A);
	is_str(dns_status_name(r->status), "tempfail",
	    "a query, not a response: tempfail");
	dns_reply_free(r);

	/* TTLs: capped at DNS_MAX_TTL; over 2^31 counts as 0 */
	m_header(&m, R_NOERROR, 1, 0, "a.test", DNS_T_A);
	m_a(&m, 1000000, 1);
	r = parse(&m, "a.test", DNS_T_A);
	is_int(r->ttl, DNS_MAX_TTL, "TTL capped at DNS_MAX_TTL");
	dns_reply_free(r);
	m_header(&m, R_NOERROR, 1, 0, "a.test", DNS_T_A);
	m_a(&m, 0x80000001U, 1);
	r = parse(&m, "a.test", DNS_T_A);
	is_int(r->ttl, 0, "TTL with the high bit set is 0");
	dns_reply_free(r);

	/* negative answers */
	m_header(&m, R_NXDOMAIN, 0, 1, "nx.test", DNS_T_TXT);
	m_soa(&m, 600, 60);
	r = parse(&m, "nx.test", DNS_T_TXT);
	is_str(dns_status_name(r->status), "nxdomain", "NXDOMAIN");
	is_int(r->ttl, 60, "NXDOMAIN: TTL is the SOA minimum when smaller");
	ok(r->cause == DNS_CAUSE_SERVER, "NXDOMAIN: the server's answer");
	dns_reply_free(r);
	m_header(&m, R_NOERROR, 0, 1, "nd.test", DNS_T_TXT);
	m_soa(&m, 30, 3600);
	r = parse(&m, "nd.test", DNS_T_TXT);
	is_str(dns_status_name(r->status), "nodata", "NODATA");
	is_int(r->ttl, 30, "NODATA: TTL is the SOA TTL when smaller");
	dns_reply_free(r);
	m_header(&m, R_NOERROR, 0, 0, "nd.test", DNS_T_TXT);
	r = parse(&m, "nd.test", DNS_T_TXT);
	is_int(r->ttl, 300, "NODATA without SOA: TTL 300");
	dns_reply_free(r);
	m_header(&m, R_NOERROR, 1, 0, "a.test", DNS_T_TXT);
	m_a(&m, 60, 1);
	r = parse(&m, "a.test", DNS_T_TXT);
	is_str(dns_status_name(r->status), "nodata",
	    "records of another type only: NODATA");
	dns_reply_free(r);
	m_header(&m, R_SERVFAIL, 0, 0, "a.test", DNS_T_A);
	r = parse(&m, "a.test", DNS_T_A);
	is_str(dns_status_name(r->status), "tempfail", "SERVFAIL: tempfail");
	dns_reply_free(r);
	m_header(&m, 0x8185, 0, 0, "a.test", DNS_T_A);
	r = parse(&m, "a.test", DNS_T_A);
	is_str(dns_status_name(r->status), "tempfail", "REFUSED: tempfail");
	dns_reply_free(r);

	/* CNAME chains */
	m_header(&m, R_NOERROR, 3, 0, "c1.test", DNS_T_A);
	m_rr(&m, NULL, DNS_T_CNAME, 100, 9);
	m_name(&m, "C2.test");
	m_rr(&m, "c2.TEST", DNS_T_CNAME, 50, 8);
	m_name(&m, "a.test");
	m_rr(&m, "a.test", DNS_T_A, 300, 4);
	m_u32(&m, 0xc0000201);
	r = parse(&m, "c1.test", DNS_T_A);
	is_str(dns_status_name(r->status), "data", "CNAME chain: data");
	is_int((long)r->count, 1, "CNAME chain: only the target's records");
	is_int(r->ttl, 50, "CNAME chain: TTL includes the CNAMEs");
	dns_reply_free(r);
	r = parse(&m, "c1.test", DNS_T_CNAME);
	is_str(dns_status_name(r->status), "tempfail",
	    "CNAME: the question must match the type");
	dns_reply_free(r);
	m_header(&m, R_NOERROR, 1, 0, "c1.test", DNS_T_CNAME);
	m_rr(&m, NULL, DNS_T_CNAME, 100, 9);
	m_name(&m, "C2.test");
	r = parse(&m, "c1.test", DNS_T_CNAME);
	ok(r->status == DNS_DATA && r->count == 1 &&
	    strcmp(r->rr[0].text, "c2.test") == 0,
	    "CNAME asked: the record itself, lowercase");
	dns_reply_free(r);
	m_header(&m, R_NXDOMAIN, 1, 1, "c1.test", DNS_T_A);
	m_rr(&m, NULL, DNS_T_CNAME, 100, 9);
	m_name(&m, "gone.test");
	m_soa(&m, 60, 60);
	r = parse(&m, "c1.test", DNS_T_A);
	is_str(dns_status_name(r->status), "nodata",
	    "NXDOMAIN with a CNAME: NODATA");
	dns_reply_free(r);
	m_header(&m, R_NOERROR, 2, 0, "l1.test", DNS_T_A);
	m_rr(&m, NULL, DNS_T_CNAME, 100, 9);
	m_name(&m, "l2.test");
	m_rr(&m, "l2.test", DNS_T_CNAME, 100, 9);
	m_name(&m, "l1.test");
	r = parse(&m, "l1.test", DNS_T_A);
	is_str(dns_status_name(r->status), "nodata", "CNAME loop: NODATA");
	dns_reply_free(r);
	m_header(&m, R_NOERROR, 11, 0, "x0.test", DNS_T_A);
	for (i = 0; i < 10; i++) {
		char a[32], b[32];

		snprintf(a, sizeof(a), "x%d.test", i);
		snprintf(b, sizeof(b), "x%d.test", i + 1);
		m_rr(&m, a, DNS_T_CNAME, 100, (unsigned)strlen(b) + 2);
		m_name(&m, b);
	}
	m_rr(&m, "x10.test", DNS_T_A, 100, 4);
	m_u32(&m, 0xc0000201);
	r = parse(&m, "x0.test", DNS_T_A);
	is_str(dns_status_name(r->status), "nodata",
	    "CNAME chain of 10 steps: not followed past 8");
	dns_reply_free(r);

	/* TXT, MX, PTR decoding */
	m_header(&m, R_NOERROR, 1, 0, "t.test", DNS_T_TXT);
	m_rr(&m, NULL, DNS_T_TXT, 100, 4 + 1 + 5 + 1);
	m_u8(&m, 3);
	m_u8(&m, 'a');
	m_u8(&m, 0);
	m_u8(&m, 'b');
	m_u8(&m, 0);
	m_u8(&m, 4);
	m_u8(&m, ' ');
	m_u8(&m, 'c');
	m_u8(&m, 'd');
	m_u8(&m, 'e');
	m_u8(&m, 0);
	r = parse(&m, "t.test", DNS_T_TXT);
	ok(r->status == DNS_DATA && r->count == 1 && r->rr[0].len == 7 &&
	    memcmp(r->rr[0].text, "a\0b cde", 8) == 0,
	    "TXT: strings joined, zero bytes and empty strings kept");
	dns_reply_free(r);
	m_header(&m, R_NOERROR, 2, 0, "m.test", DNS_T_MX);
	m_rr(&m, NULL, DNS_T_MX, 100, 3);
	m_u16(&m, 0);
	m_u8(&m, 0);
	m_rr(&m, NULL, DNS_T_MX, 100, 2 + 9);
	m_u16(&m, 10);
	m_name(&m, "MX.Test");
	r = parse(&m, "m.test", DNS_T_MX);
	ok(r->status == DNS_DATA && r->count == 2 && r->rr[0].pref == 0 &&
	    strcmp(r->rr[0].text, "") == 0 && r->rr[1].pref == 10 &&
	    strcmp(r->rr[1].text, "mx.test") == 0,
	    "MX: null MX is \"\", exchange lowercase");
	dns_reply_free(r);
	m_header(&m, R_NOERROR, 2, 0, "p.test", DNS_T_PTR);
	m_rr(&m, NULL, DNS_T_PTR, 100, 10);
	m_u8(&m, 3);
	m_u8(&m, 'a');
	m_u8(&m, '.');
	m_u8(&m, 'b');
	m_name(&m, "test");
	m_rr(&m, NULL, DNS_T_PTR, 100, 8);
	m_name(&m, "h.test");
	r = parse(&m, "p.test", DNS_T_PTR);
	ok(r->status == DNS_DATA && r->count == 1 &&
	    strcmp(r->rr[0].text, "h.test") == 0,
	    "PTR: a name with a dot inside a label is dropped");
	dns_reply_free(r);

	/* bounds */
	m_header(&m, R_NOERROR, 100, 0, "many.test", DNS_T_A);
	for (i = 0; i < 100; i++)
		m_a(&m, 100, (unsigned)i);
	r = parse(&m, "many.test", DNS_T_A);
	ok(r->status == DNS_DATA && r->count == DNS_MAX_RR,
	    "100 A records: DNS_MAX_RR decoded");
	dns_reply_free(r);
	m_header(&m, R_NOERROR, 100, 0, "many.test", DNS_T_TXT);
	for (i = 0; i < 99; i++)
		m_txt(&m, 100, "google-site-verification=x");
	m_txt(&m, 100, "v=spf1 -all");
	r = parse(&m, "many.test", DNS_T_TXT);
	ok(r->status == DNS_DATA && r->count == 100 &&
	    strcmp(r->rr[99].text, "v=spf1 -all") == 0,
	    "100 TXT records: all decoded, the SPF record last among them");
	dns_reply_free(r);
}

/* test_hostile - malformed answers are tempfail, never a crash */
static void
test_hostile(void)
{
	static struct msg m, good;
	struct dns_reply *r;
	size_t i, n, bad = 0, cut;
	unsigned seed = 12345;

	m_header(&m, R_NOERROR, 65535, 0, "h.test", DNS_T_A);
	m_a(&m, 100, 1);
	r = parse(&m, "h.test", DNS_T_A);
	is_str(dns_status_name(r->status), "tempfail",
	    "answer count beyond the data: tempfail");
	dns_reply_free(r);

	m_header(&m, R_NOERROR, 1, 0, "h.test", DNS_T_A);
	m_u16(&m, 0xc000 | (unsigned)m.len);	/* a pointer to itself */
	m_u16(&m, DNS_T_A);
	m_u16(&m, 1);
	m_u32(&m, 100);
	m_u16(&m, 4);
	m_u32(&m, 1);
	r = parse(&m, "h.test", DNS_T_A);
	is_str(dns_status_name(r->status), "tempfail",
	    "compression loop: tempfail");
	dns_reply_free(r);

	m_header(&m, R_NOERROR, 1, 0, "h.test", DNS_T_A);
	m_rr(&m, NULL, DNS_T_A, 100, 3);
	m_u16(&m, 1);
	m_u8(&m, 1);
	r = parse(&m, "h.test", DNS_T_A);
	is_str(dns_status_name(r->status), "tempfail",
	    "A record of 3 bytes: tempfail");
	dns_reply_free(r);

	m_header(&good, R_NOERROR, 2, 1, "h.test", DNS_T_TXT);
	m_rr(&good, NULL, DNS_T_TXT, 100, 6);
	m_u8(&good, 5);
	m_u32(&good, 0x61626364);
	m_u8(&good, 'e');
	m_rr(&good, NULL, DNS_T_CNAME, 100, 8);
	m_name(&good, "x.test");
	m_soa(&good, 60, 60);
	for (cut = 0; cut < good.len; cut++) {
		r = dns_reply_parse("h.test", DNS_T_TXT, good.b, cut);
		if (r->status != DNS_TEMPFAIL)
			bad++;
		dns_reply_free(r);
	}
	is_int((long)bad, 0, "every truncation of an answer: tempfail");

	/* random mutations: any status, but sane, and no crash */
	bad = 0;
	for (n = 0; n < 20000; n++) {
		m = good;
		for (i = 0; i < 1 + n % 8; i++) {
			seed = seed * 1103515245 + 12345;
			m.b[(seed >> 8) % m.len] = (unsigned char)(seed >> 20);
		}
		r = parse(&m, "h.test", DNS_T_TXT);
		if (r->count > sizeof(m.b) / 11 || (r->status == DNS_DATA &&
		    r->count == 0) || (r->status == DNS_TEMPFAIL &&
		    r->count != 0) || r->cause != DNS_CAUSE_SERVER)
			bad++;
		dns_reply_free(r);
	}
	is_int((long)bad, 0, "20000 mutated answers: sane replies");
}

/* test_lookup_offline - what dns_lookup decides without the network */
static void
test_lookup_offline(void)
{
	struct dns_options opt;
	struct dns_ctx *ctx;
	struct dns_client *dc;
	struct dns_reply *r;
	char name[400];

	memset(&opt, 0, sizeof(opt));
	opt.cache_entries = 10;
	ctx = dns_ctx_new(&opt);
	dc = dns_client_new(ctx);

	r = dns_lookup(dc, "a..test", DNS_T_A);
	ok(r->status == DNS_NXDOMAIN && r->ttl == 0 &&
	    r->cause == DNS_CAUSE_BAD_NAME, "empty label: NXDOMAIN, no query");
	dns_reply_free(r);
	r = dns_lookup(dc, "", DNS_T_A);
	is_int(r->status, DNS_NXDOMAIN, "empty name: NXDOMAIN");
	dns_reply_free(r);
	r = dns_lookup(dc, ".", DNS_T_A);
	is_int(r->status, DNS_NXDOMAIN, "the root alone: NXDOMAIN");
	dns_reply_free(r);
	r = dns_lookup(dc, ".test", DNS_T_A);
	is_int(r->status, DNS_NXDOMAIN, "leading dot: NXDOMAIN");
	dns_reply_free(r);
	memset(name, 'a', 64);
	strcpy(name + 64, ".test");
	r = dns_lookup(dc, name, DNS_T_A);
	is_int(r->status, DNS_NXDOMAIN, "64-byte label: NXDOMAIN");
	dns_reply_free(r);
	memset(name, 'a', 300);
	name[300] = '\0';
	for (int i = 50; i < 300; i += 50)
		name[i] = '.';
	r = dns_lookup(dc, name, DNS_T_A);
	is_int(r->status, DNS_NXDOMAIN, "300-byte name: NXDOMAIN");
	dns_reply_free(r);
	name[253] = '\0';
	r = dns_lookup(dc, name, DNS_T_A);
	is_int(r->status, DNS_TEMPFAIL,
	    "253-byte name is asked (no servers: TEMPFAIL)");
	dns_reply_free(r);
	name[253] = '.';
	name[254] = '\0';
	r = dns_lookup(dc, name, DNS_T_A);
	is_int(r->status, DNS_TEMPFAIL, "253 bytes and a final dot is asked");
	dns_reply_free(r);
	is_int((long)dns_cache_count(NULL), 0, "no cache counts 0");

	dns_client_free(dc);
	dns_ctx_free(ctx);
	is_str(dns_status_name(DNS_DATA), "data", "status name data");
	is_str(dns_status_name(DNS_NODATA), "nodata", "status name nodata");
	is_str(dns_status_name(DNS_NXDOMAIN), "nxdomain",
	    "status name nxdomain");
	is_str(dns_status_name(DNS_TEMPFAIL), "tempfail",
	    "status name tempfail");
}

/* a_reply - a DATA reply for the cache tests */
static struct dns_reply *
a_reply(unsigned last)
{
	static struct msg m;

	m_header(&m, R_NOERROR, 1, 0, "a.test", DNS_T_A);
	m_a(&m, 100, last);
	return parse(&m, "a.test", DNS_T_A);
}

struct hammer {
	struct dns_cache	*cache;
	struct dns_reply	*mine;		/* made before the threads run */
	int			 id;
	int			 errors;
};

/* hammer - one thread of puts and gets on a small shared cache */
static void *
hammer(void *arg)
{
	struct hammer *h = arg;
	struct dns_reply *r, *mine = h->mine;
	char key[32];
	unsigned seed = (unsigned)h->id * 7919;
	int i;

	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245 + 12345;
		snprintf(key, sizeof(key), "k%u.test", (seed >> 8) % 300);
		if (seed & 0x10000)
			dns_cache_put(h->cache, key, DNS_T_A, mine,
			    dns_cache_now_ms() + 60000);
		else if ((r = dns_cache_get(h->cache, key, DNS_T_A,
		    dns_cache_now_ms())) != NULL) {
			if (r->status != DNS_DATA || r->count != 1)
				h->errors++;
			dns_reply_free(r);
		}
	}
	dns_reply_free(mine);
	return NULL;
}

/* test_cache - keys, TTL, bounds, LRU and references */
static void
test_cache(void)
{
	struct dns_cache *c;
	struct dns_reply *r1, *r2, *g;
	struct hammer h[8];
	pthread_t t[8];
	uint64_t now = dns_cache_now_ms();
	char key[32];
	int i, errors = 0;

	c = dns_cache_new(0, 1 << 20);
	r1 = a_reply(1);
	dns_cache_put(c, "a.test", DNS_T_A, r1, now + 10000);
	ok(dns_cache_get(c, "a.test", DNS_T_A, now) == NULL &&
	    dns_cache_count(c) == 0, "cache of 0 entries stores nothing");
	dns_cache_free(c);
	dns_reply_free(r1);
	c = dns_cache_new(100, 1 << 20);
	r1 = a_reply(1);
	r2 = a_reply(2);
	dns_cache_put(c, "A.Test", DNS_T_A, r1, now + 10000);
	is_int(r1->refs, 2, "put takes a reference");
	g = dns_cache_get(c, "a.TEST", DNS_T_A, now);
	ok(g == r1, "get: same reply, key without regard to case");
	is_int(r1->refs, 3, "get gives a reference");
	dns_reply_free(g);
	ok(dns_cache_get(c, "a.test", DNS_T_TXT, now) == NULL,
	    "get: the type is part of the key");
	ok(dns_cache_get(c, "b.test", DNS_T_A, now) == NULL, "get: miss");
	ok(dns_cache_get(c, "a.test", DNS_T_A, now + 9999) == r1,
	    "get: live until its expiry");
	dns_reply_free(r1);
	ok(dns_cache_get(c, "a.test", DNS_T_A, now + 10000) == NULL,
	    "get: gone at its expiry");
	is_int(r1->refs, 1, "expired entry dropped its reference");
	is_int((long)dns_cache_count(c), 0, "expired entry removed");
	dns_cache_put(c, "a.test", DNS_T_A, r1, now + 10000);
	dns_cache_put(c, "a.test", DNS_T_A, r2, now + 10000);
	ok((g = dns_cache_get(c, "a.test", DNS_T_A, now)) == r2,
	    "put replaces an entry of the same key");
	dns_reply_free(g);
	is_int(r1->refs, 1, "replaced entry dropped its reference");
	is_int((long)dns_cache_count(c), 1, "one entry after replacement");
	dns_cache_put(c, "old.test", DNS_T_A, r1, now > 1 ? now - 1 : 0);
	ok(dns_cache_get(c, "old.test", DNS_T_A, now) == NULL,
	    "an expired reply is not stored");
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "n%d.test", i);
		dns_cache_put(c, key, DNS_T_A, r1, now + 10000);
	}
	ok(dns_cache_count(c) <= 100 && dns_cache_count(c) >= 50,
	    "1000 puts into 100 entries: bounded (%zu)", dns_cache_count(c));
	is_int(r1->refs, 1 + (long)dns_cache_count(c),
	    "evicted entries dropped their references");
	dns_cache_free(c);
	is_int(r1->refs, 1, "cache free drops every reference");
	is_int(r2->refs, 1, "cache free drops every reference (2)");

	c = dns_cache_new(1, 1 << 20);
	dns_cache_put(c, "x.test", DNS_T_A, r1, now + 10000);
	dns_cache_put(c, "y.test", DNS_T_A, r2, now + 10000);
	ok(dns_cache_get(c, "x.test", DNS_T_A, now) == NULL,
	    "cache of 1: the older entry evicted");
	ok((g = dns_cache_get(c, "y.test", DNS_T_A, now)) == r2,
	    "cache of 1: the newer entry kept");
	dns_reply_free(g);
	dns_cache_free(c);

	c = dns_cache_new(2, 1 << 20);
	dns_cache_put(c, "x.test", DNS_T_A, r1, now + 10000);
	dns_cache_put(c, "y.test", DNS_T_A, r2, now + 10000);
	dns_cache_put(c, "z.test", DNS_T_A, r2, now + 10000);
	ok(dns_cache_count(c) <= 2, "cache of 2 holds at most 2");
	dns_cache_free(c);

	c = dns_cache_new(64, 1 << 20);
	for (i = 0; i < 8; i++) {
		h[i].cache = c;
		h[i].id = i;
		h[i].errors = 0;
		h[i].mine = a_reply((unsigned)i);
		pthread_create(&t[i], NULL, hammer, &h[i]);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		errors += h[i].errors;
	}
	is_int(errors, 0, "8 threads sharing a cache: every hit is sane");
	ok(dns_cache_count(c) <= 64, "8 threads: still bounded");
	dns_cache_free(c);

	dns_reply_free(r1);
	dns_reply_free(r2);
	dns_reply_free(NULL);
	ok(1, "dns_reply_free(NULL) is harmless");
}

/* txt_reply - a DATA reply of n TXT records of about 1000 bytes each */
static struct dns_reply *
txt_reply(unsigned n)
{
	static struct msg m;
	unsigned i, j, k;

	m_header(&m, R_NOERROR, n, 0, "big.test", DNS_T_TXT);
	for (i = 0; i < n; i++) {
		m_rr(&m, NULL, DNS_T_TXT, 300, 4 * 251);
		for (j = 0; j < 4; j++) {
			m_u8(&m, 250);
			for (k = 0; k < 250; k++)
				m_u8(&m, 'a' + (i + k) % 26);
		}
	}
	return parse(&m, "big.test", DNS_T_TXT);
}

/* test_cache_bytes - the cache is bounded in bytes, whatever the entries */
static void
test_cache_bytes(void)
{
	struct dns_cache *c;
	struct dns_reply *big, *small, *g;
	uint64_t now = dns_cache_now_ms();
	size_t i, bound = 256 * 1024, over = 0;
	char key[64];

	big = txt_reply(12);
	ok(big->status == DNS_DATA && big->count == 12 &&
	    big->size > 12 * 1000 && big->size < DNS_KEEP_TXT_MAX,
	    "12 KB TXT reply: size accounted (%zu)", big->size);
	c = dns_cache_new(1000000, bound);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "s%zu._domainkey.big.test", i);
		dns_cache_put(c, key, DNS_T_TXT, big, now + 60000);
		if (dns_cache_bytes(c) > bound)
			over++;
	}
	is_int((long)over, 0, "1000 puts of 12 KB replies: never over "
	    "256 KB (%zu bytes in %zu entries)", dns_cache_bytes(c),
	    dns_cache_count(c));
	ok(dns_cache_count(c) <= bound / big->size &&
	    dns_cache_count(c) >= bound / big->size / 4,
	    "... holds what fits: %zu entries", dns_cache_count(c));
	is_int(big->refs, 1 + (long)dns_cache_count(c),
	    "... evicted entries dropped their references");
	ok((g = dns_cache_get(c, "s999._domainkey.big.test", DNS_T_TXT,
	    now)) == big, "... the newest entry is kept");
	dns_reply_free(g);
	ok(dns_cache_get(c, "s0._domainkey.big.test", DNS_T_TXT, now) ==
	    NULL, "... the oldest was evicted");

	/* small entries evict big ones by bytes, not one for one */
	small = a_reply(1);
	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "a%zu.test", i);
		dns_cache_put(c, key, DNS_T_A, small, now + 60000);
	}
	ok(dns_cache_bytes(c) <= bound && dns_cache_count(c) > 100,
	    "2000 small entries: bounded too (%zu bytes in %zu entries)",
	    dns_cache_bytes(c), dns_cache_count(c));
	dns_cache_free(c);
	is_int(big->refs, 1, "cache free drops every reference");

	/* a reply larger than a shard is not stored */
	c = dns_cache_new(100, 8 * 1024);
	dns_cache_put(c, "big.test", DNS_T_TXT, big, now + 60000);
	ok(dns_cache_get(c, "big.test", DNS_T_TXT, now) == NULL &&
	    dns_cache_bytes(c) == 0, "a reply larger than the cache: "
	    "not stored");
	dns_cache_free(c);
	dns_reply_free(small);
	dns_reply_free(big);

	big = txt_reply(20);
	ok(big->status == DNS_DATA && big->size > DNS_KEEP_TXT_MAX,
	    "20 KB TXT reply: over DNS_KEEP_TXT_MAX (%zu)", big->size);
	dns_reply_free(big);
}

/* ---- single-flight: one query for many askers ---- */

struct follower {
	struct dns_cache	*cache;
	pthread_barrier_t	*joined;
	enum dns_join		 j;
	struct dns_reply	*r;
};

/* follow - join a flight, tell main, wait for the leader to land */
static void *
follow(void *arg)
{
	struct follower *fo = arg;
	struct dns_flight *f;
	struct dns_reply *hit;

	fo->j = dns_cache_join(fo->cache, "sf.test", DNS_T_A,
	    dns_cache_now_ms(), 1, &hit, &f);
	pthread_barrier_wait(fo->joined);
	fo->r = fo->j == DNS_JOIN_FOLLOW ?
	    dns_cache_wait(fo->cache, f, UINT64_MAX) : hit;
	return NULL;
}

/* test_flights - the cache's flight table, without a network */
static void
test_flights(void)
{
	struct dns_cache *c = dns_cache_new(100, 1 << 20);
	struct follower fo[6];
	pthread_barrier_t joined;
	pthread_t t[6];
	struct dns_flight *lead, *f;
	struct dns_reply *r1, *hit;
	uint64_t now = dns_cache_now_ms();
	int i, follows = 0, same = 0;

	is_int(dns_cache_join(c, "sf.test", DNS_T_A, now, 0, &hit, &f),
	    DNS_JOIN_MISS, "join without lead: a miss");
	is_int(dns_cache_join(c, "SF.test", DNS_T_A, now, 1, &hit, &lead),
	    DNS_JOIN_LEAD, "first to ask leads");
	pthread_barrier_init(&joined, NULL, 7);
	for (i = 0; i < 6; i++) {
		fo[i].cache = c;
		fo[i].joined = &joined;
		pthread_create(&t[i], NULL, follow, &fo[i]);
	}
	pthread_barrier_wait(&joined);	/* every thread has joined */
	r1 = a_reply(7);
	dns_cache_land(c, lead, r1, now + 60000);
	for (i = 0; i < 6; i++) {
		pthread_join(t[i], NULL);
		follows += fo[i].j == DNS_JOIN_FOLLOW;
		same += fo[i].r == r1;
		dns_reply_free(fo[i].r);
	}
	is_int(follows, 6, "6 threads asking while in flight: all follow");
	is_int(same, 6, "... and all get the leader's reply");
	is_int(dns_cache_join(c, "sf.test", DNS_T_A, now, 1, &hit, &f),
	    DNS_JOIN_HIT, "after landing: cached");
	ok(hit == r1, "... the same reply");
	dns_reply_free(hit);
	is_int(r1->refs, 2, "references: ours and the cache's");

	/* abandoned, and a follower out of time */
	is_int(dns_cache_join(c, "ab.test", DNS_T_A, now, 1, &hit, &lead),
	    DNS_JOIN_LEAD, "abandon: lead");
	is_int(dns_cache_join(c, "ab.test", DNS_T_A, now, 1, &hit, &f),
	    DNS_JOIN_FOLLOW, "abandon: follow");
	ok(dns_cache_wait(c, f, 0) == NULL, "a follower out of time: NULL");
	is_int(dns_cache_join(c, "ab.test", DNS_T_A, now, 1, &hit, &f),
	    DNS_JOIN_FOLLOW, "abandon: follow again");
	dns_cache_land(c, lead, NULL, 0);
	ok(dns_cache_wait(c, f, UINT64_MAX) == NULL,
	    "an abandoned flight gives NULL");
	is_int(dns_cache_join(c, "ab.test", DNS_T_A, now, 1, &hit, &lead),
	    DNS_JOIN_LEAD, "after abandon: nothing cached, a new leader");
	dns_cache_land(c, lead, r1, 0);
	is_int(dns_cache_join(c, "ab.test", DNS_T_A, now, 0, &hit, &f),
	    DNS_JOIN_MISS, "landed with expires 0: not cached");
	pthread_barrier_destroy(&joined);
	dns_cache_free(c);
	is_int(r1->refs, 1, "every flight reference dropped");
	dns_reply_free(r1);
}

/* a fake name server: a UDP socket the test answers by hand */
struct fake {
	int			fd;
	struct sockaddr_in	peer;
	socklen_t		peerlen;
	unsigned char		id[2];
};

/* fake_recv - wait for the next query; 0, or -1 */
static int
fake_recv(struct fake *fs)
{
	unsigned char buf[512];
	ssize_t n;

	fs->peerlen = sizeof(fs->peer);
	n = recvfrom(fs->fd, buf, sizeof(buf), 0,
	    (struct sockaddr *)&fs->peer, &fs->peerlen);
	if (n < 12)
		return -1;
	memcpy(fs->id, buf, 2);
	return 0;
}

/* fake_pending - queries received and not yet read (never waits) */
static int
fake_pending(struct fake *fs)
{
	struct pollfd pfd;

	pfd.fd = fs->fd;
	pfd.events = POLLIN;
	return poll(&pfd, 1, 0);
}

/* fake_send - answer the last query with m (its id patched) */
static void
fake_send(struct fake *fs, struct msg *m)
{
	memcpy(m->b, fs->id, 2);
	(void)sendto(fs->fd, m->b, m->len, 0,
	    (const struct sockaddr *)&fs->peer, fs->peerlen);
}

struct asker {
	struct dns_ctx		*ctx;
	const char		*name;
	struct dns_reply	*r;
};

/* asker_run - one dns_lookup from a thread of its own */
static void *
asker_run(void *arg)
{
	struct asker *a = arg;
	struct dns_client *dc = dns_client_new(a->ctx);

	a->r = dns_lookup(dc, a->name, DNS_T_A);
	dns_client_free(dc);
	return NULL;
}

/* test_single_flight - lookups and batches share one query; failures
 * are cached (RFC 9520) */
static void
test_single_flight(void)
{
	static struct msg m;
	struct dns_options opt;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct fake fs;
	struct dns_ctx *ctx;
	struct dns_client *dc;
	struct dns_batch *b;
	struct asker a[5];
	pthread_t t[5];
	struct dns_reply *r;
	const char *name = "sf.test";
	uint16_t type = DNS_T_A;
	int i, same = 0;
	char spec[32];

	memset(&fs, 0, sizeof(fs));
	fs.fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fs.fd < 0 || bind(fs.fd, (struct sockaddr *)&sin,
	    sizeof(sin)) != 0 || getsockname(fs.fd,
	    (struct sockaddr *)&sin, &sl) != 0) {
		ok(0, "fake name server");
		return;
	}
	memset(&opt, 0, sizeof(opt));
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", ntohs(sin.sin_port));
	(void)dns_parse_server(spec, &opt.servers[0]);
	opt.nservers = 1;
	opt.timeout_ms = 20000;
	opt.tries = 1;
	opt.cache_entries = 100;
	ctx = dns_ctx_new(&opt);
	dc = dns_client_new(ctx);

	/* a lookup in flight; a batch and four lookups ask the same */
	a[0].ctx = ctx;
	a[0].name = name;
	pthread_create(&t[0], NULL, asker_run, &a[0]);
	is_int(fake_recv(&fs), 0, "the first lookup asks");
	b = dns_batch_start(dc, &name, &type, 1);
	is_int(fake_pending(&fs), 0,
	    "a batch started meanwhile sends no query of its own");
	for (i = 1; i < 5; i++) {
		a[i].ctx = ctx;
		a[i].name = "SF.test.";
		pthread_create(&t[i], NULL, asker_run, &a[i]);
	}
	m_header(&m, R_NOERROR, 1, 0, "sf.test", DNS_T_A);
	m_a(&m, 100, 9);
	fake_send(&fs, &m);
	for (i = 0; i < 5; i++) {
		pthread_join(t[i], NULL);
		same += a[i].r == a[0].r && a[i].r->status == DNS_DATA;
	}
	is_int(same, 5, "five lookups: one reply, shared");
	r = dns_batch_reply(b, name, type);
	ok(r == a[0].r, "the batch has the same reply");
	dns_reply_free(r);
	dns_batch_free(b);
	for (i = 0; i < 5; i++)
		dns_reply_free(a[i].r);
	is_int(fake_pending(&fs), 0, "... and the server saw one query");

	/* SERVFAIL: cached as a failure, for opt.fail_ttl */
	a[0].name = "fail.test";
	pthread_create(&t[0], NULL, asker_run, &a[0]);
	is_int(fake_recv(&fs), 0, "a lookup that will fail asks");
	m_header(&m, R_SERVFAIL, 0, 0, "fail.test", DNS_T_A);
	fake_send(&fs, &m);
	pthread_join(t[0], NULL);
	is_int(a[0].r->status, DNS_TEMPFAIL, "SERVFAIL: TEMPFAIL");
	dns_reply_free(a[0].r);
	for (i = 0; i < 3; i++) {
		r = dns_lookup(dc, "fail.test", DNS_T_A);
		same = r->status == DNS_TEMPFAIL;
		dns_reply_free(r);
	}
	name = "fail.test";
	b = dns_batch_start(dc, &name, &type, 1);
	r = dns_batch_reply(b, name, type);
	ok(same && r->status == DNS_TEMPFAIL,
	    "three lookups and a batch after it: TEMPFAIL");
	dns_reply_free(r);
	dns_batch_free(b);
	is_int(fake_pending(&fs), 0, "... from the cache: no query");

	dns_client_free(dc);
	dns_ctx_free(ctx);
	close(fs.fd);
}

/* test_ctx_reload - a new context shares the cache when the settings
 * that shape it are the same */
static void
test_ctx_reload(void)
{
	struct dns_options opt, other;
	struct dns_ctx *c1, *c2, *c3;
	struct dns_client *d1, *d2, *d3;
	struct dns_reply *r1, *r2, *r3;

	memset(&opt, 0, sizeof(opt));	/* no servers: TEMPFAIL, cached */
	opt.cache_entries = 100;
	c1 = dns_ctx_new(&opt);
	d1 = dns_client_new(c1);
	r1 = dns_lookup(d1, "x.test", DNS_T_TXT);
	is_int(r1->status, DNS_TEMPFAIL, "reload: a failure cached in c1");
	opt.timeout_ms = 1234;		/* not part of the cache's settings */
	c2 = dns_ctx_reload(&opt, c1);
	ok(dns_ctx_shares_cache(c1, c2),
	    "same servers and cache settings: the cache is shared");
	other = opt;
	other.cache_bytes = 1 << 20;
	c3 = dns_ctx_reload(&other, c1);
	ok(!dns_ctx_shares_cache(c1, c3),
	    "other cache settings: a new cache");
	dns_client_free(d1);
	dns_ctx_free(c1);		/* as the old config goes away */
	d2 = dns_client_new(c2);
	d3 = dns_client_new(c3);
	r2 = dns_lookup(d2, "x.test", DNS_T_TXT);
	r3 = dns_lookup(d3, "x.test", DNS_T_TXT);
	ok(r2 == r1, "the new context answers from the old one's cache");
	ok(r3 != r1, "the context with a new cache asks again");
	dns_reply_free(r1);
	dns_reply_free(r2);
	dns_reply_free(r3);
	dns_client_free(d2);
	dns_client_free(d3);
	dns_ctx_free(c2);
	dns_ctx_free(c3);
	ok(!dns_ctx_shares_cache(NULL, NULL), "NULL shares nothing");
}

/* test_budget - a client's time budget: cut waits, no queries after */
static void
test_budget(void)
{
	static struct msg m;
	struct dns_options opt;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct fake fs;
	struct dns_ctx *ctx;
	struct dns_client *dc, *other;
	struct dns_batch *b;
	struct dns_reply *r;
	const char *names[2] = { "k1.test", "k2.test" };
	uint16_t types[2] = { DNS_T_TXT, DNS_T_TXT };
	char spec[32];

	memset(&fs, 0, sizeof(fs));
	fs.fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fs.fd < 0 || bind(fs.fd, (struct sockaddr *)&sin,
	    sizeof(sin)) != 0 || getsockname(fs.fd,
	    (struct sockaddr *)&sin, &sl) != 0) {
		ok(0, "fake name server");
		return;
	}
	memset(&opt, 0, sizeof(opt));
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", ntohs(sin.sin_port));
	(void)dns_parse_server(spec, &opt.servers[0]);
	opt.nservers = 1;
	opt.timeout_ms = 60000;		/* the budget, not this, must cut */
	opt.tries = 2;
	opt.cache_entries = 100;
	ctx = dns_ctx_new(&opt);
	dc = dns_client_new(ctx);
	other = dns_client_new(ctx);
	is_int(dns_client_budget(dc), -1, "a new client has no budget");

	/* an answer within the budget; it is cached */
	dns_client_set_budget(dc, 100000);
	b = dns_batch_start(dc, names, types, 1);
	is_int(fake_recv(&fs), 0, "within the budget: asked");
	m_header(&m, R_NOERROR, 1, 0, "k1.test", DNS_T_TXT);
	m_rr(&m, NULL, DNS_T_TXT, 300, 4);
	m_u8(&m, 3);
	m_u8(&m, 'k');
	m_u8(&m, 'e');
	m_u8(&m, 'y');
	fake_send(&fs, &m);
	r = dns_batch_reply(b, "k1.test", DNS_T_TXT);
	ok(r->status == DNS_DATA && dns_client_budget(dc) > 0 &&
	    dns_client_budget(dc) <= 100000, "... answered, budget charged");
	dns_reply_free(r);
	dns_batch_free(b);

	/* a server that never answers: the budget cuts the 60 s timeout */
	dns_client_set_budget(dc, 200);
	r = dns_lookup(dc, "silent.test", DNS_T_TXT);
	ok(r->status == DNS_TEMPFAIL && r->cause == DNS_CAUSE_DEADLINE,
	    "no answer within the budget: TEMPFAIL, out of time");
	dns_reply_free(r);
	is_int(dns_client_budget(dc), 0, "... the budget is spent");
	is_int(fake_recv(&fs), 0, "... after one query");
	is_int(fake_pending(&fs), 0, "... and no second try past the budget");

	/* spent: cache hits still answer, misses fail at once, unasked */
	r = dns_lookup(dc, "k1.test", DNS_T_TXT);
	is_int(r->status, DNS_DATA, "spent budget: a cached answer is given");
	dns_reply_free(r);
	r = dns_lookup(dc, "other.test", DNS_T_TXT);
	ok(r->status == DNS_TEMPFAIL && r->cause == DNS_CAUSE_DEADLINE,
	    "spent budget: a lookup not cached is TEMPFAIL");
	dns_reply_free(r);
	b = dns_batch_start(dc, names, types, 2);
	r = dns_batch_reply(b, "k2.test", DNS_T_TXT);
	ok(r->status == DNS_TEMPFAIL && r->cause == DNS_CAUSE_DEADLINE,
	    "spent budget: so is a batch's");
	dns_reply_free(r);
	r = dns_batch_reply(b, "k1.test", DNS_T_TXT);
	is_int(r->status, DNS_DATA, "... whose cached answers are given");
	dns_reply_free(r);
	dns_batch_free(b);
	is_int(fake_pending(&fs), 0, "... and none of them asked");

	/* what was cut is not cached: a client with time asks again */
	dns_client_set_budget(other, 100000);
	b = dns_batch_start(other, (const char *const[]){ "silent.test" },
	    types, 1);
	is_int(fake_recv(&fs), 0,
	    "a cut lookup was not cached: another client asks");
	dns_batch_free(b);
	dns_client_set_budget(dc, -1);
	is_int(dns_client_budget(dc), -1, "the budget can be lifted");

	dns_client_free(dc);
	dns_client_free(other);
	dns_ctx_free(ctx);
	close(fs.fd);
}

/* main - every group of checks, then the plan */
int
main(void)
{
	test_servers();
	test_classify();
	test_hostile();
	test_lookup_offline();
	test_cache();
	test_cache_bytes();
	test_flights();
	test_single_flight();
	test_ctx_reload();
	test_budget();
	return tap_done();
}
