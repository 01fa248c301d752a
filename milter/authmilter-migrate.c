/*
 * authmilter-migrate.c - an OpenDKIM and OpenDMARC configuration into
 * an authmilter.conf and a domains table
 *
 * authmilter-migrate [--opendkim FILE] [--opendmarc FILE] [--out DIR]
 *	[--force]
 *
 * Reads the two old configurations (by default /etc/opendkim.conf and
 * /etc/opendmarc.conf, each skipped when it does not exist) with the
 * files they name, and writes DIR/authmilter.conf and DIR/domains
 * (DIR by default the current directory), never over an existing file
 * unless --force.  Every old setting that is not carried over, or is
 * carried over with another meaning, is printed on stderr as
 * "FILE:LINE: Keyword: what to do".  The result is checked as
 * "authmilter -n" checks it.  Exit 0 when the files are written and
 * pass the check (warnings or not), 1 otherwise, 64 on a usage error.
 * See authmilter-migrate(8).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "migrate.h"

#define EX_USAGE_		64
#define DEFAULT_OPENDKIM	"/etc/opendkim.conf"
#define DEFAULT_OPENDMARC	"/etc/opendmarc.conf"

static const char *progname = "authmilter-migrate";

/* usage - the synopsis on stderr (or stdout for --help), then exit */
static void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: %s [--opendkim FILE] "
	    "[--opendmarc FILE] [--out DIR] [--force]\n", progname);
	exit(status);
}

/* main - read the old files, build the new ones, write and check them */
int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "opendkim", required_argument, NULL, 'k' },
		{ "opendmarc", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dkim = NULL, *dmarc = NULL, *out = ".";
	struct migrate m;
	struct mig_conf dkc = { 0 }, dmc = { 0 };
	int ch, force = 0, rc;

	while ((ch = getopt_long(argc, argv, "fho:", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			dkim = optarg;
			break;
		case 'm':
			dmarc = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(EX_USAGE_);
		}
	}
	if (optind != argc)
		usage(EX_USAGE_);
	/* without options: the Debian places, when they are there */
	if (dkim == NULL && dmarc == NULL) {
		if (access(DEFAULT_OPENDKIM, F_OK) == 0)
			dkim = DEFAULT_OPENDKIM;
		if (access(DEFAULT_OPENDMARC, F_OK) == 0)
			dmarc = DEFAULT_OPENDMARC;
		if (dkim == NULL && dmarc == NULL) {
			fprintf(stderr, "%s: neither %s nor %s exists: name "
			    "the files with --opendkim and --opendmarc\n",
			    progname, DEFAULT_OPENDKIM, DEFAULT_OPENDMARC);
			return 1;
		}
	}
	memset(&m, 0, sizeof(m));
	if (dkim != NULL && mig_read_conf(&m, dkim, &dkc) == 0)
		migrate_opendkim(&m, &dkc);
	if (dmarc != NULL && mig_read_conf(&m, dmarc, &dmc) == 0)
		migrate_opendmarc(&m, &dmc);
	if (m.nerr == 0)
		migrate_write(&m, out, force);
	else
		fprintf(stderr, "%s: nothing written\n", progname);
	if (m.nwarn > 0)
		fprintf(stderr, "%s: %u setting%s not carried over as %s "
		    "(above): read each before starting authmilter\n",
		    progname, m.nwarn, m.nwarn == 1 ? "" : "s",
		    m.nwarn == 1 ? "it was" : "they were");
	mig_conf_free(&dkc);
	mig_conf_free(&dmc);
	rc = m.nerr == 0 ? 0 : 1;
	migrate_free(&m);
	return rc;
}
