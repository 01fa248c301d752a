/*
 * report_send.c - authmilter-report send (not built yet: a later step of
 * issue 10 replaces this file)
 */
#include <stdio.h>

#include "report_cmd.h"

/* report_cmd_send - not built yet: says so and fails */
int
report_cmd_send(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "authmilter-report: send is not built yet\n");
	return 1;
}
