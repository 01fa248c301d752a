/*
 * odkim-verify - verify a message's DKIM signatures with libopendkim,
 * the reference side of the differential test (t/diff/run.sh)
 *
 * usage: odkim-verify < message
 *
 * Splits the message exactly as t/dkim-verify.c does (LF or CRLF line
 * ends; a field is "name: value" with the value's leading white space
 * replaced by one space, as OpenDKIM's milter rebuilds it from what
 * Postfix gives; continuation lines kept behind CRLF; lines without a
 * colon skipped; the body with CRLF line ends) and hands it to
 * libopendkim, whose key lookups go to the system resolver
 * (/etc/resolv.conf: t/diff/run.sh binds a private one in a mount
 * namespace).  Prints one line per signature libopendkim knows, in
 * its order:
 *
 *	RESULT d=DOMAIN s=SELECTOR (ERROR)
 *
 * RESULT is pass, fail, permerror, temperror or policy (expired), by
 * the mapping authmilter used when it verified with libopendkim
 * (commit ecdc755); ERROR is dkim_sig_geterrorstr().  A message for
 * which libopendkim keeps no signature prints "none (STATUS)".
 * Not part of authmilter: built by t/diff/run.sh with cc.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

/* buf - a growable byte string */
struct buf {
	char	*s;
	size_t	 len, cap;
};

/* buf_add - append n bytes */
static void
buf_add(struct buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((b->s = realloc(b->s, b->cap)) == NULL)
			abort();
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* next_line - the line at *p without its LF or CRLF; NULL at the end */
static const char *
next_line(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *nl;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(end - s));
	if (nl == NULL) {
		*len = (size_t)(end - s);
		*p = end;
	} else {
		*len = (size_t)(nl - s);
		*p = nl + 1;
	}
	if (*len > 0 && s[*len - 1] == '\r')
		(*len)--;
	return s;
}

/* result - our name for the outcome of one signature */
static const char *
result(DKIM_SIGINFO *sig)
{
	unsigned int flags = dkim_sig_getflags(sig);

	switch (dkim_sig_geterror(sig)) {
	case DKIM_SIGERROR_OK:
	case DKIM_SIGERROR_UNKNOWN:
	case DKIM_SIGERROR_BADSIG:
		if ((flags & DKIM_SIGFLAG_PROCESSED) == 0)
			return "temperror";
		if (DKIM_SIG_CHECK(sig))
			return "pass";
		return "fail";
	case DKIM_SIGERROR_KEYFAIL:
		return "temperror";
	case DKIM_SIGERROR_EXPIRED:
		return "policy";
	case DKIM_SIGERROR_TOOLARGE_L:
		return "fail";
	default:
		return "permerror";
	}
}

int
main(void)
{
	struct buf msg = { NULL, 0, 0 }, field = { NULL, 0, 0 };
	struct buf body = { NULL, 0, 0 };
	const char *p, *end, *line, *colon;
	char chunk[8192];
	size_t n, ll, i;
	DKIM_LIB *lib;
	DKIM *dkim;
	DKIM_STAT st, eoh;
	DKIM_SIGINFO **sigs;
	unsigned int flags = DKIM_LIBFLAGS_BADSIGHANDLES;
	uint64_t timeout = 3;
	int nsigs, have = 0;
	_Bool testkey;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		buf_add(&msg, chunk, n);
	if (msg.s == NULL)
		buf_add(&msg, "", 0);
	if ((lib = dkim_init(NULL, NULL)) == NULL)
		return 2;
	(void)dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags));
	(void)dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_TIMEOUT, &timeout,
	    sizeof(timeout));
	dkim = dkim_verify(lib, (const unsigned char *)"odkim", NULL, &st);
	if (dkim == NULL)
		return 2;
	p = msg.s;
	end = msg.s + msg.len;
	while ((line = next_line(&p, end, &ll)) != NULL) {
		if (ll == 0)
			break;
		if ((line[0] == ' ' || line[0] == '\t') && have) {
			buf_add(&field, "\r\n", 2);
			buf_add(&field, line, ll);
			continue;
		}
		if ((colon = memchr(line, ':', ll)) == NULL)
			continue;
		if (have)
			(void)dkim_header(dkim, (unsigned char *)field.s,
			    field.len);
		field.len = 0;
		buf_add(&field, line, (size_t)(colon - line) + 1);
		i = (size_t)(colon - line) + 1;
		while (i < ll && (line[i] == ' ' || line[i] == '\t'))
			i++;
		buf_add(&field, " ", 1);
		buf_add(&field, line + i, ll - i);
		have = 1;
	}
	if (have)
		(void)dkim_header(dkim, (unsigned char *)field.s, field.len);
	while ((line = next_line(&p, end, &ll)) != NULL) {
		buf_add(&body, line, ll);
		if (p[-1] == '\n')
			buf_add(&body, "\r\n", 2);
	}
	eoh = dkim_eoh(dkim);
	if (body.len > 0)
		(void)dkim_body(dkim, (unsigned char *)body.s, body.len);
	st = dkim_eom(dkim, &testkey);
	if (dkim_getsiglist(dkim, &sigs, &nsigs) != DKIM_STAT_OK ||
	    nsigs == 0) {
		printf("none (eoh: %s; eom: %s)\n", dkim_getresultstr(eoh),
		    dkim_getresultstr(st));
		nsigs = 0;
	}
	for (i = 0; i < (size_t)nsigs; i++) {
		const char *d = (const char *)dkim_sig_getdomain(sigs[i]);
		const char *s = (const char *)dkim_sig_getselector(sigs[i]);
		const char *e = dkim_sig_geterrorstr(
		    dkim_sig_geterror(sigs[i]));

		printf("%s d=%s s=%s (%s; bh=%d)\n", result(sigs[i]),
		    d != NULL ? d : "", s != NULL ? s : "",
		    e != NULL ? e : "no error", dkim_sig_getbh(sigs[i]));
	}
	dkim_free(dkim);
	dkim_close(lib);
	return 0;
}
