/*
 * report_mail.c - the report mail: built with GMime, signed with
 * lib/dkim_sign, given to sendmail (see report_mail.h)
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "util.h"
#include "dkim_sign.h"
#include "report_mail.h"

/* read_gz - the whole report file, at most REPORT_MAIL_MAX_GZ bytes */
static int
read_gz(const char *path, struct strbuf *data, struct strbuf *err)
{
	char buf[65536];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		sb_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (data->len + (size_t)n > REPORT_MAIL_MAX_GZ) {
			sb_printf(err, "%s: larger than REPORT_MAIL_MAX_GZ "
			    "(%d bytes): not mailed", path, REPORT_MAIL_MAX_GZ);
			close(fd);
			return -1;
		}
		sb_append(data, buf, (size_t)n);
	}
	if (n == -1)
		sb_printf(err, "%s: %s", path, strerror(errno));
	close(fd);
	return n == -1 ? -1 : 0;
}

/* attachment - the report as application/gzip, base64, named */
static GMimeObject *
attachment(const struct report_mail *m, const struct strbuf *data)
{
	GMimePart *part = g_mime_part_new_with_type("application", "gzip");
	GMimeStream *s;
	GMimeDataWrapper *dw;

	s = g_mime_stream_mem_new_with_buffer(data->s, data->len);
	dw = g_mime_data_wrapper_new_with_stream(s,
	    GMIME_CONTENT_ENCODING_BINARY);
	g_mime_part_set_content(part, dw);
	g_object_unref(dw);
	g_object_unref(s);
	g_mime_part_set_filename(part, m->filename);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	return GMIME_OBJECT(part);
}

/* message - the whole MIME message, not yet signed */
static GMimeMessage *
message(const struct report_mail *m, const struct strbuf *data)
{
	GMimeMessage *msg = g_mime_message_new(TRUE);
	GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
	GMimeTextPart *text = g_mime_text_part_new_with_subtype("plain");
	GMimeObject *gz;
	GDateTime *now;
	const char *at = strrchr(m->from, '@');
	char *msgid;
	size_t i;

	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, m->org_name,
	    m->from);
	for (i = 0; m->to[i] != NULL; i++)
		g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL,
		    m->to[i]);
	g_mime_message_set_subject(msg, m->subject, "utf-8");
	now = g_date_time_new_now_utc();
	g_mime_message_set_date(msg, now);
	g_date_time_unref(now);
	msgid = g_strdup_printf("%s@%s", m->report_id,
	    at != NULL ? at + 1 : "localhost");
	g_mime_message_set_message_id(msg, msgid);
	g_free(msgid);
	g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted",
	    "auto-generated", NULL);
	g_mime_text_part_set_text(text, m->text);
	g_mime_multipart_add(mixed, GMIME_OBJECT(text));
	g_object_unref(text);
	gz = attachment(m, data);
	g_mime_multipart_add(mixed, gz);
	g_object_unref(gz);
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(mixed));
	g_object_unref(mixed);
	return msg;
}

/* write_crlf - the message as GMime writes it, CRLF line ends */
static GByteArray *
write_crlf(GMimeMessage *msg)
{
	GMimeFormatOptions *fo = g_mime_format_options_new();
	GMimeStream *s = g_mime_stream_mem_new();
	GByteArray *bytes;

	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, s);
	g_mime_format_options_free(fo);
	/* the array outlives the stream: ours to free */
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
	g_object_unref(s);
	return bytes;
}

struct field {
	gint64		 offset;
	const char	*name;
	const char	*raw;
};

/* by_offset - qsort: fields in the order they stand in the message */
static int
by_offset(const void *a, const void *b)
{
	const struct field *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* add_fields - the header fields of one list, with their offsets */
static void
add_fields(GMimeHeaderList *hl, gint64 end, struct field **f, size_t *n)
{
	GMimeHeader *h;
	int i, count = g_mime_header_list_get_count(hl);

	for (i = 0; i < count; i++) {
		h = g_mime_header_list_get_header_at(hl, i);
		if (g_mime_header_get_offset(h) < 0 ||
		    g_mime_header_get_offset(h) >= end ||
		    g_mime_header_get_raw_value(h) == NULL)
			continue;
		*f = xrealloc(*f, (*n + 1) * sizeof(**f));
		(*f)[*n].offset = g_mime_header_get_offset(h);
		(*f)[*n].name = g_mime_header_get_name(h);
		(*f)[*n].raw = g_mime_header_get_raw_value(h);
		(*n)++;
	}
}

/*
 * sign - the DKIM-Signature values for the message in bytes
 *
 * The message is read back with GMime's parser, so that the signer
 * sees each header field exactly as written (folding included): the
 * message's own fields and its top part's (Content-Type), in order.
 */
static size_t
sign(const struct report_mail *m, GByteArray *bytes,
    struct dkim_signer **signer, char ***values, struct strbuf *err)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(
	    (const char *)bytes->data, bytes->len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);
	const char *domain = strrchr(m->from, '@') + 1;
	struct field *f = NULL;
	gint64 end;
	size_t n = 0, i, len;
	char *v;

	*signer = NULL;
	end = g_mime_parser_get_headers_end(p);
	if (msg == NULL || end < 0 || (guint64)end + 2 > bytes->len ||
	    memcmp(bytes->data + end, "\r\n", 2) != 0) {
		sb_puts(err, "the message GMime wrote does not read back");
		n = 0;
		goto out;
	}
	add_fields(g_mime_object_get_header_list(GMIME_OBJECT(msg)), end,
	    &f, &n);
	if (g_mime_message_get_mime_part(msg) != NULL)
		add_fields(g_mime_object_get_header_list(
		    g_mime_message_get_mime_part(msg)), end, &f, &n);
	qsort(f, n, sizeof(*f), by_offset);
	*signer = dkim_signer_new(m->opts, domain, m->keys, m->nkeys);
	for (i = 0; i < n; i++) {
		len = strlen(f[i].raw);		/* less the field's CRLF */
		while (len > 0 && (f[i].raw[len - 1] == '\n' ||
		    f[i].raw[len - 1] == '\r'))
			len--;
		v = xstrndup(f[i].raw, len);
		dkim_signer_header(*signer, f[i].name, v);
		free(v);
	}
	dkim_signer_eoh(*signer);
	dkim_signer_body(*signer, bytes->data + end + 2,
	    bytes->len - (size_t)end - 2);
	n = dkim_signer_eom(*signer, values);
	if (n < m->nkeys)
		sb_printf(err, "DKIM: %zu of %zu signatures made", n,
		    m->nkeys);
out:
	free(f);
	if (msg != NULL)
		g_object_unref(msg);
	g_object_unref(p);
	g_object_unref(s);
	return n;
}

