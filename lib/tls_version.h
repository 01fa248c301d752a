/*
 * NAME
 *	tls_version - TLS protocol version names, in order
 * SYNOPSIS
 *	#include "tls_version.h"
 *
 *	int tls_version_rank(const char *name);
 *	const char *tls_version_policy_name(const char *name);
 * DESCRIPTION
 *	The MTA names the TLS version of a connection as OpenSSL does
 *	(SSL_get_version(): "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2",
 *	"TLSv1.3"); Postfix's {tls_version} and Sendmail's are that string.
 *
 *	tls_version_rank() turns such a name into a number that orders the
 *	versions: every SSL version below every TLS version, TLS versions
 *	by major then minor number ("TLSv1" is 1.0), so a later version the
 *	MTA may one day report ("TLSv1.4") orders above the ones known
 *	today.  A name it does not read (empty, NULL, "DTLSv1.2", junk)
 *	gives -1, below everything: a requirement is never met by a
 *	version we cannot place.  Names compare case-insensitively.
 *
 *	tls_version_policy_name() gives the spelling of name (any case)
 *	among the versions a table's tls-min= may give, or NULL: TLSv1,
 *	TLSv1.1, TLSv1.2, TLSv1.3, as Postfix's smtp_tls_protocols writes
 *	them.
 */
#ifndef AUTHMILTER_TLS_VERSION_H
#define AUTHMILTER_TLS_VERSION_H

#define TLS_VERSION_MAX_PART	99	/* a larger major/minor is unread */

int	tls_version_rank(const char *);
const char *tls_version_policy_name(const char *);

#endif
