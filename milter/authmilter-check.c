/*
 * authmilter-check.c - see what authmilter sees: check domains before a
 * rollout, evaluate a message as the daemon would, write the outbound
 * TLS policy the table asks for
 *
 * authmilter-check [OPTIONS] DOMAIN...
 * authmilter-check --message FILE [OPTIONS]
 * authmilter-check --postfix-tls-policy [OPTIONS]
 *
 * The modes live in check_*.c; this file only picks one.
 * authmilter-check(8) describes them.
 */
#include <string.h>

#include "check_cmd.h"

/* has_option - argv (before a "--") holds --NAME or --NAME=VALUE */
static int
has_option(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strncmp(argv[i], name, n) == 0 &&
		    (argv[i][n] == '\0' || argv[i][n] == '='))
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	if (has_option(argc, argv, "--message"))
		return check_cmd_message(argc, argv);
	if (has_option(argc, argv, "--postfix-tls-policy"))
		return check_cmd_tls_policy(argc, argv);
	return check_cmd_domains(argc, argv);
}
