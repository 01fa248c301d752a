/*
 * check_domains.c - authmilter-check's domains mode (not built yet)
 */
#include <stdio.h>

#include "check.h"
#include "check_cmd.h"

int
check_cmd_domains(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "authmilter-check: this mode is not built yet\n");
	return CHECK_UNKNOWN;
}
