/*
 * fuzz_report - libFuzzer target for reading an imported report: the
 * input is unpacked (gzip, zip) and read as a DMARC aggregate report
 * (XML) or a TLS report (JSON), as its content says, or taken apart as
 * a mail whose report attachments are read the same way; the raw input
 * is also given to both parsers directly, so the fuzzer reaches each
 * without finding the other's first byte.
 *
 * Besides the sanitizers, it checks the promises of report_parse.h,
 * report_tlsrpt.h and report_unpack.h and aborts when one breaks: a
 * parse returns 0 or -1; the head callback comes once, before every
 * record, and each record streamed has its required fields; on 0 the
 * head was given, the required fields are non-empty and
 * the date range passes the limits; on -1 err says why and the report
 * holds nothing; unpacking never gives more than REPORT_UNPACK_MAX_OUT
 * bytes.  Built and run by t/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "report_unpack.h"
#include "report_parse.h"
#include "report_tlsrpt.h"
#include "report_mime.h"

#define FUZZ_NOW	1800000000	/* a fixed "now": 2027-01-15 */

/* check - abort when a promise is broken */
static void
check(int ok)
{
	if (!ok)
		abort();
}

/* on_record - report_dmarc_cb record: check one record as it comes */
static int
on_record(void *arg, const struct agg_report *r, const struct agg_record *c,
    struct strbuf *err)
{
	(void)err;
	/* the head came first, and was complete */
	check(*(int *)arg == 1 && *r->submitter && *r->report_id &&
	    *r->domain);
	check(*c->source_ip && c->count >= 0 && c->dkim != NULL &&
	    c->spf != NULL);
	return 0;
}

/* on_head - report_dmarc_cb head: called once, before any record */
static int
on_head(void *arg, const struct agg_report *r, struct strbuf *err)
{
	(void)err;
	check(*(int *)arg == 0 && r->nrec == 0);
	*(int *)arg = 1;
	return 0;
}

/* read_dmarc - parse as a DMARC report and check the result */
static void
read_dmarc(const char *p, size_t len)
{
	struct agg_report r;
	struct strbuf err;
	int heads = 0, rc;
	struct report_dmarc_cb cb = { on_head, on_record, &heads };

	sb_init(&err);
	rc = report_parse_dmarc(p, len, FUZZ_NOW, &r, &cb, &err);
	check(rc == 0 || rc == -1);
	if (rc == 0) {
		check(*r.submitter && *r.report_id && *r.domain);
		check(r.begin_t <= r.end_t && r.begin_t >= REPORT_MIN_TIME &&
		    r.end_t - r.begin_t <= REPORT_MAX_RANGE &&
		    r.end_t <= FUZZ_NOW + REPORT_MAX_FUTURE);
		check(heads == 1 && err.len == 0);
		report_agg_free(&r);
	} else
		check(err.len > 0 && r.submitter == NULL && r.nrec == 0);
	sb_free(&err);
}

/* read_tls - parse as a TLS report and check the result */
static void
read_tls(const char *p, size_t len)
{
	struct tls_report r;
	struct strbuf err;
	int rc;

	sb_init(&err);
	rc = report_parse_tls(p, len, FUZZ_NOW, &r, &err);
	check(rc == 0 || rc == -1);
	if (rc == 0) {
		check(*r.submitter && *r.report_id);
		check(r.begin_t <= r.end_t && r.begin_t >= REPORT_MIN_TIME);
		report_tls_free(&r);
	} else
		check(err.len > 0 && r.submitter == NULL && r.npol == 0);
	sb_free(&err);
}

static void read_any(const char *, size_t, int);

/* on_part - report_part_fn: an attachment, read as a report */
static void
on_part(void *arg, const struct report_part *rp)
{
	(void)arg;
	if (rp->data == NULL)
		check(rp->error != NULL);
	else
		read_any(rp->data, rp->len, 0);
}

/* read_any - unpack, then read as the content says */
static void
read_any(const char *p, size_t len, int mail_ok)
{
	struct strbuf out, err;

	sb_init(&out);
	sb_init(&err);
	if (report_unpack((const unsigned char *)p, len, &out, &err) == 0) {
		check(out.len <= (size_t)REPORT_UNPACK_MAX_OUT);
		switch (report_sniff(out.s, out.len)) {
		case REPORT_KIND_XML:
			read_dmarc(out.s, out.len);
			break;
		case REPORT_KIND_JSON:
			read_tls(out.s, out.len);
			break;
		default:
			if (mail_ok)
				(void)report_mime_mail(out.s, out.len,
				    on_part, NULL, &err);
		}
	} else
		check(err.len > 0 && out.len == 0);
	sb_free(&out);
	sb_free(&err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_any((const char *)data, size, 1);
	read_dmarc((const char *)data, size);
	read_tls((const char *)data, size);
	return 0;
}
