/*
 * config.c - read and validate authmilter.conf into an immutable struct
 *
 * One table of keywords drives the parser: each keyword has a setter
 * that validates its value and stores it, or reports what it expected.
 * Nothing here opens a socket or asks DNS: `authmilter -n` runs it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"
#include "log.h"
#include "cidr.h"
#include "dns.h"
#include "table.h"
#include "config.h"
#include "config_int.h"

#define DEFAULT_SOCKET		"unix:/run/authmilter/authmilter.sock"
#define DEFAULT_INTERNAL	"127.0.0.1 ::1"
#define RESOLV_CONF		"/etc/resolv.conf"
#define AUTHSERV_ID_MAX		255
#define USERNAME_MAX		32
#define SUN_PATH_SIZE		sizeof(((struct sockaddr_un *)0)->sun_path)

/* conf_error - append "PATH:LINE: Keyword: message" to the errors */
void
conf_error(struct parse_ctx *pc, const char *fmt, ...)
{
	va_list ap;

	if (pc->line > 0)
		sb_printf(pc->errors, "%s:%u: %s: ", pc->path, pc->line,
		    pc->keyword);
	else
		sb_printf(pc->errors, "%s: ", pc->path);
	va_start(ap, fmt);
	sb_vprintf(pc->errors, fmt, ap);
	va_end(ap);
	sb_putc(pc->errors, '\n');
	pc->nerrors++;
}

