/*
 * report_import.c - authmilter-report import (not built yet: a later step of
 * issue 10 replaces this file)
 */
#include <stdio.h>

#include "report_cmd.h"

/* report_cmd_import - not built yet: says so and fails */
int
report_cmd_import(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "authmilter-report: import is not built yet\n");
	return 1;
}
