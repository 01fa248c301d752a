/*
 * migrate_opendmarc.c - authmilter-migrate: an OpenDMARC configuration
 * into authmilter.conf settings and dmarc= entries of the domains
 * table.  Read after the OpenDKIM configuration: where both set the
 * same thing (Socket, UserID, AuthservID), OpenDKIM's is kept, since
 * authmilter takes OpenDKIM's place in the MTA and owns its keys.  The
 * contract is in migrate.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "util.h"
#include "cidr.h"
#include "migrate.h"

#define DEFAULT_INTERNAL	"127.0.0.1, ::1"	/* InternalHosts */

/* shared - a keyword both milters have: OpenDKIM's value is kept */
static void
shared(struct migrate *m, const struct mig_setting *s, const char *kw,
    const char *value)
{
	const struct mig_out_line *o = mig_get(m, kw);

	if (o == NULL) {
		mig_set(m, kw, value, s);
		return;
	}
	if (strcmp(o->value, value) == 0)
		return;
	if (strcasecmp(kw, "Socket") == 0)
		mig_warn(m, s->file, s->line, s->keyword, "authmilter is one "
		    "milter on one socket, OpenDKIM's (%s): remove %s from "
		    "the MTA's milter list (Postfix: smtpd_milters)",
		    o->value, value);
	else
		mig_warn(m, s->file, s->line, s->keyword, "'%s' differs from "
		    "OpenDKIM's '%s' (%s), which is kept: authmilter is one "
		    "process with one %s", value, o->value, o->from ?
		    o->from : "its default", kw);
}

/* internal - an address or prefix inside the InternalHosts */
static int
internal(const struct migrate *m, const struct cidr *c)
{
	const struct mig_out_line *o = mig_get(m, "InternalHosts");
	char *list = xstrdup(o ? o->value : DEFAULT_INTERNAL), *item, *next;
	struct cidr ic;
	int found = 0;

	for (item = list; item != NULL && !found; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		item = str_trim(item);
		if (cidr_parse(item, &ic) == 0 && ic.family == c->family &&
		    ic.bits <= c->bits && cidr_match(&ic, c->family, c->addr))
			found = 1;
	}
	free(list);
	return found;
}

/* ignore_hosts - IgnoreHosts: internal ones need nothing, others are
 * TrustedForwarders */
static void
ignore_hosts(struct migrate *m, const struct mig_setting *s)
{
	struct mig_setting f = *s;
	struct mig_dataset ds;
	struct strbuf fw, v;
	struct cidr c;
	const char *item;
	size_t i;

	sb_init(&v);
	sb_printf(&v, "file:%s", s->value);
	f.value = v.s;
	if (mig_dataset(m, &f, NULL, &ds) == -1) {
		sb_free(&v);
		return;
	}
	sb_init(&fw);
	for (i = 0; i < ds.n; i++) {
		item = ds.v[i].key;
		if (strcasecmp(item, "localhost") == 0)
			item = "127.0.0.1";
		if (cidr_parse(item, &c) == 0 && internal(m, &c))
			continue;
		if (fw.len > 0)
			sb_puts(&fw, ", ");
		sb_puts(&fw, item);
	}
	if (fw.len > 0) {
		mig_set(m, "TrustedForwarders", fw.s, s);
		mig_warn(m, s->file, s->line, s->keyword, "%s: carried over "
		    "as TrustedForwarders, with another meaning: their mail "
		    "is checked and the results recorded, but a DMARC "
		    "failure is not acted on (OpenDMARC did not look at "
		    "it at all); a host that sends your own outbound mail "
		    "belongs in InternalHosts instead", fw.s);
	}
	sb_free(&fw);
	sb_free(&v);
	mig_dataset_free(&ds);
}