/* parse_uint - decimal digits only, at most max, into *out */
int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (!ascii_isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* parse_seconds_ms - "5", "0.5", "2.25" seconds into milliseconds */
int
parse_seconds_ms(const char *s, long *ms)
{
	long whole = 0, frac = 0, scale = 100;
	const char *p = s;

	if (!ascii_isdigit((unsigned char)*p))
		return -1;
	for (; ascii_isdigit((unsigned char)*p); p++)
		if ((whole = whole * 10 + (*p - '0')) > 1000000)
			return -1;
	if (*p == '.') {
		if (!ascii_isdigit((unsigned char)*++p))
			return -1;
		for (; ascii_isdigit((unsigned char)*p); p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p != '\0')
		return -1;
	*ms = whole * 1000 + frac;
	return 0;
}

/* split_list - the words of a comma and/or blank separated list */
char **
split_list(const char *value, size_t *count)
{
	char **v = xcalloc(1, sizeof(*v));
	const char *p = value, *start;
	size_t n = 0;

	for (;;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		v = xrealloc(v, (n + 2) * sizeof(*v));
		v[n++] = xstrndup(start, (size_t)(p - start));
		v[n] = NULL;
	}
	*count = n;
	return v;
}

/* free_list - release a NULL-terminated list from split_list */
void
free_list(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* check_inet_host - the ADDR of inet:PORT@ADDR or inet6:PORT@ADDR */
static int
check_inet_host(struct parse_ctx *pc, int v6, const char *host)
{
	unsigned char buf[16];
	char *inner;
	size_t len = strlen(host);
	int af = v6 ? AF_INET6 : AF_INET, r;

	if (len == 0) {
		conf_error(pc, "missing address after '@'");
		return -1;
	}
	if (host[0] == '[') {
		if (len < 3 || host[len - 1] != ']') {
			conf_error(pc, "bad address '%s'", host);
			return -1;
		}
		inner = xstrndup(host + 1, len - 2);
		r = inet_pton(af, inner, buf);
		free(inner);
		if (r != 1) {
			conf_error(pc, "bad %s address '%s'",
			    v6 ? "IPv6" : "IPv4", host);
			return -1;
		}
		return 0;
	}
	if (inet_pton(af, host, buf) == 1)
		return 0;
	if (!v6 && strchr(host, ':') != NULL) {
		conf_error(pc, "'%s' is an IPv6 address: use inet6:", host);
		return -1;
	}
	if (v6 && inet_pton(AF_INET, host, buf) == 1) {
		conf_error(pc, "'%s' is an IPv4 address: use inet:", host);
		return -1;
	}
	if (v6 && strchr(host, ':') != NULL) {
		conf_error(pc, "bad IPv6 address '%s'", host);
		return -1;
	}
	if (strspn(host, "0123456789.") == len) {
		conf_error(pc, "bad IPv4 address '%s'", host);
		return -1;
	}
	if (!hostname_valid(host)) {
		conf_error(pc, "bad address or host name '%s'", host);
		return -1;
	}
	return 0;
}

/* check_socket - inet:PORT[@ADDR], inet6:PORT[@ADDR], unix:PATH, local:PATH */
static int
check_socket(struct parse_ctx *pc, const char *value)
{
	const char *colon = strchr(value, ':'), *rest, *at;
	unsigned long port;
	char *portstr;
	size_t plen;
	int v6, r;

	if (colon == NULL)
		goto bad;
	rest = colon + 1;
	plen = (size_t)(colon - value);
	if ((plen == 4 && strncasecmp(value, "unix", 4) == 0) ||
	    (plen == 5 && strncasecmp(value, "local", 5) == 0)) {
		if (rest[0] != '/') {
			conf_error(pc, "expected an absolute path after "
			    "'%.*s:', got '%s'", (int)plen, value, rest);
			return -1;
		}
		if (strlen(rest) >= SUN_PATH_SIZE) {
			conf_error(pc, "socket path longer than %zu bytes",
			    SUN_PATH_SIZE - 1);
			return -1;
		}
		return 0;
	}
	if (plen == 4 && strncasecmp(value, "inet", 4) == 0)
		v6 = 0;
	else if (plen == 5 && strncasecmp(value, "inet6", 5) == 0)
		v6 = 1;
	else
		goto bad;
	at = strchr(rest, '@');
	portstr = xstrndup(rest, at ? (size_t)(at - rest) : strlen(rest));
	r = parse_uint(portstr, 65535, &port);
	if (r == -1 || port == 0) {
		conf_error(pc, "expected a port from 1 to 65535, got '%s'",
		    portstr);
		free(portstr);
		return -1;
	}
	free(portstr);
	if (at == NULL)
		return 0;
	return check_inet_host(pc, v6, at + 1);
bad:
	conf_error(pc, "expected inet:PORT@ADDR, inet6:PORT@ADDR, unix:PATH "
	    "or local:PATH, got '%s'", value);
	return -1;
}

/* set_socket - Socket */
static int
set_socket(struct parse_ctx *pc, struct config *cf, const char *value)
{
	if (check_socket(pc, value) == -1)
		return -1;
	cf->socket = xstrdup(value);
	return 0;
}

/* authserv_id_valid - a dot-atom-ish token: letters digits - . _ */
static int
authserv_id_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > AUTHSERV_ID_MAX)
		return 0;
	for (; *s; s++)
		if (!ascii_isalnum((unsigned char)*s) && *s != '-' && *s != '.' &&
		    *s != '_')
			return 0;
	return 1;
}

/* default_authserv_id - the host name, or "localhost" if it is unusable */
static char *
default_authserv_id(void)
{
	char host[HOSTNAME_MAX + 2];

	if (gethostname(host, sizeof(host)) == -1)
		return xstrdup("localhost");
	host[sizeof(host) - 1] = '\0';
	if (!authserv_id_valid(host))
		return xstrdup("localhost");
	return xstrdup(host);
}

/* set_authserv_id - AuthservID ("HOSTNAME": the host name) */
static int
set_authserv_id(struct parse_ctx *pc, struct config *cf, const char *value)
{
	if (strcmp(value, "HOSTNAME") == 0) {	/* OpenDKIM's spelling */
		cf->authserv_id = default_authserv_id();
		return 0;
	}
	if (!authserv_id_valid(value)) {
		conf_error(pc, "expected a host name (letters, digits, '-', "
		    "'.', '_'; at most %d characters), got '%s'",
		    AUTHSERV_ID_MAX, value);
		return -1;
	}
	cf->authserv_id = xstrdup(value);
	return 0;
}

/* set_domains - Domains: the table file, relative to the config's dir */
static int
set_domains(struct parse_ctx *pc, struct config *cf, const char *value)
{
	const char *slash = strrchr(pc->path, '/');
	struct strbuf path;

	sb_init(&path);
	if (value[0] != '/' && slash != NULL)
		sb_append(&path, pc->path, (size_t)(slash - pc->path) + 1);
	sb_puts(&path, value);
	cf->domains_path = sb_detach(&path);
	return 0;
}

/* load_domains - read the table, and its keys when signing is on */
static void
load_domains(struct parse_ctx *pc, struct config *cf)
{
	if (cf->domains_path == NULL)
		return;
	if ((cf->table = table_load(cf->domains_path, pc->errors)) == NULL) {
		pc->nerrors++;		/* table_load wrote the lines */
		return;
	}
	if (cf->dkim_sign && table_load_keys(cf->table, cf->domains_path,
	    cf->require_safe_keys, pc->errors) != 0)
		pc->nerrors++;
}

/* set_nameservers - Nameservers: up to DNS_MAX_SERVERS ADDR[:PORT] */
static int
set_nameservers(struct parse_ctx *pc, struct config *cf, const char *value)
{
	char **v;
	size_t i, n;
	int bad = 0;

	v = split_list(value, &n);
	if (n == 0) {
		conf_error(pc, "expected ADDR[:PORT] or [ADDR]:PORT, "
		    "got '%s'", value);
		bad = 1;
	} else if (n > DNS_MAX_SERVERS) {
		conf_error(pc, "at most %d name servers, got %zu",
		    DNS_MAX_SERVERS, n);
		bad = 1;
	}
	for (i = 0; i < n && i < DNS_MAX_SERVERS; i++)
		if (dns_parse_server(v[i], &cf->dns_opts.servers[i]) == -1) {
			conf_error(pc, "bad name server '%s' (expected "
			    "ADDR[:PORT] or [ADDR]:PORT)", v[i]);
			bad = 1;
		}
	free_list(v);
	if (bad)
		return -1;
	cf->dns_opts.nservers = n;
	return 0;
}

/* set_dns_timeout - DNSTimeout: seconds, > 0 and <= 60 */
static int
set_dns_timeout(struct parse_ctx *pc, struct config *cf, const char *value)
{
	long ms;

	if (parse_seconds_ms(value, &ms) == -1 || ms < 1 || ms > 60000) {
		conf_error(pc, "expected seconds, more than 0 and at most 60 "
		    "(e.g. 5 or 0.5), got '%s'", value);
		return -1;
	}
	cf->dns_opts.timeout_ms = (int)ms;
	return 0;
}

/* set_dns_tries - DNSTries: 1 to 10 */
static int
set_dns_tries(struct parse_ctx *pc, struct config *cf, const char *value)
{
	unsigned long v;

	if (parse_uint(value, 10, &v) == -1 || v < 1) {
		conf_error(pc, "expected a number from 1 to 10, got '%s'",
		    value);
		return -1;
	}
	cf->dns_opts.tries = (int)v;
	return 0;
}

/* set_dns_cache_size - DNSCacheSize: 0 to 10000000 entries */
static int
set_dns_cache_size(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	unsigned long v;

	if (parse_uint(value, 10000000, &v) == -1) {
		conf_error(pc, "expected a number of entries from 0 to "
		    "10000000, got '%s'", value);
		return -1;
	}
	cf->dns_opts.cache_entries = v;
	return 0;
}

/* parse_bytes - "16777216", "64K", "16M", "1G" into bytes, at most max */
static int
parse_bytes(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0, unit = 1;
	const char *p = s;

	if (!ascii_isdigit((unsigned char)*p))
		return -1;
	for (; ascii_isdigit((unsigned char)*p); p++)
		if ((v = v * 10 + (unsigned long long)(*p - '0')) > max)
			return -1;
	switch (ascii_tolower((unsigned char)*p)) {
	case '\0':
		break;
	case 'k':
		unit = 1024;
		break;
	case 'm':
		unit = 1024 * 1024;
		break;
	case 'g':
		unit = 1024 * 1024 * 1024;
		break;
	default:
		return -1;
	}
	if (*p != '\0' && p[1] != '\0')
		return -1;
	if (v > max / unit)
		return -1;
	*out = v * unit;
	return 0;
}

/* set_dns_cache_bytes - DNSCacheBytes: 64K to 4G */
static int
set_dns_cache_bytes(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	unsigned long long v;

	if (parse_bytes(value, DNS_CACHE_BYTES_MAX, &v) == -1 ||
	    v < DNS_CACHE_BYTES_MIN) {
		conf_error(pc, "expected a size from 64K to 4G (bytes, or "
		    "with K, M or G), got '%s'", value);
		return -1;
	}
	cf->dns_opts.cache_bytes = (size_t)v;
	return 0;
}

/* set_dns_failure_ttl - DNSFailureTTL: seconds, 1 to 300 (RFC 9520) */
static int
set_dns_failure_ttl(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	unsigned long v;

	if (parse_uint(value, DNS_FAIL_TTL_MAX, &v) == -1 || v < 1) {
		conf_error(pc, "expected seconds from 1 to %d, got '%s'",
		    DNS_FAIL_TTL_MAX, value);
		return -1;
	}
	cf->dns_opts.fail_ttl = (int)v;
	return 0;
}

/* set_dns_message_timeout - DNSMessageTimeout: seconds, > 0, <= 300 */
static int
set_dns_message_timeout(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	long ms;

	if (parse_seconds_ms(value, &ms) == -1 || ms < 1 || ms > 300000) {
		conf_error(pc, "expected seconds, more than 0 and at most 300 "
		    "(e.g. 8 or 2.5), got '%s'", value);
		return -1;
	}
	cf->dns_message_ms = ms;
	return 0;
}

/* add_internal_hosts - parse an address/CIDR list into cf */
static int
add_internal_hosts(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	struct cidr c;
	char **v;
	size_t i, n;
	int bad = 0;

	v = split_list(value, &n);
	if (n == 1 && str_caseeq(v[0], "none")) {
		free_list(v);
		return 0;
	}
	if (n == 0) {
		conf_error(pc, "expected addresses or CIDRs, got '%s'", value);
		bad = 1;
	}
	for (i = 0; i < n; i++) {
		if (cidr_parse(v[i], &c) == 0)
			cidr_list_add(&cf->internal_hosts, &c);
		else {
			conf_error(pc, "bad address or CIDR '%s'", v[i]);
			bad = 1;
		}
	}
	free_list(v);
	return bad ? -1 : 0;
}

/* set_internal_hosts - InternalHosts ("none": an empty list) */
static int
set_internal_hosts(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	return add_internal_hosts(pc, cf, value);
}

/* set_sign_daemons - SignDaemons: {daemon_name} values */
static int
set_sign_daemons(struct parse_ctx *pc, struct config *cf, const char *value)
{
	size_t n;

	free_list(cf->sign_daemons);
	cf->sign_daemons = split_list(value, &n);
	if (n == 0) {
		conf_error(pc, "expected daemon names, got '%s'", value);
		return -1;
	}
	return 0;
}

/* parse_bool_value - a yes/no keyword into *out */
int
parse_bool_value(struct parse_ctx *pc, const char *value, int *out)
{
	if (str_parse_bool(value, out) == 0)
		return 0;
	conf_error(pc, "expected yes or no, got '%s'", value);
	return -1;
}

/* set_spf - SPF */
static int
set_spf(struct parse_ctx *pc, struct config *cf, const char *value)
{
	return parse_bool_value(pc, value, &cf->spf);
}

/* set_dkim_verify - DKIMVerify */
static int
set_dkim_verify(struct parse_ctx *pc, struct config *cf, const char *value)
{
	return parse_bool_value(pc, value, &cf->dkim_verify);
}

/* set_dkim_sign - DKIMSign */
static int
set_dkim_sign(struct parse_ctx *pc, struct config *cf, const char *value)
{
	return parse_bool_value(pc, value, &cf->dkim_sign);
}

/* set_dmarc - DMARC */
static int
set_dmarc(struct parse_ctx *pc, struct config *cf, const char *value)
{
	return parse_bool_value(pc, value, &cf->dmarc);
}

/* set_syslog - Syslog */
static int
set_syslog(struct parse_ctx *pc, struct config *cf, const char *value)
{
	return parse_bool_value(pc, value, &cf->syslog);
}

/* account_name_valid - a user or group name, or a numeric id */
static int
account_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > USERNAME_MAX || s[0] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		if (ascii_isalnum((unsigned char)s[i]) || s[i] == '_' ||
		    s[i] == '-' || s[i] == '.')
			continue;
		if (s[i] == '$' && i == len - 1 && i > 0)
			continue;
		return 0;
	}
	return 1;
}

