/*
 * report_mime.c - report attachments pulled out of mails with GMime 3
 * (see report_mime.h)
 */
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "util.h"
#include "report_mime.h"

static const char *const report_types[] = {
	"application/gzip", "application/x-gzip", "application/zip",
	"application/x-zip-compressed", "text/xml", "application/xml",
	"application/tlsrpt+gzip", "application/tlsrpt+json",
	"application/json",
};

static const char *const report_suffixes[] = {
	".xml", ".gz", ".zip", ".json",
};

/* mime_init - GMime, once */
static void
mime_init(void)
{
	static int done;

	if (!done) {
		g_mime_init();
		done = 1;
	}
}

/* is_report - part is a report attachment, by type, name or subject */
static int
is_report(const char *type, const char *name, const char *subject)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(report_types); i++)
		if (str_caseeq(type, report_types[i]))
			return 1;
	if (!str_caseeq(type, "application/octet-stream"))
		return 0;
	if (strncasecmp(subject, "report domain:", 14) == 0)
		return 1;
	for (i = 0; i < ARRAY_SIZE(report_suffixes); i++)
		if (str_casesuffix(name, report_suffixes[i]))
			return 1;
	return 0;
}

/* take_part - decode one report part and hand it to fn */
static void
take_part(GMimePart *part, struct report_part *rp, report_part_fn fn,
    void *arg)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeStream *raw, *mem;
	GByteArray *bytes;
	gint64 size;

	raw = content != NULL ? g_mime_data_wrapper_get_stream(content) :
	    NULL;
	size = raw != NULL ? g_mime_stream_length(raw) : 0;
	if (raw == NULL || size < 0) {
		rp->error = "attachment has no readable content";
		fn(arg, rp);
		return;
	}
	/* decoding never makes base64 or quoted-printable larger */
	if (size > REPORT_MIME_MAX_PART) {
		rp->error = "attachment larger than REPORT_MIME_MAX_PART "
		    "(50 MB)";
		fn(arg, rp);
		return;
	}
	mem = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(content, mem) < 0) {
		rp->error = "attachment cannot be decoded";
		fn(arg, rp);
	} else {
		bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
		rp->data = bytes->len > 0 ? (const char *)bytes->data : "";
		rp->len = bytes->len;
		fn(arg, rp);
	}
	g_object_unref(mem);
}

/* walk - every report part of msg to fn; one call at least */
static void
walk(GMimeMessage *msg, report_part_fn fn, void *arg)
{
	struct report_part rp;
	GMimePartIter *it;
	GMimeObject *o;
	GMimeContentType *ct;
	char *type;
	const char *id, *subject, *name;
	int found = 0;

	id = g_mime_message_get_message_id(msg);
	subject = g_mime_message_get_subject(msg);
	memset(&rp, 0, sizeof(rp));
	rp.message_id = id != NULL ? id : "";
	rp.subject = subject != NULL ? subject : "";
	rp.filename = rp.type = "";
	o = g_mime_message_get_mime_part(msg);
	it = o != NULL ? g_mime_part_iter_new(o) : NULL;
	/* the iterator visits the body itself first, then its children */
	for (; it != NULL && g_mime_part_iter_is_valid(it);
	    g_mime_part_iter_next(it)) {
		o = g_mime_part_iter_get_current(it);
		if (!GMIME_IS_PART(o))
			continue;
		ct = g_mime_object_get_content_type(o);
		type = ct != NULL ? g_mime_content_type_get_mime_type(ct) :
		    g_strdup("text/plain");
		name = g_mime_part_get_filename(GMIME_PART(o));
		if (name == NULL)
			name = "";
		if (is_report(type, name, rp.subject)) {
			rp.type = type;
			rp.filename = name;
			rp.data = NULL;
			rp.len = 0;
			rp.error = NULL;
			if (++found > REPORT_MIME_MAX_REPORTS) {
				rp.error = "more than REPORT_MIME_MAX_REPORTS "
				    "(16) report attachments";
				fn(arg, &rp);
				g_free(type);
				break;
			}
			take_part(GMIME_PART(o), &rp, fn, arg);
		}
		g_free(type);
	}
	if (it != NULL)
		g_mime_part_iter_free(it);
	if (found == 0) {
		rp.type = rp.filename = "";
		rp.data = NULL;
		rp.error = "no report attachment";
		fn(arg, &rp);
	}
}

/* report_mime_mail - the report parts of one mail in memory */
int
report_mime_mail(const char *buf, size_t len, report_part_fn fn, void *arg,
    struct strbuf *err)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;

	mime_init();
	if (len > (size_t)REPORT_MIME_MAX_MAIL) {
		sb_printf(err, "mail larger than %ld bytes",
		    (long)REPORT_MIME_MAX_MAIL);
		return -1;
	}
	stream = g_mime_stream_mem_new_with_buffer(buf, len);
	parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	if (msg == NULL) {
		sb_puts(err, "not a mail (and not a report)");
		return -1;
	}
	walk(msg, fn, arg);
	g_object_unref(msg);
	return 0;
}

/* report_mime_mbox - the report parts of every mail of an mbox */
int
report_mime_mbox(int fd, report_part_fn fn, void *arg, struct strbuf *err)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	struct report_part rp;
	gint64 begin, end;
	int n = 0, dfd;

	mime_init();
	if ((dfd = dup(fd)) == -1) {
		sb_puts(err, "cannot duplicate the mbox descriptor");
		return -1;
	}
	stream = g_mime_stream_fs_new(dfd);
	parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MBOX);
	while (!g_mime_parser_eos(parser)) {
		begin = g_mime_parser_tell(parser);
		if ((msg = g_mime_parser_construct_message(parser,
		    NULL)) == NULL)
			break;
		n++;
		end = g_mime_parser_tell(parser);
		if (end - begin > REPORT_MIME_MAX_MAIL) {
			memset(&rp, 0, sizeof(rp));
			rp.message_id = g_mime_message_get_message_id(msg);
			if (rp.message_id == NULL)
				rp.message_id = "";
			rp.subject = rp.filename = rp.type = "";
			rp.error = "mail larger than REPORT_MIME_MAX_MAIL "
			    "(50 MB)";
			fn(arg, &rp);
		} else
			walk(msg, fn, arg);
		g_object_unref(msg);
	}
	g_object_unref(parser);
	if (n == 0) {
		sb_puts(err, "no mail in mbox form (a \"From \" line first)");
		return -1;
	}
	return n;
}