/* ignore_mail_from - IgnoreMailFrom: From domains only recorded */
static void
ignore_mail_from(struct migrate *m, const struct mig_setting *s)
{
	struct mig_dataset ds;
	struct mig_setting f = *s;
	struct strbuf v;
	struct mig_entry *e;
	size_t i;

	sb_init(&v);
	sb_printf(&v, "csl:%s", s->value);
	f.value = v.s;
	mig_dataset(m, &f, NULL, &ds);
	for (i = 0; i < ds.n; i++) {
		e = mig_entry(m, ds.v[i].key, s->file, s->line);
		e->dmarc = "monitor";
	}
	if (ds.n > 0)
		mig_warn(m, s->file, s->line, s->keyword, "carried over as "
		    "dmarc=monitor in the table, with another meaning: mail "
		    "from %s is still checked and its DMARC result recorded, "
		    "never acted on", s->value);
	mig_dataset_free(&ds);
	sb_free(&v);
}

/* reject_failures - RejectFailures: act on policies, or only record */
static void
reject_failures(struct migrate *m, const struct mig_conf *c,
    const struct mig_setting *s)
{
	const struct mig_setting *hold = mig_conf_get(c,
	    "HoldQuarantinedMessages");
	struct mig_entry *e;
	int v = 0, h = 0;

	if (s != NULL && mig_bool(m, s, &v) == -1)
		return;
	if (v) {
		mig_set(m, "RejectFailures", "yes", s);
		mig_set(m, "TemporaryFailures", "yes", s);
		return;
	}
	e = mig_entry(m, "*", s ? s->file : c->path, s ? s->line : 0);
	e->dmarc = "monitor";
	if (s == NULL)
		mig_warn(m, c->path, 0, "RejectFailures", "not set, so "
		    "OpenDMARC only recorded DMARC failures: the table's * "
		    "entry has dmarc=monitor to do the same; remove it to "
		    "carry out the domains' policies");
	if (hold != NULL && mig_bool(m, hold, &h) == 0 && h)
		mig_warn(m, hold->file, hold->line, hold->keyword, "with "
		    "RejectFailures off, OpenDMARC still held p=quarantine "
		    "failures; authmilter's dmarc=monitor holds nothing: "
		    "set dmarc=no-reject on the * entry to hold both "
		    "p=quarantine and p=reject failures");
}

/* settings OpenDMARC has and authmilter does without, and why */
static const struct {
	const char	*keyword;
	const char	*say;
} dmarc_dropped[] = {
	{ "PublicSuffixList", "authmilter finds the organizational domain "
	    "by the DNS tree walk of RFC 9989, without a public suffix "
	    "list: not needed" },
	{ "TrustedAuthservIDs", "authmilter checks SPF and DKIM itself and "
	    "trusts no Authentication-Results header it did not write: not "
	    "needed" },
	{ "FailureReports", "authmilter sends no DMARC failure reports, "
	    "only aggregate ones (DMARCReports): not carried over" },
	{ "FailureReportsBcc", "authmilter sends no DMARC failure reports: "
	    "not carried over" },
	{ "FailureReportsOnNone", "authmilter sends no DMARC failure "
	    "reports: not carried over" },
	{ "FailureReportsSentBy", "authmilter sends no DMARC failure "
	    "reports: not carried over" },
	{ "CopyFailuresTo", "authmilter adds no recipients: not carried "
	    "over" },
	{ "ReportCommand", "authmilter sends no failure reports; "
	    "aggregate reports go through ReportSendmail" },
	{ "RecordAllMessages", "authmilter records every inbound message "
	    "it evaluates for DMARC (DMARCReports): not needed" },
	{ "RejectString", "authmilter's 550 reply names the domain and its "
	    "policy in a fixed text: not carried over" },
	{ "SoftwareHeader", "authmilter adds no header naming itself: not "
	    "carried over" },
	{ "Background", "run authmilter under systemd (or with -f): not "
	    "needed" },
	{ "AutoRestart", "let systemd restart authmilter (Restart=): not "
	    "carried over" },
	{ "ChangeRootDirectory", "authmilter does not chroot itself: use "
	    "the systemd unit's sandboxing" },
};

/* spf_setting - SPFIgnoreResults, SPFSelfValidate: always so here */
static void
spf_setting(struct migrate *m, const struct mig_setting *s)
{
	int v;

	if (mig_bool(m, s, &v) == 0 && !v)
		mig_warn(m, s->file, s->line, s->keyword, "authmilter always "
		    "checks SPF itself and never reads SPF results from "
		    "the message's headers: carried over as if true");
}

