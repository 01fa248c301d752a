/*
 * config_test - authmilter.conf: every keyword's default, good and bad
 * values; errors as "PATH:LINE: Keyword: message", all of them in file
 * order; the Domains table loaded and its errors propagated; reference
 * counting safe across threads.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "util.h"
#include "cidr.h"
#include "config.h"
#include "tap.h"

static char tmpdir[] = "/tmp/config_test.XXXXXX";
static int nfiles;

/* write_named - put text into tmpdir/name; return the full path */
static char *
write_named(const char *name, const char *text)
{
	struct strbuf path;
	FILE *fp;

	sb_init(&path);
	sb_printf(&path, "%s/%s", tmpdir, name);
	if ((fp = fopen(path.s, "w")) == NULL) {
		perror(path.s);
		exit(2);
	}
	fputs(text, fp);
	fclose(fp);
	return path.s;
}

/* write_conf - put text into a new config file; return its path */
static char *
write_conf(const char *text)
{
	char name[32];

	snprintf(name, sizeof(name), "conf%d", ++nfiles);
	return write_named(name, text);
}

/* load - load a config from text; errors into err (initialized here) */
static struct config *
load(const char *text, struct strbuf *err, char **pathp)
{
	char *path = write_conf(text);
	struct config *cf;

	sb_init(err);
	cf = config_load(path, err);
	if (pathp != NULL)
		*pathp = path;
	else {
		unlink(path);
		free(path);
	}
	return cf;
}

/* expand - replace each {F} in a pattern by the path */
static char *
expand(const char *pattern, const char *path)
{
	struct strbuf sb;

	sb_init(&sb);
	while (*pattern) {
		if (strncmp(pattern, "{F}", 3) == 0) {
			sb_puts(&sb, path);
			pattern += 3;
		} else
			sb_putc(&sb, *pattern++);
	}
	return sb.s;
}

/* first_line - a TAP-safe name: text up to its first newline */
static const char *
first_line(const char *text)
{
	static char buf[120];
	size_t n = strcspn(text, "\r\n");

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
	return buf;
}

/* expect_errors - text is refused with exactly these lines ({F} = path) */
static void
expect_errors(const char *name, const char *text, const char *lines)
{
	struct strbuf err;
	struct config *cf;
	char *path, *want;

	cf = load(text, &err, &path);
	ok(cf == NULL, "%s: refused", name);
	want = expand(lines, path);
	is_str(err.s, want, "%s: errors", name);
	config_unref(cf);
	free(want);
	sb_free(&err);
	unlink(path);
	free(path);
}

/* expect_bad - one keyword line refused with one message */
static void
expect_bad(const char *line, const char *keyword, const char *message)
{
	struct strbuf lines;

	sb_init(&lines);
	sb_printf(&lines, "{F}:1: %s: %s\n", keyword, message);
	expect_errors(first_line(line), line, lines.s);
	sb_free(&lines);
}

/* expect_good - one keyword line accepted */
static struct config *
expect_good(const char *text)
{
	struct strbuf err;
	struct config *cf;

	cf = load(text, &err, NULL);
	ok(cf != NULL, "accepted: %s", first_line(text));
	if (cf == NULL)
		printf("# %s", err.s);
	sb_free(&err);
	return cf;
}

/* v4_in - is the IPv4/IPv6 text address in cf's InternalHosts? */
static int
internal(const struct config *cf, const char *text)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, text, a) == 1)
		return cidr_list_match(&cf->internal_hosts, AF_INET, a);
	inet_pton(AF_INET6, text, a);
	return cidr_list_match(&cf->internal_hosts, AF_INET6, a);
}

