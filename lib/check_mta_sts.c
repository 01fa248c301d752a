/*
 * check_mta_sts.c - RFC 8461: the _mta-sts record, the policy fetched
 * over HTTPS with libcurl, and the real MX set matched against it
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "util.h"
#include "check.h"
#include "check_tls.h"
#include "check_tls_int.h"

#define CHECK_STS_ID_MAX	32	/* RFC 8461 3.1: 1*32(ALPHA / DIGIT) */
#define CHECK_STS_ADDRS_MAX	8	/* addresses of mta-sts.DOMAIN pinned */

/* name_len - length of a name without its one final dot */
static size_t
name_len(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

/* check_mta_sts_match - RFC 8461 4.1: does host match the mx pattern */
int
check_mta_sts_match(const char *pattern, const char *host)
{
	size_t plen = name_len(pattern), hlen = name_len(host), label;
	const char *dot;

	if (plen == 0 || hlen == 0)
		return 0;
	if (plen > 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* "*" is exactly one label: the host's first, not empty */
		if ((dot = memchr(host, '.', hlen)) == NULL)
			return 0;
		label = (size_t)(dot - host);
		if (label == 0 || hlen - label - 1 != plen - 2)
			return 0;
		return strncasecmp(dot + 1, pattern + 2, plen - 2) == 0;
	}
	return plen == hlen && strncasecmp(pattern, host, plen) == 0;
}

/* pattern_ok - a host name, or "*." and a host name (letters, digits, -) */
static int
pattern_ok(const char *p)
{
	size_t label = 0;

	if (p[0] == '*' && p[1] == '.')
		p += 2;
	if (*p == '\0' || *p == '.')
		return 0;
	for (; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 && p[1] != '\0')
				return 0;
			label = 0;
		} else if (ascii_isalnum(*p) || *p == '-' || *p == '_') {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return 1;
}

/* policy_field - one "key: value" line of the policy into area */
static void
policy_field(json_t *area, const char *key, const char *value,
    size_t lineno, unsigned *seen)
{
	static const char *const keys[] = { "version", "mode", "max_age" };
	json_t *mx;
	char *end;
	long long age;
	size_t k;

	if (strcmp(key, "mx") == 0) {
		mx = json_object_get(area, "mx");
		json_array_append_new(mx, json_string(value));
		if (!pattern_ok(value))
			check_finding(area, CHECK_WARNING, "write a host name, "
			    "or *. and a host name", "MTA-STS: policy line "
			    "%zu: \"%s\" is not an mx pattern", lineno, value);
		return;
	}
	for (k = 0; k < ARRAY_SIZE(keys) && strcmp(key, keys[k]) != 0; k++)
		;
	if (k == ARRAY_SIZE(keys))
		return;		/* an extension (RFC 8461 3.2): ignored */
	if (*seen & (1u << k)) {
		check_finding(area, CHECK_WARNING, "keep one such line",
		    "MTA-STS: policy line %zu: a second \"%s\" (the first "
		    "is used)", lineno, key);
		return;
	}
	*seen |= 1u << k;
	if (strcmp(key, "max_age") != 0) {
		json_object_set_new(area, key, json_string(value));
		return;
	}
	age = -1;
	if (*value != '\0' && strlen(value) <= 10 &&
	    strspn(value, "0123456789") == strlen(value))
		age = strtoll(value, &end, 10);
	if (age < 0) {
		check_finding(area, CHECK_CRITICAL, "write max_age as a number "
		    "of seconds", "MTA-STS: policy line %zu: max_age \"%s\" "
		    "is not a number of at most 10 digits", lineno, value);
		return;
	}
	json_object_set_new(area, key, json_integer(age));
	if (age > CHECK_STS_MAX_AGE_MAX)
		check_finding(area, CHECK_CRITICAL, "use at most 31557600 "
		    "(one year)", "MTA-STS: max_age %lld is over %d, the "
		    "most RFC 8461 3.2 allows", age, CHECK_STS_MAX_AGE_MAX);
	else if (age < CHECK_STS_MAX_AGE_MIN)
		check_finding(area, CHECK_WARNING, "use weeks (e.g. 604800) "
		    "or more, as RFC 8461 3.2 advises", "MTA-STS: max_age %lld "
		    "is under %d seconds: senders forget the policy within a "
		    "day", age, CHECK_STS_MAX_AGE_MIN);
}

/* check_mta_sts_policy - parse a policy body into area, with findings */
void
check_mta_sts_policy(json_t *area, const char *body, size_t len)
{
	const char *line = body, *end = body + len, *nl, *colon;
	struct strbuf key, value;
	const char *mode;
	size_t lineno = 0, n;
	unsigned seen = 0;

	json_object_set_new(area, "mx", json_array());
	if (json_object_get(area, "max_age") == NULL)
		json_object_set_new(area, "max_age", json_null());
	if (memchr(body, '\0', len) != NULL) {
		check_finding(area, CHECK_CRITICAL, NULL,
		    "MTA-STS: the policy holds a NUL byte");
		return;
	}
	sb_init(&key);
	sb_init(&value);
	for (; line < end; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		n = (size_t)(nl - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (n == 0)
			continue;
		if ((colon = memchr(line, ':', n)) == NULL ||
		    colon == line) {
			sb_truncate(&value, 0);
			check_put_shown(&value, line, n);
			check_finding(area, CHECK_CRITICAL, "write \"key: "
			    "value\" lines only", "MTA-STS: policy line %zu "
			    "is not \"key: value\": %s", lineno, value.s);
			continue;
		}
		sb_truncate(&key, 0);
		sb_put_printable(&key, line, (size_t)(colon - line));
		colon++;
		while (colon < line + n && (*colon == ' ' || *colon == '\t'))
			colon++;
		sb_truncate(&value, 0);
		sb_put_printable(&value, colon, (size_t)(line + n - colon));
		policy_field(area, key.s, value.s, lineno, &seen);
	}
	sb_free(&key);
	sb_free(&value);

	if (json_string_value(json_object_get(area, "version")) == NULL ||
	    strcmp(json_string_value(json_object_get(area, "version")),
	    "STSv1") != 0)
		check_finding(area, CHECK_CRITICAL, "begin the policy with "
		    "\"version: STSv1\"", "MTA-STS: the policy has no "
		    "\"version: STSv1\"");
	mode = json_string_value(json_object_get(area, "mode"));
	if (mode == NULL)
		check_finding(area, CHECK_CRITICAL, "add \"mode: testing\" or "
		    "\"mode: enforce\"", "MTA-STS: the policy has no mode");
	else if (strcmp(mode, "enforce") != 0 &&
	    strcmp(mode, "testing") != 0 && strcmp(mode, "none") != 0)
		check_finding(area, CHECK_CRITICAL, "use enforce, testing or "
		    "none", "MTA-STS: mode \"%s\" is not one RFC 8461 "
		    "defines", mode);
	if (!(seen & 4u))
		check_finding(area, CHECK_CRITICAL, "add \"max_age: 604800\" "
		    "or more", "MTA-STS: the policy has no max_age");
	if (json_array_size(json_object_get(area, "mx")) == 0 &&
	    (mode == NULL || strcmp(mode, "none") != 0))
		check_finding(area, CHECK_CRITICAL, "add an \"mx:\" line for "
		    "each MX host (or *.domain)", "MTA-STS: the policy has no "
		    "mx pattern: no MX host is covered");
}

/* sts_record - find and parse the one v=STSv1 record; 0 ok, -1 stop */
static int
sts_record(json_t *area, struct dns_client *dc, const char *domain)
{
	struct dns_reply *r;
	struct strbuf name, id;
	const char *rec = NULL, *p, *semi, *eq;
	size_t i, found = 0;
	int rc = -1;

	sb_init(&name);
	sb_printf(&name, "_mta-sts.%s", domain);
	r = dns_lookup(dc, name.s, DNS_T_TXT);
	if (r->status == DNS_TEMPFAIL) {
		check_finding(area, CHECK_UNKNOWN, NULL, "MTA-STS: the lookup "
		    "of %s TXT failed", name.s);
		goto out;
	}
	for (i = 0; r->status == DNS_DATA && i < r->count; i++)
		if (r->rr[i].type == DNS_T_TXT &&
		    strlen(r->rr[i].text) == r->rr[i].len &&
		    strncmp(r->rr[i].text, "v=STSv1;", 8) == 0) {
			found++;
			rec = r->rr[i].text;
		}
	if (found == 0) {
		json_object_set_new(area, "id", json_null());
		check_finding(area, CHECK_OK, "publish a policy (RFC 8461) "
		    "so that senders insist on TLS", "MTA-STS: %s has no "
		    "v=STSv1 record: no policy", name.s);
		goto out;
	}
	if (found > 1) {
		check_finding(area, CHECK_CRITICAL, "keep exactly one "
		    "v=STSv1 record", "MTA-STS: %s has %zu v=STSv1 records; "
		    "senders then assume no policy (RFC 8461 3.1)", name.s,
		    found);
		goto out;
	}
	json_object_set_new(area, "record", check_string(rec, strlen(rec)));
	sb_init(&id);
	for (p = rec + 8; *p != '\0'; p = *semi == ';' ? semi + 1 : semi) {
		if ((semi = strchr(p, ';')) == NULL)
			semi = p + strlen(p);
		while (p < semi && (*p == ' ' || *p == '\t'))
			p++;
		if (p == semi)
			continue;
		if ((eq = memchr(p, '=', (size_t)(semi - p))) == NULL) {
			sb_truncate(&id, 0);
			check_finding(area, CHECK_CRITICAL, "write "
			    "\"v=STSv1; id=20260101T000000;\"", "MTA-STS: "
			    "the record has a field without \"=\"");
			sb_free(&id);
			goto out;
		}
		if (eq - p == 2 && strncmp(p, "id", 2) == 0 &&
		    id.len == 0) {
			sb_append(&id, eq + 1, (size_t)(semi - eq - 1));
			while (id.len > 0 && (id.s[id.len - 1] == ' ' ||
			    id.s[id.len - 1] == '\t'))
				sb_truncate(&id, id.len - 1);
		}
	}
	for (i = 0; i < id.len && ascii_isalnum(id.s[i]); i++)
		;
	if (id.len == 0 || id.len > CHECK_STS_ID_MAX || i != id.len) {
		json_object_set_new(area, "id", json_null());
		check_finding(area, CHECK_CRITICAL, "add id= with 1 to 32 "
		    "letters and digits, changed with each new policy",
		    "MTA-STS: the record has no valid id (1 to %d letters "
		    "and digits); senders then assume no policy",
		    CHECK_STS_ID_MAX);
		sb_free(&id);
		goto out;
	}
	json_object_set_new(area, "id", json_string(id.s));
	sb_free(&id);
	rc = 0;
out:
	dns_reply_free(r);
	sb_free(&name);
	return rc;
}

struct fetch {
	struct strbuf	body;
	int		too_big;
};

/* fetch_write - libcurl's write callback: keep at most the cap */
static size_t
fetch_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t n = size * nmemb;

	if (f->body.len + n > CHECK_STS_POLICY_MAX) {
		f->too_big = 1;
		return 0;	/* aborts the transfer: CURLE_WRITE_ERROR */
	}
	sb_append(&f->body, data, n);
	return n;
}

/* fetch_policy - GET the policy; 0 with the body in f, or -1 */
static int
fetch_policy(json_t *area, struct dns_client *dc, const char *domain,
    const struct check_tls_opts *opts, struct fetch *f)
{
	struct dns_rr addrs[CHECK_STS_ADDRS_MAX];
	char errbuf[CURL_ERROR_SIZE], astr[INET6_ADDRSTRLEN];
	struct strbuf host, url, pin;
	struct curl_slist *resolve = NULL;
	const char *ctype, *redirect;
	long status = 0;
	size_t i, n, tlen;
	CURLcode rc;
	CURL *curl;
	int ret = -1;

	sb_init(&host);
	sb_init(&url);
	sb_init(&pin);
	sb_printf(&host, "mta-sts.%s", domain);
	if (opts->https_port == 443)
		sb_printf(&url, "https://%s/.well-known/mta-sts.txt", host.s);
	else
		sb_printf(&url, "https://%s:%d/.well-known/mta-sts.txt",
		    host.s, opts->https_port);
	json_object_set_new(area, "url", json_string(url.s));
	if ((n = check_addrs(dc, host.s, addrs, CHECK_STS_ADDRS_MAX)) == 0) {
		check_finding(area, CHECK_CRITICAL, "publish an address for "
		    "the policy host", "MTA-STS: %s has no address: the "
		    "policy cannot be fetched", host.s);
		goto out;
	}
	/* curl must not ask the system resolver: pin our answers */
	sb_printf(&pin, "%s:%d:", host.s, opts->https_port);
	for (i = 0; i < n; i++) {
		inet_ntop(addrs[i].family, addrs[i].addr, astr, sizeof(astr));
		sb_printf(&pin, addrs[i].family == AF_INET6 ? "%s[%s]" :
		    "%s%s", i > 0 ? "," : "", astr);
	}
	resolve = curl_slist_append(NULL, pin.s);
	if (resolve == NULL || (curl = curl_easy_init()) == NULL) {
		check_finding(area, CHECK_UNKNOWN, NULL,
		    "MTA-STS: cannot start libcurl");
		goto out;
	}
	errbuf[0] = '\0';
	curl_easy_setopt(curl, CURLOPT_URL, url.s);
	curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(curl, CURLOPT_PROXY, "");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (opts->ca_file != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, opts->ca_file);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)opts->timeout);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)CHECK_STS_POLICY_MAX);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "authmilter-check");
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fetch_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 0)
		json_object_set_new(area, "http_status", json_integer(status));
	if (f->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		check_finding(area, CHECK_CRITICAL, "keep the policy small",
		    "MTA-STS: the policy at %s is over %d bytes; the fetch "
		    "was stopped there (RFC 8461 3.3: 64 KB)", url.s,
		    CHECK_STS_POLICY_MAX);
		goto cleanup;
	}
	if (rc == CURLE_SSL_CACERT_BADFILE) {
		check_finding(area, CHECK_UNKNOWN, NULL, "MTA-STS: cannot "
		    "load the CA certificates from %s", opts->ca_file != NULL ?
		    opts->ca_file : "the system store");
		goto cleanup;
	}
	if (rc != CURLE_OK) {
		check_finding(area, CHECK_CRITICAL, rc ==
		    CURLE_PEER_FAILED_VERIFICATION ? "serve a certificate for "
		    "the policy host from a CA senders trust" : NULL,
		    "MTA-STS: fetching %s failed: %s", url.s,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
		goto cleanup;
	}
	if (status >= 300 && status < 400) {
		redirect = NULL;
		curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &redirect);
		check_finding(area, CHECK_CRITICAL, "serve the policy at "
		    "that URL itself", "MTA-STS: %s answers %ld, a redirect "
		    "to %s; senders must not follow it (RFC 8461 3.3)",
		    url.s, status, redirect != NULL ? redirect : "nowhere");
		goto cleanup;
	}
	if (status != 200) {
		check_finding(area, CHECK_CRITICAL, "serve the policy with "
		    "status 200", "MTA-STS: %s answers HTTP %ld", url.s,
		    status);
		goto cleanup;
	}
	ctype = NULL;
	curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ctype);
	json_object_set_new(area, "content_type", ctype != NULL ?
	    json_string(ctype) : json_null());
	tlen = ctype != NULL ? strcspn(ctype, "; \t") : 0;
	if (ctype == NULL || tlen != 10 ||
	    strncasecmp(ctype, "text/plain", 10) != 0) {
		check_finding(area, CHECK_CRITICAL, "serve the policy as "
		    "text/plain", "MTA-STS: %s is served as %s, not "
		    "text/plain (RFC 8461 3.2)", url.s, ctype != NULL ?
		    ctype : "no Content-Type");
		goto cleanup;
	}
	ret = 0;
