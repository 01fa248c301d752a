/*
 * config_report.c - the DMARC report keywords: DMARCReports and Report*
 *
 * Each setter validates its value and stores it in cf->report, or says
 * what it expected through conf_error(); config.c finds these setters in
 * config_report_keywords[] after its own table.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "config.h"
#include "config_int.h"
#include "config_report.h"

#define TEXT_MAX	256	/* ReportOrgName, ReportContactInfo */
#define LOCAL_MAX	64	/* the local part of ReportEmail */

/* set_reports - DMARCReports */
static int
set_reports(struct parse_ctx *pc, struct config *cf, const char *value)
{
	return parse_bool_value(pc, value, &cf->report.enabled);
}

/* set_store - ReportStore: sqlite:/ABSOLUTE/PATH or postgresql://... */
static int
set_store(struct parse_ctx *pc, struct config *cf, const char *value)
{
	if ((strncmp(value, "sqlite:", 7) == 0 && value[7] == '/' &&
	    value[8] != '\0') || strncmp(value, "postgresql://", 13) == 0 ||
	    strncmp(value, "postgres://", 11) == 0) {
		free(cf->report.store);
		cf->report.store = xstrdup(value);
		return 0;
	}
	conf_error(pc, "expected sqlite:/ABSOLUTE/PATH or postgresql://..., "
	    "got '%s'", value);
	return -1;
}

/* set_path - an absolute file path into *slot */
static int
set_path(struct parse_ctx *pc, char **slot, const char *value)
{
	if (value[0] != '/' || value[1] == '\0') {
		conf_error(pc, "expected an absolute file path, got '%s'",
		    value);
		return -1;
	}
	free(*slot);
	*slot = xstrdup(value);
	return 0;
}

/* set_spool - ReportSpool */
static int
set_spool(struct parse_ctx *pc, struct config *cf, const char *value)
{
	return set_path(pc, &cf->report.spool, value);
}

