/*
 * report_build.c - one DMARC aggregate report (RFC 9990) from the
 * history rows (see report_build.h)
 *
 * Two queries, the same SQL on SQLite and PostgreSQL: the policy as last
 * recorded in the period, then one row per group of identical rows with
 * its count, streamed from the store straight into libxml2's
 * xmlTextWriter, whose output buffer writes through zlib into a
 * temporary file beside path.  Nothing is held per record once it is
 * written, so memory does not grow with the number of rows.  The file
 * is renamed to path only when complete.
 *
 * What goes into each element, and what is done with a value outside
 * RFC 9990's vocabulary, is in authmilter-report(8), REPORT FORMAT.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <libxml/chvalid.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlstring.h>
#include <libxml/xmlwriter.h>

#include "util.h"
#include "store.h"
#include "report_build.h"

/* the columns a record is made of, in the order selected */
#define GROUP_COLS "source_ip, header_from, envelope_from, envelope_to, " \
	"disposition, dkim_eval, spf_eval, reasons, spf_domain, spf_scope, " \
	"spf_result, dkim"
enum { G_IP, G_HFROM, G_EFROM, G_ETO, G_DISP, G_DKIM_EVAL, G_SPF_EVAL,
	G_REASONS, G_SPF_DOMAIN, G_SPF_SCOPE, G_SPF_RESULT, G_DKIM, G_COUNT,
	G_NCOLS };

#define PERIOD " FROM dmarc_row WHERE policy_domain = $1 AND t >= $2 " \
	"AND t < $3"

static const char records_sql[] = "SELECT " GROUP_COLS ", COUNT(*)"
    PERIOD " GROUP BY " GROUP_COLS " ORDER BY " GROUP_COLS;

#define POLICY_COLS "p, sp, np, adkim, aspf, testing, discovery"
enum { P_P, P_SP, P_NP, P_ADKIM, P_ASPF, P_TESTING, P_DISCOVERY,
	P_NCOLS };

static const char policy_sql[] = "SELECT " POLICY_COLS PERIOD
    " ORDER BY t DESC, " POLICY_COLS " LIMIT 1";

/* RFC 9990's words for each enumerated element */
static const char *const disposition_words[] = {
	"none", "pass", "quarantine", "reject", NULL };
static const char *const policy_words[] = {
	"none", "quarantine", "reject", NULL };
static const char *const eval_words[] = { "pass", "fail", NULL };
static const char *const align_words[] = { "r", "s", NULL };
static const char *const testing_words[] = { "n", "y", NULL };
static const char *const discovery_words[] = { "psl", "treewalk", NULL };
static const char *const dkim_words[] = {
	"none", "pass", "fail", "policy", "neutral", "temperror",
	"permerror", NULL };
static const char *const spf_words[] = {
	"none", "pass", "fail", "softfail", "policy", "neutral",
	"temperror", "permerror", NULL };
static const char *const reason_words[] = {
	"local_policy", "mailing_list", "other", "policy_test_mode",
	"trusted_forwarder", NULL };

/* the gzip file the XML goes to */
struct gz_out {
	gzFile		 gz;
	int		 failed;	/* a write or the close failed */
	int		 errnum;	/* errno then, or 0 */
};

/* one report being written */
struct build {
	xmlTextWriterPtr	 w;
	struct report_stats	*stats;
	int			 failed;	/* the writer failed */
	struct strbuf		*err;
	char			*policy[P_NCOLS];
	struct strbuf		 text;		/* a value made valid XML */
	struct strbuf		 word;		/* a value lowercased */
};

/* gz_write - xmlOutputBuffer's write callback: into the gzip stream */
static int
gz_write(void *ctx, const char *buf, int len)
{
	struct gz_out *g = ctx;

	if (len <= 0)
		return 0;
	errno = 0;
	if (gzwrite(g->gz, buf, (unsigned)len) != len) {
		g->failed = 1;
		g->errnum = errno;
		return -1;
	}
	return len;
}