/* test_defaults - an empty file gives every documented default */
static void
test_defaults(void)
{
	struct strbuf err;
	struct config *cf;
	char host[300];

	cf = load("# nothing but a comment\n\n   \n", &err, NULL);
	ok(cf != NULL, "empty config loads");
	is_str(err.s, "", "no errors");
	if (cf == NULL)
		return;
	is_str(cf->socket, "unix:/run/authmilter/authmilter.sock",
	    "default Socket");
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		is_str(cf->authserv_id, host, "default AuthservID: host name");
	} else
		is_str(cf->authserv_id, "localhost", "default AuthservID");
	ok(cf->domains_path == NULL && cf->table == NULL, "no Domains");
	ok(cf->dns_opts.nservers >= 1 &&
	    cf->dns_opts.nservers <= DNS_MAX_SERVERS,
	    "Nameservers from resolv.conf (or 127.0.0.1)");
	is_int(cf->dns_opts.timeout_ms, 5000, "default DNSTimeout 5s");
	is_int(cf->dns_opts.tries, 2, "default DNSTries 2");
	is_int((long)cf->dns_opts.cache_entries, 10000,
	    "default DNSCacheSize 10000");
	is_int((long)cf->internal_hosts.n, 2, "default InternalHosts: 2");
	ok(internal(cf, "127.0.0.1"), "127.0.0.1 internal");
	ok(internal(cf, "::1"), "::1 internal");
	ok(internal(cf, "::ffff:127.0.0.1"), "mapped 127.0.0.1 internal");
	ok(!internal(cf, "127.0.0.2"), "127.0.0.2 not internal");
	ok(!internal(cf, "192.0.2.1"), "192.0.2.1 not internal");
	ok(cf->sign_daemons != NULL && cf->sign_daemons[0] == NULL,
	    "default SignDaemons: empty NULL-terminated array");
	is_int(cf->spf, 1, "default SPF yes");
	is_int(cf->dkim_verify, 1, "default DKIMVerify yes");
	is_int(cf->dkim_sign, 1, "default DKIMSign yes");
	is_int(cf->dmarc, 1, "default DMARC yes");
	ok(cf->user_id == NULL, "default UserID none");
	ok(cf->pid_file == NULL, "default PidFile none");
	is_int(cf->syslog, 1, "default Syslog yes");
	is_int(cf->syslog_facility, LOG_MAIL, "default SyslogFacility mail");
	is_int(cf->log_level, LOG_INFO, "default LogLevel info");
	is_int(cf->umask, 007, "default UMask 007");
	ok(cf->resolver == NULL, "no resolver attached by config_load");
	is_int(atomic_load(&cf->refs), 1, "one reference");
	ok(cf->path != NULL && strstr(cf->path, tmpdir) == cf->path,
	    "path recorded");
	config_unref(cf);
	sb_free(&err);
}

/* test_all_keywords - a full config, every value read */
static void
test_all_keywords(void)
{
	struct config *cf;
	char *dom;
	struct strbuf text;

	dom = write_named("domains-good",
	    "example.com sign=s1:/etc/authmilter/keys/a.pem\n"
	    "* spf-fail=reject\n");
	sb_init(&text);
	sb_printf(&text,
	    "# a complete configuration\n"
	    "Socket          inet:8891@127.0.0.1\n"
	    "AuthservID      mx1.example.com\n"
	    "Domains         %s\n"
	    "Nameservers     192.0.2.53, 192.0.2.54:5353 [2001:db8::53]:53\n"
	    "DNSTimeout      0.5\n"
	    "DNSTries        3\n"
	    "DNSCacheSize    0\n"
	    "InternalHosts   10.0.0.0/8, 192.0.2.1 2001:db8::/32\n"
	    "SignDaemons     ORIGINATING,submission  smtps\n"
	    "SPF             no\n"
	    "DKIMVerify      off\n"
	    "DKIMSign        false\n"
	    "DMARC           0\n"
	    "UserID          authmilter:mail\n"
	    "PidFile         /run/authmilter/authmilter.pid\n"
	    "Syslog          no\n"
	    "SyslogFacility  local3\n"
	    "LogLevel        debug\n"
	    "UMask           027\n", dom);
	cf = expect_good(text.s);
	if (cf != NULL) {
		struct domain_policy p;

		is_str(cf->socket, "inet:8891@127.0.0.1", "Socket read");
		is_str(cf->authserv_id, "mx1.example.com", "AuthservID read");
		is_str(cf->domains_path, dom, "Domains path kept");
		ok(cf->table != NULL, "table loaded");
		table_lookup(cf->table, "example.com", &p);
		is_int(p.nsign, 1, "table content visible through config");
		is_int(p.spf_fail, SPF_FAIL_REJECT, "table * visible");
		is_int((long)cf->dns_opts.nservers, 3, "3 name servers");
		is_int(cf->dns_opts.timeout_ms, 500, "DNSTimeout 0.5 = 500ms");
		is_int(cf->dns_opts.tries, 3, "DNSTries 3");
		is_int((long)cf->dns_opts.cache_entries, 0, "DNSCacheSize 0");
		is_int((long)cf->internal_hosts.n, 3, "3 internal prefixes");
		ok(internal(cf, "10.200.1.1"), "10/8 internal");
		ok(internal(cf, "2001:db8:1::5"), "2001:db8::/32 internal");
		ok(!internal(cf, "127.0.0.1"),
		    "explicit InternalHosts replaces the default");
		ok(cf->sign_daemons[0] && cf->sign_daemons[1] &&
		    cf->sign_daemons[2] && !cf->sign_daemons[3],
		    "three SignDaemons");
		is_str(cf->sign_daemons[0], "ORIGINATING", "SignDaemons[0]");
		is_str(cf->sign_daemons[1], "submission", "SignDaemons[1]");
		is_str(cf->sign_daemons[2], "smtps", "SignDaemons[2]");
		is_int(cf->spf, 0, "SPF no");
		is_int(cf->dkim_verify, 0, "DKIMVerify off");
		is_int(cf->dkim_sign, 0, "DKIMSign false");
		is_int(cf->dmarc, 0, "DMARC 0");
		is_str(cf->user_id, "authmilter:mail", "UserID read");
		is_str(cf->pid_file, "/run/authmilter/authmilter.pid",
		    "PidFile read");
		is_int(cf->syslog, 0, "Syslog no");
		is_int(cf->syslog_facility, LOG_LOCAL3, "SyslogFacility");
		is_int(cf->log_level, LOG_DEBUG, "LogLevel debug");
		is_int(cf->umask, 027, "UMask 027");
		config_unref(cf);
	}
	sb_free(&text);
	unlink(dom);
	free(dom);
}

