/*
 * dns.c - queries over our own UDP/TCP transport, answers classified,
 *	the shared cache in front
 */
#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <openssl/rand.h>

#include "log.h"
#include "util.h"
#include "dns.h"
#include "dns_cache.h"
#include "dns_int.h"
#include "metrics.h"

#define DNS_EDNS_SIZE		1232	/* our EDNS0 UDP payload size */
#define DNS_MAX_CNAME		8	/* CNAME steps followed in an answer */
#define DNS_NEG_TTL		300	/* negative TTL without an SOA */
#define DNS_NAME_MAX		253	/* presentation length, no final dot */
#define DNS_DEF_TIMEOUT_MS	5000
#define DNS_DEF_TRIES		2
#define DNS_ALLOC_OVERHEAD	16	/* malloc's bytes per allocation */

static const struct {
	uint16_t	 type;
	const char	*name;
} dns_type_names[] = {
	{ DNS_T_A, "A" }, { DNS_T_NS, "NS" }, { DNS_T_CNAME, "CNAME" },
	{ DNS_T_SOA, "SOA" }, { DNS_T_PTR, "PTR" }, { DNS_T_MX, "MX" },
	{ DNS_T_TXT, "TXT" }, { DNS_T_AAAA, "AAAA" }, { DNS_T_SPF, "SPF" },
};

/* dns_type_str - a type's mnemonic for log lines ("TYPE" if unknown) */
static const char *
dns_type_str(uint16_t type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dns_type_names); i++)
		if (dns_type_names[i].type == type)
			return dns_type_names[i].name;
	return "TYPE";
}

/* dns_status_name - the token of a status */
const char *
dns_status_name(enum dns_status status)
{
	switch (status) {
	case DNS_DATA:
		return "data";
	case DNS_NODATA:
		return "nodata";
	case DNS_NXDOMAIN:
		return "nxdomain";
	case DNS_TEMPFAIL:
		return "tempfail";
	}
	return "unknown";
}

/* ---- servers ---- */

/* dns_parse_port - a decimal port 1..65535, or -1 */
static int
dns_parse_port(const char *s)
{
	long port = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		port = port * 10 + (*s - '0');
		if (port > 65535)
			return -1;
	}
	return port == 0 ? -1 : (int)port;
}

/* dns_parse_v6 - an IPv6 address with optional %scope into out */
static int
dns_parse_v6(const char *addr, size_t len, int port, struct dns_server *out)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->addr;
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	char *scope;
	unsigned int idx = 0;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, addr, len);
	buf[len] = '\0';
	if ((scope = strchr(buf, '%')) != NULL) {
		*scope++ = '\0';
		if (*scope == '\0')
			return -1;
		if (dns_parse_port(scope) > 0)
			idx = (unsigned int)dns_parse_port(scope);
		else if ((idx = if_nametoindex(scope)) == 0)
			return -1;
	}
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) != 1)
		return -1;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)port);
	sin6->sin6_scope_id = idx;
	out->addrlen = sizeof(*sin6);
	return 0;
}

/* dns_parse_server - "ADDR", "ADDR:PORT", "[ADDR]:PORT" into out */
int
dns_parse_server(const char *spec, struct dns_server *out)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->addr;
	char buf[INET_ADDRSTRLEN];
	const char *colon, *end;
	int port = 53;

	if (spec == NULL || *spec == '\0')
		return -1;
	if (*spec == '[') {
		if ((end = strchr(spec, ']')) == NULL)
			return -1;
		if (end[1] == ':') {
			if ((port = dns_parse_port(end + 2)) < 0)
				return -1;
		} else if (end[1] != '\0')
			return -1;
		return dns_parse_v6(spec + 1, (size_t)(end - spec - 1), port,
		    out);
	}
	colon = strchr(spec, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL)
		return dns_parse_v6(spec, strlen(spec), port, out);
	if (colon != NULL && (port = dns_parse_port(colon + 1)) < 0)
		return -1;
	end = colon != NULL ? colon : spec + strlen(spec);
	if ((size_t)(end - spec) >= sizeof(buf))
		return -1;
	memcpy(buf, spec, (size_t)(end - spec));
	buf[end - spec] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, &sin->sin_addr) != 1)
		return -1;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	out->addrlen = sizeof(*sin);
	return 0;
}

