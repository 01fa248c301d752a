/*
 * report_tlsrpt.c - a TLS report read with jansson (see report_tlsrpt.h)
 */
#define _XOPEN_SOURCE 700	/* strptime */
#define _DEFAULT_SOURCE		/* timegm */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "util.h"
#include "report_parse.h"
#include "report_tlsrpt.h"

/* str - member key of o as a checked copy ("" when absent); NULL+err */
static char *
str(json_t *o, const char *key, int required, int lower,
    struct strbuf *err)
{
	json_t *v = json_object_get(o, key);
	char *s;

	if (v == NULL || json_is_null(v)) {
		if (required) {
			sb_printf(err, "no %s", key);
			return NULL;
		}
		return xstrdup("");
	}
	if (!json_is_string(v)) {
		sb_printf(err, "%s is not a string", key);
		return NULL;
	}
	if (report_check_text(key, json_string_value(v), err) == -1)
		return NULL;
	s = xstrdup(json_string_value(v));
	if (required && *s == '\0') {
		sb_printf(err, "%s is empty", key);
		free(s);
		return NULL;
	}
	if (lower)
		str_lower(s);
	return s;
}

/* count - member key of o, a non-negative integer; -1 with err */
static int
count(json_t *o, const char *key, int64_t *v, struct strbuf *err)
{
	json_t *j = json_object_get(o, key);

	if (j == NULL) {
		sb_printf(err, "no %s", key);
		return -1;
	}
	if (!json_is_integer(j) || json_integer_value(j) < 0) {
		sb_printf(err, "%s is not a count", key);
		return -1;
	}
	*v = (int64_t)json_integer_value(j);
	return 0;
}

/* datetime - an RFC 3339 date-time as unix time; -1 with err */
static int
datetime(json_t *o, const char *key, int64_t *t, struct strbuf *err)
{
	json_t *j = json_object_get(o, key);
	const char *s, *p;
	struct tm tm;
	long off = 0;
	int hh, mm;

	if (j == NULL || !json_is_string(j)) {
		sb_printf(err, "no date-range/%s", key);
		return -1;
	}
	s = json_string_value(j);
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		goto bad;
	if (*p == '.')
		for (p++; ascii_isdigit(*p); p++)
			;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if ((*p == '+' || *p == '-') && ascii_isdigit(p[1]) &&
	    ascii_isdigit(p[2]) && p[3] == ':' && ascii_isdigit(p[4]) &&
	    ascii_isdigit(p[5])) {
		hh = (p[1] - '0') * 10 + p[2] - '0';
		mm = (p[4] - '0') * 10 + p[5] - '0';
		off = (hh * 60L + mm) * 60L * (*p == '-' ? -1 : 1);
		p += 6;
	} else
		goto bad;
	if (*p != '\0')
		goto bad;
	*t = (int64_t)timegm(&tm) - off;
	return 0;
bad:
	sb_printf(err, "date-range/%s is not an RFC 3339 date-time", key);
	return -1;
}

/* read_failure - one failure-details[] entry */
static int
read_failure(json_t *o, struct tls_failure *f, struct strbuf *err)
{
	if (!json_is_object(o)) {
		sb_puts(err, "a failure-details entry is not an object");
		return -1;
	}
	if ((f->result_type = str(o, "result-type", 1, 1, err)) == NULL ||
	    (f->sending_mta_ip = str(o, "sending-mta-ip", 0, 1,
	    err)) == NULL ||
	    (f->receiving_mx = str(o, "receiving-mx-hostname", 0, 1,
	    err)) == NULL ||
	    count(o, "failed-session-count", &f->failed, err) == -1)
		return -1;
	return 0;
}

/* read_policy - one policies[] entry and its failure details */
static int
read_policy(json_t *o, struct tls_policy *p, size_t *rows,
    struct strbuf *err)
{
	json_t *pol, *sum, *fd, *v;
	size_t i;

