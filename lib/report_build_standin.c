/*
 * report_build_standin.c - TEMPORARY stand-in for report_build() on the
 * rep-send branch only, so that send can be tested before the real
 * lib/report_build.c lands on main; it is removed at that merge.  It
 * writes a tiny gzipped XML file, not an RFC 9990 report.
 */
#include <stdio.h>

#include <zlib.h>

#include "util.h"
#include "store.h"
#include "report_build.h"

/* count_row - the COUNT(*) of the period */
static int
count_row(void *arg, const struct store_val *v, size_t n)
{
	if (n > 0 && v[0].type == STORE_INT)
		*(uint64_t *)arg = (uint64_t)v[0].i;
	return 0;
}

/* report_build - stand-in: a tiny .xml.gz naming domain, ID, count */
int
report_build(struct store *st, const struct report_meta *m,
    const char *path, struct report_stats *stats, struct strbuf *err)
{
	struct store_val p[3];
	uint64_t count = 0;
	gzFile gz;

	p[0] = store_text(m->policy_domain);
	p[1] = store_int(m->begin);
	p[2] = store_int(m->end);
	if (store_exec(st, "SELECT COUNT(*) FROM dmarc_row WHERE "
	    "policy_domain = $1 AND t >= $2 AND t < $3", p, 3, count_row,
	    &count, err) == -1)
		return -1;
	if ((gz = gzopen(path, "wb")) == NULL) {
		sb_printf(err, "%s: cannot write", path);
		return -1;
	}
	gzprintf(gz, "<?xml version=\"1.0\"?>\n<feedback><report_metadata>"
	    "<report_id>%s</report_id></report_metadata><policy_published>"
	    "<domain>%s</domain></policy_published><count>%llu</count>"
	    "</feedback>\n", m->report_id, m->policy_domain,
	    (unsigned long long)count);
	if (gzclose(gz) != Z_OK) {
		sb_printf(err, "%s: write failed", path);
		return -1;
	}
	stats->records = count > 0;
	stats->messages = count;
	return 0;
}
