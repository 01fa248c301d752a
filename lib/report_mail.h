/*
 * NAME
 *	report_mail - the mail that carries one aggregate report: MIME
 *	built with GMime, DKIM-signed, handed to sendmail
 * SYNOPSIS
 *	#include "report_mail.h"
 *
 *	int report_mail_build(const struct report_mail *m,
 *	         struct strbuf *out, struct strbuf *err);
 *	int report_mail_send(char *const *sendmail, const char *from,
 *	         char *const *to, const char *msg, size_t len,
 *	         struct strbuf *err);
 * DESCRIPTION
 *	report_mail_build() makes the message of RFC 9990 section 5:
 *	From m->from (with m->org_name as its display name), To every
 *	address of m->to (NULL-terminated), the Subject m->subject, Date
 *	(now), Message-ID <m->report_id@DOMAIN> (DOMAIN: m->from's; a
 *	resent report keeps it, so a receiver can drop the copy),
 *	Auto-Submitted: auto-generated (RFC 3834: no automatic answer),
 *	and a multipart/mixed body: a short text/plain part (m->text)
 *	and the file m->gz_path as application/gzip, base64, named
 *	m->filename.  With m->nkeys > 0 the message is signed for
 *	m->from's domain with those keys (lib/dkim_sign, options m->opts,
 *	as the daemon signs outbound mail): GMime writes the message,
 *	reads it back for the header fields exactly as written, and the
 *	signatures go on top.  out gets the message with LF line ends (as
 *	sendmail(1) reads a message and as mail files keep it).  A file
 *	larger than REPORT_MAIL_MAX_GZ bytes is refused.  It returns 0,
 *	or -1 with err.
 *
 *	report_mail_send() runs sendmail (a NULL-terminated command and
 *	its arguments, ReportSendmail) with "-i -f FROM -- TO..." added,
 *	the message on its standard input, and waits for it.  It returns
 *	0 when sendmail exited 0, else -1 with err saying how it ended
 *	(exec failure, exit status, signal).  SIGPIPE must be ignored by
 *	the caller (a sendmail that exits early is then a write error).
 */
#ifndef AUTHMILTER_REPORT_MAIL_H
#define AUTHMILTER_REPORT_MAIL_H

#include <stddef.h>

#include "dkim_sign.h"
#include "signkey.h"
#include "util.h"

#define REPORT_MAIL_MAX_GZ	(10 * 1024 * 1024)	/* bytes of .xml.gz */

struct report_mail {
	const char		 *from;		/* ReportEmail */
	const char		 *org_name;	/* ReportOrgName */
	char *const		 *to;		/* NULL-terminated */
	const char		 *subject;
	const char		 *report_id;
	const char		 *text;		/* the text/plain part */
	const char		 *gz_path;
	const char		 *filename;
	const struct dkim_sign_opts *opts;
	struct signkey *const	 *keys;
	size_t			  nkeys;
};

int	report_mail_build(const struct report_mail *, struct strbuf *,
	    struct strbuf *);
int	report_mail_send(char *const *, const char *, char *const *,
	    const char *, size_t, struct strbuf *);

#endif