cleanup:
	curl_easy_cleanup(curl);
out:
	curl_slist_free_all(resolve);
	sb_free(&host);
	sb_free(&url);
	sb_free(&pin);
	return ret;
}

/* mx_names - every MX host of domain (not only those check_mx() probed) */
static json_t *
mx_names(struct dns_client *dc, const char *domain)
{
	struct check_mx_host *hosts;
	json_t *names;
	ssize_t n, i;

	if ((n = check_mx_set(dc, domain, &hosts, 0, NULL)) < 0)
		return NULL;
	names = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(names, json_string(hosts[i].name));
	check_mx_set_free(hosts, (size_t)n);
	return names;
}

/* mx_cert_faults - under a policy, MX hosts whose TLS senders refuse */
static void
mx_cert_faults(json_t *area, json_t *report, enum check_sev sev,
    const char *mode)
{
	json_t *mx, *cert;
	const char *host;
	size_t i;

	json_array_foreach(json_object_get(report, "mx"), i, mx) {
		host = json_string_value(json_object_get(mx, "host"));
		cert = json_object_get(mx, "cert");
		if (json_is_false(json_object_get(mx, "starttls")))
			check_finding(area, sev, "turn STARTTLS on",
			    "MTA-STS: mode %s, but %s offers no STARTTLS: "
			    "senders honouring the policy will not deliver "
			    "to it", mode, host);
		else if (cert != NULL &&
		    (!json_is_true(json_object_get(cert, "verified")) ||
		    !json_is_true(json_object_get(cert, "name_match"))))
			check_finding(area, sev, "install a certificate for "
			    "the MX name from a CA senders trust", "MTA-STS: "
			    "mode %s, but %s's certificate %s: senders "
			    "honouring the policy will not deliver to it",
			    mode, host, !json_is_true(json_object_get(cert,
			    "verified")) ? "does not verify" :
			    "does not name it");
	}
}

