/*
 * NAME
 *	report_cmd - the subcommands of authmilter-report and what they
 *	share
 * SYNOPSIS
 *	#include "report_cmd.h"
 *
 *	int report_cmd_send(int argc, char **argv);
 *	int report_cmd_import(int argc, char **argv);
 *	int report_cmd_summary(int argc, char **argv);
 *	int report_cmd_prune(int argc, char **argv);
 *
 *	struct config *report_load_config(const char *path);
 *	struct store *report_open_store(const struct config *cf);
 *	void report_fail(int status, const char *fmt, ...);
 * DESCRIPTION
 *	Each report_cmd_* runs one subcommand; argv[0] is the subcommand's
 *	name, and getopt_long() starts afresh.  Each returns the exit
 *	status: 0 done, 1 failed, 64 usage error, 78 bad configuration.
 *
 *	report_load_config() reads authmilter.conf (NULL: the default
 *	path) or exits 78 with the errors on stderr.  report_open_store()
 *	opens cf's ReportStore and creates every table that is missing,
 *	or exits 1 saying why.  report_fail() prints
 *	"authmilter-report: MESSAGE" on stderr and exits with status.
 */
#ifndef AUTHMILTER_REPORT_CMD_H
#define AUTHMILTER_REPORT_CMD_H

#include "config.h"
#include "store.h"

#define REPORT_EX_USAGE		64
#define REPORT_EX_CONFIG	78

int		 report_cmd_send(int, char **);
int		 report_cmd_import(int, char **);
int		 report_cmd_summary(int, char **);
int		 report_cmd_prune(int, char **);
struct config	*report_load_config(const char *);
struct store	*report_open_store(const struct config *);
void		 report_fail(int, const char *, ...)
		    __attribute__((format(printf, 2, 3), noreturn));

#endif
