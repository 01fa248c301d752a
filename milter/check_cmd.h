/*
 * NAME
 *	check_cmd - the three modes of authmilter-check
 * SYNOPSIS
 *	#include "check_cmd.h"
 *
 *	int check_cmd_domains(int argc, char **argv);
 *	int check_cmd_message(int argc, char **argv);
 *	int check_cmd_tls_policy(int argc, char **argv);
 * DESCRIPTION
 *	authmilter-check(8) has three modes, each in its own file:
 *	check_domains.c checks DOMAIN... (the default), check_message.c
 *	evaluates a message file (--message), check_tls_policy.c writes a
 *	Postfix smtp_tls_policy_maps file (--postfix-tls-policy).  main()
 *	picks the mode from argv and hands it the whole argv, so each
 *	mode parses its own options with getopt_long() from the start.
 *
 *	Each returns the exit status, the monitoring plugins' convention:
 *	CHECK_OK (0), CHECK_WARNING (1), CHECK_CRITICAL (2), or
 *	CHECK_UNKNOWN (3) when it could not check (bad arguments, bad
 *	config, DNS down).
 */
#ifndef AUTHMILTER_CHECK_CMD_H
#define AUTHMILTER_CHECK_CMD_H

int	check_cmd_domains(int, char **);
int	check_cmd_message(int, char **);
int	check_cmd_tls_policy(int, char **);

#endif
