/*
 * NAME
 *	report_mime - the report attachments of a mail, or of every mail
 *	in an mbox, pulled out with GMime 3
 * SYNOPSIS
 *	#include "report_mime.h"
 *
 *	int report_mime_mail(const char *buf, size_t len,
 *	        report_part_fn fn, void *arg, struct strbuf *err);
 *	int report_mime_mbox(int fd, report_part_fn fn, void *arg,
 *	        struct strbuf *err);
 * DESCRIPTION
 *	A part is a report when its Content-Type is application/gzip,
 *	application/x-gzip, application/zip, application/x-zip-compressed,
 *	text/xml, application/xml, application/tlsrpt+gzip,
 *	application/tlsrpt+json or application/json; or
 *	application/octet-stream when its file name ends in .xml, .gz,
 *	.zip or .json, or when the Subject starts with "Report domain:"
 *	(any case).  Each report part is decoded (base64,
 *	quoted-printable) and handed to fn with the mail's Message-ID and
 *	Subject; the content is not looked at here (report_unpack does).
 *
 *	fn is called at least once per mail: a mail without a report part
 *	gives one call with data NULL and error "no report attachment";
 *	a part whose encoded size passes REPORT_MIME_MAX_PART bytes, or
 *	a part past the REPORT_MIME_MAX_REPORTS-th, a call with data NULL
 *	and error saying so.  Parts are visited with GMime's part
 *	iterator, not recursively.
 *
 *	report_mime_mail() reads one mail from memory; report_mime_mbox()
 *	each mail of an mbox read from fd (GMime's mbox parser; fd stays
 *	the caller's; each mail's size is capped at REPORT_MIME_MAX_MAIL).
 * DIAGNOSTICS
 *	report_mime_mail() returns 0, or -1 with err when buf is not a
 *	mail.  report_mime_mbox() returns the number of mails, or -1 with
 *	err when fd holds no mail in mbox form.
 */
#ifndef AUTHMILTER_REPORT_MIME_H
#define AUTHMILTER_REPORT_MIME_H

#include <stddef.h>

#include "util.h"

#define REPORT_MIME_MAX_PART		(50L * 1024 * 1024)
#define REPORT_MIME_MAX_MAIL		(50L * 1024 * 1024)
#define REPORT_MIME_MAX_REPORTS		16	/* parts a mail */

/* one report part of a mail, or why a mail gave none */
struct report_part {
	const char	*message_id;	/* "" when the mail has none */
	const char	*subject;	/* "" when none */
	const char	*filename;	/* "" when none */
	const char	*type;		/* "application/gzip", ... */
	const char	*data;		/* NULL: see error */
	size_t		 len;
	const char	*error;		/* set when data is NULL */
};

typedef void (*report_part_fn)(void *, const struct report_part *);

int	report_mime_mail(const char *, size_t, report_part_fn, void *,
	    struct strbuf *);
int	report_mime_mbox(int, report_part_fn, void *, struct strbuf *);

#endif
