/*
 * check_tls.c - MX STARTTLS and MTA-STS checks (not built yet: the
 * functions add an UNKNOWN finding saying so)
 */
#include "check.h"
#include "check_tls.h"

/* check_tls_opts_init - the defaults authmilter-check(8) names */
void
check_tls_opts_init(struct check_tls_opts *opts)
{
	opts->ca_file = NULL;
	opts->warn_days = 21;
	opts->crit_days = 7;
	opts->timeout = 10;
	opts->smtp_port = 25;
	opts->https_port = 443;
}

void
check_mx(json_t *report, struct dns_client *dc, const char *domain,
    const struct check_tls_opts *opts)
{
	json_t *mx = json_array();

	(void)dc, (void)domain, (void)opts;
	json_object_set_new(report, "mx", mx);
	check_finding(report, CHECK_UNKNOWN, NULL,
	    "MX STARTTLS checks are not built yet");
}

void
check_mta_sts(json_t *report, struct dns_client *dc, const char *domain,
    const struct check_tls_opts *opts)
{
	(void)dc, (void)domain, (void)opts;
	json_object_set_new(report, "mta_sts", json_object());
	check_finding(json_object_get(report, "mta_sts"), CHECK_UNKNOWN,
	    NULL, "MTA-STS checks are not built yet");
}