/* test_syntax - case, blanks, comments, CRLF */
static void
test_syntax(void)
{
	struct config *cf;

	cf = expect_good("socket unix:/tmp/a.sock\n"
	    "AUTHSERVID  Mx.Example  \t\n"
	    "\tloglevel\tWarning # comment after the value\r\n"
	    "   # indented comment\n"
	    "spf\tNO\n");
	if (cf != NULL) {
		is_str(cf->socket, "unix:/tmp/a.sock", "lowercase keyword");
		is_str(cf->authserv_id, "Mx.Example",
		    "value trimmed, case kept");
		is_int(cf->log_level, LOG_WARNING,
		    "tab separated, comment stripped, CRLF");
		is_int(cf->spf, 0, "boolean word case-insensitive");
		config_unref(cf);
	}
	cf = expect_good("SignDaemons a\nInternalHosts none\n");
	if (cf != NULL) {
		is_int((long)cf->internal_hosts.n, 0, "InternalHosts none");
		ok(!internal(cf, "127.0.0.1"), "none: not even loopback");
		config_unref(cf);
	}
}

/* test_socket - every accepted and refused form */
static void
test_socket(void)
{
	static const char *good[] = {
		"inet:8891@127.0.0.1", "inet:8891", "inet:1@localhost",
		"inet:65535@[192.0.2.1]", "inet:12345@mail.example.com",
		"inet6:8891@::1", "inet6:8891@[::1]", "inet6:8891",
		"inet6:8891@localhost", "INET:8891@127.0.0.1",
		"unix:/run/authmilter/authmilter.sock",
		"local:/var/spool/postfix/authmilter/sock",
	};
	static const struct {
		const char *value;
		const char *message;
	} bad[] = {
		{ "/run/a.sock", "expected inet:PORT@ADDR, inet6:PORT@ADDR, "
		    "unix:PATH or local:PATH, got '/run/a.sock'" },
		{ "tcp:8891@127.0.0.1", "expected inet:PORT@ADDR, "
		    "inet6:PORT@ADDR, unix:PATH or local:PATH, got "
		    "'tcp:8891@127.0.0.1'" },
		{ "inet:0@127.0.0.1",
		    "expected a port from 1 to 65535, got '0'" },
		{ "inet:65536@127.0.0.1",
		    "expected a port from 1 to 65535, got '65536'" },
		{ "inet:99999999999999999999",
		    "expected a port from 1 to 65535, got "
		    "'99999999999999999999'" },
		{ "inet:smtp@127.0.0.1",
		    "expected a port from 1 to 65535, got 'smtp'" },
		{ "inet:@127.0.0.1",
		    "expected a port from 1 to 65535, got ''" },
		{ "inet:-1@127.0.0.1",
		    "expected a port from 1 to 65535, got '-1'" },
		{ "inet:8891@", "missing address after '@'" },
		{ "inet:8891@300.1.1.1", "bad IPv4 address '300.1.1.1'" },
		{ "inet:8891@1.2.3", "bad IPv4 address '1.2.3'" },
		{ "inet:8891@::1", "'::1' is an IPv6 address: use inet6:" },
		{ "inet:8891@[::1]", "bad IPv4 address '[::1]'" },
		{ "inet:8891@[127.0.0.1", "bad address '[127.0.0.1'" },
		{ "inet:8891@bad_host!", "bad address or host name "
		    "'bad_host!'" },
		{ "inet6:8891@127.0.0.1",
		    "'127.0.0.1' is an IPv4 address: use inet:" },
		{ "inet6:8891@::g", "bad IPv6 address '::g'" },
		{ "unix:run/a.sock",
		    "expected an absolute path after 'unix:', "
		    "got 'run/a.sock'" },
		{ "local:",
		    "expected an absolute path after 'local:', got ''" },
	};
	struct strbuf line, msg;
	struct config *cf;
	size_t i;

	sb_init(&line);
	sb_init(&msg);
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		sb_truncate(&line, 0);
		sb_printf(&line, "Socket %s\n", good[i]);
		cf = expect_good(line.s);
		if (cf != NULL)
			is_str(cf->socket, good[i], "Socket %s kept", good[i]);
		config_unref(cf);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		sb_truncate(&line, 0);
		sb_printf(&line, "Socket %s\n", bad[i].value);
		expect_bad(line.s, "Socket", bad[i].message);
	}
	sb_truncate(&line, 0);
	sb_puts(&line, "Socket unix:/");
	for (i = 0; i < 107; i++)
		sb_putc(&line, 'x');
	sb_putc(&line, '\n');
	expect_bad(line.s, "Socket", "socket path longer than 107 bytes");
	sb_truncate(&line, 0);
	sb_puts(&line, "Socket unix:/");
	for (i = 0; i < 106; i++)
		sb_putc(&line, 'x');
	cf = expect_good(line.s);
	ok(cf != NULL, "107-byte socket path fits");
	config_unref(cf);
	sb_free(&line);
	sb_free(&msg);
}