/* gz_close - xmlOutputBuffer's close callback: end the gzip stream */
static int
gz_close(void *ctx)
{
	struct gz_out *g = ctx;

	errno = 0;
	if (g->gz != NULL && gzclose(g->gz) != Z_OK) {
		g->failed = 1;
		if (g->errnum == 0)
			g->errnum = errno;
	}
	g->gz = NULL;
	return g->failed ? -1 : 0;
}

/*
 * xml_text - s as XML 1.0 can carry it: each byte that does not start
 * a well-formed UTF-8 sequence of a character XML allows becomes '?'
 * (libxml2 escapes the rest as it writes)
 */
static const char *
xml_text(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);
	int len, c;

	sb_truncate(sb, 0);
	while (left > 0) {
		len = left < 4 ? (int)left : 4;
		c = xmlGetUTF8Char(p, &len);
		/* xmlGetUTF8Char lets some bad lead bytes and overlongs by */
		if (c < 0 || len < 1 ||
		    (len == 1 && *p >= 0x80) ||
		    (len == 2 && (*p & 0xe0) != 0xc0) ||
		    (len == 3 && (*p & 0xf0) != 0xe0) ||
		    (len == 4 && (*p & 0xf8) != 0xf0) ||
		    (len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
		    (len == 4 && c < 0x10000) || !xmlIsCharQ(c)) {
			sb_putc(sb, '?');
			p++;
			left--;
			continue;
		}
		sb_append(sb, (const char *)p, (size_t)len);
		p += len;
		left -= (size_t)len;
	}
	return sb->s;
}

/* word - the lowercased value if it is one of words[], else NULL */
static const char *
word(struct build *b, const char *value, const char *const *words)
{
	size_t i;

	sb_truncate(&b->word, 0);
	sb_puts(&b->word, value);
	str_lower(b->word.s);
	for (i = 0; words[i] != NULL; i++)
		if (strcmp(b->word.s, words[i]) == 0)
			return words[i];
	return NULL;
}

/* put - <name>value</name>; a failure is remembered */
static void
put(struct build *b, const char *name, const char *value)
{
	if (b->failed)
		return;
	if (xmlTextWriterWriteElement(b->w, BAD_CAST name,
	    BAD_CAST xml_text(&b->text, value)) < 0)
		b->failed = 1;
}

/* put_word - put() of a value of words[], or of fallback */
static void
put_word(struct build *b, const char *name, const char *value,
    const char *const *words, const char *fallback)
{
	const char *w = word(b, value, words);

	put(b, name, w != NULL ? w : fallback);
}

/* put_opt - put() of a value of words[], nothing for another value */
static void
put_opt(struct build *b, const char *name, const char *value,
    const char *const *words)
{
	const char *w = word(b, value, words);

	if (w != NULL)
		put(b, name, w);
}

/* start - <name> */
static void
start(struct build *b, const char *name)
{
	if (!b->failed && xmlTextWriterStartElement(b->w, BAD_CAST name) < 0)
		b->failed = 1;
}

/* end - the </name> of the latest start() */
static void
end(struct build *b)
{
	if (!b->failed && xmlTextWriterEndElement(b->w) < 0)
		b->failed = 1;
}

/* put_int - <name>decimal</name> */
static void
put_int(struct build *b, const char *name, int64_t v)
{
	char num[32];

	(void)snprintf(num, sizeof(num), "%" PRId64, v);
	put(b, name, num);
}

/* line_next - the next line of s from *pos into out; 0 at the end */
static int
line_next(const char *s, size_t *pos, struct strbuf *out)
{
	const char *nl;
	size_t len;

	sb_truncate(out, 0);
	if (s[*pos] == '\0')
		return 0;
	nl = strchr(s + *pos, '\n');
	len = nl != NULL ? (size_t)(nl - (s + *pos)) : strlen(s + *pos);
	sb_append(out, s + *pos, len);
	*pos += len + (nl != NULL);
	return 1;
}