/* set_user_id - UserID: user or user:group (syntax only) */
static int
set_user_id(struct parse_ctx *pc, struct config *cf, const char *value)
{
	const char *colon = strchr(value, ':');
	size_t ulen = colon ? (size_t)(colon - value) : strlen(value);

	if (!account_name_valid(value, ulen) ||
	    (colon != NULL && !account_name_valid(colon + 1,
	    strlen(colon + 1)))) {
		conf_error(pc, "expected USER or USER:GROUP, got '%s'", value);
		return -1;
	}
	cf->user_id = xstrdup(value);
	return 0;
}

/* set_pid_file - PidFile: an absolute path */
static int
set_pid_file(struct parse_ctx *pc, struct config *cf, const char *value)
{
	if (value[0] != '/' || value[1] == '\0') {
		conf_error(pc, "expected an absolute file path, got '%s'",
		    value);
		return -1;
	}
	cf->pid_file = xstrdup(value);
	return 0;
}

/* set_syslog_facility - SyslogFacility */
static int
set_syslog_facility(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	if (log_facility_parse(value, &cf->syslog_facility) == -1) {
		conf_error(pc, "expected mail, daemon, user or local0 to "
		    "local7, got '%s'", value);
		return -1;
	}
	return 0;
}

/* set_log_level - LogLevel */
static int
set_log_level(struct parse_ctx *pc, struct config *cf, const char *value)
{
	if (log_level_parse(value, &cf->log_level) == -1) {
		conf_error(pc, "expected error, warning, notice, info or "
		    "debug, got '%s'", value);
		return -1;
	}
	return 0;
}

