/*
 * message_file_test - a message file read as the milter protocol gives
 * it: field names and values (folds as "\n"), the header's end, the
 * body with CRLF line ends, and the errors that name file and line
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "message_file.h"
#include "tap.h"

struct body {
	struct strbuf	sb;
	size_t		calls;
	size_t		largest;
};

static char path[] = "/tmp/message_file_test.XXXXXX";

/* write_file - the test file holds n bytes of p */
static void
write_file(const char *p, size_t n)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL || fwrite(p, 1, n, fp) != n || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

/* take_body - message_file_body()'s function: keep every chunk */
static void
take_body(void *arg, const unsigned char *p, size_t len)
{
	struct body *b = arg;

	sb_append(&b->sb, (const char *)p, len);
	b->calls++;
	if (len > b->largest)
		b->largest = len;
}

/* fields - "name=[value]|..." of the file's header */
static char *
fields(const struct message_file *mf)
{
	struct strbuf sb;
	size_t i;

	sb_init(&sb);
	for (i = 0; i < mf->nfields; i++)
		sb_printf(&sb, "%s=[%s]|", mf->fields[i].name,
		    mf->fields[i].value);
	return sb_detach(&sb);
}

/*
 * read_case - the file of n bytes of p: its fields and body are what is
 * expected (want_body NULL: no body at all)
 */
static void
read_case(const char *p, size_t n, const char *want_fields,
    const char *want_body, size_t want_body_len, const char *name)
{
	struct message_file *mf;
	struct strbuf err;
	struct body b;
	char *got;

	write_file(p, n);
	sb_init(&err);
	memset(&b, 0, sizeof(b));
	sb_init(&b.sb);
	mf = message_file_open(path, &err);
	ok(mf != NULL, "%s: read (%s)", name, err.s);
	if (mf == NULL)
		return;
	got = fields(mf);
	is_str(got, want_fields, "%s: fields", name);
	free(got);
	is_int(message_file_body(mf, take_body, &b, &err), 0,
	    "%s: body read", name);
	if (want_body == NULL) {
		is_int((long)b.calls, 0, "%s: no body", name);
	} else {
		is_int((long)b.sb.len, (long)want_body_len,
		    "%s: body length", name);
		ok(b.sb.len == want_body_len &&
		    memcmp(b.sb.s, want_body, want_body_len) == 0,
		    "%s: body bytes", name);
	}
	message_file_close(mf);
	sb_free(&b.sb);
	sb_free(&err);
}

/* error_case - the file of n bytes of p is refused with err matching */
static void
error_case(const char *p, size_t n, const char *want_err, const char *name)
{
	struct message_file *mf;
	struct strbuf err, want;

	write_file(p, n);
	sb_init(&err);
	sb_init(&want);
	sb_printf(&want, "%s%s", path, want_err);
	mf = message_file_open(path, &err);
	ok(mf == NULL, "%s: refused", name);
	ok(strncmp(err.s, want.s, want.len) == 0, "%s: error '%s' starts "
	    "'%s'", name, err.s, want.s);
	message_file_close(mf);
	sb_free(&err);
	sb_free(&want);
}

#define CASE(s)	s, sizeof(s) - 1

