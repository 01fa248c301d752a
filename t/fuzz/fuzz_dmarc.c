/*
 * fuzz_dmarc - libFuzzer target for the DMARC record parser (no DNS)
 *
 * The input is parsed as a TXT record as it came from DNS, and again
 * behind "v=DMARC1; " so that the fuzzer reaches the tags at once.
 * Besides the sanitizers, it checks the promises of lib/dmarc.h and
 * aborts when one breaks: the return is -1, 0 or 1; on 1 p is set and
 * every field is in range, rua/ruf/fo are printable; on 0 and -1 the
 * record holds nothing; -1 always says why; err is printable ASCII.
 * Built and run by t/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "dns.h"
#include "stub_dns.h"	/* no DNS: a lookup aborts */
#include "dmarc.h"

#define FUZZ_MAX	65536

/* printable - only printable ASCII in s? */
static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* check_record - parse one record and check what a parse promises */
static void
check_record(const char *txt, size_t len)
{
	struct dmarc_record rec;
	struct strbuf err;
	int rc;

	sb_init(&err);
	rc = dmarc_parse_record(txt, len, &rec, &err);
	if (rc != -1 && rc != 0 && rc != 1)
		abort();
	if (!printable(err.s) || strlen(err.s) != err.len)
		abort();
	if (rc == 1) {
		if (rec.p < DMARC_POLICY_NONE || rec.p > DMARC_POLICY_REJECT ||
		    rec.sp > DMARC_POLICY_REJECT ||
		    rec.np > DMARC_POLICY_REJECT ||
		    rec.adkim > DMARC_ALIGN_STRICT ||
		    rec.aspf > DMARC_ALIGN_STRICT ||
		    rec.psd > DMARC_PSD_NO ||
		    (rec.testing != 0 && rec.testing != 1))
			abort();
		if ((rec.rua != NULL && !printable(rec.rua)) ||
		    (rec.ruf != NULL && !printable(rec.ruf)) ||
		    (rec.fo != NULL && !printable(rec.fo)))
			abort();
	} else {
		if (rec.p != DMARC_POLICY_UNSET || rec.rua != NULL ||
		    rec.ruf != NULL || rec.fo != NULL)
			abort();
		if (rc == -1 && err.len == 0)
			abort();	/* every error says why */
	}
	dmarc_record_clear(&rec);
	sb_free(&err);

	/* the same without err: the same answer */
	if (dmarc_parse_record(txt, len, &rec, NULL) != rc)
		abort();
	dmarc_record_clear(&rec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf sb;

	if (size > FUZZ_MAX)
		return 0;
	check_record((const char *)data, size);
	sb_init(&sb);
	sb_puts(&sb, "v=DMARC1; ");
	sb_append(&sb, (const char *)data, size);
	check_record(sb.s, sb.len);
	sb_free(&sb);
	return 0;
}
