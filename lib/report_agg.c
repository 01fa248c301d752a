/*
 * report_agg.c - the tables of imported reports (see report_agg.h)
 */
#include <stddef.h>

#include "util.h"
#include "store.h"
#include "report_agg.h"

#define TXT	" TEXT NOT NULL DEFAULT ''"
#define NUM	" BIGINT NOT NULL DEFAULT 0"

static const char *const schema[] = {
	"CREATE TABLE IF NOT EXISTS agg_report (submitter" TXT
	", report_id" TXT ", email" TXT ", domain" TXT ", begin_t" NUM
	", end_t" NUM ", p" TXT ", sp" TXT ", np" TXT ", adkim" TXT
	", aspf" TXT ", testing" TXT ", imported" NUM ", origin" TXT
	", PRIMARY KEY (submitter, report_id))",
	"CREATE INDEX IF NOT EXISTS agg_report_domain ON agg_report "
	"(domain, end_t)",
	"CREATE TABLE IF NOT EXISTS agg_record (submitter" TXT
	", report_id" TXT ", source_ip" TXT ", count" NUM
	", disposition" TXT ", dkim_eval" TXT ", spf_eval" TXT
	", reasons" TXT ", header_from" TXT ", envelope_from" TXT
	", envelope_to" TXT ", dkim" TXT ", spf" TXT ")",
	"CREATE INDEX IF NOT EXISTS agg_record_report ON agg_record "
	"(submitter, report_id)",
	"CREATE TABLE IF NOT EXISTS tls_report (submitter" TXT
	", report_id" TXT ", contact" TXT ", begin_t" NUM ", end_t" NUM
	", imported" NUM ", origin" TXT
	", PRIMARY KEY (submitter, report_id))",
	"CREATE TABLE IF NOT EXISTS tls_policy (submitter" TXT
	", report_id" TXT ", policy_domain" TXT ", policy_type" TXT
	", success" NUM ", failure" NUM ")",
	"CREATE TABLE IF NOT EXISTS tls_failure (submitter" TXT
	", report_id" TXT ", policy_domain" TXT ", result_type" TXT
	", sending_mta_ip" TXT ", receiving_mx" TXT ", failed" NUM ")",
	"CREATE INDEX IF NOT EXISTS tls_failure_report ON tls_failure "
	"(submitter, report_id)",
};

/* report_agg_schema - every table and index above, when missing */
int
report_agg_schema(struct store *st, struct strbuf *err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(schema); i++)
		if (store_exec(st, schema[i], NULL, 0, NULL, NULL, err) == -1)
			return -1;
	return 0;
}