/* dns_servers_from_resolv_conf - the nameserver lines of a resolv.conf */
int
dns_servers_from_resolv_conf(const char *path, struct dns_options *opt)
{
	FILE *fp;
	char *line = NULL, *p, *word, *save;
	size_t cap = 0;
	struct dns_server srv;

	if (path == NULL)
		path = "/etc/resolv.conf";
	if ((fp = fopen(path, "r")) == NULL) {
		log_msg(LOG_DEBUG, "dns: cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	opt->nservers = 0;
	while (getline(&line, &cap, fp) != -1) {
		if ((p = strpbrk(line, "#;")) != NULL)
			*p = '\0';
		if ((word = strtok_r(line, " \t\r\n", &save)) == NULL ||
		    strcmp(word, "nameserver") != 0)
			continue;
		if ((word = strtok_r(NULL, " \t\r\n", &save)) == NULL)
			continue;
		if (dns_parse_server(word, &srv) != 0) {
			log_msg(LOG_DEBUG, "dns: %s: bad nameserver %s",
			    path, word);
			continue;
		}
		if (opt->nservers < DNS_MAX_SERVERS)
			opt->servers[opt->nservers++] = srv;
	}
	free(line);
	fclose(fp);
	if (opt->nservers == 0) {
		(void)dns_parse_server("127.0.0.1", &opt->servers[0]);
		opt->nservers = 1;
	}
	return 0;
}

/* dns_server_str - "ADDR:PORT" or "[ADDR]:PORT" of a server, for logs */
static void
dns_server_str(const struct dns_server *srv, char *buf, size_t size)
{
	const struct sockaddr_in *sin = (const void *)&srv->addr;
	const struct sockaddr_in6 *sin6 = (const void *)&srv->addr;
	char addr[INET6_ADDRSTRLEN];

	if (srv->addr.ss_family == AF_INET6) {
		if (inet_ntop(AF_INET6, &sin6->sin6_addr, addr,
		    sizeof(addr)) == NULL)
			strcpy(addr, "?");
		snprintf(buf, size, "[%s]:%u", addr, ntohs(sin6->sin6_port));
	} else {
		if (inet_ntop(AF_INET, &sin->sin_addr, addr,
		    sizeof(addr)) == NULL)
			strcpy(addr, "?");
		snprintf(buf, size, "%s:%u", addr, ntohs(sin->sin_port));
	}
}

/* ---- context and clients ---- */

/* dns_opt_complete - options with every default taken */
static void
dns_opt_complete(struct dns_options *opt)
{
	if (opt->nservers > DNS_MAX_SERVERS)
		opt->nservers = DNS_MAX_SERVERS;
	if (opt->timeout_ms <= 0)
		opt->timeout_ms = DNS_DEF_TIMEOUT_MS;
	if (opt->tries <= 0)
		opt->tries = DNS_DEF_TRIES;
	if (opt->fail_ttl <= 0)
		opt->fail_ttl = DNS_DEF_FAIL_TTL;
	if (opt->fail_ttl > DNS_FAIL_TTL_MAX)
		opt->fail_ttl = DNS_FAIL_TTL_MAX;
	if (opt->cache_bytes == 0)
		opt->cache_bytes = DNS_DEF_CACHE_BYTES;
}

/*
 * dns_opt_same_cache - whether two completed options ask the same
 * servers and shape the cache alike, so that one cache serves both
 */
static int
dns_opt_same_cache(const struct dns_options *a, const struct dns_options *b)
{
	size_t i;

	if (a->nservers != b->nservers || a->cache_entries !=
	    b->cache_entries || a->cache_bytes != b->cache_bytes ||
	    a->fail_ttl != b->fail_ttl)
		return 0;
	for (i = 0; i < a->nservers; i++)
		if (a->servers[i].addrlen != b->servers[i].addrlen ||
		    memcmp(&a->servers[i].addr, &b->servers[i].addr,
		    a->servers[i].addrlen) != 0)
			return 0;
	return 1;
}

/* dns_ctx_new - options and a cache shared by all threads */
struct dns_ctx *
dns_ctx_new(const struct dns_options *opt)
{
	return dns_ctx_reload(opt, NULL);
}

/*
 * dns_ctx_reload - a new context for opt that shares the cache of old
 * (NULL: none) when the servers and the cache settings are the same
 */
struct dns_ctx *
dns_ctx_reload(const struct dns_options *opt, const struct dns_ctx *old)
{
	struct dns_ctx *ctx = xcalloc(1, sizeof(*ctx));

	ctx->opt = *opt;
	dns_opt_complete(&ctx->opt);
	if (old != NULL && dns_opt_same_cache(&ctx->opt, &old->opt))
		ctx->cache = dns_cache_ref(old->cache);
	else
		ctx->cache = dns_cache_new(ctx->opt.cache_entries,
		    ctx->opt.cache_bytes);
	return ctx;
}

/* dns_ctx_shares_cache - whether two contexts use one cache */
int
dns_ctx_shares_cache(const struct dns_ctx *a, const struct dns_ctx *b)
{
	return a != NULL && b != NULL && a->cache == b->cache;
}

/* dns_ctx_free - free the options and drop the cache */
void
dns_ctx_free(struct dns_ctx *ctx)
{
	if (ctx == NULL)
		return;
	dns_cache_free(ctx->cache);
	free(ctx);
}

/* dns_client_new - a client for one thread */
struct dns_client *
dns_client_new(struct dns_ctx *ctx)
{
	struct dns_client *dc = xcalloc(1, sizeof(*dc));

	dc->ctx = ctx;
	dc->budget_ms = -1;
	return dc;
}

/* dns_client_set_budget - the time the client may wait from now on */
void
dns_client_set_budget(struct dns_client *dc, long ms)
{
	dc->budget_ms = ms < 0 ? -1 : ms;
}

/* dns_client_budget - the waiting time left, -1 for no limit */
long
dns_client_budget(const struct dns_client *dc)
{
	return dc->budget_ms;
}

/*
 * dns_client_limit - start a call that may wait: *start is now, and the
 * time returned the moment no wait may go past (UINT64_MAX: none)
 */
uint64_t
dns_client_limit(const struct dns_client *dc, uint64_t *start)
{
	*start = dns_cache_now_ms();
	return dc->budget_ms < 0 ? UINT64_MAX :
	    *start + (uint64_t)dc->budget_ms;
}

/* dns_client_charge - end a call that may wait: its time leaves the budget */
void
dns_client_charge(struct dns_client *dc, uint64_t start)
{
	uint64_t spent = dns_cache_now_ms() - start;

	if (dc->budget_ms < 0)
		return;
	dc->budget_ms = spent >= (uint64_t)dc->budget_ms ? 0 :
	    dc->budget_ms - (long)spent;
}

/*
 * dns_client_buf - the client's receive buffer, made on first use: most
 * connections find every answer in the cache and never need one
 */
unsigned char *
dns_client_buf(struct dns_client *dc)
{
	if (dc->buf == NULL)
		dc->buf = xmalloc(DNS_MSG_MAX);
	return dc->buf;
}

/* dns_client_free - free a client */
void
dns_client_free(struct dns_client *dc)
{
	if (dc == NULL)
		return;
	free(dc->buf);
	free(dc);
}

/* ---- replies ---- */

/*
 * dns_reply_account - set r->size: the bytes the reply holds, each
 * allocation counted with malloc's overhead
 */
static void
dns_reply_account(struct dns_reply *r)
{
	size_t i, size = sizeof(*r) + DNS_ALLOC_OVERHEAD;

	if (r->rr != NULL)
		size += r->count * sizeof(*r->rr) + DNS_ALLOC_OVERHEAD;
	for (i = 0; i < r->count; i++)
		if (r->rr[i].text != NULL)
			size += r->rr[i].len + 1 + DNS_ALLOC_OVERHEAD;
	r->size = size;
}

/* dns_reply_new - an empty reply with one reference */
struct dns_reply *
dns_reply_new(enum dns_status status, uint16_t qtype)
{
	struct dns_reply *r = xcalloc(1, sizeof(*r));

	r->status = status;
	r->qtype = qtype;
	r->refs = 1;
	dns_reply_account(r);
	return r;
}

/* dns_reply_bad_name - NXDOMAIN for a name that cannot be asked */
struct dns_reply *
dns_reply_bad_name(uint16_t qtype)
{
	struct dns_reply *r = dns_reply_new(DNS_NXDOMAIN, qtype);

	r->cause = DNS_CAUSE_BAD_NAME;
	return r;
}

/* dns_reply_out_of_time - TEMPFAIL because the client's budget ran out */
struct dns_reply *
dns_reply_out_of_time(uint16_t qtype)
{
	struct dns_reply *r = dns_reply_new(DNS_TEMPFAIL, qtype);

	r->cause = DNS_CAUSE_DEADLINE;
	return r;
}

/*
 * dns_keep_max - the largest reply of a type the cache may keep:
 * DNS_KEEP_TXT_MAX for TXT and SPF, DNS_KEEP_RR_MAX for the others
 */
static size_t
dns_keep_max(uint16_t qtype)
{
	return qtype == DNS_T_TXT || qtype == DNS_T_SPF ? DNS_KEEP_TXT_MAX :
	    DNS_KEEP_RR_MAX;
}

/* dns_reply_ref - one more reference to a reply */
struct dns_reply *
dns_reply_ref(struct dns_reply *r)
{
	if (r != NULL)
		__atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
	return r;
}

/* dns_reply_free - drop a reference; free the reply with the last one */
void
dns_reply_free(struct dns_reply *r)
{
	size_t i;

	if (r == NULL || __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (i = 0; i < r->count; i++)
		free(r->rr[i].text);
	free(r->rr);
	free(r);
}

/* ---- names ---- */

/*
 * dns_name_to_wire - encode a name for a query; -1 for one that cannot
 * be asked (empty, too long, empty or long label)
 */
int
dns_name_to_wire(const char *name, struct dns_question *q)
{
	size_t len = strlen(name), i, label = 0, n = 0;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_NAME_MAX)
		return -1;
	q->wire[n++] = 0;
	for (i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			if (label == 0 || label > 63)
				return -1;
			q->wire[n - label - 1] = (unsigned char)label;
			q->wire[n++] = 0;
			label = 0;
		} else {
			q->wire[n++] = (unsigned char)name[i];
			label++;
		}
	}
	q->wirelen = n;
	return 0;
}

/* dns_wire_caseeq - equal wire names, ignoring ASCII case */
int
dns_wire_caseeq(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen)
{
	size_t i;
	unsigned char x, y;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++) {
		x = a[i];
		y = b[i];
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return 0;
	}
	return 1;
}