	pol = json_object_get(o, "policy");
	sum = json_object_get(o, "summary");
	if (!json_is_object(o) || !json_is_object(pol) ||
	    !json_is_object(sum)) {
		sb_puts(err, "a policies entry lacks policy or summary");
		return -1;
	}
	if ((p->policy_type = str(pol, "policy-type", 1, 1, err)) == NULL ||
	    (p->policy_domain = str(pol, "policy-domain", 1, 1,
	    err)) == NULL ||
	    count(sum, "total-successful-session-count", &p->success,
	    err) == -1 ||
	    count(sum, "total-failure-session-count", &p->failure, err) == -1)
		return -1;
	fd = json_object_get(o, "failure-details");
	if (fd == NULL)
		return 0;
	if (!json_is_array(fd)) {
		sb_puts(err, "failure-details is not an array");
		return -1;
	}
	if ((*rows += json_array_size(fd)) > REPORT_TLS_MAX_ROWS) {
		sb_printf(err, "more than %d policies and failure details",
		    REPORT_TLS_MAX_ROWS);
		return -1;
	}
	p->fail = xcalloc(json_array_size(fd) + 1, sizeof(*p->fail));
	json_array_foreach(fd, i, v) {
		p->nfail = i + 1;
		if (read_failure(v, &p->fail[i], err) == -1)
			return -1;
	}
	return 0;
}

/* report_parse_tls - one TLS report, read and checked */
int
report_parse_tls(const char *buf, size_t len, int64_t now,
    struct tls_report *r, struct strbuf *err)
{
	json_error_t je;
	json_t *root, *dr, *pols, *v;
	size_t i, rows;

	memset(r, 0, sizeof(*r));
	if (len > (size_t)REPORT_XML_MAX_SIZE) {
		sb_printf(err, "JSON larger than %ld bytes",
		    (long)REPORT_XML_MAX_SIZE);
		return -1;
	}
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES,
	    &je)) == NULL) {
		sb_printf(err, "invalid JSON: line %d: ", je.line);
		sb_put_printable(err, je.text, 200);
		return -1;
	}
	if (!json_is_object(root)) {
		sb_puts(err, "not a TLS report: not a JSON object");
		goto fail;
	}
	dr = json_object_get(root, "date-range");
	if ((r->submitter = str(root, "organization-name", 1, 0,
	    err)) == NULL ||
	    (r->report_id = str(root, "report-id", 1, 0, err)) == NULL ||
	    (r->contact = str(root, "contact-info", 0, 0, err)) == NULL)
		goto fail;
	if (!json_is_object(dr)) {
		sb_puts(err, "no date-range");
		goto fail;
	}
	if (datetime(dr, "start-datetime", &r->begin_t, err) == -1 ||
	    datetime(dr, "end-datetime", &r->end_t, err) == -1 ||
	    report_check_range(r->begin_t, r->end_t, now, err) == -1)
		goto fail;
	pols = json_object_get(root, "policies");
	if (!json_is_array(pols)) {
		sb_puts(err, "no policies array");
		goto fail;
	}
	if ((rows = json_array_size(pols)) > REPORT_TLS_MAX_ROWS) {
		sb_printf(err, "more than %d policies and failure details",
		    REPORT_TLS_MAX_ROWS);
		goto fail;
	}
	r->pol = xcalloc(json_array_size(pols) + 1, sizeof(*r->pol));
	json_array_foreach(pols, i, v) {
		r->npol = i + 1;
		if (read_policy(v, &r->pol[i], &rows, err) == -1) {
			sb_printf(err, " (policy %zu)", i + 1);
			goto fail;
		}
	}
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	report_tls_free(r);
	return -1;
}

/* report_tls_free - what report_parse_tls() allocated */
void
report_tls_free(struct tls_report *r)
{
	size_t i, j;

	for (i = 0; i < r->npol; i++) {
		struct tls_policy *p = &r->pol[i];

		for (j = 0; j < p->nfail; j++) {
			free(p->fail[j].result_type);
			free(p->fail[j].sending_mta_ip);
			free(p->fail[j].receiving_mx);
		}
		free(p->fail);
		free(p->policy_domain);
		free(p->policy_type);
	}
	free(r->pol);
	free(r->submitter);
	free(r->report_id);
	free(r->contact);
	memset(r, 0, sizeof(*r));
}