int
main(void)
{
	struct body b;
	struct strbuf err;
	struct message_file *mf;
	char *big;
	size_t n, i;
	int fd;

	if ((fd = mkstemp(path)) < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);

	read_case(CASE("From: a@example.com\nSubject:  two\n\tlines\n\nHi\n"),
	    "From=[ a@example.com]|Subject=[  two\n\tlines]|",
	    CASE("Hi\r\n"), "LF: value after the colon, fold as \\n");
	read_case(CASE("From: a@x\r\nSubject: s\r\n  more\r\n\r\nA\r\nB\r\n"),
	    "From=[ a@x]|Subject=[ s\n  more]|", CASE("A\r\nB\r\n"),
	    "CRLF: CR not in values, body as is");
	read_case(CASE("From : a@x\nTo:b@x\n\nx"), "From=[ a@x]|To=[b@x]|",
	    CASE("x\r\n"), "white space before the colon; no final line end");
	read_case(CASE("From sender@x Sat Dec  5 10:00:00 2026\nFrom: a@x\n\nb\n"),
	    "From=[ a@x]|", CASE("b\r\n"), "an mbox From_ line is skipped");
	read_case(CASE("From: a@x\nnot a field\nTo: b@x\n\nc\n"),
	    "From=[ a@x]|", CASE("not a field\r\nTo: b@x\r\n\r\nc\r\n"),
	    "a line that is no field starts the body");
	read_case(CASE("Bad Name: v\nFrom: a@x\n\n"), "",
	    CASE("Bad Name: v\r\nFrom: a@x\r\n\r\n"),
	    "a name with a space is no field");
	read_case(CASE(" lead\nFrom: a@x\n\n"), "",
	    CASE(" lead\r\nFrom: a@x\r\n\r\n"),
	    "a continuation before any field starts the body");
	read_case(CASE("From: a@x\nTo: b@x\n"), "From=[ a@x]|To=[ b@x]|",
	    NULL, 0, "a header without a body");
	read_case(CASE("From: a@x\n\n"), "From=[ a@x]|", NULL, 0,
	    "an empty body: no body chunk");
	read_case(CASE(""), "", NULL, 0, "an empty file");
	read_case(CASE("From: a@x\n\na\nb\r\nc\rd\r"), "From=[ a@x]|",
	    CASE("a\r\nb\r\nc\rd\r\n"),
	    "mixed line ends become CRLF; a bare CR inside a line stays");
	read_case(CASE("From: a@x\n\n\0bin\0\n"), "From=[ a@x]|",
	    CASE("\0bin\0\r\n"), "NUL bytes in the body pass");

	error_case(CASE("From: a@x\nX-Bad: a\0b\n\nx\n"), ":2: a NUL byte",
	    "a NUL in a field");
	n = MESSAGE_FILE_MAX_FIELD + 10;
	big = malloc(MESSAGE_FILE_MAX_FIELD + 5000);
	memcpy(big, "From: a@x\nX-Big: ", 17);
	memset(big + 17, 'a', n);
	memcpy(big + 17 + n, "\n\nx\n", 4);
	error_case(big, n + 21, ":2: a header line over 1 MB", "a field "
	    "line over the limit");
	/* folded: lines of 1000 bytes, together over the limit */
	memcpy(big, "From: a@x\nX-Big: ", 17);
	for (i = 17; i + 1000 + 2 < MESSAGE_FILE_MAX_FIELD + 5000; i += 1000) {
		memset(big + i, ' ', 1000);
		big[i + 999] = '\n';
		big[i + 1] = 'a';
	}
	memcpy(big + i, "\n\n", 2);
	error_case(big, i + 2, ":2: a header field over 1 MB",
	    "a folded field over the limit (the error names its first line)");
	free(big);

	/* a large body comes in chunks of at most MESSAGE_FILE_CHUNK */
	n = 300000;
	big = malloc(n + 20);
	memcpy(big, "From: a@x\n\n", 11);
	memset(big + 11, 'b', n);
	write_file(big, n + 11);
	sb_init(&err);
	memset(&b, 0, sizeof(b));
	sb_init(&b.sb);
	mf = message_file_open(path, &err);
	ok(mf != NULL && message_file_body(mf, take_body, &b, &err) == 0,
	    "a 300,000-byte body is read");
	is_int((long)b.sb.len, (long)n + 2, "all of it, and a final CRLF");
	ok(b.largest <= MESSAGE_FILE_CHUNK && b.calls >= 5,
	    "in chunks of at most %d bytes (%zu chunks)", MESSAGE_FILE_CHUNK,
	    b.calls);
	message_file_close(mf);
	sb_free(&b.sb);
	sb_free(&err);
	free(big);

	sb_init(&err);
	unlink(path);
	ok(message_file_open(path, &err) == NULL &&
	    strstr(err.s, "No such file") != NULL,
	    "a missing file: the error says so (%s)", err.s);
	sb_free(&err);
	return tap_done();
}