/*
 * dns_dname_text - a wire name as lowercase text without the final dot;
 * NULL if a label holds a dot or a zero byte
 */
static char *
dns_dname_text(const ldns_rdf *rdf, size_t *lenp)
{
	const unsigned char *p = ldns_rdf_data(rdf);
	size_t size = ldns_rdf_size(rdf), i = 0, j, n;
	struct strbuf sb;
	char *text;

	sb_init(&sb);
	while (i < size && p[i] != 0) {
		n = p[i++];
		if (n > 63 || i + n > size)
			goto bad;
		if (sb.len > 0)
			sb_putc(&sb, '.');
		for (j = 0; j < n; j++) {
			if (p[i + j] == '.' || p[i + j] == '\0')
				goto bad;
			sb_putc(&sb, p[i + j] >= 'A' && p[i + j] <= 'Z' ?
			    p[i + j] + 'a' - 'A' : p[i + j]);
		}
		i += n;
	}
	*lenp = sb.len;
	text = sb_detach(&sb);
	sb_free(&sb);
	return text;
bad:
	sb_free(&sb);
	return NULL;
}

/* ---- answers ---- */

/* dns_decode_rr - fill one dns_rr from a record; -1 to drop it */
static int
dns_decode_rr(const ldns_rr *rr, uint16_t type, struct dns_rr *out)
{
	const ldns_rdf *rdf;
	struct strbuf sb;
	const unsigned char *d;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	out->type = type;
	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		n = type == DNS_T_A ? 4 : 16;
		if (ldns_rr_rd_count(rr) != 1 ||
		    ldns_rdf_size(rdf = ldns_rr_rdf(rr, 0)) != n)
			return -1;
		out->family = type == DNS_T_A ? AF_INET : AF_INET6;
		memcpy(out->addr, ldns_rdf_data(rdf), n);
		return 0;
	case DNS_T_MX:
		if (ldns_rr_rd_count(rr) != 2 ||
		    ldns_rdf_size(rdf = ldns_rr_rdf(rr, 0)) != 2 ||
		    ldns_rdf_get_type(ldns_rr_rdf(rr, 1)) !=
		    LDNS_RDF_TYPE_DNAME)
			return -1;
		d = ldns_rdf_data(rdf);
		out->pref = (uint16_t)(d[0] << 8 | d[1]);
		out->text = dns_dname_text(ldns_rr_rdf(rr, 1), &out->len);
		return out->text == NULL ? -1 : 0;
	case DNS_T_PTR:
	case DNS_T_CNAME:
	case DNS_T_NS:
		if (ldns_rr_rd_count(rr) != 1 ||
		    ldns_rdf_get_type(rdf = ldns_rr_rdf(rr, 0)) !=
		    LDNS_RDF_TYPE_DNAME)
			return -1;
		out->text = dns_dname_text(rdf, &out->len);
		return out->text == NULL ? -1 : 0;
	case DNS_T_TXT:
	case DNS_T_SPF:
		sb_init(&sb);
		for (i = 0; i < ldns_rr_rd_count(rr); i++) {
			rdf = ldns_rr_rdf(rr, i);
			d = ldns_rdf_data(rdf);
			n = ldns_rdf_size(rdf);
			if (n == 0 || (size_t)d[0] + 1 != n) {
				sb_free(&sb);
				return -1;
			}
			sb_append(&sb, (const char *)d + 1, n - 1);
		}
		out->len = sb.len;
		out->text = sb_detach(&sb);
		sb_free(&sb);
		return 0;
	default:
		return 0;
	}
}

