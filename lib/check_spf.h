/*
 * NAME
 *	check_spf - authmilter-check's SPF check: the record, the whole
 *	include/redirect tree, and its DNS lookup budget
 * SYNOPSIS
 *	#include "check_spf.h"
 *
 *	void check_spf(json_t *report, struct dns_client *dc,
 *	    const char *domain);
 * DESCRIPTION
 *	check_spf() fills report["spf"]: "record" (the SPF record of
 *	domain, or null), "lookups" (the terms that query DNS, RFC 7208
 *	4.6.4, over the whole tree), "void_lookups", "walk_stopped" (true
 *	when CHECK_SPF_MAX_TERMS stopped the walk), "tree" (the record
 *	and every record it includes or redirects to, below) and
 *	"findings" (check.h).
 *
 *	The tree is walked as authmilter's evaluator (spf.c) walks it
 *	for a client address that matches nothing: every mechanism in
 *	order, each include's record at its place, then redirect=.  So
 *	the count is the one a receiver reaches when it evaluates the
 *	whole record.  The walk goes on past the limits to show the full
 *	count, up to CHECK_SPF_MAX_TERMS terms in all; a loop (an include
 *	or redirect of a record already on the path) is reported and not
 *	followed; nesting stops at CHECK_SPF_MAX_DEPTH.
 *
 *	Counting, as spf.c does: include, a, mx, ptr, exists and
 *	redirect= count one each; a, mx and exists whose query gets no
 *	record (NODATA or NXDOMAIN) count one void lookup (the a
 *	mechanism is asked for A records, as for an IPv4 client); the MX
 *	hosts' address queries, the include's own TXT query and exp= do
 *	not count.  A term whose domain-spec holds a macro is counted but
 *	not looked up (its name depends on the message); ptr is counted
 *	and not looked up (it depends on the client address).
 *
 *	A tree node is {"domain", "record", "lookups", "void_lookups",
 *	"terms", "error"}: lookups and void_lookups count the node and
 *	everything below it; error (only when the record could not be
 *	used) says why.  Each term is {"term": as written, "lookup": its
 *	running number when it queries DNS, "void": true when its query
 *	found nothing, "note": a remark, "target": the node of an include
 *	or redirect}.
 * DIAGNOSTICS
 *	None: what goes wrong is a finding.  A DNS temporary failure is an
 *	UNKNOWN finding (the check could not be made).
 */
#ifndef AUTHMILTER_CHECK_SPF_H
#define AUTHMILTER_CHECK_SPF_H

#include <jansson.h>

#include "dns.h"

#define CHECK_SPF_MAX_TERMS	100	/* DNS terms walked in all */
#define CHECK_SPF_MAX_DEPTH	20	/* include/redirect nesting walked */
#define CHECK_SPF_MAX_OCTETS	450	/* RFC 7208 3.4: fits one UDP answer */

void	check_spf(json_t *, struct dns_client *, const char *);

#endif