/* match_mx - which MX hosts the patterns cover and which not, with findings */
static void
match_mx(json_t *area, json_t *report, struct dns_client *dc,
    const char *domain)
{
	json_t *names, *uncovered = json_array(), *covered_mx = json_array();
	json_t *host, *pat;
	const char *mode = json_string_value(json_object_get(area, "mode"));
	enum check_sev sev;
	size_t i, j;
	int covered;

	json_object_set_new(area, "uncovered_mx", uncovered);
	json_object_set_new(area, "covered_mx", covered_mx);
	if ((names = mx_names(dc, domain)) == NULL) {
		check_finding(area, CHECK_UNKNOWN, NULL, "MTA-STS: the MX "
		    "set of %s is not known: the mx patterns are not "
		    "checked", domain);
		return;
	}
	json_array_foreach(names, i, host) {
		covered = 0;
		json_array_foreach(json_object_get(area, "mx"), j, pat)
			if (check_mta_sts_match(json_string_value(pat),
			    json_string_value(host)))
				covered = 1;
		json_array_append(covered ? covered_mx : uncovered, host);
	}
	if (mode == NULL || strcmp(mode, "none") == 0) {
		json_decref(names);
		return;
	}
	sev = strcmp(mode, "enforce") == 0 ? CHECK_CRITICAL : CHECK_WARNING;
	json_array_foreach(uncovered, i, host)
		check_finding(area, sev, "add an mx line for it to the policy "
		    "(and change the record's id)", "MTA-STS: MX %s is not "
		    "covered by any mx pattern of the policy (mode %s): %s",
		    json_string_value(host), mode, sev == CHECK_CRITICAL ?
		    "senders honouring it will not deliver there" :
		    "senders report the failure, and would refuse under "
		    "enforce");
	if (json_array_size(uncovered) == 0 && json_array_size(names) > 0)
		check_finding(area, CHECK_OK, NULL, "MTA-STS: mode %s; the "
		    "policy covers every MX host (%zu)", mode,
		    json_array_size(names));
	mx_cert_faults(area, report, sev, mode);
	json_decref(names);
}

/* check_mta_sts - RFC 8461 for domain; fills report["mta_sts"] */
void
check_mta_sts(json_t *report, struct dns_client *dc, const char *domain,
    const struct check_tls_opts *opts)
{
	json_t *area = json_object();
	struct fetch f;

	json_object_set_new(report, "mta_sts", area);
	json_object_set_new(area, "id", json_null());
	json_object_set_new(area, "mode", json_null());
	json_object_set_new(area, "max_age", json_null());
	json_object_set_new(area, "mx", json_array());
	json_object_set_new(area, "uncovered_mx", json_array());
	json_object_set_new(area, "covered_mx", json_array());
	if (sts_record(area, dc, domain) < 0)
		return;
	if (opts->ca_file != NULL && access(opts->ca_file, R_OK) != 0) {
		check_finding(area, CHECK_UNKNOWN, NULL, "MTA-STS: cannot "
		    "read the CA certificates in %s", opts->ca_file);
		return;
	}
	sb_init(&f.body);
	f.too_big = 0;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (fetch_policy(area, dc, domain, opts, &f) == 0) {
		check_mta_sts_policy(area, f.body.s, f.body.len);
		match_mx(area, report, dc, domain);
	}
	curl_global_cleanup();
	sb_free(&f.body);
}