/* test_bad_values - each keyword's refusal text */
static void
test_bad_values(void)
{
	struct config *cf;

	expect_bad("AuthservID mx1 example", "AuthservID",
	    "expected a host name (letters, digits, '-', '.', '_'; at most "
	    "255 characters), got 'mx1 example'");
	expect_bad("AuthservID mx;1", "AuthservID",
	    "expected a host name (letters, digits, '-', '.', '_'; at most "
	    "255 characters), got 'mx;1'");
	cf = expect_good("AuthservID mx_1.example-2.com");
	config_unref(cf);
	cf = expect_good("AuthservID HOSTNAME");
	if (cf != NULL) {
		struct config *dflt = expect_good("");

		if (dflt != NULL)
			is_str(cf->authserv_id, dflt->authserv_id,
			    "AuthservID HOSTNAME is the default host name");
		ok(strcmp(cf->authserv_id, "HOSTNAME") != 0,
		    "HOSTNAME is not taken literally");
		config_unref(dflt);
	}
	config_unref(cf);

	expect_bad("Nameservers 192.0.2.1 nonsense", "Nameservers",
	    "bad name server 'nonsense' (expected ADDR[:PORT] or "
	    "[ADDR]:PORT)");
	expect_bad("Nameservers 999.1.1.1", "Nameservers",
	    "bad name server '999.1.1.1' (expected ADDR[:PORT] or "
	    "[ADDR]:PORT)");
	expect_bad("Nameservers ,, ,", "Nameservers",
	    "expected ADDR[:PORT] or [ADDR]:PORT, got ',, ,'");
	expect_bad("Nameservers 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 "
	    "192.0.2.5 192.0.2.6 192.0.2.7 192.0.2.8 192.0.2.9",
	    "Nameservers", "at most 8 name servers, got 9");
	cf = expect_good("Nameservers 192.0.2.1 192.0.2.2 192.0.2.3 "
	    "192.0.2.4 192.0.2.5 192.0.2.6 192.0.2.7 192.0.2.8");
	if (cf != NULL)
		is_int((long)cf->dns_opts.nservers, 8, "8 name servers fit");
	config_unref(cf);

#define TIMEOUT_MSG(v) "expected seconds, more than 0 and at most 60 " \
	"(e.g. 5 or 0.5), got '" v "'"
	expect_bad("DNSTimeout 0", "DNSTimeout", TIMEOUT_MSG("0"));
	expect_bad("DNSTimeout 0.0001", "DNSTimeout", TIMEOUT_MSG("0.0001"));
	expect_bad("DNSTimeout 60.001", "DNSTimeout", TIMEOUT_MSG("60.001"));
	expect_bad("DNSTimeout 61", "DNSTimeout", TIMEOUT_MSG("61"));
	expect_bad("DNSTimeout 5s", "DNSTimeout", TIMEOUT_MSG("5s"));
	expect_bad("DNSTimeout -1", "DNSTimeout", TIMEOUT_MSG("-1"));
	expect_bad("DNSTimeout .5", "DNSTimeout", TIMEOUT_MSG(".5"));
	expect_bad("DNSTimeout 5.", "DNSTimeout", TIMEOUT_MSG("5."));
	expect_bad("DNSTimeout 1e1", "DNSTimeout", TIMEOUT_MSG("1e1"));
	expect_bad("DNSTimeout 99999999999999999999", "DNSTimeout",
	    TIMEOUT_MSG("99999999999999999999"));
	cf = expect_good("DNSTimeout 60");
	if (cf != NULL)
		is_int(cf->dns_opts.timeout_ms, 60000, "DNSTimeout 60");
	config_unref(cf);
	cf = expect_good("DNSTimeout 0.001");
	if (cf != NULL)
		is_int(cf->dns_opts.timeout_ms, 1, "DNSTimeout 0.001");
	config_unref(cf);
	cf = expect_good("DNSTimeout 2.25");
	if (cf != NULL)
		is_int(cf->dns_opts.timeout_ms, 2250, "DNSTimeout 2.25");
	config_unref(cf);

	expect_bad("DNSTries 0", "DNSTries",
	    "expected a number from 1 to 10, got '0'");
	expect_bad("DNSTries 11", "DNSTries",
	    "expected a number from 1 to 10, got '11'");
	expect_bad("DNSTries two", "DNSTries",
	    "expected a number from 1 to 10, got 'two'");
	cf = expect_good("DNSTries 10");
	if (cf != NULL)
		is_int(cf->dns_opts.tries, 10, "DNSTries 10");
	config_unref(cf);

	expect_bad("DNSCacheSize 10000001", "DNSCacheSize",
	    "expected a number of entries from 0 to 10000000, "
	    "got '10000001'");
	expect_bad("DNSCacheSize -5", "DNSCacheSize",
	    "expected a number of entries from 0 to 10000000, got '-5'");
	expect_bad("DNSCacheSize 10k", "DNSCacheSize",
	    "expected a number of entries from 0 to 10000000, got '10k'");
	cf = expect_good("DNSCacheSize 10000000");
	if (cf != NULL)
		is_int((long)cf->dns_opts.cache_entries, 10000000,
		    "DNSCacheSize max");
	config_unref(cf);
	cf = expect_good("DNSTries 2");
	if (cf != NULL)
		ok(cf->dns_opts.cache_bytes == 16L << 20 &&
		    cf->dns_opts.fail_ttl == 30 && cf->dns_message_ms == 8000,
		    "default DNSCacheBytes 16M, DNSFailureTTL 30, "
		    "DNSMessageTimeout 8");
	config_unref(cf);
	cf = expect_good("DNSCacheBytes 64k");
	if (cf != NULL)
		is_int((long)cf->dns_opts.cache_bytes, 65536,
		    "DNSCacheBytes 64k");
	config_unref(cf);
	cf = expect_good("DNSCacheBytes 4G");
	if (cf != NULL)
		is_int((long)cf->dns_opts.cache_bytes, 4L << 30,
		    "DNSCacheBytes 4G");
	config_unref(cf);
	cf = expect_good("DNSCacheBytes 1000000");
	if (cf != NULL)
		is_int((long)cf->dns_opts.cache_bytes, 1000000,
		    "DNSCacheBytes in bytes");
	config_unref(cf);
	cf = expect_good("DNSFailureTTL 300");
	if (cf != NULL)
		is_int(cf->dns_opts.fail_ttl, 300, "DNSFailureTTL 300");
	config_unref(cf);
	cf = expect_good("DNSMessageTimeout 2.5");
	if (cf != NULL)
		is_int(cf->dns_message_ms, 2500, "DNSMessageTimeout 2.5");
	config_unref(cf);
	expect_bad("DNSMessageTimeout 0", "DNSMessageTimeout",
	    "expected seconds, more than 0 and at most 300 (e.g. 8 or 2.5), "
	    "got '0'");
	expect_bad("DNSMessageTimeout 301", "DNSMessageTimeout",
	    "expected seconds, more than 0 and at most 300 (e.g. 8 or 2.5), "
	    "got '301'");
	expect_bad("DNSFailureTTL 0", "DNSFailureTTL",
	    "expected seconds from 1 to 300, got '0'");
	expect_bad("DNSFailureTTL 301", "DNSFailureTTL",
	    "expected seconds from 1 to 300, got '301'");
	expect_bad("DNSCacheBytes 5G", "DNSCacheBytes",
	    "expected a size from 64K to 4G (bytes, or with K, M or G), "
	    "got '5G'");
	expect_bad("DNSCacheBytes 1000", "DNSCacheBytes",
	    "expected a size from 64K to 4G (bytes, or with K, M or G), "
	    "got '1000'");
	expect_bad("DNSCacheBytes 16MB", "DNSCacheBytes",
	    "expected a size from 64K to 4G (bytes, or with K, M or G), "
	    "got '16MB'");

	expect_errors("InternalHosts bad items",
	    "InternalHosts 127.0.0.1, 1.2.3.4/33 ::1/129 10.0.0.0/8 1.2.3\n",
	    "{F}:1: InternalHosts: bad address or CIDR '1.2.3.4/33'\n"
	    "{F}:1: InternalHosts: bad address or CIDR '::1/129'\n"
	    "{F}:1: InternalHosts: bad address or CIDR '1.2.3'\n");
	expect_bad("InternalHosts ,", "InternalHosts",
	    "expected addresses or CIDRs, got ','");
	expect_bad("SignDaemons , ,", "SignDaemons",
	    "expected daemon names, got ', ,'");

	expect_bad("SPF maybe", "SPF", "expected yes or no, got 'maybe'");
	expect_bad("DKIMVerify 2", "DKIMVerify", "expected yes or no, got '2'");
	expect_bad("DKIMSign yess", "DKIMSign",
	    "expected yes or no, got 'yess'");
	expect_bad("DMARC enforce", "DMARC",
	    "expected yes or no, got 'enforce'");
	expect_bad("Syslog stderr", "Syslog",
	    "expected yes or no, got 'stderr'");

	expect_bad("UserID auth milter", "UserID",
	    "expected USER or USER:GROUP, got 'auth milter'");
	expect_bad("UserID user:", "UserID",
	    "expected USER or USER:GROUP, got 'user:'");
	expect_bad("UserID :group", "UserID",
	    "expected USER or USER:GROUP, got ':group'");
	expect_bad("UserID a:b:c", "UserID",
	    "expected USER or USER:GROUP, got 'a:b:c'");
	expect_bad("UserID -root", "UserID",
	    "expected USER or USER:GROUP, got '-root'");
	cf = expect_good("UserID 110:120");
	if (cf != NULL)
		is_str(cf->user_id, "110:120", "numeric UserID");
	config_unref(cf);
	cf = expect_good("UserID authmilter");
	if (cf != NULL)
		is_str(cf->user_id, "authmilter", "user only");
	config_unref(cf);

	expect_bad("PidFile run/a.pid", "PidFile",
	    "expected an absolute file path, got 'run/a.pid'");
	expect_bad("PidFile /", "PidFile",
	    "expected an absolute file path, got '/'");

	expect_bad("SyslogFacility kern", "SyslogFacility",
	    "expected mail, daemon, user or local0 to local7, got 'kern'");
	cf = expect_good("SyslogFacility DAEMON");
	if (cf != NULL)
		is_int(cf->syslog_facility, LOG_DAEMON,
		    "SyslogFacility daemon");
	config_unref(cf);
	expect_bad("LogLevel verbose", "LogLevel",
	    "expected error, warning, notice, info or debug, got 'verbose'");
	cf = expect_good("LogLevel error");
	if (cf != NULL)
		is_int(cf->log_level, LOG_ERR, "LogLevel error");
	config_unref(cf);

#define UMASK_MSG(v) "expected an octal mask such as 007 or 027, got '" v "'"
	expect_bad("UMask 008", "UMask", UMASK_MSG("008"));
	expect_bad("UMask 1777", "UMask", UMASK_MSG("1777"));
	expect_bad("UMask 00077", "UMask", UMASK_MSG("00077"));
	expect_bad("UMask 0x1f", "UMask", UMASK_MSG("0x1f"));
	expect_bad("UMask -7", "UMask", UMASK_MSG("-7"));
	cf = expect_good("UMask 0");
	if (cf != NULL)
		is_int(cf->umask, 0, "UMask 0");
	config_unref(cf);
	cf = expect_good("UMask 0777");
	if (cf != NULL)
		is_int(cf->umask, 0777, "UMask 0777");
	config_unref(cf);
}

