/*
 * report_import.c - authmilter-report import: DMARC aggregate reports
 * and TLS reports, from files, mails, a maildir, an mbox or stdin, into
 * the store (the tables of report_agg.h), once each
 *
 * authmilter-report import [-c FILE] [--maildir DIR] [--mbox FILE]
 *     [FILE...|-]
 *
 * Every input is sniffed by content, never by name (report_unpack),
 * a mail is taken apart (report_mime), a report read (report_parse,
 * report_tlsrpt) and stored (report_agg_store).  One line per report:
 * "imported" and "duplicate" on stdout, "rejected" with the reason on
 * stderr.  Exit 0 when nothing was rejected, 1 otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "config.h"
#include "store.h"
#include "report_unpack.h"
#include "report_parse.h"
#include "report_tlsrpt.h"
#include "report_mime.h"
#include "report_agg_store.h"
#include "report_cmd.h"

#define IMPORT_MAX_INPUT	(50L * 1024 * 1024)	/* bytes a file */
#define IMPORT_MAX_MAILDIR	100000	/* files in cur/ and new/ */

struct import {
	struct store	*st;
	int64_t		 now;
	const char	*file;		/* the input, printable */
	struct strbuf	 name;		/* what file points into */
	unsigned	 imported;
	unsigned	 duplicate;
	unsigned	 rejected;
};

/* sb_insert_prefix - put s before what sb holds */
static void
sb_insert_prefix(struct strbuf *sb, const char *s)
{
	char *old = xstrdup(sb->s);

	sb_truncate(sb, 0);
	sb_puts(sb, s);
	sb_puts(sb, old);
	free(old);
}

/* rejected - one "rejected" line on stderr */
static void
rejected(struct import *im, const char *label, const char *why)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_put_printable(&sb, label, 300);
	fprintf(stderr, "authmilter-report: %s: rejected: %s\n", sb.s, why);
	sb_free(&sb);
	im->rejected++;
}

/* stored - one "imported" or "duplicate" line on stdout */
static void
stored(struct import *im, const char *label, int rc, const char *kind,
    const char *submitter, const char *id, const char *what)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_put_printable(&sb, label, 300);
	sb_printf(&sb, ": %s %s report from ", rc == 1 ? "imported" :
	    "duplicate", kind);
	sb_put_printable(&sb, submitter, 200);
	sb_puts(&sb, " id ");
	sb_put_printable(&sb, id, 200);
	if (rc == 1)
		sb_printf(&sb, " (%s)", what);
	else
		sb_puts(&sb, " (already stored, nothing added)");
	puts(sb.s);
	sb_free(&sb);
	if (rc == 1)
		im->imported++;
	else
		im->duplicate++;
}

/* one aggregate report being stored as it is read */
struct dmarc_import {
	struct import	*im;
	const char	*label;
	int		 stored;	/* the report row: 1 new, 0 duplicate,
					   -1 not yet */
};

/* on_head - report_dmarc_cb head: the report row, or found a duplicate */
static int
on_head(void *arg, const struct agg_report *r, struct strbuf *err)
{
	struct dmarc_import *di = arg;
	int rc;

	if ((rc = report_agg_store_dmarc_begin(di->im->st, r, di->label,
	    di->im->now, err)) == -1) {
		sb_insert_prefix(err, "store: ");
		return -1;
	}
	di->stored = rc;
	return 0;
}

/* on_record - report_dmarc_cb record: stored unless a duplicate (whose
   records are still read, so that a broken one is rejected as before) */
static int
on_record(void *arg, const struct agg_report *r, const struct agg_record *c,
    struct strbuf *err)
{
	struct dmarc_import *di = arg;

	if (di->stored != 1)
		return 0;
	if (report_agg_store_dmarc_record(di->im->st, r, c, err) == -1) {
		sb_insert_prefix(err, "store: ");
		return -1;
	}
	return 0;
}

/*
 * import_dmarc - read and store one aggregate report: the report row is
 * written when the metadata has been read, each record as it is read,
 * and the transaction commits only when the whole document was read
 * (any failure rolls it back: nothing of the report is stored)
 */
