/*
 * check_tls_policy.c - authmilter-check --postfix-tls-policy: the table's
 * tls=require entries as a Postfix smtp_tls_policy_maps file, so one
 * table states the TLS requirement of a partner for mail both ways
 *
 * Each entry that resolves to tls=require becomes "PATTERN encrypt",
 * with "protocols=>=VERSION" for a tls-min= (Postfix 3.6's syntax);
 * Postfix reads ".example.com" keys as the subdomains, as the table
 * does.  What Postfix cannot state the same way is written as a comment
 * and makes the exit status WARNING: "*" (every domain: that is
 * smtp_tls_security_level, not a policy entry), and a tls=optional
 * entry under a ".parent tls=require" (Postfix would apply the parent's
 * encrypt; we do not weaken it to "may", which could be below the
 * admin's default level).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "table.h"
#include "util.h"
#include "check.h"
#include "check_cmd.h"

/* usage - the mode's options, then CHECK_UNKNOWN */
static int
usage(void)
{
	fprintf(stderr, "usage: authmilter-check --postfix-tls-policy "
	    "[-c authmilter.conf] [-o FILE]\n");
	return CHECK_UNKNOWN;
}

/* write_entry - one table entry's line (or comment); 1 if it warns */
static int
write_entry(FILE *fp, const struct table *t, size_t i, const char *domains)
{
	struct domain_policy pol, up;
	const char *pat = table_entry_lookup(t, i, &pol);
	const char *parent;

	if (strcmp(pat, "*") == 0) {
		if (!pol.tls_require)
			return 0;
		fprintf(fp, "# * tls=require (%s): every domain; Postfix "
		    "states that as smtp_tls_security_level = encrypt in "
		    "main.cf, not here\n", domains);
		fprintf(stderr, "authmilter-check: %s: '* tls=require' is not "
		    "written: set smtp_tls_security_level = encrypt\n",
		    domains);
		return 1;
	}
	if (pol.tls_require) {
		fprintf(fp, "%s\tencrypt", pat);
		if (pol.tls_min != NULL)
			fprintf(fp, " protocols=>=%s", pol.tls_min);
		fputc('\n', fp);
		return 0;
	}
	/*
	 * optional here: Postfix, finding no line for it, tries the
	 * ".parent" keys from the longest; the first in our file decides
	 */
	for (parent = strchr(pat + 1, '.'); parent != NULL;
	    parent = strchr(parent + 1, '.')) {
		if (!table_pattern_lookup(t, parent, &up))
			continue;
		if (up.tls_require) {
			fprintf(fp, "# %s tls=optional: Postfix applies %s's "
			    "encrypt to it\n", pat, parent);
			fprintf(stderr, "authmilter-check: %s: %s has "
			    "tls=optional under %s tls=require; Postfix will "
			    "require TLS to it\n", domains, pat, parent);
			return 1;
		}
	}
	return 0;
}

/* write_policy - the whole file; the exit status */
static int
write_policy(FILE *fp, const struct config *cf)
{
	size_t i, n = table_size(cf->table);
	int warn = 0;

	fprintf(fp, "# Postfix smtp_tls_policy_maps, written by "
	    "authmilter-check --postfix-tls-policy\n"
	    "# from the tls=require entries of %s; do not edit: edit the "
	    "table and run it again\n", cf->domains_path != NULL ?
	    cf->domains_path : "(no Domains table)");
	for (i = 0; i < n; i++)
		warn |= write_entry(fp, cf->table, i, cf->domains_path);
	return warn ? CHECK_WARNING : CHECK_OK;
}

/* check_cmd_tls_policy - write the Postfix TLS policy file */
int
check_cmd_tls_policy(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "postfix-tls-policy", no_argument, NULL, 'P' },
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = CONFIG_DEFAULT_PATH, *out = NULL;
	struct strbuf errors, tmp;
	struct config *cf;
	FILE *fp;
	int c, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:o:", longopts, NULL)) != -1) {
		if (c == 'c')
			conf = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c != 'P')
			return usage();
	}
	if (optind != argc)
		return usage();
	sb_init(&errors);
	if ((cf = config_load(conf, &errors)) == NULL) {
		fputs(errors.s, stderr);
		sb_free(&errors);
		return CHECK_UNKNOWN;
	}
	sb_free(&errors);
	if (out == NULL) {
		status = write_policy(stdout, cf);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "authmilter-check: standard output: "
			    "%s\n", strerror(errno));
			status = CHECK_UNKNOWN;
		}
		config_unref(cf);
		return status;
	}
	/* FILE.tmp, then rename: postmap never reads half a file */
	sb_init(&tmp);
	sb_printf(&tmp, "%s.tmp", out);
	if ((fp = fopen(tmp.s, "w")) == NULL) {
		fprintf(stderr, "authmilter-check: %s: %s\n", tmp.s,
		    strerror(errno));
		status = CHECK_UNKNOWN;
	} else {
		status = write_policy(fp, cf);
		if (fflush(fp) != 0 || ferror(fp) || fclose(fp) != 0 ||
		    rename(tmp.s, out) != 0) {
			fprintf(stderr, "authmilter-check: %s: %s\n", out,
			    strerror(errno));
			(void)unlink(tmp.s);
			status = CHECK_UNKNOWN;
		}
	}
	sb_free(&tmp);
	config_unref(cf);
	return status;
}