/* set_umask - UMask: octal, at most 0777 */
static int
set_umask(struct parse_ctx *pc, struct config *cf, const char *value)
{
	const char *p;
	int v = 0;

	for (p = value; *p >= '0' && *p <= '7' && p - value < 4; p++)
		v = v * 8 + (*p - '0');
	if (p == value || *p != '\0' || v > 0777) {
		conf_error(pc, "expected an octal mask such as 007 or 027, "
		    "got '%s'", value);
		return -1;
	}
	cf->umask = v;
	return 0;
}

/* set_max_sigs - MaximumSignaturesToVerify: 1 to 50 */
static int
set_max_sigs(struct parse_ctx *pc, struct config *cf, const char *value)
{
	unsigned long v;

	if (parse_uint(value, 50, &v) == -1 || v < 1) {
		conf_error(pc, "expected a number from 1 to 50, got '%s'",
		    value);
		return -1;
	}
	cf->dkim_verify_opts.max_sigs = (unsigned)v;
	return 0;
}

/* set_min_key_bits - MinimumKeyBits: 0 to 16384 */
static int
set_min_key_bits(struct parse_ctx *pc, struct config *cf, const char *value)
{
	unsigned long v;

	if (parse_uint(value, 16384, &v) == -1) {
		conf_error(pc, "expected a number of bits up to 16384, got "
		    "'%s'", value);
		return -1;
	}
	cf->dkim_verify_opts.min_key_bits = (unsigned)v;
	return 0;
}