/* set_number - a number from min to max into *out */
static int
set_number(struct parse_ctx *pc, const char *value, unsigned long min,
    unsigned long max, unsigned *out)
{
	unsigned long v;

	if (parse_uint(value, max, &v) == -1 || v < min) {
		conf_error(pc, "expected a number from %lu to %lu, got '%s'",
		    min, max, value);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* set_queue - ReportQueueSize: rows waiting for the writer */
static int
set_queue(struct parse_ctx *pc, struct config *cf, const char *value)
{
	return set_number(pc, value, 16, 1000000, &cf->report.queue_rows);
}

/* set_keep - ReportKeepDays */
static int
set_keep(struct parse_ctx *pc, struct config *cf, const char *value)
{
	return set_number(pc, value, 2, 3650, &cf->report.keep_days);
}

/* set_max_mails - ReportMaxMails: report mails per run */
static int
set_max_mails(struct parse_ctx *pc, struct config *cf, const char *value)
{
	return set_number(pc, value, 1, 1000000, &cf->report.max_mails);
}

/* set_text - printable ASCII text of at most TEXT_MAX bytes */
static int
set_text(struct parse_ctx *pc, char **slot, const char *value)
{
	const char *p;

	for (p = value; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			break;
	if (*p != '\0' || p - value > TEXT_MAX) {
		conf_error(pc, "expected printable ASCII text of at most %d "
		    "bytes", TEXT_MAX);
		return -1;
	}
	free(*slot);
	*slot = xstrdup(value);
	return 0;
}

/* set_org_name - ReportOrgName */
static int
set_org_name(struct parse_ctx *pc, struct config *cf, const char *value)
{
	return set_text(pc, &cf->report.org_name, value);
}

/* set_contact_info - ReportContactInfo */
static int
set_contact_info(struct parse_ctx *pc, struct config *cf,
    const char *value)
{
	return set_text(pc, &cf->report.contact_info, value);
}

/* email_valid - LOCAL@DOMAIN, a dot-atom local part and a host name */
static int
email_valid(const char *s)
{
	const char *at = strrchr(s, '@'), *p;

	if (at == NULL || at == s || at - s > LOCAL_MAX ||
	    !hostname_valid(at + 1) || s[0] == '.' || at[-1] == '.')
		return 0;
	for (p = s; p < at; p++)
		if (!(ascii_isalnum((unsigned char)*p) ||
		    strchr("!#$%&'*+-/=?^_`{|}~.", *p) != NULL) ||
		    (*p == '.' && p[1] == '.'))
			return 0;
	return 1;
}

/* set_email - ReportEmail: the From and envelope sender of reports */
static int
set_email(struct parse_ctx *pc, struct config *cf, const char *value)
{
	if (!email_valid(value)) {
		conf_error(pc, "expected an address LOCAL@DOMAIN, got '%s'",
		    value);
		return -1;
	}
	free(cf->report.email);
	cf->report.email = xstrdup(value);
	str_lower(strrchr(cf->report.email, '@'));
	return 0;
}

/* set_skip - ReportSkip: domains never sent a report */
static int
set_skip(struct parse_ctx *pc, struct config *cf, const char *value)
{
	char **v;
	size_t i, n;

	v = split_list(value, &n);
	for (i = 0; i < n; i++) {
		if (!hostname_valid(v[i])) {
			conf_error(pc, "'%s' is not a domain name", v[i]);
			free_list(v);
			return -1;
		}
		str_lower(v[i]);
	}
	free_list(cf->report.skip);
	cf->report.skip = v;
	return 0;
}

/* set_sendmail - ReportSendmail: an absolute command path and arguments */
static int
set_sendmail(struct parse_ctx *pc, struct config *cf, const char *value)
{
	char **v;
	size_t n;

	v = split_list(value, &n);
	if (n == 0 || v[0][0] != '/') {
		conf_error(pc, "expected an absolute command path, then "
		    "arguments, got '%s'", value);
		free_list(v);
		return -1;
	}
	free_list(cf->report.sendmail);
	cf->report.sendmail = v;
	return 0;
}

const struct config_keyword config_report_keywords[] = {
	{ "DMARCReports", set_reports },
	{ "ReportStore", set_store },
	{ "ReportSpool", set_spool },
	{ "ReportQueueSize", set_queue },
	{ "ReportKeepDays", set_keep },
	{ "ReportOrgName", set_org_name },
	{ "ReportEmail", set_email },
	{ "ReportContactInfo", set_contact_info },
	{ "ReportSkip", set_skip },
	{ "ReportMaxMails", set_max_mails },
	{ "ReportSendmail", set_sendmail },
};
const size_t config_report_nkeywords = ARRAY_SIZE(config_report_keywords);

/* config_report_defaults - every default that needs no other keyword */
void
config_report_defaults(struct report_config *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->store = xstrdup(REPORT_DEFAULT_STORE);
	rc->spool = xstrdup(REPORT_DEFAULT_SPOOL);
	rc->queue_rows = REPORT_DEFAULT_QUEUE;
	rc->keep_days = REPORT_DEFAULT_KEEP;
	rc->max_mails = REPORT_DEFAULT_MAILS;
}

/* config_report_finish - defaults taken from other keywords */
void
config_report_finish(struct report_config *rc, const char *authserv_id)
{
	size_t n;

	if (rc->org_name == NULL)
		rc->org_name = xstrdup(authserv_id);
	if (rc->skip == NULL)
		rc->skip = xcalloc(1, sizeof(*rc->skip));
	if (rc->sendmail == NULL)
		rc->sendmail = split_list(REPORT_DEFAULT_SENDMAIL, &n);
}

/* config_report_free - release what the report settings hold */
void
config_report_free(struct report_config *rc)
{
	free(rc->store);
	free(rc->spool);
	free(rc->org_name);
	free(rc->email);
	free(rc->contact_info);
	free_list(rc->skip);
	free_list(rc->sendmail);
	memset(rc, 0, sizeof(*rc));
}