/* test_errors - unknown, repeated, missing; many at once, in order */
static void
test_errors(void)
{
	struct strbuf err;
	struct config *cf;

	expect_errors("unknown keyword", "Sokcet inet:8891@127.0.0.1\n",
	    "{F}:1: Sokcet: unknown keyword 'Sokcet'\n");
	expect_errors("OpenDKIM keyword we do not have", "Mode sv\n",
	    "{F}:1: Mode: unknown keyword 'Mode'\n");
	expect_errors("missing value", "# c\nSocket   \t\n",
	    "{F}:2: Socket: missing value\n");
	expect_errors("repeated keyword (any case)",
	    "SPF yes\nLogLevel info\nspf no\n",
	    "{F}:3: SPF: repeated keyword (first on line 1)\n");
	expect_errors("every error reported",
	    "Socket tcp:1\n"
	    "# comment\n"
	    "Sokcet unix:/x\n"
	    "DNSTries 0\n"
	    "SPF\n"
	    "DNSTries 3\n"
	    "LogLevel info\n"
	    "UMask 9\n",
	    "{F}:1: Socket: expected inet:PORT@ADDR, inet6:PORT@ADDR, "
	    "unix:PATH or local:PATH, got 'tcp:1'\n"
	    "{F}:3: Sokcet: unknown keyword 'Sokcet'\n"
	    "{F}:4: DNSTries: expected a number from 1 to 10, got '0'\n"
	    "{F}:5: SPF: missing value\n"
	    "{F}:6: DNSTries: repeated keyword (first on line 4)\n"
	    "{F}:8: UMask: expected an octal mask such as 007 or 027, "
	    "got '9'\n");

	sb_init(&err);
	cf = config_load("/nonexistent/authmilter.conf", &err);
	ok(cf == NULL, "missing config file refused");
	is_str(err.s, "/nonexistent/authmilter.conf: cannot open: "
	    "No such file or directory\n", "missing file error text");
	sb_free(&err);
	cf = config_load("/nonexistent/authmilter.conf", NULL);
	ok(cf == NULL, "NULL error buffer tolerated");
}

