/*
 * report_send.c - authmilter-report send: the aggregate reports owed,
 * each built, mailed and marked sent exactly once
 *
 * authmilter-report send [-c FILE] [--day YYYY-MM-DD | --from T --to T]
 *                        [--dry-run DIR] [--domain D]
 *
 * For each period (a UTC day, or the one --from/--to names) and each
 * policy domain with history rows in it: the destinations are read
 * from the rua of the domain's latest row and checked (report_dest),
 * the report is claimed (report_claim), built (report_build), put in a
 * signed mail (report_mail) and handed to sendmail.  authmilter-report(8)
 * says what each outcome means.
 */
#include <sys/stat.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "config.h"
#include "dns.h"
#include "signkey.h"
#include "table.h"
#include "store.h"
#include "report_build.h"
#include "report_claim.h"
#include "report_dest.h"
#include "report_mail.h"
#include "report_cmd.h"

#define DAY		86400
#define SIGN_KEYS_MAX	16	/* keys of ReportEmail's domain used */

struct send {
	const struct config	*cf;
	struct store		*st;
	struct dns_client	*dc;
	const char		*dry_run;	/* DIR, or NULL */
	const char		*only;		/* --domain, or NULL */
	const char		*submitter;	/* the receiver's domain */
	char			 host[REPORT_HOST_MAX + 1];
	char			 tmpdir[64];
	struct signkey		*keys[SIGN_KEYS_MAX];
	size_t			 nkeys;
	int64_t			 now;
	unsigned		 mails;		/* handed over this run */
	unsigned		 waiting;	/* left for the next run */
	int			 failed;
};