/* dmarc_setting - one OpenDMARC setting */
static void
dmarc_setting(struct migrate *m, const struct mig_setting *s)
{
	const char *k = s->keyword;
	size_t i;
	int v;

	if (strcasecmp(k, "RejectFailures") == 0)
		return;		/* reject_failures() */
	if (strcasecmp(k, "AuthservID") == 0)
		shared(m, s, "AuthservID", s->value);
	else if (strcasecmp(k, "Socket") == 0)
		shared(m, s, "Socket", s->value);
	else if (strcasecmp(k, "UserID") == 0)
		shared(m, s, "UserID", s->value);
	else if (strcasecmp(k, "PidFile") == 0)
		shared(m, s, "PidFile", s->value);
	else if (strcasecmp(k, "UMask") == 0)
		shared(m, s, "UMask", s->value);
	else if (strcasecmp(k, "SyslogFacility") == 0)
		shared(m, s, "SyslogFacility", s->value);
	else if (strcasecmp(k, "Syslog") == 0) {
		if (mig_bool(m, s, &v) == 0)
			shared(m, s, "Syslog", v ? "yes" : "no");
	} else if (strcasecmp(k, "HoldQuarantinedMessages") == 0 ||
	    strcasecmp(k, "RejectMultiValueFrom") == 0) {
		if (mig_bool(m, s, &v) == 0)
			mig_set(m, strcasecmp(k, "HoldQuarantinedMessages") ?
			    "RejectMultiValueFrom" : "HoldQuarantinedMessages",
			    v ? "yes" : "no", s);
	} else if (strcasecmp(k, "IgnoreHosts") == 0)
		ignore_hosts(m, s);
	else if (strcasecmp(k, "IgnoreMailFrom") == 0)
		ignore_mail_from(m, s);
	else if (strcasecmp(k, "IgnoreAuthenticatedClients") == 0) {
		if (mig_bool(m, s, &v) == 0 && !v)
			mig_warn(m, s->file, s->line, k, "authmilter never "
			    "checks mail from authenticated clients: it is "
			    "outbound, and signed");
	} else if (strcasecmp(k, "SPFIgnoreResults") == 0 ||
	    strcasecmp(k, "SPFSelfValidate") == 0)
		spf_setting(m, s);
	else if (strcasecmp(k, "RequiredHeaders") == 0) {
		if (mig_bool(m, s, &v) == -1)
			return;
		mig_set(m, "BadFromAction", v ? "reject" : "accept", s);
		if (v)
			mig_warn(m, s->file, s->line, k, "carried over as "
			    "BadFromAction reject: a message without a usable "
			    "From is refused, but the counts of the other "
			    "header fields (Date, Subject, ...) are not "
			    "checked");
	} else if (strcasecmp(k, "HistoryFile") == 0) {
		mig_set(m, "DMARCReports", "yes", s);
		mig_warn(m, s->file, s->line, k, "carried over as DMARCReports "
		    "yes: the history goes to the report store (ReportStore, "
		    "by default sqlite:/var/lib/authmilter/reports.db), not "
		    "to %s; authmilter-report(8) sends the aggregate reports "
		    "in place of opendmarc-importstats and "
		    "opendmarc-reports: set ReportEmail and ReportOrgName",
		    s->value);
	} else {
		for (i = 0; i < sizeof(dmarc_dropped) /
		    sizeof(*dmarc_dropped); i++)
			if (strcasecmp(k, dmarc_dropped[i].keyword) == 0) {
				mig_warn(m, s->file, s->line, k, "%s",
				    dmarc_dropped[i].say);
				return;
			}
		mig_warn(m, s->file, s->line, k, "authmilter has no such "
		    "setting: not carried over (see authmilter.conf(5))");
	}
}

/* migrate_opendmarc - every setting of an OpenDMARC configuration */
void
migrate_opendmarc(struct migrate *m, const struct mig_conf *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		dmarc_setting(m, &c->v[i]);
	reject_failures(m, c, mig_conf_get(c, "RejectFailures"));
}