/* put_reasons - a <reason> per "TYPE COMMENT" line */
static void
put_reasons(struct build *b, const char *reasons)
{
	struct strbuf line;
	const char *type;
	char *sp;
	size_t pos = 0;

	sb_init(&line);
	while (line_next(reasons, &pos, &line)) {
		if (line.len == 0)
			continue;
		sp = strchr(line.s, ' ');
		if (sp != NULL)
			*sp = '\0';
		type = word(b, line.s, reason_words);
		start(b, "reason");
		if (type != NULL) {
			put(b, "type", type);
			if (sp != NULL && sp[1] != '\0')
				put(b, "comment", sp + 1);
		} else {
			/* a type RFC 9990 does not know: the line in full */
			if (sp != NULL)
				*sp = ' ';
			put(b, "type", "other");
			put(b, "comment", line.s);
		}
		end(b);
	}
	sb_free(&line);
}

/*
 * dkim_rank - which of put_dkim()'s passes writes a signature: 0 a pass
 * whose d= is the author domain, 1 another pass, 2 any other result
 */
static int
dkim_rank(struct build *b, const char *domain, const char *result,
    const char *header_from)
{
	const char *w = word(b, result, dkim_words);

	if (w == NULL || strcmp(w, "pass") != 0)
		return 2;
	return str_caseeq(domain, header_from) ? 0 : 1;
}

/*
 * put_dkim - a <dkim> per "DOMAIN SELECTOR RESULT" line, at most
 * REPORT_DKIM_MAX, in RFC 9990's order of preference (aligned passes
 * first; the alignment known here is the strict one)
 */
static void
put_dkim(struct build *b, const char *dkim, const char *header_from)
{
	struct strbuf line;
	char *f[3];
	size_t pos, i, n = 0;
	int rank;

	sb_init(&line);
	for (rank = 0; rank < 3; rank++) {
		pos = 0;
		while (n < REPORT_DKIM_MAX && line_next(dkim, &pos, &line)) {
			if (line.len == 0)
				continue;
			/* three fields; a missing one is "" */
			f[0] = line.s;
			for (i = 1; i < 3; i++) {
				f[i] = strchr(f[i - 1], ' ');
				if (f[i] == NULL)
					f[i] = line.s + line.len;
				else
					*f[i]++ = '\0';
			}
			if (dkim_rank(b, f[0], f[2], header_from) != rank)
				continue;
			start(b, "dkim");
			put(b, "domain", strcmp(f[0], "-") == 0 ? "" : f[0]);
			put(b, "selector", strcmp(f[1], "-") == 0 ? "" : f[1]);
			put_word(b, "result", f[2], dkim_words, "permerror");
			end(b);
			n++;
		}
	}
	sb_free(&line);
}

/* col - column i of a result row as text ("" for NULL or a number) */
static const char *
col(const struct store_val *v, size_t n, size_t i)
{
	return i < n && v[i].type == STORE_TEXT && v[i].s != NULL ?
	    v[i].s : "";
}

