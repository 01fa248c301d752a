/*
 * NAME
 *	check - what authmilter-check finds, as one JSON tree per domain
 * SYNOPSIS
 *	#include "check.h"
 *
 *	void check_finding(json_t *area, enum check_sev sev,
 *	    const char *fix, const char *fmt, ...);
 *	enum check_sev check_worst(const json_t *node);
 *	const char *check_sev_name(enum check_sev sev);
 *	enum check_sev check_sev_of(const json_t *finding);
 *	json_t *check_string(const char *s, size_t len);
 *	char *check_show(const char *s);
 *	void check_put_shown(struct strbuf *sb, const char *s, size_t len);
 * DESCRIPTION
 *	authmilter-check builds one jansson object per domain checked
 *	("domain", "spf", "dkim", ...; authmilter-check(8) lists the
 *	keys).  Every check writes what it saw into its area's object and
 *	its verdicts into the area's "findings" array, each an object
 *	{"severity": "OK"|"WARNING"|"CRITICAL"|"UNKNOWN", "text": ...,
 *	"fix": ...}.  The readable report and --json are two renderings of
 *	that one tree, so they cannot disagree.
 *
 *	check_finding() appends one finding to area's "findings" array,
 *	creating the array when it is missing; fix may be NULL (no "fix"
 *	key).  The text is formatted as printf does.
 *
 *	check_worst() walks node and everything below it and returns the
 *	most severe finding (CHECK_OK when there is none): the domain's
 *	"status" and, over all domains, the exit status (the numeric
 *	values are the monitoring plugins' exit codes: 0 OK, 1 WARNING,
 *	2 CRITICAL, 3 UNKNOWN).
 *
 *	check_sev_name() is the severity's name as the JSON spells it;
 *	check_sev_of() reads it back from a finding (CHECK_UNKNOWN for a
 *	node that is not a finding).
 *
 *	check_string() makes a JSON string of len bytes of s (NUL bytes
 *	included); bytes that are not well-formed UTF-8, as a hostile
 *	DNS answer may hold, become '?' rather than losing the value.
 *
 *	check_show() is s for a finding's text: printable ASCII (other
 *	bytes as sb_put_printable() writes them) and at most
 *	CHECK_SHOW_MAX bytes of s; a longer s is cut there and marked
 *	"...(N bytes)" with its whole length, so a cut name is never
 *	taken for another one.  The caller frees the result.
 *	check_put_shown() appends the same form of len bytes of s (NUL
 *	bytes included, as '?') to sb: for values that are not strings,
 *	like a field of a DNS record or a line of a server's reply.  The whole
 *	value stays in the JSON tree, through check_string().
 */
#ifndef AUTHMILTER_CHECK_H
#define AUTHMILTER_CHECK_H

#include <stddef.h>

#include <jansson.h>

struct strbuf;

#define CHECK_SHOW_MAX	120	/* bytes of a value shown in a finding */

enum check_sev {
	CHECK_OK = 0,
	CHECK_WARNING = 1,
	CHECK_CRITICAL = 2,
	CHECK_UNKNOWN = 3,
};

void		 check_finding(json_t *, enum check_sev, const char *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
enum check_sev	 check_worst(const json_t *);
const char	*check_sev_name(enum check_sev);
enum check_sev	 check_sev_of(const json_t *);
json_t		*check_string(const char *, size_t);
char		*check_show(const char *);
void		 check_put_shown(struct strbuf *, const char *, size_t);

#endif