/* test_domains - table errors propagate; relative path from conf dir */
static void
test_domains(void)
{
	struct strbuf err, text, want;
	struct config *cf;
	char *dom, *path;

	dom = write_named("domains-bad",
	    "example.com spf=maybe\n"
	    "example.com spf-fial=no\n");
	cf = load("LogLevel info\nDomains domains-bad\nUMask 8\n", &err,
	    &path);
	ok(cf == NULL, "bad Domains table fails the config");
	sb_init(&want);
	sb_printf(&want,
	    "%s:3: UMask: expected an octal mask such as 007 or 027, "
	    "got '8'\n"
	    "%s:1: spf: expected yes or no, got 'maybe'\n"
	    "%s:2: duplicate pattern 'example.com' (first on line 1)\n"
	    "%s:2: unknown option 'spf-fial'\n", path, dom, dom, dom);
	is_str(err.s, want.s, "config errors, then the table's (read after "
	    "the file, relative path resolved): all reported");
	sb_free(&want);
	sb_free(&err);
	unlink(path);
	free(path);
	unlink(dom);
	free(dom);

	cf = load("Domains /nonexistent/domains\n", &err, NULL);
	ok(cf == NULL, "missing table fails the config");
	is_str(err.s, "/nonexistent/domains: cannot open: No such file or "
	    "directory\n", "missing table error text");
	sb_free(&err);

	dom = write_named("domains-ok", "* spf=no\n");
	sb_init(&text);
	sb_printf(&text, "Domains domains-ok\n");
	cf = load(text.s, &err, NULL);
	ok(cf != NULL, "relative Domains found beside the config");
	if (cf != NULL) {
		is_str(cf->domains_path, dom, "relative path resolved");
		config_unref(cf);
	}
	sb_free(&err);
	sb_free(&text);
	unlink(dom);
	free(dom);
}

