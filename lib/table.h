/*
 * NAME
 *	table - the per-domain table (Domains): options by domain pattern
 * SYNOPSIS
 *	#include "table.h"
 *
 *	struct table *table_load(const char *path, struct strbuf *errors);
 *	void table_lookup(const struct table *t, const char *domain,
 *	         struct domain_policy *out);
 *	int table_load_keys(struct table *t, const char *path,
 *	         int require_safe, struct strbuf *errors);
 *	int table_refuses_dmarc_reject(const struct table *t);
 *	int table_requires_tls(const struct table *t);
 *	size_t table_size(const struct table *t);
 *	const char *table_entry_lookup(const struct table *t, size_t i,
 *	         struct domain_policy *out);
 *	int table_pattern_lookup(const struct table *t, const char *pattern,
 *	         struct domain_policy *out);
 *	void table_free(struct table *t);
 * DESCRIPTION
 *	The table file has one entry a line: a domain pattern, then
 *	white-space separated option=value pairs; '#' starts a comment;
 *	blank lines are ignored.  Patterns: "example.com" (that domain),
 *	".example.com" (its subdomains at any depth, not example.com
 *	itself), "*" (every domain).  Patterns and domains compare
 *	case-insensitively; a trailing dot is ignored.  The same pattern
 *	twice is an error.
 *
 *	table_load() reads and validates the whole file.  On any error it
 *	returns NULL and appends one line per error to errors, each
 *	"PATH:LINE: MESSAGE" (naming the option where there is one); it
 *	reports every error in the file, not only the first.
 *
 *	table_lookup() resolves the options for one domain.  For each
 *	option separately, the most specific entry that sets it wins: the
 *	exact pattern, then ".parent" patterns from the longest parent to
 *	the shortest, then "*"; an option no entry sets takes the built-in
 *	default shown in struct domain_policy below.  t may be NULL (no
 *	table): then every option is its default.  out->matched names the
 *	most specific pattern that matched (NULL if none), for logs.
 *
 *	Options (see authmilter.domains(5)):
 *	checks=yes|no		no: skip the checks of this domain only:
 *				no SPF check of an envelope (MAIL FROM, or
 *				HELO with a null sender) in it, and its
 *				DMARC failures as From domain are only
 *				recorded (dmarc=monitor unless an entry
 *				at least as specific sets dmarc=).  It
 *				never turns off DKIM or the DMARC check
 *				of another From domain: the envelope is
 *				a claim any sender can make.
 *	spf=yes|no		check SPF for envelope senders of the domain
 *	spf-helo=yes|no		also check the HELO identity
 *	spf-fail=accept|reject	reject a MAIL FROM SPF fail (550 5.7.23)
 *	spf-temperror=accept|tempfail	answer 451 4.7.24 on temperror
 *	sign=SEL:KEYFILE[,SEL:KEYFILE...]	DKIM signing keys (syntax
 *				checked here; used by DKIM signing)
 *	sign=none		no keys: overrides a less specific sign=
 *	dmarc=enforce|monitor|no-reject	what a DMARC failure of mail from
 *				the domain (its From domain) may do: act
 *				on the policy, only record it, or at most
 *				quarantine
 *	dmarc-reject=yes|no	for mail to recipients in the domain: may a
 *				DMARC failure be refused (no: quarantined)
 *	tls=optional|require	must mail claiming the domain arrive over
 *				TLS (inbound), and go out over it (the
 *				Postfix policy authmilter-check writes)
 *	tls-min=TLSv1|TLSv1.1|TLSv1.2|TLSv1.3	the lowest TLS version
 *				that meets tls=require; it implies
 *				tls=require on its line (with tls=optional
 *				on the same line it is an error)
 *
 *	Option names and their word values compare case-insensitively;
 *	an option given twice on one line is an error.  A line with a
 *	pattern and no options is allowed (it only sets out->matched).
 *
 *	table_refuses_dmarc_reject() says whether some entry sets
 *	dmarc-reject=no: only then do recipients matter, and the MTA
 *	needs to send them at all (t may be NULL: no).
 *	table_requires_tls() says whether some entry sets tls=require
 *	(t may be NULL: no), so the From domains need looking up at all.
 *
 *	table_size() and table_entry_lookup() walk the entries in file
 *	order (i < table_size()): the entry's normalized pattern is
 *	returned, and out gets the options it resolves to for the domains
 *	it covers, as table_lookup() would for one of them that no more
 *	specific entry matches (for ".example.com": that entry, its
 *	".parent" entries, "*").  table_pattern_lookup() does the same for
 *	the entry of a pattern ("*", ".example.com", "example.com"; any
 *	case, trailing dot ignored) and returns 1, or 0 when the table has
 *	no entry of that pattern (out is then untouched).
 *
 *	table_load_keys() loads the private key of every sign= entry
 *	(signkey_load(), with require_safe for RequireSafeKeys), so that a
 *	missing, unsafe or broken key is an error at load, not at the
 *	first message.  It returns 0, or -1 after appending one line per
 *	bad key, "PATH:LINE: sign: problem", to errors.  path is the table
 *	file's name, for those lines.
 *
 *	A loaded table is immutable and may be read by any thread.
 */
#ifndef AUTHMILTER_TABLE_H
#define AUTHMILTER_TABLE_H

#include "util.h"

enum spf_fail_action {
	SPF_FAIL_ACCEPT,	/* record only (default) */
	SPF_FAIL_REJECT
};

enum temperror_action {
	TEMPERROR_ACCEPT,	/* record only (default) */
	TEMPERROR_TEMPFAIL
};

enum dmarc_local {
	DMARC_LOCAL_ENFORCE,	/* act on the sender's policy (default) */
	DMARC_LOCAL_MONITOR,	/* record only, never act */
	DMARC_LOCAL_NO_REJECT	/* a reject is carried out as quarantine */
};

struct signkey;

struct sign_key {
	char		*selector;
	char		*keyfile;
	struct signkey	*key;		/* loaded by table_load_keys() */
};

struct domain_policy {
	const char		*matched;	/* pattern, or NULL */
	int			 checks;	/* default 1 */
	int			 spf;		/* default 1 */
	int			 spf_helo;	/* default 1 */
	enum spf_fail_action	 spf_fail;	/* default ACCEPT */
	enum temperror_action	 spf_temperror;	/* default ACCEPT */
	const struct sign_key	*sign;		/* default none */
	size_t			 nsign;
	enum dmarc_local	 dmarc;		/* default ENFORCE */
	int			 dmarc_reject;	/* default 1 */
	int			 tls_require;	/* default 0 */
	const char		*tls_min;	/* "TLSv1.2", default NULL */
	int			 tls_min_rank;	/* its tls_version_rank(), -1 */
};

struct table;

struct table	*table_load(const char *, struct strbuf *);
void		 table_lookup(const struct table *, const char *,
		    struct domain_policy *);
int		 table_load_keys(struct table *, const char *, int,
		    struct strbuf *);
int		 table_refuses_dmarc_reject(const struct table *);
int		 table_requires_tls(const struct table *);
size_t		 table_size(const struct table *);
const char	*table_entry_lookup(const struct table *, size_t,
		    struct domain_policy *);
int		 table_pattern_lookup(const struct table *, const char *,
		    struct domain_policy *);
void		 table_free(struct table *);

#endif