/* record_row - store_exec callback: one <record> per group */
static int
record_row(void *arg, const struct store_val *v, size_t n)
{
	struct build *b = arg;
	const char *ip;
	int64_t count;

	if (n != G_NCOLS || v[G_COUNT].type != STORE_INT ||
	    v[G_COUNT].i < 1) {
		sb_puts(b->err, "report: the store gave a group without "
		    "its count");
		return 2;
	}
	count = v[G_COUNT].i;
	ip = col(v, n, G_IP);
	start(b, "record");
	start(b, "row");
	put(b, "source_ip", *ip != '\0' ? ip : "::");
	put_int(b, "count", count);
	start(b, "policy_evaluated");
	put_word(b, "disposition", col(v, n, G_DISP), disposition_words,
	    "none");
	put_word(b, "dkim", col(v, n, G_DKIM_EVAL), eval_words, "fail");
	put_word(b, "spf", col(v, n, G_SPF_EVAL), eval_words, "fail");
	put_reasons(b, col(v, n, G_REASONS));
	end(b);		/* policy_evaluated */
	end(b);		/* row */
	start(b, "identifiers");
	if (*col(v, n, G_ETO) != '\0')
		put(b, "envelope_to", col(v, n, G_ETO));
	put(b, "envelope_from", col(v, n, G_EFROM));
	put(b, "header_from", col(v, n, G_HFROM));
	end(b);
	start(b, "auth_results");
	put_dkim(b, col(v, n, G_DKIM), col(v, n, G_HFROM));
	/* RFC 9990: only the MAIL FROM identity, scope mfrom */
	if (*col(v, n, G_SPF_DOMAIN) != '\0' &&
	    word(b, col(v, n, G_SPF_SCOPE), (const char *const[]){ "mfrom",
	    NULL }) != NULL) {
		start(b, "spf");
		put(b, "domain", col(v, n, G_SPF_DOMAIN));
		put(b, "scope", "mfrom");
		put_word(b, "result", col(v, n, G_SPF_RESULT), spf_words,
		    "permerror");
		end(b);
	}
	end(b);		/* auth_results */
	end(b);		/* record */
	if (b->failed)
		return 1;
	b->stats->records++;
	b->stats->messages += (uint64_t)count;
	return 0;
}

/* policy_row - store_exec callback: the policy as last recorded */
static int
policy_row(void *arg, const struct store_val *v, size_t n)
{
	struct build *b = arg;
	size_t i;

	for (i = 0; i < P_NCOLS; i++) {
		free(b->policy[i]);
		b->policy[i] = xstrdup(col(v, n, i));
	}
	return 0;
}

/* put_head - the XML declaration, <feedback>, metadata and policy */
static void
put_head(struct build *b, const struct report_meta *m)
{
	if (xmlTextWriterSetIndent(b->w, 1) < 0 ||
	    xmlTextWriterSetIndentString(b->w, BAD_CAST "  ") < 0 ||
	    xmlTextWriterStartDocument(b->w, NULL, "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElementNS(b->w, NULL, BAD_CAST "feedback",
	    BAD_CAST REPORT_XML_NS) < 0) {
		b->failed = 1;
		return;
	}
	put(b, "version", "1.0");
	start(b, "report_metadata");
	put(b, "org_name", m->org_name);
	put(b, "email", m->email);
	if (m->contact_info != NULL && *m->contact_info != '\0')
		put(b, "extra_contact_info", m->contact_info);
	put(b, "report_id", m->report_id);
	start(b, "date_range");
	put_int(b, "begin", m->begin);
	put_int(b, "end", m->end - 1);
	end(b);
	if (m->generator != NULL && *m->generator != '\0')
		put(b, "generator", m->generator);
	end(b);
	start(b, "policy_published");
	put(b, "domain", m->policy_domain);
	put_word(b, "p", b->policy[P_P], policy_words, "none");
	put_opt(b, "sp", b->policy[P_SP], policy_words);
	put_opt(b, "np", b->policy[P_NP], policy_words);
	put_opt(b, "adkim", b->policy[P_ADKIM], align_words);
	put_opt(b, "aspf", b->policy[P_ASPF], align_words);
	put_opt(b, "testing", b->policy[P_TESTING], testing_words);
	put_opt(b, "discovery_method", b->policy[P_DISCOVERY],
	    discovery_words);
	end(b);
}

/* meta_ok - the caller's metadata is complete; else err says what lacks */
static int
meta_ok(const struct report_meta *m, struct strbuf *err)
{
	const char *what = NULL;

	if (m->org_name == NULL || *m->org_name == '\0')
		what = "no org_name";
	else if (m->email == NULL || *m->email == '\0')
		what = "no email";
	else if (m->report_id == NULL || *m->report_id == '\0')
		what = "no report_id";
	else if (m->policy_domain == NULL || *m->policy_domain == '\0')
		what = "no policy domain";
	else if (m->begin >= m->end)
		what = "the period ends before it begins";
	if (what == NULL)
		return 1;
	sb_printf(err, "report: %s", what);
	return 0;
}

