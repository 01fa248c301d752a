/*
 * message_file.c - a message file, read as the milter protocol gives it
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "message_file.h"

enum line_status {
	LINE_OK,	/* a line, its end removed */
	LINE_EOF,	/* nothing left */
	LINE_LONG,	/* over the limit: stopped reading */
	LINE_ERROR	/* a read error */
};

struct body_out {
	unsigned char		 buf[MESSAGE_FILE_CHUNK];
	size_t			 len;
	message_file_body_fn	*fn;
	void			*arg;
};

/*
 * read_line - one line into sb, without its LF or CRLF (a CR just
 * before the end of the file ends a line too); at most max bytes
 */
static enum line_status
read_line(FILE *fp, struct strbuf *sb, size_t max)
{
	int c = EOF;

	sb_truncate(sb, 0);
	while ((c = getc(fp)) != EOF && c != '\n') {
		if (sb->len == max)
			return LINE_LONG;
		sb_putc(sb, c);
	}
	if (ferror(fp))
		return LINE_ERROR;
	if (c == EOF && sb->len == 0)
		return LINE_EOF;
	if (sb->len > 0 && sb->s[sb->len - 1] == '\r')
		sb_truncate(sb, sb->len - 1);
	return LINE_OK;
}

/* field_name_len - the name's length if line starts a field, else 0 */
static size_t
field_name_len(const struct strbuf *line)
{
	const char *colon = memchr(line->s, ':', line->len);
	size_t n, i;

	if (colon == NULL)
		return 0;
	/* RFC 5322 4.5.3: white space may stand before the colon */
	for (n = (size_t)(colon - line->s); n > 0 &&
	    (line->s[n - 1] == ' ' || line->s[n - 1] == '\t'); n--)
		;
	for (i = 0; i < n; i++)
		if ((unsigned char)line->s[i] < 33 ||
		    (unsigned char)line->s[i] > 126)
			return 0;
	return n;
}

/* is_mbox_separator - "From " not followed by white space and a colon */
static int
is_mbox_separator(const struct strbuf *line)
{
	const char *p;

	if (line->len < 5 || memcmp(line->s, "From ", 5) != 0)
		return 0;
	for (p = line->s + 5; *p == ' ' || *p == '\t'; p++)
		;
	return *p != ':';
}

/* add_field - start a new field from line (name length n) */
static void
add_field(struct message_file *mf, const struct strbuf *line, size_t n,
    size_t lineno)
{
	const char *colon = memchr(line->s, ':', line->len);
	struct message_field *f;

	mf->fields = xrealloc(mf->fields,
	    (mf->nfields + 1) * sizeof(*mf->fields));
	f = &mf->fields[mf->nfields++];
	f->name = xstrndup(line->s, n);
	f->value = xstrdup(colon + 1);
	f->line = lineno;
}

/* fold_into - a continuation line: "\n" and the line onto the last field */
static void
fold_into(struct message_field *f, const struct strbuf *line)
{
	size_t len = strlen(f->value);

	f->value = xrealloc(f->value, len + 1 + line->len + 1);
	f->value[len] = '\n';
	memcpy(f->value + len + 1, line->s, line->len + 1);
}

/* fail - set err to "PATH[:LINE]: reason" */
static void
fail(struct strbuf *err, const char *path, size_t lineno, const char *why)
{
	sb_truncate(err, 0);
	if (lineno > 0)
		sb_printf(err, "%s:%zu: %s", path, lineno, why);
	else
		sb_printf(err, "%s: %s", path, why);
}