/* dns_ttl_min - the smaller of a running minimum and a record's TTL */
static uint32_t
dns_ttl_min(uint32_t ttl, uint32_t rr_ttl)
{
	if (rr_ttl > 0x7fffffffU)	/* RFC 2181 8: "treated as zero" */
		rr_ttl = 0;
	return rr_ttl < ttl ? rr_ttl : ttl;
}

/* dns_negative_ttl - RFC 2308 TTL of a negative answer */
static uint32_t
dns_negative_ttl(const ldns_pkt *pkt)
{
	const ldns_rr_list *auth = ldns_pkt_authority(pkt);
	const ldns_rr *rr;
	const ldns_rdf *min;
	uint32_t ttl;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		rr = ldns_rr_list_rr(auth, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA ||
		    ldns_rr_rd_count(rr) != 7)
			continue;
		ttl = dns_ttl_min(UINT32_MAX, ldns_rr_ttl(rr));
		min = ldns_rr_rdf(rr, 6);
		if (ldns_rdf_size(min) == 4)
			ttl = dns_ttl_min(ttl, ldns_rdf2native_int32(min));
		return ttl;
	}
	return DNS_NEG_TTL;
}

/* dns_owner_is - whether a record is owned by a name */
static int
dns_owner_is(const ldns_rr *rr, const ldns_rdf *name)
{
	return ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
	    ldns_dname_compare(ldns_rr_owner(rr), name) == 0;
}