static struct config *shared_cf;

/* hammer - take and drop references many times */
static void *
hammer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 100000; i++) {
		config_ref(shared_cf);
		config_unref(shared_cf);
	}
	return NULL;
}

/* test_refs - references across threads; last unref frees */
static void
test_refs(void)
{
	pthread_t th[4];
	int i;

	shared_cf = expect_good("");
	if (shared_cf == NULL)
		return;
	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, hammer, NULL);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	is_int(atomic_load(&shared_cf->refs), 1,
	    "refs back to 1 after 400000 ref/unref pairs in 4 threads");
	config_ref(shared_cf);
	is_int(atomic_load(&shared_cf->refs), 2, "config_ref adds one");
	config_unref(shared_cf);
	is_int(atomic_load(&shared_cf->refs), 1, "config_unref drops one");
	config_unref(shared_cf);	/* freed: ASan would see a leak else */
	config_unref(NULL);
	ok(1, "config_unref(NULL) is harmless");
}

/* test_dkim_keywords - the DKIM keywords, their defaults and bad values */
static void
test_dkim_keywords(void)
{
	struct config *cf;

	cf = expect_good("# nothing\n");
	if (cf != NULL) {
		is_int(cf->dkim_verify_opts.max_sigs, 5,
		    "default MaximumSignaturesToVerify 5");
		is_int(cf->dkim_verify_opts.min_key_bits, 1024,
		    "default MinimumKeyBits 1024");
		is_int(cf->dkim_sign_opts.header_canon, SIGN_CANON_RELAXED,
		    "default header canonicalization relaxed");
		is_int(cf->dkim_sign_opts.body_canon, SIGN_CANON_RELAXED,
		    "default body canonicalization relaxed");
		ok(cf->dkim_sign_opts.sign_headers == NULL,
		    "default SignHeaders: the signer's built-in list");
		ok(cf->dkim_sign_opts.oversign_headers == NULL,
		    "default OversignHeaders: the signer's built-in From");
		is_int(cf->dkim_sign_opts.ttl, 0, "default SignatureTTL 0");
		is_int(cf->require_safe_keys, 1, "default RequireSafeKeys yes");
		config_unref(cf);
	}
	cf = expect_good("MaximumSignaturesToVerify 12\nMinimumKeyBits 2048\n"
	    "Canonicalization simple/relaxed\nSignHeaders From,To Subject\n"
	    "OversignHeaders From, Subject\nSignatureTTL 86400\n"
	    "RequireSafeKeys no\n");
	if (cf != NULL) {
		is_int(cf->dkim_verify_opts.max_sigs, 12,
		    "MaximumSignaturesToVerify 12");
		is_int(cf->dkim_verify_opts.min_key_bits, 2048,
		    "MinimumKeyBits 2048");
		is_int(cf->dkim_sign_opts.header_canon, SIGN_CANON_SIMPLE,
		    "Canonicalization simple/...");
		is_int(cf->dkim_sign_opts.body_canon, SIGN_CANON_RELAXED,
		    "Canonicalization .../relaxed");
		ok(cf->dkim_sign_opts.sign_headers != NULL &&
		    strcmp(cf->dkim_sign_opts.sign_headers[0], "From") == 0 &&
		    strcmp(cf->dkim_sign_opts.sign_headers[2], "Subject") == 0 &&
		    cf->dkim_sign_opts.sign_headers[3] == NULL,
		    "SignHeaders list, commas and blanks");
		ok(cf->dkim_sign_opts.oversign_headers != NULL &&
		    strcmp(cf->dkim_sign_opts.oversign_headers[1], "Subject")
		    == 0, "OversignHeaders list");
		is_int(cf->dkim_sign_opts.ttl, 86400, "SignatureTTL 86400");
		is_int(cf->require_safe_keys, 0, "RequireSafeKeys no");
		config_unref(cf);
	}
	cf = expect_good("Canonicalization relaxed\n");
	if (cf != NULL) {
		is_int(cf->dkim_sign_opts.body_canon, SIGN_CANON_SIMPLE,
		    "Canonicalization with one word: the body is simple");
		config_unref(cf);
	}
	cf = expect_good("OversignHeaders none\n");
	if (cf != NULL) {
		ok(cf->dkim_sign_opts.oversign_headers != NULL &&
		    cf->dkim_sign_opts.oversign_headers[0] == NULL,
		    "OversignHeaders none: an empty list");
		config_unref(cf);
	}
	expect_bad("MaximumSignaturesToVerify 0", "MaximumSignaturesToVerify",
	    "expected a number from 1 to 50, got '0'");
	expect_bad("MinimumKeyBits lots", "MinimumKeyBits",
	    "expected a number of bits up to 16384, got 'lots'");
	expect_bad("Canonicalization relaxed/loose", "Canonicalization",
	    "expected relaxed or simple, as HEADER/BODY (e.g. relaxed/simple), "
	    "got 'relaxed/loose'");
	expect_bad("SignHeaders From:", "SignHeaders",
	    "'From:' is not a header name");
	expect_bad("SignatureTTL -1", "SignatureTTL",
	    "expected seconds (0 for no x=), got '-1'");
	expect_bad("RequireSafeKeys perhaps", "RequireSafeKeys",
	    "expected yes or no, got 'perhaps'");
}