/* read_header - the header section into mf->fields; 0, or -1 with err */
static int
read_header(struct message_file *mf, struct strbuf *err)
{
	struct strbuf line;
	struct message_field *last = NULL;
	size_t lineno = 0, n, field_bytes = 0;
	enum line_status st;
	int rc = -1;

	sb_init(&line);
	for (;;) {
		st = read_line(mf->fp, &line, MESSAGE_FILE_MAX_FIELD);
		lineno++;
		if (st == LINE_EOF) {
			rc = 0;		/* a header without a body */
			break;
		}
		if (st == LINE_ERROR) {
			fail(err, mf->path, lineno, strerror(errno));
			break;
		}
		if (st == LINE_LONG) {
			fail(err, mf->path, lineno, "a header line over "
			    "1 MB: the daemon's libmilter would drop the "
			    "connection and the MTA apply its milter failure "
			    "action");
			break;
		}
		if (memchr(line.s, '\0', line.len) != NULL) {
			fail(err, mf->path, lineno, "a NUL byte in the header "
			    "section: an MTA cannot pass that field to a "
			    "milter");
			break;
		}
		if (line.len == 0) {
			mf->body_line = lineno + 1;
			rc = 0;
			break;
		}
		if (lineno == 1 && is_mbox_separator(&line)) {
			mf->skipped_from_line = 1;
			continue;
		}
		if ((line.s[0] == ' ' || line.s[0] == '\t') && last != NULL) {
			field_bytes += 1 + line.len;
			if (field_bytes > MESSAGE_FILE_MAX_FIELD) {
				fail(err, mf->path, last->line, "a header "
				    "field over 1 MB: the daemon's libmilter "
				    "would drop the connection and the MTA "
				    "apply its milter failure action");
				break;
			}
			fold_into(last, &line);
			continue;
		}
		if ((n = field_name_len(&line)) == 0) {
			/* not a field: the body starts with this line */
			sb_append(&mf->first, line.s, line.len);
			mf->has_first = 1;
			mf->body_line = lineno;
			rc = 0;
			break;
		}
		add_field(mf, &line, n, lineno);
		last = &mf->fields[mf->nfields - 1];
		field_bytes = line.len;
	}
	sb_free(&line);
	return rc;
}

/* message_file_open - open path ("-": standard input), read its header */
struct message_file *
message_file_open(const char *path, struct strbuf *err)
{
	struct message_file *mf = xcalloc(1, sizeof(*mf));

	mf->path = xstrdup(path);
	sb_init(&mf->first);
	if (strcmp(path, "-") == 0) {
		mf->fp = stdin;
	} else if ((mf->fp = fopen(path, "rb")) == NULL) {
		fail(err, path, 0, strerror(errno));
		message_file_close(mf);
		return NULL;
	}
	if (read_header(mf, err) != 0) {
		message_file_close(mf);
		return NULL;
	}
	return mf;
}

/* out_put - one byte of the body, handed on when a chunk is full */
static void
out_put(struct body_out *o, unsigned char c)
{
	if (o->len == sizeof(o->buf)) {
		o->fn(o->arg, o->buf, o->len);
		o->len = 0;
	}
	o->buf[o->len++] = c;
}

/* out_crlf_line - a line that lost its end: its bytes and CRLF */
static void
out_crlf_line(struct body_out *o, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		out_put(o, (unsigned char)p[i]);
	out_put(o, '\r');
	out_put(o, '\n');
}

/* message_file_body - stream the body, CRLF line ends; 0 or -1 */
int
message_file_body(struct message_file *mf, message_file_body_fn *fn,
    void *arg, struct strbuf *err)
{
	struct body_out *o;
	unsigned char in[8192];
	size_t n, i;
	int last = '\n', rc = 0;

	if (mf->body_read || mf->body_line == 0)
		return 0;
	mf->body_read = 1;
	o = xcalloc(1, sizeof(*o));
	o->fn = fn;
	o->arg = arg;
	if (mf->has_first)
		out_crlf_line(o, mf->first.s, mf->first.len);
	while ((n = fread(in, 1, sizeof(in), mf->fp)) > 0) {
		for (i = 0; i < n; i++) {
			if (in[i] == '\n' && last != '\r')
				out_put(o, '\r');
			out_put(o, in[i]);
			last = in[i];
		}
	}
	if (ferror(mf->fp)) {
		fail(err, mf->path, 0, strerror(errno));
		rc = -1;
	} else if (last == '\r') {
		out_put(o, '\n');	/* the file ends in a CR */
	} else if (last != '\n') {
		out_put(o, '\r');	/* an MTA ends a message with CRLF */
		out_put(o, '\n');
	}
	if (rc == 0 && o->len > 0)
		fn(arg, o->buf, o->len);
	free(o);
	return rc;
}

/* message_file_close - close the file, free everything */
void
message_file_close(struct message_file *mf)
{
	size_t i;

	if (mf == NULL)
		return;
	if (mf->fp != NULL && mf->fp != stdin)
		fclose(mf->fp);
	for (i = 0; i < mf->nfields; i++) {
		free(mf->fields[i].name);
		free(mf->fields[i].value);
	}
	free(mf->fields);
	sb_free(&mf->first);
	free(mf->path);
	free(mf);
}