/* parse_canon - "relaxed" or "simple" */
static int
parse_canon(const char *s, size_t len, enum dkim_canon *out)
{
	if (len == 7 && strncasecmp(s, "relaxed", 7) == 0)
		*out = SIGN_CANON_RELAXED;
	else if (len == 6 && strncasecmp(s, "simple", 6) == 0)
		*out = SIGN_CANON_SIMPLE;
	else
		return -1;
	return 0;
}

/* set_canonicalization - Canonicalization: HEADER[/BODY] */
static int
set_canonicalization(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	const char *slash = strchr(value, '/');
	size_t hlen = slash ? (size_t)(slash - value) : strlen(value);
	struct dkim_sign_opts *o = &cf->dkim_sign_opts;

	if (parse_canon(value, hlen, &o->header_canon) != 0 ||
	    (slash != NULL && parse_canon(slash + 1, strlen(slash + 1),
	    &o->body_canon) != 0)) {
		conf_error(pc, "expected relaxed or simple, as HEADER/BODY "
		    "(e.g. relaxed/simple), got '%s'", value);
		return -1;
	}
	if (slash == NULL)	/* as OpenDKIM: the body defaults to simple */
		o->body_canon = SIGN_CANON_SIMPLE;
	return 0;
}

/* header_names_valid - every word a header field name (RFC 5322 ftext) */
static int
header_names_valid(struct parse_ctx *pc, char **names)
{
	const unsigned char *p;
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		for (p = (const unsigned char *)names[i]; *p; p++)
			if (*p < 33 || *p > 126 || *p == ':') {
				conf_error(pc, "'%s' is not a header name",
				    names[i]);
				return -1;
			}
	return 0;
}

/* set_header_list - SignHeaders or OversignHeaders into *slot */
static int
set_header_list(struct parse_ctx *pc, char ***slot, const char *value)
{
	size_t n;
	char **names = split_list(value, &n);

	if (n == 0 || header_names_valid(pc, names) != 0) {
		if (n == 0)
			conf_error(pc, "expected header names");
		free_list(names);
		return -1;
	}
	*slot = names;
	return 0;
}