/* put_lf - bytes with every CRLF turned into LF */
static void
put_lf(struct strbuf *out, const char *p, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i + 1 < len; i++)
		if (p[i] == '\r' && p[i + 1] == '\n') {
			sb_append(out, p + start, i - start);
			start = i + 1;
		}
	sb_append(out, p + start, len - start);
}

/* report_mail_build - the report mail, signed, LF line ends */
int
report_mail_build(const struct report_mail *m, struct strbuf *out,
    struct strbuf *err)
{
	static int initialized;
	struct dkim_signer *signer = NULL;
	struct strbuf data;
	GMimeMessage *msg;
	GByteArray *bytes;
	char **values = NULL;
	size_t i, n = 0;
	int rc = 0;

	if (!initialized) {
		g_mime_init();
		initialized = 1;
	}
	sb_init(&data);
	if (read_gz(m->gz_path, &data, err) == -1) {
		sb_free(&data);
		return -1;
	}
	if (strchr(m->from, '@') == NULL) {
		sb_printf(err, "ReportEmail %s: no @domain", m->from);
		sb_free(&data);
		return -1;
	}
	msg = message(m, &data);
	bytes = write_crlf(msg);
	g_object_unref(msg);
	if (m->nkeys > 0) {
		n = sign(m, bytes, &signer, &values, err);
		if (n < m->nkeys)
			rc = -1;
	}
	for (i = 0; rc == 0 && i < n; i++) {
		sb_puts(out, "DKIM-Signature: ");
		put_lf(out, values[i], strlen(values[i]));
		sb_putc(out, '\n');
	}
	if (rc == 0)
		put_lf(out, (const char *)bytes->data, bytes->len);
	dkim_signer_free(signer);
	g_byte_array_free(bytes, TRUE);
	sb_free(&data);
	return rc;
}

/* write_all - the whole buffer to fd: 0, or -1 */
static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* report_mail_send - sendmail -i -f FROM -- TO..., msg on its stdin */
int
report_mail_send(char *const *sendmail, const char *from, char *const *to,
    const char *msg, size_t len, struct strbuf *err)
{
	size_t ncmd, nto, i, k = 0;
	char **argv;
	int fds[2], status, werr = 0;
	pid_t pid;

	for (ncmd = 0; sendmail[ncmd] != NULL; ncmd++)
		;
	for (nto = 0; to[nto] != NULL; nto++)
		;
	if (ncmd == 0 || nto == 0) {
		sb_puts(err, "no sendmail command or no recipient");
		return -1;
	}
	argv = xcalloc(ncmd + nto + 5, sizeof(char *));
	for (i = 0; i < ncmd; i++)
		argv[k++] = sendmail[i];
	argv[k++] = "-i";
	argv[k++] = "-f";
	argv[k++] = (char *)from;
	argv[k++] = "--";
	for (i = 0; i < nto; i++)
		argv[k++] = to[i];
	if (pipe(fds) == -1) {
		sb_printf(err, "pipe: %s", strerror(errno));
		free(argv);
		return -1;
	}
	if ((pid = fork()) == -1) {
		sb_printf(err, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		free(argv);
		return -1;
	}
	if (pid == 0) {
		if (dup2(fds[0], 0) == -1)
			_exit(127);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	free(argv);
	close(fds[0]);
	if (write_all(fds[1], msg, len) == -1)
		werr = errno;
	close(fds[1]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			sb_printf(err, "waitpid: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && werr == 0)
		return 0;
	sb_printf(err, "%s ", sendmail[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		sb_puts(err, "could not be run (exit status 127)");
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		sb_printf(err, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		sb_printf(err, "was killed by signal %d", WTERMSIG(status));
	else
		sb_printf(err, "did not read the whole message: %s",
		    strerror(werr));
	return -1;
}