/*
 * dns_classify - the reply for a parsed message answering our question,
 * or NULL with *why set when the message does not answer it (*foreign
 * set) or carries an error rcode
 */
static struct dns_reply *
dns_classify(const ldns_pkt *pkt, const struct dns_question *q,
    const char **why, int *foreign)
{
	const ldns_rr_list *ans = ldns_pkt_answer(pkt);
	const ldns_rr *rr, *cname;
	const ldns_rdf *cur, *owner;
	struct dns_reply *r;
	uint32_t ttl = UINT32_MAX;
	size_t i, n, found;
	int step, followed = 0;
	ldns_pkt_rcode rcode;

	*foreign = 1;
	if (!ldns_pkt_qr(pkt) ||
	    ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY) {
		*why = "not a response";
		return NULL;
	}
	if (ldns_pkt_qdcount(pkt) != 1 ||
	    ldns_rr_list_rr_count(ldns_pkt_question(pkt)) != 1) {
		*why = "question count";
		return NULL;
	}
	rr = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	owner = ldns_rr_owner(rr);
	if (ldns_rr_get_type(rr) != q->qtype ||
	    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN || owner == NULL ||
	    !dns_wire_caseeq(ldns_rdf_data(owner), ldns_rdf_size(owner),
	    q->wire, q->wirelen)) {
		*why = "question mismatch";
		return NULL;
	}
	*foreign = 0;
	rcode = ldns_pkt_get_rcode(pkt);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		*why = rcode == LDNS_RCODE_SERVFAIL ? "SERVFAIL" :
		    rcode == LDNS_RCODE_REFUSED ? "REFUSED" : "error rcode";
		return NULL;
	}

	/* follow the CNAME chain from the name asked */
	cur = owner;
	found = 0;
	for (step = 0;; step++) {
		cname = NULL;
		for (i = 0; i < ldns_rr_list_rr_count(ans); i++) {
			rr = ldns_rr_list_rr(ans, i);
			if (!dns_owner_is(rr, cur))
				continue;
			if (ldns_rr_get_type(rr) == q->qtype)
				found++;
			else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    cname == NULL && ldns_rr_rd_count(rr) == 1)
				cname = rr;
		}
		if (found > 0 || cname == NULL || q->qtype == DNS_T_CNAME)
			break;
		if (step == DNS_MAX_CNAME) {
			cur = NULL;
			break;
		}
		ttl = dns_ttl_min(ttl, ldns_rr_ttl(cname));
		cur = ldns_rr_rdf(cname, 0);
		followed = 1;
	}

	r = dns_reply_new(DNS_NODATA, q->qtype);
	if (rcode == LDNS_RCODE_NOERROR && found > 0 && cur != NULL) {
		/* every TXT record: SPF, DMARC and DKIM each choose one
		 * record among them, and must see them all */
		n = found < DNS_MAX_RR || q->qtype == DNS_T_TXT ||
		    q->qtype == DNS_T_SPF ? found : DNS_MAX_RR;
		r->rr = xcalloc(n, sizeof(*r->rr));
		for (i = 0; i < ldns_rr_list_rr_count(ans) && r->count < n;
		    i++) {
			rr = ldns_rr_list_rr(ans, i);
			if (ldns_rr_get_type(rr) != q->qtype ||
			    !dns_owner_is(rr, cur))
				continue;
			if (dns_decode_rr(rr, q->qtype, &r->rr[r->count]) != 0)
				continue;
			ttl = dns_ttl_min(ttl, ldns_rr_ttl(rr));
			r->count++;
		}
	}
	if (r->count > 0)
		r->status = DNS_DATA;
	else {
		r->status = rcode == LDNS_RCODE_NXDOMAIN && !followed ?
		    DNS_NXDOMAIN : DNS_NODATA;
		ttl = dns_ttl_min(ttl, dns_negative_ttl(pkt));
	}
	r->ttl = ttl > DNS_MAX_TTL ? DNS_MAX_TTL : ttl;
	dns_reply_account(r);
	return r;
}

/*
 * dns_answer - parse and classify a message; NULL with *why if unusable,
 * and *foreign if it is not an answer to our question at all
 */
