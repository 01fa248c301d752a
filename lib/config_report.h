/*
 * NAME
 *	config_report - the DMARC report keywords of authmilter.conf
 * SYNOPSIS
 *	#include "config_report.h"
 *
 *	void config_report_defaults(struct report_config *rc);
 *	void config_report_finish(struct report_config *rc,
 *	         const char *authserv_id);
 *	void config_report_free(struct report_config *rc);
 * DESCRIPTION
 *	struct report_config is the part of struct config that the report
 *	writer (report_queue) and authmilter-report read; the keywords are
 *	parsed by config_report.c through config.c's parser and described
 *	in authmilter.conf(5).  config_report_defaults() sets every scalar
 *	default, config_report_finish() the ones that depend on other
 *	keywords once the file is read (ReportOrgName defaults to
 *	AuthservID), config_report_free() releases what it holds.
 */
#ifndef AUTHMILTER_CONFIG_REPORT_H
#define AUTHMILTER_CONFIG_REPORT_H

#define REPORT_DEFAULT_STORE	"sqlite:/var/lib/authmilter/reports.db"
#define REPORT_DEFAULT_SPOOL	"/var/lib/authmilter/report-spool.jsonl"
#define REPORT_DEFAULT_SENDMAIL	"/usr/sbin/sendmail"
#define REPORT_DEFAULT_QUEUE	10000	/* rows */
#define REPORT_DEFAULT_KEEP	30	/* days */
#define REPORT_DEFAULT_MAILS	1000	/* per run of authmilter-report */

struct report_config {
	int	  enabled;	/* DMARCReports, default no */
	char	 *store;	/* ReportStore, a store URL */
	char	 *spool;	/* ReportSpool: rows the store could not take */
	unsigned  queue_rows;	/* ReportQueueSize */
	unsigned  keep_days;	/* ReportKeepDays */
	char	 *org_name;	/* ReportOrgName, default AuthservID */
	char	 *email;	/* ReportEmail, NULL: not set */
	char	 *contact_info;	/* ReportContactInfo, NULL: none */
	char	**skip;		/* ReportSkip, NULL-terminated, lowercase */
	unsigned  max_mails;	/* ReportMaxMails */
	char	**sendmail;	/* ReportSendmail: the command and its
				   arguments, NULL-terminated */
};

void	config_report_defaults(struct report_config *);
void	config_report_finish(struct report_config *, const char *);
void	config_report_free(struct report_config *);

#endif