static void
import_dmarc(struct import *im, const char *label, const char *p,
    size_t len)
{
	struct dmarc_import di = { im, label, -1 };
	struct report_dmarc_cb cb = { on_head, on_record, &di };
	struct agg_report r;
	struct strbuf err, what;
	int rc;

	sb_init(&err);
	if (report_parse_dmarc(p, len, im->now, &r, &cb, &err) == -1) {
		if (di.stored == 1)
			(void)report_agg_store_dmarc_end(im->st, 0, &err);
		rejected(im, label, err.s);
		sb_free(&err);
		return;
	}
	rc = di.stored;
	if (rc == 1 && report_agg_store_dmarc_end(im->st, 1, &err) == -1) {
		sb_insert_prefix(&err, "store: ");
		rejected(im, label, err.s);
	} else {
		sb_init(&what);
		sb_printf(&what, "domain %s, %zu records", r.domain, r.nrec);
		stored(im, label, rc, "dmarc", r.submitter, r.report_id,
		    what.s);
		sb_free(&what);
	}
	report_agg_free(&r);
	sb_free(&err);
}

/* import_tls - read and store one TLS report */
static void
import_tls(struct import *im, const char *label, const char *p, size_t len)
{
	struct tls_report r;
	struct strbuf err, what;
	size_t i, nfail = 0;
	int rc;

	sb_init(&err);
	if (report_parse_tls(p, len, im->now, &r, &err) == -1) {
		rejected(im, label, err.s);
		sb_free(&err);
		return;
	}
	if ((rc = report_agg_store_tls(im->st, &r, label, im->now,
	    &err)) == -1) {
		sb_insert_prefix(&err, "store: ");
		rejected(im, label, err.s);
	} else {
		for (i = 0; i < r.npol; i++)
			nfail += r.pol[i].nfail;
		sb_init(&what);
		sb_printf(&what, "%zu policies, %zu failure details", r.npol,
		    nfail);
		stored(im, label, rc, "tls", r.submitter, r.report_id, what.s);
		sb_free(&what);
	}
	report_tls_free(&r);
	sb_free(&err);
}

static void import_mail(struct import *, const char *, size_t);

/*
 * import_data - one input: decompressed, then a DMARC report, a TLS
 * report, or (when a mail may be) a mail whose attachments are taken
 */
static void
import_data(struct import *im, const char *label, const char *p, size_t len,
    int mail_ok)
{
	struct strbuf out, err;

	sb_init(&out);
	sb_init(&err);
	if (report_unpack((const unsigned char *)p, len, &out, &err) == -1)
		rejected(im, label, err.s);
	else
		switch (report_sniff(out.s, out.len)) {
		case REPORT_KIND_XML:
			import_dmarc(im, label, out.s, out.len);
			break;
		case REPORT_KIND_JSON:
			import_tls(im, label, out.s, out.len);
			break;
		default:
			if (mail_ok && out.len == len)
				import_mail(im, out.s, out.len);
			else
				rejected(im, label, "neither a DMARC report "
				    "(XML) nor a TLS report (JSON)");
		}
	sb_free(&out);
	sb_free(&err);
}

/* on_part - report_part_fn: one attachment of a mail */
static void
on_part(void *arg, const struct report_part *rp)
{
	struct import *im = arg;
	struct strbuf label;

	/* printable ASCII: it is stored as origin, and PostgreSQL wants
	   UTF-8, which a header need not be */
	sb_init(&label);
	sb_put_printable(&label, im->file, 300);
	if (*rp->message_id != '\0') {
		sb_puts(&label, " <");
		sb_put_printable(&label, rp->message_id, 300);
		sb_putc(&label, '>');
	}
	if (*rp->filename != '\0') {
		sb_putc(&label, ' ');
		sb_put_printable(&label, rp->filename, 200);
	}
	if (rp->data == NULL)
		rejected(im, label.s, rp->error);
	else
		import_data(im, label.s, rp->data, rp->len, 0);
	sb_free(&label);
}

/* import_mail - the report attachments of one mail */
static void
import_mail(struct import *im, const char *p, size_t len)
{
	struct strbuf err;

	sb_init(&err);
	if (report_mime_mail(p, len, on_part, im, &err) == -1)
		rejected(im, im->file, err.s);
	sb_free(&err);
}

/* read_fd - all of fd, at most IMPORT_MAX_INPUT bytes; -1 with err */
static int
read_fd(int fd, struct strbuf *sb, struct strbuf *err)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			sb_printf(err, "read: %s", strerror(errno));
			return -1;
		}
		if (sb->len + (size_t)n > (size_t)IMPORT_MAX_INPUT) {
			sb_printf(err, "larger than %ld bytes",
			    (long)IMPORT_MAX_INPUT);
			return -1;
		}
		sb_append(sb, buf, (size_t)n);
	}
	return 0;
}

