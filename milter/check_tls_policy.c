/*
 * check_tls_policy.c - authmilter-check's tls_policy mode (not built yet)
 */
#include <stdio.h>

#include "check.h"
#include "check_cmd.h"

int
check_cmd_tls_policy(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "authmilter-check: this mode is not built yet\n");
	return CHECK_UNKNOWN;
}