static struct dns_reply *
dns_answer(const struct dns_question *q, const unsigned char *wire,
    size_t len, const char **why, int *foreign)
{
	ldns_pkt *pkt = NULL;
	struct dns_reply *r;

	if (len < LDNS_HEADER_SIZE ||
	    ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK) {
		ldns_pkt_free(pkt);
		*why = "malformed answer";
		*foreign = 1;
		return NULL;
	}
	r = dns_classify(pkt, q, why, foreign);
	ldns_pkt_free(pkt);
	return r;
}

/* dns_reply_parse - classify a received message, as dns_lookup does */
struct dns_reply *
dns_reply_parse(const char *name, uint16_t qtype, const unsigned char *wire,
    size_t len)
{
	struct dns_question q;
	struct dns_reply *r;
	const char *why;
	int foreign;

	q.name = name;
	q.qtype = qtype;
	if (dns_name_to_wire(name, &q) != 0)
		return dns_reply_bad_name(qtype);
	if ((r = dns_answer(&q, wire, len, &why, &foreign)) == NULL)
		r = dns_reply_new(DNS_TEMPFAIL, qtype);
	return r;
}

/* ---- transport ---- */

/* dns_random_id - a 16-bit query id from the kernel's random source */
static uint16_t
dns_random_id(void)
{
	uint16_t id;

	if (getrandom(&id, sizeof(id), 0) == (ssize_t)sizeof(id))
		return id;
	if (RAND_bytes((unsigned char *)&id, sizeof(id)) == 1)
		return id;
	log_msg(LOG_ERR, "dns: no random source for query ids");
	abort();
}

/* dns_remaining - milliseconds left until a deadline, at least 0 */
static int
dns_remaining(uint64_t deadline)
{
	uint64_t now = dns_cache_now_ms();

	return now >= deadline ? 0 : (int)(deadline - now);
}