/* set_file - the input now read, as it is named (printable ASCII) */
static void
set_file(struct import *im, const char *path)
{
	sb_truncate(&im->name, 0);
	sb_put_printable(&im->name, path, 300);
	im->file = im->name.s;
}

/* import_file - one file ("-": standard input): a report or a mail */
static void
import_file(struct import *im, const char *path)
{
	struct strbuf data, err;
	int fd;

	set_file(im, strcmp(path, "-") == 0 ? "stdin" : path);
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		rejected(im, im->file, strerror(errno));
		return;
	}
	sb_init(&data);
	sb_init(&err);
	if (read_fd(fd, &data, &err) == -1)
		rejected(im, im->file, err.s);
	else
		import_data(im, im->file, data.s, data.len, 1);
	if (fd != STDIN_FILENO)
		close(fd);
	sb_free(&data);
	sb_free(&err);
}

/* import_mbox - every mail of an mbox */
static void
import_mbox(struct import *im, const char *path)
{
	struct strbuf err;
	int fd;

	set_file(im, path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		rejected(im, im->file, strerror(errno));
		return;
	}
	sb_init(&err);
	if (report_mime_mbox(fd, on_part, im, &err) == -1)
		rejected(im, im->file, err.s);
	close(fd);
	sb_free(&err);
}

/* cmp_str - qsort comparison of two strings */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* import_maildir - every mail in DIR/cur and DIR/new, in name order */
static void
import_maildir(struct import *im, const char *dir)
{
	static const char *const subs[] = { "cur", "new" };
	struct strbuf path;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int seen = 0;
	DIR *d;

	sb_init(&path);
	for (i = 0; i < ARRAY_SIZE(subs); i++) {
		sb_truncate(&path, 0);
		sb_printf(&path, "%s/%s", dir, subs[i]);
		if ((d = opendir(path.s)) == NULL)
			continue;
		seen++;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (n == IMPORT_MAX_MAILDIR) {
				rejected(im, dir, "more than "
				    "IMPORT_MAX_MAILDIR (100000) mails; the "
				    "rest are not read");
				break;
			}
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				names = xrealloc(names, cap * sizeof(*names));
			}
			sb_truncate(&path, 0);
			sb_printf(&path, "%s/%s/%s", dir, subs[i], de->d_name);
			names[n++] = xstrdup(path.s);
		}
		closedir(d);
	}
	if (seen == 0)
		rejected(im, dir, "not a maildir (no cur/ or new/)");
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		import_file(im, names[i]);
		free(names[i]);
	}
	free(names);
	sb_free(&path);
}

/* usage - the synopsis on stderr */
static int
usage(void)
{
	fprintf(stderr, "usage: authmilter-report import [-c FILE] "
	    "[--maildir DIR] [--mbox FILE] [FILE...|-]\n");
	return REPORT_EX_USAGE;
}

/* report_cmd_import - import every input named; exit 1 if any rejected */
int
report_cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "maildir", required_argument, NULL, 'm' },
		{ "mbox", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	struct import im;
	const char *path = NULL;
	char **maildirs, **mboxes;
	size_t nmd = 0, nmb = 0, i;
	struct config *cf;
	int c;

	maildirs = xcalloc((size_t)argc, sizeof(*maildirs));
	mboxes = xcalloc((size_t)argc, sizeof(*mboxes));
	while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1)
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'm':
			maildirs[nmd++] = optarg;
			break;
		case 'M':
			mboxes[nmb++] = optarg;
			break;
		default:
			free(maildirs);
			free(mboxes);
			return usage();
		}
	if (optind == argc && nmd == 0 && nmb == 0) {
		free(maildirs);
		free(mboxes);
		return usage();
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	cf = report_load_config(path);
	memset(&im, 0, sizeof(im));
	sb_init(&im.name);
	im.st = report_open_store(cf);
	im.now = (int64_t)time(NULL);
	for (i = 0; i < nmd; i++)
		import_maildir(&im, maildirs[i]);
	for (i = 0; i < nmb; i++)
		import_mbox(&im, mboxes[i]);
	for (c = optind; c < argc; c++)
		import_file(&im, argv[c]);
	printf("%u imported, %u duplicate, %u rejected\n", im.imported,
	    im.duplicate, im.rejected);
	store_close(im.st);
	sb_free(&im.name);
	config_unref(cf);
	free(maildirs);
	free(mboxes);
	return im.rejected > 0 ? 1 : 0;
}
