/*
 * report_unpack.c - gzip and zip undone within limits (see report_unpack.h)
 */
#include <stddef.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "util.h"
#include "report_unpack.h"

#define CHUNK	65536

/* over_limit - true (and why in err) when n output bytes are too many */
static int
over_limit(const char *what, size_t n, size_t inlen, struct strbuf *err)
{
	if (n > (size_t)REPORT_UNPACK_MAX_OUT) {
		sb_printf(err, "%s: output larger than %ld bytes", what,
		    (long)REPORT_UNPACK_MAX_OUT);
		return 1;
	}
	if (n > (size_t)REPORT_UNPACK_RATIO_FLOOR &&
	    n / REPORT_UNPACK_MAX_RATIO > inlen) {
		sb_printf(err, "%s: expands more than %d times (%zu bytes "
		    "in, more than %zu out)", what, REPORT_UNPACK_MAX_RATIO,
		    inlen, n);
		return 1;
	}
	return 0;
}

/* gunzip - inflate one gzip stream; bytes after its end are ignored */
static int
gunzip(const unsigned char *in, size_t len, size_t inlen,
    struct strbuf *out, struct strbuf *err)
{
	unsigned char buf[CHUNK];
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		sb_puts(err, "gzip: cannot start zlib");
		return -1;
	}
	z.next_in = (unsigned char *)(uintptr_t)in;
	do {
		/* avail_in is 32 bits: feed at most 1 GB at a time */
		if (z.avail_in == 0) {
			size_t left = len - (size_t)(z.next_in - in);

			z.avail_in = left > (1U << 30) ? 1U << 30 :
			    (unsigned)left;
		}
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END) {
			sb_printf(err, "gzip: %s", rc == Z_BUF_ERROR ?
			    "truncated" : z.msg != NULL ? z.msg :
			    "corrupt data");
			inflateEnd(&z);
			return -1;
		}
		sb_append(out, (char *)buf, sizeof(buf) - z.avail_out);
		if (over_limit("gzip", out->len, inlen, err)) {
			inflateEnd(&z);
			return -1;
		}
	} while (rc != Z_STREAM_END);
	inflateEnd(&z);
	return 0;
}

/* unzip - the one file of a zip, read with libarchive */
static int
unzip(const unsigned char *in, size_t len, size_t inlen,
    struct strbuf *out, struct strbuf *err)
{
	char buf[CHUNK];
	struct archive *a;
	struct archive_entry *e;
	int rc, entries = 0, files = 0;
	la_ssize_t n;

	if ((a = archive_read_new()) == NULL) {
		sb_puts(err, "zip: cannot start libarchive");
		return -1;
	}
	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, in, len) != ARCHIVE_OK)
		goto fail;
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		if (++entries > REPORT_ZIP_MAX_ENTRIES) {
			sb_printf(err, "zip: more than %d entries",
			    REPORT_ZIP_MAX_ENTRIES);
			goto out;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (++files > 1) {
			sb_puts(err, "zip: holds more than one file, a "
			    "report zip holds one");
			goto out;
		}
		/* the declared size is not looked at: bytes are counted */
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
			sb_append(out, buf, (size_t)n);
			if (over_limit("zip", out->len, inlen, err))
				goto out;
		}
		if (n < 0)
			goto fail;
	}
	if (rc != ARCHIVE_EOF)
		goto fail;
	if (files == 0) {
		sb_puts(err, "zip: holds no file");
		goto out;
	}
	archive_read_free(a);
	return 0;
fail:
	sb_puts(err, "zip: ");
	sb_put_printable(err, archive_error_string(a) != NULL ?
	    archive_error_string(a) : "corrupt archive", 200);
out:
	archive_read_free(a);
	return -1;
}

/* report_unpack - in, decompressed as its magic bytes say */
int
report_unpack(const unsigned char *in, size_t len, struct strbuf *out,
    struct strbuf *err)
{
	struct strbuf cur, next;
	int layer, rc = 0;

	sb_init(&cur);
	sb_append(&cur, (const char *)in, len);
	for (layer = 0; layer <= REPORT_UNPACK_MAX_LAYERS; layer++) {
		const unsigned char *p = (const unsigned char *)cur.s;
		int gz = cur.len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
		int zip = cur.len >= 4 && memcmp(p, "PK\3\4", 4) == 0;

		if (!gz && !zip)
			break;
		if (layer == REPORT_UNPACK_MAX_LAYERS) {
			sb_printf(err, "compressed more than %d times over",
			    REPORT_UNPACK_MAX_LAYERS);
			rc = -1;
			break;
		}
		sb_init(&next);
		rc = gz ? gunzip(p, cur.len, len, &next, err) :
		    unzip(p, cur.len, len, &next, err);
		sb_free(&cur);
		cur = next;
		if (rc == -1)
			break;
	}
	sb_truncate(out, 0);
	if (rc == 0)
		sb_append(out, cur.s, cur.len);
	sb_free(&cur);
	return rc;
}

/* report_sniff - XML, JSON or a mail, from the first non-blank byte */
enum report_kind
report_sniff(const char *p, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	if (i < len && p[i] == '<')
		return REPORT_KIND_XML;
	if (i < len && p[i] == '{')
		return REPORT_KIND_JSON;
	return REPORT_KIND_MAIL;
}

/* report_kind_name - "dmarc", "tls" or "mail" */
const char *
report_kind_name(enum report_kind k)
{
	switch (k) {
	case REPORT_KIND_XML:
		return "dmarc";
	case REPORT_KIND_JSON:
		return "tls";
	default:
		return "mail";
	}
}
