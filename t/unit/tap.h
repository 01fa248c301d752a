/*
 * NAME
 *	tap - a tiny TAP producer for the C unit tests
 * SYNOPSIS
 *	#include "tap.h"
 *
 *	ok(cond, fmt, ...);
 *	is_str(got, expected, fmt, ...);
 *	is_int(got, expected, fmt, ...);
 *	return tap_done();
 * DESCRIPTION
 *	Each check prints "ok N - name" or "not ok N - name" with a
 *	diagnostic; tap_done() prints the plan and returns the exit status
 *	(non-zero when any check failed), so prove counts every assertion.
 *	Header-only: each test program includes it once.
 */
#ifndef AUTHMILTER_TAP_H
#define AUTHMILTER_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static void
tap_report(int pass, const char *fmt, va_list ap)
{
	tap_count++;
	if (!pass)
		tap_failed++;
	printf("%sok %d - ", pass ? "" : "not ", tap_count);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

static int __attribute__((format(printf, 2, 3), unused))
ok(int pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_report(pass, fmt, ap);
	va_end(ap);
	return pass;
}

static int __attribute__((format(printf, 3, 4), unused))
is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list ap;
	int pass = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);

	va_start(ap, fmt);
	tap_report(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#   got:      '%s'\n#   expected: '%s'\n",
		    got ? got : "(null)", want ? want : "(null)");
	return pass;
}

static int __attribute__((format(printf, 3, 4), unused))
is_int(long got, long want, const char *fmt, ...)
{
	va_list ap;
	int pass = got == want;

	va_start(ap, fmt);
	tap_report(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#   got:      %ld\n#   expected: %ld\n", got, want);
	return pass;
}

static int __attribute__((unused))
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
