/*
 * authmilter-report.c - DMARC aggregate reports: send the ones senders
 * ask for, read the ones sent about our domains
 *
 * authmilter-report send|import|summary|prune [OPTIONS]
 *
 * The subcommands live in report_*.c; this file dispatches and holds
 * what they share (config, store).  authmilter-report(8) describes them.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "config.h"
#include "store.h"
#include "report_agg.h"
#include "report_history.h"
#include "report_cmd.h"

static const struct {
	const char	*name;
	int		(*run)(int, char **);
} commands[] = {
	{ "send", report_cmd_send },
	{ "import", report_cmd_import },
	{ "summary", report_cmd_summary },
	{ "prune", report_cmd_prune },
};

/* report_fail - an error on stderr, then exit */
void
report_fail(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("authmilter-report: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* report_load_config - authmilter.conf, or exit 78 */
struct config *
report_load_config(const char *path)
{
	struct strbuf errors;
	struct config *cf;

	sb_init(&errors);
	if (path == NULL)
		path = CONFIG_DEFAULT_PATH;
	if ((cf = config_load(path, &errors)) == NULL) {
		fputs(errors.s, stderr);
		sb_free(&errors);
		exit(REPORT_EX_CONFIG);
	}
	sb_free(&errors);
	return cf;
}

/* report_open_store - ReportStore, its tables made, or exit 1 */
struct store *
report_open_store(const struct config *cf)
{
	struct strbuf err;
	struct store *st;

	sb_init(&err);
	if ((st = store_open(cf->report.store, &err)) == NULL)
		report_fail(1, "ReportStore %s: %s", cf->report.store, err.s);
	/* under a lock: two processes creating one table fail on PG */
	if (store_begin(st, &err) == -1 ||
	    store_lock(st, "schema", &err) == -1 ||
	    report_history_schema(st, &err) == -1 ||
	    report_agg_schema(st, &err) == -1 ||
	    store_commit(st, &err) == -1)
		report_fail(1, "ReportStore %s: %s", cf->report.store, err.s);
	sb_free(&err);
	return st;
}

/* report_cmd_prune - remove history rows older than ReportKeepDays */
int
report_cmd_prune(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	struct config *cf;
	struct store *st;
	struct strbuf err;
	int c;

	while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (c != 'c') {
			fprintf(stderr, "usage: authmilter-report prune "
			    "[-c FILE]\n");
			return REPORT_EX_USAGE;
		}
		path = optarg;
	}
	cf = report_load_config(path);
	st = report_open_store(cf);
	sb_init(&err);
	if (report_history_prune(st, (int64_t)time(NULL) -
	    (int64_t)cf->report.keep_days * 86400, &err) == -1)
		report_fail(1, "prune: %s", err.s);
	sb_free(&err);
	store_close(st);
	config_unref(cf);
	return 0;
}

/* usage - the subcommands, then exit */
static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: authmilter-report "
	    "send|import|summary|prune [OPTIONS]\n"
	    "see authmilter-report(8)\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		usage(REPORT_EX_USAGE);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		usage(0);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0) {
			optind = 1;
			return commands[i].run(argc - 1, argv + 1);
		}
	fprintf(stderr, "authmilter-report: unknown command '%s'\n", argv[1]);
	usage(REPORT_EX_USAGE);
}