/* set_sign_headers - SignHeaders */
static int
set_sign_headers(struct parse_ctx *pc, struct config *cf, const char *value)
{
	return set_header_list(pc, &cf->sign_headers, value);
}

/* set_oversign_headers - OversignHeaders ("none" for none) */
static int
set_oversign_headers(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	if (str_caseeq(value, "none")) {
		cf->oversign_headers = xcalloc(1, sizeof(char *));
		return 0;
	}
	return set_header_list(pc, &cf->oversign_headers, value);
}

/* set_signature_ttl - SignatureTTL: seconds until x=, 0 for none */
static int
set_signature_ttl(struct parse_ctx *pc, struct config *cf, const char *value)
{
	unsigned long v;

	if (parse_uint(value, 315360000, &v) == -1) {
		conf_error(pc, "expected seconds (0 for no x=), got '%s'",
		    value);
		return -1;
	}
	cf->dkim_sign_opts.ttl = (unsigned)v;
	return 0;
}

/* set_require_safe_keys - RequireSafeKeys */
static int
set_require_safe_keys(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	return parse_bool_value(pc, value, &cf->require_safe_keys);
}

/* set_hold_quarantined - HoldQuarantinedMessages */
static int
set_hold_quarantined(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	return parse_bool_value(pc, value, &cf->hold_quarantined);
}

/* set_reject_multi_from - RejectMultiValueFrom */
static int
set_reject_multi_from(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	return parse_bool_value(pc, value, &cf->reject_multi_from);
}

/* set_reject_failures - RejectFailures */
static int
set_reject_failures(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	return parse_bool_value(pc, value, &cf->reject_failures);
}

/* set_temporary_failures - TemporaryFailures */
static int
set_temporary_failures(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	return parse_bool_value(pc, value, &cf->temporary_failures);
}

/* set_bad_from_action - BadFromAction: reject or accept */
static int
set_bad_from_action(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	if (str_caseeq(value, "reject"))
		cf->bad_from_reject = 1;
	else if (str_caseeq(value, "accept"))
		cf->bad_from_reject = 0;
	else {
		conf_error(pc, "expected reject or accept, got '%s'", value);
		return -1;
	}
	return 0;
}

/* set_trusted_forwarders - TrustedForwarders: addresses, CIDRs, names */
static int
set_trusted_forwarders(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	struct cidr c;
	char **v;
	size_t i, n, names = 0;
	int bad = 0;

	v = split_list(value, &n);
	if (n == 0) {
		conf_error(pc, "expected addresses, CIDRs or host names");
		bad = 1;
	}
	cf->trusted_forwarder_names = xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		if (cidr_parse(v[i], &c) == 0) {
			cidr_list_add(&cf->trusted_forwarder_addrs, &c);
		} else if (hostname_valid(v[i][0] == '.' ? v[i] + 1 : v[i])) {
			cf->trusted_forwarder_names[names] = xstrdup(v[i]);
			str_lower(cf->trusted_forwarder_names[names++]);
		} else {
			conf_error(pc, "'%s' is neither an address, a CIDR nor "
			    "a host name", v[i]);
			bad = 1;
		}
	}
	free_list(v);
	return bad ? -1 : 0;
}

static const struct config_keyword keywords[] = {
	{ "Socket", set_socket },
	{ "AuthservID", set_authserv_id },
	{ "Domains", set_domains },
	{ "Nameservers", set_nameservers },
	{ "DNSTimeout", set_dns_timeout },
	{ "DNSTries", set_dns_tries },
	{ "DNSCacheSize", set_dns_cache_size },
	{ "DNSCacheBytes", set_dns_cache_bytes },
	{ "DNSFailureTTL", set_dns_failure_ttl },
	{ "DNSMessageTimeout", set_dns_message_timeout },
	{ "InternalHosts", set_internal_hosts },
	{ "SignDaemons", set_sign_daemons },
	{ "SPF", set_spf },
	{ "DKIMVerify", set_dkim_verify },
	{ "DKIMSign", set_dkim_sign },
	{ "DMARC", set_dmarc },
	{ "UserID", set_user_id },
	{ "PidFile", set_pid_file },
	{ "Syslog", set_syslog },
	{ "SyslogFacility", set_syslog_facility },
	{ "LogLevel", set_log_level },
	{ "UMask", set_umask },
	{ "MaximumSignaturesToVerify", set_max_sigs },
	{ "MinimumKeyBits", set_min_key_bits },
	{ "Canonicalization", set_canonicalization },
	{ "SignHeaders", set_sign_headers },
	{ "OversignHeaders", set_oversign_headers },
	{ "SignatureTTL", set_signature_ttl },
	{ "RequireSafeKeys", set_require_safe_keys },
	{ "HoldQuarantinedMessages", set_hold_quarantined },
	{ "RejectMultiValueFrom", set_reject_multi_from },
	{ "RejectFailures", set_reject_failures },
	{ "TemporaryFailures", set_temporary_failures },
	{ "BadFromAction", set_bad_from_action },
	{ "TrustedForwarders", set_trusted_forwarders },
};

