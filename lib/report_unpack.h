/*
 * NAME
 *	report_unpack - undo the compression a report arrives in (gzip,
 *	zip), within limits, and say what the content is
 * SYNOPSIS
 *	#include "report_unpack.h"
 *
 *	int report_unpack(const unsigned char *in, size_t len,
 *	        struct strbuf *out, struct strbuf *err);
 *	enum report_kind report_sniff(const char *p, size_t len);
 *	const char *report_kind_name(enum report_kind k);
 * DESCRIPTION
 *	report_unpack() looks at the first bytes of in, never at a file
 *	name: gzip (1f 8b) is inflated with zlib, a zip (PK\3\4) is read
 *	with libarchive, anything else is copied as it is.  What comes
 *	out is looked at again, up to REPORT_UNPACK_MAX_LAYERS times (a
 *	.xml.gz inside a .zip).  Bytes after the end of a gzip stream are
 *	ignored (some reporters append them).  A zip must hold exactly
 *	one file, among at most REPORT_ZIP_MAX_ENTRIES entries.
 *
 *	Sizes that an archive declares are never trusted: bytes are
 *	counted as they are inflated, and unpacking stops with an error
 *	as soon as the output passes REPORT_UNPACK_MAX_OUT bytes, or
 *	passes REPORT_UNPACK_RATIO_FLOOR bytes while being more than
 *	REPORT_UNPACK_MAX_RATIO times the input.  out is replaced by the
 *	result (NUL-terminated; binary content possible).
 *
 *	report_sniff() tells what a (decompressed) document is from its
 *	first non-blank bytes (a UTF-8 byte-order mark skipped): '<' XML,
 *	'{' JSON, anything else a mail.
 *
 *	The caller owns in, out and err.
 * DIAGNOSTICS
 *	report_unpack() returns 0, or -1 with why appended to err
 *	("gzip: output larger than 52428800 bytes", "zip: holds 3
 *	files, a report zip holds one", ...); out then holds nothing.
 */
#ifndef AUTHMILTER_REPORT_UNPACK_H
#define AUTHMILTER_REPORT_UNPACK_H

#include <stddef.h>

#include "util.h"

#define REPORT_UNPACK_MAX_OUT		(50L * 1024 * 1024)
#define REPORT_UNPACK_MAX_RATIO		1000	/* out / in: above deflate on text */
#define REPORT_UNPACK_RATIO_FLOOR	(1L * 1024 * 1024)
#define REPORT_UNPACK_MAX_LAYERS	2	/* gzip in zip, at most */
#define REPORT_ZIP_MAX_ENTRIES		16	/* files, directories */

enum report_kind {
	REPORT_KIND_XML,	/* a DMARC aggregate report */
	REPORT_KIND_JSON,	/* a TLS report */
	REPORT_KIND_MAIL	/* anything else: read as a mail */
};

int			 report_unpack(const unsigned char *, size_t,
			    struct strbuf *, struct strbuf *);
enum report_kind	 report_sniff(const char *, size_t);
const char		*report_kind_name(enum report_kind);

#endif
