/*
 * NAME
 *	message_file - a message file read as an MTA hands it to a milter
 * SYNOPSIS
 *	#include "message_file.h"
 *
 *	struct message_file *message_file_open(const char *path,
 *	         struct strbuf *err);
 *	int message_file_body(struct message_file *mf,
 *	         message_file_body_fn *fn, void *arg, struct strbuf *err);
 *	void message_file_close(struct message_file *mf);
 * DESCRIPTION
 *	A message file is a header section, an empty line and a body, with
 *	LF or CRLF line ends (as saved by a mail client, or a queue file's
 *	content); "-" is standard input.  It is read the way the milter
 *	protocol presents a message (Postfix and Sendmail with
 *	SMFIP_HDR_LEADSPC, as authmilter asks):
 *
 *	message_file_open() reads the header section into mf->fields[],
 *	in order: each field's name (the bytes before the colon, white
 *	space before the colon removed) and value (every byte after the
 *	colon, its leading white space included; a folded field keeps its
 *	folds as "\n" followed by the continuation line's white space, the
 *	way Postfix sends them).  The header section ends at the first
 *	empty line, or at the first line that is neither a field nor a
 *	continuation (no colon, a name with bytes outside printable ASCII,
 *	a continuation before any field): that line is then the first
 *	line of the body.  A first line "From ..." that is an mbox
 *	separator (not a "From:" field) is not part of the message and is
 *	skipped (mf->skipped_from_line).  mf->body_line is the file's line
 *	number where the body starts (0: no body).
 *
 *	message_file_body() streams the body to fn in chunks of at most
 *	MESSAGE_FILE_CHUNK bytes, every line end as CRLF (as the milter
 *	protocol carries it), the last line given a CRLF if the file lacks
 *	one (an MTA always ends a message with a line end).  Any byte,
 *	NUL included, passes through.  Call it at most once.
 *
 *	message_file_close() closes the file (not standard input) and
 *	frees everything.
 * DIAGNOSTICS
 *	message_file_open() returns NULL and message_file_body() -1 with
 *	one line in err, "PATH: reason" or "PATH:LINE: reason": the file
 *	cannot be opened or read, a NUL byte in the header section (an MTA
 *	cannot hand it to a milter: names and values are C strings), or a
 *	field over MESSAGE_FILE_MAX_FIELD bytes (libmilter would drop the
 *	daemon's connection, and the MTA apply its milter failure action).
 *	Nothing is cut silently.
 */
#ifndef AUTHMILTER_MESSAGE_FILE_H
#define AUTHMILTER_MESSAGE_FILE_H

#include <stdio.h>

#include "util.h"

/*
 * name, colon and value of one field: what fits in the daemon's largest
 * milter packet (authmilter.c's MILTER_MAX_DATA, 1 MB) with the
 * packet's command byte and the two NULs after name and value
 */
#define MESSAGE_FILE_MAX_FIELD	((size_t)1024 * 1024 - 4)
#define MESSAGE_FILE_CHUNK	65535	/* body bytes per call, as libmilter */

struct message_field {
	char	*name;
	char	*value;
	size_t	 line;		/* where the field starts in the file */
};

struct message_file {
	char			*path;
	FILE			*fp;
	struct message_field	*fields;
	size_t			 nfields;
	size_t			 body_line;	/* 0: no body */
	int			 skipped_from_line;
	struct strbuf		 first;		/* a non-field line: body */
	int			 has_first;
	int			 body_read;
};

typedef void message_file_body_fn(void *, const unsigned char *, size_t);

struct message_file	*message_file_open(const char *, struct strbuf *);
int			 message_file_body(struct message_file *,
			    message_file_body_fn *, void *, struct strbuf *);
void			 message_file_close(struct message_file *);

#endif