/* test_sign_keys - DKIMSign loads every key of the table at load */
static void
test_sign_keys(void)
{
	struct strbuf conf, lines;
	char *key, *table;

	key = write_named("unsafe.pem", "-----BEGIN PRIVATE KEY-----\n"
	    "garbage\n-----END PRIVATE KEY-----\n");
	chmod(key, 0644);
	sb_init(&conf);
	sb_printf(&conf, "example.com sign=sel:%s\n", key);
	table = write_named("keys.tbl", conf.s);
	sb_truncate(&conf, 0);
	sb_printf(&conf, "Domains %s\n", table);
	sb_init(&lines);
	sb_printf(&lines, "%s:1: sign: ", table);
	{
		struct strbuf err;
		struct config *cf = load(conf.s, &err, NULL);

		ok(cf == NULL, "a table naming a bad key is refused");
		ok(strncmp(err.s, lines.s, lines.len) == 0 &&
		    strstr(err.s, key) != NULL,
		    "the error names the table line and the key file");
		config_unref(cf);
		sb_free(&err);
	}
	sb_truncate(&conf, 0);
	sb_printf(&conf, "Domains %s\nDKIMSign no\n", table);
	{
		struct strbuf err;
		struct config *cf = load(conf.s, &err, NULL);

		ok(cf != NULL, "with DKIMSign no the keys are not loaded");
		config_unref(cf);
		sb_free(&err);
	}
	sb_free(&conf);
	sb_free(&lines);
	unlink(key);
	unlink(table);
	free(key);
	free(table);
}

/* test_report_keywords - DMARCReports and Report*: values and refusals */
static void
test_report_keywords(void)
{
	struct config *cf;

	cf = expect_good("DMARCReports yes\n"
	    "ReportStore postgresql://am@db.example/reports\n"
	    "ReportSpool /var/spool/am.jsonl\nReportQueueSize 16\n"
	    "ReportKeepDays 90\nReportOrgName Example Mail\n"
	    "ReportEmail dmarc-noreply@example.com\n"
	    "ReportSkip a.example b.example\nReportMaxMails 5\n"
	    "ReportSendmail /usr/lib/sendmail -oi\n");
	if (cf != NULL) {
		ok(cf->report.enabled, "DMARCReports yes");
		is_str(cf->report.store, "postgresql://am@db.example/reports",
		    "ReportStore");
		is_str(cf->report.spool, "/var/spool/am.jsonl", "ReportSpool");
		ok(cf->report.queue_rows == 16, "ReportQueueSize");
		ok(cf->report.keep_days == 90, "ReportKeepDays");
		ok(cf->report.max_mails == 5, "ReportMaxMails");
	}
	config_unref(cf);
	expect_bad("ReportStore /var/lib/r.db", "ReportStore",
	    "expected sqlite:/ABSOLUTE/PATH or postgresql://..., "
	    "got '/var/lib/r.db'");
	expect_bad("ReportSpool spool.jsonl", "ReportSpool",
	    "expected an absolute file path, got 'spool.jsonl'");
	expect_bad("ReportQueueSize 15", "ReportQueueSize",
	    "expected a number from 16 to 1000000, got '15'");
	expect_bad("ReportKeepDays 1", "ReportKeepDays",
	    "expected a number from 2 to 3650, got '1'");
	expect_bad("ReportMaxMails 0", "ReportMaxMails",
	    "expected a number from 1 to 1000000, got '0'");
	expect_bad("ReportEmail nobody", "ReportEmail",
	    "expected an address LOCAL@DOMAIN, got 'nobody'");
	expect_bad("ReportSendmail sendmail -i", "ReportSendmail",
	    "expected an absolute command path, then arguments, "
	    "got 'sendmail -i'");
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_defaults();
	test_all_keywords();
	test_syntax();
	test_socket();
	test_bad_values();
	test_errors();
	test_domains();
	test_refs();
	test_dkim_keywords();
	test_sign_keys();
	test_report_keywords();
	rmdir(tmpdir);
	return tap_done();
}
