/*
 * NAME
 *	rss - the resident set size of this process, for the soak helpers
 * SYNOPSIS
 *	#include "rss.h"
 *
 *	long rss_kb(void);
 * DESCRIPTION
 *	rss_kb() reads VmRSS from /proc/self/status and returns it in kB,
 *	or -1 when it cannot.  Header-only, for t/dkim-sign and
 *	t/dkim-verify.
 */
#ifndef AUTHMILTER_T_RSS_H
#define AUTHMILTER_T_RSS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* rss_kb - this process's VmRSS in kB, or -1 */
static inline long
rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

#endif
