/*
 * NAME
 *	spf_int - internals of the SPF evaluator shared by spf.c,
 *	spf_macro.c, the unit test and the fuzz target
 * SYNOPSIS
 *	#include "spf_int.h"
 *
 *	int  spf_record_is_spf(const char *txt, size_t len);
 *	int  spf_record_parse(const char *txt, size_t len,
 *	         struct spf_record *rec, struct strbuf *err);
 *	void spf_record_free(struct spf_record *rec);
 *
 *	int  spf_macro_check(const char *s, size_t len, int flags,
 *	         struct strbuf *err);
 *	int  spf_domain_spec_check(const char *s, size_t len,
 *	         struct strbuf *err);
 *	int  spf_macro_expand(const char *s, size_t len,
 *	         const struct spf_macro_env *env, int flags,
 *	         struct strbuf *out, struct strbuf *err);
 *	int  spf_name_valid(const char *name);
 * DESCRIPTION
 *	None of these functions does DNS: they are pure and can be unit
 *	tested and fuzzed alone.
 *
 *	spf_record_is_spf() is true when the TXT string is an SPF version 1
 *	record: "v=spf1" (any case) followed by a space or the end (RFC 7208
 *	4.5).
 *
 *	spf_record_parse() parses a whole record (RFC 7208 4.6, 5, 6, 7.1)
 *	before anything is evaluated, so that a syntax error anywhere gives
 *	permerror.  It checks every byte (only 0x20..0x7e, terms split on
 *	spaces), qualifiers, mechanism names and arguments, dual CIDR
 *	lengths, IP addresses, domain-specs (macro syntax and the toplabel
 *	rule of 7.1), duplicate redirect= and exp=, and unknown modifiers
 *	(name "=" macro-string).  Domain-specs are kept unexpanded.  It
 *	returns 0, or -1 with a short reason in err (the caller's buffer,
 *	appended to).  The record owns its strings; spf_record_free()
 *	releases them.
 *
 *	spf_macro_check() checks the macro syntax of s (RFC 7208 7.1):
 *	"%{" letter [digits] ["r"] *delimiter "}", "%%", "%_", "%-".  The
 *	letters c, r and t are allowed only with SPF_MACRO_EXP.
 *	spf_domain_spec_check() checks a domain-spec: macro syntax and
 *	"domain-end": the spec ends with a macro-expand, or with "."
 *	toplabel and an optional dot (a toplabel has a letter, or dashes
 *	inside but not at either end).
 *
 *	spf_macro_expand() expands s with the values in env and appends the
 *	result to out.  With SPF_MACRO_DOMAIN the result is made a domain:
 *	one trailing dot is removed and then whole labels are cut from the
 *	left until it is at most SPF_MAX_NAME bytes (RFC 7208 4.8, 7.3).
 *	Upper-case macro letters are URL-escaped.  The %{i} of an IPv6
 *	client is its 32 nibbles, dotted, in upper case.  The expansion is
 *	bounded by SPF_MACRO_MAX bytes.  It returns 0, or -1 with a reason
 *	in err for bad syntax or a result that is too long.
 *
 *	spf_name_valid() is true when name can be asked of DNS: 1 to 253
 *	bytes, labels of 1 to 63 bytes (one trailing dot allowed).
 * DIAGNOSTICS
 *	As above; nothing is logged here.
 */
#ifndef AUTHMILTER_SPF_INT_H
#define AUTHMILTER_SPF_INT_H

#include <stddef.h>

#include "util.h"
#include "spf.h"

#define SPF_MAX_NAME	253	/* RFC 7208 4.8: expanded names */
#define SPF_MACRO_MAX	65536	/* bound on one expansion */
#define SPF_MAX_DIGITS	128	/* largest useful macro digit */
#define SPF_MAX_MX	10	/* names looked up per mx */
#define SPF_MAX_PTR	10	/* names per ptr or %{p} */

#define SPF_MACRO_EXP		0x01	/* exp text: c, r, t too */
#define SPF_MACRO_DOMAIN	0x02	/* result names a domain */

enum spf_mech {
	SPF_MECH_ALL,
	SPF_MECH_INCLUDE,
	SPF_MECH_A,
	SPF_MECH_MX,
	SPF_MECH_PTR,
	SPF_MECH_IP4,
	SPF_MECH_IP6,
	SPF_MECH_EXISTS
};

struct spf_term {
	enum spf_mech	 mech;
	enum spf_result	 qual;	/* PASS, FAIL, SOFTFAIL, NEUTRAL */
	char		*text;	/* the term as written */
	char		*domain;	/* domain-spec; NULL: <domain> */
	unsigned char	 addr[16];	/* ip4 (first 4) or ip6 */
	unsigned	 cidr4;	/* 0..32, default 32 */
	unsigned	 cidr6;	/* 0..128, default 128 */
};

struct spf_record {
	struct spf_term	*terms;
	size_t		 nterms;
	char		*redirect;	/* domain-spec or NULL */
	char		*exp;		/* domain-spec or NULL */
};

/* the values of the macro letters; p is asked for only when used */
struct spf_macro_env {
	const char	*s;	/* sender */
	const char	*l;	/* local-part of sender */
	const char	*o;	/* domain of sender */
	const char	*d;	/* current domain */
	const char	*i;	/* dotted address (IPv6: nibbles) */
	const char	*c;	/* address as usually written */
	const char	*v;	/* "in-addr" or "ip6" */
	const char	*h;	/* HELO/EHLO name */
	const char	*r;	/* receiving host */
	const char	*t;	/* time, seconds since the epoch */
	const char	*(*p)(void *, const char *);	/* p(parg, d) */
	void		*parg;
};

int	 spf_record_is_spf(const char *, size_t);
int	 spf_record_parse(const char *, size_t, struct spf_record *,
	    struct strbuf *);
void	 spf_record_free(struct spf_record *);

int	 spf_macro_check(const char *, size_t, int, struct strbuf *);
int	 spf_domain_spec_check(const char *, size_t, struct strbuf *);
int	 spf_macro_expand(const char *, size_t, const struct spf_macro_env *,
	    int, struct strbuf *, struct strbuf *);
int	 spf_name_valid(const char *);

#endif