/* say - one line about the run on stderr */
static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list ap;

	fputs("authmilter-report: send: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* when - a period's bounds for the log: a date, or date and time */
static const char *
when(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, t % DAY == 0 ? "%Y-%m-%d" :
	    "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* shaped - s has the shape of tmpl: 'd' a digit, anything else itself */
static int
shaped(const char *s, const char *tmpl)
{
	for (; *tmpl != '\0'; s++, tmpl++)
		if (*tmpl == 'd' ? !ascii_isdigit((unsigned char)*s) :
		    *s != *tmpl)
			return 0;
	return *s == '\0';
}

/* parse_time - YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or unix seconds */
static int
parse_time(const char *s, int64_t *out)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	time_t back;

	if (*s != '\0' && strlen(s) <= 12 &&
	    strspn(s, "0123456789") == strlen(s)) {
		*out = (int64_t)strtoll(s, NULL, 10);
		return 0;
	}
	if (!(shaped(s, "dddd-dd-dd") && sscanf(s, "%d-%d-%d", &y, &mo,
	    &d) == 3) && !(shaped(s, "dddd-dd-ddTdd:dd:ddZ") &&
	    sscanf(s, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &sec) == 6))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	back = timegm(&tm);
	*out = (int64_t)back;
	gmtime_r(&back, &tm);
	return tm.tm_mday == d ? 0 : -1;	/* no 31 February */
}

/* got_text - collect the first column of each row into a list */
static int
got_text(void *arg, const struct store_val *v, size_t n)
{
	struct strbuf *list = arg;

	if (n > 0 && v[0].type == STORE_TEXT && v[0].s != NULL) {
		sb_puts(list, v[0].s);
		sb_putc(list, '\n');
	}
	return 0;
}

/* domains - the policy domains with rows in [begin, end), "\n" after each */
static int
domains(struct send *s, int64_t begin, int64_t end, struct strbuf *list,
    struct strbuf *err)
{
	struct store_val p[3];

	p[0] = store_int(begin);
	p[1] = store_int(end);
	p[2] = store_text(s->only != NULL ? s->only : "");
	return store_exec(s->st, "SELECT DISTINCT policy_domain FROM "
	    "dmarc_row WHERE t >= $1 AND t < $2 AND policy_domain <> '' AND "
	    "($3 = '' OR policy_domain = $3) ORDER BY policy_domain", p, 3,
	    got_text, list, err);
}

/* latest_rua - the rua of the domain's latest row in the period */
static int
latest_rua(struct send *s, const char *domain, int64_t begin, int64_t end,
    struct strbuf *rua, struct strbuf *err)
{
	struct store_val p[3];

	p[0] = store_text(domain);
	p[1] = store_int(begin);
	p[2] = store_int(end);
	return store_exec(s->st, "SELECT rua FROM dmarc_row WHERE "
	    "policy_domain = $1 AND t >= $2 AND t < $3 ORDER BY t DESC "
	    "LIMIT 1", p, 3, got_text, rua, err);
}

/* skipped - a report that will never be sent: say why, settle it */
static void
skipped(struct send *s, const char *domain, int64_t begin, int64_t end,
    const char *why)
{
	struct strbuf err;
	char b[32];

	say("%s %s: skipped: %s", domain, when(begin, b, sizeof(b)), why);
	if (s->dry_run != NULL)
		return;
	sb_init(&err);
	if (report_claim_skip(s->st, domain, begin, end, s->now, s->host,
	    &err) == -1) {
		say("%s %s: %s", domain, b, err.s);
		s->failed = 1;
	}
	sb_free(&err);
}

/*
 * destinations - the addresses a report about domain may go to
 *
 * Returns the number kept (0: none, *tempfail set when DNS is why),
 * each other one dropped with a line saying why.  ReportEmail itself
 * is never a destination: that would mail our reports to ourselves.
 */
static size_t
destinations(struct send *s, const char *domain, const char *rua,
    char ***out, int *tempfail)
{
	struct strbuf notes, why;
	char **addrs, *line, *next;
	enum report_dest_verdict v;
	size_t n, i, k = 0;

	*tempfail = 0;
	sb_init(&notes);
	n = report_rua_parse(rua, &addrs, &notes);
	for (line = notes.s; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		say("%s: %s", domain, line);
	}
	sb_free(&notes);
	for (i = 0; i < n; i++) {
		sb_init(&why);
		if (str_caseeq(addrs[i], s->cf->report.email)) {
			say("%s: not mailed to %s: that is ReportEmail, our "
			    "own sender (no report about a report)", domain,
			    addrs[i]);
			free(addrs[i]);
		} else if ((v = report_dest_check(s->dc, domain, addrs[i],
		    &why)) == REPORT_DEST_OK) {
			say("%s: destination %s: %s", domain, addrs[i], why.s);
			addrs[k++] = addrs[i];
		} else {
			if (v == REPORT_DEST_TEMPFAIL)
				*tempfail = 1;
			say("%s: not mailed to %s: %s", domain, addrs[i],
			    why.s);
			free(addrs[i]);
		}
		sb_free(&why);
	}
	addrs[k] = NULL;
	*out = addrs;
	return k;
}

/* names - the file names of a report: NAME.xml.gz and NAME.eml */
static void
names(struct send *s, const char *domain, int64_t begin, int64_t end,
    const char *id, struct strbuf *gz, struct strbuf *eml)
{
	const char *dir = s->dry_run != NULL ? s->dry_run : s->tmpdir;

	sb_printf(gz, "%s!%s!%lld!%lld!%s.xml.gz", s->submitter, domain,
	    (long long)begin, (long long)(end - 1), id);
	sb_printf(eml, "%s/%s!%s!%lld!%lld!%s.eml", dir, s->submitter, domain,
	    (long long)begin, (long long)(end - 1), id);
}

/* write_file - data into path, replaced if there: 0, or -1 with err */
static int
write_file(const char *path, const char *data, size_t len,
    struct strbuf *err)
{
	FILE *fp;
	int bad;

	if ((fp = fopen(path, "w")) == NULL) {
		sb_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	bad = fwrite(data, 1, len, fp) != len;
	if (fclose(fp) != 0 || bad) {
		sb_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* mail_text - the text part: what the attachment is */
static char *
mail_text(struct send *s, const char *domain, int64_t begin, int64_t end,
    const char *id, const struct report_stats *stats)
{
	struct strbuf t;
	char b[32], e[32];

	sb_init(&t);
	sb_printf(&t, "This is a DMARC aggregate report (RFC 9990) from %s\n"
	    "about mail from %s received from %s to %s (UTC):\n%llu "
	    "messages in %llu records.\n\nReport-ID: %s\n",
	    s->cf->report.org_name, domain, when(begin, b, sizeof(b)),
	    when(end, e, sizeof(e)), (unsigned long long)stats->messages,
	    (unsigned long long)stats->records, id);
	if (s->cf->report.contact_info != NULL)
		sb_printf(&t, "Contact: %s\n", s->cf->report.contact_info);
	sb_printf(&t, "\nThe report is attached as gzipped XML.  It is sent "
	    "because the DMARC\nrecord of %s asks for it (rua=).\n", domain);
	return sb_detach(&t);
}

/* deliver - build, mail (or write, dry run) one claimed report */
static int
deliver(struct send *s, const char *domain, int64_t begin, int64_t end,
    const char *id, char **to, struct strbuf *err)
{
	struct report_meta meta;
	struct report_stats stats = { 0, 0 };
	struct report_mail m;
	struct strbuf file, gz, eml, subject, msg, rcpts;
	char *text = NULL, b[32];
	size_t i;
	int rc = -1;

	sb_init(&file);
	sb_init(&gz);
	sb_init(&eml);
	sb_init(&subject);
	sb_init(&msg);
	names(s, domain, begin, end, id, &file, &eml);
	sb_printf(&gz, "%s/%s", s->dry_run != NULL ? s->dry_run : s->tmpdir,
	    file.s);
	memset(&meta, 0, sizeof(meta));
	meta.org_name = s->cf->report.org_name;
	meta.email = s->cf->report.email;
	meta.contact_info = s->cf->report.contact_info;
	meta.generator = PACKAGE_NAME " " PACKAGE_VERSION;
	meta.report_id = id;
	meta.policy_domain = domain;
	meta.begin = begin;
	meta.end = end;
	if (report_build(s->st, &meta, gz.s, &stats, err) == -1)
		goto out;
	sb_printf(&subject, "Report Domain: %s Submitter: %s Report-ID: %s",
	    domain, s->submitter, id);
	text = mail_text(s, domain, begin, end, id, &stats);
	memset(&m, 0, sizeof(m));
	m.from = s->cf->report.email;
	m.org_name = s->cf->report.org_name;
	m.to = to;
	m.subject = subject.s;
	m.report_id = id;
	m.text = text;
	m.gz_path = gz.s;
	m.filename = file.s;
	m.opts = &s->cf->dkim_sign_opts;
	m.keys = s->keys;
	m.nkeys = s->nkeys;
	if (report_mail_build(&m, &msg, err) == -1)
		goto out;
	if (s->dry_run != NULL) {
		rc = write_file(eml.s, msg.s, msg.len, err);
		if (rc == 0)
			say("%s %s: written (dry run): %s and %s (%llu "
			    "messages, %llu records)", domain,
			    when(begin, b, sizeof(b)), gz.s, eml.s,
			    (unsigned long long)stats.messages,
			    (unsigned long long)stats.records);
		goto out;
	}
	s->mails++;
	rc = report_mail_send(s->cf->report.sendmail, s->cf->report.email,
	    to, msg.s, msg.len, err);
	if (rc == 0) {
		sb_init(&rcpts);
		for (i = 0; to[i] != NULL; i++)
			sb_printf(&rcpts, "%s%s", i > 0 ? ", " : "", to[i]);
		say("%s %s: sent report %s to %s (%llu messages, %llu "
		    "records, %zu bytes)", domain, when(begin, b, sizeof(b)),
		    id, rcpts.s, (unsigned long long)stats.messages,
		    (unsigned long long)stats.records, msg.len);
		sb_free(&rcpts);
	}
out:
	if (s->dry_run == NULL)
		unlink(gz.s);
	free(text);
	sb_free(&file);
	sb_free(&gz);
	sb_free(&eml);
	sb_free(&subject);
	sb_free(&msg);
	return rc;
}

/* claim - take the report of (domain, begin): 1 taken, 0 not ours */
static int
claim(struct send *s, const char *domain, int64_t begin, int64_t end,
    char id[REPORT_ID_LEN + 1])
{
	struct report_claim c;
	struct strbuf err;
	char b[32];
	int rc;

	if (s->dry_run != NULL) {
		report_claim_new_id(id);
		return 1;
	}
	sb_init(&err);
	rc = report_claim_take(s->st, domain, begin, end, s->now, s->host, &c,
	    &err);
	when(begin, b, sizeof(b));
	if (rc == -1) {
		say("%s %s: failed: cannot claim the report: %s", domain, b,
		    err.s);
		s->failed = 1;
	} else if (rc == REPORT_CLAIM_SETTLED) {
		say("%s %s: already %s", domain, b, c.state);
	} else if (rc == REPORT_CLAIM_BUSY) {
		say("%s %s: claimed by %s less than %d s ago: left to it",
		    domain, b, c.host, REPORT_CLAIM_STALE);
	} else if (c.report_id[0] == '\0' || c.report_id[strspn(c.report_id,
	    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")]
	    != '\0') {
		/* not one of ours: it would name a file */
		say("%s %s: failed: the claim's report ID is not letters and "
		    "digits", domain, b);
		s->failed = 1;
		rc = REPORT_CLAIM_BUSY;
	} else {
		memcpy(id, c.report_id, REPORT_ID_LEN + 1);
		if (c.retry)
			say("%s %s: sending report %s again (an earlier try "
			    "did not finish)", domain, b, id);
	}
	sb_free(&err);
	return rc == REPORT_CLAIM_TAKEN;
}

/* in_skip - is domain in ReportSkip? */
static int
in_skip(const struct send *s, const char *domain)
{
	char **p;

	for (p = s->cf->report.skip; p != NULL && *p != NULL; p++)
		if (str_caseeq(*p, domain))
			return 1;
	return 0;
}

/* one_report - everything for one policy domain and period */
static void
one_report(struct send *s, const char *domain, int64_t begin, int64_t end)
{
	struct strbuf rua, err;
	char **to = NULL, id[REPORT_ID_LEN + 1], b[32];
	int settled, tempfail;

	when(begin, b, sizeof(b));
	sb_init(&err);
	sb_init(&rua);
	if (!report_dest_is_host(domain)) {
		/* it names files and goes into a Subject: no odd bytes */
		sb_put_printable(&rua, domain, 100);
		say("policy domain \"%s\" skipped: not a host name", rua.s);
		if (s->dry_run == NULL && report_claim_skip(s->st, domain,
		    begin, end, s->now, s->host, &err) == -1) {
			say("%s: %s", rua.s, err.s);
			s->failed = 1;
		}
		goto out;
	}
	if ((settled = report_claim_settled(s->st, domain, begin, &err)) != 0) {
		if (settled == -1) {
			say("%s %s: failed: %s", domain, b, err.s);
			s->failed = 1;
		}
		goto out;
	}
	if (in_skip(s, domain)) {
		skipped(s, domain, begin, end, "in ReportSkip");
		goto out;
	}
	if (latest_rua(s, domain, begin, end, &rua, &err) == -1) {
		say("%s %s: failed: %s", domain, b, err.s);
		s->failed = 1;
		goto out;
	}
	if (rua.len > 0)
		rua.s[rua.len - 1] = '\0';	/* got_text's "\n" */
	if (rua.len <= 1) {
		skipped(s, domain, begin, end, "its DMARC record has no rua");
		goto out;
	}
	if (destinations(s, domain, rua.s, &to, &tempfail) == 0) {
		if (tempfail) {
			say("%s %s: failed: DNS did not answer; the next run "
			    "tries again", domain, b);
			s->failed = 1;
		} else {
			skipped(s, domain, begin, end, "no destination in "
			    "its rua may be sent a report");
		}
		goto out;
	}
	if (tempfail) {
		say("%s %s: failed: DNS did not answer for some destination; "
		    "the next run tries again", domain, b);
		s->failed = 1;
		goto out;
	}
	if (s->dry_run == NULL && s->mails >= s->cf->report.max_mails) {
		s->waiting++;
		goto out;
	}
	if (!claim(s, domain, begin, end, id))
		goto out;
	if (deliver(s, domain, begin, end, id, to, &err) == -1) {
		say("%s %s: failed: report %s: %s", domain, b, id, err.s);
		s->failed = 1;
		sb_truncate(&err, 0);
		if (s->dry_run == NULL && report_claim_release(s->st, domain,
		    begin, id, &err) == -1)
			say("%s %s: %s", domain, b, err.s);
	} else if (s->dry_run == NULL && report_claim_settle(s->st, domain,
	    begin, id, "sent", &err) == -1) {
		/* mailed, not marked: the next run would mail it again */
		say("%s %s: report %s was sent but cannot be marked sent: "
		    "%s", domain, b, id, err.s);
		s->failed = 1;
	}
out:
	report_rua_free(to);
	sb_free(&rua);
	sb_free(&err);
}

/* period - every policy domain with rows in [begin, end) */
static void
period(struct send *s, int64_t begin, int64_t end)
{
	struct strbuf list, err;
	char *d, *next;

	sb_init(&list);
	sb_init(&err);
	if (domains(s, begin, end, &list, &err) == -1) {
		say("failed: %s", err.s);
		s->failed = 1;
	}
	for (d = list.s; d != NULL && *d != '\0'; d = next) {
		next = strchr(d, '\n');
		*next++ = '\0';
		one_report(s, d, begin, end);
	}
	sb_free(&list);
	sb_free(&err);
}

/*
 * expire - the days before the catch-up window still owed a report:
 * given up (said, and settled so that prune may remove their rows)
 */
static void
expire(struct send *s, int64_t before)
{
	struct strbuf list, err;
	struct store_val p[2];
	char *d, *next, *sp, b[32];
	long long day;

	sb_init(&list);
	sb_init(&err);
	p[0] = store_int(before);
	p[1] = store_text(s->only != NULL ? s->only : "");
	if (store_exec(s->st, "SELECT DISTINCT policy_domain || ' ' || "
	    "CAST(t / 86400 AS TEXT) FROM dmarc_row WHERE t < $1 AND "
	    "policy_domain <> '' AND rua <> '' AND ($2 = '' OR "
	    "policy_domain = $2) AND NOT EXISTS (SELECT 1 FROM report_claim "
	    "c WHERE c.policy_domain = dmarc_row.policy_domain AND "
	    "c.begin_t <= dmarc_row.t AND dmarc_row.t < c.end_t AND "
	    "c.state <> 'claimed')", p, 2, got_text, &list, &err) == -1) {
		say("failed: %s", err.s);
		s->failed = 1;
	}
	for (d = list.s; d != NULL && *d != '\0'; d = next) {
		next = strchr(d, '\n');
		*next++ = '\0';
		if ((sp = strchr(d, ' ')) == NULL)
			continue;
		*sp = '\0';
		day = strtoll(sp + 1, NULL, 10) * DAY;
		say("%s %s: given up: not sent within ReportKeepDays (%u "
		    "days)", d, when(day, b, sizeof(b)),
		    s->cf->report.keep_days);
		sb_truncate(&err, 0);
		if (report_claim_expire(s->st, d, day, day + DAY, s->now,
		    s->host, &err) == -1) {
			say("%s: %s", d, err.s);
			s->failed = 1;
		}
	}
	sb_free(&list);
	sb_free(&err);
}

/* load_keys - ReportEmail's domain's keys from the Domains table */
static void
load_keys(struct send *s, struct config *cf)
{
	const char *domain = strrchr(cf->report.email, '@') + 1;
	struct domain_policy pol;
	struct strbuf err;
	size_t i;

	sb_init(&err);
	/* with DKIMSign no, config_load() did not load them */
	if (!cf->dkim_sign && cf->table != NULL &&
	    table_load_keys(cf->table, cf->domains_path,
	    cf->require_safe_keys, &err) != 0)
		report_fail(REPORT_EX_CONFIG, "send: %s", err.s);
	sb_free(&err);
	table_lookup(cf->table, domain, &pol);
	for (i = 0; i < pol.nsign && s->nkeys < SIGN_KEYS_MAX; i++)
		if (pol.sign[i].key != NULL)
			s->keys[s->nkeys++] = pol.sign[i].key;
	if (s->nkeys > 0)
		return;
	if (s->dry_run == NULL)
		report_fail(REPORT_EX_CONFIG, "send: no DKIM key for %s "
		    "(ReportEmail's domain) in the Domains table: report "
		    "mails must be signed", domain);
	say("no DKIM key for %s: the dry run's mails are not signed",
	    domain);
}

/* usage - the synopsis on stderr */
static int
usage(void)
{
	fprintf(stderr, "usage: authmilter-report send [-c FILE] "
	    "[--day YYYY-MM-DD | --from T --to T]\n"
	    "                              [--dry-run DIR] [--domain D]\n");
	return REPORT_EX_USAGE;
}

/* report_cmd_send - send the reports owed */
int
report_cmd_send(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "day", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "dry-run", required_argument, NULL, 'n' },
		{ "domain", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *day = NULL, *from = NULL, *to = NULL;
	struct send s;
	struct config *cf;
	struct dns_ctx *ctx;
	struct stat sb;
	int64_t begin = 0, end = 0, today, t;
	int c;

	memset(&s, 0, sizeof(s));
	while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'd': day = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'n': s.dry_run = optarg; break;
		case 'D': str_lower(optarg); s.only = optarg; break;
		default: return usage();
		}
	}
	if (optind != argc || (day != NULL && (from != NULL || to != NULL)) ||
	    (from == NULL) != (to == NULL))
		return usage();
	if (day != NULL && (!shaped(day, "dddd-dd-dd") ||
	    parse_time(day, &begin) == -1)) {
		fprintf(stderr, "authmilter-report: send: --day %s: expected "
		    "YYYY-MM-DD\n", day);
		return REPORT_EX_USAGE;
	}
	end = begin + DAY;
	if (from != NULL && (parse_time(from, &begin) == -1 ||
	    parse_time(to, &end) == -1 || end <= begin)) {
		fprintf(stderr, "authmilter-report: send: --from %s --to %s: "
		    "expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or unix "
		    "seconds, from before to\n", from, to);
		return REPORT_EX_USAGE;
	}
	if (s.dry_run != NULL && (stat(s.dry_run, &sb) == -1 ||
	    !S_ISDIR(sb.st_mode)))
		report_fail(1, "send: --dry-run %s: not a directory",
		    s.dry_run);
	cf = report_load_config(path);
	if (cf->report.email == NULL)
		report_fail(REPORT_EX_CONFIG, "send: ReportEmail is not set "
		    "in %s", cf->path);
	s.cf = cf;
	s.submitter = report_dest_is_host(cf->report.org_name) ?
	    cf->report.org_name : strrchr(cf->report.email, '@') + 1;
	load_keys(&s, cf);
	s.st = report_open_store(cf);
	ctx = dns_ctx_new(&cf->dns_opts);
	s.dc = dns_client_new(ctx);
	s.now = (int64_t)time(NULL);
	if (gethostname(s.host, sizeof(s.host) - 1) == -1)
		snprintf(s.host, sizeof(s.host), "unknown");
	snprintf(s.tmpdir, sizeof(s.tmpdir), "/tmp/authmilter-report.XXXXXX");
	if (s.dry_run == NULL && mkdtemp(s.tmpdir) == NULL)
		report_fail(1, "send: mkdtemp %s: %s", s.tmpdir,
		    strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	if (day != NULL || from != NULL) {
		period(&s, begin, end);
	} else {
		/* the last complete UTC day, and the days before it owed */
		today = s.now / DAY * DAY;
		begin = today - (int64_t)cf->report.keep_days * DAY;
		if (s.dry_run == NULL)
			expire(&s, begin);
		for (t = begin; t < today; t += DAY)
			period(&s, t, t + DAY);
	}
	if (s.waiting > 0)
		say("ReportMaxMails (%u) reached: %u reports wait for the "
		    "next run", cf->report.max_mails, s.waiting);
	if (s.dry_run == NULL)
		rmdir(s.tmpdir);
	dns_client_free(s.dc);
	dns_ctx_free(ctx);
	store_close(s.st);
	config_unref(cf);
	return s.failed ? 1 : 0;
}