/* the keyword groups of config_*.c, searched after config.c's own */
static const struct {
	const struct config_keyword	*kw;
	const size_t			*n;
} groups[] = {
	{ config_report_keywords, &config_report_nkeywords },
	{ config_metrics_keywords, &config_metrics_nkeywords },
};

/*
 * find_keyword - the keyword named name: its setter, and its index in
 * seen[] (config.c's own, then each group's in turn), or NULL
 */
static const struct config_keyword *
find_keyword(const char *name, size_t *index)
{
	size_t i, g, base = ARRAY_SIZE(keywords);

	for (i = 0; i < ARRAY_SIZE(keywords); i++)
		if (str_caseeq(name, keywords[i].name)) {
			*index = i;
			return &keywords[i];
		}
	for (g = 0; g < ARRAY_SIZE(groups); base += *groups[g++].n)
		for (i = 0; i < *groups[g].n; i++)
			if (str_caseeq(name, groups[g].kw[i].name)) {
				*index = base + i;
				return &groups[g].kw[i];
			}
	return NULL;
}

/* parse_line - one config line (comment removed, trimmed) into cf */
static void
parse_line(struct parse_ctx *pc, struct config *cf, char *line,
    unsigned *seen)
{
	const struct config_keyword *kw;
	char *value = line;
	size_t i;

	if (*line == '\0')
		return;
	while (*value != '\0' && *value != ' ' && *value != '\t')
		value++;
	if (*value != '\0')
		*value++ = '\0';
	value = str_trim(value);
	if ((kw = find_keyword(line, &i)) == NULL) {
		pc->keyword = line;
		conf_error(pc, "unknown keyword '%s'", line);
		return;
	}
	pc->keyword = kw->name;
	if (seen[i] != 0) {
		conf_error(pc, "repeated keyword (first on line %u)", seen[i]);
		return;
	}
	seen[i] = pc->line;
	if (*value == '\0') {
		conf_error(pc, "missing value");
		return;
	}
	(void)kw->set(pc, cf, value);
}

/* default_nameservers - /etc/resolv.conf's servers, else 127.0.0.1:53 */
static void
default_nameservers(struct dns_options *opt)
{
	struct sockaddr_in *sin;

	opt->nservers = 0;
	if (dns_servers_from_resolv_conf(RESOLV_CONF, opt) == 0 &&
	    opt->nservers > 0)
		return;
	memset(&opt->servers[0], 0, sizeof(opt->servers[0]));
	sin = (struct sockaddr_in *)(void *)&opt->servers[0].addr;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(53);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	opt->servers[0].addrlen = sizeof(*sin);
	opt->nservers = 1;
}

/* config_new - an empty config holding every scalar default */
static struct config *
config_new(const char *path)
{
	struct config *cf = xcalloc(1, sizeof(*cf));

	cf->path = xstrdup(path);
	cf->dns_opts.timeout_ms = 5000;
	cf->dns_opts.tries = 2;
	cf->dns_opts.cache_entries = 10000;
	cf->dns_opts.cache_bytes = DNS_DEF_CACHE_BYTES;
	cf->dns_opts.fail_ttl = DNS_DEF_FAIL_TTL;
	cf->dns_message_ms = CONFIG_DNS_MESSAGE_MS;
	cf->spf = 1;
	cf->dkim_verify = 1;
	cf->dkim_sign = 1;
	cf->dmarc = 1;
	cf->syslog = 1;
	cf->syslog_facility = LOG_MAIL;
	cf->log_level = LOG_INFO;
	cf->umask = 007;
	cf->dkim_verify_opts.max_sigs = DKIM_DEFAULT_MAX_SIGS;
	cf->dkim_verify_opts.min_key_bits = DKIM_DEFAULT_MIN_KEY_BITS;
	cf->dkim_sign_opts.header_canon = SIGN_CANON_RELAXED;
	cf->dkim_sign_opts.body_canon = SIGN_CANON_RELAXED;
	cf->require_safe_keys = 1;
	cf->reject_failures = 1;
	cf->bad_from_reject = 1;
	config_report_defaults(&cf->report);
	atomic_init(&cf->refs, 1);
	return cf;
}