/* dns_wait - poll one descriptor until the deadline; 1 ready, 0 not */
static int
dns_wait(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd;
	int n, left;

	for (;;) {
		if ((left = dns_remaining(deadline)) == 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return 0;
	}
}

/* dns_log_fail - one debug line for a failed try */
void
dns_log_fail(const struct dns_question *q, const struct dns_server *srv,
    const char *proto, const char *why)
{
	char addr[INET6_ADDRSTRLEN + 16];
	struct strbuf name;

	sb_init(&name);
	sb_put_printable(&name, q->name, DNS_NAME_MAX + 1);
	dns_server_str(srv, addr, sizeof(addr));
	log_msg(LOG_DEBUG, "dns: %s/%s (%u): %s %s: %s", name.s,
	    dns_type_str(q->qtype), q->qtype, proto, addr, why);
	sb_free(&name);
}

/*
 * dns_udp_open - a fresh socket connected to the server, with the query
 * (under a fresh id) sent; -1 on error
 */
int
dns_udp_open(const struct dns_server *srv, const struct dns_question *q,
    unsigned char *query, size_t qlen)
{
	uint16_t id = dns_random_id();
	int fd;

	query[0] = (unsigned char)(id >> 8);
	query[1] = (unsigned char)id;
	fd = socket(srv->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0) {
		dns_log_fail(q, srv, "udp", strerror(errno));
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)&srv->addr,
	    srv->addrlen) != 0 || send(fd, query, qlen, 0) != (ssize_t)qlen) {
		dns_log_fail(q, srv, "udp", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * dns_udp_take - judge one datagram received for the query: only one with
 * our id, QR set and our question is taken
 */
enum dns_udp_rx
dns_udp_take(const struct dns_server *srv, const struct dns_question *q,
    const unsigned char *query, const unsigned char *buf, size_t n,
    struct dns_reply **rp, const char **why)
{
	int foreign;

	if (n < LDNS_HEADER_SIZE || buf[0] != query[0] ||
	    buf[1] != query[1] || (buf[2] & 0x80) == 0)
		return UDP_IGNORED;
	if ((buf[2] & 0x02) != 0)
		return UDP_TRUNCATED;
	if ((*rp = dns_answer(q, buf, n, why, &foreign)) != NULL)
		return UDP_ANSWERED;
	if (!foreign)
		return UDP_REFUSED;
	dns_log_fail(q, srv, "udp, ignored", *why);
	*why = "timeout";
	return UDP_IGNORED;
}

/*
 * dns_try_udp - send the query once over UDP and wait for an answer with
 * our id and question; anything else from the server is ignored
 */
static enum dns_try
dns_try_udp(struct dns_client *dc, const struct dns_server *srv,
    const struct dns_question *q, unsigned char *query, size_t qlen,
    uint64_t limit, struct dns_reply **rp)
{
	uint64_t deadline;
	ssize_t n;
	int fd;
	const char *why = "timeout";

	if ((fd = dns_udp_open(srv, q, query, qlen)) < 0)
		return TRY_FAILED;
	deadline = dns_cache_now_ms() + (uint64_t)dc->ctx->opt.timeout_ms;
	if (deadline > limit)
		deadline = limit;
	while (dns_wait(fd, POLLIN, deadline)) {
		n = recv(fd, dns_client_buf(dc), DNS_MSG_MAX, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				continue;
			why = strerror(errno);	/* e.g. port unreachable */
			break;
		}
		switch (dns_udp_take(srv, q, query, dc->buf, (size_t)n, rp,
		    &why)) {
		case UDP_IGNORED:
			continue;
		case UDP_TRUNCATED:
			close(fd);
			return TRY_TRUNCATED;
		case UDP_ANSWERED:
			close(fd);
			return TRY_ANSWER;
		case UDP_REFUSED:
			break;
		}
		break;
	}
	dns_log_fail(q, srv, "udp", why);
	close(fd);
	return TRY_FAILED;
}

/* dns_io_all - send or receive exactly n bytes on a stream by deadline */
static int
dns_io_all(int fd, unsigned char *p, size_t n, int out, uint64_t deadline)
{
	ssize_t k;

	while (n > 0) {
		if (!dns_wait(fd, out ? POLLOUT : POLLIN, deadline))
			return -1;
		k = out ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* dns_try_tcp - ask once over TCP, the whole exchange within the timeout */
enum dns_try
dns_try_tcp(struct dns_client *dc, const struct dns_server *srv,
    const struct dns_question *q, unsigned char *query, size_t qlen,
    uint64_t limit, struct dns_reply **rp)
{
	unsigned char len[2];
	uint64_t deadline;
	uint16_t id = dns_random_id();
	socklen_t sl = sizeof(int);
	size_t n;
	int fd, err = 0, foreign;
	const char *why = "timeout or connection closed";

	query[0] = (unsigned char)(id >> 8);
	query[1] = (unsigned char)id;
	deadline = dns_cache_now_ms() + (uint64_t)dc->ctx->opt.timeout_ms;
	if (deadline > limit)
		deadline = limit;
	fd = socket(srv->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0) {
		dns_log_fail(q, srv, "tcp", strerror(errno));
		return TRY_FAILED;
	}
	if (connect(fd, (const struct sockaddr *)&srv->addr,
	    srv->addrlen) != 0) {
		if (errno != EINPROGRESS || !dns_wait(fd, POLLOUT, deadline) ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0 ||
		    err != 0) {
			why = err != 0 ? strerror(err) : "connect failed";
			goto fail;
		}
	}
	len[0] = (unsigned char)(qlen >> 8);
	len[1] = (unsigned char)qlen;
	if (dns_io_all(fd, len, 2, 1, deadline) != 0 ||
	    dns_io_all(fd, query, qlen, 1, deadline) != 0 ||
	    dns_io_all(fd, len, 2, 0, deadline) != 0)
		goto fail;
	n = (size_t)len[0] << 8 | len[1];
	if (n < LDNS_HEADER_SIZE) {
		why = "short answer";
		goto fail;
	}
	if (dns_io_all(fd, dns_client_buf(dc), n, 0, deadline) != 0)
		goto fail;
	if (dc->buf[0] != query[0] || dc->buf[1] != query[1]) {
		why = "id mismatch";
		goto fail;
	}
	if ((*rp = dns_answer(q, dc->buf, n, &why, &foreign)) == NULL)
		goto fail;
	close(fd);
	return TRY_ANSWER;
fail:
	dns_log_fail(q, srv, "tcp", why);
	close(fd);
	return TRY_FAILED;
}

/* dns_build_query - the wire form of a query (id patched per try) */
int
dns_build_query(const struct dns_question *q, uint8_t **wire, size_t *len)
{
	ldns_rdf *qname;
	ldns_pkt *pkt;
	ldns_status st;

	if ((qname = ldns_dname_new_frm_data((uint16_t)q->wirelen,
	    q->wire)) == NULL)
		return -1;
	if ((pkt = ldns_pkt_query_new(qname, q->qtype, LDNS_RR_CLASS_IN,
	    LDNS_RD)) == NULL) {
		ldns_rdf_deep_free(qname);
		return -1;
	}
	ldns_pkt_set_edns_udp_size(pkt, DNS_EDNS_SIZE);
	st = ldns_pkt2wire(wire, pkt, len);
	ldns_pkt_free(pkt);
	if (st != LDNS_STATUS_OK || *len < LDNS_HEADER_SIZE) {
		free(*wire);
		*wire = NULL;
		return -1;
	}
	return 0;
}

/*
 * dns_query - ask the servers, rounds of tries, no wait past limit; a
 * TEMPFAIL reply if none answers (*cut set if limit ended the tries)
 */
static struct dns_reply *
dns_query(struct dns_client *dc, const struct dns_question *q,
    uint64_t limit, int *cut)
{
	const struct dns_options *opt = &dc->ctx->opt;
	const struct dns_server *srv;
	struct dns_reply *r = NULL;
	enum dns_try t;
	uint8_t *query = NULL;
	size_t qlen, i;
	int round;

	*cut = 0;
	if (dns_build_query(q, &query, &qlen) != 0) {
		log_msg(LOG_DEBUG, "dns: ldns cannot build a query of type %u",
		    q->qtype);
		return dns_reply_new(DNS_TEMPFAIL, q->qtype);
	}
	if (opt->nservers == 0)
		log_msg(LOG_DEBUG, "dns: %s: no name servers", q->name);
	for (round = 0; round < opt->tries; round++) {
		for (i = 0; i < opt->nservers; i++) {
			if (dns_cache_now_ms() >= limit) {
				*cut = 1;
				goto out;
			}
			srv = &opt->servers[i];
			t = dns_try_udp(dc, srv, q, query, qlen, limit, &r);
			if (t == TRY_TRUNCATED)
				t = dns_try_tcp(dc, srv, q, query, qlen, limit,
				    &r);
			if (t == TRY_ANSWER) {
				free(query);
				return r;
			}
		}
	}
	if (dns_cache_now_ms() >= limit)
		*cut = 1;
out:
	free(query);
	return dns_reply_new(DNS_TEMPFAIL, q->qtype);
}

/*
 * dns_expiry - until when the cache may keep a reply, 0 for not at all:
 * answers for their TTL, unless larger than their type may keep; a
 * failure of the servers for opt.fail_ttl seconds (RFC 9520), never
 * one that our own time limit cut short
 */
uint64_t
dns_expiry(const struct dns_ctx *ctx, uint16_t qtype,
    const struct dns_reply *r, int cut)
{
	uint64_t ttl_ms;

	if (r->status == DNS_TEMPFAIL) {
		if (cut || r->cause != DNS_CAUSE_SERVER)
			return 0;
		ttl_ms = (uint64_t)ctx->opt.fail_ttl * 1000;
	} else {
		if (r->ttl == 0 || r->size > dns_keep_max(qtype))
			return 0;
		ttl_ms = (uint64_t)r->ttl * 1000;
	}
	return dns_cache_now_ms() + ttl_ms;
}

/*
 * dns_resolve - the reply for a question by its cache key: from the
 * cache, from a query of another thread in flight, or asked here (and
 * then shared); no wait past limit
 */
struct dns_reply *
dns_resolve(struct dns_client *dc, const struct dns_question *q,
    const char *key, uint64_t limit)
{
	struct dns_cache *cache = dc->ctx->cache;
	struct dns_flight *f;
	struct dns_reply *r;
	uint64_t expires, sent;
	int cut, counted = 0;
	enum dns_join join;

	for (;;) {
		join = dns_cache_join(cache, key, q->qtype, dns_cache_now_ms(),
		    dns_cache_now_ms() < limit, &r, &f);
		if (!counted++)
			metrics_dns_cache(join == DNS_JOIN_HIT);
		switch (join) {
		case DNS_JOIN_HIT:
			return r;
		case DNS_JOIN_LEAD:
			sent = metrics_now();
			r = dns_query(dc, q, limit, &cut);
			metrics_dns_query(r->status, metrics_now() - sent);
			expires = dns_expiry(dc->ctx, q->qtype, r, cut);
			dns_cache_land(cache, f, cut ? NULL : r, expires);
			if (cut)	/* not shared: ours to mark */
				r->cause = DNS_CAUSE_DEADLINE;
			return r;
		case DNS_JOIN_FOLLOW:
			if ((r = dns_cache_wait(cache, f, limit)) != NULL)
				return r;
			if (dns_cache_now_ms() >= limit)
				return dns_reply_out_of_time(q->qtype);
			continue;	/* abandoned: ask again */
		case DNS_JOIN_MISS:	/* out of time: no query */
			break;
		}
		return dns_reply_out_of_time(q->qtype);
	}
}

/* dns_lookup - a classified reply for (name, qtype), cached or asked */
struct dns_reply *
dns_lookup(struct dns_client *dc, const char *name, uint16_t qtype)
{
	struct dns_question q;
	struct dns_reply *r;
	struct strbuf sb;
	uint64_t start, limit;
	char *key;
	size_t len;

	q.name = name;
	q.qtype = qtype;
	if (dns_name_to_wire(name, &q) != 0) {
		sb_init(&sb);
		sb_put_printable(&sb, name, DNS_NAME_MAX + 1);
		log_msg(LOG_DEBUG, "dns: %s: not a name that can be asked",
		    sb.s);
		sb_free(&sb);
		return dns_reply_bad_name(qtype);
	}
	len = strlen(name);
	key = xstrndup(name, name[len - 1] == '.' ? len - 1 : len);
	str_lower(key);
	limit = dns_client_limit(dc, &start);
	r = dns_resolve(dc, &q, key, limit);
	dns_client_charge(dc, start);
	free(key);
	return r;
}
