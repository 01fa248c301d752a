/*
 * report_summary.c - authmilter-report summary (not built yet: a later step of
 * issue 10 replaces this file)
 */
#include <stdio.h>

#include "report_cmd.h"

/* report_cmd_summary - not built yet: says so and fails */
int
report_cmd_summary(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "authmilter-report: summary is not built yet\n");
	return 1;
}
