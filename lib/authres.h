/*
 * NAME
 *	authres - build our Authentication-Results header (RFC 8601) and
 *	recognise forged ones
 * SYNOPSIS
 *	#include "authres.h"
 *
 *	void authres_init(struct authres *ar, const char *authserv_id);
 *	void authres_add(struct authres *ar, const char *method,
 *	         const char *result, const char *comment);
 *	void authres_prop(struct authres *ar, const char *ptype,
 *	         const char *property, const char *value);
 *	char *authres_finish(struct authres *ar);
 *
 *	int  authres_is_ours(const char *value, const char *authserv_id);
 *	void authres_put_value(struct strbuf *sb, const char *value);
 *	void authres_put_comment(struct strbuf *sb, const char *text);
 * DESCRIPTION
 *	An authres collects the results of one message.  authres_add()
 *	starts a resinfo ("method=result (comment)"); authres_prop()
 *	adds "ptype.property=value" to the latest one.  authres_finish()
 *	returns the header value (caller frees), or "ID; none" when no
 *	result was added, and resets ar.  Each resinfo goes on its own
 *	folded line ("\n\t"), which libmilter passes to the MTA as a
 *	header continuation.
 *
 *	Nothing that came from the network can add syntax to the header:
 *	authres_put_value() writes a value as it is only when it is a
 *	token, a domain name or local-part@domain with a dot-atom local
 *	part; anything else becomes a quoted-string with '"' and '\'
 *	escaped.  authres_put_comment() writes "(text)" with '(', ')' and
 *	'\' escaped.  In both, bytes outside printable ASCII become '?'.
 *	The method, result, ptype and property names are ours and are
 *	written as given.
 *
 *	No value is ever cut: a cut address or domain can read as another
 *	one ("aaa...@paypal.com" out of "aaa...@paypal.com.evil.example").
 *	authres_put_value() writes the whole value.  authres_prop() leaves
 *	out a property whose value is longer than AUTHRES_MAX_VALUE bytes
 *	(more than any RFC 5321 address: 64 + 1 + 255) and writes the
 *	comment "(ptype.property not shown: N bytes, over 320)" in its
 *	place; RFC 8601 makes properties optional.  A comment longer than
 *	AUTHRES_MAX_COMMENT bytes is cut and ends "... [N bytes cut]".
 *	So a resinfo line stays well under RFC 5322's 998 bytes.
 *
 *	authres_is_ours() reads the authserv-id of an existing header
 *	value (skipping comments and white space; token or quoted-string)
 *	and compares it case-insensitively with ours, a final dot on
 *	either ignored: "MX.example.net." is the same name as
 *	"mx.example.net", and a forged header must not keep ours by
 *	writing it so.
 */
#ifndef AUTHMILTER_AUTHRES_H
#define AUTHMILTER_AUTHRES_H

#include "util.h"

#define AUTHRES_HEADER		"Authentication-Results"
#define AUTHRES_MAX_VALUE	320	/* longest property value written */
#define AUTHRES_MAX_COMMENT	256	/* comment bytes before a marked cut */

struct authres {
	struct strbuf	sb;
	int		nresults;
};

void	 authres_init(struct authres *, const char *);
void	 authres_add(struct authres *, const char *, const char *,
	    const char *);
void	 authres_prop(struct authres *, const char *, const char *,
	    const char *);
char	*authres_finish(struct authres *);
int	 authres_is_ours(const char *, const char *);
void	 authres_put_value(struct strbuf *, const char *);
void	 authres_put_comment(struct strbuf *, const char *);

#endif