/* write_xml - the whole report into g; 0, or -1 with err */
static int
write_xml(struct store *st, const struct report_meta *m, struct build *b,
    struct gz_out *g, struct store_val *params, struct strbuf *err)
{
	xmlOutputBufferPtr out;
	int rc;

	out = xmlOutputBufferCreateIO(gz_write, gz_close, g, NULL);
	if (out == NULL) {
		(void)gz_close(g);
		sb_puts(err, "report: cannot make an XML output buffer");
		return -1;
	}
	b->w = xmlNewTextWriter(out);
	if (b->w == NULL) {
		(void)xmlOutputBufferClose(out);
		sb_puts(err, "report: cannot make an XML writer");
		return -1;
	}
	put_head(b, m);
	rc = b->failed ? 1 : store_exec(st, records_sql, params, 3,
	    record_row, b, err);
	if (rc == 0 && b->stats->records == 0) {
		sb_printf(err, "report: no history rows for %s in the period",
		    m->policy_domain);
		rc = -1;
	}
	if (rc == 0 && (xmlTextWriterEndDocument(b->w) < 0 ||
	    xmlTextWriterFlush(b->w) < 0))
		rc = 1;
	xmlFreeTextWriter(b->w);	/* closes out, and so g */
	b->w = NULL;
	/* rc 1: a writer call failed; 2: record_row() said why */
	if (rc == 1 || (rc == 0 && g->failed)) {
		sb_printf(err, "report: writing the compressed XML failed: %s",
		    g->errnum != 0 ? strerror(g->errnum) : "XML writer error");
		return -1;
	}
	return rc == 0 ? 0 : -1;
}

/* report_build - the report of one policy domain and period, at path */
int
report_build(struct store *st, const struct report_meta *m,
    const char *path, struct report_stats *stats, struct strbuf *err)
{
	struct store_val params[3];
	struct build b;
	struct gz_out g = { NULL, 0, 0 };
	struct strbuf tmp;
	size_t i;
	int fd, gzfd, rc = -1;

	stats->records = stats->messages = 0;
	if (!meta_ok(m, err))
		return -1;
	memset(&b, 0, sizeof(b));
	b.stats = stats;
	b.err = err;
	sb_init(&b.text);
	sb_init(&b.word);
	sb_init(&tmp);
	params[0] = store_text(m->policy_domain);
	params[1] = store_int(m->begin);
	params[2] = store_int(m->end);
	if (store_exec(st, policy_sql, params, 3, policy_row, &b, err) != 0)
		goto done;
	if (b.policy[P_P] == NULL) {
		sb_printf(err, "report: no history rows for %s in the period",
		    m->policy_domain);
		goto done;
	}
	sb_printf(&tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp.s)) == -1) {
		sb_printf(err, "report: %s: %s", tmp.s, strerror(errno));
		goto done;
	}
	gzfd = fchmod(fd, 0644) == 0 ? dup(fd) : -1;
	if (gzfd == -1 || (g.gz = gzdopen(gzfd, "wb")) == NULL) {
		sb_printf(err, "report: %s: %s", tmp.s, gzfd == -1 ?
		    strerror(errno) : "cannot start gzip");
		if (gzfd != -1)
			(void)close(gzfd);
		(void)close(fd);
		(void)unlink(tmp.s);
		goto done;
	}
	rc = write_xml(st, m, &b, &g, params, err);
	if (rc == 0 && fsync(fd) == -1) {
		sb_printf(err, "report: %s: %s", tmp.s, strerror(errno));
		rc = -1;
	}
	if (close(fd) == -1 && rc == 0) {
		sb_printf(err, "report: %s: %s", tmp.s, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp.s, path) == -1) {
		sb_printf(err, "report: %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc != 0)
		(void)unlink(tmp.s);
done:
	if (rc != 0)
		stats->records = stats->messages = 0;
	for (i = 0; i < P_NCOLS; i++)
		free(b.policy[i]);
	sb_free(&b.text);
	sb_free(&b.word);
	sb_free(&tmp);
	return rc;
}