/* config_free - release a config and all it owns */
static void
config_free(struct config *cf)
{
	free(cf->path);
	free(cf->socket);
	free(cf->authserv_id);
	free(cf->domains_path);
	table_free(cf->table);
	cidr_list_free(&cf->internal_hosts);
	free_list(cf->sign_daemons);
	free(cf->user_id);
	free(cf->pid_file);
	free_list(cf->sign_headers);
	free_list(cf->oversign_headers);
	free_list(cf->trusted_forwarder_names);
	cidr_list_free(&cf->trusted_forwarder_addrs);
	config_report_free(&cf->report);
	config_metrics_free(&cf->metrics);
	if (cf->resolver != NULL)
		dns_ctx_free(cf->resolver);
	if (cf->dkim != NULL)
		dkim_engine_free(cf->dkim);
	free(cf);
}

/* seen_keyword - was the keyword name given in the file? */
static int
seen_keyword(const unsigned *seen, const char *name)
{
	size_t i;

	return find_keyword(name, &i) != NULL && seen[i] != 0;
}

/* config_load - read, validate and complete a config file */
struct config *
config_load(const char *path, struct strbuf *errors)
{
	unsigned *seen;
	struct parse_ctx pc;
	struct strbuf scratch;
	struct config *cf;
	char *line = NULL, *hash;
	size_t cap = 0;
	FILE *fp;

	sb_init(&scratch);
	memset(&pc, 0, sizeof(pc));
	pc.path = path;
	pc.errors = errors ? errors : &scratch;
	if ((fp = fopen(path, "r")) == NULL) {
		conf_error(&pc, "cannot open: %s", strerror(errno));
		sb_free(&scratch);
		return NULL;
	}
	cf = config_new(path);
	seen = xcalloc(ARRAY_SIZE(keywords) + config_report_nkeywords +
	    config_metrics_nkeywords, sizeof(*seen));
	while (getline(&line, &cap, fp) != -1) {
		pc.line++;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		parse_line(&pc, cf, str_trim(line), seen);
	}
	if (ferror(fp)) {
		pc.line = 0;
		conf_error(&pc, "read error: %s", strerror(errno));
	}
	free(line);
	fclose(fp);
	pc.line = 0;
	load_domains(&pc, cf);
	sb_free(&scratch);
	if (pc.nerrors > 0) {
		free(seen);
		config_free(cf);
		return NULL;
	}

	if (cf->socket == NULL)
		cf->socket = xstrdup(DEFAULT_SOCKET);
	if (cf->authserv_id == NULL)
		cf->authserv_id = default_authserv_id();
	if (cf->dns_opts.nservers == 0)
		default_nameservers(&cf->dns_opts);
	if (cf->sign_daemons == NULL)
		cf->sign_daemons = xcalloc(1, sizeof(*cf->sign_daemons));
	cf->dkim_sign_opts.sign_headers = (const char *const *)cf->sign_headers;
	cf->dkim_sign_opts.oversign_headers =
	    (const char *const *)cf->oversign_headers;
	if (cf->internal_hosts.n == 0 && !seen_keyword(seen,
	    "InternalHosts"))
		(void)add_internal_hosts(&pc, cf, DEFAULT_INTERNAL);
	config_report_finish(&cf->report, cf->authserv_id);
	free(seen);
	return cf;
}

/* config_ref - take one more reference */
void
config_ref(struct config *cf)
{
	atomic_fetch_add_explicit(&cf->refs, 1, memory_order_relaxed);
}

/* config_unref - drop a reference; the last one frees the config */
void
config_unref(struct config *cf)
{
	if (cf == NULL)
		return;
	if (atomic_fetch_sub_explicit(&cf->refs, 1, memory_order_acq_rel) == 1)
		config_free(cf);
}
